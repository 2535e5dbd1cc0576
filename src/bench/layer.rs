//! `bench --only layer`: what the extended layer's ingest work costs, measured on its own.
//!
//! A whole ingest on two cores varies by ±10 % between runs (tantivy's merges land at
//! different moments), which hides a few per cent either way. So the layer's own work is also
//! timed in-process, on the very events of the corpus read into memory first: each batch is tagged by a Tagger with
//! the layer and by one without it (alternating which goes first), and every command line goes
//! through the `-EncodedCommand` decoder the readers run. The difference is the layer's CPU
//! time, set against the full ingest's CPU time.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::analytics;
use crate::event::Event;
use crate::extended;
use crate::ingest::{self, Batch};
use crate::pipeline::{EXTENDED_CANDIDATE_TAG, INBOUND_TAG, SID_NAME_TAG, Tagger};

/// What the layer did and cost over one corpus.
#[derive(Debug, Default)]
struct LayerCost {
    events: u64,
    /// Tagging with the layer, and without it (parity tags only).
    tag_on: Duration,
    tag_off: Duration,
    decode: Duration,
    command_lines: u64,
    decoded: u64,
    candidates: u64,
    sid_pairs: u64,
    inbound: u64,
}

fn measure(file: &Path) -> LayerCost {
    let queries = analytics::builtin_queries();
    // Read everything first, so no reader thread shares the machine with the timed loops.
    let batches: Vec<Vec<Event>> = ingest::spawn(vec![file.to_path_buf()], 2)
        .rx
        .into_iter()
        .filter_map(|b| match b {
            Batch::Events(events) => Some(events),
            _ => None,
        })
        .collect();
    let mut on = Tagger::with_extended(&queries, true);
    let mut off = Tagger::with_extended(&queries, false);
    let mut cost = LayerCost::default();
    for (n, events) in batches.iter().enumerate() {
        cost.events += events.len() as u64;
        // Both sides keep what they return, so the counting below costs neither of them.
        let tag = |tagger: &mut Tagger| {
            let t = Instant::now();
            let tags: Vec<Vec<String>> = events.iter().map(|e| tagger.tags(black_box(e))).collect();
            (t.elapsed(), tags)
        };
        let (on_time, on_tags, off_time) = if n % 2 == 0 {
            let (a, tags) = tag(&mut on);
            (a, tags, tag(&mut off).0)
        } else {
            let b = tag(&mut off).0;
            let (a, tags) = tag(&mut on);
            (a, tags, b)
        };
        cost.tag_on += on_time;
        cost.tag_off += off_time;
        // What the layer adds to the index: the tagger with it sees each event once, in order,
        // as an ingest does.
        for tag in on_tags.iter().flatten() {
            match tag.as_str() {
                EXTENDED_CANDIDATE_TAG => cost.candidates += 1,
                SID_NAME_TAG => cost.sid_pairs += 1,
                INBOUND_TAG => cost.inbound += 1,
                _ => {}
            }
        }
        let t = Instant::now();
        for p in events.iter().filter_map(|e| e.process.as_deref()) {
            black_box(extended::decode_encoded_command(black_box(p)));
        }
        cost.decode += t.elapsed();
        cost.command_lines += events.iter().filter(|e| e.process.is_some()).count() as u64;
        cost.decoded += events
            .iter()
            .filter(|e| e.decoded_command.is_some())
            .count() as u64;
    }
    cost
}

/// The report section; `ingest_cpu` is the full NDJSON ingest's median CPU seconds, when the
/// ingest part ran.
pub fn report(file: &Path, ingest_cpu: Option<f64>) -> Result<String> {
    let c = measure(file);
    let tags = c.tag_on.saturating_sub(c.tag_off).as_secs_f64();
    let decode = c.decode.as_secs_f64();
    let per_event = |s: f64| s * 1e9 / c.events.max(1) as f64;
    let mut out = format!(
        "| extended layer's ingest work, in-process ({} events) | CPU s | ns/event |\n|---|---|---|\n\
         | tagging with the layer (parity + extended tags) | {:.3} | {:.0} |\n\
         | tagging without it (parity tags) | {:.3} | {:.0} |\n\
         | the layer's tags (difference) | {tags:.3} | {:.0} |\n\
         | `-EncodedCommand` decoding ({} command lines, {} decoded) | {decode:.3} | {:.0} |\n\
         | the layer in all | {:.3} | {:.0} |\n",
        c.events,
        c.tag_on.as_secs_f64(),
        per_event(c.tag_on.as_secs_f64()),
        c.tag_off.as_secs_f64(),
        per_event(c.tag_off.as_secs_f64()),
        per_event(tags),
        c.command_lines,
        c.decoded,
        per_event(decode),
        tags + decode,
        per_event(tags + decode),
    );
    out += &format!(
        "\nindex terms the layer adds: {} candidate, {} SID-pair and {} inbound-evidence tags, \
         {} decoded commands\n",
        c.candidates, c.sid_pairs, c.inbound, c.decoded
    );
    if let Some(cpu) = ingest_cpu {
        out += &format!(
            "the layer's work is {:.2} % of the full ingest's CPU time ({cpu:.1} s)\n",
            100.0 * (tags + decode) / cpu
        );
    }
    out.push('\n');
    Ok(out)
}
