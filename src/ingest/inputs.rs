//! One input → events: open it, detect its format by content, unwrap containers (.gz, .zip,
//! nested), and hand line-oriented text to the chunk scheduler.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

use super::detect::{Format, PEEK, detect};
use super::text::{TextKind, parse_json_whole, split_stream};
use super::{Batch, IngestError, Sink, evtx};

/// Containers inside containers deeper than this are refused (zip bombs, loops).
const MAX_DEPTH: usize = 4;

/// Where line-oriented chunks go: parsed inline, or queued for another worker.
pub(crate) trait Chunks {
    fn submit(
        &self,
        kind: TextKind,
        file: &str,
        first_line: u64,
        data: Vec<u8>,
        sink: &mut dyn Sink,
    );
}

/// Settings shared by every input of one run.
pub(crate) struct Ctx<'a> {
    pub evtx_threads: usize,
    pub chunks: &'a dyn Chunks,
    pub progress: Option<&'a SyncSender<Batch>>,
    /// Set when the consumer went away: stop reading.
    pub cancel: Option<&'a AtomicBool>,
}

impl Ctx<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Counts bytes consumed from the underlying file and reports them as `Batch::Progress`.
struct Counting<'a, R> {
    inner: R,
    pos: u64,
    max: u64,
    reported: u64,
    tx: Option<&'a SyncSender<Batch>>,
}

impl<R> Counting<'_, R> {
    fn account(&mut self) {
        self.max = self.max.max(self.pos);
        if self.max - self.reported >= 1 << 20 {
            if let Some(tx) = self.tx {
                let _ = tx.send(Batch::Progress {
                    bytes: self.max - self.reported,
                });
            }
            self.reported = self.max;
        }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        self.account();
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
}

/// Read one file from disk. Returns the bytes not yet reported as progress.
pub(crate) fn read_path(path: &Path, label: &str, ctx: &Ctx, sink: &mut dyn Sink) -> u64 {
    let io_err = |e: std::io::Error| IngestError::new(label, "file", format!("cannot read: {e}"));
    let (file, size) = match File::open(path).and_then(|f| Ok((f.metadata()?.len(), f))) {
        Ok((size, f)) => (f, size),
        Err(e) => {
            sink.error(io_err(e));
            return 0;
        }
    };
    let mut r = Counting {
        inner: file,
        pos: 0,
        max: 0,
        reported: 0,
        tx: ctx.progress,
    };
    let mut head = Vec::with_capacity(PEEK);
    if let Err(e) = (&mut r).take(PEEK as u64).read_to_end(&mut head) {
        sink.error(io_err(e));
        return size.saturating_sub(r.reported);
    }
    match detect(&head) {
        // Seekable formats read straight from the file, never whole into memory.
        Format::Evtx | Format::Zip => {
            if let Err(e) = r.seek(SeekFrom::Start(0)) {
                sink.error(io_err(e));
            } else if detect(&head) == Format::Evtx {
                if let Some(p) = evtx::open(&mut r, label, sink) {
                    evtx::parse_evtx(p, label, ctx.evtx_threads, sink);
                }
            } else {
                read_zip(label, &mut r, ctx, sink, 0);
            }
        }
        _ => {
            let mut chained = Cursor::new(head).chain(&mut r);
            read_stream(label, &mut chained, ctx, sink, 0);
        }
    }
    size.saturating_sub(r.reported)
}

/// Read an in-memory input.
pub(crate) fn read_bytes(label: &str, bytes: &[u8], ctx: &Ctx, sink: &mut dyn Sink) {
    read_stream(label, &mut Cursor::new(bytes), ctx, sink, 0);
}

/// Read a non-seekable stream of any format.
fn read_stream(label: &str, r: &mut dyn Read, ctx: &Ctx, sink: &mut dyn Sink, depth: usize) {
    let mut head = Vec::with_capacity(PEEK);
    if let Err(e) = r.take(PEEK as u64).read_to_end(&mut head) {
        sink.error(IngestError::new(
            label,
            "byte 0",
            format!("cannot read: {e}"),
        ));
        return;
    }
    let format = detect(&head);
    let mut r = Cursor::new(head).chain(r);
    let read_all = |r: &mut dyn Read, sink: &mut dyn Sink| -> Option<Vec<u8>> {
        let mut all = Vec::new();
        match r.read_to_end(&mut all) {
            Ok(_) => Some(all),
            Err(e) => {
                sink.error(IngestError::new(
                    label,
                    "stream",
                    format!("cannot read: {e}"),
                ));
                None
            }
        }
    };
    if matches!(format, Format::Gzip | Format::Zip) && depth >= MAX_DEPTH {
        sink.error(IngestError::new(
            label,
            "byte 0",
            "containers nested too deeply".to_string(),
        ));
        return;
    }
    match format {
        Format::Evtx => {
            if let Some(all) = read_all(&mut r, sink)
                && let Some(p) = evtx::open(Cursor::new(all), label, sink)
            {
                evtx::parse_evtx(p, label, ctx.evtx_threads, sink);
            }
        }
        Format::Gzip => {
            let mut gz = flate2::read::MultiGzDecoder::new(r);
            read_stream(label, &mut gz, ctx, sink, depth + 1);
        }
        Format::Zip => {
            if let Some(all) = read_all(&mut r, sink) {
                read_zip(label, Cursor::new(all), ctx, sink, depth + 1);
            }
        }
        Format::Xml | Format::JsonLines => {
            let kind = if format == Format::Xml {
                TextKind::Xml
            } else {
                TextKind::JsonLines
            };
            let cancelled = || ctx.cancelled();
            let res = split_stream(
                kind,
                &mut r,
                |line, data| ctx.chunks.submit(kind, label, line, data, sink),
                &cancelled,
            );
            if let Err(e) = res {
                sink.error(IngestError::new(label, "stream", format!("cannot read: {e}")));
            }
        }
        Format::JsonWhole => {
            if let Some(all) = read_all(&mut r, sink) {
                parse_json_whole(label, &all, sink);
            }
        }
        Format::Empty => {}
        Format::Unknown => sink.error(IngestError::new(
            label,
            "byte 0",
            "not a recognized event log (expected EVTX, XmlWinEventLog XML, JSON/NDJSON, gzip or zip)"
                .to_string(),
        )),
    }
}

/// Every member of a zip archive is its own input, named `archive.zip!member`.
fn read_zip<R: Read + Seek>(label: &str, r: R, ctx: &Ctx, sink: &mut dyn Sink, depth: usize) {
    let mut zip = match zip::ZipArchive::new(r) {
        Ok(z) => z,
        Err(e) => {
            sink.error(IngestError::new(
                label,
                "zip directory",
                format!("bad zip archive: {e}"),
            ));
            return;
        }
    };
    for i in 0..zip.len() {
        if sink.cancelled() {
            return;
        }
        let mut member = match zip.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                sink.error(IngestError::new(
                    label,
                    &format!("member {}", i + 1),
                    e.to_string(),
                ));
                continue;
            }
        };
        if member.is_dir() {
            continue;
        }
        let name = format!("{label}!{}", member.name());
        read_stream(&name, &mut member, ctx, sink, depth + 1);
    }
}
