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

/// The user's key map could not be used: the whole error (a TOML error spans several lines,
/// with the line and column) until dismissed; the default keys apply meanwhile.
pub fn key_map_error(app: &mut App, error: &str) {
    let text = format!("{error}\n\nThe default keys apply until the file is fixed.");
    show(app, "keys.toml ignored", text, true);
    app.rev += 1;
}
