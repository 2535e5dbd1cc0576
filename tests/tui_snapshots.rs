//! Every screen rendered into a TestBackend at 120x32 with fixed data, compared with the text
//! files in tests/snapshots (UPDATE_SNAPSHOTS=1 rewrites them).

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::event::Event;
use huntbench::tui::action::Action;
use huntbench::tui::{Msg, start, update};
use tui_support::fake::{FakeBackend, fixture_events, script};
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

fn act(app: &mut huntbench::tui::App, a: Action) {
    update(app, Msg::Action(a));
}

#[test]
fn empty_index_shows_how_to_ingest() {
    let fake = FakeBackend::with_events(vec![]);
    let app = loaded(&fake);
    let screen = render(&app, W, H);
    assert!(screen.contains("huntbench ingest PATH"));
    assert!(screen.contains("huntbench demo"));
    assert_snapshot("empty_index", &screen);
}

#[test]
fn analytics_and_results() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    let screen = render(&app, W, H);
    assert!(screen.contains("parity"));
    assert!(screen.contains("extended"));
    assert!(
        screen.contains("▶ Invoke-Command -ComputerName srv01 -Scrip… ws01.corp.local "),
        "the selected row is marked:\n{screen}"
    );
    assert!(
        screen.contains("EventCode=4104"),
        "a constant column is said once"
    );
    assert_snapshot("analytics_results", &screen);
}

#[test]
fn pivot_host_with_suppressed_rows_marked() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    // `h` drafts; Enter keeps the note, Enter saves.
    update(&mut app, key('h'));
    update(&mut app, code(KeyCode::Enter));
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    act(&mut app, Action::ShowSuppressed);
    act(&mut app, Action::Pivot);
    let screen = render(&app, W, H);
    assert!(
        screen.contains("x1 Computer = \"mgmt01.c… mgmt01.corp.local"),
        "the row says which exclusion suppressed it: {screen}"
    );
    assert!(screen.contains("x1 suppresses 1 rows / 2 events") || screen.contains("pivot: host"));
    assert_snapshot("pivot_host_suppressed", &screen);
}

#[test]
fn events_list() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Sort);
    act(&mut app, Action::Sort);
    update(&mut app, Msg::Action(Action::Down));
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(screen.contains("mgmt01.corp.local"));
    assert!(screen.contains("2024-10-21T13:15:00"));
    assert_snapshot("events_list", &screen);
}

#[test]
fn full_text_with_highlight() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Sort);
    act(&mut app, Action::Sort);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    update(&mut app, key('/'));
    type_str(&mut app, "get-process");
    update(&mut app, code(KeyCode::Enter));
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(W, H)).unwrap();
    term.draw(|f| huntbench::tui::view::draw(f, &app)).unwrap();
    let buf = term.backend().buffer().clone();
    // Find "invoke-command" on screen and check every cell of it is highlighted.
    let screen = render(&app, W, H);
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("invoke-command"))
        .expect("literal on screen");
    let x = line[..line.find("invoke-command").unwrap()].chars().count() as u16;
    for dx in 0..14 {
        assert_eq!(buf[(x + dx, y as u16)].bg, ratatui::style::Color::Yellow);
    }
    // The variable after the literals is not highlighted.
    let var = line[..line.find(" $s ").unwrap()].chars().count() as u16 + 1;
    assert_ne!(buf[(var, y as u16)].bg, ratatui::style::Color::Yellow);
    assert_eq!(buf[(var - 2, y as u16)].bg, ratatui::style::Color::Yellow);
    assert!(screen.contains("parts 1-2 of 2, complete"));
    assert_snapshot("full_text", &screen);
}

fn hostile_events() -> Vec<Event> {
    let mut v = fixture_events();
    v.push(script(
        31,
        "2024-10-21T17:00:00Z",
        "ws04.corp.local",
        "S-1-5-21-1-1107",
        "Invoke-Command -ComputerName 服务器01 {\u{1b}]0;pwned\u{7}\u{1b}[2J}\n# \u{202E}gnp.exe\u{9b}31m 管理者のスクリプト",
    ));
    v
}

#[test]
fn hostile_text_is_inert_everywhere() {
    let fake = FakeBackend::with_events(hostile_events());
    let mut app = loaded(&fake);
    act(&mut app, Action::Sort);
    act(&mut app, Action::Sort); // last seen: the hostile row first
    let results = render(&app, W, H);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let events = render(&app, W, H);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let text = render(&app, W, H);
    for screen in [&results, &events, &text] {
        let bad: Vec<char> = screen
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || ('\u{202A}'..='\u{202E}').contains(c))
            .collect();
        assert!(
            bad.is_empty(),
            "control characters reached the screen: {bad:?}"
        );
        // CJK is two columns wide: every line still fits the terminal.
        for l in screen.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(l) <= W as usize,
                "too wide: {l}"
            );
        }
    }
    assert!(text.contains("␛]0;pwned␇␛[2J"), "{text}");
    assert!(text.contains("<U+202E>gnp.exe<U+009B>31m"));
    assert!(text.contains("Invoke-Command -ComputerName 服务器01 {"));
    assert!(events.contains("S-1-5-21-1-1107"));
    assert_snapshot("hostile_results", &results);
    assert_snapshot("hostile_text", &text);
}

#[test]
fn exclusions_view() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    // Each exclusion key drafts; Enter keeps the note, Enter saves.
    for k in ['h', 'c'] {
        update(&mut app, key(k));
        update(&mut app, code(KeyCode::Enter));
        let fx = update(&mut app, code(KeyCode::Enter));
        drive(&mut app, &fake, fx);
        act(&mut app, Action::Down);
    }
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, key(' '));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(screen.contains("x1 off"), "{screen}");
    assert!(screen.contains("1 / 1"), "{screen}");
    assert!(screen.contains("ESCU 4104 script block"), "{screen}");
    let note = app.exclusions.items[1].note.clone().unwrap_or_default();
    assert!(
        note.starts_with("sha256 of the script block on ws0"),
        "{note}"
    );
    assert_snapshot("exclusions", &screen);
}

#[test]
fn help_overlay_lists_the_key_map() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('?'));
    let screen = render(&app, W, H);
    for want in [
        "ingest a path",
        "exclude the row's host",
        "time range",
        "j ↓",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    assert_snapshot("help", &screen);
}

#[test]
fn too_small_terminal_says_so() {
    let fake = FakeBackend::new();
    let app = loaded(&fake);
    let screen = render(&app, 50, 12);
    assert!(screen.starts_with("terminal too small: 50x12, need 60x15"));
    assert_snapshot("too_small", &screen);
}

#[test]
fn ingest_gauge_and_prompt_render() {
    let fake = FakeBackend::new();
    let mut app = new_app();
    start(&mut app);
    update(
        &mut app,
        Msg::IngestProgress(huntbench::tui::IngestProgress {
            files_done: 1,
            files_total: 4,
            bytes_done: 50,
            bytes_total: 100,
            events: 1234,
            current: "logs/ws01.evtx".into(),
            elapsed_ms: 2000,
        }),
    );
    update(&mut app, key('t'));
    type_str(&mut app, "-7d");
    let screen = render(&app, W, H);
    assert!(screen.contains("ingesting logs/ws01.evtx · 1/4 files · 1234 events · 617 events/s"));
    // No index span known yet: relative times count from now, and the prompt says so.
    assert!(screen.contains("time range from now (e.g. -24h, 2024-10-21, a..b, all): -7d"));
    let _ = fake;
    assert_snapshot("ingest_prompt", &screen);
}

#[test]
fn an_empty_table_says_why() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('t'));
    type_str(&mut app, "-2h");
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(
        screen.contains("no rows in this time range (t changes it)"),
        "{screen}"
    );
    assert!(screen.contains("0 of 0 rows"));
}

#[test]
fn process_event_detail() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::FocusNext);
    act(&mut app, Action::Down);
    let fx = update(&mut app, code(KeyCode::Enter)); // focus back to results
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(screen.contains("event 1 · ws01.corp.local · 2024-10-21T10:00:00"));
    assert!(screen.contains("parent command line  C:\\Windows\\explorer.exe"));
    assert_snapshot("process_event", &screen);
}
