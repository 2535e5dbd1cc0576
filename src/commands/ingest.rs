//! `huntbench ingest`: read logs into the index, with progress and live answers.

use std::path::PathBuf;

use crate::store::Location;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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

/// The pipeline with a progress bar on stderr (when it is a terminal) and live rows.
pub fn ingest_with_progress(
    wb: &Workbench,
    paths: Vec<PathBuf>,
    opts: &IngestOptions,
    format: SummaryFormat,
    out: &super::Output,
) -> Result<IngestSummary> {
    let bar = progress_bar();
    let started = Instant::now();
    let mut on_progress = |p: &Progress| {
        // The bar's position is bytes read (what the ETA can be judged by); events and files
        // are the figures an analyst watches.
        bar.set_length(p.total_bytes.max(p.bytes));
        bar.set_position(p.bytes);
        bar.set_message(progress_message(p, started.elapsed()));
    };
    let mut on_live = |results: &[analytics::HuntResult]| {
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
            // The bar steps aside while the rows are printed, then draws again below them.
            bar.suspend(|| emit(&text));
        }
    };
    let summary = wb.ingest(paths, opts, &mut on_progress, &mut on_live);
    bar.finish_and_clear();
    summary
}

/// The ingest's bar: drawn five times a second to stderr. indicatif draws nothing when stderr
/// is not a terminal (or `TERM=dumb`): a pipe or a log file gets the summary only.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(5));
    let style = ProgressStyle::with_template(
        "[{bar:24}] {percent:>3}%  {msg}  {decimal_bytes}/{decimal_total_bytes}  ETA {eta}",
    )
    .expect("the template is valid")
    .progress_chars("#-");
    bar.set_style(style);
    bar
}

/// The bar's message: events read and their rate, files done.
fn progress_message(p: &Progress, elapsed: Duration) -> String {
    let rate = p.events_read as f64 / elapsed.as_secs_f64().max(0.001);
    format!(
        "{} events  {rate:.0} ev/s  files {}/{}",
        p.events_read, p.files_done, p.files
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
