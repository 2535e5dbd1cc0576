//! Adding events to the ClickHouse store: rows in bounded inserts, the meta at each commit.

use std::collections::BTreeMap;

use super::schema::STORE_SCHEMA;
use super::{ClickHouse, INSERT_BYTES, rows};
use crate::event::Event;
use crate::store::{Store, StoreError, StoreWriter};

/// Adds events in inserts of [`INSERT_BYTES`]; each insert lands whole on its shards.
pub(super) struct Writer<'a> {
    store: &'a ClickHouse,
    buf: Vec<u8>,
    inputs: Vec<(String, u64)>,
}

impl<'a> Writer<'a> {
    pub fn new(store: &'a ClickHouse) -> Writer<'a> {
        Writer {
            store,
            buf: Vec::with_capacity(INSERT_BYTES + (1 << 20)),
            inputs: Vec::new(),
        }
    }
}

impl Writer<'_> {
    fn flush(&mut self) -> Result<(), StoreError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.store
            .entry
            .insert(&self.store.table, "JSONEachRow", &self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

impl StoreWriter for Writer<'_> {
    fn add(&mut self, event: &Event, tags: &[String]) -> Result<(), StoreError> {
        rows::to_line(event, tags, &mut self.buf)?;
        if self.buf.len() >= INSERT_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    fn record_input(&mut self, file: &str, events: u64) {
        self.inputs.push((file.to_string(), events));
    }

    fn commit(&mut self, tag_fingerprints: &BTreeMap<String, String>) -> Result<(), StoreError> {
        self.flush()?;
        // The meta is read afresh: another ingest may have committed since this one began.
        let mut meta = self.store.read_meta()?;
        meta.merge(STORE_SCHEMA, tag_fingerprints);
        if !self.inputs.is_empty() {
            let now = format!("{}Z", crate::time::ctime(crate::time::now_micros(), None));
            meta.record_inputs(&self.inputs, &now);
        }
        self.store.write_meta(&meta)?;
        self.inputs.clear();
        self.store.reload()
    }

    /// Drop what a race left: when another ingest added some of the same events meanwhile,
    /// the rows outnumber the uids, and each shard merges its copies away now.
    fn finish(self: Box<Self>) -> Result<(), StoreError> {
        self.store.drop_copies()?;
        self.store.reload()
    }
}
