//! Marks against the rows as they are now: found, grown since marked, or gone; and the
//! count of rows per status.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use serde::Serialize;

use super::identity::{EDGES, Identity, edge_identity, identity, plain_value};
use super::{Mark, Status};
use crate::analytics::{Group, HuntResult, SavedQuery};
use crate::extended::EdgeReport;
use crate::time::ctime;

/// Marks indexed by their row, for lookups per row (the TUI draws thousands of rows).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    list: Vec<Mark>,
    by_row: HashMap<(String, Identity), usize>,
}

impl Marks {
    /// Index a store's marks.
    pub fn new(list: Vec<Mark>) -> Self {
        let by_row = list
            .iter()
            .enumerate()
            .map(|(i, m)| ((m.analytic.clone(), m.key.clone()), i))
            .collect();
        Marks { list, by_row }
    }

    /// Every mark, in the store's order.
    pub fn list(&self) -> &[Mark] {
        &self.list
    }

    /// The mark of a row by its identity.
    pub fn get(&self, analytic: &str, identity: &Identity) -> Option<&Mark> {
        // The map key is owned; one small clone per lookup beats a second map type.
        self.by_row
            .get(&(analytic.to_string(), identity.clone()))
            .map(|&i| &self.list[i])
    }

    /// The mark of an analytic's row.
    pub fn of_group(&self, q: &SavedQuery, g: &Group) -> Option<&Mark> {
        self.get(&q.id, &identity(q, g))
    }

    /// The mark of each group of one analytic, in order. Why not `of_group` per group: a
    /// row's identity hashes its long values (script text), and a big result has 100k rows;
    /// a group is hashed only when its short values are those of some mark.
    pub fn of_groups<'a>(&'a self, q: &SavedQuery, groups: &[Group]) -> Vec<Option<&'a Mark>> {
        let mine: Vec<&Mark> = self.list.iter().filter(|m| m.analytic == q.id).collect();
        if mine.is_empty() {
            return vec![None; groups.len()];
        }
        // Per set of plainly stored columns (by name): the marks' values there.
        let mut plain: HashMap<Vec<&str>, HashSet<Vec<&str>>> = HashMap::new();
        for m in &mine {
            let (cols, values) = m
                .key
                .iter()
                .filter(|(_, v)| !v.starts_with("sha256:"))
                .map(|(c, v)| (c.as_str(), v.as_str()))
                .unzip();
            plain.entry(cols).or_default().insert(values);
        }
        groups
            .iter()
            .map(|g| {
                let candidate = plain.iter().any(|(cols, values)| {
                    let v: Option<Vec<String>> =
                        cols.iter().map(|c| plain_value(q, g, c)).collect();
                    v.is_some_and(|v| {
                        let v: Vec<&str> = v.iter().map(String::as_str).collect();
                        values.contains(&v)
                    })
                });
                if candidate { self.of_group(q, g) } else { None }
            })
            .collect()
    }

    /// The mark of an edge.
    pub fn of_edge(&self, source: &str, target: &str) -> Option<&Mark> {
        self.get(EDGES, &edge_identity(source, target))
    }

    /// Rows of this result per status (kept rows: the ones the analyst sees; a row without a
    /// mark is untriaged).
    pub fn counts(&self, result: &HuntResult) -> StatusCounts {
        let mut c = StatusCounts::default();
        let marks = self.of_groups(&result.query, &result.groups);
        for (g, m) in result.groups.iter().zip(marks) {
            if g.is_kept() {
                c.add(m.map_or(Status::Untriaged, |m| m.status));
            }
        }
        c
    }
}

/// How many rows carry each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub untriaged: usize,
    pub benign: usize,
    pub suspicious: usize,
    pub malicious: usize,
}

impl StatusCounts {
    /// Count one row.
    pub fn add(&mut self, s: Status) {
        *self.of_mut(s) += 1;
    }

    /// The rows of one status.
    pub fn of(&self, s: Status) -> usize {
        match s {
            Status::Untriaged => self.untriaged,
            Status::Benign => self.benign,
            Status::Suspicious => self.suspicious,
            Status::Malicious => self.malicious,
        }
    }

    fn of_mut(&mut self, s: Status) -> &mut usize {
        match s {
            Status::Untriaged => &mut self.untriaged,
            Status::Benign => &mut self.benign,
            Status::Suspicious => &mut self.suspicious,
            Status::Malicious => &mut self.malicious,
        }
    }

    /// `3b 1s 0m`: the verdicts, compact enough for the analytics pane.
    pub fn compact(&self) -> String {
        format!("{}b {}s {}m", self.benign, self.suspicious, self.malicious)
    }
}

/// A mark compared with its row as the data holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarkState {
    pub mark: Mark,
    /// The row's events, first and last now; `None` when no row has this identity now (the
    /// time range leaves it out, or its events are gone): reported, never dropped.
    pub now_count: Option<u64>,
    pub now_first: Option<i64>,
    pub now_last: Option<i64>,
    /// More events than when it was marked.
    pub grew: bool,
}

impl MarkState {
    /// Compare a mark with its row's count and times now (`None`: the row is gone).
    pub fn new(mark: Mark, now: Option<(u64, i64, i64)>) -> Self {
        MarkState {
            grew: now.is_some_and(|(c, _, _)| c > mark.count),
            now_count: now.map(|n| n.0),
            now_first: now.map(|n| n.1),
            now_last: now.map(|n| n.2),
            mark,
        }
    }

    /// No row has the mark's identity now.
    pub fn is_gone(&self) -> bool {
        self.now_count.is_none()
    }

    /// Events added since it was marked (0 unless it grew).
    pub fn grown_by(&self) -> u64 {
        self.now_count
            .map_or(0, |n| n.saturating_sub(self.mark.count))
    }

    /// One line: `as marked: 12 events`, `grew since marked: 12 → 19 events, last …`,
    /// `gone: no such row now (12 events when marked)`.
    pub fn describe(&self, tz: Option<Tz>) -> String {
        match (self.now_count, self.now_last) {
            (Some(now), Some(last)) if self.grew => format!(
                "grew since marked: {} → {now} events, last {}",
                self.mark.count,
                ctime(last, tz)
            ),
            (Some(now), _) => format!("as marked: {now} events"),
            _ => format!(
                "gone: no such row now ({} events when marked)",
                self.mark.count
            ),
        }
    }
}

/// The rows marks are looked up in: analytic rows and edges, by identity.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    now: HashMap<(String, Identity), (u64, i64, i64)>,
}

impl Rows {
    /// Every row (kept or suppressed: a suppressed row still exists) of these results and
    /// every edge of `edges`.
    pub fn of(results: &[HuntResult], edges: Option<&EdgeReport>) -> Self {
        let mut now = HashMap::new();
        for r in results {
            // Rows that share an identity (see `SavedQuery::identity`) are one marked row.
            for g in &r.groups {
                let e = now
                    .entry((r.query.id.clone(), identity(&r.query, g)))
                    .or_insert((0, i64::MAX, i64::MIN));
                e.0 += g.count;
                e.1 = e.1.min(g.first);
                e.2 = e.2.max(g.last);
            }
        }
        for e in edges.map(|e| e.edges.as_slice()).unwrap_or_default() {
            now.insert(
                (EDGES.to_string(), edge_identity(&e.source, &e.target)),
                (e.count, e.first, e.last),
            );
        }
        Rows { now }
    }

    /// The state of every mark against these rows, in the marks' order.
    pub fn states(&self, marks: &[Mark]) -> Vec<MarkState> {
        marks
            .iter()
            .map(|m| {
                let now = self.now.get(&(m.analytic.clone(), m.key.clone())).copied();
                MarkState::new(m.clone(), now)
            })
            .collect()
    }
}
