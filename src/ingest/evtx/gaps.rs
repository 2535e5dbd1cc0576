//! Records the crate skips inside a chunk it reads: past a record whose own bytes are damaged
//! it reports the offset and goes on at the next good record. The IDs of the good records on
//! either side (and the chunk header's ID range at a chunk's edges) say exactly which records
//! were lost, so each is reported by ID and counted as rejected.

use std::collections::BTreeSet;

use super::recover::{records_phrase, report_lost};
use crate::ingest::{IngestError, Sink};

/// A chunk as its records see it: the ID range its header claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkKey {
    pub first: u64,
    pub last: u64,
}

/// A damaged spot the crate reported, waiting for the next good record to name its records.
struct Pending {
    chunk: u64,
    offset: u64,
    cause: String,
    /// The crate's own error, reported as it was when the lost IDs cannot be known.
    whole: String,
}

/// Most records one gap can stand for: more than a chunk holds means the IDs are not a run.
const MAX_GAP: u64 = 65536 / 28;

#[derive(Default)]
pub(super) struct Gaps {
    prev: Option<(ChunkKey, u64)>,
    pending: Vec<Pending>,
}

impl Gaps {
    /// A good record, with its chunk.
    pub(super) fn record(&mut self, key: ChunkKey, id: u64, file: &str, sink: &mut dyn Sink) {
        if !self.pending.is_empty() {
            self.resolve(Some((key, id)), file, sink);
        }
        self.prev = Some((key, id));
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
        }
    }

    fn resolve(&mut self, next: Option<(ChunkKey, u64)>, file: &str, sink: &mut dyn Sink) {
        let pending = std::mem::take(&mut self.pending);
        // With two spots and no good record between them, which IDs each took is unknown.
        let ids = match (pending.len(), self.prev, next) {
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
