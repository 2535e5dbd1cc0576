//! Readers: files → normalized [`Event`]s.
//!
//! Formats are recognized by content, never by name: .evtx (the `evtx` crate), Splunk
//! XmlWinEventLog (one `<Event>` per line or spanning lines, with or without `<Events>`), JSON
//! and NDJSON (evtx_dump, xmltodict / xml2json, EvtxECmd, winlogbeat/ECS, Splunk exports, flat
//! Security-Datasets), EvtxECmd CSV, and .gz / .zip containers of any of these. Text inputs
//! may be UTF-8 (with or without a BOM) or UTF-16LE/BE with a BOM. Values are kept exactly as
//! the source holds them (a CR stays a CR, SEMANTICS.md §3). Every reader fills the same intermediate record and one
//! mapping (SEMANTICS.md §4, in `mapping.rs`) builds the Event, so one record gives the same
//! Event whatever file format it came in (except `source`).
//!
//! Bad input never stops a run: each problem becomes an [`IngestError`] naming the file and
//! the position (record number, line, zip member), and the good records around it are kept.

mod decode;
mod detect;
mod discover;
mod evtx;
mod evtxecmd;
mod inputs;
mod json;
mod json_ecs;
mod json_evtx;
mod json_flat;
mod json_stream;
mod json_xmltodict;
mod limits;
mod mapping;
mod parallel;
mod prefilter;
mod split;
mod surrogates;
mod text;
mod xml;

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use serde::Serialize;

use crate::event::Event;

pub use limits::{DEFAULT_MAX_DOCUMENT, DEFAULT_MAX_RECORD, Limits, parse_size};
pub use prefilter::{Keep, LiteralPrefilter, keep_all, needle_of_pattern};

/// A problem with one input, at one position; the rest of the input is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}: {position}: {reason}")]
pub struct IngestError {
    /// The input (path, or `archive.zip!member`).
    pub file: String,
    /// Where in it: `record 17954`, `line 12`, `chunk 3`, `file`.
    pub position: String,
    /// What is wrong, in words.
    pub reason: String,
    /// How many records the summary counts as rejected for it: 1, or more for a damaged
    /// stretch of an .evtx chunk, which is one report (not one line per lost record) so it
    /// cannot push the reports of other damage out of the summary.
    pub records: u64,
}

impl IngestError {
    pub(crate) fn new(file: &str, position: &str, reason: String) -> Self {
        IngestError {
            file: file.to_owned(),
            position: position.to_owned(),
            reason,
            records: 1,
        }
    }

    /// The same problem, standing for `n` lost records.
    pub(crate) fn lost(mut self, n: u64) -> Self {
        self.records = n;
        self
    }
}

/// What the readers send to the consumer.
#[derive(Debug)]
pub enum Batch {
    /// Up to ~1024 parsed events.
    Events(Vec<Event>),
    /// A problem; reading goes on.
    Error(IngestError),
    /// Input bytes consumed since the last progress message.
    Progress { bytes: u64 },
    /// A discovered file is fully read (all its zip members and chunks). `events` counts the
    /// parsed events; `skipped` the records (NDJSON lines, `<Event>` elements, .evtx records)
    /// the `spawn_filtered` test skipped unparsed, each counted as one event (a line holding
    /// a JSON array of several records counts once). Per file, so a file whose every record
    /// was skipped reads as read, and one that held nothing as silent.
    FileDone {
        file: String,
        events: u64,
        skipped: u64,
    },
}

/// Handle on running readers.
pub struct Readers {
    /// Batches; the channel closes when every reader is done.
    pub rx: Receiver<Batch>,
    /// Number of discovered input files.
    pub files: usize,
    /// Sum of their sizes on disk (compressed size for .gz/.zip).
    pub total_bytes: u64,
}

/// Where parsers put their output.
pub(crate) trait Sink {
    fn event(&mut self, e: Event);
    fn error(&mut self, e: IngestError);
    /// `n` records were skipped by the prefilter.
    fn skipped(&mut self, _n: u64) {}
    /// True when the consumer went away and reading should stop.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Discover inputs (folders recursively), then parse them on `threads` worker threads, sending
/// batches of ~1024 events over a bounded channel. Never panics on bad data; discovery
/// problems (missing path, unreadable file) become `Batch::Error`. Returns immediately;
/// readers run in the background; the channel closes when all are done.
pub fn spawn(paths: Vec<PathBuf>, threads: usize) -> Readers {
    spawn_filtered(paths, threads, keep_all(), Limits::default())
}

/// As [`spawn`], with a prefilter and caps.
///
/// In line-oriented inputs (NDJSON, XmlWinEventLog, also `<Event>` elements spanning lines) a
/// record whose raw bytes fail `keep` is skipped unparsed and counted in `Batch::FileDone`. A
/// record that does not look whole (an NDJSON line not `{…}` / `[…]`) is always parsed, so
/// truncated lines are still reported; other bad records that fail `keep` are skipped without
/// an error. An .evtx record the crate has read is tested on the JSON it renders to (what the
/// evtx_dump path would parse), so only damage the crate reports is reported for a skipped
/// one. Whole JSON documents ignore `keep`.
///
/// No record over `limits.max_record` is held in memory and no nested document over
/// `limits.max_document` is spooled to disk: each such one is reported, with its file and
/// position, and skipped.
pub fn spawn_filtered(paths: Vec<PathBuf>, threads: usize, keep: Keep, limits: Limits) -> Readers {
    let threads = if threads == 0 {
        default_threads()
    } else {
        threads
    };
    let (files, errors) = discover::discover(&paths);
    parallel::start(files, errors, threads, keep, limits)
}

/// Convenience for tests and one-shot use: read everything synchronously.
pub fn read_paths(paths: &[PathBuf]) -> (Vec<Event>, Vec<IngestError>) {
    let readers = spawn(paths.to_vec(), default_threads());
    let mut events = Vec::new();
    let mut errors = Vec::new();
    for batch in readers.rx {
        match batch {
            Batch::Events(mut e) => events.append(&mut e),
            Batch::Error(e) => errors.push(e),
            Batch::Progress { .. } | Batch::FileDone { .. } => {}
        }
    }
    (events, errors)
}

/// Parse an in-memory input of any supported format (content-detected). `name` is used in
/// `source` and errors. Runs on the calling thread; events come in input order.
pub fn parse_bytes(name: &str, bytes: &[u8]) -> (Vec<Event>, Vec<IngestError>) {
    parse_bytes_limited(name, bytes, Limits::default())
}

/// As [`parse_bytes`], under `limits`.
pub fn parse_bytes_limited(
    name: &str,
    bytes: &[u8],
    limits: Limits,
) -> (Vec<Event>, Vec<IngestError>) {
    let mut sink = Collect::default();
    let inline = Inline;
    let keep = keep_all();
    let ctx = inputs::Ctx {
        evtx_threads: 1,
        chunks: &inline,
        progress: None,
        cancel: None,
        limits,
        keep: &keep,
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        inputs::read_bytes(name, bytes, &ctx, &mut sink)
    }));
    if let Err(p) = run {
        sink.error(parallel::panic_error(name, "input", p));
    }
    (sink.events, sink.errors)
}

fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

#[derive(Default)]
struct Collect {
    events: Vec<Event>,
    errors: Vec<IngestError>,
}

impl Sink for Collect {
    fn event(&mut self, e: Event) {
        self.events.push(e);
    }
    fn error(&mut self, e: IngestError) {
        self.errors.push(e);
    }
}

/// Chunks parsed on the reader's own thread, in order.
struct Inline;

impl inputs::Chunks for Inline {
    fn submit(
        &self,
        kind: text::TextKind,
        file: &str,
        first_line: u64,
        data: Vec<u8>,
        sink: &mut dyn Sink,
    ) {
        text::parse_chunk(kind, file, first_line, &data, &|_| true, sink);
    }
}
