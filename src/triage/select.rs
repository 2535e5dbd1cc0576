//! Which rows `triage set` marks: the rows whose column matches a pattern, chosen the way
//! `exclusions add` chooses what to suppress (same patterns, same whole-value matching).

use crate::analytics::exclusions::op_matches;
use crate::analytics::{ExclusionOp, Group, HuntResult, SavedQuery, column_value};
use crate::extended::EdgeReport;

use std::collections::HashMap;

use super::identity::{EDGES, Identity, edge_identity, identity};
use super::mark::MarkTarget;

/// Every row of `result` (kept or suppressed: a suppressed row can be marked too) whose
/// `column` matches `op`. An unknown column is an error naming the analytic's columns.
pub fn select_rows(
    result: &HuntResult,
    column: &str,
    op: &ExclusionOp,
) -> Result<Vec<MarkTarget>, String> {
    let q = &result.query;
    if !q.columns.iter().any(|c| c == column) {
        return Err(format!(
            "`{column}` is not an output column of {} (columns: {})",
            q.id,
            q.columns.join(", ")
        ));
    }
    let chosen = result
        .groups
        .iter()
        .filter(|g| column_value(q, g, column, None).is_some_and(|v| op_matches(op, &v)));
    Ok(group_targets(q, &result.groups, chosen))
}

/// One target per identity among `chosen`, its count and times over every group of `all`
/// that shares it: an analytic whose identity is narrower than its by-clause (the inbound
/// sessions, the extended rows) has rows that are one marked row, and a mark made from one of
/// them must not read as "grew" when the others are counted later.
pub fn group_targets<'a>(
    q: &SavedQuery,
    all: &[Group],
    chosen: impl Iterator<Item = &'a Group>,
) -> Vec<MarkTarget> {
    let mut targets: Vec<MarkTarget> = Vec::new();
    let mut seen: HashMap<Identity, usize> = HashMap::new();
    for g in chosen {
        let key = identity(q, g);
        if seen.contains_key(&key) {
            continue;
        }
        seen.insert(key.clone(), targets.len());
        targets.push(MarkTarget {
            analytic: q.id.clone(),
            key,
            count: 0,
            first: i64::MAX,
            last: i64::MIN,
        });
    }
    for g in all {
        if let Some(&i) = seen.get(&identity(q, g)) {
            let t = &mut targets[i];
            t.count += g.count;
            t.first = t.first.min(g.first);
            t.last = t.last.max(g.last);
        }
    }
    targets
}

/// Every edge whose `source` or `target` (the column) matches `op`.
pub fn select_edges(
    report: &EdgeReport,
    column: &str,
    op: &ExclusionOp,
) -> Result<Vec<MarkTarget>, String> {
    let side = |e: &crate::extended::Edge| match column {
        "source" => Some(e.source.clone()),
        "target" => Some(e.target.clone()),
        _ => None,
    };
    if !matches!(column, "source" | "target") {
        return Err(format!(
            "edges are selected by `source` or `target`, not `{column}`"
        ));
    }
    Ok(report
        .edges
        .iter()
        .filter(|e| side(e).is_some_and(|v| op_matches(op, &v)))
        .map(|e| MarkTarget {
            analytic: EDGES.to_string(),
            key: edge_identity(&e.source, &e.target),
            count: e.count,
            first: e.first,
            last: e.last,
        })
        .collect())
}
