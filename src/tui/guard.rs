//! The "terminal too small" guard: while only that note is drawn the analyst sees no table, so
//! no key may act on one (an `h` there once added an exclusion unseen). Quit still works.

use super::action::Action;
use super::app::App;
use super::msg::Msg;

/// Does the too-small guard take `msg`? Input is swallowed, except a quit (which quits);
/// resizes and workers' answers pass.
pub fn swallowed(app: &mut App, msg: &Msg) -> bool {
    let action = match msg {
        Msg::Key(k) if k.kind == crossterm::event::KeyEventKind::Release => None,
        Msg::Key(k) => app.keys.action(k),
        Msg::Action(a) => Some(*a),
        Msg::Mouse(_) => None,
        _ => return false,
    };
    if action == Some(Action::Quit) {
        app.quit = true;
    }
    true
}
