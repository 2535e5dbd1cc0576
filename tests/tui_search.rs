//! The workbench's ad-hoc search says how many events match in all, even when it lists fewer,
//! and lists each event's text.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::tui::update;
use tui_support::fake::FakeBackend;
use tui_support::*;

fn search(fake: &FakeBackend, q: &str) -> huntbench::tui::App {
    let mut app = loaded(fake);
    update(&mut app, key('s'));
    type_str(&mut app, q);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, fake, fx);
    app
}

#[test]
fn a_capped_search_says_how_many_match_and_how_many_are_shown() {
    let mut fake = FakeBackend::new();
    fake.search_cap = 1;
    let app = search(&fake, "get-service");
    assert_eq!(app.events.events.len(), 1);
    assert_eq!(app.events.total, Some(2));
    assert_eq!(app.message, "search \"get-service\": 2 match, 1 shown");
    let screen = render(&app, 120, 32);
    assert!(
        screen.contains(" search: get-service · 2 match, 1 shown · "),
        "{screen}"
    );
    assert!(
        !screen.contains("1 events"),
        "the cap is not the total:\n{screen}"
    );
}

#[test]
fn a_search_lists_each_events_text() {
    let fake = FakeBackend::new();
    let app = search(&fake, "get-service");
    assert_eq!(app.message, "search \"get-service\": 2 match");
    let screen = render(&app, 120, 32);
    assert!(
        screen.contains(" search: get-service · 2 match · "),
        "{screen}"
    );
    let header = screen.lines().find(|l| l.contains("record id")).unwrap();
    assert!(header.contains(" part   text "), "{header}");
    assert!(!header.contains("ScriptBlockId"), "{header}");
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("4104 1 of 1 Invoke-Command -ComputerName (Get-Content host…"))
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
}

#[test]
fn a_groups_events_are_counted_as_events_not_matches() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.events.total, None);
    let screen = render(&app, 120, 32);
    let n = app.events.events.len();
    assert!(screen.contains(&format!(" · {n} events · ")), "{screen}");
    assert!(!screen.contains(" match"), "{screen}");
}
