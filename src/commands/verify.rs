//! `huntbench verify` (check every file of the index) and `huntbench reindex` (drop the
//! damaged segments, keep every intact event).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use crate::cli::{SummaryFormat, emit};
use crate::index::{Health, Index, SegmentHealth};
use crate::sanitize::inert_line;

/// Exit status of `verify` on a damaged index: the check ran, and found damage.
const DAMAGED: u8 = 1;

/// Full check: each segment with its events and state. 0 when whole, 1 when damaged.
pub fn verify(dir: &Path, format: SummaryFormat) -> Result<ExitCode> {
    let started = Instant::now();
    let health = Index::verify(dir)?;
    let seconds = started.elapsed().as_secs_f64();
    match format {
        SummaryFormat::Json => {
            let mut v = serde_json::to_value(&health)?;
            v["whole"] = health.is_whole().into();
            v["seconds"] = seconds.into();
            emit(&crate::output::to_json_pretty(&v)?);
        }
        SummaryFormat::Text => emit(&verify_text(&health, seconds)),
    }
    if health.is_whole() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "huntbench: index {} is damaged: {} event(s) in {} segment(s) cannot be trusted; `huntbench reindex --index {}` drops them and keeps the rest (exit status {DAMAGED})",
        inert_line(&dir.display().to_string()),
        health.events_at_risk(),
        health.damaged().count(),
        inert_line(&dir.display().to_string()),
    );
    Ok(ExitCode::from(DAMAGED))
}

/// Drop the damaged segments into a new commit; say what was lost and how to get it back.
pub fn reindex(dir: &Path, format: SummaryFormat) -> Result<ExitCode> {
    let repair = Index::repair(dir)?;
    if !repair.after.is_whole() {
        // Damage that appeared during the repair (failing disk): never call it whole.
        anyhow::bail!(
            "index {} is still damaged after dropping {} segment(s): {}",
            dir.display(),
            repair.dropped.len(),
            repair.after.summary()
        );
    }
    match format {
        SummaryFormat::Json => emit(&crate::output::to_json_pretty(&repair)?),
        SummaryFormat::Text => {
            let name = inert_line(&dir.display().to_string()).into_owned();
            let mut text = if repair.dropped.is_empty() {
                format!("index {name} is whole: nothing dropped\n")
            } else {
                let mut t = format!(
                    "index {name}: dropped {} damaged segment(s), {} event(s) lost:\n",
                    repair.dropped.len(),
                    repair.events_lost
                );
                for s in &repair.dropped {
                    t += &format!("  {}\n", segment_line(s));
                }
                t
            };
            text += &format!(
                "kept {} segment(s), {} event(s); every file passes its checksum\n",
                repair.segments_kept, repair.events_kept
            );
            if !repair.dropped.is_empty() {
                text += "To get the lost events back, ingest their original logs again: \
                         events already in the index are skipped as duplicates.\n";
            }
            emit(&text);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify_text(h: &Health, seconds: f64) -> String {
    let events: u64 = h.segments.iter().map(|s| u64::from(s.events)).sum();
    let files: usize = h.segments.iter().map(|s| s.files).sum();
    let state = if h.is_whole() { "whole" } else { "DAMAGED" };
    let mut out = format!(
        "index {}: {state}: {} segment(s), {events} event(s), {files} files ({:.1} MB checksummed in {seconds:.2} s)\n",
        inert_line(&h.index.display().to_string()),
        h.segments.len(),
        h.bytes_checksummed as f64 / 1e6,
    );
    if !h.segments.is_empty() {
        out += &format!(
            "{:<32}  {:>9}  {:>5}  {:>12}  state\n",
            "segment", "events", "files", "bytes"
        );
    }
    for s in &h.segments {
        out += &format!(
            "{:<32}  {:>9}  {:>5}  {:>12}  {}\n",
            s.segment,
            s.events,
            s.files,
            s.bytes,
            if s.ok() {
                "ok".to_string()
            } else {
                format!("DAMAGED: {}", problems(s))
            }
        );
    }
    if !h.is_whole() {
        out += &format!(
            "{} event(s) are in damaged segments. `huntbench reindex` drops those segments and keeps the {} intact event(s); then ingest the original logs again to get the lost ones back.\n",
            h.events_at_risk(),
            h.events_intact()
        );
    }
    out
}

/// `segment ID (N events): file F fails its checksum, …`.
fn segment_line(s: &SegmentHealth) -> String {
    format!(
        "segment {} ({} events): {}",
        s.segment,
        s.events,
        problems(s)
    )
}

fn problems(s: &SegmentHealth) -> String {
    let p: Vec<String> = s
        .problems
        .iter()
        .map(|p| inert_line(&format!("file {} {}", p.file, p.problem)).into_owned())
        .collect();
    p.join(", ")
}
