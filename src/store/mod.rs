//! The seam between the workbench and where events live.
//!
//! The workbench, the analytics above it and every command speak to one [`Store`]: add events
//! in atomic batches, count them, and read back the events a saved query, a tag, a search or a
//! drill-down needs. Two engines implement it, each the only module that knows its engine:
//! [`crate::index::Index`] (tantivy, embedded, the default: nothing to install) and
//! [`clickhouse::ClickHouse`] (a ClickHouse server or sharded cluster, for a fleet's logs).
//! Splunk's semantics (matching, grouping, exclusions) stay above the seam; a store may push
//! down what its engine does well ([`Store::grouped`]) as long as the rows are the same.

pub mod clickhouse;
mod location;

use std::collections::BTreeMap;
use std::path::Path;

pub use crate::index::{IndexError as StoreError, IndexStats, InputRecord, SearchHits};
pub use location::{Location, StoreUrl};

use crate::analytics::search::SearchExpr;
use crate::analytics::{Dropped, Group, SavedQuery};
use crate::event::Event;
use crate::time::TimeRange;

/// `(channel, event codes)`: the events of one log source (no codes: any code).
pub type Sources = [(String, Vec<u32>)];

/// Tags and time windows: the events carrying one of the tags inside one of the windows.
pub type Ask = (Vec<String>, Vec<TimeRange>);

/// A parity query's stats rows and the matching events they leave out.
pub type Rows = (Vec<Group>, Vec<Dropped>);

/// Where events live, as the workbench sees it. Reads see what was committed when the store
/// was opened or last [`Store::reload`]ed; counts and meta are cached then, so asking is free.
pub trait Store: Send + Sync {
    /// The index directory or the store URL, as messages name it.
    fn location(&self) -> String;
    /// The directory holding this store's own state files beside the events (exclusions,
    /// triage): the index directory, or a private folder per ClickHouse store.
    fn state_dir(&self) -> &Path;
    /// Committed events.
    fn num_events(&self) -> u64;
    /// Bytes the events take in the engine.
    fn size_bytes(&self) -> u64;
    /// Fingerprints of the saved queries and tag versions that tagged the events.
    fn tag_fingerprints(&self) -> BTreeMap<String, String>;
    /// The files ingested, oldest first, and how many older names were left out.
    fn inputs(&self) -> (Option<Vec<InputRecord>>, u64);
    /// Counts by channel, event code, host and user, and the time span.
    fn stats(&self) -> Result<IndexStats, StoreError>;
    /// Oldest and newest event time (`None` when empty).
    fn time_span(&self) -> Result<Option<(i64, i64)>, StoreError>;
    /// The uids of every stored event (an ingest skips those it meets again).
    fn known_uids(&self) -> Result<Vec<u64>, StoreError>;
    /// Events with these uids, in the given order; unknown uids are skipped.
    fn get(&self, uids: &[u64]) -> Result<Vec<Event>, StoreError>;
    /// Events carrying `tag` inside `range`, oldest first.
    fn tagged(&self, tag: &str, range: TimeRange) -> Result<Vec<Event>, StoreError>;
    /// Events carrying any of `tags` inside any of `ranges`, oldest first.
    fn tagged_in(&self, tags: &[String], ranges: &[TimeRange]) -> Result<Vec<Event>, StoreError>;
    /// [`Store::tagged_in`] for each `(tags, ranges)` ask, in order: one answer per ask.
    fn tagged_in_each(&self, asks: &[Ask]) -> Result<Vec<Vec<Event>>, StoreError> {
        asks.iter()
            .map(|(tags, ranges)| self.tagged_in(tags, ranges))
            .collect()
    }
    /// Visit every event of these sources inside `range`, in no particular order.
    fn select(
        &self,
        sources: &Sources,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError>;
    /// Visit every event a parity query could match inside `range` (a superset the caller
    /// tests exactly with its [`crate::analytics::Matcher`]): the query's log sources, narrowed
    /// by whatever of its predicates the engine can test itself.
    fn candidates(
        &self,
        q: &SavedQuery,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError> {
        self.select(&sources_of(q), range, visit)
    }
    /// A parsed search: the true total (after `verify`) and up to `limit` events, newest first.
    fn search_expr(
        &self,
        expr: &SearchExpr,
        range: TimeRange,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
    ) -> Result<SearchHits, StoreError>;
    /// The single writer of this store.
    fn writer(&self) -> Result<Box<dyn StoreWriter + '_>, StoreError>;
    /// See what has been committed since (by this process or another).
    fn reload(&self) -> Result<(), StoreError>;
    /// The stats rows of a parity query over the events carrying its current `tag`, grouped
    /// in the engine, when the store can (only rows cross the wire); `None`: the caller reads
    /// the events and groups them itself. Same rows, order and dropped events either way.
    fn grouped(
        &self,
        _q: &SavedQuery,
        _tag: &str,
        _range: TimeRange,
    ) -> Result<Option<Rows>, StoreError> {
        Ok(None)
    }
}

/// Adds events to a store. Nothing is visible before [`StoreWriter::commit`], and a commit is
/// all or nothing for what it adds: an ingest killed half way leaves the last commit.
pub trait StoreWriter {
    /// Queue one event with its saved-query tags.
    fn add(&mut self, event: &Event, tags: &[String]) -> Result<(), StoreError>;
    /// Note a file read in full; the next commit records it.
    fn record_input(&mut self, file: &str, events: u64);
    /// Make everything added so far visible, merging these tag fingerprints into the meta.
    fn commit(&mut self, tag_fingerprints: &BTreeMap<String, String>) -> Result<(), StoreError>;
    /// Wait for background work and let go of the store. Uncommitted events are discarded.
    fn finish(self: Box<Self>) -> Result<(), StoreError>;
}

/// A saved query's `(channel, codes)` log sources.
pub fn sources_of(q: &SavedQuery) -> Vec<(String, Vec<u32>)> {
    q.selection
        .sources
        .iter()
        .map(|s| (s.channel.clone(), s.event_codes.clone()))
        .collect()
}

/// Search in the `huntbench search` language over any store; relative times count back from
/// now. Errors quote the query.
pub fn search(
    store: &dyn Store,
    query: &str,
    range: TimeRange,
    limit: usize,
    verify: Option<&dyn Fn(&Event) -> bool>,
) -> Result<SearchHits, StoreError> {
    let expr = crate::analytics::search::parse(query, crate::time::now_micros())
        .map_err(|e| StoreError::BadQuery(e.to_string().replacen("bad search: ", "", 1)))?;
    store
        .search_expr(&expr, range, limit, verify)
        .map_err(|e| match e {
            StoreError::BadQuery(m) if !m.contains(&format!("{query:?}")) => {
                // A one-clause query is not worth naming twice.
                let m = m
                    .strip_prefix(&format!("`{}`: ", query.trim()))
                    .unwrap_or(&m);
                StoreError::BadQuery(format!("{query:?}: {m}"))
            }
            e => e,
        })
}
