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
    /// Which parts: ingest, hunt, scan, tui (comma-separated; default all).
    #[arg(long, default_value = "ingest,hunt,scan,tui")]
    pub only: String,
    /// Warm repetitions per hunt.
    #[arg(long, default_value_t = 21)]
    pub reps: usize,
    /// Runs per ingest configuration (the median is reported: single runs vary by ±5 %).
    #[arg(long, default_value_t = 3)]
    pub ingest_reps: usize,
}

/// Run the benchmark and print a Markdown report.
pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    let parts: Vec<&str> = args.only.split(',').map(str::trim).collect();
    let temp = args.dir.is_none();
    let dir = args.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("huntbench-bench-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)?;
    let mut report = format!(
        "## huntbench bench: {} events, seed {}, {} cores\n\n",
        args.events,
        args.seed,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let opts = DemoOptions {
        seed: args.seed,
        events: args.events,
    };
    let ndjson = dir.join("corpus.evtx_dump.jsonl");
    let xml = dir.join("corpus.xmlwineventlog.log");
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

    let index_dir = dir.join("index-ndjson");
    if parts.contains(&"ingest") {
        report += &format!(
            "| ingest (median of {}) | events | wall s | events/s | peak RSS MB |\n|---|---|---|---|---|\n",
            args.ingest_reps.max(1)
        );
        for (name, file, idx, extra) in [
            ("NDJSON (evtx_dump)", &ndjson, index_dir.clone(), None),
            ("XmlWinEventLog", &xml, dir.join("index-xml"), None),
            (
                "NDJSON, extended layer off",
                &ndjson,
                dir.join("index-plain"),
                Some("--no-extended"),
            ),
        ] {
            let mut cmd = vec!["ingest", "--format", "json"];
            cmd.extend(extra);
            let mut walls = Vec::new();
            let (mut n, mut rss) = (0u64, 0f64);
            for _ in 0..args.ingest_reps.max(1) {
                let _ = std::fs::remove_dir_all(&idx);
                let idx_arg = idx.to_string_lossy();
                let mut full = cmd.clone();
                full.extend(["--index", &idx_arg]);
                let (wall, json) = child(&full, file)?;
                let v: serde_json::Value = serde_json::from_str(&json)
                    .with_context(|| format!("ingest output was not JSON: {json}"))?;
                n = v["events_read"].as_u64().unwrap_or(0);
                rss = rss.max(v["peak_rss_bytes"].as_f64().unwrap_or(0.0));
                walls.push(wall);
            }
            let wall = pct(&mut walls, 50) / 1e3;
            report += &format!(
                "| {name} | {n} | {wall:.2} | {:.0} | {:.0} |\n",
                n as f64 / wall,
                rss / 1e6
            );
        }
        report.push('\n');
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
                pct(&mut times, 50),
                pct(&mut times, 90)
            );
        }
        report.push('\n');
    }

    if parts.contains(&"scan") {
        let (wall, out) = child(&["hunt", "--format", "json", "--input"], &ndjson)?;
        let rows = serde_json::from_str::<serde_json::Value>(&out)
            .ok()
            .and_then(|v| v.as_array().map(|a| a.len()))
            .unwrap_or(0);
        report += &format!(
            "one-pass `hunt --input` over the NDJSON ({} events): {:.2} s wall, {rows} rows\n\n",
            args.events,
            wall.as_secs_f64()
        );
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

fn write_file(path: &Path, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    f(&mut w)?;
    w.flush()?;
    Ok(())
}

fn size_mb(p: &Path) -> f64 {
    std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6)
}

fn pct(times: &mut [Duration], p: usize) -> f64 {
    times.sort();
    let i = ((times.len() - 1) * p) / 100;
    times[i].as_secs_f64() * 1e3
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
