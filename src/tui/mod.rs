//! The terminal UI (ratatui), Elm style: keys → key map → `Action`; `update(&mut App, Msg)`
//! returns `Effect`s (the only code that changes state); `view::draw(frame, &App)` only reads;
//! effects run on worker threads and answer over the one channel the loop waits on.

pub mod action;
pub mod app;
pub mod backend;
pub mod bench;
pub mod columns;
pub mod confirm;
pub mod detail;
mod drill;
mod edges_table;
mod exclude;
mod guard;
pub mod history;
mod input;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod names;
pub mod notice;
pub mod rows;
pub mod table_specs;
pub mod term;
pub mod textview;
pub mod time_range;
pub mod timeline;
pub mod triage;
pub mod update;
pub mod view;
pub mod worker;
pub mod write_new;

use std::sync::Arc;
use std::sync::mpsc;

use chrono_tz::Tz;
use crossterm::event::{Event as TermEvent, KeyEventKind};

pub use app::App;
pub use backend::{Backend, BackendStatus, FullText, IngestProgress};
pub use bench::bench_render;
pub use input::parse_range;
pub use msg::{Effect, Msg};
pub use update::{start, update};

use crate::time::{Anchor, TimeRange};

/// How the binary starts the TUI.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// The initial time range (from `--earliest` / `--latest`), used when `range_text` is empty.
    pub range: TimeRange,
    /// The same range as typed (`-7d`, `2026-03-10..`), read by the TUI in its zone and anchor,
    /// so `A` can switch it; empty for none.
    pub range_text: String,
    /// What relative ranges count back from (the TUI's default: the last event).
    pub anchor: Option<Anchor>,
    /// Zone for displayed times; UTC when `None`.
    pub tz: Option<Tz>,
}

/// Run the TUI until the analyst quits. Restores the terminal on every exit path. Returns the
/// signal (SIGTERM 15, SIGHUP 1) that ended it, if one did: the caller exits with 128 + it.
pub fn run(backend: Arc<dyn Backend>, opts: TuiOptions) -> anyhow::Result<Option<i32>> {
    let keys_file = crate::paths::config_dir().join("keys.toml");
    let (keys, key_error) = match keymap::KeyMap::load(&keys_file) {
        Ok(k) => (k, None),
        Err(e) => (keymap::KeyMap::defaults(), Some(e)),
    };
    let mut app = App::new(keys, opts.range, opts.tz);
    app.keys_file = Some(keys_file);
    app.range_text = opts.range_text;
    app.anchor = opts.anchor.unwrap_or(Anchor::LastEvent);
    let history_file = history::default_file();
    let history_error = match history::History::load(&history_file) {
        Ok(h) => {
            app.history = h;
            None
        }
        Err(e) => Some(e),
    };
    app.history_file = Some(history_file);
    let mut terminal = term::setup()?;
    let result = event_loop(&mut terminal, &mut app, backend, key_error, history_error);
    term::restore();
    result.map(|()| app.exit_signal)
}

fn event_loop(
    terminal: &mut term::Term,
    app: &mut App,
    backend: Arc<dyn Backend>,
    key_error: Option<String>,
    history_error: Option<String>,
) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    spawn_input(tx.clone());
    term::forward_signals(tx.clone())?;
    let size = terminal.size()?;
    update(app, Msg::Resize(size.width, size.height));
    let mut effects = start(app);
    if let Some(e) = history_error {
        update(
            app,
            Msg::Outcome(Err(format!("prompt history not read: {e}"))),
        );
    }
    if let Some(e) = key_error {
        notice::key_map_error(app, &e);
    }
    let mut workers = worker::Workers::new(backend, tx.clone());
    let mut drawn = u64::MAX;
    loop {
        let mut effects_later = Vec::new();
        for fx in effects.drain(..) {
            match fx {
                Effect::Clipboard(text) => {
                    if let Err(e) = term::copy(&text) {
                        effects_later
                            .extend(update(app, Msg::Outcome(Err(format!("copy failed: {e}")))));
                    }
                }
                other => workers.run(other),
            }
        }
        effects.extend(effects_later);
        if app.quit {
            return Ok(());
        }
        if app.rev != drawn {
            terminal.draw(|f| view::draw(f, app))?;
            drawn = app.rev;
        }
        // Block for the next message, then take whatever else is queued before drawing once.
        let first = rx.recv()?;
        effects.extend(update(app, first));
        while let Ok(m) = rx.try_recv() {
            effects.extend(update(app, m));
        }
    }
}

/// Read terminal input on its own thread and turn it into messages.
fn spawn_input(tx: mpsc::Sender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match crossterm::event::read() {
                Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(TermEvent::Mouse(m)) => Msg::Mouse(m),
                Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
}

/// Width of the terminal on standard output, when it is one (for CLI tables).
pub fn terminal_width() -> Option<usize> {
    crossterm::terminal::size().ok().map(|(w, _)| w as usize)
}
