//! `huntbench hunt`, `search` and `edges`: rows out of the index (or straight from files).
//!
//! Every table, CSV and JSON goes through `crate::output` (inert text, formula guard, hazards
//! escaped in JSON), so no command writes attacker-controlled text raw.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::Output;
use crate::analytics::{self, HuntResult, QueryKind, TableOptions};
use crate::cli::{Format, TimeArgs, emit};
use crate::output::{Column, Fit, Table, csv_text, sid_label, to_json_pretty};
use crate::pipeline::{self, IngestOptions};
use crate::sanitize::inert_line;
use crate::store::Location;
use crate::time::{ctime, iso_micros};
use crate::workbench::Workbench;

/// Which exclusions a hunt applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusions {
    /// None (`--no-exclusions`, or `--input` with no index named).
    None,
    /// Those of the index in this directory (which must exist).
    OfIndex(Location),
}

/// `--input` files and the limits to read them under.
pub struct Input {
    pub paths: Vec<PathBuf>,
    pub limits: crate::ingest::Limits,
}

/// Run saved queries over the index, or over `input` files with no index. With `--input`
/// the exit status says how reading went, as `ingest`'s does.
pub fn hunt(
    dir: &Location,
    ids: &[String],
    format: Format,
    exclusions: Exclusions,
    input: Input,
    time: &TimeArgs,
    out: &Output,
) -> Result<ExitCode> {
    let Input {
        paths: input,
        limits,
    } = input;
    // The index is opened only when the rows come from it (not for `--input`).
    let wb = if input.is_empty() {
        Some(Workbench::open(dir)?)
    } else {
        None
    };
    let (range, tz) = super::time_args_in(time, wb.as_ref())?;
    let mut status = ExitCode::SUCCESS;
    sigma_notes(wb.as_ref(), ids)?;
    let results: Vec<HuntResult> = if let Some(wb) = &wb {
        wb.hunt(ids, range, exclusions != Exclusions::None)?
    } else {
        let mut queries = analytics::load_saved_queries(Some(&crate::paths::user_analytics_dir()))?;
        queries.extend(analytics::run_sigma()?.0.iter().cloned());
        let chosen: Vec<_> = queries
            .into_iter()
            .filter(|q| ids.is_empty() || ids.contains(&q.id))
            .filter(|q| q.kind.is_matched())
            .collect();
        if chosen.is_empty() {
            anyhow::bail!(
                "--input runs the parity analytics and Sigma rules only; no such saved query \
                 among {ids:?}"
            );
        }
        // Before reading: a named index that is missing fails fast, not after the scan.
        let store = match &exclusions {
            Exclusions::None => None,
            Exclusions::OfIndex(d) => Some(Workbench::open(d)?.exclusions()?),
        };
        let opts = IngestOptions {
            limits,
            ..IngestOptions::default()
        };
        let (mut results, report) = pipeline::hunt_files_report(&chosen, input, range, &opts);
        for e in &report.errors {
            eprintln!("warning: {}", inert_line(&e.to_string()));
        }
        if let Some(store) = &store {
            for r in &mut results {
                analytics::apply_exclusions(r, store.list());
            }
        }
        status = super::outcome_status(report.outcome, report.unreadable.len(), report.rejected);
        results
    };
    let text = match format {
        Format::Table => {
            // Names beside SIDs come from the index's Security events (none with `--input`).
            let names = match &wb {
                Some(wb) => Some(wb.sid_names()?),
                None => None,
            };
            let sid_name = |sid: &str| {
                names
                    .as_ref()
                    .and_then(|n| n.resolve(sid))
                    .map(|(n, _)| n.to_string())
            };
            let opts = TableOptions {
                layout: out.layout,
                sid_name: &sid_name,
                ..TableOptions::new(out.width)
            };
            let mut t = analytics::render_table(&results, tz, &opts);
            if let Some(wb) = &wb {
                t += &dropped_listing(wb, &results, tz, out)?;
            }
            t
        }
        Format::Json => analytics::render_json(&results, tz)?,
        Format::Csv => analytics::render_csv(&results, tz, out.csv()?)?,
    };
    emit(&text);
    Ok(status)
}

/// Say on stderr what of the Sigma rule set a hunt does not answer from ingest-time tags:
/// rules not evaluated at all (`huntbench rules` says why) and rules whose tags are stale.
fn sigma_notes(wb: Option<&Workbench>, ids: &[String]) -> Result<()> {
    super::sigma_skipped_note()?;
    if let Some(wb) = wb {
        let stale = wb.stale_sigma(ids);
        if stale > 0 {
            eprintln!(
                "huntbench: {stale} Sigma rule(s) were not evaluated when these events were \
                 ingested (the rule set changed since): answered by one exact scan of their \
                 log sources; ingest into a new index with this rule set for term lookups"
            );
        }
    }
    Ok(())
}

/// Ad-hoc search; prints the true number of matches and up to `limit` events, newest first.
pub fn search(
    dir: &Location,
    query: &str,
    format: Format,
    limit: usize,
    time: &TimeArgs,
    out: &Output,
) -> Result<ExitCode> {
    let wb = Workbench::open(dir)?;
    let (range, tz) = super::time_args_in(time, Some(&wb))?;
    let hits = wb.search(query, range, limit)?;
    match format {
        Format::Json => emit(&to_json_pretty(&search_json(&hits, tz)?)?),
        Format::Csv => {
            let rows = hits.events.iter().map(|e| {
                [
                    iso_micros(e.time),
                    e.event_code.to_string(),
                    e.channel.clone(),
                    e.computer.clone(),
                    e.user_id.clone().unwrap_or_default(),
                    e.user.clone().unwrap_or_default(),
                    event_text(e).to_string(),
                ]
            });
            let header = [
                "time",
                "event_code",
                "channel",
                "computer",
                "user_id",
                "user",
                "text",
            ];
            emit(&csv_text(&header, rows, out.csv()?)?);
        }
        Format::Table => {
            let names = wb.sid_names()?;
            let mut table = Table::new(vec![
                Column::new("time", Fit::Whole),
                Column::new("code", Fit::Number),
                Column::new("computer", Fit::Text),
                Column::new("user", Fit::Sid),
                Column::new("text", Fit::Text),
            ]);
            for e in &hits.events {
                let user = match (e.user.as_deref(), e.user_sid()) {
                    (Some(u), _) => u.to_string(),
                    (None, Some(sid)) => sid_label(sid, names.resolve(sid).map(|(n, _)| n)),
                    (None, None) => "-".to_string(),
                };
                table.push([
                    ctime(e.time, tz),
                    e.event_code.to_string(),
                    e.computer.clone(),
                    user,
                    event_text(e).to_string(),
                ]);
            }
            emit(&format!(
                "{}\n{}",
                match_line(hits.total, hits.events.len()),
                table.render(out.width, out.layout)
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `N match, M shown` (the count is every match; the limit only bounds what is printed).
fn match_line(total: u64, shown: usize) -> String {
    format!("{total} match, {shown} shown")
}

/// `search --format json`: `{"total": N, "shown": M, "events": [...]}`. Each event is the
/// stored Event with `time` rendered as `hunt` renders times (`%Y-%m-%dT%H:%M:%S`, UTC or
/// `--tz`) and the exact microseconds beside it as `time_us`.
fn search_json(
    hits: &crate::index::SearchHits,
    tz: Option<chrono_tz::Tz>,
) -> Result<serde_json::Value> {
    let mut events = Vec::with_capacity(hits.events.len());
    for e in &hits.events {
        let serde_json::Value::Object(fields) = serde_json::to_value(e)? else {
            anyhow::bail!("an event did not serialize to an object");
        };
        let mut out = serde_json::Map::new();
        for (k, v) in fields {
            if k == "time" {
                out.insert("time".into(), ctime(e.time, tz).into());
                out.insert("time_us".into(), e.time.into());
            } else {
                out.insert(k, v);
            }
        }
        events.push(serde_json::Value::Object(out));
    }
    Ok(serde_json::json!({
        "total": hits.total,
        "shown": hits.events.len(),
        "events": events,
    }))
}

/// Source → target edges of the extended layer, joined from both ends of each hop.
pub fn edges(dir: &Location, format: Format, time: &TimeArgs, out: &Output) -> Result<ExitCode> {
    let wb = Workbench::open(dir)?;
    let (range, tz) = super::time_args_in(time, Some(&wb))?;
    let report = wb.edges(range)?;
    let edges = &report.edges;
    match format {
        Format::Json => emit(&to_json_pretty(
            &edges
                .iter()
                .map(|e| crate::extended::edge_json(e, tz))
                .collect::<Vec<_>>(),
        )?),
        Format::Csv => {
            let rows = edges
                .iter()
                .map(|e| crate::extended::edge_cells(e, tz, ";"));
            emit(&csv_text(&crate::extended::EDGE_COLUMNS, rows, out.csv()?)?);
        }
        Format::Table if edges.is_empty() => emit(
            "(no edges: no remote execution with a literal target, and no inbound session naming its source, in range)",
        ),
        Format::Table => {
            let fits = [
                Fit::Text,
                Fit::Text,
                Fit::Whole,
                Fit::Text,
                Fit::Number,
                Fit::Whole,
                Fit::Whole,
                Fit::Text,
                // Target-side events linked to the edge.
                Fit::Number,
                Fit::Text,
            ];
            let columns = crate::extended::EDGE_COLUMNS
                .iter()
                .zip(fits)
                .map(|(name, fit)| Column::new(name, fit))
                .collect();
            let mut table = Table::new(columns);
            for e in edges {
                table.push(crate::extended::edge_cells(e, tz, ", "));
            }
            emit(&table.render(out.width, out.layout));
        }
    }
    for line in edges_footer(&report) {
        // Beside JSON and CSV, not inside them: scripts keep one shape of document.
        if format == Format::Table {
            emit(&line);
        } else {
            eprintln!("huntbench: {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What the edges leave out, counted: sessions nothing names the source of, and targets no
/// end resolved.
fn edges_footer(report: &crate::extended::EdgeReport) -> Vec<String> {
    let mut lines = Vec::new();
    let unresolved = report.edges.iter().filter(|e| e.is_unresolved()).count();
    if unresolved > 0 {
        lines.push(format!(
            "{unresolved} unresolved target(s) (`?…`): no session of the same user within {} min to join, never guessed",
            crate::extended::WINDOW / 60 / crate::time::MICROS
        ));
    }
    if report.sourceless > 0 {
        lines.push(format!(
            "{} inbound session(s) name no source: no edge (`huntbench hunt winrm_remoting_inbound` lists them)",
            report.sourceless
        ));
    }
    lines
}

/// The text an analyst reads first for an event (script, command line, or its EventData).
fn event_text(e: &crate::event::Event) -> std::borrow::Cow<'_, str> {
    analytics::event_summary(e)
}

/// The matching events Splunk's stats leaves out of the rows (a missing by-field), listed so
/// nothing is lost silently. A parity analytic's rows lack them; the extended rows keep them
/// (with `escu` false, since ESCU raises no row for them), and the heading says which.
fn dropped_listing(
    wb: &Workbench,
    results: &[HuntResult],
    tz: Option<chrono_tz::Tz>,
    out: &Output,
) -> Result<String> {
    let mut text = String::new();
    for (kind, heading) in [
        (
            QueryKind::Parity,
            "Matching events not in the rows above (Splunk's stats drops them)",
        ),
        (
            QueryKind::Extended,
            "Events of the extended rows above that ESCU matches but its stats drops (no ESCU row for them)",
        ),
    ] {
        let dropped: Vec<(&str, &analytics::Dropped)> = results
            .iter()
            .filter(|r| r.query.kind == kind)
            .flat_map(|r| r.dropped.iter().map(|d| (r.query.id.as_str(), d)))
            .collect();
        if dropped.is_empty() {
            continue;
        }
        let uids: Vec<u64> = dropped.iter().map(|(_, d)| d.uid).collect();
        let events = wb.events(&uids)?;
        let mut table = Table::new(vec![
            Column::new("time", Fit::Whole),
            Column::new("computer", Fit::Text),
            Column::new("analytic", Fit::Text),
            Column::new("reason", Fit::Text),
            Column::new("text", Fit::Text),
        ]);
        for ((analytic, d), e) in dropped.iter().zip(&events) {
            table.push([
                ctime(e.time, tz),
                e.computer.clone(),
                analytic.to_string(),
                d.reason.clone(),
                event_text(e).to_string(),
            ]);
        }
        text += &format!(
            "\n{heading}: {}\n{}",
            dropped.len(),
            table.render(out.width, out.layout)
        );
    }
    Ok(text)
}
