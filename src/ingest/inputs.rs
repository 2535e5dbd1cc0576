//! One input → events: open it, detect its format by content, unwrap containers (.gz, .zip,
//! nested), and hand line-oriented text to the chunk scheduler.

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

use super::detect::{Format, PEEK, detect, preview, read_head};
use super::limits::{Limits, human};
use super::split::{Piece, split_stream};
use super::text::{TextKind, has_record, parse_chunk};
use super::{Batch, IngestError, Keep, Sink, evtx, evtxecmd, json_stream};

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
    /// How much of one record or nested document may be held.
    pub limits: Limits,
    /// The raw-record prefilter (`hunt --input`): line records are tested on their bytes,
    /// .evtx records on the JSON the crate renders them to, before either is parsed.
    pub keep: &'a Keep,
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
                let mut counted = Counted {
                    inner: sink,
                    outcomes: 0,
                };
                if let Some(p) = evtx::open(&mut r, label, &mut counted) {
                    evtx::parse_evtx(p, label, ctx.evtx_threads, ctx.keep, &mut counted);
                }
                if counted.outcomes == 0
                    && let Some(reason) = nothing_read(Format::Evtx, counted.cancelled())
                {
                    counted.inner.error(IngestError::new(label, "file", reason));
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

/// Counts what an input produced, so one that gave nothing at all can say so.
struct Counted<'a> {
    inner: &'a mut dyn Sink,
    outcomes: u64,
}

impl Sink for Counted<'_> {
    fn event(&mut self, e: crate::event::Event) {
        self.outcomes += 1;
        self.inner.event(e);
    }
    fn error(&mut self, e: IngestError) {
        self.outcomes += 1;
        self.inner.error(e);
    }
    fn skipped(&mut self, n: u64) {
        self.outcomes += n;
        self.inner.skipped(n);
    }
    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }
}

const TRIED: &str = "tried EVTX, gzip, zip, XmlWinEventLog XML, JSON / NDJSON (evtx_dump, \
xmltodict, EvtxECmd, winlogbeat, Splunk export, flat), EvtxECmd CSV; in UTF-8 or UTF-16 with a BOM";

/// Read a non-seekable stream of any format.
fn read_stream(label: &str, r: &mut dyn Read, ctx: &Ctx, sink: &mut dyn Sink, depth: usize) {
    let (head, blank_lines) = match read_head(r) {
        Ok(h) => h,
        Err(e) => {
            sink.error(IngestError::new(
                label,
                "byte 0",
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    let format = detect(&head);
    // The leading blank lines are given back as a stream, never as a buffer.
    let mut r = std::io::repeat(b'\n')
        .take(blank_lines)
        .chain(Cursor::new(head))
        .chain(r);
    if matches!(
        format,
        Format::Gzip | Format::Zip | Format::Utf16Le | Format::Utf16Be
    ) && depth >= MAX_DEPTH
    {
        sink.error(IngestError::new(
            label,
            "byte 0",
            "containers nested too deeply".to_string(),
        ));
        return;
    }
    match format {
        Format::Gzip => {
            let mut gz = flate2::read::MultiGzDecoder::new(r);
            read_stream(label, &mut gz, ctx, sink, depth + 1);
        }
        Format::Zip => {
            if let Some(file) = spool(label, "zip archive", &mut r, ctx.limits, sink) {
                read_zip(label, file, ctx, sink, depth + 1);
            }
        }
        Format::Utf16Le | Format::Utf16Be => {
            // Only here, behind a BOM, is text transcoded: the UTF-8 path pays nothing.
            let mut utf8 = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .strip_bom(true)
                .build(r);
            read_stream(label, &mut utf8, ctx, sink, depth + 1);
        }
        _ => {
            let mut counted = Counted {
                inner: sink,
                outcomes: 0,
            };
            let seen = read_records(label, format, &mut r, ctx, &mut counted);
            if counted.outcomes == 0 && !seen && !ctx.cancelled() {
                let reason = nothing_read(format, counted.inner.cancelled());
                if let Some(reason) = reason {
                    counted.inner.error(IngestError::new(label, "file", reason));
                }
            }
        }
    }
}

/// Why an input gave nothing, or `None` when that is not worth saying (reading was stopped).
fn nothing_read(format: Format, cancelled: bool) -> Option<String> {
    if cancelled {
        return None;
    }
    Some(match format {
        Format::Empty => "empty: the input holds no bytes, or only whitespace".to_string(),
        Format::Evtx => "empty: the .evtx file holds no records".to_string(),
        f => format!(
            "not recognized as an event log: read as {} but no record was found",
            super::detect::name(f)
        ),
    })
}

/// Parse an input of a record format. Returns true when records went to other workers (whose
/// outcomes this reader does not see): then something was found.
fn read_records(
    label: &str,
    format: Format,
    r: &mut dyn Read,
    ctx: &Ctx,
    sink: &mut dyn Sink,
) -> bool {
    // Bytes of content delivered so far (decompressed, inside a .gz or a zip member): where a
    // read error is, since a broken stream has no line or record to name.
    let read = std::cell::Cell::new(0u64);
    let mut r = Offset {
        inner: r,
        read: &read,
    };
    let r = &mut r;
    let broken = |e: std::io::Error| {
        IngestError::new(
            label,
            &format!("byte {}", read.get()),
            format!("cannot read: {e}"),
        )
    };
    match format {
        Format::Evtx => {
            if let Some(file) = spool(label, ".evtx", r, ctx.limits, sink)
                && let Some(p) = evtx::open(file, label, sink)
            {
                evtx::parse_evtx(p, label, ctx.evtx_threads, ctx.keep, sink);
            }
        }
        Format::Xml | Format::JsonLines => {
            let kind = if format == Format::Xml {
                TextKind::Xml
            } else {
                TextKind::JsonLines
            };
            let cancelled = || ctx.cancelled();
            let mut seen = false;
            let max = ctx.limits.max_record;
            let res = split_stream(
                kind,
                r,
                ctx.limits.record(),
                &mut |piece| match piece {
                    Piece::Chunk { line, data } if has_record(kind, &data) => {
                        seen = true;
                        ctx.chunks.submit(kind, label, line, data, sink)
                    }
                    // Nothing but junk or blanks: parsed here, so its errors are counted
                    // and a file of only junk is reported once, not also as empty.
                    Piece::Chunk { line, data } => {
                        parse_chunk(kind, label, line, &data, &|_| true, sink)
                    }
                    Piece::TooLarge {
                        line,
                        bytes,
                        to_eof,
                    } => sink.error(too_large(label, line, bytes, to_eof, max)),
                },
                &cancelled,
            );
            if let Err(e) = res {
                sink.error(broken(e));
            }
            return seen;
        }
        Format::JsonWhole => {
            if let Err(e) = json_stream::read_json_whole(label, r, ctx.limits.record(), sink) {
                sink.error(broken(e));
            }
        }
        Format::EvtxECmdCsv => evtxecmd::parse_csv(label, r, ctx.limits.max_record, sink),
        Format::Empty => {}
        Format::Unknown => {
            let mut head = [0u8; 48];
            let n = r.read(&mut head).unwrap_or(0);
            sink.error(IngestError::new(
                label,
                "byte 0",
                format!(
                    "not recognized as an event log: it starts with {} ({TRIED})",
                    preview(&head[..n])
                ),
            ))
        }
        Format::Gzip | Format::Zip | Format::Utf16Le | Format::Utf16Be => {}
    }
    false
}

/// The error for a line-oriented record over the cap.
fn too_large(label: &str, line: u64, bytes: u64, to_eof: bool, max: u64) -> IngestError {
    let how = if to_eof {
        "skipped to the end of the input (no record boundary came)"
    } else {
        "skipped up to the next record"
    };
    IngestError::new(
        label,
        &format!("line {line}"),
        format!(
            "record too large: {bytes} bytes {how}; the limit is {} (raise it with \
             --max-record-size)",
            human(max)
        ),
    )
}

/// Copy a nested document the readers must seek in (an .evtx or a zip inside a .gz or a zip)
/// to an anonymous temporary file, never to memory, up to the document cap. Over the cap it is
/// reported with how far it got, and skipped.
fn spool(
    label: &str,
    what: &str,
    r: &mut dyn Read,
    limits: Limits,
    sink: &mut dyn Sink,
) -> Option<File> {
    let mut file = match tempfile::tempfile() {
        Ok(f) => f,
        Err(e) => {
            sink.error(IngestError::new(
                label,
                "byte 0",
                format!("cannot create a temporary file to read this {what} from: {e}"),
            ));
            return None;
        }
    };
    let read = std::cell::Cell::new(0u64);
    let cap = limits.max_document;
    let copied = std::io::copy(
        &mut Offset {
            inner: r,
            read: &read,
        }
        .take(cap.saturating_add(1)),
        &mut file,
    );
    match copied {
        Ok(n) if n > cap => {
            sink.error(IngestError::new(
                label,
                &format!("byte {cap}"),
                format!(
                    "document too large: this {what} is bigger than the limit of {} (raise it \
                     with --max-document-size); skipped after {cap} bytes",
                    human(cap)
                ),
            ));
            None
        }
        Ok(_) => match file.seek(SeekFrom::Start(0)) {
            Ok(_) => Some(file),
            Err(e) => {
                sink.error(IngestError::new(
                    label,
                    "byte 0",
                    format!("cannot read back the temporary copy of this {what}: {e}"),
                ));
                None
            }
        },
        Err(e) => {
            sink.error(IngestError::new(
                label,
                &format!("byte {}", read.get()),
                format!("cannot read: {e}"),
            ));
            None
        }
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
    if (0..zip.len()).all(|i| zip.by_index_raw(i).is_ok_and(|m| m.is_dir())) {
        sink.error(IngestError::new(
            label,
            "zip directory",
            "empty: the zip archive holds no files".to_string(),
        ));
        return;
    }
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

/// Counts the bytes read through it, for the position of a read error.
struct Offset<'a, R: ?Sized> {
    inner: &'a mut R,
    read: &'a std::cell::Cell<u64>,
}

impl<R: Read + ?Sized> Read for Offset<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}
