//! Tables at any width: columns give way by priority, `←`/`→` scroll sideways, cut cells end in
//! `…`, the row-detail view (`v`), the focus marker, and keys inert under the "too small" note.
//! State through `update`, screens rendered into a TestBackend and compared with
//! tests/snapshots (UPDATE_SNAPSHOTS=1 rewrites them).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use huntbench::event::Event;
use huntbench::tui::action::Action;
use huntbench::tui::app::{Focus, Screen};
use huntbench::tui::{App, Effect, Msg, update};
use tui_support::fake::{FakeBackend, fixture_events, script};
use tui_support::*;

const H: u16 = 20;

fn act(app: &mut App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

/// The app loaded from the fake, resized to `w` x H (so `update` pages and scrolls for it).
fn at_width(fake: &FakeBackend, w: u16) -> App {
    let mut app = loaded(fake);
    update(&mut app, Msg::Resize(w, H));
    app
}

/// The results table's header line (the one naming `count`).
fn header_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("count") && l.starts_with('│'))
        .expect("a header with count")
}

/// The line holding `needle`.
fn line_with<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

fn widths_fit(screen: &str, w: u16) {
    for l in screen.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(l) <= w as usize,
            "too wide: {l}"
        );
    }
}

#[test]
fn results_at_120_keep_text_host_user_and_shorten_the_times() {
    let fake = FakeBackend::new();
    let app = at_width(&fake, 120);
    let screen = render(&app, 120, H);
    let head = header_line(&screen);
    for col in [
        "ScriptBlockText",
        "Computer",
        "user_id",
        "count",
        "first ",
        "last ",
        "activity",
    ] {
        assert!(head.contains(col), "{col} missing: {head}");
    }
    // Host and user whole; the times without their date, the day said once in the title.
    let row = line_with(&screen, "▶ Invoke-Command");
    assert!(
        row.contains("mgmt01.corp.local S-1-5-18             2 12:00:00 13:15:00 ·"),
        "{row}"
    );
    assert!(
        row.contains("(Get-Content… mgmt01"),
        "a cut cell ends in …: {row}"
    );
    assert!(screen.contains("· 2024-10-21 "), "{screen}");
    assert!(
        !screen.contains("more ▸"),
        "nothing hidden at 120:\n{screen}"
    );
    assert_snapshot("results_120", &screen);
}

#[test]
fn results_at_80_drop_the_times_and_sparkline_and_say_so() {
    let fake = FakeBackend::new();
    let app = at_width(&fake, 80);
    let screen = render(&app, 80, H);
    let head = header_line(&screen);
    assert!(
        head.contains("ScriptBlockText") && head.contains("Computer") && head.contains("user_id"),
        "{head}"
    );
    assert!(
        !head.contains("first") && !head.contains("last") && !head.contains("activity"),
        "{head}"
    );
    assert!(screen.contains(" 3 more ▸ "), "{screen}");
    let row = line_with(&screen, "▶ Invoke-Command");
    assert!(
        row.contains("-ComputerName (Get-… mgmt01.corp.local S-1-5-18             2│"),
        "{row}"
    );
    widths_fit(&screen, 80);
    assert_snapshot("results_80", &screen);
}

#[test]
fn results_at_60_cut_text_host_and_user_widest_first_and_keep_the_count() {
    let fake = FakeBackend::new();
    let app = at_width(&fake, 60);
    let screen = render(&app, 60, H);
    let row = line_with(&screen, "▶ Invoke-Command");
    // Text and host cut to share the room (with …), the count kept whole.
    assert!(
        row.contains("▶ Invoke-Command … mgmt01.corp.loc… S-1-5-18             2│"),
        "{row}"
    );
    assert!(screen.contains(" 3 more ▸ "), "{screen}");
    // The header line and the analytics pane are cut with … too, never silently.
    // The header's help hint gives way first; what is left fits whole.
    let top = screen.lines().next().unwrap();
    assert_eq!(
        top.trim_end(),
        " huntbench   range all time  pivot by-clause  sort count ↓",
        "{top}"
    );
    let pane = line_with(&screen, "Remote Process");
    assert!(pane.contains('…'), "{pane}");
    widths_fit(&screen, 60);
    assert_snapshot("results_60", &screen);
}

#[test]
fn right_and_left_scroll_the_results_by_column() {
    let fake = FakeBackend::new();
    let mut app = at_width(&fake, 80);
    assert!(act(&mut app, Action::Right).is_empty());
    assert_eq!(app.sideways.results, 1);
    let screen = render(&app, 80, H);
    let head = header_line(&screen);
    assert!(!head.contains("ScriptBlockText"), "{head}");
    assert!(
        head.contains("Computer") && head.contains("first") && head.contains("activity"),
        "{head}"
    );
    assert!(screen.contains(" ◂ 1 more "), "{screen}");
    assert_snapshot("results_80_scrolled", &screen);
    // Nothing more to the right: → stays; ← comes back to the first column.
    act(&mut app, Action::Right);
    assert_eq!(
        app.sideways.results, 1,
        "nothing hidden to the right any more"
    );
    act(&mut app, Action::Left);
    act(&mut app, Action::Left);
    assert_eq!(app.sideways.results, 0);
    assert!(header_line(&render(&app, 80, H)).contains("ScriptBlockText"));
    // At 120 every column shows: → does nothing.
    let mut wide = at_width(&fake, 120);
    act(&mut wide, Action::Right);
    assert_eq!(wide.sideways.results, 0);
    // The text view keeps ← / → for its own horizontal scroll.
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Text);
    act(&mut app, Action::Wrap);
    act(&mut app, Action::Right);
    assert_eq!(app.text.hscroll, 8);
}

#[test]
fn a_new_row_set_starts_scrolled_back_to_the_first_column() {
    let fake = FakeBackend::new();
    let mut app = at_width(&fake, 80);
    act(&mut app, Action::Right);
    assert_eq!(app.sideways.results, 1);
    act(&mut app, Action::Pivot);
    assert_eq!(app.sideways.results, 0);
}

#[test]
fn events_edges_and_timeline_give_way_and_scroll_too() {
    let fake = FakeBackend::new();
    let mut app = at_width(&fake, 60);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let events = render(&app, 60, H);
    // The time keeps its place (shortened to the time of day), the numbers are whole, the
    // columns that do not fit are announced.
    let row = line_with(&events, "▶ 12:00:00");
    assert!(row.contains("mgmt01.corp.loc… S-1-5-18 14 "), "{row}");
    assert!(events.contains("more ▸"), "{events}");
    widths_fit(&events, 60);
    assert_snapshot("events_60", &events);
    let before = app.sideways.events;
    act(&mut app, Action::Right);
    assert_eq!(app.sideways.events, before + 1);
    assert!(render(&app, 60, H).contains("◂ 1 more"));

    act(&mut app, Action::Back);
    act(&mut app, Action::Edges);
    let fx = vec![huntbench::tui::Effect::LoadEdges {
        gen_id: app.gens.edges,
        range: app.range,
    }];
    drive(&mut app, &fake, fx);
    let edges = render(&app, 60, H);
    assert!(edges.contains("more ▸"), "{edges}");
    assert!(
        line_with(&edges, "▶ ws01.corp.local").contains('…'),
        "{edges}"
    );
    widths_fit(&edges, 60);
    act(&mut app, Action::Right);
    assert_eq!(app.sideways.edges, 1);

    // The timeline of the edge's target: the time of day, host, code, channel, the summary cut.
    let fx = act(&mut app, Action::Timeline);
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Timeline);
    let timeline = render(&app, 60, H);
    let head = line_with(&timeline, "summary");
    assert!(head.contains("time     host"), "{timeline}");
    let row = line_with(&timeline, "▶ ");
    assert!(row.ends_with("…│"), "{timeline}");
    widths_fit(&timeline, 60);
}

fn hostile_events() -> Vec<Event> {
    let mut v = fixture_events();
    let long = format!(
        "Invoke-Command -ComputerName 服务器01 {{\u{1b}]0;pwned\u{7}\u{1b}[2J}}\n# \u{202E}gnp.exe\u{9b}31m 管理者のスクリプト\n{}",
        "$payload = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; ".repeat(3)
    );
    v.push(script(
        31,
        "2024-10-21T17:00:00Z",
        "ws04.corp.local",
        "S-1-5-21-1-1107",
        &long,
    ));
    v
}

#[test]
fn v_shows_every_column_of_the_row_whole_wrapped_and_inert() {
    let fake = FakeBackend::with_events(hostile_events());
    let mut app = at_width(&fake, 60);
    act(&mut app, Action::Sort);
    act(&mut app, Action::Sort); // last seen: the hostile row first
    let fx = update(&mut app, key('v'));
    assert!(fx.is_empty(), "the row is in memory: {fx:?}");
    assert_eq!(app.screen(), Screen::Detail);
    let names: Vec<&str> = app.detail.fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "EventCode",
            "ScriptBlockText",
            "Computer",
            "user_id",
            "count",
            "firstTime",
            "lastTime"
        ]
    );
    let screen = render(&app, 60, 24);
    let bad: Vec<char> = screen
        .chars()
        .filter(|c| (c.is_control() && *c != '\n') || ('\u{202A}'..='\u{202E}').contains(c))
        .collect();
    assert!(
        bad.is_empty(),
        "control characters reached the screen: {bad:?}"
    );
    widths_fit(&screen, 60);
    assert!(
        screen.contains("│ScriptBlockText: Invoke-Command -ComputerName 服务器01"),
        "{screen}"
    );
    assert!(screen.contains("␛]0;pwned␇␛[2J"), "{screen}");
    assert!(screen.contains("<U+202E>gnp.exe<U+009B>31m"), "{screen}");
    // The long line wraps (indented) instead of being cut: every A is on screen.
    assert_eq!(screen.matches('A').count(), 3 * 96, "{screen}");
    assert!(screen.contains("│  $payload"), "{screen}");
    let body: Vec<&str> = screen.lines().filter(|l| l.starts_with('│')).collect();
    assert!(
        body.iter().all(|l| !l.contains('…')),
        "nothing is cut:\n{screen}"
    );
    assert_snapshot("row_detail_hostile", &screen);
    // It scrolls; Esc goes back to the table.
    act(&mut app, Action::Down);
    assert_eq!(app.detail.scroll, 1);
    act(&mut app, Action::Bottom);
    assert!(app.detail.scroll > 5, "{}", app.detail.scroll);
    let bottom = render(&app, 60, 24);
    assert!(bottom.contains("lastTime: 2024-10-21T17:00:00"), "{bottom}");
    act(&mut app, Action::Back);
    assert_eq!(app.screen(), Screen::Main);
}

#[test]
fn v_on_events_edges_and_timeline_lists_their_columns() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    update(&mut app, key('v'));
    assert_eq!(app.screen(), Screen::Detail);
    let f = &app.detail.fields;
    let get = |f: &[(String, String)], k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k} in {f:?}"))
    };
    assert_eq!(get(f, "record id"), "14");
    assert_eq!(get(f, "host"), "mgmt01.corp.local");
    assert_eq!(get(f, "time"), "2024-10-21T12:00:00");
    assert!(get(f, "text").contains("Get-Content hosts.txt"));
    // T from the detail anchors on the row beneath it.
    act(&mut app, Action::Back);
    act(&mut app, Action::Back);
    let fx = act(&mut app, Action::Edges);
    drive(&mut app, &fake, fx);
    update(&mut app, key('v'));
    let f = app.detail.fields.clone();
    assert_eq!(get(&f, "source"), "ws01.corp.local");
    assert_eq!(get(&f, "target"), "srv01.corp.local");
    assert_eq!(get(&f, "count"), "6");
    assert!(get(&f, "note").contains("joined on host and time"));
    act(&mut app, Action::Back);
    let fx = act(&mut app, Action::Timeline);
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Timeline);
    update(&mut app, key('v'));
    assert_eq!(app.screen(), Screen::Detail);
    let f = app.detail.fields.clone();
    assert_eq!(
        get(&f, "host"),
        app.timeline.lines[app.timeline.selected].host
    );
    assert!(!get(&f, "summary").is_empty());
}

#[test]
fn the_focused_pane_is_marked_in_its_title() {
    let fake = FakeBackend::new();
    let mut app = at_width(&fake, 80);
    let screen = render(&app, 80, H);
    assert!(screen.contains("┌ ▶ PowerShell Invoke-Command"), "{screen}");
    assert!(screen.contains("┌ analytics (3)"), "{screen}");
    act(&mut app, Action::FocusNext);
    assert_eq!(app.focus, Focus::Analytics);
    let screen = render(&app, 80, H);
    assert!(screen.contains("┌ ▶ analytics (3)"), "{screen}");
    assert!(screen.contains("┌ PowerShell Invoke-Command"), "{screen}");
    assert_snapshot("focus_analytics", &screen);
}

#[test]
fn under_the_too_small_note_keys_do_nothing_but_quit() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    update(&mut app, Msg::Resize(50, 12));
    let screen = render(&app, 50, 12);
    assert!(screen.starts_with("terminal too small"));
    let (stack, sel, rev) = (app.stack.clone(), app.results.selected, app.rev);
    for msg in [
        key('h'),
        key('c'),
        key('X'),
        key('u'),
        key('v'),
        code(KeyCode::Enter),
        code(KeyCode::Down),
        Msg::Action(Action::ExcludeHost),
    ] {
        let fx = update(&mut app, msg.clone());
        assert!(fx.is_empty(), "{msg:?} gave {fx:?}");
    }
    assert_eq!(app.stack, stack);
    assert_eq!(app.results.selected, sel);
    assert!(app.prompt.is_none());
    assert_eq!(app.rev, rev, "nothing changed, nothing to redraw");
    assert!(fake.exclusions.lock().unwrap().is_empty());
    // Growing back shows the same table; keys act again.
    update(&mut app, Msg::Resize(120, 32));
    assert!(!app.quit);
    // `h` acts again: it drafts the exclusion (note, then preview) as it does at any size.
    let fx = update(&mut app, key('h'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        app.draft.is_some(),
        "h drafts an exclusion once the table shows"
    );
    // q and Ctrl-C still quit under the note.
    let mut app = loaded(&fake);
    update(&mut app, Msg::Resize(50, 12));
    update(&mut app, key('q'));
    assert!(app.quit);
    let mut app = loaded(&fake);
    update(&mut app, Msg::Resize(40, 40));
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(app.quit);
}

#[test]
fn v_off_a_table_says_why_and_stays() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Exclusions);
    update(&mut app, key('v'));
    assert_eq!(app.screen(), Screen::Exclusions);
    assert!(app.message_is_error);
    assert!(app.message.contains("no table rows"), "{}", app.message);
}

#[test]
fn an_event_list_over_several_days_keeps_its_full_times() {
    let mut events = fixture_events();
    let mut later = events[0].clone();
    later.time += 2 * 86_400 * huntbench::time::MICROS;
    later.record_id = Some(99);
    events.push(later);
    let fake = FakeBackend::with_events(events);
    let mut app = at_width(&fake, 60);
    // ws01's row now holds three events over three days.
    assert_eq!(app.selected_row().unwrap().count, 3);
    let fx = update(&mut app, code(KeyCode::Enter));
    drive(&mut app, &fake, fx);
    let screen = render(&app, 60, H);
    assert!(screen.contains("▶ 2024-10-21T09:00:00 "), "{screen}");
    assert!(screen.contains(" 2024-10-23T09:00:00 "), "{screen}");
}

/// The extended analytic's by-clause ends in its `text`; at 120 columns the text must still
/// show (it keeps room before technique, log and the rest), not be scrolled away.
#[test]
fn the_extended_text_keeps_its_room_though_its_by_clause_ends_with_it() {
    use huntbench::analytics::{Group, HuntResult, builtin_queries};
    let q = builtin_queries()
        .into_iter()
        .find(|q| q.id == "winrm_remoting_extended")
        .unwrap();
    // Rows differ in every column shown (a column with one value is said in the title).
    let group = |n: usize, host: &str, user: &str, text: &str| Group {
        analytic: q.id.clone(),
        key: vec![
            ["invoke-command:computername", "icm:positional"][n].into(),
            ["4104 script block", "4103 module"][n].into(),
            ["true", "false"][n].into(),
            host.into(),
            user.into(),
            ["Security 4624 on DC01.corp.local", "event"][n].into(),
            format!("S-1-5-21-3471920647-2189324781-1592864017-110{n}"),
            ["SRV-DB01", "SRV-DB01, SRV-FILE02"][n].into(),
            text.into(),
        ],
        count: 1,
        first: 1_773_151_862_000_000,
        last: 1_773_151_862_000_000,
        events: vec![1],
        suppressed_by: vec![],
    };
    let result = HuntResult {
        query: q.clone(),
        groups: vec![
            group(
                0,
                "WS-FIN-07.corp.local",
                "CORP\\j.miller",
                "Invoke-Command -ComputerName SRV-DB01 { whoami }",
            ),
            group(
                1,
                "WS-HR-03.corp.local",
                "CORP\\h.nguyen",
                "icm SRV-DB01 { hostname }",
            ),
        ],
        dropped: vec![],
        suppressed: Default::default(),
    };
    let mut app = new_app();
    update(&mut app, Msg::Resize(120, H));
    let gen_id = app.gens.hunt;
    update(
        &mut app,
        Msg::HuntDone {
            gen_id,
            result: Ok(vec![result]),
        },
    );
    let screen = render(&app, 120, H);
    let head = header_line(&screen);
    let (c, u, t) = (
        head.find("Computer").unwrap_or_else(|| panic!("{screen}")),
        head.find("user ").unwrap_or_else(|| panic!("{screen}")),
        head.find("text").unwrap_or_else(|| panic!("{screen}")),
    );
    assert!(c < u && u < t, "host, user, then the text: {head}");
    let row = line_with(&screen, "WS-HR-03");
    assert!(row.contains("icm SRV-DB01 { hostname }"), "{row}");
}

/// The exclusions list at 60 columns: every cell fits, cut cells end in `…` (never cut
/// silently), the label that tells the analytics apart stays whole, and `→` reaches the note.
#[test]
fn the_exclusions_list_gives_way_like_the_other_tables() {
    let fake = FakeBackend::new();
    let mut app = at_width(&fake, 60);
    // `h` then `c` draft: Enter keeps the prefilled note, Enter saves.
    for k in ['h', 'c'] {
        update(&mut app, key(k));
        update(&mut app, code(KeyCode::Enter));
        let fx = update(&mut app, code(KeyCode::Enter));
        drive(&mut app, &fake, fx);
        act(&mut app, Action::Down);
    }
    let fx = update(&mut app, key('E'));
    drive(&mut app, &fake, fx);
    let screen = render(&app, 60, H);
    widths_fit(&screen, 60);
    // What the exclusion tests and what it suppresses stay, the values cut with `…`.
    let host = line_with(&screen, "x1");
    assert!(
        host.contains("Computer        =      mgmt01.corp…"),
        "{host}"
    );
    assert!(host.contains("1 / 2"), "{host}");
    let hash = line_with(&screen, "x2");
    assert!(hash.contains("sha256") && hash.contains('…'), "{hash}");
    assert!(screen.contains("2 more ▸"), "{screen}");
    // → scrolls to what did not fit: the analytic's label, whole, and the note.
    let (mut label, mut note) = (false, false);
    for _ in 0..8 {
        act(&mut app, Action::Right);
        let s = render(&app, 60, H);
        widths_fit(&s, 60);
        // x1 is the selected row (its id may have scrolled away).
        let x1 = line_with(&s, "│▶ ");
        label |= x1.contains("ESCU 4104 script block");
        note |= x1.contains("host mgmt01");
    }
    assert!(label && note, "{}", render(&app, 60, H));
}
