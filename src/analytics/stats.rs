//! Splunk `stats count min(_time) max(_time) by ...` and `tstats ... by ...` over matched events.

use std::collections::{BTreeMap, HashSet};

use super::model::{Dropped, Group, HuntResult, MissingPolicy, QueryKind, SavedQuery};
use crate::event::Event;

/// Group matched events by the query's by-fields. With `Drop`, events lacking a by-field are
/// returned as `Dropped` (never silently lost); with `FillNull` the field becomes `null`.
/// Duplicate events (same `uid`) count once. Rows come sorted by key, as Splunk sorts stats output.
pub fn group(q: &SavedQuery, events: &[&Event]) -> (Vec<Group>, Vec<Dropped>) {
    let fields: Vec<&str> = q.by.iter().map(String::as_str).collect();
    group_inner(
        &q.id,
        &fields,
        q.missing,
        q.kind == QueryKind::Sigma,
        events,
    )
}

/// Group by any fields (the TUI's pivots: host, user, host+user). Dropped events are left out.
pub fn group_by(
    analytic: &str,
    fields: &[&str],
    missing: MissingPolicy,
    events: &[&Event],
) -> Vec<Group> {
    group_inner(analytic, fields, missing, false, events).0
}

fn group_inner(
    analytic: &str,
    fields: &[&str],
    missing: MissingPolicy,
    sigma: bool,
    events: &[&Event],
) -> (Vec<Group>, Vec<Dropped>) {
    let mut seen = HashSet::new();
    let mut rows: BTreeMap<Vec<String>, Vec<(i64, u64)>> = BTreeMap::new();
    let mut dropped = Vec::new();
    'events: for e in events {
        let uid = e.uid();
        if !seen.insert(uid) {
            continue;
        }
        let mut key = Vec::with_capacity(fields.len());
        for f in fields {
            // A Sigma row's `user` is whoever acted, whatever the log calls them.
            let value = if sigma && *f == "user" {
                super::sigma_queries::sigma_user(e)
            } else {
                e.get(f).map(|v| v.into_owned())
            };
            match (value, missing) {
                (Some(v), _) => key.push(v),
                (None, MissingPolicy::FillNull) => key.push("null".to_string()),
                (None, MissingPolicy::Drop) => {
                    dropped.push(Dropped {
                        uid,
                        reason: format!("missing by-field {f}"),
                    });
                    continue 'events;
                }
            }
        }
        rows.entry(key).or_default().push((e.time, uid));
    }
    let groups = rows
        .into_iter()
        .map(|(key, mut evs)| {
            evs.sort_unstable();
            Group {
                analytic: analytic.to_string(),
                key,
                count: evs.len() as u64,
                first: evs[0].0,
                last: evs[evs.len() - 1].0,
                events: evs.into_iter().map(|(_, u)| u).collect(),
                suppressed_by: Vec::new(),
            }
        })
        .collect();
    (groups, dropped)
}

/// The HuntResult of events already known to match `q`: its stats rows and dropped events,
/// no exclusions applied yet.
pub fn result_of(q: &SavedQuery, matched: &[&Event]) -> HuntResult {
    let (groups, dropped) = group(q, matched);
    HuntResult {
        query: q.clone(),
        groups,
        dropped,
        suppressed: BTreeMap::new(),
    }
}
