//! `huntbench hunt`, `search` and `edges`: rows out of the index (or straight from files).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;

use crate::analytics::{self, HuntResult, QueryKind};
use crate::cli::{Format, TimeArgs, emit};
use crate::pipeline::{self, IngestOptions};
use crate::sanitize::inert_line;
use crate::time::{ctime, iso_micros};
use crate::workbench::Workbench;

/// Which exclusions a hunt applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusions {
    /// None (`--no-exclusions`, or `--input` with no index named).
    None,
    /// Those of the index in this directory (which must exist).
    OfIndex(PathBuf),
}

/// Run saved queries over the index, or over `input` files with no index. With `--input`
/// the exit status says how reading went, as `ingest`'s does.
pub fn hunt(
    dir: &Path,
    ids: &[String],
    format: Format,
    exclusions: Exclusions,
    input: Vec<PathBuf>,
    time: &TimeArgs,
) -> Result<ExitCode> {
    let (range, tz) = super::time_args(time)?;
    // The index is opened only when the rows come from it (not for `--input`).
    let wb = if input.is_empty() {
        Some(Workbench::open(dir)?)
    } else {
        None
    };
    let mut status = ExitCode::SUCCESS;
    let results: Vec<HuntResult> = if let Some(wb) = &wb {
        wb.hunt(ids, range, exclusions != Exclusions::None)?
    } else {
        let queries = analytics::load_saved_queries(Some(&crate::paths::user_analytics_dir()))?;
        let chosen: Vec<_> = queries
            .into_iter()
            .filter(|q| ids.is_empty() || ids.contains(&q.id))
            .filter(|q| q.kind == QueryKind::Parity)
            .collect();
        if chosen.is_empty() {
            anyhow::bail!(
                "--input runs the parity analytics only; no such saved query among {ids:?}"
            );
        }
        // Before reading: a named index that is missing fails fast, not after the scan.
        let store = match &exclusions {
            Exclusions::None => None,
            Exclusions::OfIndex(d) => Some(Workbench::open(d)?.exclusions()?),
        };
        let (mut results, report) =
            pipeline::hunt_files_report(&chosen, input, range, &IngestOptions::default());
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
    let text = match (format, &wb) {
        (Format::Table, Some(wb)) => {
            let mut t = analytics::render_table(&results, tz, super::table_width());
            t += &dropped_listing(wb, &results, tz)?;
            t
        }
        (Format::Table, None) => analytics::render_table(&results, tz, super::table_width()),
        (Format::Json, _) => rows_json(&results, tz)?,
        (Format::Csv, _) => analytics::render_csv(&results, tz),
    };
    emit(&text);
    Ok(status)
}

/// Ad-hoc search; prints events.
pub fn search(
    dir: &Path,
    query: &str,
    format: Format,
    limit: usize,
    time: &TimeArgs,
) -> Result<ExitCode> {
    let (range, tz) = super::time_args(time)?;
    let wb = Workbench::open(dir)?;
    let hits = wb.search(query, range, limit)?;
    match format {
        Format::Json => emit(&serde_json::to_string_pretty(&hits.events)?),
        Format::Csv => {
            let mut out = String::from("time,event_code,channel,computer,user_id,user,text\n");
            for e in &hits.events {
                let cells = [
                    iso_micros(e.time),
                    e.event_code.to_string(),
                    e.channel.clone(),
                    e.computer.clone(),
                    e.user_id.clone().unwrap_or_default(),
                    e.user.clone().unwrap_or_default(),
                    event_text(e).to_string(),
                ];
                let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
                out += &row.join(",");
                out.push('\n');
            }
            emit(&out);
        }
        Format::Table => {
            let width = super::table_width().max(60);
            let mut out = format!(
                "{} events match ({} shown)\n{:<19}  {:>5}  {:<24}  {:<28}  text\n",
                hits.total,
                hits.events.len(),
                "time",
                "code",
                "computer",
                "user"
            );
            for e in &hits.events {
                let user = e.user.as_deref().or(e.user_id.as_deref()).unwrap_or("-");
                let head = format!(
                    "{:<19}  {:>5}  {:<24}  {:<28}  ",
                    ctime(e.time, tz),
                    e.event_code,
                    clip(&inert_line(&e.computer), 24),
                    clip(&inert_line(user), 28)
                );
                let room = width.saturating_sub(head.chars().count()).max(10);
                out += &head;
                out += &clip(&inert_line(event_text(e)), room);
                out.push('\n');
            }
            emit(&out);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Source → target edges of the extended layer.
pub fn edges(dir: &Path, format: Format, time: &TimeArgs) -> Result<ExitCode> {
    let (range, tz) = super::time_args(time)?;
    let wb = Workbench::open(dir)?;
    let edges = wb.edges(range)?;
    match format {
        Format::Json => emit(&serde_json::to_string_pretty(
            &edges
                .iter()
                .map(|e| crate::extended::edge_json(e, tz))
                .collect::<Vec<_>>(),
        )?),
        Format::Csv => {
            let mut out = String::from("source,target,count,firstTime,lastTime,techniques\n");
            for e in &edges {
                out += &format!(
                    "{},{},{},{},{},{}\n",
                    csv_cell(&e.source),
                    csv_cell(&e.target),
                    e.count,
                    ctime(e.first, tz),
                    ctime(e.last, tz),
                    csv_cell(&e.techniques.join(";"))
                );
            }
            emit(&out);
        }
        Format::Table => {
            let mut out = format!(
                "{:<28} → {:<28} {:>6}  {:<19}  {:<19}  techniques (target-side evidence)\n",
                "source", "target", "count", "firstTime", "lastTime"
            );
            for e in &edges {
                out += &format!(
                    "{:<28} → {:<28} {:>6}  {:<19}  {:<19}  {} ({})\n",
                    clip(&inert_line(&e.source), 28),
                    clip(&inert_line(&e.target), 28),
                    e.count,
                    ctime(e.first, tz),
                    ctime(e.last, tz),
                    inert_line(&e.techniques.join(", ")),
                    e.evidence.len()
                );
            }
            if edges.is_empty() {
                out += "(no edges: no remote execution with a literal target in range)\n";
            }
            emit(&out);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The text an analyst reads first for an event.
fn event_text(e: &crate::event::Event) -> &str {
    e.script_block_text
        .as_deref()
        .or(e.process.as_deref())
        .or(e.data.values().next().map(|s| s.as_str()))
        .unwrap_or("")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One JSON array of row objects: `analytic` plus the Splunk output columns. The extended
/// analytic's `escu` is a boolean and its `targets` a list, as its consumers expect.
fn rows_json(results: &[HuntResult], tz: Option<chrono_tz::Tz>) -> Result<String> {
    let mut rows = Vec::new();
    for r in results {
        for g in r.kept() {
            let mut row = analytics::row_json(&r.query, g, tz);
            if r.query.kind == QueryKind::Extended {
                if let Some(v) = row.get_mut("escu") {
                    *v = serde_json::Value::Bool(v.as_str() == Some("true"));
                }
                if let Some(v) = row.get_mut("targets") {
                    let list: Vec<String> = v
                        .as_str()
                        .unwrap_or("")
                        .split(", ")
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect();
                    *v = serde_json::json!(list);
                }
            }
            rows.push(serde_json::Value::Object(row));
        }
    }
    Ok(serde_json::to_string_pretty(&rows)?)
}

/// The matching events Splunk's stats leaves out of the rows (a missing by-field), listed so
/// nothing is lost silently. A parity analytic's rows lack them; the extended rows keep them
/// (with `escu` false, since ESCU raises no row for them), and the heading says which.
fn dropped_listing(
    wb: &Workbench,
    results: &[HuntResult],
    tz: Option<chrono_tz::Tz>,
) -> Result<String> {
    let mut out = String::new();
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
        out += &format!("\n{heading}: {}\n", dropped.len());
        for ((analytic, d), e) in dropped.iter().zip(&events) {
            out += &format!(
                "  {}  {:<24}  {}: {}  {}\n",
                ctime(e.time, tz),
                clip(&inert_line(&e.computer), 24),
                analytic,
                inert_line(&d.reason),
                clip(&inert_line(event_text(e)), 60)
            );
        }
    }
    Ok(out)
}
