//! Records the crate skips inside a chunk it reads. Past a record whose own bytes are damaged
//! it reports the offset and goes on at the next good record; the IDs of the good records on
//! either side (and the chunk header's ID range at a chunk's edges) say exactly which records
//! were lost, so each is reported by ID and counted as rejected. A zeroed record magic with no
//! good record after it looks like the chunk's free space to the crate, which then says
//! nothing: a record-shaped run of bytes right after the last record read gives it away.

use std::collections::BTreeSet;

use super::recover::{records_phrase, report_lost};
use crate::ingest::{IngestError, Sink};

/// A chunk as its records see it: the ID range its header claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkKey {
    pub first: u64,
    pub last: u64,
}

/// A record read, with what follows it in its chunk.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    pub key: ChunkKey,
    pub id: u64,
    /// The offset of a record right after this one whose magic is zeroed (its size and the
    /// copy of it at its end still agree).
    pub zeroed_next: Option<u64>,
}

impl Seen {
    /// `record_end` is where the record ends in `chunk`, whose records end at `free`.
    pub(super) fn new(key: ChunkKey, id: u64, chunk: &[u8], record_end: u64, free: u32) -> Seen {
        let zeroed_next =
            zeroed_record_at(chunk, record_end as usize, free as usize).then_some(record_end);
        Seen {
            key,
            id,
            zeroed_next,
        }
    }
}

/// A record at `pos` of `chunk` whose magic is zero but whose size fits before `free` and is
/// repeated at its end.
fn zeroed_record_at(chunk: &[u8], pos: usize, free: usize) -> bool {
    let u32_at = |at: usize| {
        chunk
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
    };
    let free = free.min(chunk.len());
    match (u32_at(pos), u32_at(pos + 4)) {
        (Some(0), Some(size)) if size >= 28 && pos + size as usize <= free => {
            u32_at(pos + size as usize - 4) == Some(size)
        }
        _ => false,
    }
}

/// A damaged spot the crate reported, waiting for the next good record to name its records.
struct Pending {
    chunk: u64,
    offset: u64,
    cause: String,
    /// The crate's own error, reported as it was when the lost IDs cannot be known.
    whole: String,
}

/// Records lost without a word from the crate, in a chunk known by its header's IDs only.
pub(super) struct Silent {
    pub key: ChunkKey,
    pub offset: u64,
    pub lost: BTreeSet<u64>,
}

impl Silent {
    /// Report them, in chunk `number` when it is known.
    pub(super) fn report(&self, file: &str, number: Option<u64>, sink: &mut dyn Sink) {
        let reason = format!(
            "the record at offset {:#x} is damaged (its header magic is zeroed): {} lost ({}), \
             the chunk's other records are read",
            self.offset,
            self.lost.len(),
            records_phrase(&self.lost)
        );
        match number {
            Some(n) => report_lost(file, n, &self.lost, &reason, sink),
            None => {
                if let Some(first) = self.lost.first() {
                    sink.error(
                        IngestError::new(file, &format!("record {first}"), reason)
                            .lost(self.lost.len() as u64),
                    );
                }
            }
        }
    }
}

/// Most records one gap can stand for: more than a chunk holds means the IDs are not a run.
const MAX_GAP: u64 = 65536 / 28;

#[derive(Default)]
pub(super) struct Gaps {
    prev: Option<Seen>,
    pending: Vec<Pending>,
    /// Found at the end of a chunk; reported once the chunks' numbers are looked up.
    pub silent: Vec<Silent>,
}

impl Gaps {
    /// A good record.
    pub(super) fn record(&mut self, seen: Seen, file: &str, sink: &mut dyn Sink) {
        if !self.pending.is_empty() {
            self.resolve(Some((seen.key, seen.id)), file, sink);
        } else if self.prev.is_some_and(|p| p.key != seen.key) {
            self.chunk_ended();
        }
        self.prev = Some(seen);
    }

    /// The crate could not read the record at `offset` of chunk `chunk`.
    pub(super) fn damaged(&mut self, chunk: u64, offset: u64, cause: String, whole: String) {
        self.pending.push(Pending {
            chunk,
            offset,
            cause,
            whole,
        });
    }

    /// The file is read: name what the last damaged spot took.
    pub(super) fn finish(&mut self, file: &str, sink: &mut dyn Sink) {
        if !self.pending.is_empty() {
            self.resolve(None, file, sink);
        } else {
            self.chunk_ended();
        }
    }

    /// The previous record was the last one read from its chunk: a zeroed record after it
    /// and the IDs the chunk header still promises are lost.
    fn chunk_ended(&mut self) {
        if let Some(p) = self.prev
            && let Some(offset) = p.zeroed_next
            && p.id < p.key.last
            && p.key.last - p.id <= MAX_GAP
        {
            self.silent.push(Silent {
                key: p.key,
                offset,
                lost: (p.id + 1..=p.key.last).collect(),
            });
        }
    }

    fn resolve(&mut self, next: Option<(ChunkKey, u64)>, file: &str, sink: &mut dyn Sink) {
        let pending = std::mem::take(&mut self.pending);
        let prev = self.prev.map(|p| (p.key, p.id));
        // With two spots and no good record between them, which IDs each took is unknown.
        let ids = match (pending.len(), prev, next) {
            (1, Some((p, pid)), Some((k, q))) if p == k => Some(pid + 1..q),
            // The previous chunk had records left after the last good one: the spot ends it.
            (1, Some((p, pid)), _) if pid < p.last => Some(pid + 1..p.last + 1),
            // Otherwise it starts the next chunk.
            (1, _, Some((k, q))) => Some(k.first..q),
            _ => None,
        }
        .filter(|r| !r.is_empty() && r.end - r.start <= MAX_GAP);
        match (ids, pending.first()) {
            (Some(ids), Some(p)) => {
                let lost: BTreeSet<u64> = ids.collect();
                let reason = format!(
                    "the record at offset {:#x} is damaged ({}): {} lost ({}), the chunk's \
                     other records are read",
                    p.offset,
                    p.cause,
                    lost.len(),
                    records_phrase(&lost)
                );
                report_lost(file, p.chunk, &lost, &reason, sink);
            }
            _ => {
                for p in pending {
                    sink.error(IngestError::new(
                        file,
                        &format!("chunk {} offset {:#x}", p.chunk, p.offset),
                        p.whole,
                    ));
                }
            }
        }
    }
}
