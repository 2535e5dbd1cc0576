//! The case report as data: what a hunter hands over, filled from the workbench's answers
//! ([`Parts`]) and read by the two renderers. Nothing here is formatted or escaped: the
//! renderers make every log-derived string inert for their format.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use crate::analytics::{Exclusion, ExclusionOp, HuntResult, QueryKind};
use crate::event::Event;
use crate::extended::{Block, Edge, EdgeReport};
use crate::index::{IndexStats, InputRecord};

use super::chain::{Chain, chains};

/// Dropped events listed one by one per analytic; the rest are counted by reason.
pub const MAX_DROPPED_LISTED: usize = 200;
/// Hosts listed by event count; the rest are counted.
pub const MAX_HOSTS_LISTED: usize = 100;

/// Everything the report is made from: the workbench's answers (or a test's, or the TUI
/// fake's). [`Report::assemble`] only reads it.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// The index directory, as the user named it.
    pub index: String,
    /// When the report was made (microseconds).
    pub generated: i64,
    pub tz: Option<Tz>,
    pub stats: IndexStats,
    /// The inputs the index recorded (`None`: an index from before they were recorded).
    pub inputs: Option<Vec<InputRecord>>,
    pub inputs_omitted: u64,
    /// Every analytic's result over the whole index, exclusions applied.
    pub results: Vec<HuntResult>,
    pub edges: EdgeReport,
    /// Candidate script blocks missing parts (the extended analytic's reassembly).
    pub incomplete_blocks: Vec<Block>,
    /// Every exclusion, enabled or not.
    pub exclusions: Vec<Exclusion>,
    /// The dropped events (of `results`) by uid, for their time, host and text.
    pub dropped_events: BTreeMap<u64, Event>,
    /// The triage marks, matched to the rows they name (`None`: no triage store).
    pub marks: Option<Vec<MarkedRow>>,
}

/// The case report.
#[derive(Debug, Clone)]
pub struct Report {
    pub index: String,
    pub generated: i64,
    pub tz: Option<Tz>,
    pub evidence: Evidence,
    /// Marked rows, malicious first, then suspicious, benign, untriaged (`None`: no triage).
    pub marks: Option<Vec<MarkedRow>>,
    /// The edges as chains of hops, ordered by time.
    pub chains: Vec<Chain>,
    /// Inbound sessions naming no source (no edge).
    pub sourceless: usize,
    /// Enabled exclusions with what each suppressed.
    pub exclusions: Vec<ExclusionInForce>,
    /// Exclusions switched off (they suppress nothing).
    pub disabled_exclusions: usize,
    /// Per analytic that dropped events: which, and why.
    pub dropped: Vec<DroppedSet>,
    pub gaps: Vec<Gap>,
    pub analytics: Vec<AnalyticCount>,
}

/// The time span and sources of the evidence.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub events: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub by_channel: Vec<(String, u64)>,
    /// The busiest hosts first, at most [`MAX_HOSTS_LISTED`].
    pub by_host: Vec<(String, u64)>,
    pub hosts_total: usize,
    pub inputs: Option<Vec<InputRecord>>,
    pub inputs_omitted: u64,
}

/// A triage mark and what its row holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedRow {
    pub id: String,
    pub analytic: String,
    /// `malicious`, `suspicious`, `benign` or `untriaged`.
    pub status: String,
    pub note: Option<String>,
    /// The row's identity: column → value.
    pub key: Vec<(String, String)>,
    /// Events when it was marked.
    pub marked_count: u64,
    /// (count, first, last) of the row now; `None` when the row is gone from the results.
    pub now: Option<(u64, i64, i64)>,
    /// The row's script block or command line in full, when it has one.
    pub text: Option<String>,
}

impl MarkedRow {
    /// Sort rank of a status: malicious first.
    pub fn rank(status: &str) -> u8 {
        match status {
            "malicious" => 0,
            "suspicious" => 1,
            "benign" => 2,
            _ => 3,
        }
    }
}

/// An enabled exclusion and what it suppressed.
#[derive(Debug, Clone)]
pub struct ExclusionInForce {
    pub exclusion: Exclusion,
    /// `field = "value"` in words.
    pub rule: String,
    pub rows: u64,
    pub events: u64,
}

/// One analytic's dropped events.
#[derive(Debug, Clone)]
pub struct DroppedSet {
    pub analytic: String,
    pub kind: QueryKind,
    pub total: usize,
    /// How many per reason, most first.
    pub by_reason: Vec<(String, usize)>,
    /// The first [`MAX_DROPPED_LISTED`] in time order.
    pub listed: Vec<DroppedEvent>,
}

/// One dropped event.
#[derive(Debug, Clone)]
pub struct DroppedEvent {
    pub time: i64,
    pub computer: String,
    pub event_code: u32,
    pub reason: String,
    pub text: String,
}

/// A script block that arrived without all its parts.
#[derive(Debug, Clone)]
pub struct Gap {
    pub computer: String,
    pub script_block_id: String,
    pub present: usize,
    pub total: u32,
    pub missing: Vec<u32>,
    pub first: i64,
    pub last: i64,
    /// The text of the parts present.
    pub text: String,
}

/// One analytic's row and event counts.
#[derive(Debug, Clone)]
pub struct AnalyticCount {
    pub id: String,
    pub name: String,
    pub kind: QueryKind,
    pub rows: usize,
    pub events: u64,
    pub suppressed_rows: usize,
    pub dropped: usize,
}

impl Report {
    /// Build the report from its parts.
    pub fn assemble(p: Parts) -> Report {
        let mut hosts: Vec<(String, u64)> = p.stats.hosts.clone().into_iter().collect();
        hosts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let hosts_total = hosts.len();
        hosts.truncate(MAX_HOSTS_LISTED);
        let evidence = Evidence {
            events: p.stats.events,
            first: p.stats.first,
            last: p.stats.last,
            by_channel: p.stats.by_channel.clone().into_iter().collect(),
            by_host: hosts,
            hosts_total,
            inputs: p.inputs.clone(),
            inputs_omitted: p.inputs_omitted,
        };
        let mut marks = p.marks.clone();
        if let Some(m) = marks.as_mut() {
            // Malicious first; within a status in the order it happened (the story a reader
            // follows), rows gone from the results last; then by id number (t2 before t10).
            let order = |m: &MarkedRow| {
                let id: u64 = m.id.trim_start_matches('t').parse().unwrap_or(u64::MAX);
                let first = m.now.map_or(i64::MAX, |n| n.1);
                (MarkedRow::rank(&m.status), first, id)
            };
            m.sort_by_key(order);
        }
        Report {
            index: p.index.clone(),
            generated: p.generated,
            tz: p.tz,
            evidence,
            marks,
            chains: chains(&p.edges.edges),
            sourceless: p.edges.sourceless,
            exclusions: in_force(&p),
            disabled_exclusions: p.exclusions.iter().filter(|x| !x.enabled).count(),
            dropped: dropped(&p),
            gaps: p.incomplete_blocks.iter().map(gap).collect(),
            analytics: p.results.iter().map(count).collect(),
        }
    }

    /// Every edge in the chains.
    pub fn edges(&self) -> impl Iterator<Item = &Edge> {
        self.chains.iter().flat_map(|c| c.hops.iter())
    }
}

fn in_force(p: &Parts) -> Vec<ExclusionInForce> {
    p.exclusions
        .iter()
        .filter(|x| x.enabled)
        .map(|x| {
            let s = p
                .results
                .iter()
                .filter(|r| r.query.id == x.analytic)
                .filter_map(|r| r.suppressed.get(&x.id))
                .fold((0, 0), |(r, e), s| (r + s.rows, e + s.events));
            ExclusionInForce {
                exclusion: x.clone(),
                rule: rule(x),
                rows: s.0,
                events: s.1,
            }
        })
        .collect()
}

/// An exclusion's test in words, as `exclusions list` says it.
fn rule(x: &Exclusion) -> String {
    match &x.op {
        ExclusionOp::Equals(v) => format!("{} = \"{v}\"", x.field),
        ExclusionOp::Wildcard(v) => format!("{} like \"{v}\"", x.field),
        ExclusionOp::OneOf(vs) => format!("{} in ({})", x.field, vs.join(", ")),
        ExclusionOp::Sha256(h) => format!("sha256({}) = {h}", x.field),
    }
}

fn dropped(p: &Parts) -> Vec<DroppedSet> {
    p.results
        .iter()
        .filter(|r| !r.dropped.is_empty())
        .map(|r| {
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for d in &r.dropped {
                *reasons.entry(d.reason.as_str()).or_default() += 1;
            }
            let mut by_reason: Vec<(String, usize)> = reasons
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
            by_reason.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let mut listed: Vec<DroppedEvent> = r
                .dropped
                .iter()
                .filter_map(|d| {
                    let e = p.dropped_events.get(&d.uid)?;
                    Some(DroppedEvent {
                        time: e.time,
                        computer: e.computer.clone(),
                        event_code: e.event_code,
                        reason: d.reason.clone(),
                        text: crate::analytics::event_summary(e).into_owned(),
                    })
                })
                .collect();
            listed.sort_by(|a, b| (a.time, &a.computer).cmp(&(b.time, &b.computer)));
            listed.truncate(MAX_DROPPED_LISTED);
            DroppedSet {
                analytic: r.query.id.clone(),
                kind: r.query.kind,
                total: r.dropped.len(),
                by_reason,
                listed,
            }
        })
        .collect()
}

fn gap(b: &Block) -> Gap {
    Gap {
        computer: b.computer.clone(),
        script_block_id: b.script_block_id.clone(),
        present: b.parts.len(),
        total: b.total,
        missing: b.missing.clone(),
        first: b.first,
        last: b.last,
        text: b.text.clone(),
    }
}

fn count(r: &HuntResult) -> AnalyticCount {
    AnalyticCount {
        id: r.query.id.clone(),
        name: r.query.name.clone(),
        kind: r.query.kind,
        rows: r.rows(),
        events: r.events(),
        suppressed_rows: r.suppressed_rows(),
        dropped: r.dropped.len(),
    }
}
