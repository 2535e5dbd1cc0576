//! A process event's user in the TUI is the process's own (Sysmon `User`), never the account
//! of the logging service that its System/Security/@UserID holds (Sysmon's S-1-5-18): in the
//! event list and in the text view's header.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::tui::action::Action;
use huntbench::tui::app::Screen;
use huntbench::tui::{Msg, update};
use tui_support::fake::FakeBackend;
use tui_support::fake_edges::{fixture_sid_names, target_side_events};
use tui_support::*;

/// The fixture's target-side evidence as Sysmon logs it: UserID S-1-5-18 on every event, and
/// one event (the last, ipconfig) whose User field is missing.
fn sysmon_backend() -> FakeBackend {
    let mut fake = FakeBackend::new();
    fake.sid_names = fixture_sid_names();
    fake.target_side = target_side_events()
        .into_iter()
        .map(|mut e| {
            e.user_id = Some("S-1-5-18".into());
            if e.process_name.as_deref() == Some("ipconfig.exe") {
                e.user = None;
            }
            e
        })
        .collect();
    fake
}

#[test]
fn evidence_rows_and_headers_name_the_process_user_not_system() {
    let fake = sysmon_backend();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Events);
    assert_eq!(app.events.events.len(), 3);
    let screen = render(&app, 140, 32);
    assert!(screen.contains(r"CORP\alice"), "{screen}");
    assert!(!screen.contains("SYSTEM"), "{screen}");
    assert!(!screen.contains("S-1-5-18"), "{screen}");

    // The first whoami: its header names the process user.
    let fx = update(&mut app, Msg::Action(Action::Open));
    assert!(fx.is_empty());
    assert_eq!(app.screen(), Screen::Text);
    assert_eq!(app.text.who.as_deref(), Some(r"CORP\alice (process user)"));
    update(&mut app, code(KeyCode::Esc));

    // ipconfig has no User: no name at all rather than the service account's.
    update(&mut app, Msg::Action(Action::Bottom));
    update(&mut app, Msg::Action(Action::Open));
    assert_eq!(app.screen(), Screen::Text);
    assert_eq!(app.text.who, None);
    let screen = render(&app, 140, 32);
    assert!(!screen.contains("SYSTEM"), "{screen}");
}
