//! How actions and prompt keys change state (called from `update` only).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::app::{App, EventSource, Focus, Prompt, PromptKind, Screen};
use super::drill;
use super::exclude;
use super::layout;
use super::msg::Effect;
use super::textview;
use super::update::{fail, hunt, regroup, reorder, say};
use crate::time::TimeRange;

/// Apply one action on the current screen.
pub fn action(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Quit => {
            app.quit = true;
            return vec![];
        }
        Action::Help => {
            app.help = !app.help;
            return vec![];
        }
        // Prompts open with the current value (the range) or the last one submitted.
        Action::TimeRange => {
            let text = super::time_range::prompt_text(app);
            return open_prompt(app, PromptKind::TimeRange, text);
        }
        Action::ToggleAnchor => return super::time_range::toggle_anchor(app),
        Action::Search | Action::Ingest => {
            let kind = if a == Action::Search {
                PromptKind::Search
            } else {
                PromptKind::Ingest
            };
            let last = app.history.last(kind).unwrap_or_default().to_string();
            return open_prompt(app, kind, last);
        }
        Action::Report => {
            let name =
                crate::report::default_file_name(app.now.unwrap_or_else(crate::time::now_micros));
            return open_prompt(app, PromptKind::Report, name);
        }
        Action::Refresh => {
            // Another process may have ingested: names are asked for again with the hunt.
            app.sid_names_stale = true;
            return vec![Effect::RefreshStatus, hunt(app)];
        }
        Action::Exclusions if app.screen() != Screen::Exclusions => {
            app.stack.push(Screen::Exclusions);
            return vec![Effect::LoadExclusions];
        }
        Action::Timeline | Action::TimelineUser => {
            return super::timeline::open(app, a == Action::TimelineUser);
        }
        Action::Undo if matches!(app.screen(), Screen::Main | Screen::Exclusions) => {
            say(app, "undoing the last exclusion add / delete".into());
            return vec![Effect::UndoExclusion];
        }
        Action::Edges if app.screen() != Screen::Edges => {
            app.stack.push(Screen::Edges);
            return vec![drill::load_edges(app)];
        }
        Action::RowDetail if app.screen() != Screen::Detail => return super::detail::open(app),
        // Tables scroll sideways by column; the text view keeps its own horizontal scroll.
        Action::Left | Action::Right if super::table_specs::scroll(app, a == Action::Right) => {
            return vec![];
        }
        Action::Back => {
            if app.stack.pop().is_none() && !app.filter.is_empty() {
                app.filter.clear();
                reorder(app);
            }
            return vec![];
        }
        _ => {}
    }
    match app.screen() {
        Screen::Main => main_action(app, a),
        Screen::Events => events_action(app, a),
        Screen::Text => text_action(app, a),
        Screen::Exclusions => exclusions_action(app, a),
        Screen::Edges => drill::edges_action(app, a),
        Screen::Timeline => super::timeline::action(app, a),
        Screen::Detail => super::detail::action(app, a),
    }
}

/// Move a selection by an action; `None` when the action is not a move.
pub(super) fn moved(sel: usize, len: usize, page: usize, a: Action) -> Option<usize> {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    Some(match a {
        Action::Up => sel.saturating_sub(1),
        Action::Down => (sel + 1).min(last),
        Action::PageUp => sel.saturating_sub(page),
        Action::PageDown => (sel + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return None,
    })
}

/// The offset that keeps `sel` on screen with `rows` rows.
pub fn keep_in_view(sel: usize, offset: usize, rows: usize) -> usize {
    let rows = rows.max(1);
    if sel < offset {
        sel
    } else if sel >= offset + rows {
        sel + 1 - rows
    } else {
        offset
    }
}

/// Re-fit every list's scroll after a resize.
pub fn keep_all_in_view(app: &mut App) {
    let rows = layout::areas(app).body_rows(true);
    let r = &mut app.results;
    r.offset = keep_in_view(r.selected, r.offset, rows);
    let e = &mut app.events;
    e.offset = keep_in_view(e.selected, e.offset, rows);
    let g = &mut app.edges;
    g.offset = keep_in_view(g.selected, g.offset, rows);
    let t = &mut app.timeline;
    t.offset = keep_in_view(t.selected, t.offset, rows);
}

/// A click on the `i`-th visible body row.
pub fn click_row(app: &mut App, i: usize) {
    match app.screen() {
        Screen::Main => {
            let idx = app.results.offset + i;
            if idx < app.results.visible.len() {
                app.results.selected = idx;
                app.focus = Focus::Results;
            }
        }
        Screen::Events => {
            let idx = app.events.offset + i;
            if idx < app.events.events.len() {
                app.events.selected = idx;
            }
        }
        Screen::Exclusions => {
            if i < app.exclusions.items.len() {
                app.exclusions.selected = i;
            }
        }
        Screen::Edges => {
            let idx = app.edges.offset + i;
            if idx < app.edges.items.len() {
                app.edges.selected = idx;
            }
        }
        Screen::Timeline => {
            let idx = app.timeline.offset + i;
            if idx < app.timeline.lines.len() {
                app.timeline.selected = idx;
            }
        }
        Screen::Text | Screen::Detail => {}
    }
}

fn main_action(app: &mut App, a: Action) -> Vec<Effect> {
    let areas = layout::areas(app);
    if app.focus == Focus::Analytics
        && let Some(i) = moved(app.analytic, app.hunts.len(), areas.analytics_rows(), a)
    {
        if i != app.analytic {
            app.analytic = i;
            return regroup(app);
        }
        return vec![];
    }
    let rows = areas.body_rows(true);
    if let Some(i) = moved(app.results.selected, app.results.visible.len(), rows, a) {
        app.results.selected = i;
        app.results.offset = keep_in_view(i, app.results.offset, rows);
        return vec![];
    }
    match a {
        Action::FocusNext => {
            app.focus = match app.focus {
                Focus::Analytics => Focus::Results,
                Focus::Results => Focus::Analytics,
            }
        }
        Action::Open if app.focus == Focus::Analytics => app.focus = Focus::Results,
        Action::Open => return open_group(app),
        Action::Filter => {
            let f = app.filter.clone();
            return open_prompt(app, PromptKind::Filter, f);
        }
        Action::Pivot => {
            app.pivot = app.pivot.next();
            say(app, format!("pivot: {}", app.pivot.label()));
            return regroup(app);
        }
        Action::Sort => {
            app.sort = app.sort.next();
            reorder(app);
            say(app, format!("sort: {}", app.sort.label()));
        }
        Action::ShowSuppressed => {
            app.show_suppressed = !app.show_suppressed;
            let s = if app.show_suppressed {
                "shown"
            } else {
                "hidden"
            };
            say(app, format!("suppressed rows {s}"));
            return regroup(app);
        }
        Action::Dropped => return drill::open_dropped(app),
        Action::Mark => return super::triage::open(app),
        Action::StatusFilter => return super::triage::cycle_filter(app),
        Action::ExcludeHost => return exclude::host(app),
        Action::ExcludeUser => return exclude::user(app),
        Action::ExcludeText => return exclude::text(app),
        Action::ExcludePattern => {
            return match exclude::pattern_prefill(app) {
                Some(p) => open_prompt(app, PromptKind::ExcludePattern, p),
                None => vec![],
            };
        }
        Action::Export => {
            let id = app
                .current()
                .map(|h| h.query.id.clone())
                .unwrap_or_default();
            return open_prompt(app, PromptKind::Export, format!("{id}.csv"));
        }
        _ => {}
    }
    vec![]
}

fn open_group(app: &mut App) -> Vec<Effect> {
    let Some(row) = app.selected_row() else {
        return vec![];
    };
    let Some(h) = app.current() else {
        return vec![];
    };
    let mut uids: Vec<u64> = Vec::new();
    for &g in &row.groups {
        uids.extend(&h.groups[g as usize].events);
    }
    let label = crate::sanitize::inert_line(&row.key.join(" · ")).into_owned();
    drill::open_events(app, EventSource::Group(label), uids)
}

fn events_action(app: &mut App, a: Action) -> Vec<Effect> {
    let rows = layout::areas(app).body_rows(true);
    let ev = &mut app.events;
    if let Some(i) = moved(ev.selected, ev.events.len(), rows, a) {
        ev.selected = i;
        ev.offset = keep_in_view(i, ev.offset, rows);
        return vec![];
    }
    if a != Action::Open {
        return vec![];
    }
    let Some(event) = app.events.events.get(app.events.selected).cloned() else {
        return vec![];
    };
    app.stack.push(Screen::Text);
    textview::open_event(app, event)
}

fn text_action(app: &mut App, a: Action) -> Vec<Effect> {
    let rows = layout::areas(app).body_rows(false);
    let t = &mut app.text;
    if let Some(i) = moved(t.scroll, t.lines.len(), rows, a) {
        t.scroll = i;
        return vec![];
    }
    match a {
        Action::Left => t.hscroll = t.hscroll.saturating_sub(8),
        Action::Right if !t.wrap => t.hscroll += 8,
        Action::Wrap => {
            t.wrap = !t.wrap;
            t.hscroll = 0;
        }
        Action::Filter => {
            let s = t.search.clone();
            return open_prompt(app, PromptKind::TextSearch, s);
        }
        Action::NextMatch | Action::PrevMatch => {
            textview::step_match(t, a == Action::NextMatch);
            if t.matches.is_empty() {
                fail(app, "no match".into());
            }
        }
        Action::Copy => {
            let raw = t.raw.clone();
            say(app, format!("copied {} bytes (OSC 52)", raw.len()));
            return vec![Effect::Clipboard(raw)];
        }
        Action::WriteText => return open_prompt(app, PromptKind::WriteText, "script.txt".into()),
        _ => {}
    }
    vec![]
}

fn exclusions_action(app: &mut App, a: Action) -> Vec<Effect> {
    let x = &mut app.exclusions;
    if let Some(i) = moved(x.selected, x.items.len(), 10, a) {
        x.selected = i;
        return vec![];
    }
    let Some(item) = x.items.get(x.selected) else {
        return vec![];
    };
    match a {
        Action::Toggle | Action::Open => vec![Effect::SetExclusionEnabled {
            id: item.id.clone(),
            enabled: !item.enabled,
        }],
        Action::Delete => {
            let item = item.clone();
            super::confirm::ask_delete(app, &item)
        }
        _ => vec![],
    }
}

pub(super) fn open_prompt(app: &mut App, kind: PromptKind, input: String) -> Vec<Effect> {
    app.prompt = Some(Prompt { kind, input });
    app.walk = Default::default();
    vec![]
}

/// A key while a prompt is open: edit, submit (enter) or cancel (esc).
pub fn prompt_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(p) = app.prompt.as_mut() else {
        return vec![];
    };
    let kind = p.kind;
    if kind == PromptKind::MarkStatus {
        return super::triage::status_key(app, key);
    }
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    // A history walk ends with its prompt (a prompt opened elsewhere starts a fresh one).
    if ctrl_c || matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
        app.walk = Default::default();
    }
    match key.code {
        _ if ctrl_c => {
            app.prompt = None;
            return vec![];
        }
        KeyCode::Esc => {
            app.prompt = None;
            if kind == PromptKind::Filter {
                app.filter.clear();
                reorder(app);
            }
            return vec![];
        }
        KeyCode::Enter => {
            let input = app.prompt.take().map(|p| p.input).unwrap_or_default();
            let input = input.trim().to_string();
            let save = super::history::submitted(app, kind, &input);
            let mut fx = submit(app, kind, input);
            fx.extend(save);
            return fx;
        }
        KeyCode::Up | KeyCode::Down => {
            super::history::step(app, key.code == KeyCode::Up);
        }
        KeyCode::Backspace => {
            p.input.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => p.input.push(c),
        _ => return vec![],
    }
    if kind == PromptKind::Filter {
        app.filter = app
            .prompt
            .as_ref()
            .map(|p| p.input.clone())
            .unwrap_or_default();
        reorder(app);
    }
    vec![]
}

/// Parse a typed time range (`all`, `-24h`, `2024-10-21`, `EARLIEST..LATEST`) in UTC with
/// relative ends counted back from `now`; the TUI itself reads it in its zone and anchor
/// (see [`crate::time::parse_range`] and `time_range.rs`).
pub fn parse_range(s: &str, now: i64) -> Result<TimeRange, String> {
    crate::time::parse_range(s, now, None)
}

fn submit(app: &mut App, kind: PromptKind, input: String) -> Vec<Effect> {
    match kind {
        PromptKind::Filter => vec![],
        PromptKind::TimeRange => super::time_range::submit(app, input),
        PromptKind::Search if input.is_empty() => vec![],
        PromptKind::Search => {
            app.stack.clear();
            app.stack.push(Screen::Events);
            vec![search(app, input)]
        }
        PromptKind::Ingest if input.is_empty() => vec![],
        PromptKind::Ingest => {
            app.ingest = Some(Default::default());
            say(app, format!("ingesting {input}"));
            vec![Effect::Ingest {
                paths: vec![PathBuf::from(input)],
            }]
        }
        PromptKind::ExcludePattern => exclude::pattern(app, &input),
        PromptKind::Export if input.is_empty() => vec![],
        PromptKind::Export if app.screen() == Screen::Edges => {
            vec![super::edges_table::export(app, PathBuf::from(input))]
        }
        PromptKind::Export => {
            let contents = exclude::export_rows(app, input.ends_with(".json"));
            vec![Effect::WriteFile {
                path: PathBuf::from(input),
                contents,
            }]
        }
        PromptKind::WriteText if input.is_empty() => vec![],
        PromptKind::WriteText => vec![Effect::WriteFile {
            path: PathBuf::from(input),
            contents: app.text.raw.clone(),
        }],
        PromptKind::Report if input.is_empty() => vec![],
        PromptKind::Report => {
            say(app, format!("writing the case report to {input}"));
            vec![Effect::WriteReport {
                path: PathBuf::from(input),
            }]
        }
        PromptKind::MarkStatus => vec![],
        PromptKind::MarkNote => super::triage::submit_note(app, input),
        PromptKind::TextSearch => {
            textview::find(&mut app.text, &input);
            if !input.is_empty() && app.text.matches.is_empty() {
                fail(app, format!("{input:?} not found"));
            }
            vec![]
        }
    }
}

pub(super) fn search(app: &mut App, q: String) -> Effect {
    app.gens.search = app.gens.bump();
    app.events.source = EventSource::Search(q.clone());
    app.events.events.clear();
    app.events.reasons.clear();
    app.events.selected = 0;
    app.events.offset = 0;
    app.events.total = None;
    app.events.loading = true;
    Effect::Search {
        gen_id: app.gens.search,
        query: q,
        range: app.range,
    }
}
