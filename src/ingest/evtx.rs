//! .evtx files through the `evtx` crate, rendered to JSON and mapped by the same code as
//! evtx_dump JSON files (so both agree). What damage leaves whole is still read: a chunk the
//! crate refuses (string table, header, the cut-off end of a truncated copy) record by record
//! (`recover`), and each lost record is reported by ID (`gaps` inside chunks the crate reads).

mod gaps;
mod recover;

use evtx::err::{ChunkError, EvtxError};
use evtx::{EvtxChunkHeader, EvtxParser, ParserSettings};
use serde_json::Value;

use super::json_evtx::raw_from_evtx_json;
use super::{IngestError, Keep, Sink};
use gaps::{ChunkKey, Gaps, Seen};
use recover::{CHUNK, Damage, recover_chunk};

/// Read every record of an opened .evtx parser. Chunks whose header is damaged and the
/// cut-off end of a truncated copy were read by [`open`]; this reads the rest.
pub(crate) fn parse_evtx<T: std::io::Read + std::io::Seek>(
    parser: EvtxParser<T>,
    file: &str,
    threads: usize,
    keep: &Keep,
    sink: &mut dyn Sink,
) {
    let settings = ParserSettings::new()
        .num_threads(threads.max(1))
        .validate_checksums(false);
    let mut parser = parser.with_configuration(settings);
    let mut last_id: Option<u64> = None;
    let mut gaps = Gaps::default();
    // Chunks the crate refused whole, read again record by record once the rest is read.
    let mut damaged: Vec<u64> = Vec::new();
    // Records `keep` refuses, counted and reported once at the end.
    let mut skipped = 0u64;
    let keep = Keep::clone(keep);
    // Each record with what its chunk says about the records around it. The prefilter reads
    // the JSON the crate renders, the very text the evtx_dump path maps, so the argument of
    // `LiteralPrefilter` holds as it is; a refused record skips the JSON parse and mapping,
    // the larger part of a record's cost after the crate has built it.
    let records = parser.serialized_records(move |r| {
        r.and_then(|r| {
            let header = r.chunk.header;
            let key = ChunkKey {
                first: header.first_event_record_id,
                last: header.last_event_record_id,
            };
            let end = r.binxml_offset + u64::from(r.binxml_size) + 4;
            let seen = Seen::new(
                key,
                r.event_record_id,
                r.chunk.data,
                end,
                header.free_space_offset,
            );
            let rec = r.into_json()?;
            if !keep(rec.data.as_bytes()) {
                return Ok((Rendered::Skipped(rec.event_record_id), seen));
            }
            let data: Value =
                serde_json::from_str(&rec.data).map_err(evtx::err::SerializationError::from)?;
            Ok((
                Rendered::Json {
                    id: rec.event_record_id,
                    data,
                },
                seen,
            ))
        })
    });
    for rec in records {
        if sink.cancelled() {
            return;
        }
        match rec {
            Ok((Rendered::Json { id, data }, seen)) => {
                last_id = Some(id);
                gaps.record(seen, file, sink);
                emit_record(&data, id, file, sink);
            }
            Ok((Rendered::Skipped(id), seen)) => {
                last_id = Some(id);
                gaps.record(seen, file, sink);
                skipped += 1;
            }
            Err(EvtxError::FailedToParseChunk { chunk_id, source })
                if matches!(*source, ChunkError::FailedToBuildStringCache { .. }) =>
            {
                damaged.push(chunk_id);
            }
            // `open` read this chunk's records already (the same header check).
            Err(EvtxError::FailedToParseChunk { source, .. })
                if matches!(*source, ChunkError::FailedToParseChunkHeader(_)) => {}
            Err(err) => match &err {
                EvtxError::FailedToReadRecordAt {
                    chunk: Some(chunk),
                    offset,
                    source,
                } => gaps.damaged(*chunk, *offset, root_cause(&**source), error_chain(&err)),
                _ => {
                    let pos = error_position(&err, last_id);
                    sink.error(IngestError::new(file, &pos, error_chain(&err)));
                }
            },
        }
    }
    gaps.finish(file, sink);
    if skipped > 0 {
        sink.skipped(skipped);
    }
    if damaged.is_empty() && gaps.silent.is_empty() {
        return;
    }
    // Read the chunks again for the ones refused whole and for the numbers of the chunks that
    // lost records silently (a record knows its chunk's header, not its number).
    let mut numbers: Vec<Option<u64>> = vec![None; gaps.silent.len()];
    for chunk in parser.chunks() {
        if sink.cancelled() {
            return;
        }
        let Ok(chunk) = chunk else { continue };
        let Some(n) = chunk.number else { continue };
        for (s, number) in gaps.silent.iter().zip(numbers.iter_mut()) {
            let key = ChunkKey {
                first: chunk.header.first_event_record_id,
                last: chunk.header.last_event_record_id,
            };
            if s.key == key && number.is_none() {
                *number = Some(n);
            }
        }
        if damaged.contains(&n) {
            recover_chunk(chunk.data, CHUNK, n, Damage::StringTable, file, sink);
        }
    }
    for (s, number) in gaps.silent.iter().zip(numbers) {
        s.report(file, number, sink);
    }
}

/// A record as the crate's workers hand it over, with its header's record ID: its JSON, or
/// none when the prefilter refused it.
enum Rendered {
    Json { id: u64, data: Value },
    Skipped(u64),
}

/// Map one rendered record (`header_id` from its record header) to an Event and send it (or
/// why it is not one).
fn emit_record(data: &Value, header_id: u64, file: &str, sink: &mut dyn Sink) {
    // Position by the logged EventRecordID (what analysts see), else the header's.
    let raw = match data {
        Value::Object(o) => raw_from_evtx_json(o),
        _ => Err("the record did not render to a JSON object".into()),
    };
    let id = raw
        .as_ref()
        .ok()
        .and_then(|r| r.record_id)
        .unwrap_or(header_id);
    let pos = format!("record {id}");
    match raw.and_then(|raw| raw.into_event(format!("{file}:{pos}"))) {
        Ok(e) => sink.event(e),
        Err(reason) => sink.error(IngestError::new(file, &pos, reason)),
    }
}

/// Where a parser error happened, as precisely as the crate says.
fn error_position(err: &EvtxError, last_id: Option<u64>) -> String {
    match err {
        EvtxError::FailedToParseRecord { record_id, .. } => format!("record {record_id}"),
        EvtxError::FailedToReadRecordAt { chunk, offset, .. } => match chunk {
            Some(c) => format!("chunk {c} offset {offset:#x}"),
            None => format!("offset {offset:#x}"),
        },
        EvtxError::FailedToParseChunk { chunk_id, .. } => format!("chunk {chunk_id}"),
        _ => match last_id {
            Some(id) => format!("after record {id}"),
            None => "file header".to_string(),
        },
    }
}

/// The error and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The innermost cause: what is wrong, without the crate's generic wrappers.
fn root_cause(err: &dyn std::error::Error) -> String {
    let mut cur = err;
    while let Some(c) = cur.source() {
        cur = c;
    }
    cur.to_string()
}

/// Size of the file header: an .evtx is one header and whole chunks.
const HEADER: u64 = 4096;

/// Open an .evtx from any seekable reader, reporting a bad file header as an error. The
/// chunks the crate cannot read at all are read here, record by record, while the reader is
/// at hand: those whose header is damaged, and the cut-off last chunk of a truncated copy
/// (whose records the crate skips silently); their records go to `sink` before the others.
pub(crate) fn open<T: std::io::Read + std::io::Seek>(
    mut r: T,
    file: &str,
    sink: &mut dyn Sink,
) -> Option<EvtxParser<Window<T>>> {
    use std::io::SeekFrom;
    // The crate needs the length too (it counts chunks by it): without it nothing is read.
    let len = match r.seek(SeekFrom::End(0)) {
        Ok(len) => len,
        Err(e) => {
            let reason = format!("cannot seek: {e}");
            sink.error(IngestError::new(file, "file header", reason));
            return None;
        }
    };
    if r.seek(SeekFrom::Start(0)).is_err() {
        sink.error(IngestError::new(file, "file header", "cannot seek".into()));
        return None;
    }
    // Only a file that starts as an .evtx has chunks to look at.
    let mut end = len;
    if len > HEADER && EvtxParser::from_read_seek(&mut r).is_ok() {
        end = read_damaged_chunks(&mut r, len, file, sink);
    }
    if r.seek(SeekFrom::Start(0)).is_err() {
        sink.error(IngestError::new(file, "file header", "cannot seek".into()));
        return None;
    }
    let window = Window {
        inner: r,
        pos: 0,
        len: end,
    };
    match EvtxParser::from_read_seek(window) {
        Ok(p) => Some(p),
        Err(e) => {
            sink.error(IngestError::new(file, "file header", error_chain(&e)));
            None
        }
    }
}

/// Read, record by record, every chunk whose header does not parse (the crate refuses it
/// with the same check) and the part of a last chunk the file's end cuts off. Returns where
/// the chunks that are not all zero end (the whole length when a read failed): the crate
/// needs to see no further.
fn read_damaged_chunks<T: std::io::Read + std::io::Seek>(
    r: &mut T,
    len: u64,
    file: &str,
    sink: &mut dyn Sink,
) -> u64 {
    use std::io::{Read, SeekFrom};
    let whole = (len - HEADER) / CHUNK as u64;
    let mut header = [0u8; 512];
    // One buffer for every chunk read whole: a preallocated log has hundreds of empty ones.
    let mut data = Vec::new();
    let mut end = HEADER;
    for n in 0..whole {
        if sink.cancelled() {
            return len;
        }
        let at = HEADER + n * CHUNK as u64;
        if r.seek(SeekFrom::Start(at)).is_err() || r.read_exact(&mut header).is_err() {
            return len;
        }
        if EvtxChunkHeader::from_bytes(&header).is_ok() {
            end = at + CHUNK as u64;
            continue;
        }
        data.resize(CHUNK, 0);
        if r.seek(SeekFrom::Start(at)).is_err() || r.read_exact(&mut data).is_err() {
            return len;
        }
        // The crate skips an all-zero chunk (free space in a log), and so do we.
        if !all_zero(&data) {
            end = at + CHUNK as u64;
            recover_chunk(
                std::mem::take(&mut data),
                CHUNK,
                n,
                Damage::Header,
                file,
                sink,
            );
        }
    }
    let into = ((len - HEADER) % CHUNK as u64) as usize;
    if into == 0 {
        return end;
    }
    data.clear();
    let at = HEADER + whole * CHUNK as u64;
    if r.seek(SeekFrom::Start(at)).is_err() || r.take(into as u64).read_to_end(&mut data).is_err() {
        return len;
    }
    let damage = Damage::Truncated { at: len, into };
    recover_chunk(data, into, whole, damage, file, sink);
    // The crate reads no part of a chunk the file's end cuts off.
    end
}

/// Whether every byte is zero, a page at a time (an OR over a page vectorizes; a test per
/// byte that stops at the first non-zero one does not).
fn all_zero(bytes: &[u8]) -> bool {
    bytes
        .chunks(4096)
        .all(|page| page.iter().fold(0u8, |acc, &b| acc | b) == 0)
}

/// An .evtx as the crate sees it: the file up to `len`. The crate reads every chunk to the
/// end of the file, and reads an all-zero one whole and tests it byte by byte before it
/// skips it. A log Windows preallocated is mostly such chunks at its end (834 of the 2,118
/// chunks of the 870 sample files in BENCHMARKS.md, every one of them after the last chunk
/// with records), so `open` ends the file where its last chunk that is not all zero ends:
/// the crate reads the same records and skips nothing it would have read.
pub(crate) struct Window<T> {
    inner: T,
    pos: u64,
    len: u64,
}

impl<T: std::io::Read> std::io::Read for Window<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if n == 0 {
            return Ok(0);
        }
        let got = self.inner.read(&mut buf[..n])?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl<T: std::io::Seek> std::io::Seek for Window<T> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        use std::io::SeekFrom;
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            ));
        };
        self.pos = self.inner.seek(SeekFrom::Start(target))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read, Seek, SeekFrom};

    use super::{Window, all_zero};

    #[test]
    fn a_window_ends_the_file_at_its_length() {
        let mut w = Window {
            inner: Cursor::new((0u8..100).collect::<Vec<u8>>()),
            pos: 0,
            len: 60,
        };
        assert_eq!(w.seek(SeekFrom::End(0)).unwrap(), 60);
        assert_eq!(w.seek(SeekFrom::End(-10)).unwrap(), 50);
        let mut rest = Vec::new();
        w.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, (50u8..60).collect::<Vec<u8>>());
        assert_eq!(w.seek(SeekFrom::Current(-5)).unwrap(), 55);
        let mut two = [0u8; 2];
        w.read_exact(&mut two).unwrap();
        assert_eq!(two, [55, 56]);
        assert!(w.seek(SeekFrom::Current(-100)).is_err());
        // Past the end reads nothing, as a file does.
        assert_eq!(w.seek(SeekFrom::Start(80)).unwrap(), 80);
        assert_eq!(w.read(&mut two).unwrap(), 0);
    }

    #[test]
    fn all_zero_sees_one_byte_anywhere() {
        let mut chunk = vec![0u8; super::CHUNK];
        assert!(all_zero(&chunk));
        for at in [0, 4095, 4096, super::CHUNK - 1] {
            chunk[at] = 1;
            assert!(!all_zero(&chunk), "byte {at}");
            chunk[at] = 0;
        }
    }
}
