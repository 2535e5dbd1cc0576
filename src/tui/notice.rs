//! A notice that stays until the analyst dismisses it (Esc or any key): an ingest's outcome,
//! a key-map error. The status line is for the last action and the next message overwrites it;
//! these must be read whole.

use super::app::App;

/// A message shown in a panel over the screen until a key dismisses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    /// Shown whole, wrapped (sanitized when drawn).
    pub text: String,
    pub is_error: bool,
}

/// Show a notice (replacing one already shown).
pub fn show(app: &mut App, title: &str, text: String, is_error: bool) {
    app.notice = Some(Notice {
        title: title.to_string(),
        text,
        is_error,
    });
}
