//! The small dialogs that keep tuning from hurting: an exclusion drafted from a row (a note,
//! then what it would suppress, then save), and the confirmation before a delete.
//!
//! Why a draft, not a save: one keystroke used to switch rows off. The draft shows what the
//! exclusion would suppress in the rows the TUI already holds (no I/O), and one that is broad
//! (all or most rows, or a match-all pattern) needs `yes` typed: plain Enter is not enough.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::app::App;
use super::msg::Effect;
use super::update::{fail, say};
use crate::analytics::model::{Exclusion, ExclusionOp};
use crate::analytics::preview::{Broad, Preview, broad, preview_in};

/// Where a draft is: its note being typed, or its preview waiting for Enter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DraftStage {
    Note,
    Preview,
}

/// An exclusion not yet saved.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcludeDraft {
    /// What would be saved (id `(new)`).
    pub candidate: Exclusion,
    /// The analytic's short label.
    pub label: String,
    pub note: String,
    pub stage: DraftStage,
    /// What it would suppress in the rows held now.
    pub preview: Preview,
    /// Set when it is too broad to save on Enter alone.
    pub broad: Option<Broad>,
    /// The confirmation typed so far (a broad draft saves on `yes`).
    pub typed: String,
}

/// The word a broad exclusion needs typed before Enter saves it.
pub const CONFIRM_WORD: &str = "yes";

/// A delete waiting for `y` / Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteConfirm {
    pub id: String,
    /// The exclusion in one line, for the question.
    pub what: String,
}

/// Open a draft of this exclusion of the current analytic, its note prefilled.
pub fn draft(app: &mut App, field: String, op: ExclusionOp, note: String) -> Vec<Effect> {
    let Some(q) = app.current().map(|h| h.query.clone()) else {
        return vec![];
    };
    let candidate = Exclusion {
        id: "(new)".into(),
        analytic: q.id.clone(),
        field,
        op,
        note: None,
        enabled: true,
        created: String::new(),
    };
    let preview = preview_in(&app.hunts, &candidate);
    let broad = broad(&candidate.op, &preview);
    app.draft = Some(ExcludeDraft {
        label: q.short_label().to_string(),
        candidate,
        note,
        stage: DraftStage::Note,
        preview,
        broad,
        typed: String::new(),
    });
    vec![]
}

/// A key while a dialog is open; `None` when none is (the key goes on as usual).
pub fn key(app: &mut App, key: KeyEvent) -> Option<Vec<Effect>> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if let Some(d) = app.confirm_delete.take() {
        return Some(match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter if !ctrl => {
                say(app, format!("deleting {}", d.id));
                vec![Effect::RemoveExclusion { id: d.id }]
            }
            _ => {
                say(app, format!("{} kept (delete cancelled)", d.id));
                vec![]
            }
        });
    }
    let d = app.draft.as_mut()?;
    let text = match d.stage {
        DraftStage::Note => &mut d.note,
        DraftStage::Preview => &mut d.typed,
    };
    match key.code {
        KeyCode::Esc => return Some(cancel(app)),
        KeyCode::Char('c') if ctrl => return Some(cancel(app)),
        KeyCode::Enter => return Some(enter(app)),
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if ctrl => text.clear(),
        // Only a broad draft's preview takes typing (the confirmation word).
        KeyCode::Char(c) if !ctrl && (d.stage == DraftStage::Note || d.broad.is_some()) => {
            text.push(c);
        }
        _ => {}
    }
    Some(vec![])
}

/// An action (tests, scripted runs) while a dialog is open: Open is Enter, Back cancels, Quit
/// quits, the rest is ignored; `None` when no dialog is open.
pub fn action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if app.confirm_delete.is_none() && app.draft.is_none() {
        return None;
    }
    let code = match a {
        Action::Quit => {
            app.quit = true;
            return Some(vec![]);
        }
        Action::Open => KeyCode::Enter,
        Action::Back => KeyCode::Esc,
        _ if app.confirm_delete.is_some() => KeyCode::Esc,
        _ => return Some(vec![]),
    };
    key(app, KeyEvent::new(code, KeyModifiers::NONE))
}

fn cancel(app: &mut App) -> Vec<Effect> {
    app.draft = None;
    say(app, "exclusion not saved".into());
    vec![]
}

fn enter(app: &mut App) -> Vec<Effect> {
    let Some(d) = app.draft.as_mut() else {
        return vec![];
    };
    if d.stage == DraftStage::Note {
        d.stage = DraftStage::Preview;
        return vec![];
    }
    if d.broad.is_some() && !d.typed.trim().eq_ignore_ascii_case(CONFIRM_WORD) {
        let why = d.broad.as_ref().map(Broad::reason).unwrap_or_default();
        d.typed.clear();
        fail(
            app,
            format!("not saved: {why}; type {CONFIRM_WORD} and Enter to save it, Esc cancels"),
        );
        return vec![];
    }
    let Some(d) = app.draft.take() else {
        return vec![];
    };
    let note = d.note.trim();
    vec![Effect::AddExclusion {
        analytic: d.candidate.analytic,
        field: d.candidate.field,
        op: d.candidate.op,
        note: (!note.is_empty()).then(|| note.to_string()),
    }]
}

/// Ask before deleting this exclusion.
pub fn ask_delete(app: &mut App, x: &Exclusion) -> Vec<Effect> {
    app.confirm_delete = Some(DeleteConfirm {
        id: x.id.clone(),
        what: crate::analytics::describe(x),
    });
    vec![]
}
