//! The Sigma part of `huntbench bench`: what loading the rule set costs, what it adds to
//! ingest, and `hunt --input` over real logs with every rule beside a peer's Sigma hunt over
//! the same files, the two alternating in one run.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use super::timed::{Timed, row, timed};
use super::{BenchArgs, median};
use crate::analytics::SavedQuery;

/// Events the in-process evaluation figure reads from the corpus.
const EVAL_EVENTS: usize = 100_000;

/// The rule set's own cost per event, in process on one thread: the whole `MatchSet` pass
/// (buckets, prefilter, evaluation) over parsed events, with no parsing, indexing or other
/// threads in the measure. Whole-process ingest figures on this machine kind vary by ±10 %
/// run to run; this one moves by a few per cent, so it is what a change to the evaluator
/// is judged by.
fn evaluation(queries: &[SavedQuery], ndjson: &Path) -> Result<String> {
    // The corpus's first lines, one event each, parsed on this thread in their order (the
    // whole corpus would not fit in memory as events at the larger sizes).
    let mut head = Vec::new();
    {
        use std::io::BufRead;
        let r = std::io::BufReader::new(std::fs::File::open(ndjson)?);
        for line in r.lines().take(EVAL_EVENTS) {
            head.extend_from_slice(line?.as_bytes());
            head.push(b'\n');
        }
    }
    let (events, _) = crate::ingest::parse_bytes(&ndjson.display().to_string(), &head);
    if events.is_empty() {
        bail!("the generated corpus {} gave no events", ndjson.display());
    }
    let set = crate::analytics::MatchSet::new(queries.iter());
    let mut hits = Vec::new();
    let mut runs = Vec::new();
    let mut matched = 0;
    // The first pass builds the buckets the corpus asks for; the figure is the passes after.
    for pass in 0..4 {
        let t = Instant::now();
        matched = 0;
        for e in &events {
            set.matching(e, &mut hits);
            matched += hits.len();
        }
        if pass > 0 {
            runs.push(t.elapsed().as_secs_f64() * 1e6 / events.len() as f64);
        }
    }
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(format!(
        "rule-set evaluation in process, one thread: {:.2} µs per event (best of 3 passes over {} parsed events; {matched} matches)\n\n",
        best,
        events.len()
    ))
}

/// The Sigma tables: load, ingest with and without the rules, and (with `--data`) the
/// one-pass hunt beside `--compare PEER_BIN` (Chainsaw's `hunt` with its Sigma mapping).
pub fn report(args: &BenchArgs, rules: &[PathBuf], ndjson: &Path, dir: &Path) -> Result<String> {
    if rules.is_empty() {
        bail!("the sigma part needs --sigma DIR (the rule set to measure)");
    }
    let exe = std::env::current_exe()?;
    let scratch = dir.join("sigma-scratch");
    let env = [
        ("HUNTBENCH_CONFIG", scratch.join("config")),
        ("HUNTBENCH_DATA", scratch.join("data")),
    ];
    let sigma_args: Vec<String> = rules
        .iter()
        .flat_map(|r| ["--sigma".to_string(), r.display().to_string()])
        .collect();

    // Loading, in process: every file parsed and compiled (the first run over a rule set),
    // then read back from the rule-set cache (every run after it). The cache is the one in
    // the scratch data folder the timed ingests below use, so they all read it warm.
    let mut cold = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        crate::sigma::RuleSet::load_uncached(rules)?;
        cold.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let cache = crate::sigma::RuleSet::cache_dir_under(&scratch.join("data"));
    let mut warm = Vec::new();
    let mut counts = (0, 0);
    let mut queries = Vec::new();
    for _ in 0..4 {
        let t = Instant::now();
        let (q, set) =
            crate::analytics::sigma_queries(crate::sigma::RuleSet::load_cached_in(rules, &cache)?);
        warm.push(t.elapsed().as_secs_f64() * 1e3);
        counts = (set.listed.len(), q.len());
        queries = q;
    }
    // The first of these wrote the cache.
    warm.remove(0);
    let mut out = format!(
        "Sigma rule set: {} rule files, {} evaluated; parsed and compiled in {:.0} ms, read back \
         from the rule-set cache in {:.0} ms (medians of 3, in process; the ingests below read \
         it warm, as every run after the first over the same files does)\n\n",
        counts.0,
        counts.1,
        median(cold.into_iter()),
        median(warm.into_iter()),
    );

    out += &evaluation(&queries, ndjson)?;

    // Ingest of the generated corpus with and without the rule set, alternating.
    out += "| ingest, NDJSON (median, alternating) | wall s | CPU s | peak RSS MB | events/s |\n|---|---|---|---|---|\n";
    let mut with = Vec::new();
    let mut without = Vec::new();
    let idx = dir.join("index-sigma-bench");
    for round in 0..args.ingest_reps.max(1) {
        for k in 0..2 {
            let on = (round + k) % 2 == 0;
            let _ = std::fs::remove_dir_all(&idx);
            let mut a = super::ingest_args(&idx);
            if on {
                a.extend(sigma_args.iter().cloned());
            }
            a.push(ndjson.display().to_string());
            let r = timed(&exe, &a, &env)?;
            if on { with.push(r) } else { without.push(r) }
        }
    }
    let events = |runs: &[Timed]| {
        runs.last()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(&r.stdout).ok())
            .and_then(|v| v["events_read"].as_f64())
            .unwrap_or(f64::NAN)
    };
    let rate = |runs: &[Timed]| events(runs) / median(runs.iter().map(|r| r.wall));
    out += &row(
        "without Sigma rules",
        &without,
        &format!("{:.0}", rate(&without)),
    );
    out += &row(
        &format!("with {} Sigma rules", counts.1),
        &with,
        &format!("{:.0}", rate(&with)),
    );
    let cost = |f: fn(&Timed) -> f64| {
        100.0 * (median(with.iter().map(f)) - median(without.iter().map(f)))
            / median(without.iter().map(f))
    };
    out += &format!(
        "\nthe rule set at ingest: wall {:+.1} %, CPU {:+.1} %\n\n",
        cost(|r| r.wall),
        cost(|r| r.cpu)
    );

    if args.data.is_empty() {
        return Ok(out);
    }
    // The one-pass hunt over real logs, beside the peer.
    let data: Vec<String> = args.data.iter().map(|p| p.display().to_string()).collect();
    let mut ours: Vec<String> = vec!["hunt".into()];
    ours.extend(sigma_args.iter().cloned());
    ours.extend(["--format".into(), "json".into(), "--input".into()]);
    ours.extend(data.iter().cloned());
    let peer_args = |mapping: &Path| -> Vec<String> {
        let mut a: Vec<String> = vec!["hunt".into()];
        a.extend(data.iter().cloned());
        for r in rules {
            a.extend(["-s".to_string(), r.display().to_string()]);
        }
        a.extend([
            "--mapping".into(),
            mapping.display().to_string(),
            "--json".into(),
            "-q".into(),
        ]);
        a
    };
    let mut mine = Vec::new();
    let mut theirs = Vec::new();
    for round in 0..args.reps.clamp(1, 5) {
        for k in 0..2 {
            let peer_turn = (round + k) % 2 == 1;
            match (&args.compare, &args.peer_mapping, peer_turn) {
                (Some(bin), Some(map), true) => theirs.push(timed(bin, &peer_args(map), &[])?),
                (_, _, true) => {}
                (_, _, false) => mine.push(timed(&exe, &ours, &env)?),
            }
        }
    }
    out += &format!(
        "| `hunt` with the rule set over {} (median) | wall s | CPU s | peak RSS MB | output |\n|---|---|---|---|---|\n",
        data.join(" ")
    );
    out += &row(
        "huntbench `hunt --input`",
        &mine,
        &format!("{} rows", mine.last().map_or(0, Timed::json_len)),
    );
    if let Some(bin) = &args.compare {
        let detections = theirs.last().map_or(0, Timed::json_len);
        out += &row(
            &format!("peer `{}`", bin.display()),
            &theirs,
            &format!("{detections} detections"),
        );
        let ratio =
            |f: fn(&Timed) -> f64| median(mine.iter().map(f)) / median(theirs.iter().map(f));
        out += &format!(
            "\nhuntbench / peer: wall {:.2}×, CPU {:.2}×\n\n",
            ratio(|r| r.wall),
            ratio(|r| r.cpu)
        );
    } else {
        out.push('\n');
    }
    Ok(out)
}
