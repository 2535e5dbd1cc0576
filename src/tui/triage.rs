//! Triage in the workbench: `m` marks the selected row (every group of a pivoted row) or
//! edge with a status and a note, `F` filters the results by status. The marks are loaded
//! at start and after every change; each hunt's groups are matched with them once, when the
//! hunt or the marks arrive, never per frame.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, PromptKind, Screen};
use super::input::open_prompt;
use super::msg::Effect;
use super::rows::Row;
use super::update::{fail, reorder, say};
use crate::sanitize::inert_line;
use crate::triage::{MarkTarget, Marks, Status, StatusCounts, edge_identity};

/// One group's mark, as the table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMark {
    pub status: Status,
    /// Events added since it was marked (0 unless it grew).
    pub grown: u64,
}

/// What the workbench knows about marks.
#[derive(Debug, Clone, Default)]
pub struct TriageView {
    pub marks: Marks,
    /// Per hunt (as `App::hunts`), per group: its mark.
    pub groups: Vec<Vec<Option<GroupMark>>>,
    /// Per hunt: kept rows per status.
    pub counts: Vec<StatusCounts>,
    /// Show only rows of this status (`None`: all).
    pub filter: Option<Status>,
    /// The rows `m` is marking while its prompts are open.
    pub pending: Vec<MarkTarget>,
    pub pending_status: Option<Status>,
    /// The note the note prompt opens with (the rows' existing note).
    pub pending_note: String,
}

impl TriageView {
    /// Is any group of the hunt at `i` marked? (Tables show a mark column only then.)
    pub fn any_in(&self, i: usize) -> bool {
        self.groups
            .get(i)
            .is_some_and(|g| g.iter().any(Option::is_some))
    }

    /// The mark of group `g` of hunt `i`.
    pub fn of(&self, i: usize, g: u32) -> Option<GroupMark> {
        self.groups.get(i)?.get(g as usize).copied().flatten()
    }

    /// The status a group counts as (unmarked: untriaged).
    fn status_of(&self, i: usize, g: u32) -> Status {
        self.of(i, g).map_or(Status::Untriaged, |m| m.status)
    }

    /// The cell of a row: `benign`, `SUSP`, `MAL+7` (grew by 7), `mixed` when its groups
    /// differ, empty when none is marked.
    pub fn cell(&self, i: usize, row: &Row) -> String {
        let mut marks = row.groups.iter().map(|&g| self.of(i, g));
        let Some(first) = marks.next() else {
            return String::new();
        };
        let mut grown = first.map_or(0, |m| m.grown);
        for m in marks {
            if m.map(|m| m.status) != first.map(|m| m.status) {
                return "mixed".into();
            }
            grown += m.map_or(0, |m| m.grown);
        }
        match first {
            None => String::new(),
            Some(m) if grown > 0 => format!("{}+{grown}", m.status.short()),
            Some(m) => m.status.short().to_string(),
        }
    }
}

/// Match every hunt's groups with the marks (after a hunt or a change of the marks).
pub fn recompute(app: &mut App) {
    let t = &mut app.triage;
    t.groups.clear();
    t.counts.clear();
    for h in &app.hunts {
        let groups: Vec<Option<GroupMark>> = t
            .marks
            .of_groups(&h.query, &h.groups)
            .into_iter()
            .zip(&h.groups)
            .map(|(m, g)| {
                m.map(|m| GroupMark {
                    status: m.status,
                    grown: g.count.saturating_sub(m.count),
                })
            })
            .collect();
        let mut counts = StatusCounts::default();
        for (g, m) in h.groups.iter().zip(&groups) {
            if g.is_kept() {
                counts.add(m.map_or(Status::Untriaged, |m| m.status));
            }
        }
        t.groups.push(groups);
        t.counts.push(counts);
    }
}

/// The marks arrived (at start or after a change): match them and re-apply a status filter.
pub fn arrived(app: &mut App, result: Result<Vec<crate::triage::Mark>, String>) {
    match result {
        Ok(list) => {
            app.triage.marks = Marks::new(list);
            recompute(app);
            if app.triage.filter.is_some() {
                refilter(app);
            }
        }
        Err(e) => fail(app, format!("loading marks failed: {e}")),
    }
}

/// Keep only the visible rows of the status filter (called by `reorder`). A pivoted row
/// passes when any of its groups has the status.
pub fn filter_visible(app: &mut App) {
    let Some(want) = app.triage.filter else {
        return;
    };
    let i = app.analytic;
    let (t, r) = (&app.triage, &mut app.results);
    r.visible.retain(|&v| {
        r.rows[v as usize]
            .groups
            .iter()
            .any(|&g| t.status_of(i, g) == want)
    });
}

/// `F`: all → untriaged → benign → suspicious → malicious → all.
pub fn cycle_filter(app: &mut App) -> Vec<Effect> {
    let t = &mut app.triage;
    t.filter = match t.filter {
        None => Some(Status::Untriaged),
        Some(Status::Malicious) => None,
        Some(s) => Status::ALL
            .iter()
            .position(|x| *x == s)
            .and_then(|p| Status::ALL.get(p + 1).copied()),
    };
    let label = app.triage.filter.map_or("all", Status::label);
    say(app, format!("status filter: {label}"));
    refilter(app);
    vec![]
}

/// Filter and sort again from scratch (the status filter changed, so narrowing the rows
/// already shown would be wrong).
fn refilter(app: &mut App) {
    app.results.applied = None;
    reorder(app);
}

/// `m` on the results or the edges: remember what to mark, ask for the status.
pub fn open(app: &mut App) -> Vec<Effect> {
    let (targets, note) = match app.screen() {
        Screen::Main => selected_groups(app),
        Screen::Edges => selected_edge(app),
        _ => return vec![],
    };
    if targets.is_empty() {
        fail(app, "no row selected to mark".into());
        return vec![];
    }
    app.triage.pending = targets;
    app.triage.pending_status = None;
    app.triage.pending_note = note;
    open_prompt(app, PromptKind::MarkStatus, String::new())
}

/// Every group of the selected row, and the note they share (prefilled in the note prompt).
fn selected_groups(app: &App) -> (Vec<MarkTarget>, String) {
    let (Some(row), Some(h)) = (app.selected_row(), app.current()) else {
        return (vec![], String::new());
    };
    let q = &h.query;
    let chosen = row.groups.iter().filter_map(|&g| h.groups.get(g as usize));
    let targets = crate::triage::group_targets(q, &h.groups, chosen);
    let notes: Vec<String> = row
        .groups
        .iter()
        .filter_map(|&g| h.groups.get(g as usize))
        .map(|g| {
            app.triage
                .marks
                .of_group(q, g)
                .and_then(|m| m.note.clone())
                .unwrap_or_default()
        })
        .collect();
    (targets, shared(notes))
}

fn selected_edge(app: &App) -> (Vec<MarkTarget>, String) {
    let Some(e) = app.edges.items.get(app.edges.selected) else {
        return (vec![], String::new());
    };
    let note = app
        .triage
        .marks
        .of_edge(&e.source, &e.target)
        .and_then(|m| m.note.clone())
        .unwrap_or_default();
    let target = MarkTarget {
        analytic: crate::triage::EDGES.into(),
        key: edge_identity(&e.source, &e.target),
        count: e.count,
        first: e.first,
        last: e.last,
    };
    (vec![target], note)
}

/// The note every group has, or nothing when they differ.
fn shared(notes: Vec<String>) -> String {
    match notes.split_first() {
        Some((first, rest)) if rest.iter().all(|n| n == first) => first.clone(),
        _ => String::new(),
    }
}

/// A key in the status chooser: one letter picks the status and opens the note prompt
/// (prefilled with the existing note); esc cancels.
pub fn status_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => {}
        KeyCode::Char('c') if ctrl => {}
        KeyCode::Char(c) if !ctrl => match c.to_string().parse::<Status>() {
            Ok(s) => {
                app.triage.pending_status = Some(s);
                let note = std::mem::take(&mut app.triage.pending_note);
                return open_prompt(app, PromptKind::MarkNote, note);
            }
            Err(_) => {
                fail(
                    app,
                    format!(
                        "{:?} is no status: b, s, m or u (esc cancels)",
                        inert_line(&c.to_string())
                    ),
                );
                return vec![];
            }
        },
        _ => return vec![],
    }
    app.prompt = None;
    app.triage.pending.clear();
    say(app, "marking cancelled".into());
    vec![]
}

/// The note was entered: mark the pending rows on a worker.
pub fn submit_note(app: &mut App, note: String) -> Vec<Effect> {
    let Some(status) = app.triage.pending_status.take() else {
        return vec![];
    };
    let targets = std::mem::take(&mut app.triage.pending);
    if targets.is_empty() {
        return vec![];
    }
    vec![Effect::SetMarks {
        targets,
        status,
        note,
    }]
}

/// The marks were written: say so and load them again.
pub fn set_done(app: &mut App, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(what) => {
            say(app, what);
            vec![Effect::LoadMarks]
        }
        Err(e) => {
            fail(app, format!("marking failed: {e}"));
            vec![]
        }
    }
}
