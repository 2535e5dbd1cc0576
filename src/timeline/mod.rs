//! A timeline around anything: what happened on a host (or by a user) within ±N of a time,
//! across every event type in the index, one summarized line per event.
//!
//! This module is the engine-free half: the request, host spellings, user matching and the
//! lines. `Workbench::timeline` asks the index for the window's events (by the host's
//! spellings and the time range, never the whole index) and hands them here.

mod accounts;
mod hosts;
mod summary;

use serde::Serialize;

use crate::event::Event;
use crate::extended::SidNames;
use crate::time::{MICROS, TimeRange, ctime};

pub use accounts::{account_matches, event_accounts, line_user};
pub use hosts::{host_spellings, near_spellings};
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
