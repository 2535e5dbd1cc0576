//! A small in-memory [`Backend`] with fixed events, for the TUI tests (it lived in `src/` until
//! 2026-12-04; the render bench now uses the built-in analytics). Its hunt is a plain re-implementation (contains both literals, group by the by-fields,
//! apply exclusions), not the real analytics.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use huntbench::analytics::model::{
    Dropped, Exclusion, ExclusionOp, Group, HuntResult, MissingPolicy, QueryKind, SavedQuery,
    Selection, Suppression,
};
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SYSMON, Event};
use huntbench::index::SearchHits;
use huntbench::time::{TimeRange, parse_timestamp};
use huntbench::tui::backend::{Backend, BackendStatus, FullText, IngestProgress};

/// In-memory events and exclusions.
pub struct FakeBackend {
    pub events: Vec<Event>,
    pub exclusions: Mutex<Vec<Exclusion>>,
    /// The last add (`None` position) or delete (its position), for undo.
    pub last_change: Mutex<Option<(Exclusion, Option<usize>)>>,
    /// The highest id number handed out (an undone add's id is not handed out again).
    pub issued: Mutex<u64>,
    /// Target-side events (wsmprovhost children): found by uid and by edges, never hunted,
    /// searched or counted.
    pub target_side: Vec<Event>,
    /// What `sid_names` answers (empty by default, so SIDs show bare).
    pub sid_names: Vec<(String, String, String)>,
    /// At most this many events in a search answer (its total still counts them all), as the
    /// real backend caps its lists.
    pub search_cap: usize,
    /// The time span `status` reports (`None` by default, as an index the TUI has not asked
    /// yet; [`FakeBackend::with_data_span`] sets it from the events).
    pub span: Option<(i64, i64)>,
    /// Triage marks, kept in memory like the real store keeps them on disk (same ids).
    pub marks: Mutex<Vec<huntbench::triage::Mark>>,
}

fn q(
    (id, label): (&str, &str),
    name: &str,
    kind: QueryKind,
    by: &[&str],
    missing: MissingPolicy,
) -> SavedQuery {
    let by: Vec<String> = by.iter().map(|s| s.to_string()).collect();
    let mut columns = by.clone();
    columns.extend(["count", "firstTime", "lastTime"].map(String::from));
    SavedQuery {
        id: id.into(),
        name: name.into(),
        label: Some(label.into()),
        escu_id: None,
        description: String::new(),
        mitre: vec!["T1021.006".into()],
        risk: None,
        kind,
        selection: Selection::default(),
        predicates: vec![],
        by,
        columns,
        missing,
        identity: Vec::new(),
        sigma: None,
    }
}

/// The saved queries the fake hunts with (by-clauses as the ESCU analytics).
pub fn queries() -> Vec<SavedQuery> {
    vec![
        q(
            ("powershell_invoke_command_remote", "ESCU 4104 script block"),
            "PowerShell Invoke-Command -ComputerName (4104)",
            QueryKind::Parity,
            &["EventCode", "ScriptBlockText", "Computer", "user_id"],
            MissingPolicy::Drop,
        ),
        q(
            (
                "remote_process_instantiation_via_winrm_and_powershell",
                "ESCU process creation",
            ),
            "Remote Process Instantiation via WinRM and PowerShell",
            QueryKind::Parity,
            &[
                "dest",
                "user",
                "parent_process_name",
                "process_name",
                "process",
            ],
            MissingPolicy::FillNull,
        ),
        q(
            ("extended_split_script_blocks", "extended"),
            "Extended: split and obfuscated script blocks",
            QueryKind::Extended,
            &["Computer", "user_id"],
            MissingPolicy::Drop,
        ),
    ]
}

fn t(s: &str) -> i64 {
    parse_timestamp(s).unwrap_or(0)
}

/// A script-block event.
pub fn script(rid: u64, time: &str, host: &str, sid: &str, text: &str) -> Event {
    Event {
        time: t(time),
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: host.into(),
        record_id: Some(rid),
        user_id: Some(sid.into()),
        script_block_text: Some(text.into()),
        script_block_id: Some(format!("{:08x}-0000-4000-8000-{:012x}", rid * 7919, rid)),
        message_number: Some(1),
        message_total: Some(1),
        ..Default::default()
    }
}

/// A Sysmon process-creation event.
pub fn process(rid: u64, time: &str, host: &str, user: &str, cmd: &str) -> Event {
    Event {
        time: t(time),
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: host.into(),
        record_id: Some(rid),
        user: Some(user.into()),
        process: Some(cmd.into()),
        process_name: Some("powershell.exe".into()),
        process_path: Some(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe".into()),
        process_id: Some((4000 + rid).to_string()),
        parent_process: Some("C:\\Windows\\explorer.exe".into()),
        parent_process_name: Some("explorer.exe".into()),
        parent_process_id: Some("1200".into()),
        original_file_name: Some("PowerShell.EXE".into()),
        ..Default::default()
    }
}

/// The fixed story: lateral movement from ws01 and ws02, an admin's routine from mgmt01.
pub fn fixture_events() -> Vec<Event> {
    let ic = "Invoke-Command -ComputerName srv01 -ScriptBlock { whoami }";
    let mut v = vec![
        script(
            11,
            "2024-10-21T09:00:00Z",
            "ws01.corp.local",
            "S-1-5-21-1-1104",
            ic,
        ),
        script(
            12,
            "2024-10-21T09:05:00Z",
            "ws01.corp.local",
            "S-1-5-21-1-1104",
            ic,
        ),
        script(
            13,
            "2024-10-21T11:30:00Z",
            "ws02.corp.local",
            "S-1-5-21-1-1105",
            ic,
        ),
        script(
            14,
            "2024-10-21T12:00:00Z",
            "mgmt01.corp.local",
            "S-1-5-18",
            "Invoke-Command -ComputerName (Get-Content hosts.txt) { Get-Service }",
        ),
        script(
            15,
            "2024-10-21T13:15:00Z",
            "mgmt01.corp.local",
            "S-1-5-18",
            "Invoke-Command -ComputerName (Get-Content hosts.txt) { Get-Service }",
        ),
        script(
            16,
            "2024-10-21T14:00:00Z",
            "ws03.corp.local",
            "S-1-5-21-1-1106",
            "Get-Date",
        ),
    ];
    let mut split = script(
        17,
        "2024-10-21T15:00:00Z",
        "ws02.corp.local",
        "S-1-5-21-1-1105",
        "$s = 'srv02'\n$c = {\n    Get-Process\n}\ninvoke-command -computername $s -scriptblock $c",
    );
    split.message_total = Some(2);
    v.push(split);
    v.push(process(
        21,
        "2024-10-21T10:00:00Z",
        "ws01.corp.local",
        r"CORP\alice",
        "powershell.exe -c Invoke-Command -ComputerName srv01 { ipconfig }",
    ));
    let mut enc = process(
        23,
        "2024-10-21T16:30:00Z",
        "ws02.corp.local",
        r"CORP\bob",
        "powershell.exe -NoP -EncodedCommand SQBuAHYAbwBrAGUALQBDAG8AbQBtAGEAbgBkAA==",
    );
    enc.decoded_command = Some("Invoke-Command".into());
    v.push(enc);
    v.push(process(
        22,
        "2024-10-21T16:00:00Z",
        "ws02.corp.local",
        r"CORP\bob",
        "powershell.exe -c Invoke-Command -ComputerName srv03 { net user }",
    ));
    v
}

impl FakeBackend {
    /// The fake with the fixed story and no exclusions.
    pub fn new() -> FakeBackend {
        FakeBackend::with_events(fixture_events())
    }

    /// The fake with these events (an empty list gives an empty index).
    pub fn with_events(events: Vec<Event>) -> FakeBackend {
        FakeBackend {
            events,
            exclusions: Mutex::new(Vec::new()),
            last_change: Mutex::new(None),
            issued: Mutex::new(0),
            target_side: super::fake_edges::target_side_events(),
            sid_names: Vec::new(),
            search_cap: usize::MAX,
            span: None,
            marks: Mutex::new(Vec::new()),
        }
    }

    /// Report the events' own span in `status`, as the real index does.
    pub fn with_data_span(mut self) -> FakeBackend {
        let times = self.events.iter().map(|e| e.time);
        self.span = times.clone().min().zip(times.max());
        self
    }

    fn record(&self, change: Option<(Exclusion, Option<usize>)>) {
        if let Ok(mut last) = self.last_change.lock() {
            *last = change;
        }
    }

    fn exclusions_now(&self) -> Vec<Exclusion> {
        self.exclusions
            .lock()
            .map(|x| x.clone())
            .unwrap_or_default()
    }
}

impl Default for FakeBackend {
    fn default() -> Self {
        FakeBackend::new()
    }
}

/// Past every id in use and every id handed out, so an id is never given twice.
fn next_number(xs: &[Exclusion], issued: &Mutex<u64>) -> u64 {
    let num = |x: &Exclusion| x.id.trim_start_matches('x').parse::<u64>().unwrap_or(0);
    let Ok(mut issued) = issued.lock() else {
        return xs.iter().map(num).max().unwrap_or(0) + 1;
    };
    *issued = xs.iter().map(num).max().unwrap_or(0).max(*issued) + 1;
    *issued
}

fn wildcard(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.to_lowercase(), value.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == v;
    }
    let mut rest = v.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn excludes(x: &Exclusion, value: &str) -> bool {
    match &x.op {
        ExclusionOp::Equals(v) => v.eq_ignore_ascii_case(value),
        ExclusionOp::Wildcard(p) => wildcard(p, value),
        ExclusionOp::OneOf(vs) => vs.iter().any(|v| v.eq_ignore_ascii_case(value)),
        ExclusionOp::Sha256(h) => format!("{:x}", Sha256::digest(value.as_bytes())) == *h,
    }
}

fn matches(q: &SavedQuery, e: &Event) -> bool {
    let text = match q.kind {
        QueryKind::Extended => return e.is_script_block() && e.message_total.unwrap_or(1) > 1,
        QueryKind::Inbound => return huntbench::extended::inbound::classify(e).is_some(),
        QueryKind::Sigma => return huntbench::analytics::Matcher::new(q).matches(e),
        QueryKind::Parity if q.by.iter().any(|b| b == "ScriptBlockText") => {
            if !e.is_script_block() {
                return false;
            }
            e.script_block_text.as_deref()
        }
        QueryKind::Parity => {
            if !e.is_process_creation() {
                return false;
            }
            e.process.as_deref()
        }
    };
    let l = text.unwrap_or("").to_lowercase();
    l.contains("invoke-command") && l.contains("-computername")
}

impl Backend for FakeBackend {
    fn hunt(&self, range: TimeRange) -> Result<Vec<HuntResult>, String> {
        let xs = self.exclusions_now();
        let mut out = Vec::new();
        for q in queries() {
            let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
            let mut evs: Vec<&Event> = self
                .events
                .iter()
                .filter(|e| range.contains(e.time) && matches(&q, e))
                .collect();
            evs.sort_by_key(|e| e.time);
            let mut dropped = Vec::new();
            for e in evs {
                // Splunk's stats drops an event missing a by-field; the fake says so too.
                if q.missing == MissingPolicy::Drop
                    && let Some(b) = q.by.iter().find(|b| e.get(b).is_none())
                {
                    dropped.push(Dropped {
                        uid: e.uid(),
                        reason: format!("{b} is missing"),
                    });
                    continue;
                }
                let key: Vec<String> =
                    q.by.iter()
                        .map(|b| e.get(b).map(|v| v.into_owned()).unwrap_or("null".into()))
                        .collect();
                let g = groups.entry(key.clone()).or_insert_with(|| Group {
                    analytic: q.id.clone(),
                    key,
                    count: 0,
                    first: e.time,
                    last: e.time,
                    events: vec![],
                    suppressed_by: vec![],
                });
                g.count += 1;
                g.last = e.time;
                g.events.push(e.uid());
            }
            let mut suppressed: BTreeMap<String, Suppression> = BTreeMap::new();
            let mut groups: Vec<Group> = groups.into_values().collect();
            for g in &mut groups {
                for x in xs.iter().filter(|x| x.enabled && x.analytic == q.id) {
                    let Some(i) = q.by.iter().position(|b| b.eq_ignore_ascii_case(&x.field)) else {
                        continue;
                    };
                    if excludes(x, &g.key[i]) {
                        g.suppressed_by.push(x.id.clone());
                        let s = suppressed.entry(x.id.clone()).or_default();
                        s.rows += 1;
                        s.events += g.count;
                    }
                }
            }
            out.push(HuntResult {
                query: q,
                groups,
                dropped,
                suppressed,
            });
        }
        Ok(out)
    }

    fn events(&self, uids: &[u64]) -> Result<Vec<Event>, String> {
        let mut v: Vec<Event> = self
            .events
            .iter()
            .chain(&self.target_side)
            .filter(|e| uids.contains(&e.uid()))
            .cloned()
            .collect();
        v.sort_by_key(|e| e.time);
        Ok(v)
    }

    fn search(&self, query: &str, range: TimeRange) -> Result<SearchHits, String> {
        let needle = query.trim().trim_matches('"').to_lowercase();
        if needle.is_empty() {
            return Err("empty query".into());
        }
        let mut events: Vec<Event> = self
            .events
            .iter()
            .filter(|e| range.contains(e.time))
            .filter(|e| {
                let t = e.script_block_text.as_deref().or(e.process.as_deref());
                t.unwrap_or("").to_lowercase().contains(&needle)
            })
            .cloned()
            .collect();
        let total = events.len() as u64;
        events.truncate(self.search_cap);
        Ok(SearchHits { total, events })
    }

    fn exclusions(&self) -> Result<Vec<Exclusion>, String> {
        Ok(self.exclusions_now())
    }

    fn add_exclusion(
        &self,
        analytic: &str,
        field: &str,
        op: ExclusionOp,
        note: Option<String>,
    ) -> Result<Exclusion, String> {
        let mut xs = self.exclusions.lock().map_err(|e| e.to_string())?;
        let x = Exclusion {
            id: format!("x{}", next_number(&xs, &self.issued)),
            analytic: analytic.into(),
            field: field.into(),
            op,
            note,
            enabled: true,
            created: "2024-10-22T00:00:00Z".into(),
        };
        xs.push(x.clone());
        self.record(Some((x.clone(), None)));
        Ok(x)
    }

    fn set_exclusion_enabled(&self, id: &str, enabled: bool) -> Result<(), String> {
        let mut xs = self.exclusions.lock().map_err(|e| e.to_string())?;
        let x = xs
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or(format!("no exclusion {id}"))?;
        x.enabled = enabled;
        Ok(())
    }

    fn remove_exclusion(&self, id: &str) -> Result<(), String> {
        let mut xs = self.exclusions.lock().map_err(|e| e.to_string())?;
        let i = xs
            .iter()
            .position(|x| x.id == id)
            .ok_or(format!("no exclusion {id}"))?;
        let x = xs.remove(i);
        self.record(Some((x, Some(i))));
        Ok(())
    }

    fn undo_exclusion(&self) -> Result<String, String> {
        let change = self.last_change.lock().map_err(|e| e.to_string())?.take();
        let mut xs = self.exclusions.lock().map_err(|e| e.to_string())?;
        match change {
            None => Err("nothing to undo".into()),
            Some((x, None)) => {
                xs.retain(|y| y.id != x.id);
                Ok(format!("undid the add of {}: removed it", x.id))
            }
            Some((x, Some(i))) => {
                let line = format!("undid the delete of {0}: {0} is back", x.id);
                let i = i.min(xs.len());
                xs.insert(i, x);
                Ok(line)
            }
        }
    }

    fn ingest(
        &self,
        paths: Vec<PathBuf>,
        progress: &dyn Fn(IngestProgress),
    ) -> Result<String, String> {
        let total = paths.len() as u64;
        for (i, p) in paths.iter().enumerate() {
            progress(IngestProgress {
                files_done: i as u64,
                files_total: total,
                current: p.display().to_string(),
                ..Default::default()
            });
        }
        Ok(format!("ingested {total} files (fake: nothing added)"))
    }

    fn status(&self) -> BackendStatus {
        BackendStatus {
            events: self.events.len() as u64,
            index_bytes: self.events.len() as u64 * 1536,
            index_dir: PathBuf::from("/tmp/huntbench-fake/index"),
            span: self.span,
        }
    }

    fn marks(&self) -> Result<Vec<huntbench::triage::Mark>, String> {
        self.marks
            .lock()
            .map(|m| m.clone())
            .map_err(|e| e.to_string())
    }

    fn set_marks(
        &self,
        targets: &[huntbench::triage::MarkTarget],
        status: huntbench::triage::Status,
        note: &str,
    ) -> Result<Vec<huntbench::triage::Mark>, String> {
        super::fake_marks::set(&self.marks, targets, status, note)
    }

    fn edges(&self, range: TimeRange) -> Result<Vec<huntbench::extended::Edge>, String> {
        Ok(super::fake_edges::edges(
            &self.events,
            &self.target_side,
            range,
        ))
    }

    fn timeline(
        &self,
        request: huntbench::timeline::TimelineRequest,
    ) -> Result<huntbench::timeline::Timeline, String> {
        let all: Vec<&Event> = self.events.iter().chain(&self.target_side).collect();
        super::fake_timeline::timeline(&all, request)
    }

    fn sid_names(&self) -> Result<Vec<(String, String, String)>, String> {
        Ok(self.sid_names.clone())
    }

    fn write_report(&self, path: &std::path::Path) -> Result<String, String> {
        super::fake_report::write(self, path)
    }

    fn full_text(&self, event: &Event) -> Result<FullText, String> {
        let text = event
            .script_block_text
            .clone()
            .or(event.process.clone())
            .unwrap_or_default();
        let part_info = match (event.message_number, event.message_total) {
            (Some(_), Some(m)) if m > 1 => Some(format!("parts 1-{m} of {m}, complete")),
            _ => None,
        };
        Ok(FullText { text, part_info })
    }
}
