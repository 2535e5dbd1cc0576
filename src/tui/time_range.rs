//! The TUI's time range on offline evidence: what the analyst typed, read in the display zone,
//! with relative ends (`-24h`) counted back from the anchor (the last event in the index by
//! default, or now), and re-read when the index's span changes. Called from `update` only.

use super::app::{App, EventSource, Screen};
use super::drill;
use super::msg::Effect;
use super::update::{fail, hunt, say};
use crate::time::{
    Anchor, TimeRange, last_event_anchor, now_micros, parse_range, range_is_relative, short_time,
    zone_label,
};

/// The instant relative times count back from, and the anchor actually used: the last event
/// needs a known, non-empty span; until then (or on an empty index) it is now.
pub fn anchor_at(app: &App) -> (i64, Anchor) {
    let now = app.now.unwrap_or_else(now_micros);
    match (app.anchor, app.status.span) {
        (Anchor::LastEvent, Some((_, last))) => (last_event_anchor(last), Anchor::LastEvent),
        _ => (now, Anchor::Now),
    }
}

/// The range the typed text stands for now (the CLI's range when nothing was typed).
fn resolve(app: &App) -> Result<TimeRange, String> {
    if app.range_text.trim().is_empty() {
        return Ok(app.range);
    }
    parse_range(&app.range_text, anchor_at(app).0, app.tz)
}

/// Is the first hunt waiting for the index's span (a relative range on the last event)?
pub fn waits_for_span(app: &App) -> bool {
    app.anchor == Anchor::LastEvent && range_is_relative(&app.range_text) && !app.status_known
}

/// A typed range was submitted: take it, re-run what depends on it.
pub fn submit(app: &mut App, input: String) -> Vec<Effect> {
    let before = std::mem::replace(&mut app.range_text, input);
    if app.range_text.trim().is_empty() {
        app.range = TimeRange::ALL;
    }
    match resolve(app) {
        Ok(r) => {
            app.range = r;
            say(app, format!("time range: {}", label(app)));
            rerun(app)
        }
        Err(e) => {
            app.range_text = before;
            fail(app, e);
            vec![]
        }
    }
}

/// Switch the anchor between the last event and now; a relative range is read again.
pub fn toggle_anchor(app: &mut App) -> Vec<Effect> {
    app.anchor = app.anchor.toggled();
    let relative = range_is_relative(&app.range_text);
    let what = format!("relative times count from {}", app.anchor.label());
    if !relative {
        say(
            app,
            format!("{what} (the range {} is absolute)", label(app)),
        );
        return vec![];
    }
    match resolve(app) {
        Ok(r) => {
            app.range = r;
            say(app, format!("{what}: {}", r.describe_in(app.tz)));
            rerun(app)
        }
        Err(e) => {
            fail(app, e);
            vec![]
        }
    }
}

/// The index's status arrived: a relative range on the last event follows a new span (after an
/// ingest, or the first status of the session), and the hunt that waited for it starts.
pub fn status_arrived(app: &mut App, was_known: bool) -> Vec<Effect> {
    if !range_is_relative(&app.range_text) || app.anchor != Anchor::LastEvent {
        return vec![];
    }
    let Ok(r) = resolve(app) else {
        return vec![];
    };
    if r == app.range && was_known {
        return vec![];
    }
    app.range = r;
    rerun(app)
}

/// Everything shown for a range: the hunt, an open search, open edges.
fn rerun(app: &mut App) -> Vec<Effect> {
    let mut fx = vec![hunt(app)];
    if let EventSource::Search(q) = app.events.source.clone() {
        fx.push(super::input::search(app, q));
    }
    if app.stack.contains(&Screen::Edges) {
        fx.push(drill::load_edges(app));
    }
    fx
}

/// The header's range: `-24h from last event`, `-24h from now`, the typed absolute range, or
/// the CLI's range as times.
pub fn label(app: &App) -> String {
    let text = app.range_text.trim();
    if text.is_empty() {
        return app.range.describe_in(app.tz);
    }
    let text = crate::sanitize::inert_line(text).into_owned();
    if !range_is_relative(&app.range_text) {
        return text;
    }
    match anchor_at(app) {
        (_, Anchor::LastEvent) => format!("{text} from last event"),
        _ if app.anchor == Anchor::LastEvent && app.status_known => {
            format!("{text} from now (no events)")
        }
        _ if app.anchor == Anchor::LastEvent => format!("{text} from last event"),
        _ => format!("{text} from now"),
    }
}

/// The header's data span: `data 2026-03-09 08:00 → 2026-03-10 17:42 UTC`.
pub fn data_span(app: &App) -> Option<String> {
    let (first, last) = app.status.span?;
    Some(format!(
        "{} → {} {}",
        short_time(first, app.tz),
        short_time(last, app.tz),
        zone_label(app.tz)
    ))
}

/// What the time prompt opens with: the current range's text.
pub fn prompt_text(app: &App) -> String {
    if !app.range_text.trim().is_empty() {
        return app.range_text.clone();
    }
    if app.range.is_all() {
        return String::new();
    }
    // A range from the CLI given as instants: written back in the prompt's own syntax.
    let end = |t: Option<i64>| t.map(|t| crate::time::ctime(t, app.tz)).unwrap_or_default();
    format!("{}..{}", end(app.range.earliest), end(app.range.latest))
}
