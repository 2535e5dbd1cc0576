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
    /// Events per channel. Windows channel names ignore case and logs differ in it
    /// (`Security` / `security` in one data set), so each channel is one entry, spelled as
    /// Windows names it when it is a known channel, else as most of its events do.
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
        self.checked(|| {
            self.checked(|| {
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
                s.by_channel = fold_case(std::mem::take(&mut s.by_channel));
                s.by_event_code = codes
                    .into_iter()
                    .map(|(c, n)| (u32::try_from(c).unwrap_or(u32::MAX), n))
                    .collect();
                Ok(s)
            })
        })
    }
}

impl Index {
    /// Times of the oldest and newest live event (`None` when the index is empty), read from
    /// the time column alone: the TUI's header span and the last-event anchor. The column's
    /// own bounds are only bounds (tantivy may round them), so the values are walked.
    pub fn time_span(&self) -> Result<Option<(i64, i64)>, IndexError> {
        self.checked(|| {
            let searcher = self.inner.reader.searcher();
            let mut span: Option<(i64, i64)> = None;
            let mut see = |t: i64| {
                span = Some(span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
            };
            for seg in searcher.segment_readers() {
                if seg.num_docs() == 0 {
                    continue;
                }
                let time = seg.fast_fields().i64(TIME).map_err(other)?;
                if seg.has_deletes() {
                    for doc in seg.doc_ids_alive() {
                        time.first(doc).into_iter().for_each(&mut see);
                    }
                } else {
                    time.values.iter().for_each(&mut see);
                }
            }
            Ok(span)
        })
    }
}

/// Channels whose spelling Windows fixes; any other channel takes its most frequent one.
const KNOWN_CHANNELS: &[&str] = &[
    crate::event::CHANNEL_POWERSHELL,
    crate::event::CHANNEL_POWERSHELL_CORE,
    crate::event::CHANNEL_SYSMON,
    crate::event::CHANNEL_SECURITY,
    "System",
    "Application",
    "Windows PowerShell",
    "Microsoft-Windows-WinRM/Operational",
    "ForwardedEvents",
];

/// Merge counts whose names differ only in case, under one canonical spelling: the known
/// channel's, else the most frequent (ties: the first in byte order, so it is reproducible).
pub fn fold_case(counts: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let mut groups: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for (name, n) in counts {
        groups
            .entry(name.to_lowercase())
            .or_default()
            .push((name, n));
    }
    groups
        .into_iter()
        .map(|(lower, spellings)| {
            let total = spellings.iter().map(|(_, n)| n).sum();
            let known = KNOWN_CHANNELS.iter().find(|k| k.to_lowercase() == lower);
            let name = match known {
                Some(k) => k.to_string(),
                // BTreeMap order: among equal counts the byte-order first is kept.
                None => spellings
                    .iter()
                    .fold(None::<&(String, u64)>, |best, s| match best {
                        Some(b) if b.1 >= s.1 => Some(b),
                        _ => Some(s),
                    })
                    .map(|(name, _)| name.clone())
                    .unwrap_or(lower),
            };
            (name, total)
        })
        .collect()
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
