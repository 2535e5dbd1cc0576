//! The scan part of `huntbench bench`: the one-pass `hunt --input` (no index) over the
//! generated NDJSON and over `--data` files (real .evtx, say), each beside `--compare
//! PEER_BIN`'s equivalent search, the two alternating in one run, with the ratios.
//!
//! The peer is Chainsaw: `search -i -e invoke-command -e=-computername FILES --json -q`, every
//! event holding both strings anywhere, case-insensitively. That is a looser test than the
//! two analytics (any event code, any field), so it finds at least their events: the table
//! gives both counts.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::timed::{Timed, row, timed};
use super::{BenchArgs, median};

/// The scan tables: the generated corpus, then `--data` when given.
pub fn report(args: &BenchArgs, ndjson: &Path, dir: &Path) -> Result<String> {
    let mut out = table(
        args,
        &format!("the generated NDJSON ({} events)", args.events),
        &[ndjson.to_path_buf()],
        false,
        dir,
    )?;
    if !args.data.is_empty() {
        out += &table(
            args,
            &format!("--data ({} files)", args.data.len()),
            &args.data,
            true,
            dir,
        )?;
    }
    Ok(out)
}

/// One table: `hunt --input` over `files`, the peer's search beside it, and with
/// `with_ingest` the whole ingest of the same files.
fn table(
    args: &BenchArgs,
    label: &str,
    files: &[PathBuf],
    with_ingest: bool,
    dir: &Path,
) -> Result<String> {
    let exe = std::env::current_exe()?;
    // The user's config (a `sigma` list, saved queries) must not change the figures.
    let scratch = dir.join("scan-scratch");
    let env = [
        ("HUNTBENCH_CONFIG", scratch.join("config")),
        ("HUNTBENCH_DATA", scratch.join("data")),
    ];
    let files: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let mut ours: Vec<String> = ["hunt", "--format", "json", "--input"]
        .map(String::from)
        .to_vec();
    ours.extend(files.iter().cloned());
    let mut peer: Vec<String> = ["search", "-i", "-e", "invoke-command", "-e=-computername"]
        .map(String::from)
        .to_vec();
    peer.extend(files.iter().cloned());
    peer.extend(["--json".to_string(), "-q".to_string()]);

    // Over real files the whole ingest (a fresh index each run, the first-answer pass
    // included) runs in the same rounds: its records per second is the EVTX ingest target.
    let ingest_idx = dir.join("scan-ingest-index");
    let mut ingest = super::ingest_args(&ingest_idx);
    ingest.extend(files.iter().cloned());

    let reps = args.reps.clamp(1, 7);
    let (mut mine, mut theirs, mut ingests) = (Vec::new(), Vec::new(), Vec::new());
    let runners = if with_ingest { 3 } else { 2 };
    for round in 0..reps {
        // Rotating who goes first: page cache and drift favour none.
        for k in 0..runners {
            match (round + k) % runners {
                0 => mine.push(timed(&exe, &ours, &env)?),
                1 => {
                    if let Some(bin) = &args.compare {
                        theirs.push(timed(bin, &peer, &[])?);
                    }
                }
                _ => {
                    let _ = std::fs::remove_dir_all(&ingest_idx);
                    ingests.push(timed(&exe, &ingest, &env)?);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&ingest_idx);
    let mut out = format!(
        "| one-pass `hunt --input` over {label} (median of {reps}{}) | wall s | CPU s | peak RSS MB | output |\n|---|---|---|---|---|\n",
        if args.compare.is_some() || with_ingest {
            ", rotating order"
        } else {
            ""
        }
    );
    let (rows, events) = mine.last().map_or((0, 0), |r| our_output(&r.stdout));
    out += &row(
        "huntbench `hunt --input`",
        &mine,
        &format!("{rows} rows of {events} events"),
    );
    if with_ingest {
        out += &row(
            "huntbench `ingest`, a fresh index",
            &ingests,
            &ingested(&ingests)?,
        );
    }
    let Some(bin) = &args.compare else {
        out.push('\n');
        return Ok(out);
    };
    let hits = theirs.last().map_or(0, Timed::json_len);
    out += &row(
        &format!("peer `{} search`", bin.display()),
        &theirs,
        &format!("{hits} events"),
    );
    // GNU time rounds to 10 ms: a peer that took none gets no ratio.
    let ratio = |f: fn(&Timed) -> f64| {
        let theirs = median(theirs.iter().map(f));
        if theirs > 0.0 {
            format!("{:.2}×", median(mine.iter().map(f)) / theirs)
        } else {
            "– (the peer took under 10 ms)".to_string()
        }
    };
    out += &format!(
        "\nhuntbench / peer over {label}: wall {}, CPU {}\n\n",
        ratio(|r| r.wall),
        ratio(|r| r.cpu)
    );
    Ok(out)
}

/// What the ingests read (records and records per second, median wall) and kept, from the
/// summary `ingest --format json` prints.
fn ingested(runs: &[Timed]) -> Result<String> {
    let Some(last) = runs.last() else {
        return Ok(String::new());
    };
    let v: serde_json::Value = serde_json::from_str(&last.stdout)
        .map_err(|e| anyhow::anyhow!("ingest printed no JSON summary ({e}): {}", last.stdout))?;
    let read = v["events_read"].as_u64().unwrap_or(0);
    let wall = median(runs.iter().map(|r| r.wall));
    Ok(format!(
        "{read} records read ({:.0} records/s), {} indexed, {} duplicates",
        read as f64 / wall,
        v["indexed"].as_u64().unwrap_or(0),
        v["duplicates"].as_u64().unwrap_or(0)
    ))
}

/// Rows of `hunt --format json` and the events they count.
fn our_output(stdout: &str) -> (usize, u64) {
    let rows = serde_json::from_str::<serde_json::Value>(stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let events = rows.iter().filter_map(|r| r["count"].as_u64()).sum();
    (rows.len(), events)
}
