//! `huntbench reindex`: drop the damaged segments into a new commit, keep every intact event.
//!
//! A segment's files hold its events and nothing else, and a damaged file cannot be trusted for
//! any of them, so the honest repair is per segment: the new commit lists the whole segments,
//! byte for byte as they were (their events answer exactly as before, tags and all), and the
//! damaged ones are gone with their files. The index does not remember which logs it was built
//! from, so the lost events come back only by ingesting those logs again; the events still
//! in the index are then skipped as duplicates. The exclusions file stays where it is.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK};

use super::error::{IndexError, other};
use super::verify::{self, Depth, Health, SegmentHealth};
use super::{Index, holds_index};

/// What `reindex` did.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    /// The index directory.
    pub index: PathBuf,
    /// The segments dropped, with what was wrong with each.
    pub dropped: Vec<SegmentHealth>,
    /// Events lost with them.
    pub events_lost: u64,
    /// Segments and events of the new commit.
    pub segments_kept: usize,
    pub events_kept: u64,
    /// The full check of the new commit.
    pub after: Health,
}

impl Index {
    /// Drop the damaged segments of the index in `dir` into a new commit. Takes the writer
    /// lock, so no ingest runs meanwhile; a whole index is left untouched.
    pub fn repair(dir: &Path) -> Result<Repair, IndexError> {
        if !holds_index(dir) {
            return Err(IndexError::Missing(dir.to_path_buf()));
        }
        let mut index = super::open_engine(dir)?;
        let _writer = match index.directory().acquire_lock(&INDEX_WRITER_LOCK) {
            Ok(lock) => lock,
            Err(LockError::LockBusy) => return Err(IndexError::InUse(dir.to_path_buf())),
            Err(e) => return Err(other(e)),
        };
        let before = verify::check(&index, dir, Depth::Full)?;
        let dropped: Vec<SegmentHealth> = before.damaged().cloned().collect();
        if !dropped.is_empty() {
            let bad: HashSet<&str> = dropped.iter().map(|s| s.segment.as_str()).collect();
            let mut metas = index.load_metas().map_err(other)?;
            metas
                .segments
                .retain(|s| !bad.contains(s.id().uuid_string().as_str()));
            // The same opstamp and payload (the tag fingerprints stay true of the events
            // kept): only the list of segments changes. Written as tantivy writes a commit.
            let mut body = serde_json::to_vec_pretty(&metas).map_err(other)?;
            body.push(b'\n');
            index.directory().sync_directory()?;
            index
                .directory()
                .atomic_write(Path::new("meta.json"), &body)?;
            // The dropped segments' files now belong to no commit: tantivy's own collector
            // deletes them and forgets them in its list of managed files.
            let mut living = metas.list_segment_files();
            living.insert(PathBuf::from("meta.json"));
            index
                .directory_mut()
                .garbage_collect(|| living)
                .map_err(other)?;
        }
        let after = verify::check(&index, dir, Depth::Full)?;
        Ok(Repair {
            index: dir.to_path_buf(),
            events_lost: dropped.iter().map(|s| u64::from(s.events)).sum(),
            dropped,
            segments_kept: after.segments.len(),
            events_kept: after.events_intact(),
            after,
        })
    }
}
