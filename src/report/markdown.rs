//! The report as Markdown (the default): headings, pipe tables and fenced blocks. Every
//! log-derived string goes through `escape::md` (cells, list items) or `escape::md_code`
//! (whole script blocks).

use std::fmt::Write;

use super::escape::{MAX_CELL, clip, md, md_code};
use super::model::Report;
use super::text::{self, Section};

/// Render the report as Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# huntbench case report\n");
    for line in text::preamble(r) {
        let _ = writeln!(out, "{}  ", md(&line));
    }
    out.push('\n');

    heading(&mut out, Section::Evidence);
    for line in text::span_lines(r) {
        let _ = writeln!(out, "- {}", md(&line));
    }
    out.push('\n');
    table(
        &mut out,
        &["channel", "events"],
        r.evidence
            .by_channel
            .iter()
            .map(|(c, n)| vec![md(c), n.to_string()]),
    );
    let _ = writeln!(out, "### {}\n", md(&text::hosts_heading(r)));
    table(
        &mut out,
        &["host", "events"],
        r.evidence
            .by_host
            .iter()
            .map(|(h, n)| vec![md(h), n.to_string()]),
    );
    match &r.evidence.inputs {
        Some(inputs) => {
            let _ = writeln!(out, "### {}\n", md(&text::inputs_heading(r)));
            table(
                &mut out,
                &["file", "events read", "ingested (UTC)"],
                inputs
                    .iter()
                    .map(|i| vec![md(&i.file), i.events.to_string(), md(&i.ingested)]),
            );
        }
        None => {
            let _ = writeln!(out, "{}\n", md(text::NO_INPUTS));
        }
    }

    heading(&mut out, Section::Marks);
    match &r.marks {
        None => {
            let _ = writeln!(out, "{}\n", md(text::NO_TRIAGE));
        }
        Some(marks) if marks.is_empty() => {
            let _ = writeln!(out, "{}\n", md(text::NO_MARKS));
        }
        Some(marks) => {
            for (status, group) in text::by_status(marks) {
                let _ = writeln!(out, "### {} ({})\n", text::title(status), group.len());
                for m in group {
                    let _ = writeln!(out, "#### {} · {}\n", md(&m.id), md(&m.analytic));
                    table(
                        &mut out,
                        &["", ""],
                        text::mark_fields(m, r.tz)
                            .into_iter()
                            .map(|(k, v)| vec![md(&k), md(&clip(&v, MAX_CELL))]),
                    );
                    if let Some(body) = &m.text {
                        out.push_str(&md_code(body));
                        out.push('\n');
                    }
                }
            }
        }
    }

    heading(&mut out, Section::Chains);
    if r.chains.is_empty() {
        let _ = writeln!(out, "{}\n", md(text::NO_EDGES));
    }
    for (i, c) in r.chains.iter().enumerate() {
        let path: Vec<String> = c.path().iter().map(|h| md(h)).collect();
        let _ = writeln!(out, "### Chain {}: {}\n", i + 1, path.join(" → "));
        table(
            &mut out,
            &text::HOP_COLUMNS,
            c.hops.iter().enumerate().map(|(n, h)| {
                text::hop_cells(n + 1, h, r.tz)
                    .iter()
                    .map(|v| md(v))
                    .collect()
            }),
        );
    }
    for line in text::edges_footer(r) {
        let _ = writeln!(out, "{}\n", md(&line));
    }

    heading(&mut out, Section::Exclusions);
    if r.exclusions.is_empty() {
        let _ = writeln!(out, "{}\n", md(text::NO_EXCLUSIONS));
    } else {
        table(
            &mut out,
            &text::EXCLUSION_COLUMNS,
            r.exclusions
                .iter()
                .map(|x| text::exclusion_cells(x).iter().map(|v| md(v)).collect()),
        );
    }
    if let Some(line) = text::disabled_line(r) {
        let _ = writeln!(out, "{}\n", md(&line));
    }

    heading(&mut out, Section::Gaps);
    let _ = writeln!(out, "### Events the analytics' stats dropped\n");
    if r.dropped.is_empty() {
        let _ = writeln!(out, "{}\n", md(text::NO_DROPPED));
    }
    for d in &r.dropped {
        let _ = writeln!(out, "#### {} ({})\n", md(&d.analytic), d.total);
        if let Some(line) = text::dropped_kept(d) {
            let _ = writeln!(out, "{}\n", md(line));
        }
        for (reason, n) in &d.by_reason {
            let _ = writeln!(out, "- {n} × {}", md(reason));
        }
        out.push('\n');
        table(
            &mut out,
            &text::DROPPED_COLUMNS,
            d.listed
                .iter()
                .map(|e| text::dropped_cells(e, r.tz).iter().map(|v| md(v)).collect()),
        );
        if let Some(line) = text::dropped_more(d) {
            let _ = writeln!(out, "{}\n", md(&line));
        }
    }
    let _ = writeln!(out, "### Script blocks missing parts (reassembly gaps)\n");
    if r.gaps.is_empty() {
        let _ = writeln!(out, "{}\n", md(text::NO_GAPS));
    } else {
        table(
            &mut out,
            &text::GAP_COLUMNS,
            r.gaps
                .iter()
                .map(|g| text::gap_cells(g, r.tz).iter().map(|v| md(v)).collect()),
        );
    }

    heading(&mut out, Section::Analytics);
    table(
        &mut out,
        &text::ANALYTIC_COLUMNS,
        r.analytics
            .iter()
            .map(|a| text::analytic_cells(a).iter().map(|v| md(v)).collect()),
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn heading(out: &mut String, s: Section) {
    let _ = writeln!(out, "## {}\n", s.title());
}

/// A pipe table of cells already escaped.
fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    let mut any = false;
    for row in rows {
        any = true;
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    if !any {
        let _ = writeln!(out, "| {} |", vec!["—"; header.len()].join(" | "));
    }
    out.push('\n');
}
