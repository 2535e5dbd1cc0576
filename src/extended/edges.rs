//! Source → target edges of remote execution, with the target's own evidence where its logs
//! are present: processes started by `wsmprovhost.exe` (the WinRM plugin host) near in time.

use std::collections::{BTreeMap, HashMap};

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::hunt::ExtendedRow;
use crate::event::Event;
use crate::time::{MICROS, ctime};

/// How far from the source activity target-side evidence may be (clock skew, long sessions).
pub const WINDOW: i64 = 5 * 60 * MICROS;

/// One source host reaching one target host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub source: String,
    pub target: String,
    /// Sum of the rows' counts.
    pub count: u64,
    pub first: i64,
    pub last: i64,
    pub techniques: Vec<String>,
    /// uids of target-side `wsmprovhost.exe` children within the window, in time order.
    pub evidence: Vec<u64>,
}

/// Does a target name written in a script denote this computer? Case-insensitive; a short
/// name matches the first label of an FQDN (`srv-db01` ~ `SRV-DB01.corp.local`).
pub fn host_matches(target: &str, computer: &str) -> bool {
    let (a, b) = (target.to_lowercase(), computer.to_lowercase());
    if a == b {
        return true;
    }
    let short = |s: &str| s.split('.').next().unwrap_or("").to_string();
    let is_ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
    if is_ip(&a) || is_ip(&b) {
        return false;
    }
    (!a.contains('.') && short(&b) == a) || (!b.contains('.') && short(&a) == b)
}

fn is_loopback(t: &str) -> bool {
    matches!(
        t.to_lowercase().as_str(),
        "localhost" | "." | "127.0.0.1" | "::1"
    )
}

/// Edges from rows with literal targets (`localhost` is the source itself), linked to
/// target-side evidence from `target_side` (any events; only wsmprovhost children are used).
pub fn edges(rows: &[ExtendedRow], target_side: &[&Event]) -> Vec<Edge> {
    let mut map: BTreeMap<(String, String), Edge> = BTreeMap::new();
    for row in rows {
        for t in row.targets.iter().filter(|t| !t.starts_with('?')) {
            let target = if is_loopback(t) { &row.computer } else { t };
            let key = (row.computer.to_lowercase(), target.to_lowercase());
            let e = map.entry(key).or_insert_with(|| Edge {
                source: row.computer.clone(),
                target: target.clone(),
                count: 0,
                first: row.first,
                last: row.last,
                techniques: Vec::new(),
                evidence: Vec::new(),
            });
            e.count += row.count;
            e.first = e.first.min(row.first);
            e.last = e.last.max(row.last);
            if !e.techniques.contains(&row.technique) {
                e.techniques.push(row.technique.clone());
            }
        }
    }
    // wsmprovhost children by short host name, each list in time order: an edge looks up its
    // target's list and binary-searches the window (no scan over every child per edge).
    let mut children: HashMap<String, Vec<&Event>> = HashMap::new();
    for e in target_side.iter().copied().filter(|e| {
        e.is_process_creation()
            && e.parent_process_name
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("wsmprovhost.exe"))
    }) {
        children.entry(short(&e.computer)).or_default().push(e);
    }
    for list in children.values_mut() {
        list.sort_by_key(|e| e.time);
    }
    let mut out: Vec<Edge> = map.into_values().collect();
    for edge in &mut out {
        edge.techniques.sort();
        let Some(list) = children.get(&short(&edge.target)) else {
            continue;
        };
        let (lo, hi) = (edge.first - WINDOW, edge.last + WINDOW);
        let start = list.partition_point(|e| e.time < lo);
        edge.evidence = list[start..]
            .iter()
            .take_while(|e| e.time <= hi)
            .filter(|e| host_matches(&edge.target, &e.computer))
            .map(|e| e.uid())
            .collect();
    }
    out
}

/// First label, lower case (an IP address stays whole).
fn short(host: &str) -> String {
    let h = host.to_lowercase();
    if h.parse::<std::net::IpAddr>().is_ok() {
        return h;
    }
    h.split('.').next().unwrap_or("").to_string()
}

/// An edge as JSON: source, target, count, firstTime, lastTime, techniques, evidence.
pub fn edge_json(edge: &Edge, tz: Option<Tz>) -> serde_json::Value {
    serde_json::json!({
        "source": edge.source,
        "target": edge.target,
        "count": edge.count,
        "firstTime": ctime(edge.first, tz),
        "lastTime": ctime(edge.last, tz),
        "techniques": edge.techniques,
        "evidence": edge.evidence,
    })
}

impl Serialize for Edge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        edge_json(self, None).serialize(s)
    }
}
