//! The worker pool: files are parsed in parallel, and big line-oriented files are also split
//! into chunks that idle workers pick up, so one 1 GB NDJSON file keeps every core busy.
//! Memory stays bounded: the chunk queue holds at most two chunks per worker (a reader that
//! finds it full parses the chunk itself) and the output channel is bounded.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use super::inputs::{Chunks, Ctx, read_path};
use super::text::{TextKind, parse_chunk};
use super::{Batch, IngestError, Keep, Limits, Readers, Sink};
use crate::event::Event;

/// Events per `Batch::Events`.
const BATCH: usize = 1024;

/// One discovered input file.
pub(crate) struct FileJob {
    pub path: PathBuf,
    pub label: String,
}

/// Per-file bookkeeping shared by the reader and the workers parsing its chunks, so
/// `FileDone` is sent once, after the last chunk.
struct Track {
    label: String,
    parts: AtomicUsize,
    events: AtomicU64,
    /// Records the prefilter skipped, over all parts.
    skipped: AtomicU64,
}

struct Chunk {
    kind: TextKind,
    file: String,
    first_line: u64,
    data: Vec<u8>,
    track: Arc<Track>,
}

enum Job {
    File(FileJob),
    Chunk(Chunk),
}

struct Queue {
    files: VecDeque<FileJob>,
    chunks: VecDeque<Chunk>,
    /// Workers currently reading a file (they may still queue chunks).
    reading: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    tx: SyncSender<Batch>,
    cancel: AtomicBool,
    max_chunks: usize,
    evtx_threads: usize,
    /// The raw-record prefilter of line-oriented chunks.
    keep: Keep,
    limits: Limits,
}

/// Sends events in batches, counting them for the file's `FileDone`.
struct Emitter<'a> {
    shared: &'a Shared,
    track: Arc<Track>,
    events: Vec<Event>,
}

impl Emitter<'_> {
    fn new(shared: &Shared, track: Arc<Track>) -> Emitter<'_> {
        Emitter {
            shared,
            track,
            events: Vec::with_capacity(BATCH),
        }
    }

    fn flush(&mut self) {
        if self.events.is_empty() {
            return;
        }
        let n = self.events.len() as u64;
        self.track.events.fetch_add(n, Ordering::Relaxed);
        let batch = std::mem::replace(&mut self.events, Vec::with_capacity(BATCH));
        if self.shared.tx.send(Batch::Events(batch)).is_err() {
            self.shared.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Flush and mark one part of the file finished; the last part sends `FileDone`.
    fn finish(mut self) {
        self.flush();
        if self.track.parts.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.shared.tx.send(Batch::FileDone {
                file: self.track.label.clone(),
                events: self.track.events.load(Ordering::Relaxed),
                skipped: self.track.skipped.load(Ordering::Relaxed),
            });
        }
    }
}

impl Sink for Emitter<'_> {
    fn event(&mut self, e: Event) {
        self.events.push(e);
        if self.events.len() >= BATCH {
            self.flush();
        }
    }
    fn error(&mut self, e: IngestError) {
        if self.shared.tx.send(Batch::Error(e)).is_err() {
            self.shared.cancel.store(true, Ordering::Relaxed);
        }
    }
    fn cancelled(&self) -> bool {
        self.shared.cancel.load(Ordering::Relaxed)
    }
    fn skipped(&mut self, n: u64) {
        // Read once, by the file's last part, after its `parts` decrement orders them.
        self.track.skipped.fetch_add(n, Ordering::Relaxed);
    }
}

/// The chunk scheduler as seen by one reader.
struct Scheduler<'a> {
    shared: &'a Shared,
    track: Arc<Track>,
}

impl Chunks for Scheduler<'_> {
    fn submit(
        &self,
        kind: TextKind,
        file: &str,
        first_line: u64,
        data: Vec<u8>,
        sink: &mut dyn Sink,
    ) {
        let mut q = self.shared.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.chunks.len() < self.shared.max_chunks {
            self.track.parts.fetch_add(1, Ordering::AcqRel);
            q.chunks.push_back(Chunk {
                kind,
                file: file.to_owned(),
                first_line,
                data,
                track: Arc::clone(&self.track),
            });
            drop(q);
            self.shared.ready.notify_one();
        } else {
            drop(q);
            parse_chunk(kind, file, first_line, &data, &*self.shared.keep, sink);
        }
    }
}

/// Start `threads` workers over the discovered files; discovery errors are sent first.
pub(crate) fn start(
    files: Vec<FileJob>,
    errors: Vec<IngestError>,
    threads: usize,
    keep: Keep,
    limits: Limits,
) -> Readers {
    let threads = threads.max(1);
    let total_bytes = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
        .sum();
    let count = files.len();
    let (tx, rx) = sync_channel(threads * 4);
    let shared = Arc::new(Shared {
        evtx_threads: if count < threads { threads } else { 1 },
        queue: Mutex::new(Queue {
            files: files.into(),
            chunks: VecDeque::new(),
            reading: 0,
        }),
        ready: Condvar::new(),
        tx,
        cancel: AtomicBool::new(false),
        max_chunks: threads * 2,
        keep,
        limits,
    });
    for i in 0..threads {
        let shared = Arc::clone(&shared);
        let first_errors = if i == 0 { errors.clone() } else { Vec::new() };
        std::thread::Builder::new()
            .name(format!("ingest-{i}"))
            .spawn(move || {
                for e in first_errors {
                    let _ = shared.tx.send(Batch::Error(e));
                }
                worker(&shared);
            })
            .expect("spawn an ingest worker thread");
    }
    Readers {
        rx,
        files: count,
        total_bytes,
    }
}

fn next_job(shared: &Shared) -> Option<Job> {
    let mut q = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        if let Some(c) = q.chunks.pop_front() {
            return Some(Job::Chunk(c));
        }
        if shared.cancel.load(Ordering::Relaxed) {
            return None;
        }
        if let Some(f) = q.files.pop_front() {
            q.reading += 1;
            return Some(Job::File(f));
        }
        if q.reading == 0 {
            return None;
        }
        q = shared.ready.wait(q).unwrap_or_else(|p| p.into_inner());
    }
}

fn worker(shared: &Shared) {
    while let Some(job) = next_job(shared) {
        match job {
            Job::Chunk(c) => {
                let mut em = Emitter::new(shared, c.track);
                if !em.cancelled() {
                    let (file, line) = (c.file.clone(), c.first_line);
                    let run = catch_unwind(AssertUnwindSafe(|| {
                        parse_chunk(
                            c.kind,
                            &c.file,
                            c.first_line,
                            &c.data,
                            &*shared.keep,
                            &mut em,
                        )
                    }));
                    if let Err(p) = run {
                        em.error(panic_error(&file, &format!("chunk at line {line}"), p));
                    }
                }
                em.finish();
            }
            Job::File(f) => {
                let track = Arc::new(Track {
                    label: f.label.clone(),
                    parts: AtomicUsize::new(1),
                    events: AtomicU64::new(0),
                    skipped: AtomicU64::new(0),
                });
                let sched = Scheduler {
                    shared,
                    track: Arc::clone(&track),
                };
                let ctx = Ctx {
                    evtx_threads: shared.evtx_threads,
                    chunks: &sched,
                    progress: Some(&shared.tx),
                    cancel: Some(&shared.cancel),
                    limits: shared.limits,
                    keep: &shared.keep,
                };
                let mut em = Emitter::new(shared, track);
                // A parser panic on hostile input must not kill the worker (the pool would
                // wait for it forever): it becomes an error for this file.
                let rest = catch_unwind(AssertUnwindSafe(|| {
                    read_path(&f.path, &f.label, &ctx, &mut em)
                }))
                .unwrap_or_else(|p| {
                    em.error(panic_error(&f.label, "file", p));
                    0
                });
                if rest > 0 {
                    let _ = shared.tx.send(Batch::Progress { bytes: rest });
                }
                em.finish();
                let mut q = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
                q.reading -= 1;
                drop(q);
                shared.ready.notify_all();
            }
        }
    }
    // Wake the others so they can see there is nothing left.
    shared.ready.notify_all();
}

/// An error for a parser panic, with its message when it has one.
pub(crate) fn panic_error(
    file: &str,
    position: &str,
    p: Box<dyn std::any::Any + Send>,
) -> IngestError {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    IngestError::new(
        file,
        position,
        format!("internal parser failure, input skipped: {msg}"),
    )
}
