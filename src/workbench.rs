//! The workbench facade: saved queries run over the index, exclusions, search.
//!
//! CLI and TUI both go through here, so a hunt gives the same rows whichever face asks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::analytics::{
    self, Exclusion, ExclusionStore, HuntResult, Matcher, QueryKind, SavedQuery,
};
use crate::event::Event;
use crate::extended::{self, EdgeReport, ExtendedResult, HostMap, SidNames};
use crate::index::SearchHits;
use crate::paths;
use crate::pipeline::{
    self, EXTENDED_CANDIDATE_TAG, EXTENDED_TAGS_KEY, EXTENDED_TAGS_VERSION, HOST_ADDRESS_TAG,
    HOST_TAGS_KEY, HOST_TAGS_VERSION, IngestOptions, IngestSummary, Progress, SID_NAME_TAG,
};
use crate::store::{Location, Store};
use crate::time::TimeRange;
use crate::timeline::Timeline;

mod inbound;

/// How a saved query's events were found (reported by `hunt --explain` and the bench).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The index holds current ingest-time tags for this query: one term lookup.
    Tagged,
    /// Tags missing or stale (the definition changed since ingest): an exact scan of the
    /// query's channels and event codes.
    Scan,
}

/// An open store with its saved queries and exclusion store.
pub struct Workbench {
    index: Arc<dyn Store>,
    queries: Vec<SavedQuery>,
    exclusions_path: PathBuf,
}

impl Workbench {
    /// Open the existing store (an index directory or a `--store` URL) with the built-in and
    /// the user's saved queries and the store's own exclusions. Creates nothing: no index
    /// there is an error naming it.
    pub fn open(at: impl Into<Location>) -> Result<Self> {
        Self::with_store(at.into().open_existing()?)
    }

    /// As [`Workbench::open`], creating an empty store when there is none (ingest, demo).
    pub fn create_or_open(at: impl Into<Location>) -> Result<Self> {
        Self::with_store(at.into().create_or_open()?)
    }

    fn with_store(store: Arc<dyn Store>) -> Result<Self> {
        let mut queries = analytics::load_saved_queries(Some(&paths::user_analytics_dir()))?;
        queries.extend(analytics::run_sigma()?.0.iter().cloned());
        let exclusions_path = exclusions_of(store.state_dir())?;
        Ok(Workbench {
            index: store,
            queries,
            exclusions_path,
        })
    }

    /// Assemble from parts (tests, the demo).
    pub fn from_parts<S: Store + 'static>(
        store: S,
        queries: Vec<SavedQuery>,
        exclusions_path: PathBuf,
    ) -> Self {
        Self::from_store(Arc::new(store), queries, exclusions_path)
    }

    /// Assemble from an open store.
    pub fn from_store(
        store: Arc<dyn Store>,
        queries: Vec<SavedQuery>,
        exclusions_path: PathBuf,
    ) -> Self {
        Workbench {
            index: store,
            queries,
            exclusions_path,
        }
    }

    /// The store the events live in.
    pub fn store(&self) -> &dyn Store {
        &*self.index
    }

    /// All saved queries, built-in first.
    pub fn queries(&self) -> &[SavedQuery] {
        &self.queries
    }

    /// The saved query with this id.
    pub fn query(&self, id: &str) -> Result<&SavedQuery> {
        self.queries.iter().find(|q| q.id == id).with_context(|| {
            let ids: Vec<&str> = self.queries.iter().map(|q| q.id.as_str()).collect();
            format!("no saved query {id:?}; known: {}", ids.join(", "))
        })
    }

    /// The exclusion store (re-read from disk on each call: another process may have changed it).
    pub fn exclusions(&self) -> Result<ExclusionStore> {
        Ok(ExclusionStore::open(&self.exclusions_path)?.with_queries(self.queries.clone()))
    }

    /// Path of the exclusions file.
    pub fn exclusions_path(&self) -> &Path {
        &self.exclusions_path
    }

    /// The triage store of this index (re-read from disk on each call, like the exclusions).
    pub fn triage(&self) -> Result<crate::triage::TriageStore> {
        Ok(crate::triage::TriageStore::open(self.triage_path())?)
    }

    /// Path of the triage file: `<index dir>/triage.toml`.
    pub fn triage_path(&self) -> PathBuf {
        crate::triage::triage_path(self.index.state_dir())
    }

    /// How `hunt` will reach this query's events.
    pub fn access(&self, q: &SavedQuery) -> Access {
        let fps = self.index.tag_fingerprints();
        let current = match q.kind {
            QueryKind::Parity | QueryKind::Sigma => {
                fps.get(&q.id) == Some(&analytics::fingerprint(q))
            }
            QueryKind::Extended | QueryKind::Inbound => self.extended_tags_current(),
        };
        if current {
            Access::Tagged
        } else {
            Access::Scan
        }
    }

    /// The events a parity query matches in the range, exactly (tags or scan).
    pub fn matched_events(&self, q: &SavedQuery, range: TimeRange) -> Result<Vec<Event>> {
        if self.index.num_events() == 0 {
            return Ok(Vec::new());
        }
        match self.access(q) {
            Access::Tagged => Ok(self.index.tagged(&analytics::tag(q), range)?),
            Access::Scan if q.kind == QueryKind::Sigma => {
                // Its log source may name no channel: the scan that reads every channel.
                let mut events = self.scan_matched_events(&[q], range)?;
                let mut events = events.pop().unwrap_or_default();
                events.sort_by_key(|e| (e.time, e.uid()));
                Ok(events)
            }
            Access::Scan => {
                let matcher = Matcher::new(q);
                let mut out = Vec::new();
                self.index.candidates(q, range, &mut |e| {
                    if matcher.matches(&e) {
                        out.push(e);
                    }
                })?;
                Ok(out)
            }
        }
    }

    /// A parity query's rows: grouped in the store when it can and its tags are current,
    /// else grouped here from the matched events (the same rows either way).
    fn parity_result(&self, q: &SavedQuery, range: TimeRange) -> Result<HuntResult> {
        if self.index.num_events() > 0
            && self.access(q) == Access::Tagged
            && let Some((groups, dropped)) = self.index.grouped(q, &analytics::tag(q), range)?
        {
            return Ok(HuntResult {
                query: q.clone(),
                groups,
                dropped,
                suppressed: BTreeMap::new(),
            });
        }
        let events = self.matched_events(q, range)?;
        let refs: Vec<&Event> = events.iter().collect();
        Ok(analytics::result_of(q, &refs))
    }

    /// Run saved queries (all when `ids` is empty) over the index.
    pub fn hunt(
        &self,
        ids: &[String],
        range: TimeRange,
        apply_exclusions: bool,
    ) -> Result<Vec<HuntResult>> {
        let selected: Vec<&SavedQuery> = if ids.is_empty() {
            self.queries.iter().collect()
        } else {
            ids.iter().map(|id| self.query(id)).collect::<Result<_>>()?
        };
        let exclusions: Vec<Exclusion> = if apply_exclusions {
            self.exclusions()?.list().to_vec()
        } else {
            Vec::new()
        };
        // Sigma rules whose tags are stale (the rule set changed since ingest) are answered
        // together by one exact scan: thousands of rules, each read on its own, would read the
        // same logs thousands of times.
        let stale: Vec<&SavedQuery> = selected
            .iter()
            .copied()
            .filter(|q| q.kind == QueryKind::Sigma && self.access(q) == Access::Scan)
            .collect();
        let mut scanned: BTreeMap<String, HuntResult> = self
            .scan_matched(&stale, range)?
            .into_iter()
            .map(|r| (r.query.id.clone(), r))
            .collect();
        let mut results = Vec::new();
        for q in selected {
            let mut result = match q.kind {
                QueryKind::Sigma if scanned.contains_key(&q.id) => scanned
                    .remove(&q.id)
                    .unwrap_or_else(|| analytics::result_of(q, &[])),
                QueryKind::Parity | QueryKind::Sigma => self.parity_result(q, range)?,
                QueryKind::Extended => self.extended_result(q, range)?,
                QueryKind::Inbound => self.inbound_result(q, range)?,
            };
            analytics::apply_exclusions(&mut result, &exclusions);
            results.push(result);
        }
        Ok(results)
    }

    /// The Sigma rules among `ids` (all when empty) whose ingest-time tags are not current:
    /// hunts answer them by an exact scan.
    pub fn stale_sigma(&self, ids: &[String]) -> usize {
        self.queries
            .iter()
            .filter(|q| q.kind == QueryKind::Sigma && (ids.is_empty() || ids.contains(&q.id)))
            .filter(|q| self.index.num_events() > 0 && self.access(q) == Access::Scan)
            .count()
    }

    /// Matched queries answered by one pass over the union of their log sources (every
    /// channel the store holds when one of them names none), each event tested by each.
    fn scan_matched(&self, qs: &[&SavedQuery], range: TimeRange) -> Result<Vec<HuntResult>> {
        let matched = self.scan_matched_events(qs, range)?;
        Ok(qs
            .iter()
            .zip(&matched)
            .map(|(q, events)| {
                let refs: Vec<&Event> = events.iter().collect();
                analytics::result_of(q, &refs)
            })
            .collect())
    }

    /// The events each of `qs` matches, by one exact pass (see [`Workbench::scan_matched`]).
    fn scan_matched_events(&self, qs: &[&SavedQuery], range: TimeRange) -> Result<Vec<Vec<Event>>> {
        if qs.is_empty() || self.index.num_events() == 0 {
            return Ok(vec![Vec::new(); qs.len()]);
        }
        let mut union: BTreeMap<String, Option<std::collections::BTreeSet<u32>>> = BTreeMap::new();
        let mut any_channel = false;
        for q in qs {
            if q.selection.sources.is_empty() {
                any_channel = true;
            }
            for s in &q.selection.sources {
                let entry = union
                    .entry(s.channel.to_lowercase())
                    .or_insert_with(|| Some(Default::default()));
                match (entry.as_mut(), s.event_codes.is_empty()) {
                    (Some(_), true) => *entry = None,
                    (Some(codes), false) => codes.extend(&s.event_codes),
                    (None, _) => {}
                }
            }
        }
        if any_channel {
            for channel in self.index.stats()?.by_channel.keys() {
                union.insert(channel.to_lowercase(), None);
            }
        }
        let sources: Vec<(String, Vec<u32>)> = union
            .into_iter()
            .map(|(c, codes)| {
                (
                    c,
                    codes.map(|s| s.into_iter().collect()).unwrap_or_default(),
                )
            })
            .collect();
        let set = analytics::MatchSet::new(qs.iter().copied());
        let mut matched: Vec<Vec<Event>> = vec![Vec::new(); qs.len()];
        let mut hits = Vec::new();
        self.index.select(&sources, range, &mut |e| {
            set.matching(&e, &mut hits);
            if let Some((&last, rest)) = hits.split_last() {
                for &i in rest {
                    matched[i].push(e.clone());
                }
                matched[last].push(e);
            }
        })?;
        Ok(matched)
    }

    /// Ingest files into this workbench's index, tagged for its saved queries (see
    /// `pipeline::ingest` for the callbacks).
    pub fn ingest(
        &self,
        paths: Vec<PathBuf>,
        opts: &IngestOptions,
        on_progress: &mut dyn FnMut(&Progress),
        on_live: &mut dyn FnMut(&[HuntResult]),
    ) -> Result<IngestSummary> {
        Ok(pipeline::ingest(
            &*self.index,
            &self.queries,
            paths,
            opts,
            on_progress,
            on_live,
        )?)
    }

    /// Ad-hoc search in the `huntbench search` language: the true total and up to `limit`
    /// events, newest first.
    pub fn search(&self, query: &str, range: TimeRange, limit: usize) -> Result<SearchHits> {
        Ok(crate::store::search(
            &*self.index,
            query,
            range,
            limit,
            None,
        )?)
    }

    /// Events by uid, in the given order.
    pub fn events(&self, uids: &[u64]) -> Result<Vec<Event>> {
        Ok(self.index.get(uids)?)
    }

    /// The whole text an analyst reads for an event: a split script block joined from all its
    /// parts in the index (with a note saying which parts), a command line with its decoded
    /// `-EncodedCommand`, or the raw EventData of any other event.
    pub fn full_text(&self, e: &Event) -> Result<(String, Option<String>)> {
        if let (Some(total), Some(id)) = (e.message_total, e.script_block_id.as_deref())
            && total > 1
        {
            let query = format!("script_block_id:\"{}\"", id.replace('"', ""));
            let same_block = |x: &Event| {
                x.computer.eq_ignore_ascii_case(&e.computer)
                    && x.channel.eq_ignore_ascii_case(&e.channel)
            };
            let hits = crate::store::search(
                &*self.index,
                &query,
                TimeRange::ALL,
                10_000,
                Some(&same_block),
            )?;
            let parts: Vec<&Event> = hits.events.iter().collect();
            let blocks = crate::extended::reassemble(&parts);
            if let Some(b) = blocks.first() {
                let info = if b.missing.is_empty() {
                    format!("reassembled from {} parts, complete", b.total)
                } else {
                    let missing: Vec<String> = b.missing.iter().map(u32::to_string).collect();
                    format!(
                        "reassembled from {} of {} parts, INCOMPLETE: missing part {}",
                        b.parts.len(),
                        b.total,
                        missing.join(", ")
                    )
                };
                return Ok((b.text.clone(), Some(info)));
            }
        }
        if let Some(text) = e.script_block_text.as_deref() {
            return Ok((text.to_string(), None));
        }
        if let Some(cmd) = e.process.as_deref() {
            let mut text = cmd.to_string();
            if let Some(decoded) = e.decoded_command.as_deref() {
                text += "\n\n--- decoded -EncodedCommand ---\n";
                text += decoded;
            }
            return Ok((text, None));
        }
        let text = e
            .data
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n");
        Ok((text, None))
    }

    /// Are the extended layer's ingest-time tags current for everything in the index?
    fn extended_tags_current(&self) -> bool {
        self.tags_current(EXTENDED_TAGS_KEY, EXTENDED_TAGS_VERSION)
    }

    /// Does every commit of the index record this version of these tags?
    fn tags_current(&self, key: &str, version: &str) -> bool {
        self.index.tag_fingerprints().get(key).map(String::as_str) == Some(version)
    }

    /// Events carrying an extended tag; an exact scan when the tags are stale.
    fn extended_events(
        &self,
        tag: &str,
        range: TimeRange,
        sources: &[(String, Vec<u32>)],
        keep: &dyn Fn(&Event) -> bool,
    ) -> Result<Vec<Event>> {
        self.tagged_or_scan(self.extended_tags_current(), tag, range, sources, keep)
    }

    /// Events carrying `tag` when `current`, else an exact scan of `sources` kept by `keep`.
    fn tagged_or_scan(
        &self,
        current: bool,
        tag: &str,
        range: TimeRange,
        sources: &[(String, Vec<u32>)],
        keep: &dyn Fn(&Event) -> bool,
    ) -> Result<Vec<Event>> {
        if self.index.num_events() == 0 {
            return Ok(Vec::new());
        }
        if current {
            return Ok(self.index.tagged(tag, range)?);
        }
        let mut out = Vec::new();
        self.index.select(sources, range, &mut |e| {
            if keep(&e) {
                out.push(e);
            }
        })?;
        Ok(out)
    }

    /// SID → account names learned from the Security events in the index.
    pub fn sid_names(&self) -> Result<SidNames> {
        let sources = [(
            crate::event::CHANNEL_SECURITY.to_string(),
            extended::sids::PAIR_EVENTS.to_vec(),
        )];
        let events = self.extended_events(SID_NAME_TAG, TimeRange::ALL, &sources, &|_| true)?;
        let refs: Vec<&Event> = events.iter().collect();
        Ok(SidNames::from_events(&refs))
    }

    /// The extended hunt: reassembled and decoded text, evasion-aware detection.
    pub fn extended_hunt(&self, range: TimeRange) -> Result<ExtendedResult> {
        let q = self
            .queries
            .iter()
            .find(|q| q.kind == QueryKind::Extended)
            .context("the extended analytic is not loaded")?;
        let sources = crate::store::sources_of(q);
        let mut events = self.extended_events(
            EXTENDED_CANDIDATE_TAG,
            range,
            &sources,
            &extended::is_candidate,
        )?;
        // One memo for both passes: the caller search analyzes the same blocks the hunt does.
        let mut memo = extended::Memo::default();
        events.extend(self.deferred_callers(&events, range, &mut memo)?);
        let refs: Vec<&Event> = events.iter().collect();
        Ok(extended::hunt_with(&refs, &self.sid_names()?, &mut memo))
    }

    /// Script blocks that call a function whose body remotes but which its own block never
    /// calls (interactive sessions log `function go { icm -cn x {..} }` and `go` as two
    /// blocks). The caller names no trigger, so it is no candidate: find it by the name.
    fn deferred_callers(
        &self,
        candidates: &[Event],
        range: TimeRange,
        memo: &mut extended::Memo,
    ) -> Result<Vec<Event>> {
        let scripts: Vec<&Event> = candidates.iter().filter(|e| e.is_script_block()).collect();
        let mut names = std::collections::BTreeSet::new();
        for block in extended::reassemble(&scripts) {
            for (fns, _) in memo.analyze(&block.text).dormant {
                names.extend(fns);
            }
        }
        if names.is_empty() {
            return Ok(Vec::new()); // the usual case: nothing dormant to trigger
        }
        let have: std::collections::HashSet<u64> = candidates.iter().map(Event::uid).collect();
        let mut out = Vec::new();
        for name in names {
            let clean: String = name.chars().filter(|c| *c != '"' && *c != '\\').collect();
            if clean.is_empty() {
                continue;
            }
            let query = format!("script_block_text:\"{clean}\"");
            let mentions = |e: &Event| {
                e.script_block_text
                    .as_deref()
                    .is_some_and(|t| t.to_lowercase().contains(&clean))
            };
            // Every mention: a cap here would drop callers without a word.
            let hits = match crate::store::search(
                &*self.index,
                &query,
                range,
                usize::MAX,
                Some(&mentions),
            ) {
                Ok(h) => h,
                // A name the query parser cannot take is skipped, not fatal to the hunt.
                Err(crate::index::IndexError::BadQuery(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            out.extend(hits.events.into_iter().filter(|e| !have.contains(&e.uid())));
        }
        let mut keyed: Vec<(u64, Event)> = out.into_iter().map(|e| (e.uid(), e)).collect();
        keyed.sort_by_key(|(u, _)| *u);
        keyed.dedup_by_key(|(u, _)| *u);
        Ok(keyed.into_iter().map(|(_, e)| e).collect())
    }

    /// What the index says about host names: every computer that logged, and the address →
    /// name pairs of the events tagged for it (an exact scan when those tags are stale).
    pub fn host_map(&self) -> Result<HostMap> {
        let mut hosts = HostMap::new();
        if self.index.num_events() == 0 {
            return Ok(hosts);
        }
        for computer in self.index.stats()?.hosts.keys() {
            hosts.learn_name(computer);
        }
        self.learn_addresses(&mut hosts)?;
        Ok(hosts)
    }

    /// Teach `hosts` the address → name pairs of the events tagged for them (an exact scan
    /// when those tags are stale).
    fn learn_addresses(&self, hosts: &mut HostMap) -> Result<()> {
        let sources = [
            (crate::event::CHANNEL_SECURITY.to_string(), vec![4624]),
            (crate::event::CHANNEL_SYSMON.to_string(), vec![3, 22]),
            (
                extended::addresses::CHANNEL_DNS_CLIENT.to_string(),
                vec![3008, 3020],
            ),
        ];
        let current = self.tags_current(HOST_TAGS_KEY, HOST_TAGS_VERSION);
        let events =
            self.tagged_or_scan(current, HOST_ADDRESS_TAG, TimeRange::ALL, &sources, &|e| {
                !extended::addresses::address_pairs(e).is_empty()
            })?;
        for e in &events {
            hosts.learn_event(e);
        }
        Ok(())
    }

    /// Source → target edges joined from both ends: the extended rows (source side) and the
    /// inbound sessions (target side), hosts as [`HostMap`] nodes.
    pub fn edges(&self, range: TimeRange) -> Result<EdgeReport> {
        let result = self.extended_hunt(range)?;
        let inbound = self.inbound_hunt(range)?;
        Ok(extended::edges(&result.rows, &inbound, &self.host_map()?))
    }

    /// The extended analytic as a HuntResult, so lists, exclusions and the TUI treat it like
    /// the parity ones. Its key follows the saved query's by-list (the engine's row fields).
    fn extended_result(&self, q: &SavedQuery, range: TimeRange) -> Result<HuntResult> {
        let result = self.extended_hunt(range)?;
        let groups = result
            .rows
            .iter()
            .map(|r| {
                engine_group(
                    q,
                    |f| extended_cell(r, f),
                    (r.count, r.first, r.last),
                    &r.events,
                )
            })
            .collect();
        let dropped = result
            .dropped
            .iter()
            .map(|(uid, reason)| analytics::Dropped {
                uid: *uid,
                reason: reason.clone(),
            })
            .collect();
        Ok(HuntResult {
            query: q.clone(),
            groups,
            dropped,
            suppressed: BTreeMap::new(),
        })
    }

    /// Every event on a host (any spelling the index has) and/or by a user within the
    /// request's window, one summarized line each, in time order. Asks the index for the
    /// window and the host's spellings only; at most `request.cap` lines (the newest).
    pub fn timeline(&self, request: crate::timeline::TimelineRequest) -> Result<Timeline> {
        use crate::analytics::search::{Clause, SearchExpr};
        use crate::timeline::{TimelineError, account_matches, event_accounts};
        if request.host.is_none() && request.user.is_none() {
            return Err(TimelineError::NoSubject.into());
        }
        let mut spellings = Vec::new();
        let expr = match request.host.as_deref() {
            None => SearchExpr::All,
            Some(host) => {
                let stats = self.index.stats()?;
                let known = || stats.hosts.keys().map(String::as_str);
                spellings = crate::timeline::host_spellings(host, known());
                if spellings.is_empty() {
                    return Err(TimelineError::UnknownHost {
                        host: host.to_string(),
                        near: crate::timeline::near_spellings(host, known()),
                    }
                    .into());
                }
                SearchExpr::Or(
                    spellings
                        .iter()
                        .map(|s| {
                            SearchExpr::Clause(Clause::Match {
                                field: Some("computer".into()),
                                value: s.clone(),
                            })
                        })
                        .collect(),
                )
            }
        };
        let names = self.sid_names()?;
        // A SID asked for also finds the events that name its account (a process's user).
        let mut wants: Vec<String> = request.user.iter().cloned().collect();
        if let Some((name, _)) = request.user.as_deref().and_then(|u| names.resolve(u)) {
            wants.push(name.to_string());
        }
        let by_user = |e: &Event| {
            event_accounts(e, &names)
                .iter()
                .any(|have| wants.iter().any(|want| account_matches(want, have)))
        };
        let verify: Option<&dyn Fn(&Event) -> bool> = match request.user {
            Some(_) => Some(&by_user),
            None => None,
        };
        let hits = self
            .index
            .search_expr(&expr, request.range(), request.cap, verify)?;
        Ok(Timeline::build(
            request,
            spellings,
            hits.events,
            hits.total,
            &names,
        ))
    }
}

/// The Group of one row an analytic's own engine found (extended, inbound): keyed by the
/// saved query's by-list, so lists, exclusions and the TUI treat it like a parity row.
fn engine_group(
    q: &SavedQuery,
    cell: impl Fn(&str) -> String,
    (count, first, last): (u64, i64, i64),
    events: &[u64],
) -> analytics::Group {
    analytics::Group {
        analytic: q.id.clone(),
        key: q.by.iter().map(|f| cell(f)).collect(),
        count,
        first,
        last,
        events: events.to_vec(),
        suppressed_by: Vec::new(),
    }
}

/// The exclusions file of the (existing) index at `dir`. The default index first adopts the
/// file earlier versions kept in the data directory: moved once, not read as a fallback, so
/// the two can never disagree and no other index ever sees it.
pub fn exclusions_of(dir: &Path) -> Result<PathBuf> {
    let path = paths::exclusions_file(dir);
    let legacy = paths::legacy_exclusions_file();
    if path.exists() || !legacy.is_file() || !same_dir(dir, &paths::default_index_dir()) {
        return Ok(path);
    }
    let moved = std::fs::rename(&legacy, &path).or_else(|_| {
        // Another file system (a mounted index): copy, then drop the old one.
        std::fs::copy(&legacy, &path).and_then(|_| std::fs::remove_file(&legacy))
    });
    moved.with_context(|| {
        format!(
            "moving the exclusions {} into the index as {}",
            legacy.display(),
            path.display()
        )
    })?;
    Ok(path)
}

/// Do two paths name the same existing directory (whatever their spelling)?
fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// One by-field of an extended row, as text; empty when absent (an empty value is missing,
/// SEMANTICS.md §3: JSON shows it as `null`, tables as an empty cell). Not tstats' `"null"`
/// string: this analytic is huntbench's own, so it has no Splunk output to match.
fn extended_cell(r: &extended::ExtendedRow, field: &str) -> String {
    match field {
        "technique" => r.technique.clone(),
        "log" => r.log.clone(),
        "escu" => r.escu.to_string(),
        "Computer" => r.computer.clone(),
        "user" => r.user.clone().unwrap_or_default(),
        "user_source" => r.user_source.clone().unwrap_or_default(),
        "user_id" => r.user_id.clone().unwrap_or_default(),
        "targets" => r.targets.join(", "),
        "text" => r.text.clone(),
        _ => String::new(),
    }
}
