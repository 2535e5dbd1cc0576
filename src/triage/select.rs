//! Which rows `triage set` marks: the rows whose column matches a pattern, chosen the way
//! `exclusions add` chooses what to suppress (same patterns, same whole-value matching).

use crate::analytics::exclusions::op_matches;
use crate::analytics::{ExclusionOp, HuntResult, column_value};
use crate::extended::EdgeReport;

use super::identity::{EDGES, edge_identity, identity};
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
    Ok(result
        .groups
        .iter()
        .filter(|g| column_value(q, g, column, None).is_some_and(|v| op_matches(op, &v)))
        .map(|g| MarkTarget {
            analytic: q.id.clone(),
            key: identity(q, g),
            count: g.count,
            first: g.first,
            last: g.last,
        })
        .collect())
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
