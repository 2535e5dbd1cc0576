//! Time on offline evidence and the edges of the workbench, driven through `update` with the
//! fake backend: relative ranges anchored on the last event (and `A` to switch to now), the
//! data span in the header, bare dates as whole days in the display zone, prompts prefilled
//! with history, notices that stay (ingest outcome, a key-map error), files never overwritten.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use huntbench::time::{Anchor, MICROS, TimeRange, parse_timestamp, parse_tz};
use huntbench::tui::app::PromptKind;
use huntbench::tui::history::History;
use huntbench::tui::{Effect, Msg, start, update, worker};
use tui_support::fake::FakeBackend;
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

fn at(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Open the time prompt, replace its text, submit; returns the effects.
fn set_range(app: &mut huntbench::tui::App, fake: &FakeBackend, text: &str) -> Vec<Effect> {
    update(app, key('t'));
    update(app, ctrl('u'));
    type_str(app, text);
    let fx = update(app, code(KeyCode::Enter));
    drive(app, fake, fx)
}

/// The newest fixture event: the encoded command on ws02 at 16:30.
const LAST: &str = "2024-10-21T16:30:00Z";

#[test]
fn relative_range_counts_back_from_the_last_event_and_a_switches_to_now() {
    let fake = FakeBackend::new().with_data_span();
    let mut app = loaded(&fake);
    assert_eq!(app.anchor, Anchor::LastEvent, "the TUI's default");
    set_range(&mut app, &fake, "-2h");
    // 2h back from just after 16:30 (the test clock says 2024-10-22 00:00: from now, nothing).
    assert_eq!(
        app.range,
        TimeRange {
            earliest: Some(at(LAST) + 1 - 2 * 3600 * MICROS),
            latest: None,
        }
    );
    let rows: usize = app.hunts.iter().map(|h| h.rows()).sum();
    assert_eq!(
        rows, 3,
        "the 15:00 split block (parity and extended) and the 16:00 process"
    );
    let screen = render(&app, W, H);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("range -2h from last event"), "{header}");
    assert!(
        header.contains("data 2024-10-21 09:00 → 2024-10-21 16:30 UTC"),
        "{header}"
    );
    assert_snapshot("range_from_last_event", &screen);

    // A: the same text from now; nothing in the fixture is that recent.
    let fx = update(&mut app, key('A'));
    assert!(matches!(fx.as_slice(), [Effect::Hunt { .. }]), "{fx:?}");
    drive(&mut app, &fake, fx);
    assert_eq!(app.anchor, Anchor::Now);
    assert_eq!(app.range.earliest, Some(now() - 2 * 3600 * MICROS));
    assert_eq!(app.hunts.iter().map(|h| h.rows()).sum::<usize>(), 0);
    let screen = render(&app, W, H);
    assert!(
        screen
            .lines()
            .next()
            .unwrap()
            .contains("range -2h from now"),
        "{screen}"
    );
    // And back.
    let fx = update(&mut app, key('A'));
    drive(&mut app, &fake, fx);
    assert_eq!(app.hunts.iter().map(|h| h.rows()).sum::<usize>(), 3);
}

#[test]
fn the_first_hunt_waits_for_the_span_when_the_range_is_relative() {
    let fake = FakeBackend::new().with_data_span();
    let mut app = new_app();
    app.range_text = "-45m".into();
    let fx = start(&mut app);
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Hunt { .. })),
        "no hunt before the last event is known: {fx:?}"
    );
    assert!(app.hunting);
    let seen = drive(&mut app, &fake, fx);
    let hunts: Vec<&TimeRange> = seen
        .iter()
        .filter_map(|f| match f {
            Effect::Hunt { range, .. } => Some(range),
            _ => None,
        })
        .collect();
    assert_eq!(
        hunts,
        [&TimeRange {
            earliest: Some(at(LAST) + 1 - 45 * 60 * MICROS),
            latest: None
        }]
    );
    assert!(!app.hunting);
    // Only the 16:00 process on ws02 is in the last 45 minutes of the data (the 16:30 one hides
    // its target in an encoded command the fake does not decode).
    assert_eq!(app.hunts.iter().map(|h| h.rows()).sum::<usize>(), 1);
}

#[test]
fn an_index_with_no_span_counts_from_now_and_says_so() {
    let fake = FakeBackend::with_events(vec![]).with_data_span();
    let mut app = loaded(&fake);
    set_range(&mut app, &fake, "-24h");
    assert_eq!(app.range.earliest, Some(now() - 24 * 3600 * MICROS));
    let screen = render(&app, W, H);
    assert!(
        screen.contains("range -24h from now (no events)"),
        "{screen}"
    );
}

#[test]
fn a_bare_date_is_that_whole_day_in_the_display_zone() {
    let fake = FakeBackend::new().with_data_span();
    let mut app = loaded(&fake);
    // Tokyo is UTC+9: its 2024-10-21 ends at 15:00 UTC, before the last three events.
    app.tz = parse_tz("Asia/Tokyo").ok();
    set_range(&mut app, &fake, "2024-10-21");
    assert_eq!(
        app.range,
        TimeRange {
            earliest: Some(at("2024-10-20T15:00:00Z")),
            latest: Some(at("2024-10-21T15:00:00Z")),
        }
    );
    let screen = render(&app, W, H);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("range 2024-10-21"), "{header}");
    assert!(!header.contains("from"), "a date is absolute: {header}");
    assert!(
        header.contains("data 2024-10-21 18:00 → 2024-10-22 01:30 Asia/Tokyo"),
        "{header}"
    );
    // The status line's resolved range is in the zone too.
    assert!(
        screen.contains("2024-10-21T00:00:00 → 2024-10-22T00:00:00"),
        "{screen}"
    );
    // Two days: from the start of the first to the end of the last.
    set_range(&mut app, &fake, "2024-10-20..2024-10-21");
    assert_eq!(app.range.earliest, Some(at("2024-10-19T15:00:00Z")));
    assert_eq!(app.range.latest, Some(at("2024-10-21T15:00:00Z")));
}

#[test]
fn prompts_open_prefilled_and_walk_their_history() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompt-history.json");
    app.history_file = Some(file.clone());
    for q in [
        "computer:ws01.corp.local",
        "event_code:1",
        "computer:ws01.corp.local",
    ] {
        update(&mut app, key('s'));
        update(&mut app, ctrl('u'));
        type_str(&mut app, q);
        let fx = update(&mut app, code(KeyCode::Enter));
        let saves: Vec<&Effect> = fx
            .iter()
            .filter(|f| matches!(f, Effect::SaveHistory { .. }))
            .collect();
        assert_eq!(saves.len(), 1, "{fx:?}");
        drive(&mut app, &fake, fx);
        update(&mut app, code(KeyCode::Esc));
    }
    assert_eq!(
        app.history.entries(PromptKind::Search),
        ["computer:ws01.corp.local", "event_code:1"],
        "most recent first, no duplicates"
    );
    // The search prompt opens with the last search; ↑ walks back, ↓ returns.
    update(&mut app, key('s'));
    let input = |app: &huntbench::tui::App| app.prompt.as_ref().unwrap().input.clone();
    assert_eq!(input(&app), "computer:ws01.corp.local");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "event_code:1");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "event_code:1", "the oldest stays");
    let screen = render(&app, W, H);
    assert!(screen.contains("search: event_code:1▏"), "{screen}");
    assert_snapshot("search_prompt_history", &screen);
    update(&mut app, code(KeyCode::Down));
    assert_eq!(
        input(&app),
        "computer:ws01.corp.local",
        "back to what was there"
    );
    // Typing starts from the shown text; ↑ then walks from what was typed.
    type_str(&mut app, "x");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "computer:ws01.corp.local");
    update(&mut app, code(KeyCode::Down));
    assert_eq!(input(&app), "computer:ws01.corp.localx");
    update(&mut app, code(KeyCode::Esc));
    // Submitting an older entry makes it the newest; the next walk starts from it.
    update(&mut app, key('s'));
    update(&mut app, code(KeyCode::Up));
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    update(&mut app, key('s'));
    assert_eq!(input(&app), "event_code:1");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "computer:ws01.corp.local");
    update(&mut app, code(KeyCode::Esc));

    // The time prompt keeps its own history and opens with the current range.
    update(&mut app, key('t'));
    assert_eq!(input(&app), "", "all time: nothing to prefill");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "", "no time history yet");
    update(&mut app, code(KeyCode::Esc));
    set_range(&mut app, &fake, "-7d");
    set_range(&mut app, &fake, "2024-10-21");
    update(&mut app, key('t'));
    assert_eq!(input(&app), "2024-10-21");
    update(&mut app, code(KeyCode::Up));
    assert_eq!(input(&app), "-7d");
    update(&mut app, code(KeyCode::Esc));

    // The worker wrote the history; a new session reads it back.
    let saved = History::load(&file).unwrap();
    assert_eq!(saved.entries(PromptKind::TimeRange), ["2024-10-21", "-7d"]);
    assert_eq!(
        saved.entries(PromptKind::Search),
        ["event_code:1", "computer:ws01.corp.local"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_ingest_outcome_stays_until_a_key_dismisses_it() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    // `i` with a `~` path: the worker hands the backend the home directory's path.
    update(&mut app, key('i'));
    type_str(&mut app, "~/case42");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.contains(&Effect::Ingest {
            paths: vec!["~/case42".into()]
        }),
        "{fx:?}"
    );
    let progress = std::cell::RefCell::new(Vec::new());
    worker::run_effect(&fake, fx[0].clone(), &|m| progress.borrow_mut().push(m));
    let home = huntbench::paths::expand_home(std::path::Path::new("~"));
    let want = home.join("case42").display().to_string();
    assert!(
        progress
            .borrow()
            .iter()
            .any(|m| matches!(m, Msg::IngestProgress(p) if p.current == want)),
        "{:?}",
        progress.borrow()
    );

    let outcome = "done: 1200 events indexed from 3 files (1250 read, 50 duplicates), rejected 2, \
                   unreadable 1\nno event read from: notes.txt\nfirst error: case42/a.jsonl: \
                   line 7: invalid JSON: EOF while parsing a string at line 1 column 75";
    let fx = update(&mut app, Msg::IngestDone(Ok(outcome.into())));
    drive(&mut app, &fake, fx);
    // Later messages take the status line, not the outcome.
    update(
        &mut app,
        Msg::Outcome(Ok("wrote 10 bytes to /tmp/x".into())),
    );
    let screen = render(&app, W, H);
    assert!(screen.contains("ingest done · any key closes"), "{screen}");
    assert!(screen.contains("no event read from: notes.txt"), "{screen}");
    assert!(screen.contains("line 7: invalid JSON"), "{screen}");
    assert!(screen.contains("wrote 10 bytes to /tmp/x"), "{screen}");
    assert_snapshot("ingest_outcome", &screen);
    // Any key closes it and does nothing else.
    let selected = app.results.selected;
    let fx = update(&mut app, key('j'));
    assert!(fx.is_empty());
    assert!(app.notice.is_none());
    assert_eq!(app.results.selected, selected);
    update(&mut app, key('j'));
    assert_eq!(app.results.selected, selected + 1, "keys work again");

    // A failed ingest stays too, in red.
    update(
        &mut app,
        Msg::IngestDone(Err("~/nope: no such file".into())),
    );
    assert!(app.notice.as_ref().is_some_and(|n| n.is_error));
    update(&mut app, code(KeyCode::Esc));
    assert!(app.notice.is_none());
}

#[test]
fn a_long_key_map_error_is_shown_whole_and_help_says_where_the_file_is() {
    let mut km = huntbench::tui::keymap::KeyMap::defaults();
    let err = km
        .merge_str("[keys]\n\"f5\" = \"refresh\"\n\"ctrl-r\" = \"re-run the hunt now please\"\n")
        .unwrap_err();
    // As `KeyMap::load` names the file.
    let err = format!("/home/ana/.config/huntbench/keys.toml: {err}");
    assert!(err.len() > 2 * W as usize, "a long error: {err}");
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    huntbench::tui::notice::key_map_error(&mut app, &err);
    let screen = render(&app, W, H);
    // Every character of the error is on screen, across the panel's wrapped rows.
    let panel: String = screen
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| l.trim_start_matches('│').trim_end_matches('│').trim_end())
        .collect();
    let squeezed = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squeezed(&panel).contains(&squeezed(&err)),
        "the whole error:\n{err}\n---\n{screen}"
    );
    assert!(
        screen.contains("keys.toml ignored · any key closes"),
        "{screen}"
    );
    assert_snapshot("keys_error", &screen);
    update(&mut app, key('x'));
    assert!(app.notice.is_none());
    assert!(!app.show_suppressed, "the dismissing key did nothing else");

    // `?` ends with where the key map is and how to bind a key.
    app.keys_file = Some("/home/ana/.config/huntbench/keys.toml".into());
    update(&mut app, key('?'));
    let screen = render(&app, W, H);
    assert!(
        screen.contains("│key map  /home/ana/.config/huntbench/keys.toml "),
        "{screen}"
    );
    assert!(
        screen.contains("│bind     [keys] \"f5\" = \"refresh\"  (key and action names"),
        "{screen}"
    );
    assert!(screen.contains("ctrl-c always quits)"), "{screen}");
}

#[test]
fn export_never_overwrites_and_says_which_file_it_wrote() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "keep me").unwrap();
    update(&mut app, key('e'));
    update(&mut app, ctrl('u'));
    type_str(&mut app, &rows.display().to_string());
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(std::fs::read_to_string(&rows).unwrap(), "keep me");
    let written = dir.path().join("rows-1.csv");
    assert!(
        std::fs::read_to_string(&written)
            .unwrap()
            .contains("ws01.corp.local")
    );
    assert!(!app.message_is_error, "{}", app.message);
    assert!(
        app.message.contains(&format!("to {}", written.display())),
        "{}",
        app.message
    );
    assert!(app.message.contains("rows.csv exists"), "{}", app.message);
}

#[test]
fn sigterm_ends_the_session_like_q() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, Msg::Signal(15));
    assert!(fx.is_empty());
    assert!(app.quit);
    assert_eq!(app.exit_signal, Some(15));
}

#[test]
fn a_relative_range_follows_a_new_last_event() {
    let fake = FakeBackend::new().with_data_span();
    let mut app = loaded(&fake);
    set_range(&mut app, &fake, "-1h");
    let first = app.status.span.unwrap().0;
    // An ingest brought events up to 18:00: the status after it moves the anchor.
    let mut status = app.status.clone();
    status.span = Some((first, at("2024-10-21T18:00:00Z")));
    let fx = update(&mut app, Msg::Status(status.clone()));
    let want = TimeRange {
        earliest: Some(at("2024-10-21T17:00:00Z") + 1),
        latest: None,
    };
    assert_eq!(app.range, want);
    assert!(
        matches!(fx.as_slice(), [Effect::Hunt { range, .. }] if *range == want),
        "{fx:?}"
    );
    // The same span again changes nothing; an absolute range never follows.
    assert!(update(&mut app, Msg::Status(status.clone())).is_empty());
    set_range(&mut app, &fake, "2024-10-21T10:00..");
    status.span = Some((first, at("2024-10-22T09:00:00Z")));
    assert!(update(&mut app, Msg::Status(status)).is_empty());
}
