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
        dir,
    )?;
    if !args.data.is_empty() {
        out += &table(
            args,
            &format!("--data ({} files)", args.data.len()),
            &args.data,
            dir,
        )?;
    }
    Ok(out)
}

fn table(args: &BenchArgs, label: &str, files: &[PathBuf], dir: &Path) -> Result<String> {
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

    let reps = args.reps.clamp(1, 7);
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..reps {
        // Alternating who goes first: page cache and drift favour neither.
        for k in 0..2 {
            match (&args.compare, (round + k) % 2 == 1) {
                (Some(bin), true) => theirs.push(timed(bin, &peer, &[])?),
                (_, true) => {}
                (_, false) => mine.push(timed(&exe, &ours, &env)?),
            }
        }
    }
    let mut out = format!(
        "| one-pass `hunt --input` over {label} (median of {reps}{}) | wall s | CPU s | peak RSS MB | output |\n|---|---|---|---|---|\n",
        if args.compare.is_some() {
            ", alternating"
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

/// Rows of `hunt --format json` and the events they count.
fn our_output(stdout: &str) -> (usize, u64) {
    let rows = serde_json::from_str::<serde_json::Value>(stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let events = rows.iter().filter_map(|r| r["count"].as_u64()).sum();
    (rows.len(), events)
}
