//! The report's parts, asked of the workbench: over the whole index, exclusions applied.

use anyhow::Result;
use chrono_tz::Tz;

use super::model::{MarkedRow, Parts};
use crate::analytics::HuntResult;
use crate::extended::{self, EdgeReport};
use crate::time::TimeRange;
use crate::triage::{Mark, Rows, identity};
use crate::workbench::Workbench;

/// Everything the report needs from `wb`; `index` is how the report names the index.
pub fn gather(wb: &Workbench, index: &str, tz: Option<Tz>) -> Result<Parts> {
    let range = TimeRange::ALL;
    let stats = wb.store().stats()?;
    let (inputs, inputs_omitted) = wb.store().inputs();
    let mut results = wb.hunt(&[], range, true)?;
    // A case write-up names the Sigma rules that fired, not the thousands that did not.
    results.retain(|r| {
        r.query.kind != crate::analytics::QueryKind::Sigma
            || !r.groups.is_empty()
            || !r.dropped.is_empty()
    });
    // One extended pass for both the edges and the reassembly gaps (`Workbench::edges`
    // would run its own).
    let ext = wb.extended_hunt(range)?;
    let inbound = wb.inbound_hunt(range)?;
    let edges = extended::edges(&ext.rows, &inbound, &wb.host_map()?);
    let uids: Vec<u64> = results
        .iter()
        .flat_map(|r| r.dropped.iter().map(|d| d.uid))
        .collect();
    let dropped_events = wb
        .events(&uids)?
        .into_iter()
        .map(|e| (e.uid(), e))
        .collect();
    let marks = marked_rows(wb.triage()?.list(), &results, &edges);
    Ok(Parts {
        index: index.to_string(),
        generated: crate::time::now_micros(),
        tz,
        stats,
        inputs,
        inputs_omitted,
        results,
        edges,
        incomplete_blocks: ext.incomplete_blocks,
        exclusions: wb.exclusions()?.list().to_vec(),
        dropped_events,
        marks: Some(marks),
    })
}

/// Columns whose value is the row's script or command: shown whole under its mark.
const TEXT_COLUMNS: [&str; 3] = ["ScriptBlockText", "process", "text"];

/// Every mark with its row as the results hold it now (the edges' marks against the edges).
pub fn marked_rows(marks: &[Mark], results: &[HuntResult], edges: &EdgeReport) -> Vec<MarkedRow> {
    let states = Rows::of(results, Some(edges)).states(marks);
    states
        .into_iter()
        .map(|s| {
            let m = s.mark;
            let text = row_text(results, &m.analytic, &m.key);
            MarkedRow {
                now: s
                    .now_count
                    .zip(s.now_first)
                    .zip(s.now_last)
                    .map(|((c, f), l)| (c, f, l)),
                id: m.id,
                analytic: m.analytic,
                status: m.status.label().to_string(),
                note: m.note,
                key: m.key,
                marked_count: m.count,
                text,
            }
        })
        .collect()
}

/// The full script or command line of the row a mark names (the mark may hold only its hash).
fn row_text(results: &[HuntResult], analytic: &str, key: &[(String, String)]) -> Option<String> {
    let r = results.iter().find(|r| r.query.id == analytic)?;
    let column = r
        .query
        .by
        .iter()
        .position(|b| TEXT_COLUMNS.contains(&b.as_str()))?;
    let from_row = r
        .groups
        .iter()
        .find(|g| identity(&r.query, g).as_slice() == key)
        .map(|g| g.key[column].clone());
    from_row
        .or_else(|| {
            key.iter()
                .find(|(c, v)| c == &r.query.by[column] && !v.starts_with("sha256:"))
                .map(|(_, v)| v.clone())
        })
        .filter(|t| !t.is_empty())
}
