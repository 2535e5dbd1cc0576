//! The report's words, which the walk (`layout`) hands to both formats: section titles,
//! sentences and table cells as plain (unescaped) text. Each format's sink adds the markup and
//! escapes every string it is given.

use chrono_tz::Tz;

use super::model::{
    AnalyticCount, DroppedEvent, DroppedSet, ExclusionInForce, Gap, MarkedRow, Report,
};
use crate::analytics::QueryKind;
use crate::extended::Edge;
use crate::time::ctime;

use super::escape::{MAX_CELL, clip};

/// The report's sections, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Evidence,
    Marks,
    Chains,
    Exclusions,
    Gaps,
    Analytics,
}

impl Section {
    /// The heading.
    pub fn title(self) -> &'static str {
        match self {
            Section::Evidence => "Evidence: time span and sources",
            Section::Marks => "Marked rows (triage)",
            Section::Chains => "Lateral movement: the edges as chains",
            Section::Exclusions => "Exclusions in force",
            Section::Gaps => "Dropped or incomplete",
            Section::Analytics => "Analytics: row counts",
        }
    }

    /// The anchor id of the section in HTML.
    pub fn id(self) -> &'static str {
        match self {
            Section::Evidence => "evidence",
            Section::Marks => "marks",
            Section::Chains => "chains",
            Section::Exclusions => "exclusions",
            Section::Gaps => "gaps",
            Section::Analytics => "analytics",
        }
    }
}

pub const NO_INPUTS: &str = "This index records no input files: it was built before huntbench recorded them at ingest. Ingest the original files again to record them (their events are recognized as duplicates and skipped).";
pub const NO_TRIAGE: &str = "No triage marks were read for this report.";
pub const NO_MARKS: &str = "No row is marked (`huntbench triage set`, or `m` in the workbench).";
pub const NO_EDGES: &str = "No edges: no remote execution with a literal target, and no inbound session naming its source.";
pub const NO_EXCLUSIONS: &str = "No exclusion is in force: every row the analytics found is shown.";
pub const NO_DROPPED: &str = "No analytic dropped an event: every match has all its by-fields.";
pub const NO_GAPS: &str = "No candidate script block is missing parts.";

/// The heading of [`Section::Gaps`]' first part: events the analytics' stats dropped.
pub const DROPPED_HEADING: &str = "Events the analytics' stats dropped";
/// The heading of its second part: script blocks missing parts.
pub const GAPS_HEADING: &str = "Script blocks missing parts (reassembly gaps)";

/// A time as the report shows it (the preamble names the zone).
pub fn time(t: i64, tz: Option<Tz>) -> String {
    ctime(t, tz)
}

fn zone(tz: Option<Tz>) -> String {
    tz.map_or_else(|| "UTC".to_string(), |z| z.name().to_string())
}

/// What, where and when: the lines under the title.
pub fn preamble(r: &Report) -> Vec<String> {
    vec![
        format!("Index: {}", r.index),
        format!(
            "Generated: {} ({}) by huntbench {}",
            time(r.generated, r.tz),
            zone(r.tz),
            env!("CARGO_PKG_VERSION")
        ),
        format!("Times are {}.", zone(r.tz)),
    ]
}

/// The evidence's size and span.
pub fn span_lines(r: &Report) -> Vec<String> {
    let e = &r.evidence;
    let at = |t: Option<i64>| t.map_or_else(|| "-".to_string(), |t| time(t, r.tz));
    vec![
        format!("Events: {}", e.events),
        format!("First event: {}", at(e.first)),
        format!("Last event: {}", at(e.last)),
        format!("Channels: {}, hosts: {}", e.by_channel.len(), e.hosts_total),
    ]
}

pub fn hosts_heading(r: &Report) -> String {
    let e = &r.evidence;
    if e.hosts_total > e.by_host.len() {
        format!(
            "Hosts: the {} with most events of {}",
            e.by_host.len(),
            e.hosts_total
        )
    } else {
        format!("Hosts ({})", e.hosts_total)
    }
}

pub fn inputs_heading(r: &Report) -> String {
    let n = r.evidence.inputs.as_ref().map_or(0, Vec::len);
    let mut s = format!("Files ingested ({n})");
    if r.evidence.inputs_omitted > 0 {
        s += &format!(
            "; {} older file names are not kept (the index records the latest {})",
            r.evidence.inputs_omitted,
            crate::index::MAX_INPUTS
        );
    }
    s
}

/// Marks grouped by status, malicious first (they arrive sorted).
pub fn by_status(marks: &[MarkedRow]) -> Vec<(&str, Vec<&MarkedRow>)> {
    let mut out: Vec<(&str, Vec<&MarkedRow>)> = Vec::new();
    for m in marks {
        match out.last_mut() {
            Some((s, group)) if *s == m.status => group.push(m),
            _ => out.push((m.status.as_str(), vec![m])),
        }
    }
    out
}

/// `malicious` → `Malicious`.
pub fn title(status: &str) -> String {
    let mut c = status.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A mark's fields, one (name, value) per line of its block.
pub fn mark_fields(m: &MarkedRow, tz: Option<Tz>) -> Vec<(String, String)> {
    let mut out = vec![
        ("status".to_string(), m.status.clone()),
        ("note".to_string(), m.note.clone().unwrap_or_default()),
    ];
    out.extend(m.key.iter().cloned());
    match m.now {
        Some((count, first, last)) => {
            let growth = if count > m.marked_count {
                format!(
                    " ({} when marked: grew by {})",
                    m.marked_count,
                    count - m.marked_count
                )
            } else {
                String::new()
            };
            out.push(("events now".into(), format!("{count}{growth}")));
            out.push(("first event".into(), time(first, tz)));
            out.push(("last event".into(), time(last, tz)));
        }
        None => out.push((
            "events now".into(),
            format!(
                "the row is no longer in the results ({} events when marked)",
                m.marked_count
            ),
        )),
    }
    out
}

pub const HOP_COLUMNS: [&str; 9] = [
    "#",
    "source → target",
    "first",
    "last",
    "events",
    "known from",
    "source end",
    "target end",
    "users",
];

/// One hop's cells: how each end is known is its techniques (source side: the script or
/// command that named the target) and its inbound evidence (target side).
pub fn hop_cells(n: usize, h: &Edge, tz: Option<Tz>) -> Vec<String> {
    let (target, source): (Vec<&String>, Vec<&String>) =
        h.techniques.iter().partition(|t| t.starts_with("inbound:"));
    let list = |v: Vec<&String>| {
        let items: Vec<&str> = v
            .iter()
            .map(|t| t.strip_prefix("inbound:").unwrap_or(t))
            .collect();
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut known = match h.ends {
        crate::extended::Ends::Both => "both ends".to_string(),
        one => format!("{} end only", one.label()),
    };
    if !h.notes.is_empty() {
        known += &format!(" ({})", h.note());
    }
    vec![
        n.to_string(),
        format!("{} → {}", h.source, h.target),
        time(h.first, tz),
        time(h.last, tz),
        h.count.to_string(),
        known,
        list(source),
        list(target),
        h.users.join(", "),
    ]
}

/// What the chains leave out.
pub fn edges_footer(r: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    let unresolved = r.edges().filter(|e| e.is_unresolved()).count();
    if unresolved > 0 {
        lines.push(format!(
            "{unresolved} hop(s) end in an unresolved target (`?…`): no session of the same user within {} min to join, never guessed.",
            crate::extended::WINDOW / 60 / crate::time::MICROS
        ));
    }
    if r.sourceless > 0 {
        lines.push(format!(
            "{} inbound session(s) name no source and make no edge (`huntbench hunt winrm_remoting_inbound` lists them).",
            r.sourceless
        ));
    }
    lines
}

pub const EXCLUSION_COLUMNS: [&str; 7] = [
    "id",
    "analytic",
    "rule",
    "note",
    "rows suppressed",
    "events suppressed",
    "added",
];

pub fn exclusion_cells(x: &ExclusionInForce) -> Vec<String> {
    vec![
        x.exclusion.id.clone(),
        x.exclusion.analytic.clone(),
        clip(&x.rule, MAX_CELL),
        x.exclusion.note.clone().unwrap_or_default(),
        x.rows.to_string(),
        x.events.to_string(),
        x.exclusion.created.clone(),
    ]
}

pub fn disabled_line(r: &Report) -> Option<String> {
    (r.disabled_exclusions > 0).then(|| {
        format!(
            "{} more exclusion(s) are switched off and suppress nothing.",
            r.disabled_exclusions
        )
    })
}

pub const DROPPED_COLUMNS: [&str; 5] = ["time", "computer", "code", "reason", "text"];

pub fn dropped_cells(e: &DroppedEvent, tz: Option<Tz>) -> Vec<String> {
    vec![
        time(e.time, tz),
        e.computer.clone(),
        e.event_code.to_string(),
        e.reason.clone(),
        clip(&e.text, MAX_CELL),
    ]
}

/// The extended analytic keeps in its rows the events ESCU's stats drop: say so, lest they
/// read as lost.
pub fn dropped_kept(d: &DroppedSet) -> Option<&'static str> {
    (d.kind == QueryKind::Extended).then_some(
        "These events are in this analytic's rows; ESCU matches them but its stats drop them, so ESCU has no row for them.",
    )
}

pub fn dropped_more(d: &DroppedSet) -> Option<String> {
    (d.total > d.listed.len()).then(|| {
        format!(
            "{} more not listed (`huntbench hunt {}` lists them all).",
            d.total - d.listed.len(),
            d.analytic
        )
    })
}

pub const GAP_COLUMNS: [&str; 7] = [
    "computer",
    "script block id",
    "parts present",
    "missing parts",
    "first",
    "last",
    "text of the parts present",
];

pub fn gap_cells(g: &Gap, tz: Option<Tz>) -> Vec<String> {
    let missing: Vec<String> = g.missing.iter().take(20).map(u32::to_string).collect();
    let mut missing = missing.join(", ");
    if g.missing.len() > 20 {
        missing += &format!(" and {} more", g.missing.len() - 20);
    }
    vec![
        g.computer.clone(),
        g.script_block_id.clone(),
        format!("{} of {}", g.present, g.total),
        missing,
        time(g.first, tz),
        time(g.last, tz),
        clip(&g.text, MAX_CELL),
    ]
}

pub const ANALYTIC_COLUMNS: [&str; 7] = [
    "analytic",
    "id",
    "kind",
    "rows",
    "events",
    "rows suppressed",
    "events dropped",
];

pub fn analytic_cells(a: &AnalyticCount) -> Vec<String> {
    let kind = match a.kind {
        QueryKind::Parity => "ESCU parity",
        QueryKind::Extended => "extended (huntbench)",
        QueryKind::Inbound => "inbound (huntbench)",
        QueryKind::Sigma => "Sigma rule",
    };
    vec![
        a.name.clone(),
        a.id.clone(),
        kind.to_string(),
        a.rows.to_string(),
        a.events.to_string(),
        a.suppressed_rows.to_string(),
        a.dropped.to_string(),
    ]
}
