//! Reading events back: by uid, by tag, by channel and event code, and by query text.
//!
//! Every path finds documents through the inverted index or fast fields first, then reads the
//! stored blobs in doc-address order (neighbouring docs share a compressed store block), and only
//! then puts the events in the order the caller asked for.

use std::collections::HashMap;
use std::ops::Bound;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    BooleanQuery, EnableScoring, Occur, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, DocId, Executor, Order, Score, Searcher, SegmentOrdinal, SegmentReader, Term,
};

use super::compile::Compiler;
use super::error::{IndexError, other};
use super::schema::{Fields, TIME, UID};
use super::{Index, Inner};
use crate::analytics::search::SearchExpr;
use crate::event::Event;
use crate::time::TimeRange;

/// The answer of [`Index::search`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// Matches after the `verify` filter.
    pub total: u64,
    /// Up to `limit` of them, newest first.
    pub events: Vec<Event>,
}

impl Index {
    /// Uids of every indexed event, read from the uid fast field (no stored docs are touched).
    /// A list, not a set: the caller builds its own compact set, and a `HashSet` of millions
    /// beside it would double the memory of an append to a large index.
    pub fn known_uids(&self) -> Result<Vec<u64>, IndexError> {
        self.checked(|| {
            self.checked(|| {
                let searcher = self.inner.reader.searcher();
                let mut out = Vec::with_capacity(searcher.num_docs() as usize);
                for seg in searcher.segment_readers() {
                    let uids: Column<u64> = seg.fast_fields().u64(UID).map_err(other)?;
                    out.extend(seg.doc_ids_alive().filter_map(|d| uids.first(d)));
                }
                Ok(out)
            })
        })
    }

    /// Events with these uids, in the given order; unknown uids are skipped.
    pub fn get(&self, uids: &[u64]) -> Result<Vec<Event>, IndexError> {
        self.checked(|| {
            self.checked(|| {
                if uids.is_empty() {
                    return Ok(Vec::new());
                }
                let f = &self.inner.fields;
                let terms = uids.iter().map(|u| Term::from_field_u64(f.uid, *u));
                let v = self.inner.view();
                let hits = v.collect(&TermSetQuery::new(terms))?;
                let events = v.load(&hits)?;
                let by_uid: HashMap<u64, Event> = hits.iter().map(|h| h.uid).zip(events).collect();
                Ok(uids.iter().filter_map(|u| by_uid.get(u).cloned()).collect())
            })
        })
    }

    /// All events carrying `tag` inside `range`, oldest first.
    pub fn tagged(&self, tag: &str, range: TimeRange) -> Result<Vec<Event>, IndexError> {
        self.checked(|| {
            self.checked(|| {
                let f = &self.inner.fields;
                let q =
                    TermQuery::new(Term::from_field_text(f.tags, tag), IndexRecordOption::Basic);
                let v = self.inner.view();
                let mut hits = v.collect(&*with_range(f, Box::new(q), range))?;
                hits.sort_by_key(|h| (h.time, h.uid));
                v.load(&hits)
            })
        })
    }

    /// All events carrying any of `tags` inside any of `ranges`, oldest first: one pass for
    /// what would be a query per tag and window (an empty list of either finds nothing).
    pub fn tagged_in(
        &self,
        tags: &[String],
        ranges: &[TimeRange],
    ) -> Result<Vec<Event>, IndexError> {
        if tags.is_empty() || ranges.is_empty() {
            return Ok(Vec::new());
        }
        // The tag's postings and the time fast field find the hits; only the hits inside a
        // window are read from the store (a union of range queries would walk the time
        // column once per window).
        let mut sorted: Vec<TimeRange> = ranges.to_vec();
        sorted.sort_by_key(|r| r.earliest.unwrap_or(i64::MIN));
        let span = TimeRange {
            earliest: sorted.iter().map(|r| r.earliest).min().flatten(),
            latest: if sorted.iter().any(|r| r.latest.is_none()) {
                None
            } else {
                sorted.iter().filter_map(|r| r.latest).max()
            },
        };
        self.checked(|| {
            let f = &self.inner.fields;
            let terms = tags.iter().map(|t| Term::from_field_text(f.tags, t));
            let q = with_range(f, Box::new(TermSetQuery::new(terms)), span);
            let v = self.inner.view();
            let mut hits = v.collect(&*q)?;
            hits.retain(|h| sorted.iter().any(|r| r.contains(h.time)));
            hits.sort_by_key(|h| (h.time, h.uid));
            v.load(&hits)
        })
    }

    /// Visit every event whose channel (case-insensitive) and event code match one of the
    /// `(channel, codes)` pairs (an empty code list means any code), inside `range`.
    /// Events come in index order, which is not time order: this feeds order-free exact scans.
    pub fn select(
        &self,
        sources: &[(String, Vec<u32>)],
        range: TimeRange,
        visit: &mut dyn FnMut(Event),
    ) -> Result<(), IndexError> {
        self.checked(|| {
            self.checked(|| {
                let f = &self.inner.fields;
                let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (channel, codes) in sources {
                    let chan: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(f.channel, &channel.to_lowercase()),
                        IndexRecordOption::Basic,
                    ));
                    let pair = if codes.is_empty() {
                        chan
                    } else {
                        let terms = codes
                            .iter()
                            .map(|c| Term::from_field_u64(f.event_code, u64::from(*c)));
                        Box::new(BooleanQuery::intersection(vec![
                            chan,
                            Box::new(TermSetQuery::new(terms)),
                        ]))
                    };
                    any.push((Occur::Should, pair));
                }
                if any.is_empty() {
                    return Ok(());
                }
                let q = with_range(f, Box::new(BooleanQuery::new(any)), range);
                let v = self.inner.view();
                let mut addrs: Vec<DocAddress> = v.collect(&*q)?.iter().map(|h| h.addr).collect();
                addrs.sort();
                v.read_each(&addrs, &mut |e| {
                    visit(e);
                    Ok(())
                })
            })
        })
    }

    /// Search in the `huntbench search` language (see [`crate::store::search`]).
    pub fn search(
        &self,
        query: &str,
        range: TimeRange,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
    ) -> Result<SearchHits, IndexError> {
        crate::store::search(self, query, range, limit, verify)
    }

    /// Run a parsed search. `total` counts every match (after `verify`, an extra exact filter
    /// of the caller's); `events` holds up to `limit` of them, newest first.
    pub fn search_expr(
        &self,
        expr: &SearchExpr,
        range: TimeRange,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
    ) -> Result<SearchHits, IndexError> {
        self.checked(|| {
            self.checked(|| {
                let f = &self.inner.fields;
                let compiler = Compiler::new(&self.inner);
                let q = with_range(f, compiler.compile(expr)?, range);
                let mut hits = self.run(&*q, limit, verify, compiler.reads_stored())?;
                // Newest first, and among events of one microsecond the higher uid first: an
                // order that is the events' own, not where the index happens to keep them, so
                // every store lists a search alike.
                hits.events
                    .sort_by_cached_key(|e| std::cmp::Reverse((e.time, e.uid())));
                match compiler.trouble() {
                    Some(why) => Err(IndexError::Other(format!(
                        "a stored event could not be read, so the answer would be incomplete: {why}"
                    ))),
                    None => Ok(hits),
                }
            })
        })
    }

    fn run(
        &self,
        q: &dyn Query,
        limit: usize,
        verify: Option<&dyn Fn(&Event) -> bool>,
        reads_stored: bool,
    ) -> Result<SearchHits, IndexError> {
        let mut v = self.inner.view();
        v.parallel = reads_stored;
        // No answer holds more events than the index: `--limit` of a billion must not size a
        // billion-slot heap.
        let limit = limit.min(usize::try_from(v.searcher.num_docs()).unwrap_or(usize::MAX));
        let Some(verify) = verify else {
            if limit == 0 {
                let total = v.search(q, &Count)? as u64;
                return Ok(SearchHits {
                    total,
                    events: Vec::new(),
                });
            }
            let top = TopDocs::with_limit(limit).order_by_fast_field::<i64>(TIME, Order::Desc);
            let (total, top) = v.search(q, &(Count, top))?;
            let hits: Vec<Hit> = top
                .into_iter()
                .map(|(time, addr)| Hit {
                    time: time.unwrap_or_default(),
                    uid: 0,
                    addr,
                })
                .collect();
            return Ok(SearchHits {
                total: total as u64,
                events: v.load(&hits)?,
            });
        };
        // Verify every candidate (in store order, for block locality), then read back the
        // newest `limit` of those that passed.
        let mut hits = v.collect(q)?;
        hits.sort_by_key(|h| h.addr);
        let addrs: Vec<DocAddress> = hits.iter().map(|h| h.addr).collect();
        let mut passed = Vec::new();
        let mut k = 0;
        v.read_each(&addrs, &mut |e| {
            if verify(&e) {
                passed.push(hits[k]);
            }
            k += 1;
            Ok(())
        })?;
        let total = passed.len() as u64;
        passed.sort_by(|a, b| b.time.cmp(&a.time).then(a.addr.cmp(&b.addr)));
        passed.truncate(limit);
        let events = v.load(&passed)?;
        Ok(SearchHits { total, events })
    }
}

/// One matching document with the fast-field values we order and key by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub time: i64,
    pub uid: u64,
    pub addr: DocAddress,
}

impl Inner {
    /// A consistent view of the latest loaded commit: every read of one call goes through one
    /// searcher, so doc addresses stay valid even if a writer commits meanwhile.
    fn view(&self) -> View<'_> {
        View {
            searcher: self.reader.searcher(),
            fields: &self.fields,
            parallel: false,
        }
    }
}

/// One searcher (one commit) and the schema fields.
struct View<'a> {
    searcher: Searcher,
    fields: &'a Fields,
    /// Spread collection over segments on threads (see [`View::search`]).
    parallel: bool,
}

impl View<'_> {
    /// Every match of `q` with its time and uid, in no particular order.
    fn collect(&self, q: &dyn Query) -> Result<Vec<Hit>, IndexError> {
        self.search(q, &HitCollector)
    }

    /// Run a collector; segments in parallel when the query decodes stored events, where the
    /// time goes into reading rather than into posting lists.
    fn search<C: Collector>(&self, q: &dyn Query, c: &C) -> Result<C::Fruit, IndexError> {
        let segments = self.searcher.segment_readers().len();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if !self.parallel || segments < 2 || threads < 2 {
            return self.searcher.search(q, c).map_err(other);
        }
        let pool = Executor::multi_thread(threads.min(segments), "hb-search").map_err(other)?;
        let scoring = EnableScoring::disabled_from_searcher(&self.searcher);
        self.searcher
            .search_with_executor(q, c, &pool, scoring)
            .map_err(other)
    }

    /// Read the events of `hits`, returned in the order of `hits`.
    fn load(&self, hits: &[Hit]) -> Result<Vec<Event>, IndexError> {
        let mut order: Vec<usize> = (0..hits.len()).collect();
        order.sort_by_key(|&i| hits[i].addr);
        let addrs: Vec<DocAddress> = order.iter().map(|&i| hits[i].addr).collect();
        let mut slots: Vec<Option<Event>> = vec![None; hits.len()];
        let mut k = 0;
        self.read_each(&addrs, &mut |e| {
            slots[order[k]] = Some(e);
            k += 1;
            Ok(())
        })?;
        Ok(slots.into_iter().flatten().collect())
    }

    /// Read the events at `addrs` and hand them to `visit` in that order. Decompressing store
    /// blocks and decoding JSON is the cost of every read path, so chunks are decoded by two
    /// threads while `visit` (which need not be thread-safe) runs on the caller's.
    fn read_each(
        &self,
        addrs: &[DocAddress],
        visit: &mut dyn FnMut(Event) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let read_all = |part: &[DocAddress]| -> Result<Vec<Event>, IndexError> {
            part.iter().map(|a| self.read(*a)).collect()
        };
        for chunk in addrs.chunks(READ_CHUNK) {
            let events = if chunk.len() < PARALLEL_MIN {
                read_all(chunk)?
            } else {
                let (a, b) = chunk.split_at(chunk.len() / 2);
                std::thread::scope(|s| {
                    let second = s.spawn(|| read_all(b));
                    let mut events = read_all(a)?;
                    let rest = second
                        .join()
                        .map_err(|_| IndexError::Other("an event reader thread panicked".into()))?;
                    events.extend(rest?);
                    Ok::<_, IndexError>(events)
                })?
            };
            for e in events {
                visit(e)?;
            }
        }
        Ok(())
    }

    /// Decode the stored event of one document.
    fn read(&self, addr: DocAddress) -> Result<Event, IndexError> {
        let doc = self.searcher.doc(addr).map_err(other)?;
        self.fields.event(&doc).map_err(IndexError::Other)
    }
}

/// Events decoded per round of [`Inner::read_each`]: bounds memory while scanning everything.
const READ_CHUNK: usize = 4096;
/// Below this many reads a second thread costs more than it saves.
const PARALLEL_MIN: usize = 128;

/// Restrict a query to a time range, using the time fast field.
fn with_range(f: &Fields, q: Box<dyn Query>, range: TimeRange) -> Box<dyn Query> {
    if range.is_all() {
        return q;
    }
    let lower = range.earliest.map_or(Bound::Unbounded, |t| {
        Bound::Included(Term::from_field_i64(f.time, t))
    });
    let upper = range.latest.map_or(Bound::Unbounded, |t| {
        Bound::Excluded(Term::from_field_i64(f.time, t))
    });
    Box::new(BooleanQuery::intersection(vec![
        q,
        Box::new(RangeQuery::new(lower, upper)),
    ]))
}

/// Collects every match with its time and uid from the fast fields.
struct HitCollector;

struct SegmentHits {
    seg: SegmentOrdinal,
    time: Column<i64>,
    uid: Column<u64>,
    hits: Vec<Hit>,
}

impl Collector for HitCollector {
    type Fruit = Vec<Hit>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        seg: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            seg,
            time: reader.fast_fields().i64(TIME)?,
            uid: reader.fast_fields().u64(UID)?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Hit>>) -> tantivy::Result<Vec<Hit>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<Hit>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.hits.push(Hit {
            time: self.time.first(doc).unwrap_or_default(),
            uid: self.uid.first(doc).unwrap_or_default(),
            addr: DocAddress::new(self.seg, doc),
        });
    }

    fn harvest(self) -> Vec<Hit> {
        self.hits
    }
}
