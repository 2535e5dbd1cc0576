//! Records out of a chunk the `evtx` crate refuses whole: one whose string table does not
//! build, whose header is damaged, or that a truncated copy cuts off.
//!
//! The crate reads a chunk only through its header (where the records end, the last record's
//! ID) and fails the whole chunk when the common-string table does not resolve. Neither is
//! needed to read a record: names and templates are found through offsets inside the records'
//! own bytes, and the crate reads a name inline when its string cache misses one. So a copy of
//! the chunk gets a header rebuilt from the records found by walking their `**\0\0` magic and
//! size (both copies of it), with empty string and template tables, and the crate reads that.
//! A record whose own bytes are damaged, or that runs past the end of a cut-off file, is lost
//! and named by ID (from its neighbours and the original header) in one error per lost record,
//! so the summary counts each as rejected.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

use evtx::{EvtxChunkData, EvtxChunkHeader, EvtxRecordHeader, ParserSettings};

use super::emit_record;
use crate::ingest::{IngestError, Sink};

/// Size of a chunk's header, where its first record starts.
const CHUNK_HEADER: usize = 512;
/// Size of a chunk.
pub(super) const CHUNK: usize = 65536;
/// Smallest record: its 24-byte header and the trailing copy of its size.
const MIN_RECORD: u32 = 28;

/// What was wrong with a chunk, for the report.
#[derive(Debug, Clone, Copy)]
pub(super) enum Damage {
    /// The common-string table does not resolve ("Failed to build string cache").
    StringTable,
    /// The chunk header does not parse (its magic, say).
    Header,
    /// The file ends `into` bytes into this chunk, at byte `at` of the file.
    Truncated { at: u64, into: usize },
}

/// A record found by the walk: its offset in the chunk, ID and size.
struct Found {
    offset: usize,
    id: u64,
    size: u32,
}

/// Read every record of chunk `number` that the damage leaves whole, send it, and report
/// each lost one. `data` holds the chunk's bytes (a cut-off chunk's padded with zeros to 64 KiB);
/// only the first `valid` of them are the file's.
pub(super) fn recover_chunk(
    mut data: Vec<u8>,
    valid: usize,
    number: u64,
    damage: Damage,
    file: &str,
    sink: &mut dyn Sink,
) {
    data.resize(CHUNK, 0);
    let valid = valid.min(CHUNK);
    // A header the file's end cuts into says nothing reliable (its IDs may be half there).
    let original = EvtxChunkHeader::from_bytes(&data)
        .ok()
        .filter(|_| valid >= CHUNK_HEADER);
    // Records past the header's free space, or outside its ID range, are stale ones of an
    // earlier pass of the log over the chunk: the crate does not read them from an intact
    // copy, so neither do we.
    let live_end = original
        .as_ref()
        .map(|h| h.free_space_offset as usize)
        .filter(|&free| (CHUNK_HEADER..=CHUNK).contains(&free))
        .map_or(valid, |free| free.min(valid));
    let ids = original
        .as_ref()
        .map(|h| h.first_event_record_id..=h.last_event_record_id);
    let found = walk(&data, live_end, ids);
    let mut recovered: BTreeSet<u64> = BTreeSet::new();
    if let (Some(first), Some(last)) = (found.first(), found.last()) {
        let mut copy = data.clone();
        rebuild_header(&mut copy, first, last);
        let settings = Arc::new(
            ParserSettings::new()
                .num_threads(1)
                .validate_checksums(false),
        );
        if let Ok(mut chunk_data) = EvtxChunkData::new(copy, false)
            && let Ok(mut chunk) = chunk_data.parse(settings)
        {
            for rec in chunk.iter() {
                if sink.cancelled() {
                    return;
                }
                // A record that does not build or render is lost: it is counted below.
                if let Ok(rec) = rec.and_then(|r| r.into_json_value()) {
                    recovered.insert(rec.event_record_id);
                    emit_record(&rec.data, rec.event_record_id, file, sink);
                }
            }
        }
    }
    let lost = lost_ids(&found, &recovered, original.as_ref());
    let told = match damage {
        Damage::StringTable => format!(
            "string table damaged; {} recovered one by one",
            records(recovered.len())
        ),
        Damage::Header => format!(
            "chunk header damaged; {} recovered one by one",
            records(recovered.len())
        ),
        Damage::Truncated { at, into } => format!(
            "truncated at byte {at}, {into} bytes into the chunk; {} recovered",
            records(recovered.len())
        ),
    };
    match lost {
        Some(lost) if lost.is_empty() => {}
        Some(lost) => {
            let verb = match damage {
                Damage::Truncated { .. } => "cut off",
                _ => "lost",
            };
            let reason = format!("{told}, {} {verb} ({})", lost.len(), records_phrase(&lost));
            report_lost(file, number, &lost, &reason, sink);
        }
        // Nothing says which records the damage took: one error for the chunk.
        None => sink.error(IngestError::new(
            file,
            &format!("chunk {number}"),
            format!("{told}; the records the damage covers cannot be named or counted"),
        )),
    }
}

/// Most records a chunk can hold: an ID range wider than this is not a real chunk's.
const MAX_RECORDS: u64 = (CHUNK / MIN_RECORD as usize) as u64;

/// The IDs the damage took: gaps between the records found, the ones found that did not
/// render, and, when the original header is readable, the ones it says come before the
/// first found or after the last (only when its free-space offset says records follow, so a
/// header ahead of its records, as in a log not closed cleanly, does not invent losses).
/// `None` when nothing was found and no header says what should have been there.
fn lost_ids(
    found: &[Found],
    recovered: &BTreeSet<u64>,
    header: Option<&EvtxChunkHeader>,
) -> Option<BTreeSet<u64>> {
    let range = header
        .map(|h| (h.first_event_record_id, h.last_event_record_id))
        .filter(|(a, b)| a <= b && b - a < MAX_RECORDS);
    let mut lost = BTreeSet::new();
    let (Some(first), Some(last)) = (found.first(), found.last()) else {
        let (a, b) = range?;
        return Some((a..=b).collect());
    };
    for pair in found.windows(2) {
        let (a, b) = (pair[0].id, pair[1].id);
        if b > a + 1 && b - a <= MAX_RECORDS {
            lost.extend(a + 1..b);
        }
    }
    lost.extend(
        found
            .iter()
            .map(|f| f.id)
            .filter(|id| !recovered.contains(id)),
    );
    if let (Some((a, b)), Some(h)) = (range, header) {
        if first.offset > CHUNK_HEADER && a < first.id {
            lost.extend(a..first.id);
        }
        let end = last.offset + last.size as usize;
        let free = (h.free_space_offset as usize).min(CHUNK);
        if free > end && last.id < b {
            lost.extend(last.id + 1..=b);
        }
    }
    Some(lost)
}

/// The records of `data[..valid]` whose header (magic, size) and trailing size copy check out,
/// walking from one to the next by size and, past a damaged one, to the next magic that does.
/// Only IDs in `ids` (when known) and rising along the chunk count: a lower one is a stale
/// record of the log's previous pass over the chunk.
fn walk(data: &[u8], valid: usize, ids: Option<RangeInclusive<u64>>) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut pos = CHUNK_HEADER;
    while pos + MIN_RECORD as usize <= valid {
        if let Some(f) = record_at(data, valid, pos) {
            pos += f.size as usize;
            let in_range = ids.as_ref().is_none_or(|r| r.contains(&f.id));
            if in_range && found.last().is_none_or(|l| f.id > l.id) {
                found.push(f);
            }
            continue;
        }
        match memchr::memmem::find(&data[pos + 1..valid], b"**\0\0") {
            Some(hit) => pos = pos + 1 + hit,
            None => break,
        }
    }
    found
}

/// A whole record at `pos`: magic, a size that fits in `valid`, the same size at its end.
fn record_at(data: &[u8], valid: usize, pos: usize) -> Option<Found> {
    let header = EvtxRecordHeader::from_bytes_at(&data[..valid], pos).ok()?;
    let size = header.data_size;
    let end = pos.checked_add(size as usize)?;
    if size < MIN_RECORD || end > valid {
        return None;
    }
    let copy = u32::from_le_bytes(data[end - 4..end].try_into().ok()?);
    (copy == size).then_some(Found {
        offset: pos,
        id: header.event_record_id,
        size,
    })
}

/// Give `chunk` a header that spans the records found, from `first` to `last`, with empty
/// string and template tables (names and templates are then read where the records point).
fn rebuild_header(chunk: &mut [u8], first: &Found, last: &Found) {
    let put = |chunk: &mut [u8], at: usize, bytes: &[u8]| {
        chunk[at..at + bytes.len()].copy_from_slice(bytes);
    };
    put(chunk, 0, b"ElfChnk\0");
    // The walk keeps rising IDs only, so `first` has the lowest and `last` the highest.
    put(chunk, 24, &first.id.to_le_bytes());
    put(chunk, 32, &last.id.to_le_bytes());
    put(chunk, 40, &128u32.to_le_bytes());
    put(chunk, 44, &(last.offset as u32).to_le_bytes());
    put(
        chunk,
        48,
        &((last.offset + last.size as usize) as u32).to_le_bytes(),
    );
    chunk[128..CHUNK_HEADER].fill(0);
}

/// "1 record", "2 records".
fn records(n: usize) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}

/// `ids` as ranges: `4410–4411, 4415`.
pub(super) fn id_ranges(ids: &BTreeSet<u64>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = ids.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
    }
    out.join(", ")
}

/// "record 4410" or "records 4410–4411".
pub(super) fn records_phrase(ids: &BTreeSet<u64>) -> String {
    let noun = if ids.len() == 1 { "record" } else { "records" };
    format!("{noun} {}", id_ranges(ids))
}

/// One error for the records one damage lost, counted as that many rejected: the reason names
/// them all, so one damaged chunk is one line of the summary, not a screenful that hides the
/// next chunk's report.
pub(super) fn report_lost(
    file: &str,
    number: u64,
    lost: &BTreeSet<u64>,
    reason: &str,
    sink: &mut dyn Sink,
) {
    let Some(&first) = lost.first() else { return };
    sink.error(
        IngestError::new(
            file,
            &format!("chunk {number} record {first}"),
            reason.to_string(),
        )
        .lost(lost.len() as u64),
    );
}
