//! Shared helpers of the TUI tests: drive effects through the fake backend synchronously,
//! render into a TestBackend, compare with snapshot files.
#![allow(dead_code)]

use std::cell::RefCell;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use huntbench::time::{TimeRange, parse_timestamp};
use huntbench::tui::app::App;
pub mod fake;
pub mod fake_edges;
pub mod fake_marks;
mod fake_report;
pub mod fake_timeline;

use fake::FakeBackend;
use huntbench::tui::keymap::KeyMap;
use huntbench::tui::{Effect, Msg, start, update, view, worker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// "Now" in every test: the day after the fixture story.
pub fn now() -> i64 {
    parse_timestamp("2024-10-22T00:00:00Z").unwrap()
}

/// A fresh app at 120x32 with a fixed clock.
pub fn new_app() -> App {
    let mut app = App::new(KeyMap::defaults(), TimeRange::ALL, None);
    app.now = Some(now());
    app.size = (120, 32);
    app
}

/// Run effects against the backend until none are left; returns every effect seen.
pub fn drive(app: &mut App, backend: &FakeBackend, effects: Vec<Effect>) -> Vec<Effect> {
    let mut seen = Vec::new();
    let mut queue = effects;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for fx in queue {
            seen.push(fx.clone());
            let msgs = RefCell::new(Vec::new());
            worker::run_effect(backend, fx, &|m| msgs.borrow_mut().push(m));
            for m in msgs.into_inner() {
                next.extend(update(app, m));
            }
        }
        queue = next;
    }
    seen
}

/// A started app whose first hunt has come back from the fake.
pub fn loaded(backend: &FakeBackend) -> App {
    let mut app = new_app();
    let fx = start(&mut app);
    drive(&mut app, backend, fx);
    app
}

/// A key press message.
pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// A special key press message.
pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// Type a string into whatever has the keyboard.
pub fn type_str(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars().flat_map(|c| update(app, key(c))).collect()
}

/// Render the app at `w`x`h` and return the screen as text lines (trailing spaces trimmed).
pub fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut x = 0;
        while x < w {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // A wide character owns the next cell too.
            x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Compare with tests/snapshots/NAME.txt; `UPDATE_SNAPSHOTS=1` writes it instead.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let mut diff = String::new();
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        for i in 0..e.len().max(a.len()) {
            let (l, r) = (
                e.get(i).copied().unwrap_or(""),
                a.get(i).copied().unwrap_or(""),
            );
            if l != r {
                diff.push_str(&format!("line {i}:\n  - {l}\n  + {r}\n"));
            }
        }
        panic!("snapshot {name} differs:\n{diff}");
    }
}
