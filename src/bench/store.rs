//! `huntbench bench --store URL --only store`: the ClickHouse store beside the embedded index
//! on the same corpus, in one run. Ingest (child processes, alternating the two, medians) and
//! warm hunt latency per analytic, and what the store's duplicate guard (`FINAL`) costs.
//!
//! The bench owns the database it names: it refuses one that exists, and drops it between
//! ingest rounds and at the end.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::{BenchArgs, child, median, ms, percentile};
use crate::store::clickhouse;
use crate::store::{Location, StoreUrl};
use crate::time::TimeRange;
use crate::workbench::Workbench;

struct Run {
    wall: f64,
    cpu: f64,
    rss: f64,
    events: u64,
}

fn ingest(args: &[&str], file: &Path) -> Result<Run> {
    let mut cmd = vec!["ingest", "--format", "json"];
    cmd.extend(args);
    let (wall, json) = child(&cmd, file)?;
    let v: serde_json::Value = serde_json::from_str(&json)
        .with_context(|| format!("ingest output was not JSON: {json}"))?;
    Ok(Run {
        wall: wall.as_secs_f64(),
        cpu: v["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
        rss: v["peak_rss_bytes"].as_f64().unwrap_or(0.0),
        events: v["indexed"].as_u64().unwrap_or(0),
    })
}

/// The store section of the report.
pub(super) fn report(
    args: &BenchArgs,
    url: &StoreUrl,
    ndjson: &Path,
    dir: &Path,
) -> Result<String> {
    if clickhouse::database_exists(url)? {
        bail!(
            "bench --store needs a database of its own and {} exists: name a new one (the bench drops it when done)",
            url.database
        );
    }
    let url_text = url.to_string();
    let index_dir = dir.join("index-store-bench");
    let index_arg = index_dir.to_string_lossy().to_string();
    let reps = args.ingest_reps.max(1);
    let (mut embedded, mut store) = (Vec::new(), Vec::new());
    for round in 0..reps {
        let _ = std::fs::remove_dir_all(&index_dir);
        clickhouse::drop_database(url)?;
        // Alternate which goes first: the page cache and the machine's drift favour neither.
        if round % 2 == 0 {
            embedded.push(ingest(&["--index", &index_arg], ndjson)?);
            store.push(ingest(&["--store", &url_text], ndjson)?);
        } else {
            store.push(ingest(&["--store", &url_text], ndjson)?);
            embedded.push(ingest(&["--index", &index_arg], ndjson)?);
        }
    }
    let mut out = format!(
        "### ClickHouse store ({url_text}) beside the embedded index, {} events\n\n\
         | ingest (median of {reps}, alternating) | events | wall s | events/s | CPU s (huntbench) | peak RSS MB (huntbench) |\n|---|---|---|---|---|---|\n",
        args.events
    );
    for (name, runs) in [("embedded index", &embedded), ("ClickHouse store", &store)] {
        let wall = median(runs.iter().map(|r| r.wall));
        out += &format!(
            "| {name} | {} | {wall:.2} | {:.0} | {:.1} | {:.0} |\n",
            runs.last().map_or(0, |r| r.events),
            runs.last().map_or(0, |r| r.events) as f64 / wall,
            median(runs.iter().map(|r| r.cpu)),
            runs.iter().map(|r| r.rss).fold(0.0, f64::max) / 1e6
        );
    }

    let emb = Workbench::open(&index_dir)?;
    let ch = Workbench::open(Location::ClickHouse(url.clone()))?;
    let per_event = |bytes: u64, n: u64| bytes as f64 / n.max(1) as f64;
    out += &format!(
        "\nsize: embedded index {:.0} bytes/event, ClickHouse store {:.0} bytes/event (compressed parts)\n\n",
        per_event(emb.store().size_bytes(), emb.store().num_events()),
        per_event(ch.store().size_bytes(), ch.store().num_events())
    );
    out += &format!(
        "| hunt (warm, {} reps) | rows | embedded p50 ms | p90 | ClickHouse p50 ms | p90 | same rows |\n|---|---|---|---|---|---|---|\n",
        args.reps
    );
    for q in emb.queries().to_vec() {
        let ids = vec![q.id.clone()];
        let mut times = [Vec::new(), Vec::new()];
        let mut last = [None, None];
        for _ in 0..args.reps.max(1) {
            for (k, wb) in [&emb, &ch].into_iter().enumerate() {
                let t = Instant::now();
                let r = wb.hunt(&ids, TimeRange::ALL, true)?;
                times[k].push(t.elapsed());
                last[k] = Some(r);
            }
        }
        let rows = |k: usize| last[k].as_ref().map_or(0, |r| r[0].rows());
        let same = last[0].as_ref().map(|r| &r[0].groups) == last[1].as_ref().map(|r| &r[0].groups);
        out += &format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |\n",
            q.id,
            rows(0),
            percentile(ms(&times[0]), 50),
            percentile(ms(&times[0]), 90),
            percentile(ms(&times[1]), 50),
            percentile(ms(&times[1]), 90),
            if same { "yes" } else { "NO" }
        );
    }
    let [once, fin, none] =
        clickhouse::guard_cost(url, crate::pipeline::INBOUND_TAG, args.reps.max(1))?;
    out += &format!(
        "\nduplicate guard, reading the inbound tag's events (every column), p50: `LIMIT 1 BY uid` \
         (huntbench) {:.1} ms, `FINAL` {:.1} ms, no guard {:.1} ms\n\n",
        once * 1e3,
        fin * 1e3,
        none * 1e3
    );
    clickhouse::drop_database(url)?;
    let _ = std::fs::remove_dir_all(&index_dir);
    Ok(out)
}
