//! `huntbench triage ...`: the review's record, a status and note per row.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use crate::analytics::{self, HuntResult};
use crate::cli::{ListFormat, TriageCmd, emit};
use crate::output::{Column, Fit, Table, to_json_pretty};
use crate::sanitize::inert_line;
use crate::time::{TimeRange, ctime};
use crate::triage::{EDGES, MarkState, Rows, select_edges, select_rows};
use crate::workbench::Workbench;

/// Run one triage subcommand on the marks of the index at `index_dir` (which must exist).
pub fn run(
    index_dir: &crate::store::Location,
    cmd: TriageCmd,
    out: &super::Output,
) -> Result<ExitCode> {
    let wb = Workbench::open(index_dir)?;
    let mut store = wb.triage()?;
    match cmd {
        TriageCmd::Set {
            analytic,
            column,
            pattern,
            status,
            note,
            one_of,
        } => {
            let op = analytics::cli_op(&pattern, one_of);
            analytics::exclusions::validate_op(&op)
                .map_err(|m| anyhow::anyhow!("bad pattern: {m}"))?;
            let targets = if analytic == EDGES {
                select_edges(&wb.edges(TimeRange::ALL)?, &column, &op)
            } else {
                wb.query(&analytic)?;
                let results = wb.hunt(std::slice::from_ref(&analytic), TimeRange::ALL, false)?;
                select_rows(&results[0], &column, &op)
            }
            .map_err(anyhow::Error::msg)?;
            if targets.is_empty() {
                bail!(
                    "no row of {analytic} has {column} matching {}: nothing marked",
                    inert_line(&pattern)
                );
            }
            let marks = store.set_many(&targets, status, note.as_deref())?;
            let mut lines = vec![format!(
                "marked {} row(s) of {analytic} {} (stored in {})",
                marks.len(),
                status,
                store.path().display()
            )];
            lines.extend(
                marks
                    .iter()
                    .map(|m| format!("  {} {}", m.id, inert_line(&m.key_text()))),
            );
            emit(&lines.join("\n"));
        }
        TriageCmd::List { format } => {
            let states = current_states(&wb, store.list())?;
            match format {
                ListFormat::Json => emit(&to_json_pretty(
                    &states.iter().map(state_json).collect::<Vec<_>>(),
                )?),
                ListFormat::Table if states.is_empty() => emit(
                    "no marks (mark rows with `huntbench triage set ANALYTIC COLUMN PATTERN --status STATUS`)",
                ),
                ListFormat::Table => {
                    let mut table = Table::new(vec![
                        Column::new("id", Fit::Whole),
                        Column::new("status", Fit::Whole),
                        Column::new("analytic", Fit::Text),
                        Column::new("row", Fit::Text),
                        Column::new("note", Fit::Text),
                        Column::new("now", Fit::Text),
                    ]);
                    for s in &states {
                        table.push([
                            s.mark.id.clone(),
                            s.mark.status.label().to_string(),
                            s.mark.analytic.clone(),
                            s.mark.key_text(),
                            s.mark.note.clone().unwrap_or_default(),
                            s.describe(None),
                        ]);
                    }
                    emit(&table.render(out.width, out.layout));
                }
            }
        }
        TriageCmd::Clear { ids, all } => {
            let gone = store.clear((!all).then_some(ids.as_slice()))?;
            emit(&format!("cleared {} mark(s)", gone.len()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every mark against the rows of a hunt of the whole index (exclusions not applied) and,
/// when an edge is marked, the edges. A mark of an analytic no longer loaded is gone.
fn current_states(wb: &Workbench, marks: &[crate::triage::Mark]) -> Result<Vec<MarkState>> {
    let mut ids: Vec<String> = marks
        .iter()
        .map(|m| m.analytic.clone())
        .filter(|a| wb.queries().iter().any(|q| &q.id == a))
        .collect();
    ids.sort();
    ids.dedup();
    let results: Vec<HuntResult> = if ids.is_empty() {
        Vec::new()
    } else {
        wb.hunt(&ids, TimeRange::ALL, false)?
    };
    let edges = if marks.iter().any(|m| m.analytic == EDGES) {
        Some(wb.edges(TimeRange::ALL)?)
    } else {
        None
    };
    Ok(Rows::of(&results, edges.as_ref()).states(marks))
}

/// One mark as JSON: the stored mark, its key as an object (column order kept), and `now`.
fn state_json(s: &MarkState) -> Value {
    let m = &s.mark;
    let key: Map<String, Value> = m
        .key
        .iter()
        .map(|(c, v)| (c.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "id": m.id,
        "analytic": m.analytic,
        "key": key,
        "status": m.status,
        "note": m.note,
        "count": m.count,
        "firstTime": ctime(m.first, None),
        "lastTime": ctime(m.last, None),
        "created": m.created,
        "updated": m.updated,
        "now": s.now_count.map(|c| json!({
            "count": c,
            "firstTime": s.now_first.map(|t| ctime(t, None)),
            "lastTime": s.now_last.map(|t| ctime(t, None)),
        })),
        "grew": s.grew,
        "gone": s.is_gone(),
    })
}
