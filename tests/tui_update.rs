//! `update` driven by message sequences: state and effects, no terminal.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use huntbench::analytics::model::ExclusionOp;
use huntbench::time::{MICROS, TimeRange, parse_timestamp};
use huntbench::tui::action::Action;
use huntbench::tui::app::{EventSource, Focus, Pivot, PromptKind, Screen};
use huntbench::tui::{Effect, Msg, update};
use sha2::{Digest, Sha256};
use tui_support::fake::FakeBackend;
use tui_support::*;

fn act(app: &mut huntbench::tui::App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

fn row_keys(app: &huntbench::tui::App) -> Vec<(String, u64)> {
    app.results
        .visible
        .iter()
        .map(|&i| {
            let r = &app.results.rows[i as usize];
            (r.key.join("|"), r.count)
        })
        .collect()
}

#[test]
fn first_hunt_fills_the_analytics_and_sorts_by_count() {
    let fake = FakeBackend::new();
    let app = loaded(&fake);
    assert_eq!(app.hunts.len(), 3);
    assert_eq!(app.status.events, 10);
    let rows = row_keys(&app);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].1, 2);
    assert!(rows[0].0.contains("mgmt01.corp.local"));
    assert!(rows[1].0.contains("ws01.corp.local"));
    assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), 6);
    assert_eq!(app.message, "hunt: 3 analytics, 7 rows");
}

#[test]
fn navigation_moves_selection_and_switches_analytics() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    act(&mut app, Action::Down);
    assert_eq!(app.results.selected, 2);
    act(&mut app, Action::Bottom);
    assert_eq!(app.results.selected, 3);
    act(&mut app, Action::Down);
    assert_eq!(app.results.selected, 3, "stays on the last row");
    act(&mut app, Action::Top);
    assert_eq!(app.results.selected, 0);
    act(&mut app, Action::FocusNext);
    assert_eq!(app.focus, Focus::Analytics);
    act(&mut app, Action::Down);
    assert_eq!(app.analytic, 1);
    assert_eq!(app.results.columns[0], "dest");
    assert_eq!(app.results.visible.len(), 2);
    act(&mut app, Action::Open);
    assert_eq!(app.focus, Focus::Results);
}

#[test]
fn drill_in_to_events_and_text_and_back_out() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down); // ws01, two events
    let fx = act(&mut app, Action::Open);
    assert_eq!(app.screen(), Screen::Events);
    let Effect::LoadEvents { gen_id, uids } = &fx[0] else {
        panic!("expected LoadEvents, got {fx:?}")
    };
    assert_eq!(*gen_id, app.gens.events);
    assert_eq!(uids.len(), 2);
    drive(&mut app, &fake, fx);
    let rids: Vec<_> = app.events.events.iter().map(|e| e.record_id).collect();
    assert_eq!(rids, vec![Some(11), Some(12)]);
    assert!(matches!(&app.events.source, EventSource::Group(g) if g.contains("ws01")));

    let fx = act(&mut app, Action::Open);
    assert_eq!(app.screen(), Screen::Text);
    assert!(matches!(&fx[0], Effect::FullText { event, .. } if event.record_id == Some(11)));
    drive(&mut app, &fake, fx);
    assert_eq!(
        app.text.lines,
        vec!["Invoke-Command -ComputerName srv01 -ScriptBlock { whoami }"]
    );
    act(&mut app, Action::Back);
    assert_eq!(app.screen(), Screen::Events);
    act(&mut app, Action::Back);
    assert_eq!(app.screen(), Screen::Main);
}

#[test]
fn process_event_shows_its_fields_without_a_backend_call() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::FocusNext);
    act(&mut app, Action::Down);
    act(&mut app, Action::Open);
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    let fx = act(&mut app, Action::Open);
    assert!(fx.is_empty());
    assert_eq!(app.screen(), Screen::Text);
    let text = app.text.lines.join("\n");
    assert!(text.contains(
        "command line         powershell.exe -c Invoke-Command -ComputerName srv01 { ipconfig }"
    ));
    assert!(text.contains("parent process id    1200"));
    assert!(text.contains("original file name   PowerShell.EXE"));
}

#[test]
fn pivot_regroups_by_host_user_and_back() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Pivot);
    assert_eq!(app.pivot, Pivot::Host);
    assert_eq!(app.results.columns, vec!["Computer"]);
    assert_eq!(
        row_keys(&app),
        vec![
            ("ws02.corp.local".to_string(), 2),
            ("mgmt01.corp.local".to_string(), 2),
            ("ws01.corp.local".to_string(), 2)
        ]
    );
    act(&mut app, Action::Pivot);
    assert_eq!(app.results.columns, vec!["user_id"]);
    assert_eq!(row_keys(&app)[0], ("S-1-5-21-1-1105".to_string(), 2));
    act(&mut app, Action::Pivot);
    assert_eq!(app.results.columns, vec!["Computer", "user_id"]);
    assert_eq!(app.results.visible.len(), 3);
    act(&mut app, Action::Pivot);
    assert_eq!(app.pivot, Pivot::Full);
    assert_eq!(app.results.visible.len(), 4);
}

#[test]
fn sort_cycles_first_last_name() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Sort); // first seen
    let first: Vec<i64> = app
        .results
        .visible
        .iter()
        .map(|&i| app.results.rows[i as usize].first)
        .collect();
    assert!(first.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(first[0], parse_timestamp("2024-10-21T09:00:00Z").unwrap());
    act(&mut app, Action::Sort); // last seen
    let last = app.results.rows[app.results.visible[0] as usize].last;
    assert_eq!(last, parse_timestamp("2024-10-21T15:00:00Z").unwrap());
    act(&mut app, Action::Sort); // name
    assert!(row_keys(&app)[0].0.starts_with("4104|$s = 'srv02'"));
}

#[test]
fn filter_narrows_as_you_type_and_esc_clears() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Filter);
    assert_eq!(
        app.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::Filter)
    );
    type_str(&mut app, "ws0");
    assert_eq!(app.results.visible.len(), 3);
    type_str(&mut app, "2");
    assert_eq!(app.results.visible.len(), 2);
    assert_eq!(app.filter, "ws02");
    update(&mut app, code(KeyCode::Backspace));
    assert_eq!(app.results.visible.len(), 3);
    update(&mut app, code(KeyCode::Enter));
    assert!(app.prompt.is_none());
    assert_eq!(app.results.visible.len(), 3, "enter keeps the filter");
    act(&mut app, Action::Back);
    assert_eq!(
        app.results.visible.len(),
        4,
        "back on the main screen clears it"
    );
}

#[test]
fn time_range_valid_reruns_the_hunt() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('t'));
    type_str(&mut app, "-24h");
    let fx = update(&mut app, code(KeyCode::Enter));
    let want = TimeRange {
        earliest: Some(now() - 24 * 3600 * MICROS),
        latest: None,
    };
    assert_eq!(app.range, want);
    assert_eq!(
        fx,
        vec![Effect::Hunt {
            gen_id: app.gens.hunt,
            range: want
        }]
    );
    // The fixture story is all on 2024-10-21, inside the last 24h of "now".
    drive(&mut app, &fake, fx);
    assert_eq!(app.results.visible.len(), 4);

    // The prompt opens with the current range's text: clear it first.
    update(&mut app, key('t'));
    assert_eq!(app.prompt.as_ref().unwrap().input, "-24h");
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_str(&mut app, "2024-10-21T10:00:00..2024-10-21T12:30:00");
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    // Only the 11:30 ws02 and the 12:00 mgmt01 events fall inside.
    assert_eq!(
        row_keys(&app).iter().map(|r| r.1).collect::<Vec<_>>(),
        vec![1, 1]
    );
}

#[test]
fn time_range_invalid_keeps_the_range_and_says_why() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let gen_before = app.gens.hunt;
    update(&mut app, key('t'));
    type_str(&mut app, "-3x");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(app.range, TimeRange::ALL);
    assert_eq!(app.gens.hunt, gen_before);
    assert!(app.message_is_error);
    assert!(app.message.contains("bad unit"), "{}", app.message);
    update(&mut app, key('t'));
    type_str(&mut app, "-1h..-2h");
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert!(app.message.contains("before"), "{}", app.message);
}

#[test]
fn exclude_host_drafts_then_saves_an_equals_exclusion_and_reports_what_it_suppresses() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    // Row 0 is mgmt01 (count 2): `h` drafts, saves nothing yet.
    assert!(update(&mut app, key('h')).is_empty());
    let d = app.draft.as_ref().expect("a draft");
    assert_eq!(d.note, "host mgmt01.corp.local");
    assert_eq!(
        (d.preview.rows, d.preview.events, d.preview.kept_rows),
        (1, 2, 4)
    );
    assert!(
        update(&mut app, code(KeyCode::Enter)).is_empty(),
        "the note, then the preview"
    );
    type_str(&mut app, "zz");
    assert_eq!(
        app.draft.as_ref().unwrap().typed,
        "",
        "a plain preview takes no typing"
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::AddExclusion {
            analytic: "powershell_invoke_command_remote".into(),
            field: "Computer".into(),
            op: ExclusionOp::Equals("mgmt01.corp.local".into()),
            note: Some("host mgmt01.corp.local".into()),
        }]
    );
    assert!(app.draft.is_none());
    drive(&mut app, &fake, fx);
    assert_eq!(app.message, "x1 suppresses 1 rows / 2 events");
    assert_eq!(app.results.visible.len(), 3);
    assert_eq!(app.hunts[0].suppressed_rows(), 1);
    assert_eq!(app.exclusions.items.len(), 1);
    // Shown again, marked, when suppressed rows are on.
    act(&mut app, Action::ShowSuppressed);
    assert_eq!(app.results.visible.len(), 4);
    let marked: Vec<_> = app
        .results
        .rows
        .iter()
        .filter(|r| !r.suppressed_by.is_empty())
        .collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].suppressed_by, vec!["x1"]);
}

#[test]
fn exclude_user_text_and_pattern_build_the_right_ops() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down); // ws01
    update(&mut app, key('u'));
    let d = app.draft.as_ref().unwrap();
    assert_eq!(d.candidate.field, "user_id");
    assert_eq!(
        d.candidate.op,
        ExclusionOp::Equals("S-1-5-21-1-1104".into())
    );
    assert_eq!(d.note, "user S-1-5-21-1-1104");
    update(&mut app, code(KeyCode::Esc));
    assert!(app.draft.is_none());
    assert_eq!(app.message, "exclusion not saved");
    update(&mut app, key('c'));
    let text = "Invoke-Command -ComputerName srv01 -ScriptBlock { whoami }";
    let sha = format!("{:x}", Sha256::digest(text.as_bytes()));
    let d = app.draft.as_ref().unwrap();
    assert_eq!(d.candidate.field, "ScriptBlockText");
    assert_eq!(d.candidate.op, ExclusionOp::Sha256(sha));
    assert_eq!(
        d.note,
        "sha256 of the script block on ws01.corp.local (first line Invoke-Command -ComputerName \
         srv01 -Scr…)"
    );
    update(&mut app, code(KeyCode::Esc));
    update(&mut app, key('X'));
    assert_eq!(
        app.prompt.as_ref().unwrap().input,
        format!("ScriptBlockText={text}")
    );
    update(
        &mut app,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        )),
    );
    // 3 of the 4 rows: broad, so Enter alone does not save it; `yes` does.
    type_str(&mut app, "computer=ws0*");
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    let d = app.draft.as_ref().unwrap();
    assert_eq!(d.candidate.op, ExclusionOp::Wildcard("ws0*".into()));
    assert_eq!(d.note, "pattern Computer like \"ws0*\"");
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert!(app.message_is_error);
    assert!(app.message.contains("type yes"), "{}", app.message);
    type_str(&mut app, "yes");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        matches!(&fx[0], Effect::AddExclusion { field, op: ExclusionOp::Wildcard(p), .. }
        if field == "Computer" && p == "ws0*")
    );
    drive(&mut app, &fake, fx);
    assert_eq!(app.message, "x1 suppresses 3 rows / 4 events");
    // A field the analytic does not have is refused.
    update(&mut app, key('X'));
    update(
        &mut app,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        )),
    );
    type_str(&mut app, "nosuch=*");
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert!(app.message_is_error);
    assert!(app.draft.is_none());
}

#[test]
fn exclusions_view_toggles_and_deletes_after_asking() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('h'));
    update(&mut app, code(KeyCode::Enter));
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, key('E'));
    assert_eq!(app.screen(), Screen::Exclusions);
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, key(' '));
    assert_eq!(
        fx,
        vec![Effect::SetExclusionEnabled {
            id: "x1".into(),
            enabled: false
        }]
    );
    drive(&mut app, &fake, fx);
    assert!(!app.exclusions.items[0].enabled);
    assert_eq!(app.message, "x1 turned off");
    assert_eq!(app.results.visible.len(), 4, "the row is back");
    assert!(update(&mut app, key('d')).is_empty(), "d asks first");
    let fx = update(&mut app, key('y'));
    assert_eq!(fx, vec![Effect::RemoveExclusion { id: "x1".into() }]);
    drive(&mut app, &fake, fx);
    assert!(app.exclusions.items.is_empty());
}

#[test]
fn stale_answers_are_dropped() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let old = match act(&mut app, Action::Refresh).pop() {
        Some(Effect::Hunt { gen_id, .. }) => gen_id,
        other => panic!("{other:?}"),
    };
    let newer = act(&mut app, Action::Refresh);
    let rev = app.rev;
    let fx = update(
        &mut app,
        Msg::HuntDone {
            gen_id: old,
            result: Ok(vec![]),
        },
    );
    assert!(fx.is_empty());
    assert_eq!(app.hunts.len(), 3, "the stale empty answer changed nothing");
    assert_eq!(app.rev, rev, "and asks for no redraw");
    drive(&mut app, &fake, newer);
    assert_eq!(app.hunts.len(), 3);
    assert!(!app.hunting);
    // A stale event list too.
    update(
        &mut app,
        Msg::EventsDone {
            gen_id: 999,
            result: Err("late".into()),
        },
    );
    assert!(!app.message_is_error);
}

#[test]
fn search_lists_events_with_the_same_drill_down() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('s'));
    type_str(&mut app, "get-service");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(matches!(&fx[0], Effect::Search { query, .. } if query == "get-service"));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Events);
    assert_eq!(app.events.events.len(), 2);
    assert_eq!(app.message, "search \"get-service\": 2 match");
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    assert!(app.text.lines[0].contains("Get-Service"));
}

#[test]
fn text_search_wrap_copy_and_write() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Sort);
    act(&mut app, Action::Sort); // last seen: the split block first
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    let fx = act(&mut app, Action::Open);
    drive(&mut app, &fake, fx);
    assert_eq!(
        app.text.part_info.as_deref(),
        Some("parts 1-2 of 2, complete")
    );
    assert_eq!(app.text.lines.len(), 5);
    update(&mut app, key('/'));
    type_str(&mut app, "$c");
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.text.matches, vec![1, 4]);
    assert_eq!(app.text.scroll, 1);
    update(&mut app, key('n'));
    assert_eq!(app.text.scroll, 4);
    update(&mut app, key('n'));
    assert_eq!(app.text.scroll, 1, "wraps around");
    update(&mut app, key('N'));
    assert_eq!(app.text.scroll, 4);
    update(&mut app, key('w'));
    assert!(!app.text.wrap);
    let fx = update(&mut app, key('y'));
    assert_eq!(fx, vec![Effect::Clipboard(app.text.raw.clone())]);
    update(&mut app, key('W'));
    update(
        &mut app,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            KeyModifiers::CONTROL,
        )),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("block.ps1");
    type_str(&mut app, path.to_str().unwrap());
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), app.text.raw);
    assert!(app.message.starts_with("wrote "), "{}", app.message);
}

#[test]
fn export_writes_the_visible_rows_as_csv_and_json() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Pivot);
    let dir = tempfile::tempdir().unwrap();
    for name in ["rows.csv", "rows.json"] {
        update(&mut app, key('e'));
        update(
            &mut app,
            Msg::Key(crossterm::event::KeyEvent::new(
                KeyCode::Char('u'),
                KeyModifiers::CONTROL,
            )),
        );
        let path = dir.path().join(name);
        type_str(&mut app, path.to_str().unwrap());
        let fx = update(&mut app, code(KeyCode::Enter));
        drive(&mut app, &fake, fx);
    }
    let csv = std::fs::read_to_string(dir.path().join("rows.csv")).unwrap();
    assert_eq!(
        csv,
        "Computer,count,firstTime,lastTime,suppressed_by\r\n\
         ws02.corp.local,2,2024-10-21T11:30:00,2024-10-21T15:00:00,\r\n\
         mgmt01.corp.local,2,2024-10-21T12:00:00,2024-10-21T13:15:00,\r\n\
         ws01.corp.local,2,2024-10-21T09:00:00,2024-10-21T09:05:00,\r\n",
        "the shared RFC 4180 writer: CRLF record ends"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("rows.json")).unwrap())
            .unwrap();
    assert_eq!(json[1]["Computer"], "mgmt01.corp.local");
    assert_eq!(json[1]["count"], 2);
}

#[test]
fn ingest_runs_with_progress_and_refreshes() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('i'));
    type_str(&mut app, "/data/logs");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert_eq!(
        fx,
        vec![Effect::Ingest {
            paths: vec!["/data/logs".into()]
        }]
    );
    assert!(app.ingest.is_some(), "the gauge shows at once");
    let seen = drive(&mut app, &fake, fx);
    assert!(app.ingest.is_none());
    assert!(seen.iter().any(|e| matches!(e, Effect::Hunt { .. })));
    assert!(seen.contains(&Effect::RefreshStatus));
    assert_eq!(app.message, "ingested 1 files (fake: nothing added)");
}

#[test]
fn mouse_wheel_scrolls_and_click_selects() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let m = |kind, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column: 10,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut app, m(MouseEventKind::ScrollDown, 10));
    assert_eq!(app.results.selected, 3);
    update(&mut app, m(MouseEventKind::ScrollUp, 10));
    assert_eq!(app.results.selected, 0);
    // Header 1 line, analytics pane 3+2 lines, then the table border and its header.
    let body_y = 1 + 5;
    update(
        &mut app,
        m(MouseEventKind::Down(MouseButton::Left), body_y + 2 + 2),
    );
    assert_eq!(app.results.selected, 2);
    update(&mut app, m(MouseEventKind::Down(MouseButton::Left), 3));
    assert_eq!(app.analytic, 1);
}

#[test]
fn help_opens_and_any_key_closes() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('?'));
    assert!(app.help);
    let fx = update(&mut app, key('q'));
    assert!(fx.is_empty());
    assert!(!app.help && !app.quit, "the key only closed the help");
    update(&mut app, key('q'));
    assert!(app.quit);
}

#[test]
fn a_big_result_is_grouped_on_a_worker_and_stale_groupings_are_dropped() {
    use huntbench::tui::bench::synthetic_hunt;
    let fake = FakeBackend::new();
    let mut app = new_app();
    let fx = huntbench::tui::start(&mut app);
    let hunt_gen = app.gens.hunt;
    drop(fx);
    let fx = update(
        &mut app,
        Msg::HuntDone {
            gen_id: hunt_gen,
            result: Ok(synthetic_hunt(25_000)),
        },
    );
    assert!(
        matches!(
            &fx[..],
            [
                Effect::Regroup {
                    key: (0, Pivot::Full, false),
                    ..
                },
                Effect::LoadSidNames { hunt_gen: g },
            ] if *g == hunt_gen
        ),
        "the grouping goes to a worker, and the hunt's SID names are asked for: {fx:?}"
    );
    assert!(app.regrouping.is_some());
    assert!(
        app.results.visible.is_empty(),
        "no rows of another grouping are shown meanwhile"
    );
    // Pivot before the first grouping is back: the first answer is stale.
    let fx2 = act(&mut app, Action::Pivot);
    assert!(matches!(
        &fx2[..],
        [Effect::Regroup {
            key: (0, Pivot::Host, false),
            ..
        }]
    ));
    drive(&mut app, &fake, fx);
    assert!(
        app.results.visible.is_empty(),
        "the stale by-clause rows were dropped"
    );
    drive(&mut app, &fake, fx2);
    assert!(app.regrouping.is_none());
    assert_eq!(app.results.columns, vec!["Computer"]);
    assert_eq!(app.results.visible.len(), 3001);
    assert_eq!(
        app.results.rows.iter().map(|r| r.count).sum::<u64>(),
        app.hunts[0].events()
    );
    // Back to the by-clause: built on a worker once, then cached.
    for _ in 0..3 {
        let fx = act(&mut app, Action::Pivot);
        drive(&mut app, &fake, fx);
    }
    assert_eq!(app.pivot, Pivot::Full);
    assert_eq!(app.results.visible.len(), 25_000);
    let fx = act(&mut app, Action::Pivot);
    assert!(fx.is_empty(), "the host grouping comes from the cache");
    assert_eq!(app.results.visible.len(), 3001);
}

#[test]
fn a_rerun_keeps_the_selected_row() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    act(&mut app, Action::Down);
    let fx = act(&mut app, Action::Refresh);
    drive(&mut app, &fake, fx);
    assert_eq!(app.results.selected, 2);
    assert!(app.selected_row().unwrap().key[1].starts_with("$s = 'srv02'"));
}

#[test]
fn an_encoded_command_shows_its_decoded_text() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, key('s'));
    type_str(&mut app, "encodedcommand");
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.events.events.len(), 1);
    act(&mut app, Action::Open);
    assert!(
        app.text
            .lines
            .iter()
            .any(|l| l == "decoded command      Invoke-Command")
    );
}

#[test]
fn rows_on_screen_get_activity_sparklines_from_event_times() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let r = &app.results;
    assert_eq!(r.activity.len(), 4, "every row on screen was asked for");
    for &i in &r.visible {
        let h = &r.activity[&i];
        assert_eq!(h.len(), huntbench::tui::layout::TIMELINE);
        assert_eq!(h.iter().sum::<u32>() as u64, r.rows[i as usize].count);
    }
    // mgmt01: 12:00 and 13:15 on the 09:00..15:00 span fall in different buckets.
    let mgmt = r.visible[0];
    assert_eq!(r.activity[&mgmt].iter().filter(|c| **c > 0).count(), 2);
    assert!(r.activity_pending.is_empty());
    // Nothing more is asked while the rows on screen are known.
    assert!(act(&mut app, Action::Down).is_empty());
    // An answer for an older hunt is dropped.
    let key = app.results_key.unwrap();
    let before = app.results.activity.clone();
    update(
        &mut app,
        Msg::ActivityDone {
            hunt_gen: 0,
            key,
            result: Ok(vec![(mgmt, vec![9; 14])]),
        },
    );
    assert_eq!(app.results.activity, before);
}
