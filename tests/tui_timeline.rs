//! The timeline view (T: the host's, U: the user's) from result rows, edges, events and its own
//! lines: Msg sequences → state and effects, and TestBackend snapshots.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::time::{MICROS, parse_timestamp};
use huntbench::tui::action::Action;
use huntbench::tui::app::Screen;
use huntbench::tui::{Effect, Msg, update};
use tui_support::fake::{FakeBackend, fixture_events, script};
use tui_support::*;

fn act(app: &mut huntbench::tui::App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

fn ts(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

/// (time, host, code) of every line shown.
fn lines(app: &huntbench::tui::App) -> Vec<(String, String, u32)> {
    app.timeline
        .lines
        .iter()
        .map(|l| {
            (
                huntbench::time::ctime(l.time, None),
                l.host.clone(),
                l.event_code,
            )
        })
        .collect()
}

/// The app with the ws01 row selected (2 script blocks, first at 09:00).
fn on_ws01_row(fake: &FakeBackend) -> huntbench::tui::App {
    let mut app = loaded(fake);
    act(&mut app, Action::Down);
    let row = app.selected_row().unwrap();
    assert!(
        row.key.iter().any(|k| k == "ws01.corp.local"),
        "{:?}",
        row.key
    );
    app
}

#[test]
fn t_on_a_result_row_asks_the_worker_for_its_hosts_timeline_around_its_first_time() {
    let fake = FakeBackend::new();
    let mut app = on_ws01_row(&fake);
    let fx = update(&mut app, key('T'));
    assert_eq!(app.screen(), Screen::Timeline);
    assert!(app.timeline.loading);
    let [Effect::LoadTimeline { gen_id, request }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(*gen_id, app.gens.timeline);
    assert_eq!(request.host.as_deref(), Some("ws01.corp.local"));
    assert_eq!(request.user, None);
    assert_eq!(request.around, ts("2024-10-21T09:00:00Z"));
    assert_eq!(request.window, 10 * 60 * MICROS);
    drive(&mut app, &fake, fx);
    assert!(!app.timeline.loading);
    assert_eq!(
        lines(&app),
        [
            ("2024-10-21T09:00:00".into(), "ws01.corp.local".into(), 4104),
            ("2024-10-21T09:05:00".into(), "ws01.corp.local".into(), 4104),
        ]
    );
    assert_eq!(app.timeline.selected, 0, "the anchor's line is selected");
    assert_eq!(
        app.message,
        "2 events on ws01.corp.local within ±10m of 2024-10-21T09:00:00"
    );
}

#[test]
fn u_opens_the_users_timeline_across_hosts() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    // The process analytic: its rows name the process user (alice ran powershell on ws01).
    act(&mut app, Action::FocusNext);
    act(&mut app, Action::Down);
    act(&mut app, Action::FocusNext);
    let row = app.selected_row().unwrap().clone();
    assert!(row.key.iter().any(|k| k == r"CORP\alice"), "{:?}", row.key);
    let fx = update(&mut app, key('U'));
    let [Effect::LoadTimeline { request, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(request.host, None);
    assert_eq!(request.user.as_deref(), Some(r"CORP\alice"));
    assert_eq!(request.around, ts("2024-10-21T10:00:00Z"));
    drive(&mut app, &fake, fx);
    // Her process on ws01 and, on srv01, what wsmprovhost.exe ran as her.
    assert_eq!(
        lines(&app),
        [
            ("2024-10-21T10:00:00".into(), "ws01.corp.local".into(), 1),
            ("2024-10-21T10:00:04".into(), "srv01.corp.local".into(), 1),
        ]
    );
    assert!(app.timeline.by_user);
    assert!(
        render(&app, 120, 32).contains(r"timeline · user CORP\alice · ±10m of 2024-10-21T10:00:00")
    );
}

#[test]
fn plus_and_minus_step_the_window_and_query_again() {
    let fake = FakeBackend::new();
    let mut app = on_ws01_row(&fake);
    let fx = act(&mut app, Action::Timeline);
    drive(&mut app, &fake, fx);
    let window = |fx: &[Effect]| match fx {
        [Effect::LoadTimeline { request, .. }] => request.window / (60 * MICROS),
        other => panic!("{other:?}"),
    };
    assert_eq!(window(&update(&mut app, key('+'))), 15);
    assert_eq!(window(&update(&mut app, key('+'))), 30);
    let fx = update(&mut app, key('+'));
    assert_eq!(window(&fx), 60);
    drive(&mut app, &fake, fx);
    // ±1h reaches alice's process at 10:00 (the window holds both its ends).
    assert_eq!(lines(&app).len(), 3, "{:?}", lines(&app));
    assert_eq!(lines(&app)[2].2, 1);
    assert_eq!(
        app.message,
        "3 events on ws01.corp.local within ±1h of 2024-10-21T09:00:00"
    );
    for expect in [30, 15, 10, 5, 2, 1] {
        assert_eq!(window(&update(&mut app, key('-'))), expect);
    }
    // At the narrowest step, `-` says so and asks for nothing.
    assert!(update(&mut app, key('-')).is_empty());
    assert_eq!(app.message, "window stays ±1m");
}

#[test]
fn enter_drills_into_the_event_and_esc_goes_back_to_where_the_timeline_was_opened() {
    let fake = FakeBackend::new();
    let mut app = on_ws01_row(&fake);
    let fx = act(&mut app, Action::Timeline);
    drive(&mut app, &fake, fx);
    act(&mut app, Action::Down);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Text);
    assert!(
        app.text.title.contains("ws01.corp.local"),
        "{}",
        app.text.title
    );
    assert!(
        app.text.title.contains("2024-10-21T09:05:00"),
        "{}",
        app.text.title
    );
    assert_eq!(
        app.text.raw,
        "Invoke-Command -ComputerName srv01 -ScriptBlock { whoami }"
    );
    // T from the drill re-anchors the one timeline on that event (no second screen).
    let fx = update(&mut app, key('T'));
    assert_eq!(app.stack, [Screen::Timeline]);
    let [Effect::LoadTimeline { request, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(request.around, ts("2024-10-21T09:05:00Z"));
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Main);
}

#[test]
fn from_an_edge_its_target_around_its_first_time() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = act(&mut app, Action::Edges);
    drive(&mut app, &fake, fx);
    let edge = app.edges.items[app.edges.selected].clone();
    let fx = update(&mut app, key('T'));
    let [Effect::LoadTimeline { request, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(request.host.as_deref(), Some(edge.target.as_str()));
    assert_eq!(request.around, edge.first);
    drive(&mut app, &fake, fx);
    assert_eq!(app.stack, [Screen::Edges, Screen::Timeline]);
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Edges);
    // An edge names no user.
    assert!(update(&mut app, key('U')).is_empty());
    assert!(app.message_is_error);
    assert_eq!(app.message, "this selection names no user for a timeline");
}

#[test]
fn from_an_event_of_a_group_its_host_and_time() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Events);
    act(&mut app, Action::Down);
    let e = app.events.events[app.events.selected].clone();
    let fx = act(&mut app, Action::Timeline);
    let [Effect::LoadTimeline { request, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(request.host.as_deref(), Some(e.computer.as_str()));
    assert_eq!(request.around, e.time);
}

#[test]
fn stale_answers_are_dropped_and_failures_say_why() {
    let fake = FakeBackend::new();
    let mut app = on_ws01_row(&fake);
    let first = act(&mut app, Action::Timeline);
    let second = act(&mut app, Action::Widen);
    // The first answer comes after the second request: dropped.
    let old = match &first[0] {
        Effect::LoadTimeline { gen_id, .. } => *gen_id,
        f => panic!("{f:?}"),
    };
    assert!(
        update(
            &mut app,
            Msg::TimelineDone {
                gen_id: old,
                result: Err("late".into())
            }
        )
        .is_empty()
    );
    assert!(app.timeline.loading, "still waiting for the newest answer");
    assert!(app.timeline.error.is_none());
    let new = match &second[0] {
        Effect::LoadTimeline { gen_id, .. } => *gen_id,
        f => panic!("{f:?}"),
    };
    update(
        &mut app,
        Msg::TimelineDone {
            gen_id: new,
            result: Err("the index has no events from host \"ws01\"".into()),
        },
    );
    assert!(!app.timeline.loading);
    assert!(app.message_is_error);
    assert_eq!(
        app.message,
        "timeline failed: the index has no events from host \"ws01\""
    );
    let screen = render(&app, 120, 32);
    assert!(
        screen.contains("timeline failed: the index has no events from host \"ws01\""),
        "{screen}"
    );
}

#[test]
fn the_keys_are_in_the_help() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Help);
    let screen = render(&app, 160, 60);
    for line in [
        "timeline of the selection's host",
        "timeline of the selection's user",
        "timeline: wider window",
        "timeline: narrower window",
    ] {
        assert!(screen.contains(line), "{line}\n{screen}");
    }
}

#[test]
fn the_view_shows_time_host_code_channel_and_an_inert_summary() {
    let mut events = fixture_events();
    events.push(script(
        40,
        "2024-10-21T09:02:00Z",
        "WS01",
        "S-1-5-21-1-1104",
        "Write-Host \"\u{1b}]0;owned\u{7}\u{1b}[2J\"\n  # second line",
    ));
    let fake = FakeBackend::with_events(events);
    let mut app = on_ws01_row(&fake);
    let fx = act(&mut app, Action::Timeline);
    drive(&mut app, &fake, fx);
    let screen = render(&app, 120, 32);
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\u{7}'),
        "{screen:?}"
    );
    assert!(
        screen.contains("2024-10-21T09:02:00 WS01            4104 PowerShell/Operational Write-Host \"␛]0;owned␇␛[2J\" # second line"),
        "{screen}"
    );
    assert!(
        screen.contains("timeline · ws01.corp.local · ±10m of 2024-10-21T09:00:00 · 3 events"),
        "{screen}"
    );
    assert_snapshot("timeline_host", &screen);
    // An empty window says so in the view.
    for _ in 0..6 {
        act(&mut app, Action::Narrow);
    }
    let mut app2 = app.clone();
    app2.timeline.around = ts("2024-10-21T08:00:00Z");
    let fx = vec![huntbench::tui::timeline::load(&mut app2)];
    drive(&mut app2, &fake, fx);
    let screen = render(&app2, 120, 32);
    assert!(
        screen.contains("no events on ws01.corp.local within ±1m of 2024-10-21T08:00:00"),
        "{screen}"
    );
    assert_snapshot("timeline_empty", &screen);
}
