//! The scale part of `huntbench bench`: one ingest per corpus size (`--sizes`, generated with
//! the same seed), so a cost per event that grows with the input shows as a column, not as a
//! guess from two unrelated runs. Each size's corpus is written, ingested `--ingest-reps`
//! times into a fresh index, and removed before the next (5M events of NDJSON are 4.4 GB).

use std::path::Path;

use anyhow::{Context, Result};

use super::{BenchArgs, child, median, write_file};
use crate::demo::{self, DemoOptions};

/// One ingest child: what it reported about itself, and the index it left.
struct Run {
    wall: f64,
    cpu: f64,
    rss: f64,
    events: u64,
    index_bytes: u64,
}

/// The scaling table over `args.sizes`.
pub fn report(args: &BenchArgs, dir: &Path) -> Result<String> {
    let reps = args.ingest_reps.max(1);
    let mut out = format!(
        "ingest of the generated NDJSON (evtx_dump) by size, median of {reps} runs each:\n\n| size asked | events read | wall s | events/s | CPU s | CPU µs/event | peak RSS MB | index MB | index bytes/event |\n|---|---|---|---|---|---|---|---|---|\n"
    );
    for &n in &args.sizes {
        let corpus = dir.join(format!("scale-{n}.evtx_dump.jsonl"));
        let opts = DemoOptions {
            seed: args.seed,
            events: n,
        };
        write_file(&corpus, |w| {
            demo::write_ndjson_evtx_dump(demo::generate_iter(&opts), w)
        })?;
        let idx = dir.join(format!("index-scale-{n}"));
        let mut runs = Vec::new();
        for _ in 0..reps {
            let _ = std::fs::remove_dir_all(&idx);
            let idx_arg = idx.to_string_lossy();
            let (wall, json) = child(
                &["ingest", "--format", "json", "--index", &idx_arg],
                &corpus,
            )?;
            let v: serde_json::Value = serde_json::from_str(&json)
                .with_context(|| format!("ingest output was not JSON: {json}"))?;
            runs.push(Run {
                wall: wall.as_secs_f64(),
                cpu: v["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
                rss: v["peak_rss_bytes"].as_f64().unwrap_or(0.0),
                events: v["events_read"].as_u64().unwrap_or(0),
                index_bytes: crate::index::Index::open_existing(&idx)?.size_bytes(),
            });
        }
        let _ = std::fs::remove_file(&corpus);
        let _ = std::fs::remove_dir_all(&idx);
        let events = runs.last().map_or(0, |r| r.events);
        let wall = median(runs.iter().map(|r| r.wall));
        let cpu = median(runs.iter().map(|r| r.cpu));
        let index = median(runs.iter().map(|r| r.index_bytes as f64));
        out += &format!(
            "| {n} | {events} | {wall:.2} | {:.0} | {cpu:.1} | {:.1} | {:.0} | {:.1} | {:.0} |\n",
            events as f64 / wall,
            cpu * 1e6 / events.max(1) as f64,
            runs.iter().map(|r| r.rss).fold(0.0, f64::max) / 1e6,
            index / 1e6,
            index / events.max(1) as f64,
        );
    }
    out.push('\n');
    Ok(out)
}
