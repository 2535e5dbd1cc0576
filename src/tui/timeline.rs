//! The timeline view's state and transitions: opened from whatever is selected (a result row,
//! an edge, an event, a timeline line) around its host or user and time; the window widens
//! and narrows; Enter drills into an event. Called from `update` only.

use super::action::Action;
use super::app::{App, Screen};
use super::input::{keep_in_view, moved};
use super::layout;
use super::msg::Effect;
use super::rows::{host_field, user_field};
use super::textview;
use super::update::{fail, say};
use crate::event::Event;
use crate::time::MICROS;
use crate::timeline::{MAX_LINES, Timeline, TimelineLine, TimelineRequest, format_window};

/// Half-windows `+` / `-` step through (seconds): a minute to a day.
pub const WINDOW_STEPS: &[i64] = &[
    60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400,
];

/// The half-window a timeline opens with.
pub const DEFAULT_WINDOW: i64 = 600 * MICROS;

/// What the timeline screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineView {
    /// The anchor's host (where it happened) and user (who), either may be unknown.
    pub host: Option<String>,
    pub user: Option<String>,
    /// Lines of the user's events (any host) instead of the host's.
    pub by_user: bool,
    pub around: i64,
    /// Half the window (microseconds).
    pub window: i64,
    pub lines: Vec<TimelineLine>,
    /// Events in the window, also those the cap left out.
    pub total: u64,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    /// Why there are no lines when the query failed (an unknown host, say).
    pub error: Option<String>,
}

impl Default for TimelineView {
    fn default() -> TimelineView {
        TimelineView {
            host: None,
            user: None,
            by_user: false,
            around: 0,
            window: DEFAULT_WINDOW,
            lines: Vec::new(),
            total: 0,
            selected: 0,
            offset: 0,
            loading: false,
            error: None,
        }
    }
}

impl TimelineView {
    /// The query for the current anchor, mode and window.
    pub fn request(&self) -> TimelineRequest {
        TimelineRequest {
            host: if self.by_user {
                None
            } else {
                self.host.clone()
            },
            user: if self.by_user {
                self.user.clone()
            } else {
                None
            },
            around: self.around,
            window: self.window,
            cap: MAX_LINES,
        }
    }
}

/// Where a timeline is anchored: a host, a user, a time.
struct Anchor {
    host: Option<String>,
    user: Option<String>,
    time: i64,
}

/// A value that names nothing (tstats' `"null"`, Windows' `-`, empty).
fn present(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "-" && !s.eq_ignore_ascii_case("null")).then(|| s.to_string())
}

/// An event's user: its process user, else its SID by name (the bare SID when none known).
fn event_user(app: &App, e: &Event) -> Option<String> {
    if let Some(u) = e.user.as_deref().and_then(present) {
        return Some(u);
    }
    let sid = e.user_sid()?;
    Some(app.sid_names.get(sid).map_or(sid, |(n, _)| n).to_string())
}

fn event_anchor(app: &App, e: &Event) -> Anchor {
    Anchor {
        host: present(&e.computer),
        user: event_user(app, e),
        time: e.time,
    }
}

/// The anchor of what is selected on `screen`.
fn anchor_on(app: &App, screen: Screen) -> Option<Anchor> {
    match screen {
        Screen::Main => {
            let row = app.selected_row()?;
            let cols = &app.results.columns;
            let value = |i: Option<usize>| i.and_then(|i| row.key.get(i)).and_then(|v| present(v));
            let user = value(user_field(cols)).map(|u| match app.sid_names.get(&u) {
                Some((name, _)) => name.to_string(),
                None => u,
            });
            Some(Anchor {
                host: value(host_field(cols)),
                user,
                time: row.first,
            })
        }
        Screen::Edges => {
            let edge = app.edges.items.get(app.edges.selected)?;
            Some(Anchor {
                host: present(&edge.target),
                user: None,
                time: edge.first,
            })
        }
        Screen::Events => Some(event_anchor(
            app,
            app.events.events.get(app.events.selected)?,
        )),
        Screen::Timeline => {
            let line = app.timeline.lines.get(app.timeline.selected)?;
            Some(Anchor {
                host: present(&line.host),
                user: line.user.as_deref().and_then(present),
                time: line.time,
            })
        }
        // The text shows the event selected on the screen beneath it.
        Screen::Text | Screen::Detail => {
            let below = app
                .stack
                .iter()
                .rev()
                .nth(1)
                .copied()
                .unwrap_or(Screen::Main);
            (!matches!(below, Screen::Text | Screen::Detail)).then(|| anchor_on(app, below))?
        }
        Screen::Exclusions => None,
    }
}

/// `T` / `U`: the timeline around what is selected, of its host or of its user.
pub fn open(app: &mut App, by_user: bool) -> Vec<Effect> {
    let Some(anchor) = anchor_on(app, app.screen()) else {
        fail(app, "select a row, edge or event first".into());
        return vec![];
    };
    let missing = if by_user {
        anchor.user.is_none().then_some("user")
    } else {
        anchor.host.is_none().then_some("host")
    };
    if let Some(what) = missing {
        fail(
            app,
            format!("this selection names no {what} for a timeline"),
        );
        return vec![];
    }
    let window = app.timeline.window;
    app.timeline = TimelineView {
        host: anchor.host,
        user: anchor.user,
        by_user,
        around: anchor.time,
        window,
        ..TimelineView::default()
    };
    // One timeline screen: re-anchoring from it (or from its drill) replaces it, so Esc
    // goes back to where the first timeline was opened.
    match app.stack.iter().position(|s| *s == Screen::Timeline) {
        Some(pos) => app.stack.truncate(pos + 1),
        None => app.stack.push(Screen::Timeline),
    }
    vec![load(app)]
}

/// Ask for the timeline's lines; older answers become stale.
pub fn load(app: &mut App) -> Effect {
    app.gens.timeline = app.gens.bump();
    app.timeline.loading = true;
    app.timeline.error = None;
    Effect::LoadTimeline {
        gen_id: app.gens.timeline,
        request: app.timeline.request(),
    }
}

/// The next half-window up or down the steps (the current one when at an end).
pub fn step_window(window: i64, wider: bool) -> i64 {
    let secs = window / MICROS;
    let next = if wider {
        WINDOW_STEPS.iter().copied().find(|s| *s > secs)
    } else {
        WINDOW_STEPS.iter().rev().copied().find(|s| *s < secs)
    };
    next.map_or(window, |s| s * MICROS)
}

/// A key on the timeline screen: move, drill into the event, widen or narrow the window.
pub fn action(app: &mut App, a: Action) -> Vec<Effect> {
    let rows = layout::areas(app).body_rows(true);
    let tl = &mut app.timeline;
    if let Some(i) = moved(tl.selected, tl.lines.len(), rows, a) {
        tl.selected = i;
        tl.offset = keep_in_view(i, tl.offset, rows);
        return vec![];
    }
    match a {
        Action::Open => {
            let Some(line) = tl.lines.get(tl.selected) else {
                return vec![];
            };
            let event = line.event.clone();
            app.stack.push(Screen::Text);
            textview::open_event(app, event)
        }
        Action::Widen | Action::Narrow => {
            let w = step_window(tl.window, a == Action::Widen);
            if w == tl.window {
                say(app, format!("window stays ±{}", format_window(w)));
                return vec![];
            }
            tl.window = w;
            say(app, format!("window ±{}", format_window(w)));
            vec![load(app)]
        }
        _ => vec![],
    }
}

/// The answer for the current request: the lines, the selection on the first line at or after
/// the anchor's time (what the analyst came to see), or why there are none.
pub fn arrived(app: &mut App, result: Result<Timeline, String>) {
    let rows = layout::areas(app).body_rows(true);
    let tl = &mut app.timeline;
    tl.loading = false;
    match result {
        Ok(t) => {
            let header = t.header(app.tz);
            tl.total = t.total;
            tl.lines = t.lines;
            let at = tl.lines.iter().position(|l| l.time >= tl.around);
            tl.selected = at.unwrap_or(tl.lines.len().saturating_sub(1));
            // The anchor line in the middle of the screen, with what led up to it above.
            tl.offset = tl.selected.saturating_sub(rows / 2);
            say(app, header);
        }
        Err(e) => {
            tl.lines.clear();
            tl.total = 0;
            tl.error = Some(e.clone());
            fail(app, format!("timeline failed: {e}"));
        }
    }
}
