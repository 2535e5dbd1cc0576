//! Terminal setup and restore, a panic hook that restores first, and OSC 52 copy.

use std::io::{Write, stdout};

use base64::Engine;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal type the TUI draws on.
pub type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

/// Raw mode, alternate screen, mouse capture; a panic restores the terminal before printing.
pub fn setup() -> anyhow::Result<Term> {
    install_panic_hook();
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let term = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok(term)
}

/// Undo `setup`. Safe to call twice.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A worker's panic is caught and shown on the status line; printing it would scribble
        // over the UI, so it only goes to the log file when one is set.
        if std::thread::current().name() == Some(super::worker::THREAD_NAME) {
            log(&format!("worker panic: {info}"));
            return;
        }
        restore();
        prev(info);
    }));
}

/// Turn SIGTERM and SIGHUP into a [`super::Msg::Signal`] on the loop's channel, so the loop
/// leaves as `q` does and the terminal is restored. A second signal (the loop did not get to
/// it) restores the terminal here and exits at once.
pub fn forward_signals(tx: std::sync::mpsc::Sender<super::Msg>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        let mut seen = false;
        for sig in signals.forever() {
            if seen || tx.send(super::Msg::Signal(sig)).is_err() {
                restore();
                std::process::exit(128 + sig);
            }
            seen = true;
        }
    });
    Ok(())
}

/// The OSC 52 sequence that puts `text` on the clipboard (base64, so the payload is inert).
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// Write OSC 52 to the terminal; terminals that do not support it ignore it.
pub fn copy(text: &str) -> std::io::Result<()> {
    let mut out = stdout();
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

/// Append a line to the file named by `HUNTBENCH_LOG` (never to the terminal the UI draws on).
pub fn log(line: &str) {
    if let Some(path) = std::env::var_os("HUNTBENCH_LOG")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(f, "{line}");
    }
}
