//! Exclusions that cannot hurt, in the workbench: `update` driven by keys (no terminal) and the
//! dialogs rendered into a TestBackend, compared with tests/snapshots (UPDATE_SNAPSHOTS=1
//! rewrites them).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use huntbench::analytics::model::ExclusionOp;
use huntbench::analytics::preview::Broad;
use huntbench::tui::action::Action;
use huntbench::tui::app::{App, Screen};
use huntbench::tui::confirm::DraftStage;
use huntbench::tui::{Effect, Msg, update};
use tui_support::fake::FakeBackend;
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

fn ctrl_u() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL))
}

fn enter(app: &mut App) -> Vec<Effect> {
    update(app, code(KeyCode::Enter))
}

/// `X`, the prompt cleared, `typed`, Enter: a draft of that pattern (nothing saved).
fn pattern(app: &mut App, typed: &str) {
    update(app, key('X'));
    update(app, ctrl_u());
    type_str(app, typed);
    assert!(enter(app).is_empty(), "a pattern is drafted, not saved");
}

/// The fake with alice's SID named, as the index's Security events would name it.
fn named() -> FakeBackend {
    let mut fake = FakeBackend::new();
    fake.sid_names = vec![(
        "S-1-5-21-1-1104".into(),
        r"CORP\alice".into(),
        "Security 4624 on DC01".into(),
    )];
    fake
}

/// `h` on the selected row, note kept, saved.
fn exclude_host(app: &mut App, fake: &FakeBackend) {
    update(app, key('h'));
    enter(app);
    let fx = enter(app);
    assert!(matches!(fx[..], [Effect::AddExclusion { .. }]), "{fx:?}");
    drive(app, fake, fx);
}

#[test]
fn a_match_all_pattern_is_not_saved_on_enter_nor_on_a_wrong_word() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let rows = app.results.visible.len();
    pattern(&mut app, "Computer=*");
    let d = app.draft.as_ref().unwrap();
    assert_eq!(d.broad, Some(Broad::MatchesAnything));
    assert_eq!((d.preview.rows, d.preview.kept_rows), (4, 4));
    // The note is typed: `q` and `y` are text here, not quit or anything else.
    type_str(&mut app, " qy");
    assert_eq!(
        app.draft.as_ref().unwrap().note,
        "pattern Computer like \"*\" qy"
    );
    assert!(!app.quit);
    assert!(enter(&mut app).is_empty());
    assert_eq!(app.draft.as_ref().unwrap().stage, DraftStage::Preview);
    // Plain Enter, or another word, saves nothing.
    assert!(enter(&mut app).is_empty());
    assert!(
        app.message.contains("its pattern matches any value"),
        "{}",
        app.message
    );
    type_str(&mut app, "ye");
    assert!(enter(&mut app).is_empty());
    assert!(app.draft.is_some(), "still asking");
    // Esc cancels: nothing saved, every row still there.
    assert!(update(&mut app, code(KeyCode::Esc)).is_empty());
    assert!(app.draft.is_none());
    assert!(fake.exclusions.lock().unwrap().is_empty());
    assert_eq!(app.results.visible.len(), rows);
}

#[test]
fn splunk_habit_quoting_in_the_pattern_prompt_means_the_value() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    for typed in [
        "Computer=\"ws02.corp.local\"",
        "computer = \"ws02.corp.local\"",
        "Computer=ws02.corp.local",
    ] {
        pattern(&mut app, typed);
        let d = app.draft.as_ref().unwrap();
        assert_eq!(d.candidate.field, "Computer", "{typed}");
        assert_eq!(
            d.candidate.op,
            ExclusionOp::Equals("ws02.corp.local".into()),
            "{typed}"
        );
        assert_eq!((d.preview.rows, d.preview.events), (2, 2), "{typed}");
        update(&mut app, code(KeyCode::Esc));
    }
    // A value with surrounding spaces comes back from the prefill exactly, quoted.
    pattern(&mut app, "Computer=\" ws02 \"");
    assert_eq!(
        app.draft.as_ref().unwrap().candidate.op,
        ExclusionOp::Equals(" ws02 ".into())
    );
}

#[test]
fn delete_asks_and_any_other_key_keeps_it() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    exclude_host(&mut app, &fake);
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    assert!(update(&mut app, key('d')).is_empty());
    assert_eq!(app.confirm_delete.as_ref().unwrap().id, "x1");
    assert!(update(&mut app, key('n')).is_empty());
    assert!(app.confirm_delete.is_none());
    assert_eq!(app.message, "x1 kept (delete cancelled)");
    assert_eq!(fake.exclusions.lock().unwrap().len(), 1);
    // Enter deletes.
    update(&mut app, key('d'));
    let fx = enter(&mut app);
    assert_eq!(fx, vec![Effect::RemoveExclusion { id: "x1".into() }]);
    drive(&mut app, &fake, fx);
    assert!(app.exclusions.items.is_empty());
}

#[test]
fn undo_takes_back_an_add_and_a_delete_with_the_same_id() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    exclude_host(&mut app, &fake);
    assert_eq!(app.results.visible.len(), 3);
    let fx = update(&mut app, key('z'));
    assert_eq!(fx, vec![Effect::UndoExclusion]);
    drive(&mut app, &fake, fx);
    assert_eq!(app.message, "undid the add of x1: removed it");
    assert!(app.exclusions.items.is_empty());
    assert_eq!(app.results.visible.len(), 4, "the row is back");

    // Nothing left: said as an error.
    let fx = update(&mut app, key('z'));
    drive(&mut app, &fake, fx);
    assert!(app.message_is_error);
    assert_eq!(app.message, "nothing to undo");

    // A delete undone from the exclusions screen: the same id comes back.
    exclude_host(&mut app, &fake);
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    update(&mut app, key('d'));
    let fx = update(&mut app, key('y'));
    drive(&mut app, &fake, fx);
    assert!(app.exclusions.items.is_empty());
    let fx = update(&mut app, key('z'));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Exclusions);
    assert_eq!(app.message, "undid the delete of x2: x2 is back");
    let ids: Vec<&str> = app.exclusions.items.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, vec!["x2"]);
    assert_eq!(app.results.visible.len(), 3);
}

#[test]
fn actions_while_a_dialog_is_open_do_not_reach_the_screen() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('h'));
    // An exclusion key in the middle of a draft neither saves nor opens another draft.
    assert!(update(&mut app, Msg::Action(Action::ExcludeUser)).is_empty());
    assert_eq!(app.draft.as_ref().unwrap().candidate.field, "Computer");
    assert!(update(&mut app, Msg::Action(Action::Back)).is_empty());
    assert!(app.draft.is_none());
    assert!(fake.exclusions.lock().unwrap().is_empty());
}

// Rendered dialogs and lists.

#[test]
fn snapshot_preview_of_a_host_exclusion() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('h'));
    type_str(&mut app, ": patch automation");
    let note = render(&app, W, H);
    assert!(
        note.contains("type a note · Enter: preview · Esc: cancel"),
        "{note}"
    );
    enter(&mut app);
    let screen = render(&app, W, H);
    assert!(
        screen.contains("would suppress 1 of 4 rows (2 events) of ESCU 4104 script block"),
        "{screen}"
    );
    assert!(
        screen.contains("host mgmt01.corp.local: patch automation"),
        "{screen}"
    );
    assert!(screen.contains("Enter: save · Esc: cancel"), "{screen}");
    assert!(!screen.contains("BROAD"), "{screen}");
    assert_snapshot("exclude_preview", &screen);
}

#[test]
fn snapshot_broad_pattern_asks_for_yes() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    pattern(&mut app, "Computer=*");
    enter(&mut app);
    type_str(&mut app, "ye");
    let screen = render(&app, W, H);
    assert!(
        screen.contains("BROAD: its pattern matches any value: this switches the detection off"),
        "{screen}"
    );
    assert!(
        screen.contains("type yes then Enter to save it anyway"),
        "{screen}"
    );
    assert!(screen.contains("confirm    ye▏"), "{screen}");
    assert_snapshot("exclude_broad_confirm", &screen);
}

#[test]
fn snapshot_delete_confirmation() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    exclude_host(&mut app, &fake);
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    update(&mut app, key('d'));
    let screen = render(&app, W, H);
    assert!(screen.contains(" delete x1? "), "{screen}");
    assert!(
        screen.contains("x1  Computer = \"mgmt01.corp.local\""),
        "{screen}"
    );
    assert!(
        screen.contains("y / Enter: delete · any other key: keep it"),
        "{screen}"
    );
    assert_snapshot("exclude_delete_confirm", &screen);
}

#[test]
fn snapshot_exclusions_list_with_labels_sid_names_and_an_undone_delete() {
    let fake = named();
    let mut app = loaded(&fake);
    // Row 0 is now ws01 (alice).
    exclude_host(&mut app, &fake);
    update(&mut app, key('u'));
    enter(&mut app);
    let fx = enter(&mut app);
    drive(&mut app, &fake, fx);
    // One on the process analytic too, to tell the two parity analytics apart.
    update(&mut app, Msg::Action(Action::FocusNext));
    let fx = update(&mut app, Msg::Action(Action::Down));
    drive(&mut app, &fake, fx);
    update(&mut app, Msg::Action(Action::FocusNext));
    exclude_host(&mut app, &fake);
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    // Delete x1, then undo it: x1 is back in its place.
    update(&mut app, key('d'));
    let fx = update(&mut app, key('y'));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, key('z'));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(screen.contains("ESCU 4104 script block"), "{screen}");
    assert!(screen.contains("ESCU process creation"), "{screen}");
    assert!(screen.contains(r"S-1-5-21-1-1104 (CORP\alice)"), "{screen}");
    // The note has the room the value leaves (whole here; a long one is cut with `…`).
    assert!(
        screen.contains("host mgmt01.corp.local"),
        "the note: {screen}"
    );
    assert!(
        screen.contains("user S-1-5-21-1-1104 (CORP…"),
        "the note: {screen}"
    );
    assert!(
        screen.contains("undid the delete of x1: x1 is back"),
        "{screen}"
    );
    let ids: Vec<&str> = app.exclusions.items.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, vec!["x1", "x2", "x3"]);
    assert_snapshot("exclusions_labels_sids_undo", &screen);
}

#[test]
fn snapshot_suppressed_rows_say_which_exclusion() {
    let fake = named();
    let mut app = loaded(&fake);
    // Row 0 is now ws01 (alice).
    exclude_host(&mut app, &fake);
    update(&mut app, key('u'));
    enter(&mut app);
    let fx = enter(&mut app);
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, key('x'));
    drive(&mut app, &fake, fx);
    let screen = render(&app, W, H);
    assert!(screen.contains("suppressed by"), "{screen}");
    assert!(screen.contains("x1 Computer = \"mgmt01.c…"), "{screen}");
    assert!(screen.contains("x2 user_id = \"S-1-5-21-…"), "{screen}");
    assert_snapshot("suppressed_by", &screen);
}
