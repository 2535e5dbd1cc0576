//! The single writer of an index: add events, commit atomically with the tag-fingerprint payload.

use std::collections::BTreeMap;
use std::sync::Arc;

use tantivy::directory::error::LockError;
use tantivy::indexer::IndexWriterOptions;
use tantivy::{IndexWriter, TantivyError};

use super::Inner;
use super::error::{IndexError, other};
use super::meta::CommitMeta;
use super::schema::SCHEMA_VERSION;

/// Indexing threads: the machine budget is 2 cores, and parsing runs beside them.
const INDEX_THREADS: usize = 2;
/// Arena per indexing thread. A full arena is written out as a segment, and that write holds
/// about as much again for a moment, on both threads at once (they fill at the same rate).
/// With 64 MB the flushes' peaks plus a merge and the run's uid set took a 5M-event ingest to
/// 574 MB even with merges capped; 40 MB with the merge bounds below keeps it near 350 MB
/// (BENCHMARKS.md, "Bounding the peaks" and "Where the 5M peak came from").
const HEAP_PER_THREAD: usize = 40 * 1024 * 1024;
/// One merge at a time: merges of large segments are the other big memory consumer.
const MERGE_THREADS: usize = 1;
/// Segments this large are left alone by the merge policy.
const MAX_DOCS_BEFORE_MERGE: usize = 70_000;
/// Most documents one merge may produce (see `merge_policy`). A merge holds its output's
/// columns in memory and maps its inputs (their pages count as the process's own while it
/// reads them), so this, not the input's size, bounds an ingest's peak: at 120,000 a merge
/// added about 100 MB of each and 5M-event ingests peaked at 421-554 MB whatever the arena
/// (32, 40 or 48 MB); at 80,000, 350-359 MB in four runs of four, for 80 segments at 5M
/// events instead of about 61.
const MAX_MERGED_DOCS: u32 = 80_000;

/// Adds events to the index; only one can be alive per index directory.
pub struct Writer {
    inner: Arc<Inner>,
    writer: Option<IndexWriter>,
    /// Files read since the last commit (name, events), recorded in the next commit's payload.
    inputs: Vec<(String, u64)>,
}

impl Writer {
    pub(crate) fn new(inner: Arc<Inner>) -> Result<Writer, IndexError> {
        let options = IndexWriterOptions::builder()
            .num_worker_threads(INDEX_THREADS)
            .memory_budget_per_thread(HEAP_PER_THREAD)
            .num_merge_threads(MERGE_THREADS)
            .build();
        let writer = match inner.index.writer_with_options(options) {
            Ok(w) => w,
            Err(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                return Err(IndexError::InUse(inner.dir.clone()));
            }
            Err(e) => return Err(inner.diagnose(other(e))),
        };
        // Merging segments of a million events holds their columns in memory: cap the size a
        // segment may reach by merging, so an ingest's peak memory does not grow with its size.
        let mut levels = tantivy::merge_policy::LogMergePolicy::default();
        levels.set_max_docs_before_merge(MAX_DOCS_BEFORE_MERGE);
        writer.set_merge_policy(Box::new(super::merge_policy::CappedMerges {
            levels,
            max_merged_docs: MAX_MERGED_DOCS,
        }));
        Ok(Writer {
            inner,
            writer: Some(writer),
            inputs: Vec::new(),
        })
    }

    fn w(&self) -> &IndexWriter {
        self.writer
            .as_ref()
            .expect("the writer lives until finish consumes it")
    }

    /// Queue one event with its saved-query tags (visible after the next commit).
    pub fn add(&mut self, event: &crate::event::Event, tags: &[String]) -> Result<(), IndexError> {
        let doc = self
            .inner
            .fields
            .document(event, tags)
            .map_err(IndexError::Other)?;
        self.w()
            .add_document(doc)
            .map_err(|e| self.inner.diagnose(other(e)))?;
        Ok(())
    }

    /// Note a file read in full (its name as the readers give it); the next commit records it
    /// in the index meta, so a report can say where the evidence came from.
    pub fn record_input(&mut self, file: &str, events: u64) {
        self.inputs.push((file.to_string(), events));
    }

    /// Commit everything added so far, atomically, merging `tag_fingerprints` into the payload.
    pub fn commit(
        &mut self,
        tag_fingerprints: &BTreeMap<String, String>,
    ) -> Result<(), IndexError> {
        // This writer holds the lock, so the on-disk meta is the latest commit.
        let last = self.inner.index.load_metas().map_err(other)?.payload;
        let mut meta = CommitMeta::parse(last.as_deref());
        meta.merge(SCHEMA_VERSION, tag_fingerprints);
        if !self.inputs.is_empty() {
            let now = format!("{}Z", crate::time::ctime(crate::time::now_micros(), None));
            meta.record_inputs(&self.inputs, &now);
        }
        let writer = self
            .writer
            .as_mut()
            .expect("the writer lives until finish consumes it");
        // A commit can fail on damage an open could not see (a merge reads old segments):
        // the message names the damaged file then, not just the engine's complaint.
        let inner = &self.inner;
        let mut prepared = writer
            .prepare_commit()
            .map_err(|e| inner.diagnose(other(e)))?;
        prepared.set_payload(&meta.to_payload());
        prepared.commit().map_err(|e| inner.diagnose(other(e)))?;
        self.inputs.clear();
        self.inner.reload()
    }

    /// Wait for background merges and release the lock. Events added since the last commit are
    /// discarded: commit first.
    pub fn finish(mut self) -> Result<(), IndexError> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads()
                .map_err(|e| self.inner.diagnose(other(e)))?;
        }
        self.inner.reload()
    }
}
