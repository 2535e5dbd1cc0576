//! The embedded index as a [`Store`]: each method is the index's own.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Index, IndexError, IndexStats, InputRecord, SearchHits, Writer};
use crate::analytics::search::SearchExpr;
use crate::event::Event;
use crate::store::{Sources, Store, StoreWriter};
use crate::time::TimeRange;

impl Store for Index {
    fn location(&self) -> String {
        self.dir().display().to_string()
    }
    fn state_dir(&self) -> &Path {
        self.dir()
    }
    fn num_events(&self) -> u64 {
        Index::num_events(self)
    }
    fn size_bytes(&self) -> u64 {
        Index::size_bytes(self)
    }
    fn tag_fingerprints(&self) -> BTreeMap<String, String> {
        Index::tag_fingerprints(self)
    }
    fn inputs(&self) -> (Option<Vec<InputRecord>>, u64) {
        Index::inputs(self)
    }
    fn stats(&self) -> Result<IndexStats, IndexError> {
        Index::stats(self)
    }
    fn time_span(&self) -> Result<Option<(i64, i64)>, IndexError> {
        Index::time_span(self)
    }
    fn known_uids(&self) -> Result<Vec<u64>, IndexError> {
        Index::known_uids(self)
    }
    fn get(&self, uids: &[u64]) -> Result<Vec<Event>, IndexError> {
        Index::get(self, uids)
    }
    fn tagged(&self, tag: &str, range: TimeRange) -> Result<Vec<Event>, IndexError> {
        Index::tagged(self, tag, range)
    }
    fn tagged_in(&self, tags: &[String], ranges: &[TimeRange]) -> Result<Vec<Event>, IndexError> {
        Index::tagged_in(self, tags, ranges)
    }
    fn select(
        &self,
        sources: &Sources,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), IndexError> {
        Index::select(self, sources, range, visit)
    }
    fn search_expr(
        &self,
        expr: &SearchExpr,
        range: TimeRange,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
    ) -> Result<SearchHits, IndexError> {
        Index::search_expr(self, expr, range, limit, verify)
    }
    fn writer(&self) -> Result<Box<dyn StoreWriter + '_>, IndexError> {
        Ok(Box::new(Index::writer(self)?))
    }
    fn reload(&self) -> Result<(), IndexError> {
        Index::reload(self)
    }
}

impl StoreWriter for Writer {
    fn add(&mut self, event: &Event, tags: &[String]) -> Result<(), IndexError> {
        Writer::add(self, event, tags)
    }
    fn record_input(&mut self, file: &str, events: u64) {
        Writer::record_input(self, file, events)
    }
    fn commit(&mut self, tag_fingerprints: &BTreeMap<String, String>) -> Result<(), IndexError> {
        Writer::commit(self, tag_fingerprints)
    }
    fn finish(self: Box<Self>) -> Result<(), IndexError> {
        Writer::finish(*self)
    }
}
