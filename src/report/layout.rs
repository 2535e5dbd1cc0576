//! The one walk over a [`Report`]: [`walk`] holds the section order and the words, and hands
//! each element to a [`Sink`] as raw text. A sink (Markdown, HTML) owns the markup and the
//! escaping, so a section added to the walk reaches every format.

use super::escape::{MAX_CELL, clip};
use super::model::Report;
use super::text::{self, Section};

/// The report's sections in the order the walk writes them (and the HTML nav lists them).
pub const SECTIONS: [Section; 6] = [
    Section::Evidence,
    Section::Marks,
    Section::Chains,
    Section::Exclusions,
    Section::Gaps,
    Section::Analytics,
];

/// Where the walk writes: one method per element of the report. Every `&str` and `String`
/// passed in is raw (possibly log-derived) text; the sink makes it inert and escapes it,
/// except where a parameter says it is the report's own fixed words.
pub trait Sink {
    /// The document's frame before the first section: title, the preamble lines, and (HTML)
    /// the head, style and nav over `sections`.
    fn begin(&mut self, preamble: &[String], sections: &[Section]);
    /// The frame after the last section.
    fn end(&mut self);
    /// A section's heading (the report's own words).
    fn heading(&mut self, section: Section);
    /// A heading below a section: level 3 or 4.
    fn subheading(&mut self, level: u8, text: &str);
    /// A level-3 heading of the report's own fixed words, written as they are like a section
    /// title (HTML would otherwise show its apostrophe as an entity).
    fn fixed_subheading(&mut self, title: &'static str);
    /// A level-3 heading over the marks of one status: `title (count)`, styled by `status`.
    fn status_heading(&mut self, status: &str, title: &str, count: usize);
    /// A level-3 heading over chain `n` (from 1): its hosts in order.
    fn chain_heading(&mut self, n: usize, path: &[&str]);
    /// A paragraph.
    fn para(&mut self, text: &str);
    /// A bulleted list (its frame even when empty).
    fn list(&mut self, items: &[String]);
    /// A table: `header` is the report's own words, `rows` raw cells.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]);
    /// A table of (name, value) pairs without a header.
    fn kv_table(&mut self, rows: &[(String, String)]);
    /// A block of multi-line text (a script) kept whole.
    fn code(&mut self, body: &str);
}

/// Write `r` into `sink`, section by section.
pub fn walk(r: &Report, sink: &mut impl Sink) {
    sink.begin(&text::preamble(r), &SECTIONS);
    for s in SECTIONS {
        sink.heading(s);
        match s {
            Section::Evidence => evidence(r, sink),
            Section::Marks => marks(r, sink),
            Section::Chains => chains(r, sink),
            Section::Exclusions => exclusions(r, sink),
            Section::Gaps => gaps(r, sink),
            Section::Analytics => analytics(r, sink),
        }
    }
    sink.end();
}

fn evidence(r: &Report, sink: &mut impl Sink) {
    sink.list(&text::span_lines(r));
    let counts = |pairs: &[(String, u64)]| -> Vec<Vec<String>> {
        pairs
            .iter()
            .map(|(name, n)| vec![name.clone(), n.to_string()])
            .collect()
    };
    sink.table(&["channel", "events"], &counts(&r.evidence.by_channel));
    sink.subheading(3, &text::hosts_heading(r));
    sink.table(&["host", "events"], &counts(&r.evidence.by_host));
    match &r.evidence.inputs {
        Some(inputs) => {
            sink.subheading(3, &text::inputs_heading(r));
            let rows: Vec<Vec<String>> = inputs
                .iter()
                .map(|i| vec![i.file.clone(), i.events.to_string(), i.ingested.clone()])
                .collect();
            sink.table(&["file", "events read", "ingested (UTC)"], &rows);
        }
        None => sink.para(text::NO_INPUTS),
    }
}

fn marks(r: &Report, sink: &mut impl Sink) {
    let marks = match &r.marks {
        None => return sink.para(text::NO_TRIAGE),
        Some(marks) if marks.is_empty() => return sink.para(text::NO_MARKS),
        Some(marks) => marks,
    };
    for (status, group) in text::by_status(marks) {
        sink.status_heading(status, &text::title(status), group.len());
        for m in group {
            // A Sigma rule's id is a UUID: the heading names the analytic by its title too.
            let name = r.analytics.iter().find(|a| a.id == m.analytic);
            let heading = match name {
                Some(a) if a.name != m.analytic => {
                    format!("{} · {} ({})", m.id, a.name, m.analytic)
                }
                _ => format!("{} · {}", m.id, m.analytic),
            };
            sink.subheading(4, &heading);
            // A table cell stays short; the whole value is in the block below or the index.
            let fields: Vec<(String, String)> = text::mark_fields(m, r.tz)
                .into_iter()
                .map(|(k, v)| (k, clip(&v, MAX_CELL)))
                .collect();
            sink.kv_table(&fields);
            if let Some(body) = &m.text {
                sink.code(body);
            }
        }
    }
}

fn chains(r: &Report, sink: &mut impl Sink) {
    if r.chains.is_empty() {
        sink.para(text::NO_EDGES);
    }
    for (i, c) in r.chains.iter().enumerate() {
        sink.chain_heading(i + 1, &c.path());
        let rows: Vec<Vec<String>> = c
            .hops
            .iter()
            .enumerate()
            .map(|(n, h)| text::hop_cells(n + 1, h, r.tz))
            .collect();
        sink.table(&text::HOP_COLUMNS, &rows);
    }
    for line in text::edges_footer(r) {
        sink.para(&line);
    }
}

fn exclusions(r: &Report, sink: &mut impl Sink) {
    if r.exclusions.is_empty() {
        sink.para(text::NO_EXCLUSIONS);
    } else {
        let rows: Vec<Vec<String>> = r.exclusions.iter().map(text::exclusion_cells).collect();
        sink.table(&text::EXCLUSION_COLUMNS, &rows);
    }
    if let Some(line) = text::disabled_line(r) {
        sink.para(&line);
    }
}

fn gaps(r: &Report, sink: &mut impl Sink) {
    sink.fixed_subheading(text::DROPPED_HEADING);
    if r.dropped.is_empty() {
        sink.para(text::NO_DROPPED);
    }
    for d in &r.dropped {
        sink.subheading(4, &format!("{} ({})", d.analytic, d.total));
        if let Some(line) = text::dropped_kept(d) {
            sink.para(line);
        }
        let reasons: Vec<String> = d
            .by_reason
            .iter()
            .map(|(reason, n)| format!("{n} × {reason}"))
            .collect();
        sink.list(&reasons);
        let rows: Vec<Vec<String>> = d
            .listed
            .iter()
            .map(|e| text::dropped_cells(e, r.tz))
            .collect();
        sink.table(&text::DROPPED_COLUMNS, &rows);
        if let Some(line) = text::dropped_more(d) {
            sink.para(&line);
        }
    }
    sink.fixed_subheading(text::GAPS_HEADING);
    if r.gaps.is_empty() {
        sink.para(text::NO_GAPS);
    } else {
        let rows: Vec<Vec<String>> = r.gaps.iter().map(|g| text::gap_cells(g, r.tz)).collect();
        sink.table(&text::GAP_COLUMNS, &rows);
    }
}

fn analytics(r: &Report, sink: &mut impl Sink) {
    let rows: Vec<Vec<String>> = r.analytics.iter().map(text::analytic_cells).collect();
    sink.table(&text::ANALYTIC_COLUMNS, &rows);
}
