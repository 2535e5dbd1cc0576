//! Evidence grouped into sessions, and the logons and connections that name their source.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::evidence::{
    Evidence, classify, host_pid, is_host_written, process_logon_id, target_account, user_of,
    writer,
};
use super::{InboundRow, WINDOW};
use crate::event::Event;
use crate::extended::encoded::decode_encoded_command;
use crate::extended::sids::SidNames;

/// Inbound sessions among `events` (any mix: evidence, logons, connections; everything else
/// is skipped), oldest first. `names` turns the SIDs of PowerShell's own logs into accounts.
pub fn inbound(events: &[&Event], names: &SidNames) -> Vec<InboundRow> {
    // The logons read here pair SIDs with names too (WinRM 91 and 4104 name only a SID).
    let logons: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|e| matches!(classify(e), Some(Evidence::NetworkLogon)))
        .collect();
    let local = SidNames::from_events(&logons);
    let names = &names.or(&local);
    let mut hosts: BTreeMap<String, Host> = BTreeMap::new();
    for &e in events {
        let host = hosts.entry(e.computer.to_lowercase()).or_default();
        if is_host_written(e) {
            host.written.push(e);
            continue;
        }
        let Some(kind) = classify(e) else {
            continue;
        };
        match kind {
            Evidence::NetworkLogon => host.logons.push(e),
            Evidence::AdminLogon => host.admin.push(e),
            Evidence::WinrmConnection => host.conns.push(e),
            _ => {
                let user = user_of(e, kind).or_else(|| {
                    names_user_by_sid(kind)
                        .then(|| sid_user(e, names))
                        .flatten()
                });
                host.items.push(Item { e, kind, user });
            }
        }
    }
    let mut rows: Vec<InboundRow> = hosts
        .into_values()
        .flat_map(|h| h.sessions(names))
        .collect();
    rows.sort_by(|a, b| (a.first, &a.computer, &a.user).cmp(&(b.first, &b.computer, &b.user)));
    rows
}

/// Does this kind's System/Security/@UserID name the session's user? WinRM 169 is logged by
/// the service's own account, process events by Sysmon's.
fn names_user_by_sid(kind: Evidence) -> bool {
    matches!(
        kind,
        Evidence::WinrmShell | Evidence::InWsmprovhost(_) | Evidence::RemoteRunspace(4103)
    )
}

/// A SID's account name where the index knows it, else the SID itself.
fn sid_user(e: &Event, names: &SidNames) -> Option<String> {
    let sid = e.user_sid()?;
    Some(names.resolve(sid).map_or(sid, |(n, _)| n).to_string())
}

/// One account in one spelling: `THESHIRE\pgustavo` = `theshire.local\PGUSTAVO`.
fn account_key(user: &str) -> String {
    let lower = user.to_lowercase();
    match lower.rsplit_once('\\') {
        Some((domain, name)) => {
            let domain = domain.split('.').next().unwrap_or(domain);
            format!("{domain}\\{name}")
        }
        None => lower,
    }
}

/// Do two spellings name one account? A missing domain matches any.
fn same_account(a: &str, b: &str) -> bool {
    let (a, b) = (account_key(a), account_key(b));
    if a == b {
        return true;
    }
    let name = |s: &str| {
        s.rsplit_once('\\')
            .map_or(s.to_string(), |(_, n)| n.to_string())
    };
    (!a.contains('\\') || !b.contains('\\')) && name(&a) == name(&b)
}

struct Item<'a> {
    e: &'a Event,
    kind: Evidence,
    user: Option<String>,
}

/// A plugin host process: when it was seen, and whose it is.
struct PidSpan {
    first: i64,
    last: i64,
    user: Option<String>,
}

/// Everything one receiving host logged that matters here.
#[derive(Default)]
struct Host<'a> {
    items: Vec<Item<'a>>,
    /// PowerShell/Operational events that name only their writer's process id.
    written: Vec<&'a Event>,
    logons: Vec<&'a Event>,
    admin: Vec<&'a Event>,
    conns: Vec<&'a Event>,
}

/// A host's network logons and 4672s by what sessions look them up by: a domain controller
/// or a busy file server logs thousands, a session needs the few of its logon or account.
#[derive(Default)]
struct Logons<'a> {
    by_id: HashMap<String, Vec<&'a Event>>,
    by_name: HashMap<String, Vec<&'a Event>>,
    by_sid: HashMap<String, Vec<&'a Event>>,
    admin_by_id: HashMap<String, Vec<&'a Event>>,
}

fn lower_field(e: &Event, k: &str) -> Option<String> {
    e.data
        .get(k)
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty() && v != "-")
}

/// The account name without its domain, lower case: what [`same_account`] compares last.
fn bare_name(user: &str) -> String {
    let lower = user.to_lowercase();
    lower
        .rsplit_once('\\')
        .map_or(lower.clone(), |(_, n)| n.to_string())
}

impl<'a> Logons<'a> {
    fn new(logons: &[&'a Event], admin: &[&'a Event]) -> Self {
        let mut l = Logons::default();
        for &e in logons {
            if let Some(id) = lower_field(e, "TargetLogonId") {
                l.by_id.entry(id).or_default().push(e);
            }
            if let Some(a) = target_account(e) {
                l.by_name.entry(bare_name(&a)).or_default().push(e);
            }
            if let Some(sid) = e.data.get("TargetUserSid") {
                l.by_sid.entry(sid.trim().to_string()).or_default().push(e);
            }
        }
        for &e in admin {
            if let Some(id) = lower_field(e, "SubjectLogonId") {
                l.admin_by_id.entry(id).or_default().push(e);
            }
        }
        l
    }
}

struct Session {
    user: Option<String>,
    items: Vec<usize>,
    first: i64,
    last: i64,
}

impl Session {
    fn add(&mut self, i: usize, t: i64) {
        self.items.push(i);
        self.first = self.first.min(t);
        self.last = self.last.max(t);
    }
}

/// The session `t` falls into (a window either side), the nearest when several do.
fn nearest(sessions: &[Session], t: i64) -> Option<usize> {
    sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| t >= s.first - WINDOW && t <= s.last + WINDOW)
        .min_by_key(|(_, s)| (s.first - t).max(t - s.last).max(0))
        .map(|(k, _)| k)
}

/// What ties an event to one session: its plugin host process, else the logon it runs in.
fn session_id(it: &Item) -> Option<String> {
    let pid = match it.kind {
        Evidence::InWsmprovhost(_) => writer(it.e),
        kind => host_pid(it.e, kind),
    };
    pid.map(|p| format!("pid {p}"))
        .or_else(|| process_logon_id(it.e).map(|l| format!("logon {l}")))
}

impl<'a> Host<'a> {
    /// The plugin host processes the evidence shows, with their users.
    fn plugin_pids(&self) -> HashMap<u32, PidSpan> {
        let mut pids: HashMap<u32, PidSpan> = HashMap::new();
        for it in &self.items {
            let Some(pid) = host_pid(it.e, it.kind) else {
                continue;
            };
            let span = pids.entry(pid).or_insert(PidSpan {
                first: it.e.time,
                last: it.e.time,
                user: None,
            });
            span.first = span.first.min(it.e.time);
            span.last = span.last.max(it.e.time);
            // Only the process's own account names its user: a ServerRemoteHost event names
            // none, 800's `UserId=` is the same account but may be spelled otherwise.
            if span.user.is_none()
                && matches!(
                    it.kind,
                    Evidence::WsmprovhostStart | Evidence::WsmprovhostChild
                )
            {
                span.user = it.user.clone();
            }
        }
        pids
    }

    /// Add the events written by a plugin host process. A process id is reused once its
    /// process ends, so an event counts only while the process is still being seen: within
    /// [`WINDOW`] of its last sighting, each new event extending the span.
    fn adopt_written(&mut self, pids: &mut HashMap<u32, PidSpan>, names: &SidNames) {
        let mut written = std::mem::take(&mut self.written);
        written.sort_by_key(|e| (e.time, e.record_id));
        for e in written {
            let Some(span) = writer(e).and_then(|p| pids.get_mut(&p)) else {
                continue;
            };
            if e.time < span.first - WINDOW || e.time > span.last + WINDOW {
                continue;
            }
            span.last = span.last.max(e.time);
            let user = span.user.clone().or_else(|| sid_user(e, names));
            self.items.push(Item {
                e,
                kind: Evidence::InWsmprovhost(e.event_code),
                user,
            });
        }
    }

    /// Put item `i` (in time order) into the last session from `from` on when it is within
    /// a quiet gap of it, else open a new one.
    fn gather(&self, sessions: &mut Vec<Session>, from: usize, i: usize) {
        let t = self.items[i].e.time;
        match sessions.len().checked_sub(1).filter(|&k| k >= from) {
            Some(k) if t - sessions[k].last <= WINDOW => sessions[k].add(i, t),
            _ => sessions.push(Session {
                user: self.items[i].user.clone(),
                items: vec![i],
                first: t,
                last: t,
            }),
        }
    }

    fn sessions(mut self, names: &SidNames) -> Vec<InboundRow> {
        let mut pids = self.plugin_pids();
        self.adopt_written(&mut pids, names);
        for it in &mut self.items {
            if it.user.is_none()
                && let Some(span) = host_pid(it.e, it.kind).and_then(|p| pids.get(&p))
            {
                it.user = span.user.clone();
            }
        }
        self.items.sort_by_key(|i| (i.e.time, i.e.record_id));
        let sessions = self.cluster();
        // A connection opens one session: the one starting nearest after (or at) it.
        let mut conns: Vec<Vec<&'a Event>> = vec![Vec::new(); sessions.len()];
        for &c in &self.conns {
            let best = sessions
                .iter()
                .enumerate()
                .filter(|(_, s)| (s.first - c.time).abs() <= WINDOW)
                .min_by_key(|(_, s)| ((s.first < c.time) as u8, (s.first - c.time).abs()))
                .map(|(k, _)| k);
            if let Some(k) = best {
                conns[k].push(c);
            }
        }
        let index = Logons::new(&self.logons, &self.admin);
        sessions
            .iter()
            .zip(conns)
            .map(|(s, c)| self.row(s, &c, &index))
            .collect()
    }

    /// Group the evidence: per account, one session per plugin host process (or logon) it
    /// names, split at quiet gaps longer than [`WINDOW`] (process ids are reused); the
    /// account's events that name neither join its nearest session, else gather by gaps;
    /// events naming no account join the session they fall into (the nearest), else form
    /// their own.
    fn cluster(&self) -> Vec<Session> {
        let mut by_user: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut anonymous = Vec::new();
        for (i, it) in self.items.iter().enumerate() {
            match &it.user {
                Some(u) => by_user.entry(account_key(u)).or_default().push(i),
                None => anonymous.push(i),
            }
        }
        let mut sessions: Vec<Session> = Vec::new();
        for idxs in by_user.into_values() {
            let start = sessions.len();
            let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            let mut loose = Vec::new();
            for i in idxs {
                match session_id(&self.items[i]) {
                    Some(id) => by_id.entry(id).or_default().push(i),
                    None => loose.push(i),
                }
            }
            for group in by_id.into_values() {
                let from = sessions.len();
                for i in group {
                    self.gather(&mut sessions, from, i);
                }
            }
            let with_id = sessions.len();
            for i in loose {
                let t = self.items[i].e.time;
                match nearest(&sessions[start..with_id], t) {
                    Some(k) => sessions[start + k].add(i, t),
                    None => self.gather(&mut sessions, with_id, i),
                }
            }
        }
        let named = sessions.len();
        for i in anonymous {
            let t = self.items[i].e.time;
            match nearest(&sessions[..named], t) {
                Some(k) => sessions[k].add(i, t),
                None => self.gather(&mut sessions, named, i),
            }
        }
        for s in &mut sessions {
            s.items
                .sort_by_key(|&i| (self.items[i].e.time, self.items[i].e.record_id));
        }
        sessions
    }

    /// The logons that carried a session: 4624 type 3 whose logon id a child of the session
    /// runs in (exact); for a session whose events name no logon id, the account's network
    /// logon nearest before the session starts (after, when none is before), within
    /// [`WINDOW`].
    fn logons_of(&self, s: &Session, index: &Logons<'a>) -> Vec<&'a Event> {
        let ids: BTreeSet<String> = s
            .items
            .iter()
            .filter_map(|&i| process_logon_id(self.items[i].e))
            .collect();
        if !ids.is_empty() {
            // The session's processes name their logon: another logon of the same account
            // nearby is another session's (the Security log may have lost this one's).
            return ids
                .iter()
                .flat_map(|id| index.by_id.get(id).into_iter().flatten().copied())
                .collect();
        }
        let Some(user) = s.user.as_deref() else {
            return Vec::new();
        };
        let sids: BTreeSet<&str> = s
            .items
            .iter()
            .filter(|&&i| names_user_by_sid(self.items[i].kind))
            .filter_map(|&i| self.items[i].e.user_sid())
            .chain(std::iter::once(user))
            .collect();
        let by_name = index.by_name.get(&bare_name(user)).into_iter().flatten();
        let by_sid = sids
            .iter()
            .flat_map(|sid| index.by_sid.get(*sid).into_iter().flatten());
        let mut near: Vec<&'a Event> = by_name
            .filter(|e| target_account(e).is_some_and(|a| same_account(&a, user)))
            .chain(by_sid)
            .copied()
            .filter(|e| e.time >= s.first - WINDOW && e.time <= s.last + WINDOW)
            .collect();
        near.sort_by_key(|e| (e.time, e.record_id));
        near.dedup_by_key(|e| (e.time, e.record_id));
        let before = near
            .iter()
            .filter(|e| e.time <= s.first)
            .max_by_key(|e| e.time);
        let after = near
            .iter()
            .filter(|e| e.time > s.first)
            .min_by_key(|e| e.time);
        before.or(after).map(|e| vec![*e]).unwrap_or_default()
    }

    /// 4672s of those logons (same logon id).
    fn admin_of(&self, logons: &[&Event], index: &Logons<'a>) -> Vec<&'a Event> {
        let ids: BTreeSet<String> = logons
            .iter()
            .filter_map(|e| lower_field(e, "TargetLogonId"))
            .collect();
        ids.iter()
            .flat_map(|id| index.admin_by_id.get(id).into_iter().flatten().copied())
            .collect()
    }

    fn row(&self, s: &Session, conns: &[&'a Event], index: &Logons<'a>) -> InboundRow {
        let logons = self.logons_of(s, index);
        let admin = self.admin_of(&logons, index);
        // Connections from several addresses at once: none is the source, none is guessed.
        let ips: BTreeSet<&str> = conns.iter().filter_map(|e| source_ip_of(e)).collect();
        let conns: Vec<&Event> = if ips.len() == 1 {
            conns.to_vec()
        } else {
            Vec::new()
        };
        let first_item = self.items[s.items[0]].e;
        let mut kinds: BTreeSet<Evidence> = s.items.iter().map(|&i| self.items[i].kind).collect();
        let mut events: Vec<u64> = s.items.iter().map(|&i| self.items[i].e.uid()).collect();
        let (mut first, mut last) = (s.first, s.last);
        for (kind, list) in [
            (Evidence::NetworkLogon, &logons),
            (Evidence::AdminLogon, &admin),
            (Evidence::WinrmConnection, &conns),
        ] {
            for e in list.iter() {
                kinds.insert(kind);
                events.push(e.uid());
                first = first.min(e.time);
                last = last.max(e.time);
            }
        }
        events.sort_unstable();
        events.dedup();
        let (source, source_ip, mut source_via) = source_of(first_item, &logons, &conns);
        if source_via.is_none()
            && let Some(id) = s
                .items
                .iter()
                .find_map(|&i| process_logon_id(self.items[i].e))
        {
            // Say why there is no source: the logon the session ran in is not in the log.
            source_via = Some(format!("no 4624 of logon {id} in the index"));
        }
        InboundRow {
            computer: first_item.computer.clone(),
            user: s.user.clone(),
            source,
            source_ip,
            source_via,
            count: events.len() as u64,
            first,
            last,
            evidence: kinds.into_iter().map(Evidence::label).collect(),
            commands: self.commands(s),
            events,
        }
    }

    /// What ran: children's command lines (and what an `-EncodedCommand` decodes to) and the
    /// script blocks the plugin host ran, in time order, each once.
    fn commands(&self, s: &Session) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut push = |text: String| {
            if !text.is_empty() && seen.insert(text.clone()) {
                out.push(text);
            }
        };
        for &i in &s.items {
            let it = &self.items[i];
            match it.kind {
                Evidence::WsmprovhostChild | Evidence::WinrshostChild => {
                    let cmd = it.e.process.as_deref().unwrap_or("").trim();
                    push(cmd.to_string());
                    let decoded =
                        it.e.decoded_command
                            .clone()
                            .or_else(|| decode_encoded_command(cmd));
                    if let Some(d) = decoded {
                        push(format!("(decoded) {}", d.trim()));
                    }
                }
                // What the client sent, not the modules the session loads (a 4104 with a Path
                // is a script file's) nor PowerShell's own formatting blocks.
                Evidence::InWsmprovhost(4104) if it.e.path.is_none() => {
                    let text = it.e.script_block_text.as_deref().unwrap_or("").trim();
                    if !is_engine_block(text) {
                        push(text.to_string())
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Script blocks PowerShell itself runs in every remote session (prompt, error formatting).
fn is_engine_block(text: &str) -> bool {
    let t = text.trim_start_matches('{').trim_end_matches('}').trim();
    t.eq_ignore_ascii_case("prompt")
        || t.starts_with("Set-StrictMode -Version 1; $_.")
        || t.starts_with("$global:?")
}

fn dash_free(v: Option<&String>) -> Option<String> {
    v.map(|v| v.trim())
        .filter(|v| !v.is_empty() && *v != "-")
        .map(str::to_string)
}

fn source_ip_of(e: &Event) -> Option<&str> {
    e.data
        .get("SourceIp")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty() && *v != "-")
}

fn is_loopback(ip: &str) -> bool {
    ip.parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_loopback())
}

/// Name the source: a logon's WorkstationName, else its IpAddress, else the address of the
/// WinRM connection; a loopback address is the host itself.
fn source_of(
    host: &Event,
    logons: &[&Event],
    conns: &[&Event],
) -> (Option<String>, Option<String>, Option<String>) {
    let via_logon = |e: &Event| {
        let id = e.data.get("TargetLogonId").map_or("", |v| v.trim());
        format!("4624 logon {id}")
    };
    let ip = logons
        .iter()
        .find_map(|e| dash_free(e.data.get("IpAddress")).map(|ip| (ip, via_logon(e))))
        .or_else(|| {
            conns.first().and_then(|e| {
                let port = e.data.get("DestinationPort").map_or("", |p| p.trim());
                source_ip_of(e).map(|ip| (ip.to_string(), format!("Sysmon 3 to port {port}")))
            })
        });
    let station = logons
        .iter()
        .find_map(|e| dash_free(e.data.get("WorkstationName")).map(|w| (w, via_logon(e))));
    match (station, ip) {
        (Some((name, via)), ip) => (Some(name), ip.map(|i| i.0), Some(via)),
        (None, Some((ip, via))) if is_loopback(&ip) => {
            (Some(host.computer.clone()), Some(ip), Some(via))
        }
        (None, Some((ip, via))) => (Some(ip.clone()), Some(ip), Some(via)),
        (None, None) => (None, None, None),
    }
}
