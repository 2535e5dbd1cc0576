//! `huntbench exclusions ...`: the `_filter` macros, done hands-on.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::analytics::{self, ExclusionOp, Undone};
use crate::cli::{ExclusionCmd, SummaryFormat, emit};
use crate::output::{Column, Fit, Table};
use crate::sanitize::inert_line;
use crate::time::TimeRange;
use crate::workbench::Workbench;

/// Run one exclusions subcommand on the exclusions of the index at `index_dir`. They belong
/// to that index (they tune its rows), so every subcommand needs it to exist; none creates it.
pub fn run(
    index_dir: &crate::store::Location,
    cmd: ExclusionCmd,
    out: &super::Output,
) -> Result<ExitCode> {
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
            dry_run,
            force,
        } => {
            let op = analytics::cli_op(&pattern, one_of);
            let q = find(&queries, &analytic)?;
            store.check(&analytic, &field, &op)?;
            return add(&wb, q, &mut store, (field, op, note), dry_run, force, &path);
        }
        ExclusionCmd::Undo => {
            let done = store.undo()?;
            let (Undone::Add(x) | Undone::Delete(x)) = &done;
            emit(&format!(
                "{} ({} on {})",
                done.line(),
                inert_line(&describe(x)),
                analytics::label_of(&queries, &x.analytic)
            ));
        }
        ExclusionCmd::List { format } => list(&wb, &store, format, out)?,
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
            sigma_filter: sigma,
            force,
        } => {
            let q = find(&queries, &analytic)?;
            let list = store.list();
            if !sigma && !splunk {
                bail!(
                    "say which export: --splunk (macros.conf stanza) or --sigma-filter (filter rule)"
                );
            }
            let off = analytics::turns_detection_off(q, list);
            if !off.is_empty() && !force {
                eprintln!(
                    "huntbench: refused: {} match(es) any value, so the exported filter would \
                     turn {} off (every event excluded, like NOT {}=\"*\"); nothing written. \
                     Disable or delete it (`huntbench exclusions disable ID`), or add --force \
                     to write it anyway",
                    inert_line(&off.join(", ")),
                    q.id,
                    off_field(list, q)
                );
                return Ok(ExitCode::from(1));
            }
            if splunk && q.kind == analytics::QueryKind::Sigma {
                eprintln!(
                    "huntbench: {} is a Sigma rule, and huntbench holds no Splunk conversion of \
                     it: export its exclusions with --sigma-filter (a Sigma filter naming the \
                     rule id), which sigma-cli converts with the rule; nothing written",
                    inert_line(&q.id)
                );
                return Ok(ExitCode::from(1));
            }
            if sigma {
                emit(&analytics::sigma_filter(q, list));
            } else {
                emit(&analytics::splunk_filter_stanza(q, list));
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
    analytics::describe(ex)
}

/// The field of the first match-all exclusion of `q` (for the `NOT field="*"` in a refusal).
fn off_field<'a>(list: &'a [analytics::Exclusion], q: &analytics::SavedQuery) -> &'a str {
    list.iter()
        .find(|x| x.enabled && x.analytic == q.id && analytics::matches_anything(&x.op))
        .map_or("field", |x| x.field.as_str())
}

/// `exclusions add`: say what it would suppress in the index's rows (all time), refuse a broad
/// one unless forced, save unless a dry run.
fn add(
    wb: &Workbench,
    q: &analytics::SavedQuery,
    store: &mut analytics::ExclusionStore,
    (field, op, note): (String, ExclusionOp, Option<String>),
    dry_run: bool,
    force: bool,
    path: &Path,
) -> Result<ExitCode> {
    let candidate = analytics::Exclusion {
        id: "(new)".into(),
        analytic: q.id.clone(),
        field,
        op,
        note,
        enabled: true,
        created: String::new(),
    };
    let results = wb.hunt(std::slice::from_ref(&q.id), TimeRange::ALL, true)?;
    let p = analytics::preview_in(&results, &candidate);
    let label = q.short_label();
    emit(&inert_line(&p.line(label)));
    let what = inert_line(&describe(&candidate)).into_owned();
    if let Some(b) = analytics::broad(&candidate.op, &p) {
        if dry_run {
            emit(&format!(
                "dry run: nothing saved; without --force it would be refused: {what} on \
                 {label}: {}",
                b.reason()
            ));
            return Ok(ExitCode::SUCCESS);
        }
        if !force {
            let counts = match b {
                analytics::Broad::MatchesAnything => format!(
                    "it would suppress {} of {} rows, {} events",
                    p.rows, p.kept_rows, p.events
                ),
                _ => format!("{} events", p.events),
            };
            eprintln!(
                "huntbench: refused: {what} on {label}: {} ({counts}), which switches the \
                 detection off. Nothing saved; narrow the pattern, or add --force to save it \
                 anyway",
                b.reason(),
            );
            return Ok(ExitCode::from(1));
        }
    }
    if dry_run {
        emit(&format!("dry run: {what} on {label}, nothing saved"));
        return Ok(ExitCode::SUCCESS);
    }
    let ex = store.add(
        &candidate.analytic,
        &candidate.field,
        candidate.op,
        candidate.note.as_deref(),
    )?;
    emit(&format!(
        "added {} to {}: {} (stored in {}; `huntbench exclusions undo` takes it back)",
        ex.id,
        ex.analytic,
        inert_line(&describe(&ex)),
        path.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `exclusions list`: each exclusion with its analytic's label, SID names beside SIDs, and what
/// it suppresses now (over all time).
fn list(
    wb: &Workbench,
    store: &analytics::ExclusionStore,
    format: SummaryFormat,
    out: &super::Output,
) -> Result<()> {
    let list = store.list();
    if list.is_empty() {
        if format == SummaryFormat::Json {
            emit("[]");
        } else {
            emit("no exclusions (add one with `huntbench exclusions add ANALYTIC FIELD PATTERN`)");
        }
        return Ok(());
    }
    let results = wb.hunt(&[], TimeRange::ALL, true)?;
    let now = |id: &str| {
        results
            .iter()
            .filter_map(|r| r.suppressed.get(id))
            .fold((0, 0), |(r, e), s| (r + s.rows, e + s.events))
    };
    let label = |id: &str| analytics::label_of(wb.queries(), id).to_string();
    if format == SummaryFormat::Json {
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|x| {
                let mut v = serde_json::to_value(x).unwrap_or_default();
                let (rows, events) = now(&x.id);
                if let Some(m) = v.as_object_mut() {
                    m.insert("label".into(), label(&x.analytic).into());
                    m.insert(
                        "suppresses".into(),
                        serde_json::json!({"rows": rows, "events": events}),
                    );
                }
                v
            })
            .collect();
        emit(&crate::output::to_json_pretty(&items)?);
        return Ok(());
    }
    let names = wb.sid_names()?;
    let show = |v: &str| match names.resolve(v) {
        Some((n, _)) => crate::output::sid_label(&crate::output::compact_sid(v.trim()), Some(n)),
        None => v.to_string(),
    };
    let mut table = Table::new(vec![
        Column::new("id", Fit::Whole),
        Column::new("state", Fit::Whole),
        Column::new("analytic", Fit::Whole),
        Column::new("exclusion", Fit::Text),
        Column::new("suppresses now", Fit::Whole),
        Column::new("note", Fit::Text),
    ]);
    for x in list {
        let (rows, events) = now(&x.id);
        table.push([
            x.id.clone(),
            (if x.enabled { "on" } else { "off" }).to_string(),
            label(&x.analytic),
            analytics::describe_with(x, show),
            format!("{rows} rows / {events} events"),
            x.note.clone().unwrap_or_default(),
        ]);
    }
    emit(&table.render(out.width, out.layout));
    Ok(())
}
