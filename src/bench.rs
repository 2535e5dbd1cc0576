//! `huntbench bench`: the performance figures of BENCHMARKS.md, measured on a generated corpus.
//!
//! Ingest and the one-pass scan run as child processes of this binary so their wall time and
//! peak memory (VmHWM, reported by the child itself) are theirs alone.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;

mod layer;
mod scale;
mod scan;
mod sigma;
mod store;
mod timed;

use crate::demo::{self, DemoOptions};
use crate::time::TimeRange;
use crate::workbench::Workbench;

/// Options of `huntbench bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Events in the generated corpus.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Work directory (default: a fresh folder under the system temp dir, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Which parts: ingest, layer, hunt, scan, tui, store (with --store: the ClickHouse
    /// store beside the embedded index), sigma (with --sigma DIR: the rule set at load, at
    /// ingest, and over --data beside --compare) and scale (one ingest per --sizes)
    /// (comma-separated; default all but store, sigma and scale).
    #[arg(long, default_value = "ingest,layer,hunt,scan,tui")]
    pub only: String,
    /// Warm repetitions per hunt.
    #[arg(long, default_value_t = 21)]
    pub reps: usize,
    /// Corpus sizes of the scale part, in events (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000,5000000")]
    pub sizes: Vec<usize>,
    /// Runs per ingest configuration, in rotating order (medians are reported: single runs
    /// vary by ±10 % on this machine kind).
    #[arg(long, default_value_t = 5)]
    pub ingest_reps: usize,
    /// Real logs (e.g. .evtx files) the scan part runs `hunt --input` over after the
    /// generated corpus and ingests into a fresh index (records per second), and the sigma
    /// part hunts with the whole rule set (`--sigma DIR`).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// A peer's binary (Chainsaw) run alternately with huntbench, the report giving the
    /// ratios: in the scan part its `search -i -e invoke-command -e=-computername FILES
    /// --json -q`, in the sigma part its `hunt DATA -s RULES --mapping MAP --json -q`.
    #[arg(long, value_name = "PEER_BIN")]
    pub compare: Option<PathBuf>,
    /// The peer's Sigma field mapping (Chainsaw's mappings/sigma-event-logs-all.yml), for the
    /// sigma part's comparison.
    #[arg(long, value_name = "FILE")]
    pub peer_mapping: Option<PathBuf>,
}

/// Run the benchmark and print a Markdown report.
pub fn run(args: &BenchArgs, store: Option<&crate::store::StoreUrl>) -> Result<ExitCode> {
    let parts: Vec<&str> = args.only.split(',').map(str::trim).collect();
    if parts.contains(&"sigma") && args.compare.is_some() && args.peer_mapping.is_none() {
        bail!("the sigma part's comparison needs --peer-mapping (the peer's Sigma field mapping)");
    }
    if let Some(bin) = &args.compare
        && !bin.is_file()
    {
        bail!("--compare {}: no such file", bin.display());
    }
    if parts.contains(&"store") && store.is_none() {
        bail!("the store part needs --store clickhouse://HOST:PORT/NEW_DATABASE[?cluster=NAME]");
    }
    let temp = args.dir.is_none();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("huntbench-bench-{}", std::process::id()))
    });
    // Its corpora and indexes are event logs like any other: private however the folder is made.
    crate::paths::create_private_dir(&dir)?;
    // The scale part writes corpora of its own sizes and the TUI part needs none.
    let corpus = parts.iter().any(|p| !matches!(*p, "scale" | "tui"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut report = if corpus {
        format!(
            "## huntbench bench: {} events, seed {}, {cores} cores\n\n",
            args.events, args.seed
        )
    } else {
        format!("## huntbench bench: seed {}, {cores} cores\n\n", args.seed)
    };
    let opts = DemoOptions {
        seed: args.seed,
        events: args.events,
    };
    let ndjson = dir.join("corpus.evtx_dump.jsonl");
    let xml = dir.join("corpus.xmlwineventlog.log");
    if corpus {
        let t = Instant::now();
        write_file(&ndjson, |w| {
            demo::write_ndjson_evtx_dump(demo::generate_iter(&opts), w)
        })?;
        write_file(&xml, |w| {
            demo::write_xml_lines(demo::generate_iter(&opts), w)
        })?;
        report += &format!(
            "corpus: NDJSON {:.0} MB, XmlWinEventLog {:.0} MB, generated in {:.1} s\n\n",
            size_mb(&ndjson),
            size_mb(&xml),
            t.elapsed().as_secs_f64()
        );
    }

    let index_dir = dir.join("index-ndjson");
    let mut ingest_cpu = None;
    if parts.contains(&"ingest") {
        let (table, cpu) = ingest_part(args, &ndjson, &xml, &dir, &index_dir)?;
        report += &table;
        ingest_cpu = cpu;
    }
    if parts.contains(&"layer") {
        report += &layer::report(&ndjson, ingest_cpu)?;
    }

    if parts.contains(&"hunt") {
        if !index_dir.join("huntbench-index.json").exists() {
            bail!("the hunt bench needs the ingest part first (same --dir)");
        }
        let wb = Workbench::open(&index_dir)?;
        report += &format!(
            "| hunt (warm, {} reps) | access | rows | events | p50 ms | p90 ms |\n|---|---|---|---|---|---|\n",
            args.reps
        );
        for q in wb.queries().to_vec() {
            let ids = vec![q.id.clone()];
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..args.reps.max(1) {
                let t = Instant::now();
                let r = wb.hunt(&ids, TimeRange::ALL, true)?;
                times.push(t.elapsed());
                last = Some(r);
            }
            let r = &last.expect("at least one rep")[0];
            report += &format!(
                "| {} | {:?} | {} | {} | {:.1} | {:.1} |\n",
                q.id,
                wb.access(&q),
                r.rows(),
                r.events(),
                percentile(ms(&times), 50),
                percentile(ms(&times), 90)
            );
        }
        report.push('\n');
    }

    if parts.contains(&"scan") {
        report += &scan::report(args, &ndjson, &dir)?;
    }

    if parts.contains(&"scale") {
        report += &scale::report(args, &dir)?;
    }

    if parts.contains(&"sigma") {
        report += &sigma::report(args, &crate::analytics::sigma_dirs()?, &ndjson, &dir)?;
    }

    if let (true, Some(url)) = (parts.contains(&"store"), store) {
        report += &store::report(args, url, &ndjson, &dir)?;
    }

    if parts.contains(&"tui") {
        let (update, draw) = crate::tui::bench_render(100_000);
        report += &format!(
            "TUI with 100,000 groups (160x45): update p50 {:.2} ms, draw p50 {:.2} ms\n\n",
            update.as_secs_f64() * 1e3,
            draw.as_secs_f64() * 1e3
        );
    }

    crate::cli::emit(&report);
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// One ingest child run: what it reported about itself.
struct IngestRun {
    wall: f64,
    cpu: f64,
    rss: f64,
    events: u64,
}

/// `ingest --format json --index IDX`, the start of the ingests run under `timed`.
fn ingest_args(idx: &Path) -> Vec<String> {
    ["ingest", "--format", "json", "--index"]
        .map(String::from)
        .into_iter()
        .chain([idx.display().to_string()])
        .collect()
}

/// `ingest --format json` of `file` into a fresh index at `idx` (plus `extra` flags), as a
/// child of this binary.
fn ingest_run(file: &Path, idx: &Path, extra: &[&str]) -> Result<IngestRun> {
    let _ = std::fs::remove_dir_all(idx);
    let idx_arg = idx.to_string_lossy();
    let mut cmd = vec!["ingest", "--format", "json", "--index", &idx_arg];
    cmd.extend(extra);
    let (wall, json) = child(&cmd, file)?;
    let v: serde_json::Value = serde_json::from_str(&json)
        .with_context(|| format!("ingest output was not JSON: {json}"))?;
    Ok(IngestRun {
        wall: wall.as_secs_f64(),
        cpu: v["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
        rss: v["peak_rss_bytes"].as_f64().unwrap_or(0.0),
        events: v["events_read"].as_u64().unwrap_or(0),
    })
}

/// The ingest table, and the median CPU seconds of the full NDJSON ingest (for `layer`).
///
/// Configurations run in rotating order (A B C, B C A, C A B, ...): a fixed order let page
/// cache, the previous child's exit and the machine's drift favour whichever ran last. The
/// extended layer's cost is the median of the per-round differences between the NDJSON
/// ingest with and without it, in wall and in CPU time.
fn ingest_part(
    args: &BenchArgs,
    ndjson: &Path,
    xml: &Path,
    dir: &Path,
    index_dir: &Path,
) -> Result<(String, Option<f64>)> {
    let configs: [(&str, &Path, PathBuf, Option<&str>); 3] = [
        ("NDJSON (evtx_dump)", ndjson, index_dir.to_path_buf(), None),
        ("XmlWinEventLog", xml, dir.join("index-xml"), None),
        (
            "NDJSON, extended layer off",
            ndjson,
            dir.join("index-plain"),
            Some("--no-extended"),
        ),
    ];
    let reps = args.ingest_reps.max(1);
    let mut runs: Vec<Vec<IngestRun>> = configs.iter().map(|_| Vec::new()).collect();
    for round in 0..reps {
        for k in 0..configs.len() {
            let c = (round + k) % configs.len();
            let (_, file, idx, extra) = &configs[c];
            runs[c].push(ingest_run(file, idx, extra.as_slice())?);
        }
    }
    let mut report = format!(
        "| ingest (median of {reps}, rotating order) | events | wall s | events/s | CPU s | CPU s, min–max | peak RSS MB |\n|---|---|---|---|---|---|---|\n"
    );
    for ((name, ..), runs) in configs.iter().zip(&runs) {
        let wall = median(runs.iter().map(|r| r.wall));
        let cpu = median(runs.iter().map(|r| r.cpu));
        let events = runs.last().map_or(0, |r| r.events);
        let rss = runs.iter().map(|r| r.rss).fold(0.0, f64::max);
        let (lo, hi) = runs.iter().fold((f64::INFINITY, 0f64), |(lo, hi), r| {
            (lo.min(r.cpu), hi.max(r.cpu))
        });
        report += &format!(
            "| {name} | {events} | {wall:.2} | {:.0} | {cpu:.1} | {lo:.1}–{hi:.1} | {:.0} |\n",
            events as f64 / wall,
            rss / 1e6
        );
    }
    let diff = |on: f64, off: f64| 100.0 * (on - off) / off;
    let (on, off) = (&runs[0], &runs[2]);
    let rounds: Vec<String> = on
        .iter()
        .zip(off)
        .map(|(a, b)| format!("{:+.1} %", diff(a.cpu, b.cpu)))
        .collect();
    report += &format!(
        "\nextended layer at ingest, median of per-round differences (NDJSON on vs off): \
         wall {:+.1} %, CPU {:+.1} % (CPU per round: {})\n\n",
        median(on.iter().zip(off).map(|(a, b)| diff(a.wall, b.wall))),
        median(on.iter().zip(off).map(|(a, b)| diff(a.cpu, b.cpu))),
        rounds.join(", ")
    );
    Ok((report, Some(median(on.iter().map(|r| r.cpu)))))
}

/// The p-th percentile (nearest rank, lower) of some numbers; NaN when there are none.
fn percentile(values: impl Iterator<Item = f64>, p: usize) -> f64 {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) * p / 100]
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    percentile(values, 50)
}

/// Durations in milliseconds.
fn ms(times: &[Duration]) -> impl Iterator<Item = f64> + '_ {
    times.iter().map(|t| t.as_secs_f64() * 1e3)
}

fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    f(&mut w)?;
    w.flush()?;
    // On disk before anything is timed: the kernel writing a gigabyte back in the middle of
    // a measurement moved hunt times by a third.
    w.get_ref().sync_all()?;
    Ok(())
}

fn size_mb(p: &Path) -> f64 {
    std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6)
}

/// Run this binary with `args` then `file`, its config and data dirs kept apart from the
/// user's (no saved queries or exclusions of theirs change the figures); returns wall time
/// and stdout.
fn child(args: &[&str], file: &Path) -> Result<(Duration, String)> {
    let exe = std::env::current_exe()?;
    let scratch = std::env::temp_dir().join(format!("huntbench-bench-{}", std::process::id()));
    let t = Instant::now();
    let out = Command::new(exe)
        .args(args)
        .arg(file)
        .env("HUNTBENCH_CONFIG", scratch.join("config"))
        .env("HUNTBENCH_DATA", scratch.join("data"))
        .output()?;
    let wall = t.elapsed();
    if !out.status.success() {
        bail!("child failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok((wall, String::from_utf8_lossy(&out.stdout).into_owned()))
}
