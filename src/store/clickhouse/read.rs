//! The ClickHouse store's reads: the [`Store`] methods, as SQL.

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::http::quote;
use super::schema::EVENT_COLUMNS;
use super::write::Writer;
use super::{ClickHouse, MAX_SQL_BYTES, ONCE, UIDS_PER_QUERY, parse, rows, sql};
use crate::analytics::search::SearchExpr;
use crate::analytics::{Dropped, Group, SavedQuery};
use crate::event::Event;
use crate::index::{IndexStats, InputRecord, SearchHits};
use crate::store::{Ask, Rows, Sources, Store, StoreError, StoreWriter};
use crate::time::TimeRange;

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
        let by_channel: BTreeMap<String, u64> = self.counts("channel", "WHERE 1")?;
        let by_event_code: BTreeMap<u32, u64> = self.counts("event_code", "WHERE 1")?;
        let hosts: BTreeMap<String, u64> = self.counts("computer", "WHERE 1")?;
        let users: BTreeMap<String, u64> = self.counts(
            "if(ifNull(`user`, '') != '', assumeNotNull(`user`), ifNull(user_id, ''))",
            "WHERE (ifNull(`user`, '') != '' OR ifNull(user_id, '') != '')",
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

    fn known_uids(&self) -> Result<Vec<u64>, StoreError> {
        let mut out = Vec::with_capacity(self.num_events() as usize);
        let q = format!("SELECT uid FROM {} FORMAT TSV", self.table);
        self.entry.query_lines(&q, &mut |line| {
            let uid = line
                .parse::<u64>()
                .map_err(|_| StoreError::Remote(format!("not a uid: {line:.40}")))?;
            out.push(uid);
            Ok(())
        })?;
        Ok(out)
    }

    fn get(&self, uids: &[u64]) -> Result<Vec<Event>, StoreError> {
        let mut by_uid: HashMap<u64, Event> = HashMap::with_capacity(uids.len());
        for chunk in uids.chunks(UIDS_PER_QUERY) {
            let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let filter = sql::only(&format!("uid IN ({})", list.join(",")));
            self.each_event(&filter, "", &mut |e| {
                by_uid.insert(e.uid(), e);
                Ok(())
            })?;
        }
        Ok(uids.iter().filter_map(|u| by_uid.get(u).cloned()).collect())
    }

    fn tagged(&self, tag: &str, range: TimeRange) -> Result<Vec<Event>, StoreError> {
        self.events_where(&sql::tags_in(&[tag.to_string()], &[range]), "time, uid")
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
                    "SELECT {}, tags FROM {} {} ORDER BY time, uid {ONCE} FORMAT JSONEachRow",
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
        self.in_sources(sources, range, "1", visit)
    }

    fn candidates(
        &self,
        q: &SavedQuery,
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), StoreError> {
        let sources = crate::store::sources_of(q);
        self.in_sources(&sources, range, &sql::candidates(q), visit)
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
        let filter = sql::only(&format!(
            "{} AND {}",
            sql::range(range),
            sql::prefilter(expr)
        ));
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
        Ok(Box::new(Writer::new(self)))
    }

    fn reload(&self) -> Result<(), StoreError> {
        let n = self
            .entry
            // Rows, from the parts' own counts (no column is read): a copy a race left is
            // counted until `finish` or a merge drops it; every answer counts it once.
            .query(&format!("SELECT count() FROM {}", self.table))?;
        let events = n.trim().parse().unwrap_or(0);
        let meta = self.read_meta()?;
        if let Ok(mut c) = self.cache.write() {
            *c = super::Cached { events, meta };
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
