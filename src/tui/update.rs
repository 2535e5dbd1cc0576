//! `update`: the only code that changes [`App`]. It takes one [`Msg`], changes state, and returns
//! the [`Effect`]s the driver should run. No I/O happens here.

use crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};

use super::action::Action;
use std::sync::Arc;

use super::app::{App, EventSource, Results, ResultsKey, Screen};
use super::input;
use super::layout;
use super::msg::{Effect, Msg};
use super::rows;
use super::textview;
use crate::sanitize::inert_line;

/// The effects to run when the TUI starts: status, exclusions, and the first hunt.
pub fn start(app: &mut App) -> Vec<Effect> {
    app.rev += 1;
    let mut fx = vec![
        Effect::RefreshStatus,
        Effect::LoadExclusions,
        Effect::LoadMarks,
    ];
    if super::time_range::waits_for_span(app) {
        // `-24h` from the last event: the hunt starts when the status says when that was.
        app.hunting = true;
    } else {
        fx.push(hunt(app));
    }
    fx
}

/// Ask for a new hunt over the current time range; older answers become stale.
pub fn hunt(app: &mut App) -> Effect {
    app.gens.hunt = app.gens.bump();
    app.hunting = true;
    Effect::Hunt {
        gen_id: app.gens.hunt,
        range: app.range,
    }
}

/// Apply one message. Stale answers and unbound keys change nothing (and cause no redraw).
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let rev = app.rev;
    let mut fx = step(app, msg);
    if app.rev != rev {
        fx.extend(want_activity(app));
    }
    fx
}

/// Most rows' events one activity request may load (busy rows keep the first..last bar).
const ACTIVITY_MAX_ROW_EVENTS: u64 = 5_000;

/// Ask for the event times of rows on screen that have no sparkline yet.
fn want_activity(app: &mut App) -> Option<Effect> {
    if app.screen() != Screen::Main || app.regrouping.is_some() || app.hunting {
        return None;
    }
    let key = app.results_key?;
    let h = app.hunts.get(key.0)?.clone();
    let shown = layout::areas(app).body_rows(true);
    let r = &app.results;
    let end = (r.offset + shown).min(r.visible.len());
    let need: Vec<u32> = r.visible[r.offset.min(end)..end]
        .iter()
        .copied()
        .filter(|i| !r.activity.contains_key(i))
        .filter(|i| r.rows[*i as usize].count <= ACTIVITY_MAX_ROW_EVENTS)
        .collect();
    if need.is_empty() || need.iter().all(|i| r.activity_pending.contains(i)) {
        return None;
    }
    let rows = need
        .iter()
        .map(|&i| {
            let uids = r.rows[i as usize]
                .groups
                .iter()
                .flat_map(|&g| h.groups[g as usize].events.iter().copied())
                .collect();
            (i, uids)
        })
        .collect();
    let span = r.span;
    app.results.activity_pending = need;
    Some(Effect::LoadActivity {
        hunt_gen: app.gens.hunt,
        key,
        rows,
        span,
        buckets: layout::TIMELINE,
    })
}

fn step(app: &mut App, msg: Msg) -> Vec<Effect> {
    // Under the "too small" note nothing the analyst cannot see may happen: only quit.
    if layout::too_small(app.size) && super::guard::swallowed(app, &msg) {
        return vec![];
    }
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return vec![];
            }
            // A notice is read whole, then any key but Ctrl-C (which always quits) closes it.
            let ctrl_c = super::keymap::Key::from_event(&key) == super::keymap::Key::ctrl_c();
            if app.notice.is_some() && !ctrl_c {
                app.rev += 1;
                app.notice = None;
                return vec![];
            }
            if app.help {
                app.rev += 1;
                app.help = false;
                return vec![];
            }
            if let Some(fx) = super::confirm::key(app, key) {
                app.rev += 1;
                return fx;
            }
            if app.prompt.is_some() {
                app.rev += 1;
                return input::prompt_key(app, key);
            }
            match app.keys.action(&key) {
                Some(a) => {
                    app.rev += 1;
                    input::action(app, a)
                }
                None => vec![],
            }
        }
        Msg::Action(a) => {
            app.rev += 1;
            if app.help && a != Action::Quit {
                app.help = false;
                return vec![];
            }
            if let Some(fx) = super::confirm::action(app, a) {
                return fx;
            }
            input::action(app, a)
        }
        Msg::Mouse(m) => mouse(app, m.kind, m.column, m.row),
        Msg::Resize(w, h) => {
            app.rev += 1;
            app.size = (w, h);
            input::keep_all_in_view(app);
            vec![]
        }
        Msg::Status(s) => {
            app.rev += 1;
            let was_known = app.status_known;
            app.status = s;
            app.status_known = true;
            super::time_range::status_arrived(app, was_known)
        }
        Msg::HuntDone { gen_id, result } => {
            if gen_id != app.gens.hunt {
                return vec![];
            }
            app.rev += 1;
            app.hunting = false;
            match result {
                Ok(h) => {
                    let selected = app.hunts.get(app.analytic).map(|h| h.query.id.clone());
                    let (listed, quiet) = list_order(h);
                    app.hunts = listed.into_iter().map(Arc::new).collect();
                    app.quiet_rules = quiet;
                    super::triage::recompute(app);
                    clear_results(app);
                    // The list is re-sorted by hits: the analyst stays on the same analytic.
                    app.analytic = selected
                        .and_then(|id| app.hunts.iter().position(|h| h.query.id == id))
                        .unwrap_or(0);
                    // A re-run (after an exclusion, say) keeps the analyst's place.
                    let (sel, off) = (app.results.selected, app.results.offset);
                    let mut fx = regroup(app);
                    let n = app.results.visible.len();
                    if n > 0 {
                        app.results.selected = sel.min(n - 1);
                        app.results.offset = off.min(app.results.selected);
                    }
                    // Names depend on the index only: asked for after the first hunt and after
                    // an ingest, not again for a re-run over the same events.
                    if app.sid_names_stale {
                        app.sid_names_stale = false;
                        fx.push(Effect::LoadSidNames {
                            hunt_gen: app.gens.hunt,
                        });
                    }
                    if let Some(id) = app.pending_report.take() {
                        say(app, suppression_report(app, &id));
                    } else if app.message.is_empty() || app.message.starts_with("hunt:") {
                        let rows: usize = app.hunts.iter().map(|h| h.rows()).sum();
                        let n = app.hunts.len();
                        let quiet = match app.quiet_rules {
                            0 => String::new(),
                            q => format!(" ({q} Sigma rules without a match not listed)"),
                        };
                        say(app, format!("hunt: {n} analytics, {rows} rows{quiet}"));
                    }
                    fx
                }
                Err(e) => {
                    fail(app, format!("hunt failed: {e}"));
                    vec![]
                }
            }
        }
        Msg::Regrouped {
            gen_id,
            key,
            results,
        } => {
            if gen_id != app.gens.regroup || app.regrouping != Some(key) {
                return vec![];
            }
            app.rev += 1;
            app.regrouping = None;
            show_results(app, key, *results);
            vec![]
        }
        Msg::EventsDone { gen_id, result } => {
            if gen_id != app.gens.events {
                return vec![];
            }
            app.rev += 1;
            app.events.loading = false;
            match result {
                Ok(ev) => app.events.events = ev,
                Err(e) => fail(app, format!("loading events failed: {e}")),
            }
            vec![]
        }
        Msg::SearchDone {
            gen_id,
            query,
            result,
        } => {
            if gen_id != app.gens.search {
                return vec![];
            }
            app.rev += 1;
            app.events.loading = false;
            match result {
                Ok(hits) => {
                    let counted = count_label(Some(hits.total), hits.events.len());
                    say(app, format!("search {:?}: {counted}", inert_line(&query)));
                    app.events.total = Some(hits.total);
                    app.events.events = hits.events;
                }
                Err(e) => fail(app, format!("search failed: {e}")),
            }
            vec![]
        }
        Msg::TextDone { gen_id, result } => {
            if gen_id != app.gens.text {
                return vec![];
            }
            app.rev += 1;
            app.text.loading = false;
            match result {
                Ok(ft) => textview::set_text(&mut app.text, &ft.text, ft.part_info),
                Err(e) => fail(app, format!("loading text failed: {e}")),
            }
            vec![]
        }
        Msg::ActivityDone {
            hunt_gen,
            key,
            result,
        } => {
            if hunt_gen != app.gens.hunt || app.results_key != Some(key) {
                return vec![];
            }
            app.rev += 1;
            match result {
                Ok(rows) => {
                    let r = &mut app.results;
                    for (i, h) in rows {
                        r.activity_pending.retain(|p| *p != i);
                        r.activity.insert(i, h);
                    }
                }
                // The bars stay (an empty histogram means "no sparkline"); not worth an error
                // line, and marking the rows stops them being asked for again.
                Err(_) => {
                    let r = &mut app.results;
                    for i in std::mem::take(&mut r.activity_pending) {
                        r.activity.insert(i, Vec::new());
                    }
                }
            }
            vec![]
        }
        Msg::EdgesDone { gen_id, result } => {
            if gen_id != app.gens.edges {
                return vec![];
            }
            app.rev += 1;
            super::drill::edges_arrived(app, result);
            vec![]
        }
        Msg::TimelineDone { gen_id, result } => {
            if gen_id != app.gens.timeline {
                return vec![];
            }
            app.rev += 1;
            super::timeline::arrived(app, result);
            vec![]
        }
        Msg::SidNamesDone { hunt_gen, result } => {
            if hunt_gen != app.gens.hunt {
                return vec![];
            }
            app.rev += 1;
            super::names::arrived(app, result);
            vec![]
        }
        Msg::ExclusionsDone(r) => {
            app.rev += 1;
            match r {
                Ok(items) => {
                    app.exclusions.items = items;
                    let n = app.exclusions.items.len();
                    app.exclusions.selected = app.exclusions.selected.min(n.saturating_sub(1));
                }
                Err(e) => fail(app, format!("loading exclusions failed: {e}")),
            }
            vec![]
        }
        Msg::ExclusionAdded(r) => {
            app.rev += 1;
            match r {
                Ok(x) => {
                    say(app, format!("added {}; re-running the hunt", x.id));
                    app.pending_report = Some(x.id);
                    vec![Effect::LoadExclusions, hunt(app)]
                }
                Err(e) => {
                    fail(app, format!("adding the exclusion failed: {e}"));
                    vec![]
                }
            }
        }
        Msg::ExclusionChanged(r) => {
            app.rev += 1;
            match r {
                Ok(what) => {
                    say(app, what);
                    vec![Effect::LoadExclusions, hunt(app)]
                }
                Err(e) => {
                    fail(app, e);
                    vec![]
                }
            }
        }
        Msg::IngestProgress(p) => {
            app.rev += 1;
            app.ingest = Some(p);
            vec![]
        }
        Msg::IngestDone(r) => {
            app.rev += 1;
            app.ingest = None;
            // The outcome stays on screen until dismissed; the status line moves on.
            match r {
                Ok(summary) => {
                    app.sid_names_stale = true;
                    say(app, summary.clone());
                    super::notice::show(app, "ingest done", summary, false);
                    vec![Effect::RefreshStatus, hunt(app)]
                }
                Err(e) => {
                    fail(app, format!("ingest failed: {e}"));
                    super::notice::show(app, "ingest failed", e, true);
                    vec![Effect::RefreshStatus]
                }
            }
        }
        Msg::Signal(sig) => {
            app.rev += 1;
            app.exit_signal = Some(sig);
            app.quit = true;
            vec![]
        }
        Msg::MarksDone(r) => {
            app.rev += 1;
            super::triage::arrived(app, r);
            vec![]
        }
        Msg::MarksSet(r) => {
            app.rev += 1;
            super::triage::set_done(app, r)
        }
        Msg::Outcome(r) => {
            app.rev += 1;
            match r {
                Ok(s) => say(app, s),
                Err(e) => fail(app, e),
            }
            vec![]
        }
    }
}

fn mouse(app: &mut App, kind: MouseEventKind, col: u16, row: u16) -> Vec<Effect> {
    match kind {
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            app.rev += 1;
            let a = if kind == MouseEventKind::ScrollUp {
                Action::Up
            } else {
                Action::Down
            };
            (0..3).flat_map(|_| input::action(app, a)).collect()
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let areas = layout::areas(app);
            let inside = |r: ratatui::layout::Rect, top: u16| {
                col >= r.x && col < r.x + r.width && row >= r.y + top && row + 1 < r.y + r.height
            };
            if app.screen() == Screen::Main && inside(areas.analytics, 1) {
                let shown = areas.analytics_rows();
                let first = (app.analytic + 1).saturating_sub(shown);
                let i = first + (row - areas.analytics.y - 1) as usize;
                if i < app.hunts.len() {
                    app.rev += 1;
                    app.analytic = i;
                    app.focus = super::app::Focus::Analytics;
                    return regroup(app);
                }
            } else if inside(areas.body, 2) {
                let i = (row - areas.body.y - 2) as usize;
                app.rev += 1;
                input::click_row(app, i);
            }
            vec![]
        }
        _ => vec![],
    }
}

/// Results with more groups than this are regrouped on a worker so keys stay responsive.
pub const ASYNC_REGROUP: usize = 20_000;

/// Show the selected analytic's rows (pivot, suppressed or not), then filter and sort. Row sets
/// built earlier for this hunt come from the cache; a big one is built on a worker.
pub fn regroup(app: &mut App) -> Vec<Effect> {
    let key = (app.analytic, app.pivot, app.show_suppressed);
    let old = std::mem::take(&mut app.results);
    if let Some(k) = app.results_key.take() {
        app.results_cache.push((k, old));
        if app.results_cache.len() > 8 {
            app.results_cache.remove(0);
        }
    }
    app.regrouping = None;
    if let Some(pos) = app.results_cache.iter().position(|(k, _)| *k == key) {
        let cached = app.results_cache.swap_remove(pos).1;
        show_results(app, key, cached);
        return vec![];
    }
    let Some(h) = app.hunts.get(app.analytic).cloned() else {
        show_results(app, key, Results::default());
        return vec![];
    };
    if h.groups.len() < ASYNC_REGROUP {
        show_results(app, key, rows::build_results(&h, key.1, key.2));
        return vec![];
    }
    app.gens.regroup = app.gens.bump();
    app.regrouping = Some(key);
    vec![Effect::Regroup {
        gen_id: app.gens.regroup,
        key,
        result: h,
    }]
}

fn show_results(app: &mut App, key: ResultsKey, results: Results) {
    app.results = results;
    // Requests made while these rows were cached may never be answered for them.
    app.results.activity_pending.clear();
    app.results_key = Some(key);
    app.results.applied = None;
    app.sideways.results = 0;
    super::names::fit_column(app);
    reorder(app);
}

/// Forget every built row set (a new hunt arrived).
pub fn clear_results(app: &mut App) {
    app.results_cache.clear();
    app.results_key = None;
}

/// Filter and sort the rows again; the selection goes back to the top. Each sort order is
/// computed once per row set; a filter that only grew narrows the rows already shown.
pub fn reorder(app: &mut App) {
    let r = &mut app.results;
    let needle = app.filter.to_lowercase();
    let narrowing =
        matches!(&r.applied, Some((s, f)) if *s == app.sort && needle.starts_with(f.as_str()));
    r.visible = if narrowing {
        rows::filtered(&r.rows, &r.visible, &needle)
    } else {
        if !r.orders.iter().any(|(s, _)| *s == app.sort) {
            let all = rows::sorted(&r.rows, app.sort);
            r.orders.push((app.sort, all));
        }
        let all = r
            .orders
            .iter()
            .find(|(s, _)| *s == app.sort)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[]);
        rows::filtered(&r.rows, all, &needle)
    };
    r.applied = Some((app.sort, needle));
    r.selected = 0;
    r.offset = 0;
    super::triage::filter_visible(app);
}

/// What an exclusion suppressed in the latest hunt, summed over analytics.
fn suppression_report(app: &App, id: &str) -> String {
    let (mut r, mut e) = (0, 0);
    for h in &app.hunts {
        if let Some(s) = h.suppressed.get(id) {
            r += s.rows;
            e += s.events;
        }
    }
    format!("{id} suppresses {r} rows / {e} events")
}

/// Set the status line to an outcome.
pub fn say(app: &mut App, s: String) {
    app.message = s;
    app.message_is_error = false;
}

/// Set the status line to an error.
pub fn fail(app: &mut App, s: String) {
    app.message = s;
    app.message_is_error = true;
}

/// How many events a list holds: `N match, M shown` when a search matched more than it
/// lists (never the cap as if it were the total), `N match` when it lists them all, and
/// `N events` for lists that are not searches.
pub fn count_label(total: Option<u64>, shown: usize) -> String {
    match total {
        Some(t) if t > shown as u64 => format!("{t} match, {shown} shown"),
        Some(t) => format!("{t} match"),
        None => format!("{shown} events"),
    }
}

/// What the event list shows, for its title (sanitized).
pub fn source_label(src: &EventSource) -> String {
    match src {
        EventSource::None => String::new(),
        EventSource::Group(g) => format!("events of {}", inert_line(g)),
        EventSource::Search(q) => format!("search: {}", inert_line(q)),
        EventSource::Edge(e) => format!("evidence on the target of {}", inert_line(e)),
        EventSource::Dropped(a) => format!("dropped by {}", inert_line(a)),
    }
}

/// The analytics list: the built-in analytics in their order, then the Sigma rules that
/// matched something (kept or suppressed rows, or dropped events), most severe level first,
/// then most events. Returns the list and how many Sigma rules matched nothing (thousands of
/// empty rules would bury the few that fired).
fn list_order(
    results: Vec<crate::analytics::HuntResult>,
) -> (Vec<crate::analytics::HuntResult>, usize) {
    use crate::analytics::HuntResult;
    let (mut sigma, mut listed): (Vec<HuntResult>, Vec<HuntResult>) = results
        .into_iter()
        .partition(|r| r.query.kind == crate::analytics::QueryKind::Sigma);
    let before = sigma.len();
    sigma.retain(|r| !r.groups.is_empty() || !r.dropped.is_empty());
    let quiet = before - sigma.len();
    let events = |r: &HuntResult| r.groups.iter().map(|g| g.count).sum::<u64>();
    sigma.sort_by(|a, b| {
        crate::analytics::level_of(&b.query)
            .cmp(&crate::analytics::level_of(&a.query))
            .then(events(b).cmp(&events(a)))
            .then(a.query.name.cmp(&b.query.name))
    });
    listed.extend(sigma);
    (listed, quiet)
}
