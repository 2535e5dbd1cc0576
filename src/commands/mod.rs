//! The commands behind the CLI; each file is one command family.

mod demo;
mod exclusions;
mod hunt;
mod ingest;
mod report;
mod rules;
mod stats;
mod timeline;
mod triage;
mod verify;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, OutputArgs, TimeArgs};
use crate::output::{CsvMode, Layout};
use crate::pipeline::Outcome;
use crate::time::{self, TimeRange};

/// How this invocation writes tables and CSV (from the global output flags).
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// Terminal columns for tables.
    pub width: usize,
    /// Grid or one block per record.
    pub layout: Layout,
    /// `--csv-exact` given.
    csv_exact: bool,
}

impl Output {
    /// From the flags.
    fn from_args(args: OutputArgs) -> Output {
        Output {
            width: table_width(),
            layout: if args.expanded {
                Layout::Expanded
            } else {
                Layout::Auto
            },
            csv_exact: args.csv_exact,
        }
    }

    /// The CSV mode for this run; `--csv-exact` is refused on a terminal, where the exact text
    /// of a hostile script (ESC, OSC, C1 sequences) would drive the terminal.
    pub fn csv(&self) -> Result<CsvMode> {
        csv_mode(self.csv_exact, crate::cli::stdout_is_terminal())
    }
}

/// `--csv-exact` → exact CSV, unless standard output is a terminal.
pub fn csv_mode(exact: bool, stdout_is_terminal: bool) -> Result<CsvMode> {
    if !exact {
        return Ok(CsvMode::Safe);
    }
    if stdout_is_terminal {
        anyhow::bail!(
            "--csv-exact writes the logged text byte for byte, control characters included, \
             and standard output is a terminal: redirect it to a file or a pipe \
             (`huntbench ... --format csv --csv-exact > rows.csv`), or drop the flag for CSV \
             that is safe to show"
        );
    }
    Ok(CsvMode::Exact)
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let index_dir = crate::paths::index_dir(cli.index.clone());
    let at = crate::store::Location::resolve(cli.store.as_deref(), index_dir.clone())?;
    let out = Output::from_args(cli.output);
    crate::analytics::set_sigma_dirs(cli.sigma.clone());
    match cli.command {
        Some(Command::Rules { format }) => rules::run(format, &out),
        None => demo::open_tui(&at, &TimeArgs::default()),
        Some(Command::Tui(t)) => demo::open_tui(&at, &t),
        Some(Command::Demo {
            events,
            seed,
            no_tui,
        }) => {
            let store = at.index_dir().is_none().then(|| at.clone());
            demo::run(cli.index, store, events, seed, no_tui, &out)
        }
        Some(Command::Ingest {
            paths,
            format,
            threads,
            commit_every,
            no_extended,
            limits,
        }) => {
            let mut opts = crate::pipeline::IngestOptions {
                commit_every: commit_every.max(1),
                extended: !no_extended,
                limits: limits.limits(),
                ..Default::default()
            };
            if let Some(t) = threads {
                opts.threads = t.max(1);
            }
            ingest::run(&at, paths, format, &opts, &out)
        }
        Some(Command::Stats { format }) => stats::run(&at, format),
        Some(Command::Hunt {
            ids,
            format,
            no_exclusions,
            input,
            limits,
            time,
        }) => {
            let exclusions = if no_exclusions {
                hunt::Exclusions::None
            } else if input.is_empty() {
                hunt::Exclusions::OfIndex(at.clone())
            } else {
                // Files are no index: only an index named on this command line lends its
                // exclusions (HUNTBENCH_INDEX says where the index lives for the commands
                // that read one, not that these files should be tuned like it).
                match (&at, cli.index.clone()) {
                    (crate::store::Location::ClickHouse(_), _) if cli.store.is_some() => {
                        hunt::Exclusions::OfIndex(at.clone())
                    }
                    (_, Some(dir)) => hunt::Exclusions::OfIndex(crate::store::Location::Index(dir)),
                    _ => hunt::Exclusions::None,
                }
            };
            let input = hunt::Input {
                paths: input,
                limits: limits.limits(),
            };
            hunt::hunt(&at, &ids, format, exclusions, input, &time, &out)
        }
        Some(Command::Search {
            query,
            format,
            limit,
            time,
        }) => hunt::search(&at, &query, format, limit, &time, &out),
        Some(Command::Edges { format, time }) => hunt::edges(&at, format, &time, &out),
        Some(Command::Exclusions(cmd)) => exclusions::run(&at, cmd, &out),
        Some(Command::Triage(cmd)) => triage::run(&at, cmd, &out),
        Some(Command::Verify { .. } | Command::Reindex { .. }) if at.index_dir().is_none() => {
            // Segment checksums are the embedded index's; a ClickHouse server checks its own
            // parts (`CHECK TABLE`) and replicas repair them.
            anyhow::bail!(
                "verify and reindex check the embedded index's files; {at} is a ClickHouse store \
                 (use ClickHouse's own CHECK TABLE on each shard)"
            )
        }
        Some(Command::Verify { format }) => verify::verify(&index_dir, format),
        Some(Command::Reindex { format }) => verify::reindex(&index_dir, format),
        Some(Command::Timeline(args)) => timeline::run(&at, &args, &out),
        Some(Command::Bench(args)) => {
            let store = match &at {
                crate::store::Location::ClickHouse(url) => Some(url),
                crate::store::Location::Index(_) => None,
            };
            crate::bench::run(&args, store)
        }
        Some(Command::Report(args)) => report::run(&at, &args),
    }
}

/// The exit status of a run that read inputs, with one line on stderr saying why when it is
/// not 0 (stdout may be a JSON summary or rows a script reads).
fn outcome_status(outcome: Outcome, unreadable: usize, rejected: u64) -> ExitCode {
    let why = match outcome {
        Outcome::Complete => return ExitCode::SUCCESS,
        Outcome::RecordsRejected => format!("{rejected} records rejected"),
        Outcome::InputUnreadable => format!("no event could be read from {unreadable} input(s)"),
    };
    eprintln!("huntbench: {why} (exit status {})", outcome.exit_code());
    ExitCode::from(outcome.exit_code())
}

/// The time range and zone of `--earliest/--latest/--tz/--anchor`: relative times count back
/// from now, or with `--anchor last-event` from the newest event in `wb`'s index (`None`:
/// `hunt --input`, no index); a time
/// without a zone (a bare date too) is in `--tz`, UTC without it; a bare date as `--latest`
/// is the end of that day.
fn time_args_in(
    t: &TimeArgs,
    wb: Option<&crate::workbench::Workbench>,
) -> Result<(TimeRange, Option<chrono_tz::Tz>)> {
    let tz =
        t.tz.as_deref()
            .map(time::parse_tz)
            .transpose()
            .map_err(anyhow::Error::msg)?;
    let anchor = match t.anchor.unwrap_or_default() {
        time::Anchor::Now => time::now_micros(),
        time::Anchor::LastEvent => {
            let Some(wb) = wb else {
                anyhow::bail!(
                    "--anchor last-event counts back from the newest event in an index; \
                     --input reads files, so use --anchor now or absolute times"
                );
            };
            match wb.store().time_span()? {
                Some((_, last)) => time::last_event_anchor(last),
                None => anyhow::bail!(
                    "--anchor last-event: the index {} holds no events",
                    wb.store().location()
                ),
            }
        }
    };
    let range = TimeRange::parse_in(t.earliest.as_deref(), t.latest.as_deref(), anchor, tz)
        .map_err(anyhow::Error::msg)?;
    Ok((range, tz))
}

/// The workbench's range as typed on its command line (`-7d`, `2026-03-10..`) and its anchor:
/// `--anchor` when given, else now, as every command's `--earliest`; with no range given the
/// workbench's own default (the last event).
fn tui_range(t: &TimeArgs) -> (String, Option<time::Anchor>) {
    let text = match (t.earliest.as_deref(), t.latest.as_deref()) {
        (None, None) => String::new(),
        // `-7d` alone reads as from then on; a date alone would read as that one day.
        (Some(e), None) if time::bare_date(e).is_none() => e.to_string(),
        (e, l) => format!("{}..{}", e.unwrap_or(""), l.unwrap_or("")),
    };
    let anchor = t
        .anchor
        .or_else(|| (!text.is_empty()).then_some(time::Anchor::Now));
    (text, anchor)
}

/// Width for tables: the terminal's, COLUMNS, or 200 when output is piped.
fn table_width() -> usize {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    if !crate::cli::stdout_is_terminal() {
        // Piped output is read by people in pagers and by diff: no terminal to fit.
        return columns.unwrap_or(200);
    }
    columns.or_else(crate::tui::terminal_width).unwrap_or(160)
}

/// Say on stderr how many of the run's Sigma rule files are not evaluated, so a rule that
/// never fires because it was never run is not mistaken for one that found nothing.
fn sigma_skipped_note() -> Result<()> {
    let loaded = crate::analytics::run_sigma()?;
    let listed = &loaded.1.listed;
    let skipped = listed.iter().filter(|l| l.reason.is_some()).count();
    if skipped > 0 {
        eprintln!(
            "huntbench: {skipped} of {} Sigma rule file(s) not evaluated (`huntbench rules` \
             lists why)",
            listed.len()
        );
    }
    Ok(())
}
