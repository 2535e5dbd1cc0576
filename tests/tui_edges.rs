//! The edges view (L) and its evidence drill-down: Msg sequences → state and effects, and a
//! TestBackend snapshot.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::time::TimeRange;
use huntbench::tui::action::Action;
use huntbench::tui::app::{EventSource, Screen};
use huntbench::tui::{Effect, Msg, update};
use tui_support::fake::FakeBackend;
use tui_support::*;

fn act(app: &mut huntbench::tui::App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

/// (source, target, count, evidence) of every edge shown.
fn edge_rows(app: &huntbench::tui::App) -> Vec<(String, String, u64, usize)> {
    app.edges
        .items
        .iter()
        .map(|e| {
            (
                e.source.clone(),
                e.target.clone(),
                e.count,
                e.evidence.len(),
            )
        })
        .collect()
}

#[test]
fn l_opens_the_edges_view_and_loads_the_edges_of_the_range() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    assert_eq!(app.screen(), Screen::Edges);
    assert!(app.edges.loading);
    assert_eq!(
        fx,
        vec![Effect::LoadEdges {
            gen_id: app.gens.edges,
            range: TimeRange::ALL,
        }]
    );
    drive(&mut app, &fake, fx);
    assert!(!app.edges.loading);
    assert_eq!(
        edge_rows(&app),
        vec![
            // Both ends: 3 source-side events and the 3 children srv01 logged.
            ("ws01.corp.local".into(), "srv01.corp.local".into(), 6, 3),
            ("ws02.corp.local".into(), "srv01.corp.local".into(), 1, 0),
            // `$s = 'srv02'; invoke-command -computername $s`: the variable is resolved.
            ("ws02.corp.local".into(), "srv02".into(), 1, 0),
            ("ws02.corp.local".into(), "srv03".into(), 1, 0),
            // Unresolved targets last: listed, never guessed.
            (
                "mgmt01.corp.local".into(),
                "?(Get-Content hosts.txt)".into(),
                2,
                0
            ),
        ]
    );
    let first = &app.edges.items[0];
    assert_eq!(first.ends, huntbench::extended::Ends::Both);
    assert_eq!(first.users, vec![r"CORP\alice", "S-1-5-21-1-1104"]);
    assert_eq!(
        huntbench::time::ctime(first.first, None),
        "2024-10-21T09:00:00"
    );
    assert_eq!(
        huntbench::time::ctime(first.last, None),
        "2024-10-21T10:00:04"
    );
    assert_eq!(
        first.techniques,
        vec!["inbound:wsmprovhost child", "invoke-command:computername"]
    );
    let wide = render(&app, 200, 32);
    assert!(
        wide.contains("▶ ws01.corp.local")
            && wide.contains("→ srv01.corp.local")
            && wide.contains("both")
            && wide.contains(r"CORP\alice")
            && wide.contains("2024-10-21T10:00:04")
            && wide.contains("inbound:wsmprovhost child, invoke-command:computername"),
        "{wide}"
    );
    let screen = render(&app, 120, 32);
    assert!(
        !screen.contains("lastTime"),
        "no room at 120 columns: {screen}"
    );
    // The selected edge's note sits under the table.
    assert!(
        screen.contains("target session names no source: joined on host and time"),
        "{screen}"
    );
    assert_snapshot("edges", &screen);
}

#[test]
fn enter_drills_into_the_target_side_evidence_and_esc_goes_back() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    let evidence = app.edges.items[0].evidence.clone();
    let fx = update(&mut app, code(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::LoadEvents {
            gen_id: app.gens.events,
            uids: evidence,
        }]
    );
    assert_eq!(app.screen(), Screen::Events);
    assert_eq!(
        app.events.source,
        EventSource::Edge("ws01.corp.local → srv01.corp.local".into())
    );
    drive(&mut app, &fake, fx);
    let seen: Vec<(&str, Option<&str>)> = app
        .events
        .events
        .iter()
        .map(|e| (e.computer.as_str(), e.process_name.as_deref()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("srv01.corp.local", Some("whoami.exe")),
            ("srv01.corp.local", Some("whoami.exe")),
            ("srv01.corp.local", Some("ipconfig.exe")),
        ]
    );
    let screen = render(&app, 120, 32);
    assert!(
        screen.contains("evidence on the target of ws01.corp.local → srv01.corp.local"),
        "{screen}"
    );
    // The usual drill-down: the last event's fields in the text view.
    act(&mut app, Action::Bottom);
    let fx = act(&mut app, Action::Open);
    assert!(fx.is_empty(), "a process event needs no backend call");
    assert_eq!(app.screen(), Screen::Text);
    let text = app.text.lines.join("\n");
    assert!(text.contains("ipconfig.exe") && text.contains("wsmprovhost.exe"));
    update(&mut app, code(KeyCode::Esc));
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Edges);
    assert_eq!(app.edges.selected, 0, "the edge list kept its place");
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.screen(), Screen::Main);
}

#[test]
fn an_edge_without_evidence_says_so_and_stays() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    update(&mut app, key('j'));
    update(&mut app, key('j'));
    update(&mut app, key('j'));
    assert_eq!(app.edges.items[app.edges.selected].target, "srv03");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(app.screen(), Screen::Edges);
    assert!(app.message_is_error);
    assert!(
        app.message
            .contains("no target-side evidence for ws02.corp.local → srv03"),
        "{}",
        app.message
    );
}

#[test]
fn a_new_time_range_reloads_the_edges_and_stale_answers_are_dropped() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    let old = app.gens.edges;
    drive(&mut app, &fake, fx);
    update(&mut app, key('t'));
    type_str(&mut app, "2024-10-21T10:30:00Z..2024-10-22");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.iter().any(|e| matches!(e, Effect::Hunt { .. })));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadEdges { gen_id, .. } if *gen_id == app.gens.edges))
    );
    assert_ne!(app.gens.edges, old);
    // An answer for the old range arrives late: ignored.
    let rev = app.rev;
    update(
        &mut app,
        Msg::EdgesDone {
            gen_id: old,
            result: Ok(vec![]),
        },
    );
    assert_eq!(app.rev, rev);
    assert_eq!(app.edges.items.len(), 5);
    drive(&mut app, &fake, fx);
    assert_eq!(
        edge_rows(&app),
        vec![
            ("ws02.corp.local".into(), "srv01.corp.local".into(), 1, 0),
            ("ws02.corp.local".into(), "srv02".into(), 1, 0),
            ("ws02.corp.local".into(), "srv03".into(), 1, 0),
            (
                "mgmt01.corp.local".into(),
                "?(Get-Content hosts.txt)".into(),
                2,
                0
            ),
        ],
        "ws01's visits (09:00-10:00) are out of the range"
    );
}

#[test]
fn no_edges_explains_why() {
    // Only a local script block: nothing reaches another host.
    let fake = FakeBackend::with_events(vec![tui_support::fake::script(
        1,
        "2024-10-21T09:00:00Z",
        "ws01.corp.local",
        "S-1-5-21-1-1104",
        "Get-Date",
    )]);
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    assert!(app.edges.items.is_empty());
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty());
    let screen = render(&app, 120, 32);
    assert!(screen.contains("No edges in all time."), "{screen}");
    assert!(screen.contains("with a literal target name"), "{screen}");
}

#[test]
fn edges_failure_is_reported() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('L'));
    let gen_id = app.gens.edges;
    update(
        &mut app,
        Msg::EdgesDone {
            gen_id,
            result: Err("index locked".into()),
        },
    );
    assert!(!app.edges.loading);
    assert!(app.message_is_error);
    assert_eq!(app.message, "loading edges failed: index locked");
}

#[test]
fn o_sorts_the_edges_like_the_main_table_and_keeps_the_selection() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    assert_eq!(app.edges.sort, huntbench::tui::app::SortBy::Name);
    update(&mut app, key('j'));
    update(&mut app, key('j'));
    let chosen = app.edges.items[app.edges.selected].target.clone();
    assert_eq!(chosen, "srv02");
    let targets = |app: &huntbench::tui::App| -> Vec<(String, u64)> {
        app.edges
            .items
            .iter()
            .map(|e| (e.target.clone(), e.count))
            .collect()
    };
    // name → count: most events first, ties in name order.
    update(&mut app, key('o'));
    assert_eq!(app.edges.sort, huntbench::tui::app::SortBy::Count);
    assert_eq!(app.message, "sort edges: count ↓");
    assert_eq!(
        targets(&app),
        vec![
            ("srv01.corp.local".into(), 6),
            ("?(Get-Content hosts.txt)".into(), 2),
            ("srv01.corp.local".into(), 1),
            ("srv02".into(), 1),
            ("srv03".into(), 1),
        ]
    );
    assert_eq!(app.edges.items[app.edges.selected].target, chosen);
    // count → first seen: ws01's 09:00 first, ws02's split block (15:00) last.
    update(&mut app, key('o'));
    let firsts: Vec<String> = app
        .edges
        .items
        .iter()
        .map(|e| huntbench::time::ctime(e.first, None))
        .collect();
    assert_eq!(
        firsts,
        vec![
            "2024-10-21T09:00:00",
            "2024-10-21T11:30:00",
            "2024-10-21T12:00:00",
            "2024-10-21T15:00:00",
            "2024-10-21T16:00:00",
        ]
    );
    let screen = render(&app, 120, 32);
    assert!(screen.contains("sort: first seen ↑"), "{screen}");
    // A reload keeps the order chosen.
    let fx = vec![huntbench::tui::Effect::LoadEdges {
        gen_id: app.gens.edges,
        range: TimeRange::ALL,
    }];
    drive(&mut app, &fake, fx);
    assert_eq!(app.edges.sort, huntbench::tui::app::SortBy::First);
    assert_eq!(
        huntbench::time::ctime(app.edges.items[0].first, None),
        "2024-10-21T09:00:00"
    );
}

#[test]
fn e_exports_the_edges_as_shown_to_csv_or_json() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    update(&mut app, key('o')); // by count
    update(&mut app, key('e'));
    assert_eq!(
        app.prompt.as_ref().map(|p| p.input.as_str()),
        Some("edges.csv")
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    let [Effect::WriteFile { path, contents }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(path, &std::path::PathBuf::from("edges.csv"));
    let lines: Vec<&str> = contents.lines().collect();
    assert_eq!(
        lines[0],
        "source,target,ends,users,count,firstTime,lastTime,techniques,evidence,note"
    );
    assert_eq!(
        lines[1],
        r"ws01.corp.local,srv01.corp.local,both,CORP\alice;S-1-5-21-1-1104,6,2024-10-21T09:00:00,2024-10-21T10:00:04,inbound:wsmprovhost child;invoke-command:computername,3,target session names no source: joined on host and time"
    );
    assert_eq!(lines.len(), 6, "{contents}");
    assert!(lines[2].starts_with("mgmt01.corp.local,?(Get-Content hosts.txt),source,"));

    update(&mut app, key('e'));
    for _ in 0.."edges.csv".len() {
        update(&mut app, code(KeyCode::Backspace));
    }
    type_str(&mut app, "out/edges.json");
    let fx = update(&mut app, code(KeyCode::Enter));
    let [Effect::WriteFile { path, contents }] = &fx[..] else {
        panic!("{fx:?}");
    };
    assert_eq!(path, &std::path::PathBuf::from("out/edges.json"));
    let v: serde_json::Value = serde_json::from_str(contents).unwrap();
    let first = &v[0];
    assert_eq!(first["source"], "ws01.corp.local");
    assert_eq!(first["target"], "srv01.corp.local");
    assert_eq!(first["ends"], "both");
    assert_eq!(first["users"][0], r"CORP\alice");
    assert_eq!(first["count"], 6);
    assert_eq!(first["evidence"].as_array().unwrap().len(), 3);
    let unresolved = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == "?(Get-Content hosts.txt)")
        .unwrap();
    assert_eq!(
        unresolved["note"],
        "unresolved: no session of the same user on any target within 5 min"
    );
}

#[test]
fn hostile_host_names_users_and_notes_render_inert() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('L'));
    let gen_id = app.gens.edges;
    let edge = huntbench::extended::Edge {
        source: "ws01\u{1b}]0;pwned\u{7}".into(),
        target: "?$x\u{1b}[2J".into(),
        ends: huntbench::extended::Ends::Source,
        users: vec!["CORP\\\u{202e}eve".into()],
        count: 1,
        first: 0,
        last: 0,
        techniques: vec!["icm:positional".into()],
        evidence: vec![],
        notes: vec!["unresolved \u{1b}[31m".into()],
    };
    update(
        &mut app,
        Msg::EdgesDone {
            gen_id,
            result: Ok(vec![edge]),
        },
    );
    let screen = render(&app, 160, 32);
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\u{7}'),
        "{screen:?}"
    );
    assert!(!screen.contains('\u{202e}'), "{screen:?}");
    assert!(screen.contains("ws01␛]0;pwned␇"), "{screen}");
    assert!(screen.contains("unresolved ␛[31m"), "{screen}");
}
