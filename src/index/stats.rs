//! Counts over the whole index from the columnar fast fields, without reading any stored event.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::SegmentReader;
use tantivy::columnar::StrColumn;

use super::Index;
use super::error::{IndexError, other};
use super::schema::{EVENT_CODE, STAT_CHANNEL, STAT_COMPUTER, STAT_USER, TIME};

/// What the index holds, for the status line and `huntbench stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IndexStats {
    pub events: u64,
    /// Events per channel, as logged (case preserved).
    pub by_channel: BTreeMap<String, u64>,
    pub by_event_code: BTreeMap<u32, u64>,
    /// Events per computer, as logged.
    pub hosts: BTreeMap<String, u64>,
    /// Events per `user`, or per `user_id` when the event has no `user`.
    pub users: BTreeMap<String, u64>,
    /// Time of the oldest event (microseconds).
    pub first: Option<i64>,
    /// Time of the newest event (microseconds).
    pub last: Option<i64>,
}

impl Index {
    /// Count events by channel, event code, host and user, and find the time span.
    pub fn stats(&self) -> Result<IndexStats, IndexError> {
        let searcher = self.inner.reader.searcher();
        let mut s = IndexStats {
            events: searcher.num_docs(),
            ..Default::default()
        };
        let mut codes: HashMap<u64, u64> = HashMap::new();
        for seg in searcher.segment_readers() {
            count_strings(seg, STAT_CHANNEL, &mut s.by_channel)?;
            count_strings(seg, STAT_COMPUTER, &mut s.hosts)?;
            count_strings(seg, STAT_USER, &mut s.users)?;
            let ff = seg.fast_fields();
            let code = ff.u64(EVENT_CODE).map_err(other)?;
            let time = ff.i64(TIME).map_err(other)?;
            for doc in seg.doc_ids_alive() {
                if let Some(c) = code.first(doc) {
                    *codes.entry(c).or_default() += 1;
                }
                if let Some(t) = time.first(doc) {
                    s.first = Some(s.first.map_or(t, |f| f.min(t)));
                    s.last = Some(s.last.map_or(t, |l| l.max(t)));
                }
            }
        }
        s.by_event_code = codes
            .into_iter()
            .map(|(c, n)| (u32::try_from(c).unwrap_or(u32::MAX), n))
            .collect();
        Ok(s)
    }
}

/// Add the per-value counts of one string fast field of one segment into `out`.
fn count_strings(
    seg: &SegmentReader,
    field: &str,
    out: &mut BTreeMap<String, u64>,
) -> Result<(), IndexError> {
    let Some(col): Option<StrColumn> = seg.fast_fields().str(field).map_err(other)? else {
        return Ok(());
    };
    let mut per_ord = vec![0u64; col.num_terms()];
    let ords = col.ords();
    for doc in seg.doc_ids_alive() {
        for ord in ords.values_for_doc(doc) {
            per_ord[ord as usize] += 1;
        }
    }
    let mut name = String::new();
    for (ord, n) in per_ord.into_iter().enumerate() {
        if n > 0 && col.ord_to_str(ord as u64, &mut name).map_err(other)? {
            *out.entry(name.clone()).or_default() += n;
        }
    }
    Ok(())
}
