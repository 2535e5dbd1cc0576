//! The report's parts, asked of the workbench: over the whole index, exclusions applied.

use anyhow::Result;
use chrono_tz::Tz;

use super::model::Parts;
use crate::extended;
use crate::time::TimeRange;
use crate::workbench::Workbench;

/// Everything the report needs from `wb`; `index` is how the report names the index.
pub fn gather(wb: &Workbench, index: &str, tz: Option<Tz>) -> Result<Parts> {
    let range = TimeRange::ALL;
    let stats = wb.index().stats()?;
    let (inputs, inputs_omitted) = wb.index().inputs();
    let results = wb.hunt(&[], range, true)?;
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
        marks: None,
    })
}
