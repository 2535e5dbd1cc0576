//! The extended hunt: detect() over reassembled script blocks, command lines, decoded
//! `-EncodedCommand` text and PowerShell's module / pipeline / engine logs, grouped into rows
//! kept apart from the parity rows. Each row names the log it came from.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use super::command_rows::{command_line_is_relevant, log_is_relevant, log_rows, process_rows};
use super::deferred::{carried_sessions, deferred_calls, dormant_callers};
use super::prefilter::is_candidate;
use super::pslogs::log_text;
use super::reassemble::{Block, reassemble_parts};
use super::sids::SidNames;
use super::winrm::{Analysis, Detection, Target, analyze, escu_matches};
use crate::event::Event;
use crate::time::ctime;

/// One extended result row: one technique, on one host, by one user, in one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedRow {
    pub technique: String,
    /// The log the row came from: `4104 script block`, `4103 module`, `800 pipeline`,
    /// `400/403/600 HostApplication`, `Sysmon 1`, `4688`.
    pub log: String,
    /// Would ESCU have raised this in one of its rows (its two predicates match one event's
    /// own text, and its stats keep that event)? A dropped event is in `dropped` instead.
    pub escu: bool,
    pub computer: String,
    /// A script block's user SID (System/Security/@UserID); none for process rows, where
    /// that SID is the logging service's own account.
    pub user_id: Option<String>,
    /// Account name: a process's own user (Sysmon `User`, 4688's target or subject), or the
    /// name of a script block's SID.
    pub user: Option<String>,
    /// Where `user` came from: `event`, `well-known`, `Security 4624 on DC01`.
    pub user_source: Option<String>,
    /// Literal target names; unresolved expressions as `?<expr>`.
    pub targets: Vec<String>,
    /// Script blocks or process events in the row.
    pub count: u64,
    pub first: i64,
    pub last: i64,
    /// The reassembled script block, the command line, or the decoded command.
    pub text: String,
    /// uids of every event in the row (all parts of the blocks), sorted.
    pub events: Vec<u64>,
    /// ScriptBlockId of the (first) block, for script-block rows.
    pub block: Option<String>,
    /// False when a block of the row is missing parts.
    pub complete: bool,
}

/// Everything the extended hunt returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtendedResult {
    pub rows: Vec<ExtendedRow>,
    /// Candidate script blocks missing parts (detection still ran on what is present).
    pub incomplete_blocks: Vec<Block>,
    /// Events ESCU's script-block search matches and its `stats ... by EventCode
    /// ScriptBlockText Computer user_id` then drops (a by-field missing), with the reason.
    pub dropped: Vec<(u64, String)>,
}

/// Merge detections of one text by technique (two `icm` calls in one block are one row).
pub(super) fn by_technique(dets: Vec<Detection>) -> BTreeMap<String, (bool, Vec<String>)> {
    let mut out: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for d in dets {
        let slot = out.entry(d.technique).or_default();
        slot.0 |= d.escu;
        merge_unique(&mut slot.1, d.targets.iter().map(Target::display));
    }
    out
}

/// Append the values not already present, keeping first-seen order (linear, not quadratic:
/// a crafted `-cn a,b,c,...` list can hold many thousands of names).
fn merge_unique(into: &mut Vec<String>, new: impl Iterator<Item = String>) {
    let mut seen: HashSet<String> = into.iter().cloned().collect();
    for v in new {
        if seen.insert(v.clone()) {
            into.push(v);
        }
    }
}

type RowKey = (
    String,
    &'static str,
    String,
    Option<String>,
    Option<String>,
    String,
);

pub(super) struct Sink {
    rows: BTreeMap<RowKey, ExtendedRow>,
}

/// One detection to add to a row.
pub(super) struct Hit<'a> {
    pub technique: String,
    pub log: &'static str,
    pub escu: bool,
    pub targets: Vec<String>,
    pub computer: &'a str,
    pub user_id: Option<String>,
    pub user: Option<(String, String)>,
    pub text: &'a str,
    pub events: &'a [u64],
    pub first: i64,
    pub last: i64,
    pub block: Option<&'a str>,
    pub complete: bool,
}

impl Sink {
    pub(super) fn add(&mut self, h: Hit<'_>) {
        let user = h.user.as_ref().map(|u| u.0.clone());
        let key = (
            h.technique.clone(),
            h.log,
            h.computer.to_string(),
            h.user_id.clone(),
            user.clone(),
            h.text.to_string(),
        );
        let row = self.rows.entry(key).or_insert_with(|| ExtendedRow {
            technique: h.technique,
            log: h.log.to_string(),
            escu: false,
            computer: h.computer.to_string(),
            user_id: h.user_id,
            user,
            user_source: h.user.map(|u| u.1),
            targets: Vec::new(),
            count: 0,
            first: h.first,
            last: h.last,
            text: h.text.to_string(),
            events: Vec::new(),
            block: h.block.map(str::to_string),
            complete: true,
        });
        row.escu |= h.escu;
        row.count += 1;
        row.first = row.first.min(h.first);
        row.last = row.last.max(h.last);
        row.complete &= h.complete;
        row.events.extend_from_slice(h.events);
        merge_unique(&mut row.targets, h.targets.into_iter());
    }
}

/// The first by-field of the script-block analytic (`stats ... by EventCode ScriptBlockText
/// Computer user_id`) a 4104 part lacks (empty counts as missing), if any.
fn missing_by_field(e: &Event) -> Option<&'static str> {
    let empty = |v: Option<&str>| v.is_none_or(|v| v.is_empty());
    if empty(e.script_block_text.as_deref()) {
        Some("ScriptBlockText")
    } else if e.computer.is_empty() {
        Some("Computer")
    } else if empty(e.user_id.as_deref()) {
        Some("user_id")
    } else {
        None
    }
}

/// Analyses by text hash, so a text seen many times is tokenized once.
#[derive(Default)]
pub struct Memo {
    seen: HashMap<u64, Analysis>,
}

impl Memo {
    /// `analyze(text)`, computed once per distinct text.
    pub fn analyze(&mut self, text: &str) -> Analysis {
        let key = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        self.seen
            .entry(key)
            .or_insert_with(|| analyze(text))
            .clone()
    }
}

/// Could this text matter to the hunt on its own or through another block: does it run
/// remoting, define a dormant remoting function, or create or use a session? Ingest asks this
/// once per distinct text (it keeps the answers), so nothing is memoized here.
pub fn is_relevant(text: &str) -> bool {
    let a = analyze(text);
    !(a.detections.is_empty()
        && a.dormant.is_empty()
        && a.sessions.is_empty()
        && a.session_uses.is_empty())
}

/// The same question for an event: a script block's text, a process start's command line
/// (what it runs, or decodes to), a source-side 4103 / 800 command rebuilt from its bindings or
/// a 400 / 403 / 600 HostApplication. Parts of split blocks always qualify: a name may straddle
/// a part boundary. Other events never do.
pub fn is_relevant_event(e: &Event) -> bool {
    if e.is_process_creation() {
        return is_relevant_process(e);
    }
    if let Some(t) = log_text(e) {
        return log_is_relevant(&t);
    }
    if !e.is_script_block() {
        return false;
    }
    if e.is_split_part() {
        return true;
    }
    e.script_block_text.as_deref().is_some_and(is_relevant)
}

/// The same question for a process start: what its command line runs, or decodes to.
pub fn is_relevant_process(e: &Event) -> bool {
    let cmd = e.process.as_deref().unwrap_or("");
    command_line_is_relevant(cmd, e.decoded_command.as_deref())
}

/// Run the extended hunt over events (any mix; non-candidates are skipped cheaply).
///
/// Give it the candidates (see [`is_candidate`]) plus, ideally, every other 4104 of the range:
/// a block that only calls a function defined in an earlier block (`go`) is not a candidate,
/// and is looked at only when some block defines a dormant remoting function.
pub fn hunt(events: &[&Event], names: &SidNames) -> ExtendedResult {
    hunt_with(events, names, &mut Memo::default())
}

/// [`hunt`] reusing the analyses in `memo` (a caller that already analyzed these texts).
pub fn hunt_with(events: &[&Event], names: &SidNames, memo: &mut Memo) -> ExtendedResult {
    let candidates: Vec<&Event> = events.iter().copied().filter(|e| is_candidate(e)).collect();
    let scripts: Vec<&Event> = candidates
        .iter()
        .copied()
        .filter(|e| e.is_script_block())
        .collect();
    let mut sink = Sink {
        rows: BTreeMap::new(),
    };
    let mut result = ExtendedResult::default();
    let (mut blocks, part_events): (Vec<Block>, Vec<Vec<&Event>>) =
        reassemble_parts(&scripts).into_iter().unzip();
    // Admin automation repeats the same text thousands of times: analyze each text once.
    let mut analyses: Vec<Analysis> = blocks.iter().map(|b| memo.analyze(&b.text)).collect();
    let own = blocks.len();
    // A block calling a dormant function need not look like remoting (`go`): find such callers
    // among the other script blocks of the same host and user, only when there is something
    // dormant to trigger.
    let callers = dormant_callers(events, &blocks, &analyses);
    analyses.extend(callers.iter().map(|b| memo.analyze(&b.text)));
    blocks.extend(callers);
    let mut deferred: HashMap<usize, Vec<(Detection, usize)>> = HashMap::new();
    for (k, d, other) in deferred_calls(&blocks, &analyses)
        .into_iter()
        .chain(carried_sessions(&blocks, &analyses))
    {
        deferred.entry(k).or_default().push((d, other));
    }
    for (k, block) in blocks.iter().enumerate().take(own) {
        let mut dets = analyses[k].detections.clone();
        let mut callers: Vec<u64> = Vec::new();
        let (mut first, mut last) = (block.first, block.last);
        for (d, caller) in deferred.remove(&k).unwrap_or_default() {
            let mut d = d;
            d.technique.push_str("+deferred");
            dets.push(d);
            let c = &blocks[caller];
            callers.extend(&c.parts);
            first = first.min(c.first);
            last = last.max(c.last);
        }
        let found = by_technique(dets);
        if !block.is_complete() {
            result.incomplete_blocks.push(block.clone());
        }
        if found.is_empty() {
            continue;
        }
        // Parity tests each part on its own, then its stats drop a part that lacks a by-field:
        // escu only if one part alone matches and is kept; a matching part that is dropped is
        // listed as such, never also counted as raised.
        let mut escu = false;
        for e in &part_events[k] {
            if !e.script_block_text.as_deref().is_some_and(escu_matches) {
                continue;
            }
            match missing_by_field(e) {
                Some(field) => result.dropped.push((
                    e.uid(),
                    format!("no {field}: Splunk's stats by {field} drops it"),
                )),
                None => escu = true,
            }
        }
        let user = block.user_id.as_deref().and_then(|sid| {
            names
                .resolve(sid)
                .map(|(n, s)| (n.to_string(), s.to_string()))
        });
        for (technique, (_, targets)) in found {
            let deferred = technique.ends_with("+deferred");
            let mut events = block.parts.clone();
            if deferred {
                events.extend(&callers);
            }
            sink.add(Hit {
                technique,
                log: "4104 script block",
                escu: escu && !deferred,
                targets,
                computer: &block.computer,
                user_id: block.user_id.clone(),
                user: user.clone(),
                text: &block.text,
                events: &events,
                first: if deferred { first } else { block.first },
                last: if deferred { last } else { block.last },
                block: Some(&block.script_block_id),
                complete: block.is_complete(),
            });
        }
    }
    process_rows(&candidates, memo, &mut sink);
    log_rows(&candidates, names, memo, &mut sink);
    result.rows = sink.rows.into_values().collect();
    for row in &mut result.rows {
        row.events.sort_unstable();
        row.events.dedup();
    }
    result.dropped.sort();
    result.dropped.dedup();
    result
}

/// A row as JSON: technique, log, escu, Computer, user, user_id, targets, count, firstTime, lastTime
/// (ctime strings in `tz`, UTC by default), text, plus ScriptBlockId and complete.
pub fn row_json(row: &ExtendedRow, tz: Option<Tz>) -> serde_json::Value {
    serde_json::json!({
        "technique": row.technique,
        "log": row.log,
        "escu": row.escu,
        "Computer": row.computer,
        "user": row.user,
        "user_id": row.user_id,
        "targets": row.targets,
        "count": row.count,
        "firstTime": ctime(row.first, tz),
        "lastTime": ctime(row.last, tz),
        "text": row.text,
        "ScriptBlockId": row.block,
        "complete": row.complete,
    })
}

impl Serialize for ExtendedRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        row_json(self, None).serialize(s)
    }
}
