//! Dropped events (D) and SID names beside user_id: Msg sequences → state and effects, and
//! TestBackend snapshots.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::analytics::model::ExclusionOp;
use huntbench::tui::action::Action;
use huntbench::tui::app::{EventSource, Screen, SidNames};
use huntbench::tui::{Effect, Msg, update};
use tui_support::fake::{FakeBackend, fixture_events, script};
use tui_support::fake_edges::fixture_sid_names;
use tui_support::*;

fn act(app: &mut huntbench::tui::App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

/// The fixture plus one matching script block without a user_id: the 4104 analytic's stats
/// (`by ... user_id`) drops it.
fn with_sidless() -> FakeBackend {
    let mut events = fixture_events();
    let mut e = script(
        18,
        "2024-10-21T17:00:00Z",
        "ws04.corp.local",
        "",
        "Invoke-Command -ComputerName srv09 { hostname }",
    );
    e.user_id = None;
    events.push(e);
    FakeBackend::with_events(events)
}

#[test]
fn d_lists_the_dropped_events_with_their_reason() {
    let fake = with_sidless();
    let mut app = loaded(&fake);
    let h = app.current().unwrap();
    assert_eq!(h.query.id, "powershell_invoke_command_remote");
    assert_eq!(h.rows(), 4, "the SID-less event makes no row");
    assert_eq!(h.dropped.len(), 1);
    let uid = h.dropped[0].uid;
    let screen = render(&app, 120, 32);
    assert!(screen.contains("1 dropped (D)"), "{screen}");
    let fx = update(&mut app, key('D'));
    assert_eq!(app.screen(), Screen::Events);
    assert_eq!(
        app.events.source,
        EventSource::Dropped("PowerShell Invoke-Command -ComputerName (4104)".into())
    );
    assert_eq!(
        fx,
        vec![Effect::LoadEvents {
            gen_id: app.gens.events,
            uids: vec![uid],
        }]
    );
    assert_eq!(
        app.events.reasons.get(&uid).map(String::as_str),
        Some("user_id is missing")
    );
    drive(&mut app, &fake, fx);
    assert_eq!(app.events.events.len(), 1);
    assert_eq!(app.events.events[0].record_id, Some(18));
    let screen = render(&app, 120, 32);
    assert!(screen.contains("dropped because"), "{screen}");
    assert!(screen.contains("user_id is missing"), "{screen}");
    assert!(
        screen.contains("dropped by PowerShell Invoke-Command"),
        "{screen}"
    );
    assert_snapshot("dropped_list", &screen);
    // Drill-down as usual: the script block's full text.
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Text);
    assert!(app.text.raw.contains("srv09"));
    update(&mut app, code(KeyCode::Esc));
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Main);
    // A group's events carry no reasons.
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    assert!(app.events.reasons.is_empty());
    assert!(!render(&app, 120, 32).contains("dropped because"));
}

#[test]
fn d_on_an_analytic_without_dropped_events_says_so() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    assert!(app.hunts.iter().all(|h| h.dropped.is_empty()));
    let fx = update(&mut app, key('D'));
    assert!(fx.is_empty());
    assert_eq!(app.screen(), Screen::Main);
    assert!(!app.message_is_error);
    assert!(app.message.contains("no event dropped"), "{}", app.message);
    assert!(!render(&app, 120, 32).contains("dropped (D)"));
}

#[test]
fn names_are_fetched_with_the_first_hunt_and_on_refresh_and_shown_beside_sids() {
    let mut fake = FakeBackend::new();
    fake.sid_names = fixture_sid_names();
    let mut app = new_app();
    let fx = huntbench::tui::start(&mut app);
    let seen = drive(&mut app, &fake, fx);
    let loads: Vec<&Effect> = seen
        .iter()
        .filter(|e| matches!(e, Effect::LoadSidNames { .. }))
        .collect();
    assert_eq!(
        loads,
        vec![&Effect::LoadSidNames {
            hunt_gen: app.gens.hunt
        }]
    );
    assert_eq!(
        app.sid_names.get("s-1-5-21-1-1104"),
        Some((r"CORP\alice", "Security 4624 on dc01.corp.local"))
    );
    assert_eq!(
        app.sid_names.display("S-1-5-21-1-1105"),
        r"S-1-5-21-1-1105 (CORP\bob)"
    );
    assert_eq!(app.sid_names.display("S-1-5-21-9-9"), "S-1-5-21-9-9");
    act(&mut app, Action::Down);
    let screen = render(&app, 160, 32);
    assert!(screen.contains(r"S-1-5-21-1-1104 (CORP\alice)"), "{screen}");
    assert!(screen.contains(r"S-1-5-18 (NT AUTHORITY\SYST"), "{screen}");
    assert_snapshot("results_sid_names", &screen);
    // A re-run over the same index (time range, exclusion) keeps the names; r asks again.
    update(&mut app, key('t'));
    type_str(&mut app, "2024-10-21");
    let fx = update(&mut app, code(KeyCode::Enter));
    let seen = drive(&mut app, &fake, fx);
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Effect::LoadSidNames { .. })),
        "{seen:?}"
    );
    assert!(app.sid_names.get("S-1-5-21-1-1104").is_some());
    let fx = update(&mut app, key('r'));
    let seen = drive(&mut app, &fake, fx);
    assert!(
        seen.iter()
            .any(|e| matches!(e, Effect::LoadSidNames { hunt_gen } if *hunt_gen == app.gens.hunt)),
        "{seen:?}"
    );
    // The row keeps the SID: an exclusion by user takes the SID, not the display.
    // (`u` drafts: its note shows the name, Enter keeps it, Enter saves.)
    update(&mut app, key('u'));
    let note = app
        .draft
        .as_ref()
        .map(|d| d.note.clone())
        .unwrap_or_default();
    update(&mut app, code(KeyCode::Enter));
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.contains(&Effect::AddExclusion {
            analytic: "powershell_invoke_command_remote".into(),
            field: "user_id".into(),
            op: ExclusionOp::Equals("S-1-5-21-1-1104".into()),
            note: Some(note.clone()),
        }),
        "{fx:?}"
    );
    assert!(note.starts_with("user S-1-5-21-1-1104 ("), "{note}");
    // And an export writes the SIDs, never the names.
    update(&mut app, key('e'));
    let fx = update(&mut app, code(KeyCode::Enter));
    let Some(Effect::WriteFile { contents, .. }) = fx.first() else {
        panic!("{fx:?}");
    };
    assert!(contents.contains("S-1-5-21-1-1104"), "{contents}");
    assert!(!contents.contains("CORP"), "{contents}");
}

#[test]
fn the_events_list_and_the_text_header_name_the_user() {
    let mut fake = FakeBackend::new();
    fake.sid_names = fixture_sid_names();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    let screen = render(&app, 120, 32);
    assert!(screen.contains(r"S-1-5-21-1-1104 (CORP\alice)"), "{screen}");
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    assert_eq!(
        app.text.who.as_deref(),
        Some(r"S-1-5-21-1-1104 = CORP\alice (from Security 4624 on dc01.corp.local)")
    );
    let screen = render(&app, 160, 32);
    assert!(
        screen.contains("from Security 4624 on dc01.corp.local"),
        "{screen}"
    );
}

#[test]
fn a_domain_sid_is_shortened_beside_its_name() {
    let names = SidNames::from_triples(vec![(
        "S-1-5-21-3471920647-2189324781-1592000000-1104".into(),
        r"CORP\j.miller".into(),
        "Security 4624 on DC01".into(),
    )]);
    assert_eq!(
        names.display("s-1-5-21-3471920647-2189324781-1592000000-1104"),
        r"s-1-5-21-…-1104 (CORP\j.miller)"
    );
    assert_eq!(
        names.display("S-1-5-21-3471920647-2189324781-1592000000-1105"),
        "S-1-5-21-3471920647-2189324781-1592000000-1105",
        "an unknown SID shows whole"
    );
}

#[test]
fn a_stale_or_failed_names_answer_keeps_the_sids_bare() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let hunt_gen = app.gens.hunt;
    let rev = app.rev;
    update(
        &mut app,
        Msg::SidNamesDone {
            hunt_gen: hunt_gen - 1,
            result: Ok(fixture_sid_names()),
        },
    );
    assert_eq!(app.rev, rev, "an answer for an older hunt changes nothing");
    assert!(app.sid_names.map.is_empty());
    assert!(app.results.sid_width.is_none());
    update(
        &mut app,
        Msg::SidNamesDone {
            hunt_gen,
            result: Err("no Security log".into()),
        },
    );
    assert!(app.message_is_error);
    assert_eq!(app.message, "loading SID names failed: no Security log");
    update(
        &mut app,
        Msg::SidNamesDone {
            hunt_gen,
            result: Ok(fixture_sid_names()),
        },
    );
    assert_eq!(
        app.results.sid_width,
        Some(r"S-1-5-18 (NT AUTHORITY\SYSTEM)".chars().count()),
        "the user_id column is sized for the widest named SID"
    );
}
