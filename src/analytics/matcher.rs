//! Which events a saved query selects: the source macro, the `any_of` membership test and the
//! wildcard predicates, exactly as Splunk evaluates them (SEMANTICS.md §2–§3).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exclusions::apply_exclusions;
use super::model::{Exclusion, HuntResult, SavedQuery};
use super::wildcard::{Wildcard, fold};
use crate::event::Event;

/// A saved query compiled for fast repeated matching.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// (lowercased channel, event codes).
    sources: Vec<(String, Vec<u32>)>,
    /// (field, lowercased allowed values).
    any_of: Vec<(String, Vec<String>)>,
    /// Predicates grouped by field so each field is lowercased once per event.
    predicates: Vec<(String, Vec<Wildcard>)>,
    /// A Sigma query's rule: its log source and detection decide instead of the above.
    sigma: Option<Arc<crate::sigma::Rule>>,
}

impl Matcher {
    /// Compile a saved query.
    pub fn new(q: &SavedQuery) -> Self {
        let sources = q
            .selection
            .sources
            .iter()
            .map(|s| (fold(&s.channel), s.event_codes.clone()))
            .collect();
        let any_of = q
            .selection
            .any_of
            .iter()
            .map(|f| (f.field.clone(), f.values.iter().map(|v| fold(v)).collect()))
            .collect();
        let mut by_field: BTreeMap<String, (usize, Vec<Wildcard>)> = BTreeMap::new();
        for (i, p) in q.predicates.iter().enumerate() {
            by_field
                .entry(p.field.to_ascii_lowercase())
                .or_insert_with(|| (i, Vec::new()))
                .1
                .push(Wildcard::new(&p.pattern));
        }
        // Keep the definition's order (first predicate first): cheap checks written first run first.
        let mut predicates: Vec<(usize, String, Vec<Wildcard>)> =
            by_field.into_iter().map(|(f, (i, w))| (i, f, w)).collect();
        predicates.sort_by_key(|(i, _, _)| *i);
        Matcher {
            sources,
            any_of,
            predicates: predicates.into_iter().map(|(_, f, w)| (f, w)).collect(),
            sigma: q.sigma.as_ref().map(|r| Arc::clone(&r.0)),
        }
    }

    /// Does the event match the selection and every predicate?
    pub fn matches(&self, e: &Event) -> bool {
        if let Some(rule) = &self.sigma {
            return rule.matches(e);
        }
        self.selects(e) && self.predicates_hold(e)
    }

    /// [`Matcher::matches`] with a per-event cache that Sigma rules asked about the same
    /// event share (see [`super::MatchSet`]).
    pub fn matches_cached(&self, c: &crate::sigma::EvalCache) -> bool {
        match &self.sigma {
            Some(rule) => rule.matches_cached(c),
            None => self.selects(c.event) && self.predicates_hold(c.event),
        }
    }

    /// The Sigma rule this query runs, if it is one (for the prefilter across rules).
    pub fn sigma_rule(&self) -> Option<&crate::sigma::Rule> {
        self.sigma.as_deref()
    }

    /// Source and `any_of` only (the part the index can also pre-filter).
    pub fn selects(&self, e: &Event) -> bool {
        let chan_ok = self
            .sources
            .iter()
            .any(|(chan, codes)| codes.contains(&e.event_code) && fold_eq(&e.channel, chan));
        if !chan_ok {
            return false;
        }
        if self.any_of.is_empty() {
            return true;
        }
        self.any_of.iter().any(|(field, values)| {
            e.get(field).is_some_and(|v| {
                let v = fold(&v);
                values.contains(&v)
            })
        })
    }

    fn predicates_hold(&self, e: &Event) -> bool {
        self.predicates
            .iter()
            .all(|(field, globs)| match e.get(field) {
                Some(v) => {
                    let v = fold(&v);
                    globs.iter().all(|g| g.matches_folded(&v))
                }
                None => false,
            })
    }
}

/// Case-insensitive equality against an already folded string, without allocating for ASCII.
fn fold_eq(s: &str, folded: &str) -> bool {
    if s.is_ascii() {
        s.eq_ignore_ascii_case(folded)
    } else {
        fold(s) == folded
    }
}

/// Stable hash (16 hex digits) of what decides matching: the selection and the predicates.
/// Changing either changes the fingerprint, so an index tag written by an older definition is
/// recognisably stale.
pub fn fingerprint(q: &SavedQuery) -> String {
    if let Some(rule) = &q.sigma {
        return rule.0.fingerprint();
    }
    let mut canon = String::new();
    for s in &q.selection.sources {
        let mut codes = s.event_codes.clone();
        codes.sort_unstable();
        canon.push_str(&format!("src|{}|{:?}\n", fold(&s.channel), codes));
    }
    for a in &q.selection.any_of {
        let mut vals: Vec<String> = a.values.iter().map(|v| fold(v)).collect();
        vals.sort();
        canon.push_str(&format!("in|{}|{:?}\n", a.field.to_ascii_lowercase(), vals));
    }
    for p in &q.predicates {
        canon.push_str(&format!(
            "pred|{}|{:?}\n",
            p.field.to_ascii_lowercase(),
            fold(&p.pattern)
        ));
    }
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(canon.as_bytes()))
}

/// The tag the pipeline stores on a matching event at ingest: `q:<id>:<fingerprint>`.
pub fn tag(q: &SavedQuery) -> String {
    format!("q:{}:{}", q.id, fingerprint(q))
}

/// Match and group in one step: the rows Splunk returns before the `_filter` macro.
pub fn hunt(q: &SavedQuery, events: &[&Event]) -> HuntResult {
    let m = Matcher::new(q);
    let matched: Vec<&Event> = events.iter().copied().filter(|e| m.matches(e)).collect();
    super::stats::result_of(q, &matched)
}

/// Every query over the same events, each with the exclusions applied: what `huntbench hunt`
/// prints.
pub fn hunt_all(
    queries: &[SavedQuery],
    events: &[&Event],
    exclusions: &[Exclusion],
) -> Vec<HuntResult> {
    // Extended analytics have no predicates to match: their engine is crate::extended.
    queries
        .iter()
        .filter(|q| q.kind.is_matched())
        .map(|q| {
            let mut r = hunt(q, events);
            apply_exclusions(&mut r, exclusions);
            r
        })
        .collect()
}
