//! The ingest pipeline: readers (which also decode `-EncodedCommand`) → tag → one index writer,
//! with a first answer before indexing.
//!
//! Parsing runs on the ingest module's worker threads; this thread only dedups, evaluates the
//! saved queries on each event (cheap substring tests, stored as tags so hunts are one term
//! lookup) and hands documents to the single tantivy writer, whose own threads do the expensive
//! indexing. Before indexing, a prefiltered one-pass scan of the same files gives the analyst the
//! analytics' rows in about a second: indexing is twenty times slower than that scan.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use crate::analytics::{self, HuntResult, MatchSet, SavedQuery};
use crate::event::Event;
use crate::extended;
use crate::index::IndexError;
use crate::ingest::{self, Batch, IngestError};
use crate::store::Store;
use crate::time::TimeRange;

mod outcome;
mod uid_set;

pub use outcome::{Outcome, ReadReport, Tally};

/// Tag on events the extended analytic must look at (its cheap superset prefilter).
pub const EXTENDED_CANDIDATE_TAG: &str = "x:candidate";
/// Tag on the earliest Security event (so far, in an ingest) that pairs a SID with an
/// account name.
pub const SID_NAME_TAG: &str = "x:sid";
/// Tag on the inbound analytic's evidence (see `extended::inbound::classify`) other than
/// logons: sessions open from these.
pub const INBOUND_TAG: &str = "x:inbound";
/// Tag on the first event of an ingest stating each address → host-name pair (4624, Sysmon
/// 3 and 22, DNS client 3008/3020): what `edges` learns addresses from.
pub const HOST_ADDRESS_TAG: &str = "x:host";
/// Fingerprint key and version of [`HOST_ADDRESS_TAG`] (its own key, so adding it left the
/// other extended tags of existing indexes current).
pub const HOST_TAGS_KEY: &str = "x:hosts";
pub const HOST_TAGS_VERSION: &str = "1";
/// Fingerprint key and version of the extended layer's tags; bump when what they mark changes.
pub const EXTENDED_TAGS_KEY: &str = "x:extended";
/// 5: the SID-name tag marks the earliest pairing event, not the first one read.
pub const EXTENDED_TAGS_VERSION: &str = "5";

/// Tag on one host's network logons and 4672s: a session looks up only its host's, in its
/// minutes (a domain controller logs them by the million).
pub fn logon_tag(computer: &str) -> String {
    format!("x:logon:{}", computer.to_lowercase())
}

/// Tag on the PowerShell/Operational events one process of one host wrote: a plugin host's
/// script blocks are found by its process id, without reading every other 4104.
pub fn host_written_tag(computer: &str, pid: u32) -> String {
    format!("x:psw:{}|{pid}", computer.to_lowercase())
}

/// Knobs of one ingest run.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Parser threads.
    pub threads: usize,
    /// Commit after this many new events, so a killed ingest keeps most of its work.
    pub commit_every: u64,
    /// Do the extended layer's ingest work (candidate, SID-name and wsmprovhost tags). Off
    /// only to measure what it costs; hunts then fall back to exact scans.
    pub extended: bool,
    /// Answer the parity analytics from a one-pass scan before indexing (`on_live`).
    pub live: bool,
    /// Largest record held in memory and nested document spooled to disk; the first-answer
    /// scan reads under the same limits as the indexing pass.
    pub limits: ingest::Limits,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            commit_every: 250_000,
            extended: true,
            live: true,
            limits: ingest::Limits::default(),
        }
    }
}

/// Live progress, reported after every batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub events_read: u64,
    pub indexed: u64,
    pub bytes: u64,
    pub total_bytes: u64,
    pub files_done: u64,
    pub files: u64,
}

/// What an ingest did; `--format json` prints it as is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub files: u64,
    pub bytes: u64,
    pub events_read: u64,
    pub indexed: u64,
    pub duplicates: u64,
    /// Records rejected inside inputs that gave events.
    pub rejected: u64,
    /// Inputs from which no event could be read (not recognized, empty, missing).
    pub unreadable: Vec<String>,
    /// Every problem, file and position first (see [`ReadReport::errors`]).
    pub errors: Vec<IngestError>,
    /// What the exit status says: complete, records_rejected or input_unreadable.
    pub outcome: Outcome,
    pub seconds: f64,
    pub events_per_second: f64,
    /// Peak resident memory of this process (VmHWM), when the platform tells it.
    pub peak_rss_bytes: Option<u64>,
    /// CPU time (user + system, all threads) this process used up to the end of the ingest,
    /// when the platform tells it. Steadier than wall time on a busy machine.
    pub cpu_seconds: Option<f64>,
}

/// Numbers records that have no record id and identical content within one file (see
/// `Event::occurrence`), so their identities differ. Identical records are interchangeable,
/// so the order in which parallel readers deliver them does not change the set of identities.
/// Keyed by a hash of the file name, not the name: one entry per id-less record of a run, so
/// a 2 M-element array of them must not cost 2 M strings.
#[derive(Default)]
pub struct Occurrences {
    seen: HashMap<(u64, u64), u32>,
}

impl Occurrences {
    /// Set `event.occurrence` when it lacks a record id.
    pub fn number(&mut self, event: &mut Event) {
        if event.record_id.is_some() {
            return;
        }
        event.occurrence = 0;
        let file = event
            .source
            .rsplit_once(':')
            .map_or(event.source.as_str(), |(f, _)| f);
        let file = xxhash_rust::xxh3::xxh3_64(file.as_bytes());
        let n = self.seen.entry((file, event.uid())).or_insert(0);
        event.occurrence = *n;
        *n += 1;
    }
}

/// Compiled saved queries with their index tags.
pub struct Tagger {
    /// The matched queries (ESCU parity and Sigma) and their tags, in the same order.
    queries: Vec<(SavedQuery, String)>,
    set: MatchSet,
    /// Scratch for the positions one event matches.
    hits: Vec<usize>,
    /// SID/name pairs already tagged in this run: one event per pair is enough.
    /// Per SID/name pairing: the (time, record id) and uid of its earliest event so far.
    sid_pairs: HashMap<u64, ((i64, Option<u64>), u64)>,
    /// Address/name pairs already tagged in this run, likewise.
    host_pairs: HashSet<u64>,
    extended: bool,
    /// Candidate decisions by text hash: a repeated text is decided without scanning it again.
    decisions: HashMap<u64, bool>,
}

impl Tagger {
    /// Compile the saved queries (extended ones are tagged by their prefilter instead).
    pub fn new(queries: &[SavedQuery]) -> Self {
        Self::with_extended(queries, true)
    }

    /// As `new`; `extended: false` skips the extended layer's tags.
    pub fn with_extended(queries: &[SavedQuery], extended: bool) -> Self {
        let matched: Vec<(SavedQuery, String)> = queries
            .iter()
            .filter(|q| q.kind.is_matched())
            .map(|q| (q.clone(), analytics::tag(q)))
            .collect();
        Tagger {
            set: MatchSet::new(matched.iter().map(|(q, _)| q)),
            queries: matched,
            hits: Vec::new(),
            sid_pairs: HashMap::new(),
            host_pairs: HashSet::new(),
            extended,
            decisions: HashMap::new(),
        }
    }

    /// Indexes of the matched queries (parity and Sigma) this event matches.
    pub fn parity_matches(&self, event: &Event, out: &mut Vec<usize>) {
        self.set.matching(event, out);
    }

    /// The index tags of one event: matched parity queries and the extended layer's marks.
    pub fn tags(&mut self, event: &Event) -> Vec<String> {
        self.set.matching(event, &mut self.hits);
        let mut tags: Vec<String> = self
            .hits
            .iter()
            .map(|&i| self.queries[i].1.clone())
            .collect();
        if !self.extended {
            return tags;
        }
        if self.extended_candidate(event) {
            tags.push(EXTENDED_CANDIDATE_TAG.to_string());
        }
        if extended::inbound::is_host_written(event) {
            if let Some(pid) = extended::inbound::writer(event) {
                tags.push(host_written_tag(&event.computer, pid));
            }
        } else {
            match extended::inbound::classify(event) {
                Some(extended::Evidence::NetworkLogon | extended::Evidence::AdminLogon) => {
                    tags.push(logon_tag(&event.computer))
                }
                Some(_) => tags.push(INBOUND_TAG.to_string()),
                None => {}
            }
        }
        if event
            .channel
            .eq_ignore_ascii_case(crate::event::CHANNEL_SECURITY)
            && extended::sids::PAIR_EVENTS.contains(&event.event_code)
        {
            // Hash the six name fields in place: this runs on every logon and logoff event.
            // Each side's fields sit together in the sorted map: one seek and a short walk
            // instead of six lookups.
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for side in ["Subject", "Target"] {
                let mut fields = [""; 3];
                let from = (std::ops::Bound::Included(side), std::ops::Bound::Unbounded);
                for (k, v) in event.data.range::<str, _>(from) {
                    let Some(rest) = k.strip_prefix(side) else {
                        break;
                    };
                    match rest {
                        "UserSid" => fields[0] = v,
                        "DomainName" => fields[1] = v,
                        "UserName" => fields[2] = v,
                        _ => {}
                    }
                }
                for f in fields {
                    h.update(f.as_bytes());
                    h.update(b"|");
                }
            }
            // Tag each event that is the earliest of its pairing so far: whatever order the
            // readers deliver events in, the earliest of all carries the tag, and it is the
            // one `SidNames` names as the source (the same answer from every ingest).
            let key = (event.time, event.record_id);
            let earliest = match self.sid_pairs.entry(h.digest()) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert((key, event.uid()));
                    true
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let (have, have_uid) = *o.get();
                    let uid = || event.uid();
                    let earlier = key < have || (key == have && uid() < have_uid);
                    if earlier {
                        o.insert((key, uid()));
                    }
                    earlier
                }
            };
            if earliest {
                tags.push(SID_NAME_TAG.to_string());
            }
        }
        if extended::addresses::names_addresses(event) {
            let mut new = false;
            for (ip, name) in extended::addresses::address_pairs(event) {
                let pair = format!("{ip}|{}", name.to_lowercase());
                new |= self
                    .host_pairs
                    .insert(xxhash_rust::xxh3::xxh3_64(pair.as_bytes()));
            }
            if new {
                tags.push(HOST_ADDRESS_TAG.to_string());
            }
        }
        tags
    }

    /// Is this event a candidate the extended hunt must read? Both tests depend only on the
    /// event's text (and whether it is one part of a split block), so the answer is kept per
    /// text: automation and noise repeat the same scripts and command lines.
    fn extended_candidate(&mut self, e: &Event) -> bool {
        let log = extended::pslogs::log_text(e);
        let (text, salt) = if e.is_script_block() {
            if e.is_split_part() {
                return true;
            }
            (e.script_block_text.as_deref(), 0x5b)
        } else if e.is_process_creation() {
            (e.process.as_deref(), 0x9c)
        } else if let Some(t) = &log {
            // 4103 / 800 / 400 / 403 / 600: decided by the text the hunt reads.
            let salt = match t.form {
                extended::pslogs::Form::Bindings => 0x4c,
                extended::pslogs::Form::HostApplication => 0x4e,
            };
            (Some(t.text.as_ref()), salt)
        } else {
            return false;
        };
        let Some(text) = text else {
            return extended::is_candidate(e);
        };
        let key = xxhash_rust::xxh3::xxh3_64_with_seed(text.as_bytes(), salt);
        if let Some(&d) = self.decisions.get(&key) {
            return d;
        }
        // The prefilter passes many scripts that merely mention a remoting command (a local
        // `Invoke-Command {…}`); analyzing the text once here keeps the hunt to the blocks
        // that remote, define a remoting function or hold a session.
        let d = extended::is_candidate(e) && extended::is_relevant_event(e);
        if self.decisions.len() >= 200_000 {
            self.decisions.clear();
        }
        self.decisions.insert(key, d);
        d
    }

    /// The fingerprints a commit records, so hunts know the tags are current.
    pub fn fingerprints(&self) -> BTreeMap<String, String> {
        let mut fps: BTreeMap<String, String> = self
            .queries
            .iter()
            .map(|(q, _)| (q.id.clone(), analytics::fingerprint(q)))
            .collect();
        if self.extended {
            fps.insert(
                EXTENDED_TAGS_KEY.to_string(),
                EXTENDED_TAGS_VERSION.to_string(),
            );
            fps.insert(HOST_TAGS_KEY.to_string(), HOST_TAGS_VERSION.to_string());
        }
        fps
    }

    /// Group the matched events of each parity query (the live answer).
    pub fn live_results(&self, matched: &[Vec<Event>]) -> Vec<HuntResult> {
        self.queries
            .iter()
            .zip(matched)
            .map(|((q, _), events)| {
                let refs: Vec<&Event> = events.iter().collect();
                analytics::result_of(q, &refs)
            })
            .collect()
    }
}

/// Read `paths` into `index`. With `opts.live`, `on_live` first gets the parity rows of these
/// files from a one-pass scan (the same rows the index will give); `on_progress` then sees every
/// batch of the indexing pass.
pub fn ingest(
    index: &dyn Store,
    queries: &[SavedQuery],
    paths: Vec<PathBuf>,
    opts: &IngestOptions,
    on_progress: &mut dyn FnMut(&Progress),
    on_live: &mut dyn FnMut(&[HuntResult]),
) -> Result<IngestSummary, IndexError> {
    let started = Instant::now();
    let mut writer = index.writer()?;
    if opts.live {
        // Its errors are the indexing pass's too, and reported there. Only the ESCU
        // analytics: their literals let the scan skip most records unparsed, while Sigma
        // rules would make it parse every record twice (their rows come from the index).
        let parity: Vec<SavedQuery> = queries
            .iter()
            .filter(|q| q.kind == analytics::QueryKind::Parity)
            .cloned()
            .collect();
        let (results, _) = hunt_files(&parity, paths.clone(), TimeRange::ALL, opts);
        on_live(&results);
    }
    let mut known = uid_set::UidSet::new(index.known_uids()?);
    let mut tagger = Tagger::with_extended(queries, opts.extended);
    let mut fingerprints = tagger.fingerprints();
    // The index merges a key it has never seen as current, but events committed before this
    // version tagged addresses carry no address tag: such an index reads them by scan.
    if fingerprints.contains_key(HOST_TAGS_KEY)
        && index.num_events() > 0
        && !index.tag_fingerprints().contains_key(HOST_TAGS_KEY)
    {
        fingerprints.insert(HOST_TAGS_KEY.to_string(), crate::index::MIXED.to_string());
    }
    let mut tally = Tally::with_inputs(&paths);
    let readers =
        ingest::spawn_filtered(paths, opts.threads.max(1), ingest::keep_all(), opts.limits);

    let mut summary = IngestSummary {
        files: readers.files as u64,
        ..Default::default()
    };
    let mut progress = Progress {
        total_bytes: readers.total_bytes,
        files: readers.files as u64,
        ..Default::default()
    };
    let mut since_commit = 0u64;
    let mut occurrences = Occurrences::default();

    for batch in readers.rx {
        match batch {
            Batch::Events(events) => {
                for mut event in events {
                    summary.events_read += 1;
                    occurrences.number(&mut event);
                    let uid = event.uid();
                    let tags = tagger.tags(&event);
                    if !known.insert(uid) {
                        summary.duplicates += 1;
                        continue;
                    }
                    writer.add(&event, &tags)?;
                    summary.indexed += 1;
                    since_commit += 1;
                }
                if since_commit >= opts.commit_every {
                    writer.commit(&fingerprints)?;
                    since_commit = 0;
                }
            }
            Batch::Error(e) => tally.error(e),
            Batch::Progress { bytes } => {
                progress.bytes += bytes;
            }
            Batch::FileDone {
                file,
                events,
                skipped,
            } => {
                writer.record_input(&file, events);
                summary.events_read += skipped; // never: no filter here
                tally.file_done(file, events, skipped);
                progress.files_done += 1;
            }
        }
        progress.events_read = summary.events_read;
        progress.indexed = summary.indexed;
        on_progress(&progress);
    }

    writer.commit(&fingerprints)?;
    writer.finish()?;
    index.reload()?;

    let report = tally.finish();
    summary.rejected = report.rejected;
    summary.unreadable = report.unreadable;
    summary.errors = report.errors;
    summary.outcome = report.outcome;
    summary.bytes = progress.bytes.max(readers.total_bytes);
    summary.seconds = started.elapsed().as_secs_f64();
    summary.events_per_second = summary.events_read as f64 / summary.seconds.max(1e-9);
    summary.peak_rss_bytes = peak_rss_bytes();
    summary.cpu_seconds = cpu_seconds();
    Ok(summary)
}

/// Run the parity saved queries straight over files, with no index (`hunt --input`).
/// NDJSON / XML records that cannot match any of them are skipped unparsed, and .evtx records
/// once the crate has rendered them to JSON, before that JSON is parsed and mapped (see
/// [`parity_prefilter`]); the rows are the same as without the prefilter.
pub fn hunt_files(
    queries: &[SavedQuery],
    paths: Vec<PathBuf>,
    range: TimeRange,
    opts: &IngestOptions,
) -> (Vec<HuntResult>, Vec<IngestError>) {
    let keep = parity_prefilter(queries).unwrap_or_else(ingest::keep_all);
    hunt_files_with(queries, paths, range, opts, keep)
}

/// [`hunt_files`] with an explicit raw-record prefilter (`ingest::keep_all()` for none).
pub fn hunt_files_with(
    queries: &[SavedQuery],
    paths: Vec<PathBuf>,
    range: TimeRange,
    opts: &IngestOptions,
    keep: ingest::Keep,
) -> (Vec<HuntResult>, Vec<IngestError>) {
    let (results, report) = scan_files(queries, paths, range, opts, keep);
    (results, report.errors)
}

/// [`hunt_files`], also saying which inputs gave no event and the outcome (the exit status
/// of `hunt --input`, by the same rule as `ingest`'s).
pub fn hunt_files_report(
    queries: &[SavedQuery],
    paths: Vec<PathBuf>,
    range: TimeRange,
    opts: &IngestOptions,
) -> (Vec<HuntResult>, ReadReport) {
    let keep = parity_prefilter(queries).unwrap_or_else(ingest::keep_all);
    scan_files(queries, paths, range, opts, keep)
}

fn scan_files(
    queries: &[SavedQuery],
    paths: Vec<PathBuf>,
    range: TimeRange,
    opts: &IngestOptions,
    keep: ingest::Keep,
) -> (Vec<HuntResult>, ReadReport) {
    let tagger = Tagger::new(queries);
    let mut tally = Tally::with_inputs(&paths);
    let readers = ingest::spawn_filtered(paths, opts.threads.max(1), keep, opts.limits);
    let mut live: Vec<Vec<Event>> = vec![Vec::new(); tagger.queries.len()];
    let mut seen: HashSet<u64> = HashSet::new();
    let mut matched = Vec::new();
    let mut occurrences = Occurrences::default();
    for batch in readers.rx {
        match batch {
            Batch::Events(events) => {
                for mut event in events {
                    occurrences.number(&mut event);
                    if !range.contains(event.time) {
                        continue;
                    }
                    tagger.parity_matches(&event, &mut matched);
                    if !matched.is_empty() && seen.insert(event.uid()) {
                        for &i in &matched {
                            live[i].push(event.clone());
                        }
                    }
                }
            }
            Batch::Error(e) => tally.error(e),
            Batch::FileDone {
                file,
                events,
                skipped,
            } => tally.file_done(file, events, skipped),
            Batch::Progress { .. } => {}
        }
    }
    (tagger.live_results(&live), tally.finish())
}

/// A raw-record test that keeps every record any parity query can match (a superset), or
/// None when some query yields no usable literal. One alternative per query, one needle per
/// predicate (`ingest::LiteralPrefilter` argues why a needle cannot miss). Skipped records
/// can only be ones no query matches, so the `Occurrences` numbering and uid dedup of the
/// matched events are unchanged. `decoded_command` is left out: it is base64-decoded, not a
/// rendering of the record's text.
pub fn parity_prefilter(queries: &[SavedQuery]) -> Option<ingest::Keep> {
    // A Sigma rule's detection is not a list of literals every match contains.
    if queries
        .iter()
        .any(|q| q.kind == analytics::QueryKind::Sigma)
    {
        return None;
    }
    let alternatives: Vec<Vec<String>> = queries
        .iter()
        .filter(|q| q.kind == analytics::QueryKind::Parity)
        .map(|q| {
            q.predicates
                .iter()
                .filter(|p| !p.field.eq_ignore_ascii_case("decoded_command"))
                .map(|p| p.pattern.clone())
                .collect()
        })
        .collect();
    ingest::LiteralPrefilter::from_patterns(&alternatives).map(ingest::LiteralPrefilter::into_keep)
}

/// Peak resident set size of this process, from /proc (Linux); None elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPU time (user + system) of this whole process, all threads past and present, from
/// /proc/self/stat (Linux); None elsewhere. The kernel reports it in USER_HZ ticks, which is
/// 100 per second on every Linux architecture's user ABI.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is state; 14 and 15 follow
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) as f64 / 100.0)
}
