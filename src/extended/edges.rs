//! Source → target edges of remote execution, joined from both ends of each hop: the source
//! side (extended rows: a host ran `Invoke-Command -cn X`) and the target side (inbound
//! sessions: X logged a remote session from a source). Hosts are [`HostMap`] nodes, so one
//! hop spelled three ways is one edge and a chain through `SRV-DB01` / `srv-db01.corp.local`
//! holds together.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::hosts::{HostMap, Node};
use super::hunt::ExtendedRow;
use super::inbound::InboundRow;
use super::joins::{join_unresolved, link_sourceless};
use crate::time::{MICROS, ctime};

/// How far apart the two ends of one hop may be logged (clock skew, long sessions).
pub const WINDOW: i64 = 5 * 60 * MICROS;

/// Which end of a hop logged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ends {
    /// Only the source (its script or command line names the target).
    Source,
    /// Only the target (a remote session from the source).
    Target,
    Both,
}

impl Ends {
    /// `source`, `target` or `both`.
    pub fn label(self) -> &'static str {
        match self {
            Ends::Source => "source",
            Ends::Target => "target",
            Ends::Both => "both",
        }
    }
}

/// One source host reaching one target host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The source node's display name (its fullest spelling).
    pub source: String,
    /// The target node's display name; `?<expression>` for a target no end resolves.
    pub target: String,
    pub ends: Ends,
    /// Accounts seen at either end, one spelling per account, sorted.
    pub users: Vec<String>,
    /// Events at both ends: the source rows' counts plus the target sessions' evidence.
    pub count: u64,
    pub first: i64,
    pub last: i64,
    /// Source techniques and target evidence kinds (`inbound:wsmprovhost child`), sorted.
    pub techniques: Vec<String>,
    /// uids of the target-side events, sorted.
    pub evidence: Vec<u64>,
    /// How the edge was put together where that is not plain: joins, kept spellings.
    pub notes: Vec<String>,
}

impl Edge {
    /// A source-side target no end resolved (`?$targets`, never guessed).
    pub fn is_unresolved(&self) -> bool {
        self.target.starts_with('?')
    }

    /// The notes as one line (empty when none).
    pub fn note(&self) -> String {
        self.notes.join("; ")
    }
}

/// The edges and what could not become one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EdgeReport {
    /// Resolved edges first (by source, target), then unresolved targets.
    pub edges: Vec<Edge>,
    /// Inbound sessions that name no source and no edge could take: nothing says who
    /// connected, so they make no edge (`winrm_remoting_inbound` lists them).
    pub sourceless: usize,
}

/// An account's identity: case-insensitive (`CORP\alice` = `corp\Alice`).
pub(crate) fn user_key(u: &str) -> String {
    u.trim().to_lowercase()
}

pub(super) fn is_sid(key: &str) -> bool {
    key.starts_with("s-1-")
}

pub(super) fn row_user(r: &ExtendedRow) -> Option<&str> {
    r.user.as_deref().or(r.user_id.as_deref())
}

/// Time between two spans (0 when they overlap).
pub(super) fn gap(a: (i64, i64), b: (i64, i64)) -> i64 {
    (b.0 - a.1).max(a.0 - b.1).max(0)
}

pub(super) fn describe_gap(micros: i64) -> String {
    let s = micros / MICROS;
    if s < 60 {
        format!("{s} s apart")
    } else {
        format!("{} min apart", s / 60)
    }
}

/// One edge being gathered: which rows and sessions it holds (sets, so adding twice is
/// harmless and nothing counts twice).
#[derive(Default)]
pub(super) struct Acc {
    source: Option<Node>,
    target: Option<Node>,
    pub rows: BTreeSet<usize>,
    pub sessions: BTreeSet<usize>,
    pub notes: BTreeSet<String>,
}

/// Edge key: (unresolved, source node, target node).
pub(super) type Key = (bool, String, String);

pub(super) struct Builder<'a> {
    pub rows: &'a [ExtendedRow],
    pub inbound: &'a [InboundRow],
    pub map: BTreeMap<Key, Acc>,
}

impl Builder<'_> {
    pub(super) fn acc(&mut self, s: &Node, t: &Node, unresolved: bool) -> &mut Acc {
        let a = self
            .map
            .entry((unresolved, s.key.clone(), t.key.clone()))
            .or_default();
        for (slot, n) in [(&mut a.source, s), (&mut a.target, t)] {
            if slot.is_none() {
                *slot = Some(n.clone());
            }
            if let Some(note) = &n.note {
                a.notes.insert(note.clone());
            }
        }
        a
    }

    fn finish(self) -> Vec<Edge> {
        let (rows, inbound) = (self.rows, self.inbound);
        self.map
            .into_values()
            .map(|a| {
                let mut users: BTreeMap<String, String> = BTreeMap::new();
                let mut techniques = BTreeSet::new();
                let mut evidence = BTreeSet::new();
                let (mut count, mut first, mut last) = (0, i64::MAX, i64::MIN);
                for r in a.rows.iter().map(|&i| &rows[i]) {
                    count += r.count;
                    (first, last) = (first.min(r.first), last.max(r.last));
                    techniques.insert(r.technique.clone());
                    if let Some(u) = row_user(r) {
                        users.entry(user_key(u)).or_insert_with(|| u.to_string());
                    }
                }
                for s in a.sessions.iter().map(|&i| &inbound[i]) {
                    count += s.count;
                    (first, last) = (first.min(s.first), last.max(s.last));
                    techniques.extend(s.evidence.iter().map(|k| format!("inbound:{k}")));
                    evidence.extend(s.events.iter().copied());
                    if let Some(u) = s.user.as_deref() {
                        users.entry(user_key(u)).or_insert_with(|| u.to_string());
                    }
                }
                let ends = match (a.rows.is_empty(), a.sessions.is_empty()) {
                    (false, false) => Ends::Both,
                    (false, true) => Ends::Source,
                    _ => Ends::Target,
                };
                let name = |n: Option<Node>| n.map(|n| n.display).unwrap_or_default();
                Edge {
                    source: name(a.source),
                    target: name(a.target),
                    ends,
                    users: users.into_values().collect(),
                    count,
                    first,
                    last,
                    techniques: techniques.into_iter().collect(),
                    evidence: evidence.into_iter().collect(),
                    notes: a.notes.into_iter().collect(),
                }
            })
            .collect()
    }
}

/// Join both ends into edges. `hosts` holds what the index says about names and addresses;
/// the rows' and sessions' own host names are learned on top.
///
/// - A row's literal target makes an edge from the row's host (`localhost` is the host).
/// - A session naming its source (`source`, else `source_ip`) makes an edge to its host.
/// - A row's unresolved target (`?$x`) joins every session of the same user within
///   [`WINDOW`] whose source is the row's host or unknown; with none it stays unresolved.
/// - A session naming no source joins the one edge to its host whose source side is within
///   [`WINDOW`] and whose users do not differ from its own; otherwise it makes no edge and is
///   counted in [`EdgeReport::sourceless`].
pub fn edges(rows: &[ExtendedRow], inbound: &[InboundRow], hosts: &HostMap) -> EdgeReport {
    let mut hosts = hosts.clone();
    for r in rows {
        hosts.learn_name(&r.computer);
        for t in r.targets.iter().filter(|t| !t.starts_with('?')) {
            hosts.learn_name(t);
        }
    }
    for s in inbound {
        hosts.learn_name(&s.computer);
        if let Some(src) = &s.source {
            hosts.learn_name(src);
        }
    }
    let node = |raw: &str, ctx: &str| {
        hosts.node(raw, ctx).unwrap_or_else(|| Node {
            key: raw.to_lowercase(),
            display: raw.to_string(),
            note: None,
        })
    };
    let mut b = Builder {
        rows,
        inbound,
        map: BTreeMap::new(),
    };
    for (i, r) in rows.iter().enumerate() {
        let s = node(&r.computer, &r.computer);
        for t in r.targets.iter().filter(|t| !t.starts_with('?')) {
            b.acc(&s, &node(t, &r.computer), false).rows.insert(i);
        }
    }
    // Sessions and the nodes of their ends; `None` source: nothing names it.
    let ends: Vec<(Node, Option<Node>)> = inbound
        .iter()
        .map(|s| {
            let named = s.source.as_deref().or(s.source_ip.as_deref());
            let src = named.and_then(|n| hosts.node(n, &s.computer));
            (node(&s.computer, &s.computer), src)
        })
        .collect();
    let mut placed = vec![false; inbound.len()];
    for (j, (t, src)) in ends.iter().enumerate() {
        if let Some(src) = src {
            b.acc(src, t, false).sessions.insert(j);
            placed[j] = true;
        }
    }
    join_unresolved(&mut b, &hosts, &ends, &mut placed);
    link_sourceless(&mut b, &ends, &mut placed);
    let sourceless = placed.iter().filter(|p| !**p).count();
    EdgeReport {
        edges: b.finish(),
        sourceless,
    }
}

/// The columns of an edge in tables and CSV, in order.
pub const EDGE_COLUMNS: [&str; 10] = [
    "source",
    "target",
    "ends",
    "users",
    "count",
    "firstTime",
    "lastTime",
    "techniques",
    "evidence",
    "note",
];

/// An edge's cells under [`EDGE_COLUMNS`]; list values joined by `sep`, `evidence` counted.
pub fn edge_cells(edge: &Edge, tz: Option<Tz>, sep: &str) -> Vec<String> {
    vec![
        edge.source.clone(),
        edge.target.clone(),
        edge.ends.label().to_string(),
        edge.users.join(sep),
        edge.count.to_string(),
        ctime(edge.first, tz),
        ctime(edge.last, tz),
        edge.techniques.join(sep),
        edge.evidence.len().to_string(),
        edge.note(),
    ]
}

/// An edge as JSON (field names in README "Edges").
pub fn edge_json(edge: &Edge, tz: Option<Tz>) -> serde_json::Value {
    serde_json::json!({
        "source": edge.source,
        "target": edge.target,
        "ends": edge.ends.label(),
        "users": edge.users,
        "count": edge.count,
        "firstTime": ctime(edge.first, tz),
        "lastTime": ctime(edge.last, tz),
        "techniques": edge.techniques,
        "evidence": edge.evidence,
        "note": (!edge.notes.is_empty()).then(|| edge.note()),
    })
}

impl Serialize for Edge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        edge_json(self, None).serialize(s)
    }
}
