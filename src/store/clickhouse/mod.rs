//! The ClickHouse store: the only module that speaks to ClickHouse. One server, or with
//! `?cluster=NAME` a cluster from the entry server's `remote_servers`, over which events are
//! sharded by their identity hash. Only SQL and formats both Debian's 18.16 and current
//! ClickHouse take (see README, "ClickHouse store").

mod bench;
mod http;
mod read;
mod rows;
mod schema;
mod setup;
mod sql;
mod write;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::RwLock;

use serde::Deserialize;

use self::http::{Http, quote};
use self::schema::{EVENT_COLUMNS, STORE_SCHEMA};
use self::setup::{create_tables, shard_servers};
use super::{Store, StoreError, StoreUrl};
use crate::event::Event;
use crate::index::CommitMeta;

pub use bench::{database_exists, drop_database, guard_cost};
pub use schema::STORE_SCHEMA as SCHEMA_VERSION;

/// Every read sees each event once, whatever copies a race left: copies share the uid, and
/// the uid decides the shard, so each shard drops its own. Not `FINAL`: that merges every
/// column of every row before the `WHERE` (4× slower at 100k events, see BENCHMARKS.md).
const ONCE: &str = "LIMIT 1 BY uid";

/// Bytes of rows one insert carries: large enough that ClickHouse makes few parts, small
/// enough that an ingest's memory stays bounded whatever the input.
const INSERT_BYTES: usize = 16 << 20;
/// Bytes of conditions one statement carries before the rest go in another (ClickHouse's
/// `max_query_size` is 256 KiB by default).
const MAX_SQL_BYTES: usize = 128 << 10;
/// Uids per `IN (…)` list when events are fetched by uid.
const UIDS_PER_QUERY: usize = 5_000;

/// An open ClickHouse store.
pub struct ClickHouse {
    url: StoreUrl,
    entry: Http,
    /// Every server that holds a shard's tables (the entry alone without a cluster).
    servers: Vec<Http>,
    /// `db.events`: the Distributed table, or the only table.
    table: String,
    state_dir: PathBuf,
    cache: RwLock<Cached>,
}

#[derive(Default)]
struct Cached {
    events: u64,
    meta: CommitMeta,
}

impl ClickHouse {
    /// Connect; with `create`, make the database and tables where they are missing. Without
    /// it, a store with no huntbench tables is an error naming the URL (nothing is created).
    pub fn open(url: &StoreUrl, create: bool) -> Result<ClickHouse, StoreError> {
        let entry = entry_of(url);
        entry.query("SELECT 1")?;
        let db = &url.database;
        let servers = match &url.cluster {
            None => vec![entry.clone()],
            Some(c) => shard_servers(&entry, url, c)?,
        };
        let exists = entry
            .query(&format!(
                "SELECT count() FROM system.tables WHERE database = {} AND name = 'huntbench_meta'",
                quote(db)
            ))?
            .trim()
            == "1";
        if !exists && !create {
            return Err(StoreError::Remote(format!(
                "no huntbench store at {url}: run `huntbench ingest --store {url} FILE...` first, or check --store / HUNTBENCH_STORE"
            )));
        }
        if create {
            create_tables(&entry, &servers, url)?;
        }
        let state_dir = crate::paths::data_dir().join("stores").join(url.slug());
        crate::paths::create_private_dir(&state_dir)?;
        let store = ClickHouse {
            url: url.clone(),
            entry,
            servers,
            table: format!("{db}.events"),
            state_dir,
            cache: RwLock::new(Cached::default()),
        };
        store.reload()?;
        let schema = store.meta().schema;
        if schema != STORE_SCHEMA {
            return Err(StoreError::Remote(format!(
                "store {url} has schema version {schema}, this huntbench needs version {STORE_SCHEMA}: \
                 drop its database (keep a copy of {} with its exclusions and triage) and ingest again",
                store.state_dir.display()
            )));
        }
        Ok(store)
    }

    fn meta(&self) -> CommitMeta {
        self.cache
            .read()
            .map(|c| c.meta.clone())
            .unwrap_or_default()
    }

    /// Stream the events a `WHERE` (or `PREWHERE … WHERE`) clause selects (`order` may be
    /// empty), one at a time.
    fn each_event(
        &self,
        filter: &str,
        order: &str,
        visit: &mut dyn FnMut(Event) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let cols: Vec<String> = EVENT_COLUMNS
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect();
        let order = if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {order}")
        };
        let q = format!(
            "SELECT {} FROM {} {filter}{order} {ONCE} FORMAT JSONEachRow",
            cols.join(", "),
            self.table
        );
        self.entry
            .query_lines(&q, &mut |line| visit(rows::from_line(line)?))
    }

    /// Visit the events of these log sources inside `range` that also satisfy `narrow`.
    fn in_sources(
        &self,
        sources: &crate::store::Sources,
        range: crate::time::TimeRange,
        narrow: &str,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError> {
        if sources.is_empty() {
            return Ok(());
        }
        let filter = sql::only(&format!(
            "{} AND {} AND {narrow}",
            sql::sources(sources),
            sql::range(range)
        ));
        self.each_event(&filter, "", &mut |e| {
            visit(e);
            Ok(())
        })
    }

    fn events_where(&self, filter: &str, order: &str) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        self.each_event(filter, order, &mut |e| {
            out.push(e);
            Ok(())
        })?;
        Ok(out)
    }

    /// Count per value of an SQL expression over every event.
    fn counts<K: for<'de> Deserialize<'de> + Ord>(
        &self,
        expr: &str,
        filter: &str,
    ) -> Result<BTreeMap<K, u64>, StoreError> {
        #[derive(Deserialize)]
        struct Row<K> {
            k: K,
            n: u64,
        }
        let q = format!(
            "SELECT k, count() AS n FROM (SELECT {expr} AS k, uid FROM {} {filter} {ONCE}) \
             GROUP BY k FORMAT JSONEachRow",
            self.table
        );
        let mut out = BTreeMap::new();
        self.entry.query_lines(&q, &mut |line| {
            let r: Row<K> = parse(line)?;
            *out.entry(r.k).or_default() += r.n;
            Ok(())
        })?;
        Ok(out)
    }

    /// Write the meta row on every server (the entry too), newest version wins.
    /// When the table holds more rows than uids (two ingests added one event), merge each
    /// shard's parts so its ReplacingMergeTree keeps one row per identity.
    fn drop_copies(&self) -> Result<(), StoreError> {
        let counts = self.entry.query(&format!(
            "SELECT count(), uniqExact(uid) FROM {} FORMAT TSV",
            self.table
        ))?;
        let mut it = counts.split_whitespace();
        if it.next() == it.next() {
            return Ok(());
        }
        let local = match &self.url.cluster {
            Some(_) => "events_local",
            None => "events",
        };
        for s in &self.servers {
            s.query(&format!(
                "OPTIMIZE TABLE {}.{local} FINAL",
                self.url.database
            ))?;
        }
        Ok(())
    }

    fn write_meta(&self, meta: &CommitMeta) -> Result<(), StoreError> {
        let row = serde_json::json!({
            "key": "meta",
            "value": meta.to_payload(),
            "version": crate::time::now_micros().max(0) as u64,
        });
        let body = format!("{row}\n");
        let table = format!("{}.huntbench_meta", self.url.database);
        let mut done = HashSet::new();
        for s in std::iter::once(&self.entry).chain(&self.servers) {
            if done.insert(s.name.clone()) {
                s.insert(&table, "JSONEachRow", body.as_bytes())?;
            }
        }
        Ok(())
    }

    fn read_meta(&self) -> Result<CommitMeta, StoreError> {
        let q = format!(
            "SELECT argMax(value, version) FROM {}.huntbench_meta WHERE key = 'meta' FORMAT JSONEachRow",
            self.url.database
        );
        let mut payload = None;
        self.entry.query_lines(&q, &mut |line| {
            let v: serde_json::Value = parse(line)?;
            payload = v
                .as_object()
                .and_then(|m| m.values().next())
                .and_then(|v| v.as_str())
                .map(str::to_string);
            Ok(())
        })?;
        Ok(CommitMeta::parse(
            payload.as_deref().filter(|p| !p.is_empty()),
        ))
    }
}

fn entry_of(url: &StoreUrl) -> Http {
    Http::new(
        &url.host,
        url.port,
        url.user.as_deref(),
        url.password.as_deref(),
    )
}

fn parse<T: for<'de> Deserialize<'de>>(line: &str) -> Result<T, StoreError> {
    serde_json::from_str(line).map_err(|e| {
        StoreError::Remote(format!(
            "ClickHouse answered a row huntbench cannot read ({e}): {line:.200}"
        ))
    })
}
