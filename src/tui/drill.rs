//! Drilling from a summary to its events: an edge's target-side evidence, an analytic's dropped
//! events, a group's events; and loading the edges view.

use super::action::Action;
use super::app::{App, EventSource, PromptKind, Screen};
use super::input::{keep_in_view, moved};
use super::layout;
use super::msg::Effect;
use super::update::{fail, say};

/// Ask for the edges of the current time range; the list keeps its place until they arrive.
pub fn load_edges(app: &mut App) -> Effect {
    app.gens.edges = app.gens.bump();
    app.edges.loading = true;
    Effect::LoadEdges {
        gen_id: app.gens.edges,
        range: app.range,
    }
}

/// The edges for the current request: show them (the selection stays in bounds) or say why not.
pub fn edges_arrived(app: &mut App, result: Result<Vec<crate::extended::Edge>, String>) {
    app.edges.loading = false;
    match result {
        Ok(items) => {
            let n = items.len();
            app.edges.items = items;
            let by = app.edges.sort;
            super::edges_table::sort(&mut app.edges, by);
            app.edges.selected = app.edges.selected.min(n.saturating_sub(1));
            app.edges.offset = app.edges.offset.min(app.edges.selected);
        }
        Err(e) => fail(app, format!("loading edges failed: {e}")),
    }
}

/// Open an event list loading these uids (a group's, an edge's evidence, dropped events).
pub fn open_events(app: &mut App, source: EventSource, uids: Vec<u64>) -> Vec<Effect> {
    app.gens.events = app.gens.bump();
    app.events.source = source;
    app.events.events.clear();
    app.events.reasons.clear();
    app.events.selected = 0;
    app.events.offset = 0;
    app.events.total = None;
    app.events.loading = true;
    app.stack.push(Screen::Events);
    vec![Effect::LoadEvents {
        gen_id: app.gens.events,
        uids,
    }]
}

/// A key on the edges screen: move, or open the selected edge's evidence.
pub fn edges_action(app: &mut App, a: Action) -> Vec<Effect> {
    let rows = layout::areas(app).body_rows(true);
    let ed = &mut app.edges;
    if let Some(i) = moved(ed.selected, ed.items.len(), rows, a) {
        ed.selected = i;
        ed.offset = keep_in_view(i, ed.offset, rows);
        return vec![];
    }
    match a {
        Action::Open => {}
        Action::Sort => {
            super::edges_table::next_sort(app);
            return vec![];
        }
        Action::Export => {
            return super::input::open_prompt(app, PromptKind::Export, "edges.csv".into());
        }
        Action::Mark => return super::triage::open(app),
        _ => return vec![],
    }
    let Some(edge) = ed.items.get(ed.selected) else {
        return vec![];
    };
    let label = format!("{} → {}", edge.source, edge.target);
    if edge.evidence.is_empty() {
        fail(
            app,
            format!(
                "no target-side evidence for {} (its target logged no session of it)",
                crate::sanitize::inert_line(&label)
            ),
        );
        return vec![];
    }
    let uids = edge.evidence.clone();
    open_events(app, EventSource::Edge(label), uids)
}

/// The selected analytic's dropped events, with their reasons.
pub fn open_dropped(app: &mut App) -> Vec<Effect> {
    let Some(h) = app.current() else {
        return vec![];
    };
    let name = h.query.name.clone();
    if h.dropped.is_empty() {
        say(
            app,
            format!(
                "{}: no event dropped (every match has all its by-fields)",
                crate::sanitize::inert_line(&name)
            ),
        );
        return vec![];
    }
    let uids: Vec<u64> = h.dropped.iter().map(|d| d.uid).collect();
    let reasons = h
        .dropped
        .iter()
        .map(|d| (d.uid, d.reason.clone()))
        .collect();
    let fx = open_events(app, EventSource::Dropped(name), uids);
    app.events.reasons = reasons;
    fx
}
