//! The ClickHouse store: the only module that speaks to ClickHouse. One server, or with
//! `?cluster=NAME` a cluster from the entry server's `remote_servers`, over which events are
//! sharded by their identity hash. Only SQL and formats both Debian's 18.16 and current
//! ClickHouse take (see README, "ClickHouse store").

mod http;
mod rows;
mod schema;
mod sql;

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use serde::Deserialize;

use self::http::{Http, quote};
use self::schema::{EVENT_COLUMNS, STORE_SCHEMA};
use super::{Ask, Rows, Sources, Store, StoreError, StoreUrl, StoreWriter};
use crate::analytics::search::SearchExpr;
use crate::analytics::{Dropped, Group, SavedQuery};
use crate::event::Event;
use crate::index::{CommitMeta, IndexStats, InputRecord, SearchHits};
use crate::time::TimeRange;

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

    /// Stream the events a `WHERE` selects (`order` may be empty), one at a time.
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
            "SELECT {} FROM {} WHERE {filter}{order} {ONCE} FORMAT JSONEachRow",
            cols.join(", "),
            self.table
        );
        self.entry
            .query_lines(&q, &mut |line| visit(rows::from_line(line)?))
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
            "SELECT k, count() AS n FROM (SELECT {expr} AS k, uid FROM {} WHERE {filter} {ONCE}) \
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

/// Does the store's database exist (on the entry server)?
pub fn database_exists(url: &StoreUrl) -> Result<bool, StoreError> {
    let entry = entry_of(url);
    let n = entry.query(&format!(
        "SELECT count() FROM system.databases WHERE name = {}",
        quote(&url.database)
    ))?;
    Ok(n.trim() != "0")
}

/// Drop the store's database on the entry and every shard server (the bench's own only).
pub fn drop_database(url: &StoreUrl) -> Result<(), StoreError> {
    let entry = entry_of(url);
    let mut servers = vec![entry.clone()];
    if let Some(c) = &url.cluster {
        servers.extend(shard_servers(&entry, url, c)?);
    }
    for s in servers {
        s.query(&format!("DROP DATABASE IF EXISTS {}", url.database))?;
    }
    Ok(())
}

/// Median seconds of reading one tag's events (every column) three ways: as huntbench does
/// (`LIMIT 1 BY uid`), with `FINAL`, and with no duplicate guard, over `reps` runs each.
pub fn guard_cost(url: &StoreUrl, tag: &str, reps: usize) -> Result<[f64; 3], StoreError> {
    let entry = entry_of(url);
    let table = format!("{}.events", url.database);
    let cols: Vec<String> = EVENT_COLUMNS
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    let select = format!("SELECT {} FROM {table}", cols.join(", "));
    let filter = format!("WHERE has(tags, {})", quote(tag));
    let time = |sql: String| -> Result<f64, StoreError> {
        let mut v = Vec::new();
        for _ in 0..reps {
            let t = std::time::Instant::now();
            entry.query_lines(&sql, &mut |_| Ok(()))?;
            v.push(t.elapsed().as_secs_f64());
        }
        v.sort_by(f64::total_cmp);
        Ok(v[v.len() / 2])
    };
    Ok([
        time(format!("{select} {filter} {ONCE} FORMAT JSONEachRow"))?,
        time(format!("{select} FINAL {filter} FORMAT JSONEachRow"))?,
        time(format!("{select} {filter} FORMAT JSONEachRow"))?,
    ])
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

/// The servers of every shard (and replica) of `cluster`, each by its HTTP interface: the
/// host from `system.clusters` and the port from that server's `http_port` macro (8123 when
/// it has none), since `system.clusters` names only the native port.
fn shard_servers(entry: &Http, url: &StoreUrl, cluster: &str) -> Result<Vec<Http>, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        host_address: String,
        port: u16,
    }
    let q = format!(
        "SELECT host_address, port FROM system.clusters WHERE cluster = {} ORDER BY shard_num, replica_num FORMAT JSONEachRow",
        quote(cluster)
    );
    let mut found: Vec<Row> = Vec::new();
    entry.query_lines(&q, &mut |line| {
        found.push(parse(line)?);
        Ok(())
    })?;
    if found.is_empty() {
        let known = entry.query("SELECT DISTINCT cluster FROM system.clusters")?;
        let known: Vec<&str> = known.lines().collect();
        return Err(StoreError::Remote(format!(
            "ClickHouse at {} has no cluster {cluster:?} in its remote_servers (it knows: {})",
            entry.name,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let mut out = Vec::new();
    for r in found {
        let q = format!(
            "SELECT substitution FROM remote({}, system.macros) WHERE macro = 'http_port'",
            quote(&format!("{}:{}", r.host_address, r.port))
        );
        let port = entry.query(&q).map_err(|e| {
            StoreError::Remote(format!(
                "shard server {}:{} of cluster {cluster} cannot be reached: {e}",
                r.host_address, r.port
            ))
        })?;
        let port: u16 = port.trim().parse().unwrap_or(8123);
        out.push(Http::new(
            &r.host_address,
            port,
            url.user.as_deref(),
            url.password.as_deref(),
        ));
    }
    Ok(out)
}

/// Make the database and tables on every server that needs them (idempotent).
fn create_tables(entry: &Http, servers: &[Http], url: &StoreUrl) -> Result<(), StoreError> {
    let db = &url.database;
    let mut done = HashSet::new();
    for s in std::iter::once(entry).chain(servers) {
        if !done.insert(s.name.clone()) {
            continue;
        }
        s.query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))?;
        s.query(&schema::meta_table(db))?;
        match &url.cluster {
            None => {
                s.query(&schema::events_table(db, "events"))?;
            }
            Some(c) => {
                let on_shard = servers.iter().any(|x| x.name == s.name);
                if on_shard {
                    s.query(&schema::events_table(db, "events_local"))?;
                }
                s.query(&schema::distributed_table(db, c, "events_local"))?;
            }
        }
    }
    // A new store records its schema version before any event arrives.
    let have = entry.query(&format!(
        "SELECT count() FROM {db}.huntbench_meta WHERE key = 'meta'"
    ))?;
    if have.trim() == "0" {
        let meta = CommitMeta {
            schema: STORE_SCHEMA,
            ..Default::default()
        };
        let row = serde_json::json!({"key": "meta", "value": meta.to_payload(), "version": 1u64});
        let body = format!("{row}\n");
        let mut done = HashSet::new();
        for s in std::iter::once(entry).chain(servers) {
            if done.insert(s.name.clone()) {
                s.insert(
                    &format!("{db}.huntbench_meta"),
                    "JSONEachRow",
                    body.as_bytes(),
                )?;
            }
        }
    }
    Ok(())
}

impl Store for ClickHouse {
    fn location(&self) -> String {
        self.url.to_string()
    }

    fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    fn num_events(&self) -> u64 {
        self.cache.read().map(|c| c.events).unwrap_or(0)
    }

    fn size_bytes(&self) -> u64 {
        let q = format!(
            "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = {} AND table IN ('events', 'events_local')",
            quote(&self.url.database)
        );
        self.servers
            .iter()
            .filter_map(|s| s.query(&q).ok())
            .filter_map(|t| t.trim().parse::<u64>().ok())
            .sum()
    }

    fn tag_fingerprints(&self) -> BTreeMap<String, String> {
        self.meta().tag_fingerprints
    }

    fn inputs(&self) -> (Option<Vec<InputRecord>>, u64) {
        let m = self.meta();
        (m.inputs, m.inputs_omitted)
    }

    fn stats(&self) -> Result<IndexStats, StoreError> {
        let by_channel: BTreeMap<String, u64> = self.counts("channel", "1")?;
        let by_event_code: BTreeMap<u32, u64> = self.counts("event_code", "1")?;
        let hosts: BTreeMap<String, u64> = self.counts("computer", "1")?;
        let users: BTreeMap<String, u64> = self.counts(
            "if(ifNull(`user`, '') != '', assumeNotNull(`user`), ifNull(user_id, ''))",
            "(ifNull(`user`, '') != '' OR ifNull(user_id, '') != '')",
        )?;
        let span = self.time_span()?;
        Ok(IndexStats {
            events: by_event_code.values().sum(),
            by_channel: crate::index::fold_channel_case(by_channel),
            by_event_code,
            hosts,
            users,
            first: span.map(|s| s.0),
            last: span.map(|s| s.1),
        })
    }

    fn time_span(&self) -> Result<Option<(i64, i64)>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            n: u64,
            lo: i64,
            hi: i64,
        }
        let q = format!(
            "SELECT count() AS n, min(time) AS lo, max(time) AS hi FROM {} FORMAT JSONEachRow",
            self.table
        );
        let mut span = None;
        self.entry.query_lines(&q, &mut |line| {
            let r: Row = parse(line)?;
            if r.n > 0 {
                span = Some((r.lo, r.hi));
            }
            Ok(())
        })?;
        Ok(span)
    }

    fn known_uids(&self) -> Result<HashSet<u64>, StoreError> {
        let mut out = HashSet::with_capacity(self.num_events() as usize);
        let q = format!("SELECT uid FROM {} FORMAT TSV", self.table);
        self.entry.query_lines(&q, &mut |line| {
            let uid = line
                .parse::<u64>()
                .map_err(|_| StoreError::Remote(format!("not a uid: {line:.40}")))?;
            out.insert(uid);
            Ok(())
        })?;
        Ok(out)
    }

    fn get(&self, uids: &[u64]) -> Result<Vec<Event>, StoreError> {
        let mut by_uid: HashMap<u64, Event> = HashMap::with_capacity(uids.len());
        for chunk in uids.chunks(UIDS_PER_QUERY) {
            let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
            self.each_event(&format!("uid IN ({})", list.join(",")), "", &mut |e| {
                by_uid.insert(e.uid(), e);
                Ok(())
            })?;
        }
        Ok(uids.iter().filter_map(|u| by_uid.get(u).cloned()).collect())
    }

    fn tagged(&self, tag: &str, range: TimeRange) -> Result<Vec<Event>, StoreError> {
        self.events_where(
            &format!("has(tags, {}) AND {}", quote(tag), sql::range(range)),
            "time, uid",
        )
    }

    fn tagged_in(&self, tags: &[String], ranges: &[TimeRange]) -> Result<Vec<Event>, StoreError> {
        if tags.is_empty() || ranges.is_empty() {
            return Ok(Vec::new());
        }
        self.events_where(&sql::tags_in(tags, ranges), "time, uid")
    }

    fn tagged_in_each(&self, asks: &[Ask]) -> Result<Vec<Vec<Event>>, StoreError> {
        let mut out: Vec<Vec<Event>> = asks.iter().map(|_| Vec::new()).collect();
        // One statement for a bounded number of asks (ClickHouse caps a query's text): the
        // union of their tags and of their windows in SQL, which rows answer which ask here
        // (per row and ask in SQL, `multiIf` cost ten times the reading).
        let mut start = 0;
        while start < asks.len() {
            let (mut end, mut size) = (start, 0);
            while end < asks.len() && (end == start || size < MAX_SQL_BYTES) {
                size += asks[end].0.iter().map(String::len).sum::<usize>() + 48 * asks[end].1.len();
                end += 1;
            }
            let part = &asks[start..end];
            let tags: Vec<String> = part.iter().flat_map(|(t, _)| t.iter().cloned()).collect();
            let windows: Vec<TimeRange> =
                part.iter().flat_map(|(_, w)| w.iter().copied()).collect();
            if !tags.is_empty() && !windows.is_empty() {
                let cols: Vec<String> = EVENT_COLUMNS
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                let q = format!(
                    "SELECT {}, tags FROM {} WHERE {} ORDER BY time, uid {ONCE} FORMAT JSONEachRow",
                    cols.join(", "),
                    self.table,
                    sql::tags_in(&tags, &sql::merged(windows))
                );
                self.entry.query_lines(&q, &mut |line| {
                    let (e, has) = rows::from_line_tags(line)?;
                    let answers = part.iter().position(|(t, w)| {
                        t.iter().any(|t| has.contains(t)) && w.iter().any(|r| r.contains(e.time))
                    });
                    if let Some(k) = answers {
                        out[start + k].push(e);
                    }
                    Ok(())
                })?;
            }
            start = end;
        }
        Ok(out)
    }

    fn select(
        &self,
        sources: &Sources,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError> {
        if sources.is_empty() {
            return Ok(());
        }
        let filter = format!("{} AND {}", sql::sources(sources), sql::range(range));
        self.each_event(&filter, "", &mut |e| {
            visit(e);
            Ok(())
        })
    }

    fn candidates(
        &self,
        q: &SavedQuery,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError> {
        let sources = super::sources_of(q);
        if sources.is_empty() {
            return Ok(());
        }
        let filter = format!(
            "{} AND {} AND {}",
            sql::sources(&sources),
            sql::range(range),
            sql::candidates(q)
        );
        self.each_event(&filter, "", &mut |e| {
            visit(e);
            Ok(())
        })
    }

    fn search_expr(
        &self,
        expr: &SearchExpr,
        range: TimeRange,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
    ) -> Result<SearchHits, StoreError> {
        let exact = crate::analytics::search::eval::Evaluator::new(expr)
            .map_err(|e| StoreError::BadQuery(e.0))?;
        let filter = format!("{} AND {}", sql::range(range), sql::prefilter(expr));
        // The newest `limit` so far, oldest on top so it is the one to go.
        let mut newest: BinaryHeap<std::cmp::Reverse<(i64, u64, Keyed)>> = BinaryHeap::new();
        let mut total = 0u64;
        self.each_event(&filter, "", &mut |e| {
            if !exact.matches(&e) || verify.is_some_and(|v| !v(&e)) {
                return Ok(());
            }
            total += 1;
            if limit > 0 {
                newest.push(std::cmp::Reverse((e.time, e.uid(), Keyed(e))));
                if newest.len() > limit {
                    newest.pop();
                }
            }
            Ok(())
        })?;
        let mut events: Vec<(i64, u64, Event)> = newest
            .into_iter()
            .map(|std::cmp::Reverse((t, u, Keyed(e)))| (t, u, e))
            .collect();
        events.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        Ok(SearchHits {
            total,
            events: events.into_iter().map(|(_, _, e)| e).collect(),
        })
    }

    fn writer(&self) -> Result<Box<dyn StoreWriter + '_>, StoreError> {
        Ok(Box::new(Writer {
            store: self,
            buf: Vec::with_capacity(INSERT_BYTES + (1 << 20)),
            inputs: Vec::new(),
        }))
    }

    fn reload(&self) -> Result<(), StoreError> {
        let n = self
            .entry
            .query(&format!("SELECT uniqExact(uid) FROM {}", self.table))?;
        let events = n.trim().parse().unwrap_or(0);
        let meta = self.read_meta()?;
        if let Ok(mut c) = self.cache.write() {
            *c = Cached { events, meta };
        }
        Ok(())
    }

    fn grouped(
        &self,
        q: &SavedQuery,
        tag: &str,
        range: TimeRange,
    ) -> Result<Option<Rows>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            #[serde(flatten)]
            keys: BTreeMap<String, serde_json::Value>,
        }
        let Some(select) = sql::grouped(q, &self.table, tag, range) else {
            return Ok(None);
        };
        let mut groups = Vec::new();
        self.entry.query_lines(&select, &mut |line| {
            let mut r: Row = parse(line)?;
            let key: Vec<String> = (0..q.by.len())
                .map(|i| {
                    r.keys
                        .remove(&format!("k{i}"))
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .collect();
            let count = r.keys.get("n").and_then(serde_json::Value::as_u64);
            let lo = r.keys.get("lo").and_then(serde_json::Value::as_i64);
            let hi = r.keys.get("hi").and_then(serde_json::Value::as_i64);
            let uids: Vec<u64> = serde_json::from_value(r.keys.remove("uids").unwrap_or_default())
                .map_err(|e| StoreError::Remote(e.to_string()))?;
            let times: Vec<i64> =
                serde_json::from_value(r.keys.remove("times").unwrap_or_default())
                    .map_err(|e| StoreError::Remote(e.to_string()))?;
            let mut evs: Vec<(i64, u64)> = times.into_iter().zip(uids).collect();
            evs.sort_unstable();
            groups.push(Group {
                analytic: q.id.clone(),
                key,
                count: count.unwrap_or(0),
                first: lo.unwrap_or(0),
                last: hi.unwrap_or(0),
                events: evs.into_iter().map(|(_, u)| u).collect(),
                suppressed_by: Vec::new(),
            });
            Ok(())
        })?;
        groups.sort_by(|a, b| a.key.cmp(&b.key));
        let mut dropped = Vec::new();
        if let Some(select) = sql::dropped(q, &self.table, tag, range) {
            #[derive(Deserialize)]
            struct Gone {
                uid: u64,
                missing: i64,
            }
            self.entry.query_lines(&select, &mut |line| {
                let g: Gone = parse(line)?;
                let field = q.by.get(g.missing as usize).cloned().unwrap_or_default();
                dropped.push(Dropped {
                    uid: g.uid,
                    reason: format!("missing by-field {field}"),
                });
                Ok(())
            })?;
        }
        Ok(Some((groups, dropped)))
    }
}

/// An event ordered by nothing (the heap orders by time and uid before it).
struct Keyed(Event);
impl PartialEq for Keyed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// Adds events in inserts of [`INSERT_BYTES`]; each insert lands whole on its shards.
struct Writer<'a> {
    store: &'a ClickHouse,
    buf: Vec<u8>,
    inputs: Vec<(String, u64)>,
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

    fn finish(self: Box<Self>) -> Result<(), StoreError> {
        self.store.reload()
    }
}
