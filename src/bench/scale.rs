//! The scale part of `huntbench bench`: one ingest per corpus size (`--sizes`, generated with
//! the same seed), so a cost per event that grows with the input shows as a column, not as a
//! guess from two unrelated runs. Each size's corpus is written, ingested `--ingest-reps`
//! times into a fresh index, and removed before the next (5M events of NDJSON are 4.4 GB).

use std::path::Path;

use anyhow::Result;

use super::{BenchArgs, ingest_run, median, write_file};
use crate::demo::{self, DemoOptions};

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
        // Each run with the size of the index it left.
        let mut runs = Vec::new();
        for _ in 0..reps {
            let run = ingest_run(&corpus, &idx, &[])?;
            let bytes = crate::index::Index::open_existing(&idx)?.size_bytes();
            runs.push((run, bytes));
        }
        let _ = std::fs::remove_file(&corpus);
        let _ = std::fs::remove_dir_all(&idx);
        let events = runs.last().map_or(0, |(r, _)| r.events);
        let wall = median(runs.iter().map(|(r, _)| r.wall));
        let cpu = median(runs.iter().map(|(r, _)| r.cpu));
        let index = median(runs.iter().map(|(_, bytes)| *bytes as f64));
        out += &format!(
            "| {n} | {events} | {wall:.2} | {:.0} | {cpu:.1} | {:.1} | {:.0} | {:.1} | {:.0} |\n",
            events as f64 / wall,
            cpu * 1e6 / events.max(1) as f64,
            runs.iter().map(|(r, _)| r.rss).fold(0.0, f64::max) / 1e6,
            index / 1e6,
            index / events.max(1) as f64,
        );
    }
    out.push('\n');
    Ok(out)
}
