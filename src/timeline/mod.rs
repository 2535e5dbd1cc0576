//! A timeline around anything: what happened on a host (or by a user) within ±N of a time,
//! across every event type in the index, one summarized line per event.
//!
//! This module is the engine-free half: the request, host spellings, user matching and the
//! lines. `Workbench::timeline` asks the index for the window's events (by the host's
//! spellings and the time range, never the whole index) and hands them here.

mod summary;

use serde::Serialize;

use crate::event::{CHANNEL_SECURITY, Event};
use crate::extended::SidNames;
use crate::time::{MICROS, TimeRange, ctime};

pub use summary::{SUMMARY_CHARS, collapse, summarize};

/// Most lines one timeline holds: bounded memory, and more than a hunter reads in one view.
pub const MAX_LINES: usize = 10_000;

/// What to put on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRequest {
    /// The host as typed (any spelling: short, FQDN, any case).
    pub host: Option<String>,
    /// `DOMAIN\name`, `name` or a SID.
    pub user: Option<String>,
    /// The centre of the window (microseconds).
    pub around: i64,
    /// Half the window (microseconds): the window is [around − window, around + window].
    pub window: i64,
    /// Most lines kept.
    pub cap: usize,
}

impl TimelineRequest {
    /// The window as a half-open range holding both ends.
    pub fn range(&self) -> TimeRange {
        TimeRange {
            earliest: Some(self.around.saturating_sub(self.window)),
            latest: Some(self.around.saturating_add(self.window).saturating_add(1)),
        }
    }

    /// `WS01`, `user CORP\x`, `WS01 by CORP\x`: whose timeline, for titles and messages.
    pub fn subject(&self) -> String {
        match (&self.host, &self.user) {
            (Some(h), Some(u)) => format!("{h} by {u}"),
            (Some(h), None) => h.clone(),
            (None, Some(u)) => format!("user {u}"),
            (None, None) => "anything".into(),
        }
    }

    /// `on WS01 within ±10m of 2024-10-21T11:30:00` (`by CORP\x`, `on WS01 by CORP\x`).
    fn scope(&self, tz: Option<chrono_tz::Tz>) -> String {
        let on = match (&self.host, &self.user) {
            (Some(h), Some(u)) => format!("on {h} by {u} "),
            (Some(h), None) => format!("on {h} "),
            (None, Some(u)) => format!("by {u} "),
            (None, None) => String::new(),
        };
        format!(
            "{on}within ±{} of {}",
            format_window(self.window),
            ctime(self.around, tz)
        )
    }

    /// `no events on WS01 within ±10m of 2024-10-21T11:30:00`.
    pub fn empty_note(&self, tz: Option<chrono_tz::Tz>) -> String {
        format!("no events {}", self.scope(tz))
    }
}

/// What can make a timeline request fail before any event is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("a timeline needs --host or --user (or both)")]
    NoSubject,
    #[error("{}", unknown_host(.host, .near))]
    UnknownHost { host: String, near: Vec<String> },
    #[error("bad window {0:?}: expected a duration like 10m, 90s or 2h")]
    BadWindow(String),
}

fn unknown_host(host: &str, near: &[String]) -> String {
    let mut s = format!("the index has no events from host {host:?}");
    if !near.is_empty() {
        s += &format!("; near spellings it has: {}", near.join(", "));
    }
    s
}

/// Parse `--window`: `10m`, `90s`, `2h`, `1h30m` (humantime's units). Zero is refused.
pub fn parse_window(s: &str) -> Result<i64, TimelineError> {
    let d = humantime::parse_duration(s.trim()).map_err(|_| TimelineError::BadWindow(s.into()))?;
    let micros = i64::try_from(d.as_micros()).map_err(|_| TimelineError::BadWindow(s.into()))?;
    if micros <= 0 {
        return Err(TimelineError::BadWindow(s.into()));
    }
    Ok(micros)
}

/// A window as people say it: `10m`, `90s`, `2h`, `1h30m`, `7d`.
pub fn format_window(micros: i64) -> String {
    let secs = micros / MICROS;
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    let mut out = String::new();
    if d > 0 {
        out += &format!("{d}d");
    }
    if h > 0 {
        out += &format!("{h}h");
    }
    if m > 0 {
        out += &format!("{m}m");
    }
    if s > 0 || out.is_empty() {
        out += &format!("{s}s");
    }
    out
}

/// Every spelling of `host` among the computers the index knows (case, short vs FQDN).
pub fn host_spellings<'a>(host: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = known
        .into_iter()
        .filter(|k| crate::extended::host_matches(host.trim(), k))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Computers whose name is close to `host` (for the error naming an unknown host): the same
/// first label, one containing the other, or a Jaro-Winkler similarity of 0.85 and more.
pub fn near_spellings<'a>(host: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let want = host.trim().to_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or("").to_string();
    let mut scored: Vec<(f64, String)> = known
        .into_iter()
        .filter_map(|k| {
            let low = k.to_lowercase();
            let sim = strsim::jaro_winkler(&short(&want), &short(&low));
            let close = sim >= 0.85
                || (want.len() >= 3 && low.contains(&want))
                || (low.len() >= 3 && want.contains(&short(&low)));
            close.then(|| (sim, k.to_string()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(5);
    scored.into_iter().map(|(_, k)| k).collect()
}

/// Every account an event names: its `user`, its SID and the SID's name, a logon's Target and
/// Subject, WinRM's `username`, a classic engine event's `UserId=`.
pub fn event_accounts(e: &Event, names: &SidNames) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(e.user.clone());
    if let Some(sid) = e.user_sid() {
        out.push(sid.to_string());
        if let Some((n, _)) = names.resolve(sid) {
            out.push(n.to_string());
        }
    }
    for side in ["Target", "Subject"] {
        out.extend(summary::account(e, side));
        if let Some(sid) = e.data.get(&format!("{side}UserSid")) {
            out.push(sid.clone());
        }
    }
    for (k, v) in &e.data {
        if k.eq_ignore_ascii_case("username") || k.eq_ignore_ascii_case("User") {
            out.push(v.clone());
        } else if v.contains("UserId=")
            && let Some(u) = summary::context_value(v, "UserId")
        {
            out.push(u.to_string());
        }
    }
    out.retain(|a| {
        let a = a.trim();
        !a.is_empty() && a != "-"
    });
    out
}

/// Does account `have` (as an event names it) denote `want` (as the analyst typed it)?
/// Case-insensitive; `name` matches any domain's `name`; a domain matches its FQDN
/// (`THESHIRE` ~ `THESHIRE.LOCAL`); a SID matches only itself.
pub fn account_matches(want: &str, have: &str) -> bool {
    let (w, h) = (want.trim().to_lowercase(), have.trim().to_lowercase());
    if w == h {
        return true;
    }
    let split = |s: &str| match s.rsplit_once('\\') {
        Some((d, n)) => (Some(d.to_string()), n.to_string()),
        None => (None, s.to_string()),
    };
    let ((wd, wn), (hd, hn)) = (split(&w), split(&h));
    if wn != hn {
        return false;
    }
    let short = |d: &str| d.split('.').next().unwrap_or("").to_string();
    match (wd, hd) {
        (None, _) | (Some(_), None) => true,
        (Some(a), Some(b)) => short(&a) == short(&b),
    }
}

/// The account a line shows: the process's user (Sysmon's `User` for its other events), a
/// logon's target, the privileged subject, else the event's SID by name (the bare SID when no
/// name is known).
pub fn line_user(e: &Event, names: &SidNames) -> Option<String> {
    if let Some(u) = e.user.as_deref().filter(|u| !u.is_empty()) {
        return Some(u.to_string());
    }
    // Sysmon's other events name the process's user in EventData; their UserID is Sysmon's.
    if e.channel.eq_ignore_ascii_case(crate::event::CHANNEL_SYSMON)
        && let Some(u) = e
            .data
            .get("User")
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
    {
        return Some(u.to_string());
    }
    if e.channel.eq_ignore_ascii_case(CHANNEL_SECURITY) {
        let side = if matches!(e.event_code, 4672 | 4648) {
            "Subject"
        } else {
            "Target"
        };
        if let Some(a) = summary::account(e, side).or_else(|| summary::account(e, "Subject")) {
            return Some(a);
        }
    }
    if let Some(sid) = e.user_sid() {
        return Some(
            names
                .resolve(sid)
                .map_or_else(|| sid.to_string(), |(n, _)| n.to_string()),
        );
    }
    // Classic engine and pipeline events (800) name the user only in their context text.
    e.data
        .values()
        .filter(|v| v.contains("UserId="))
        .find_map(|v| summary::context_value(v, "UserId"))
        .map(str::to_string)
}

/// One event on the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineLine {
    pub time: i64,
    pub host: String,
    pub event_code: u32,
    pub channel: String,
    pub user: Option<String>,
    /// Exact text (only white space collapsed), bounded; sanitized by every output.
    pub summary: String,
    /// The whole event, for a drill into its full text.
    #[serde(skip)]
    pub event: Event,
}

/// The answer: the window's lines in time order, and how many matched in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    pub request: TimelineRequest,
    /// The spellings of the host the index was asked for (empty for a user's timeline).
    pub spellings: Vec<String>,
    pub lines: Vec<TimelineLine>,
    /// Every event in the window (for the host and user), also those the cap left out.
    pub total: u64,
}

impl Timeline {
    /// Lines from the window's events (any order): summarized, sorted by time (then host and
    /// record id, so a rerun prints the same order).
    pub fn build(
        request: TimelineRequest,
        spellings: Vec<String>,
        events: Vec<Event>,
        total: u64,
        names: &SidNames,
    ) -> Timeline {
        let mut lines: Vec<TimelineLine> = events
            .into_iter()
            .map(|e| TimelineLine {
                time: e.time,
                host: e.computer.clone(),
                event_code: e.event_code,
                channel: e.channel.clone(),
                user: line_user(&e, names),
                summary: summarize(&e),
                event: e,
            })
            .collect();
        lines.sort_by(|a, b| {
            (a.time, a.host.to_lowercase(), a.event.record_id).cmp(&(
                b.time,
                b.host.to_lowercase(),
                b.event.record_id,
            ))
        });
        Timeline {
            request,
            spellings,
            lines,
            total,
        }
    }

    /// True when the cap left events of the window out.
    pub fn capped(&self) -> bool {
        self.total > self.lines.len() as u64
    }

    /// `N events on H within ±10m of T` (with `, the newest M shown` when capped).
    pub fn header(&self, tz: Option<chrono_tz::Tz>) -> String {
        if self.lines.is_empty() {
            return self.request.empty_note(tz);
        }
        let mut s = format!("{} events {}", self.total, self.request.scope(tz));
        if self.capped() {
            s += &format!(
                " (capped: the newest {} shown; narrow the window to see the rest)",
                self.lines.len()
            );
        }
        s
    }
}
