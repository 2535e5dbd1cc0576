//! Many matched queries over one event at a time: what ingest tagging, `hunt --input` and the
//! workbench's batched scan run. Thousands of Sigma rules make the per-event loop the cost:
//! the queries are indexed by event code (a rule for Sysmon 1 is never asked about a 4624),
//! and the Sigma rules asked share one per-event cache of lowercased field values.

use std::collections::HashMap;

use super::matcher::Matcher;
use super::model::SavedQuery;
use crate::event::Event;
use crate::sigma::EvalCache;

/// Compiled queries with an event-code index.
#[derive(Debug, Clone)]
pub struct MatchSet {
    matchers: Vec<Matcher>,
    /// Query positions by the event code they read.
    by_code: HashMap<u32, Vec<usize>>,
    /// Queries that read any event code (a Sigma log source without one).
    any_code: Vec<usize>,
}

impl MatchSet {
    /// Compile these queries (their positions are what [`MatchSet::matching`] reports).
    pub fn new<'a>(queries: impl IntoIterator<Item = &'a SavedQuery>) -> Self {
        let mut set = MatchSet {
            matchers: Vec::new(),
            by_code: HashMap::new(),
            any_code: Vec::new(),
        };
        for (i, q) in queries.into_iter().enumerate() {
            set.matchers.push(Matcher::new(q));
            match event_codes(q) {
                Some(codes) => {
                    for c in codes {
                        let at = set.by_code.entry(c).or_default();
                        if at.last() != Some(&i) {
                            at.push(i);
                        }
                    }
                }
                None => set.any_code.push(i),
            }
        }
        // Each list ascending, so positions come out in query order.
        for v in set.by_code.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        set
    }

    /// Number of queries.
    pub fn len(&self) -> usize {
        self.matchers.len()
    }

    /// No queries at all.
    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty()
    }

    /// Positions of the queries this event matches, ascending, into `out` (cleared first).
    pub fn matching(&self, e: &Event, out: &mut Vec<usize>) {
        out.clear();
        let cache = EvalCache::new(e);
        let coded = self
            .by_code
            .get(&e.event_code)
            .map_or(&[][..], Vec::as_slice);
        for &i in coded.iter().chain(&self.any_code) {
            if self.matchers[i].matches_cached(&cache) {
                out.push(i);
            }
        }
        if !self.any_code.is_empty() && !coded.is_empty() {
            out.sort_unstable();
        }
    }
}

/// The event codes a query can match; `None` when any code can.
fn event_codes(q: &SavedQuery) -> Option<Vec<u32>> {
    let sources = &q.selection.sources;
    if sources.is_empty() || sources.iter().any(|s| s.event_codes.is_empty()) {
        return None;
    }
    Some(
        sources
            .iter()
            .flat_map(|s| s.event_codes.iter().copied())
            .collect(),
    )
}
