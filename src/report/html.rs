//! The report as one self-contained HTML file: inline CSS, no script, no link, image, font or
//! any other reference a browser would fetch. Every log-derived string goes through
//! `escape::html` (or `escape::html_pre` inside `<pre>`), after it is made inert.

use std::fmt::Write;

use super::escape::{MAX_CELL, clip, html, html_pre};
use super::model::Report;
use super::text::{self, Section};

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 78em; padding: 0 1em; color: #1d1d1f; background: #fff; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #d0d4da; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.1em; margin-top: 1.5em; }
h4 { font-size: 1em; margin: 1.2em 0 .4em; }
p.meta { color: #555; margin: .1em 0; }
nav ol { columns: 2; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { border: 1px solid #d0d4da; padding: .25em .5em; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f0f2f5; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 12em; }
pre { background: #f6f8fa; border: 1px solid #d0d4da; padding: .6em; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12.5px; }
.st { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 600; }
.malicious { background: #fdd; color: #900; }
.suspicious { background: #fec; color: #840; }
.benign { background: #dfd; color: #060; }
.untriaged { background: #eee; color: #444; }
.path { font-family: ui-monospace, monospace; }
";

/// Render the report as HTML.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<title>huntbench case report</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<h1>huntbench case report</h1>\n");
    for line in text::preamble(r) {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", html(&line));
    }
    out.push_str("<nav><ol>\n");
    for s in [
        Section::Evidence,
        Section::Marks,
        Section::Chains,
        Section::Exclusions,
        Section::Gaps,
        Section::Analytics,
    ] {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", s.id(), s.title());
    }
    out.push_str("</ol></nav>\n");

    heading(&mut out, Section::Evidence);
    out.push_str("<ul>\n");
    for line in text::span_lines(r) {
        let _ = writeln!(out, "<li>{}</li>", html(&line));
    }
    out.push_str("</ul>\n");
    table(
        &mut out,
        &["channel", "events"],
        r.evidence
            .by_channel
            .iter()
            .map(|(c, n)| vec![html(c), n.to_string()]),
    );
    let _ = writeln!(out, "<h3>{}</h3>", html(&text::hosts_heading(r)));
    table(
        &mut out,
        &["host", "events"],
        r.evidence
            .by_host
            .iter()
            .map(|(h, n)| vec![html(h), n.to_string()]),
    );
    match &r.evidence.inputs {
        Some(inputs) => {
            let _ = writeln!(out, "<h3>{}</h3>", html(&text::inputs_heading(r)));
            table(
                &mut out,
                &["file", "events read", "ingested (UTC)"],
                inputs
                    .iter()
                    .map(|i| vec![html(&i.file), i.events.to_string(), html(&i.ingested)]),
            );
        }
        None => para(&mut out, text::NO_INPUTS),
    }

    heading(&mut out, Section::Marks);
    match &r.marks {
        None => para(&mut out, text::NO_TRIAGE),
        Some(marks) if marks.is_empty() => para(&mut out, text::NO_MARKS),
        Some(marks) => {
            for (status, group) in text::by_status(marks) {
                let _ = writeln!(
                    out,
                    "<h3><span class=\"st {}\">{}</span> ({})</h3>",
                    html(status),
                    html(&text::title(status)),
                    group.len()
                );
                for m in group {
                    let _ = writeln!(out, "<h4>{} · {}</h4>", html(&m.id), html(&m.analytic));
                    out.push_str("<table class=\"kv\">\n");
                    for (k, v) in text::mark_fields(m, r.tz) {
                        let _ = writeln!(
                            out,
                            "<tr><th>{}</th><td>{}</td></tr>",
                            html(&k),
                            html(&clip(&v, MAX_CELL))
                        );
                    }
                    out.push_str("</table>\n");
                    if let Some(body) = &m.text {
                        let _ = writeln!(out, "<pre>{}</pre>", html_pre(body));
                    }
                }
            }
        }
    }

    heading(&mut out, Section::Chains);
    if r.chains.is_empty() {
        para(&mut out, text::NO_EDGES);
    }
    for (i, c) in r.chains.iter().enumerate() {
        let path: Vec<String> = c.path().iter().map(|h| html(h)).collect();
        let _ = writeln!(
            out,
            "<h3>Chain {}: <span class=\"path\">{}</span></h3>",
            i + 1,
            path.join(" → ")
        );
        table(
            &mut out,
            &text::HOP_COLUMNS,
            c.hops.iter().enumerate().map(|(n, h)| {
                text::hop_cells(n + 1, h, r.tz)
                    .iter()
                    .map(|v| html(v))
                    .collect()
            }),
        );
    }
    for line in text::edges_footer(r) {
        para(&mut out, &line);
    }

    heading(&mut out, Section::Exclusions);
    if r.exclusions.is_empty() {
        para(&mut out, text::NO_EXCLUSIONS);
    } else {
        table(
            &mut out,
            &text::EXCLUSION_COLUMNS,
            r.exclusions
                .iter()
                .map(|x| text::exclusion_cells(x).iter().map(|v| html(v)).collect()),
        );
    }
    if let Some(line) = text::disabled_line(r) {
        para(&mut out, &line);
    }

    heading(&mut out, Section::Gaps);
    out.push_str("<h3>Events the analytics' stats dropped</h3>\n");
    if r.dropped.is_empty() {
        para(&mut out, text::NO_DROPPED);
    }
    for d in &r.dropped {
        let _ = writeln!(out, "<h4>{} ({})</h4>", html(&d.analytic), d.total);
        if let Some(line) = text::dropped_kept(d) {
            para(&mut out, line);
        }
        out.push_str("<ul>\n");
        for (reason, n) in &d.by_reason {
            let _ = writeln!(out, "<li>{n} × {}</li>", html(reason));
        }
        out.push_str("</ul>\n");
        table(
            &mut out,
            &text::DROPPED_COLUMNS,
            d.listed.iter().map(|e| {
                text::dropped_cells(e, r.tz)
                    .iter()
                    .map(|v| html(v))
                    .collect()
            }),
        );
        if let Some(line) = text::dropped_more(d) {
            para(&mut out, &line);
        }
    }
    out.push_str("<h3>Script blocks missing parts (reassembly gaps)</h3>\n");
    if r.gaps.is_empty() {
        para(&mut out, text::NO_GAPS);
    } else {
        table(
            &mut out,
            &text::GAP_COLUMNS,
            r.gaps
                .iter()
                .map(|g| text::gap_cells(g, r.tz).iter().map(|v| html(v)).collect()),
        );
    }

    heading(&mut out, Section::Analytics);
    table(
        &mut out,
        &text::ANALYTIC_COLUMNS,
        r.analytics
            .iter()
            .map(|a| text::analytic_cells(a).iter().map(|v| html(v)).collect()),
    );
    out.push_str("</body>\n</html>\n");
    out
}

fn heading(out: &mut String, s: Section) {
    let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", s.id(), s.title());
}

fn para(out: &mut String, s: &str) {
    let _ = writeln!(out, "<p>{}</p>", html(s));
}

/// A table of cells already escaped; cells that are whole numbers align right.
fn table(out: &mut String, header: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str("<table>\n<tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", html(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let numeric = !cell.is_empty() && cell.bytes().all(|b| b.is_ascii_digit());
            let class = if numeric { " class=\"n\"" } else { "" };
            let _ = write!(out, "<td{class}>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}
