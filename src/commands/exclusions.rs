//! `huntbench exclusions ...`: the `_filter` macros, done hands-on.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::analytics::{self, ExclusionOp};
use crate::cli::{ExclusionCmd, SummaryFormat, emit};
use crate::output::{Column, Fit, Table};
use crate::sanitize::inert_line;
use crate::workbench::Workbench;

/// Run one exclusions subcommand on the exclusions of the index at `index_dir`. They belong
/// to that index (they tune its rows), so every subcommand needs it to exist; none creates it.
pub fn run(index_dir: &Path, cmd: ExclusionCmd, out: &super::Output) -> Result<ExitCode> {
    let wb = Workbench::open(index_dir)?;
    let queries = wb.queries().to_vec();
    let path = wb.exclusions_path().to_path_buf();
    let mut store = wb.exclusions()?;
    match cmd {
        ExclusionCmd::Add {
            analytic,
            field,
            pattern,
            note,
            one_of,
        } => {
            let op = if one_of {
                ExclusionOp::OneOf(
                    pattern
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            } else {
                analytics::parse_op(&pattern)
            };
            find(&queries, &analytic)?;
            let ex = store.add(&analytic, &field, op, note.as_deref())?;
            emit(&format!(
                "added {} to {}: {} (stored in {})",
                ex.id,
                ex.analytic,
                inert_line(&describe(&ex)),
                path.display()
            ));
        }
        ExclusionCmd::List { format } => {
            let list = store.list();
            if format == SummaryFormat::Json {
                emit(&crate::output::to_json_pretty(list)?);
            } else if list.is_empty() {
                emit(
                    "no exclusions (add one with `huntbench exclusions add ANALYTIC FIELD PATTERN`)",
                );
            } else {
                let mut table = Table::new(vec![
                    Column::new("id", Fit::Whole),
                    Column::new("state", Fit::Whole),
                    Column::new("analytic", Fit::Text),
                    Column::new("exclusion", Fit::Text),
                    Column::new("note", Fit::Text),
                ]);
                for ex in list {
                    table.push([
                        ex.id.clone(),
                        (if ex.enabled { "on" } else { "off" }).to_string(),
                        ex.analytic.clone(),
                        describe(ex),
                        ex.note.clone().unwrap_or_default(),
                    ]);
                }
                emit(&table.render(out.width, out.layout));
            }
        }
        ExclusionCmd::Enable { id } => {
            store.set_enabled(&id, true)?;
            emit(&format!("{id} enabled"));
        }
        ExclusionCmd::Disable { id } => {
            store.set_enabled(&id, false)?;
            emit(&format!("{id} disabled"));
        }
        ExclusionCmd::Rm { id } => {
            store.remove(&id)?;
            emit(&format!("{id} removed"));
        }
        ExclusionCmd::Export {
            analytic,
            splunk,
            sigma,
        } => {
            let q = find(&queries, &analytic)?;
            let list = store.list();
            if sigma {
                emit(&analytics::sigma_filter(q, list));
            } else if splunk {
                emit(&analytics::splunk_filter_stanza(q, list));
            } else {
                bail!("say which export: --splunk (macros.conf stanza) or --sigma (filter rule)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn find<'a>(queries: &'a [analytics::SavedQuery], id: &str) -> Result<&'a analytics::SavedQuery> {
    queries.iter().find(|q| q.id == id).ok_or_else(|| {
        let ids: Vec<&str> = queries.iter().map(|q| q.id.as_str()).collect();
        anyhow::anyhow!("no saved query {id:?}; known: {}", ids.join(", "))
    })
}

/// `field op value` in one line.
pub fn describe(ex: &analytics::Exclusion) -> String {
    match &ex.op {
        ExclusionOp::Equals(v) => format!("{} = \"{v}\"", ex.field),
        ExclusionOp::Wildcard(v) => format!("{} like \"{v}\"", ex.field),
        ExclusionOp::OneOf(vs) => format!("{} in ({})", ex.field, vs.join(", ")),
        ExclusionOp::Sha256(h) => format!("sha256({}) = {h}", ex.field),
    }
}
