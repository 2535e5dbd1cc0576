//! `huntbench ingest`: read logs into the index, with progress and live answers.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::store::Location;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::analytics;
use crate::cli::{SummaryFormat, emit};
use crate::pipeline::{IngestOptions, IngestSummary, Progress};
use crate::workbench::Workbench;

/// Ingest `paths`; prints live rows, then the summary (JSON whatever the outcome). Exits with
/// the outcome's status: 0 all read, 1 records rejected, 3 an input gave no event.
pub fn run(
    dir: &Location,
    paths: Vec<PathBuf>,
    format: SummaryFormat,
    opts: &IngestOptions,
    out: &super::Output,
) -> Result<ExitCode> {
    let wb = Workbench::create_or_open(dir)?;
    super::sigma_skipped_note()?;
    let summary = ingest_with_progress(&wb, paths, opts, format, out)?;
    match format {
        SummaryFormat::Json => emit(&crate::output::to_json_pretty(&summary)?),
        SummaryFormat::Text => emit(&summary_text(&summary, dir)),
    }
    Ok(super::outcome_status(
        summary.outcome,
        summary.unreadable.len(),
        summary.rejected,
    ))
}

/// The pipeline with a progress line on stderr (when it is a terminal) and live rows.
pub fn ingest_with_progress(
    wb: &Workbench,
    paths: Vec<PathBuf>,
    opts: &IngestOptions,
    format: SummaryFormat,
    out: &super::Output,
) -> Result<IngestSummary> {
    let show = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last = Instant::now() - Duration::from_secs(1);
    let mut on_progress = |p: &Progress| {
        if show && last.elapsed() >= Duration::from_millis(200) {
            last = Instant::now();
            let _ = write!(
                std::io::stderr(),
                "\r{}",
                progress_line(p, started.elapsed())
            );
        }
    };
    let mut on_live = |results: &[analytics::HuntResult]| {
        if show {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
        if format == SummaryFormat::Text {
            let n: usize = results.iter().map(|r| r.groups.len()).sum();
            let mut text = format!(
                "Analytics over these files (one-pass scan, {:.1} s; indexing follows): {n} rows\n",
                started.elapsed().as_secs_f64()
            );
            if n > 0 {
                let opts = analytics::TableOptions {
                    layout: out.layout,
                    ..analytics::TableOptions::new(out.width)
                };
                text += &analytics::render_table(results, None, &opts);
            }
            emit(&text);
        }
    };
    let summary = wb.ingest(paths, opts, &mut on_progress, &mut on_live)?;
    if show {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
    Ok(summary)
}

fn progress_line(p: &Progress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = p.events_read as f64 / secs;
    let eta = if p.bytes > 0 && p.total_bytes > p.bytes {
        let left = (p.total_bytes - p.bytes) as f64 * secs / p.bytes as f64;
        format!("{left:.0}s")
    } else {
        "-".into()
    };
    let pct = if p.total_bytes > 0 {
        (p.bytes as f64 * 100.0 / p.total_bytes as f64).min(100.0)
    } else {
        0.0
    };
    let width = 24usize;
    let filled = ((pct / 100.0) * width as f64) as usize;
    format!(
        "[{}{}] {pct:5.1}%  {} events  {:.1}/{:.1} MB  {rate:.0} ev/s  files {}/{}  ETA {eta}",
        "#".repeat(filled),
        "-".repeat(width - filled),
        p.events_read,
        p.bytes as f64 / 1e6,
        p.total_bytes as f64 / 1e6,
        p.files_done,
        p.files,
    )
}

/// The human summary.
pub fn summary_text(s: &IngestSummary, dir: &dyn std::fmt::Display) -> String {
    let mut out = format!(
        "Ingested into {}\n  files read          {}\n  events read         {}\n  indexed             {}\n  duplicates skipped  {}\n  rejected records    {}\n  unreadable inputs   {}\n  time                {:.2} s ({:.0} events/s)\n",
        dir,
        s.files,
        s.events_read,
        s.indexed,
        s.duplicates,
        s.rejected,
        s.unreadable.len(),
        s.seconds,
        s.events_per_second
    );
    if !s.unreadable.is_empty() {
        out += "No event could be read from (see the reasons below):\n";
        for f in s.unreadable.iter().take(50) {
            out += &format!("  {}\n", crate::sanitize::inert_line(f));
        }
        if s.unreadable.len() > 50 {
            out += &format!(
                "  ... and {} more (use --format json for all)\n",
                s.unreadable.len() - 50
            );
        }
    }
    if !s.errors.is_empty() {
        out += "Rejected input (file: position: reason):\n";
        for e in s.errors.iter().take(50) {
            out += &format!("  {}\n", crate::sanitize::inert_line(&e.to_string()));
        }
        if s.errors.len() > 50 {
            out += &format!(
                "  ... and {} more (use --format json for all)\n",
                s.errors.len() - 50
            );
        }
    }
    out
}
