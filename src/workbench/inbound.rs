//! The inbound analytic's reads: evidence by tag, then only the logons of the hosts and
//! minutes it needs and only the script blocks of the plugin host processes it found.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::{Workbench, engine_group};
use crate::analytics::{self, HuntResult, SavedQuery};
use crate::event::Event;
use crate::extended::inbound::{self as ib, Evidence, WINDOW};
use crate::extended::{self, HostMap, InboundRow};
use crate::pipeline::{INBOUND_TAG, host_written_tag, logon_tag};
use crate::time::TimeRange;

impl Workbench {
    /// Inbound remoting sessions on the receiving hosts (`winrm_remoting_inbound`), oldest
    /// first: evidence inside `range`, with the logons and connections that name the source.
    pub fn inbound_hunt(&self, range: TimeRange) -> Result<Vec<InboundRow>> {
        let events = self.inbound_events(range)?;
        let refs: Vec<&Event> = events.iter().collect();
        let names = self.sid_names()?;
        let mut rows = extended::inbound(&refs, &names);
        // A source known only by its address takes the name the index maps it to. Only the
        // address pairs are read (not every computer of the index, as the edges do): the
        // names they give are the hosts' own spellings.
        let by_address = |r: &InboundRow| r.source.is_some() && r.source == r.source_ip;
        if rows.iter().any(by_address) {
            let mut hosts = HostMap::new();
            for r in &rows {
                hosts.learn_name(&r.computer);
            }
            self.learn_addresses(&mut hosts)?;
            for r in rows.iter_mut().filter(|r| by_address(r)) {
                let ip = r.source_ip.clone().unwrap_or_default();
                if let Some(node) = hosts.node(&ip, &r.computer)
                    && !hosts.is_unnamed_address(&ip)
                {
                    r.source = Some(node.display);
                }
            }
        }
        Ok(rows)
    }

    /// The events the inbound analytic reads: tagged at ingest, or (tags stale) an exact scan.
    fn inbound_events(&self, range: TimeRange) -> Result<Vec<Event>> {
        if self.index.num_events() == 0 {
            return Ok(Vec::new());
        }
        if !self.extended_tags_current() {
            let q = self.inbound_query()?;
            let sources = crate::store::sources_of(q);
            let mut out = Vec::new();
            // Logons and plugin-host writes may sit a window outside the range, as the
            // tagged path reads them.
            let wide = widen(range);
            self.index.select(&sources, wide, &mut |e| {
                let wanted = ib::is_host_written(&e) || ib::classify(&e).is_some();
                if wanted {
                    out.push(e);
                }
            })?;
            // The range bounds the evidence that opens sessions, not what attaches to it.
            let opens = |e: &Event| {
                ib::classify(e).is_some_and(Evidence::opens_session) && !ib::is_host_written(e)
            };
            out.retain(|e| !opens(e) || range.contains(e.time));
            return Ok(out);
        }
        let mut out = self.index.tagged(INBOUND_TAG, range)?;
        // Per host, the minutes its evidence spans (a window either side, one window per
        // stretch of activity: a day of automation is not one span), and its plugin hosts.
        let mut times: BTreeMap<String, (String, Vec<i64>)> = BTreeMap::new();
        let mut written: BTreeSet<String> = BTreeSet::new();
        for e in &out {
            let key = e.computer.to_lowercase();
            times
                .entry(key.clone())
                .or_insert_with(|| (e.computer.clone(), Vec::new()))
                .1
                .push(e.time);
            if let Some(kind) = ib::classify(e)
                && let Some(pid) = ib::plugin_pid(e, kind)
            {
                written.insert(host_written_tag(&key, pid));
            }
        }
        // Every host's logons in its windows, then the plugin hosts' writes: one request to
        // the store (a remote one answers them in one statement), in this order.
        let mut asks: Vec<(Vec<String>, Vec<TimeRange>)> = Vec::new();
        for (computer, mut ts) in times.into_values() {
            ts.sort_unstable();
            let mut windows: Vec<TimeRange> = Vec::new();
            for t in ts {
                match windows.last_mut() {
                    Some(w) if t - WINDOW <= w.latest.unwrap_or(i64::MAX) => {
                        w.latest = Some(t + WINDOW + 1)
                    }
                    _ => windows.push(TimeRange {
                        earliest: Some(t - WINDOW),
                        latest: Some(t + WINDOW + 1),
                    }),
                }
            }
            asks.push((vec![logon_tag(&computer)], windows));
        }
        // A session's script blocks may run long after its last child: the whole range (the
        // analytic keeps only those its process was still alive for).
        asks.push((written.into_iter().collect(), vec![widen(range)]));
        for found in self.index.tagged_in_each(&asks)? {
            out.extend(found);
        }
        Ok(out)
    }

    fn inbound_query(&self) -> Result<&SavedQuery> {
        self.queries
            .iter()
            .find(|q| q.kind == analytics::QueryKind::Inbound)
            .ok_or_else(|| anyhow::anyhow!("the inbound analytic is not loaded"))
    }

    /// The inbound analytic as a HuntResult (lists, exclusions and the TUI treat it like the
    /// others). Its key follows the saved query's by-list.
    pub(super) fn inbound_result(&self, q: &SavedQuery, range: TimeRange) -> Result<HuntResult> {
        let groups = self
            .inbound_hunt(range)?
            .iter()
            .map(|r| {
                engine_group(
                    q,
                    |f| inbound_cell(r, f),
                    (r.count, r.first, r.last),
                    &r.events,
                )
            })
            .collect();
        Ok(HuntResult {
            query: q.clone(),
            groups,
            dropped: Vec::new(),
            suppressed: BTreeMap::new(),
        })
    }
}

/// `range` a window wider on both ends (unbounded ends stay unbounded).
fn widen(range: TimeRange) -> TimeRange {
    TimeRange {
        earliest: range.earliest.map(|t| t - WINDOW),
        latest: range.latest.map(|t| t + WINDOW),
    }
}

/// One by-field of an inbound row as text; empty when absent. `commands` is a JSON array
/// (script text holds commas and newlines; the JSON rendering turns it back into a list).
fn inbound_cell(r: &InboundRow, field: &str) -> String {
    match field {
        "Computer" => r.computer.clone(),
        "user" => r.user.clone().unwrap_or_default(),
        "source" => r.source.clone().unwrap_or_default(),
        "source_ip" => r.source_ip.clone().unwrap_or_default(),
        "source_via" => r.source_via.clone().unwrap_or_default(),
        "evidence" => r.evidence.join(", "),
        "commands" => serde_json::to_string(&r.commands).unwrap_or_default(),
        _ => String::new(),
    }
}
