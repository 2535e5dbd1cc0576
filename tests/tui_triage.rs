//! Triage in the workbench: `m` marks the selected row (every group of a pivoted row) or
//! edge through a status chooser and a note prompt, on a worker; marks load at start and
//! after each change; rows show their mark (`SUSP`, `MAL+2`, `mixed`), the analytics pane
//! counts per status, and `F` filters the rows by status.

mod tui_support;

use crossterm::event::KeyCode;
use huntbench::time::TimeRange;
use huntbench::triage::{EDGES, Mark, Status, edge_identity, identity};
use huntbench::tui::action::Action;
use huntbench::tui::app::{PromptKind, Screen};
use huntbench::tui::{App, Backend, Effect, Msg, start, update};
use tui_support::fake::FakeBackend;
use tui_support::*;

const W: u16 = 120;
const H: u16 = 32;

fn act(app: &mut App, a: Action) -> Vec<Effect> {
    update(app, Msg::Action(a))
}

/// Press `m`, a status letter, type a note and enter; run what it asks for.
fn mark(app: &mut App, fake: &FakeBackend, letter: char, note: Option<&str>) -> Vec<Effect> {
    let mut fx = update(app, key('m'));
    fx.extend(update(app, key(letter)));
    if let Some(n) = note {
        update(
            app,
            Msg::Key(crossterm::event::KeyEvent::new(
                KeyCode::Char('u'),
                crossterm::event::KeyModifiers::CONTROL,
            )),
        );
        fx.extend(type_str(app, n));
    }
    fx.extend(update(app, code(KeyCode::Enter)));
    drive(app, fake, fx)
}

/// The selected row's key text, for asserting which row is which.
fn selected_key(app: &App) -> Vec<String> {
    app.selected_row().unwrap().key.clone()
}

#[test]
fn start_loads_the_marks() {
    let mut app = new_app();
    assert!(start(&mut app).contains(&Effect::LoadMarks));
}

#[test]
fn m_asks_status_then_note_and_marks_the_row_on_a_worker() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    let row = selected_key(&app);
    assert!(update(&mut app, key('m')).is_empty());
    assert_eq!(app.prompt.as_ref().unwrap().kind, PromptKind::MarkStatus);
    // A letter that is no status says so and keeps asking.
    assert!(update(&mut app, key('z')).is_empty());
    assert!(
        app.message_is_error && app.message.contains("no status"),
        "{}",
        app.message
    );
    update(&mut app, key('s'));
    let p = app.prompt.as_ref().unwrap();
    assert_eq!((p.kind, p.input.as_str()), (PromptKind::MarkNote, ""));
    type_str(&mut app, "odd hop");
    let fx = update(&mut app, code(KeyCode::Enter));
    let [
        Effect::SetMarks {
            targets,
            status,
            note,
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}");
    };
    let h = app.current().unwrap();
    let g = &h.groups[app.selected_row().unwrap().groups[0] as usize];
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].key, identity(&h.query, g));
    assert_eq!(
        (targets[0].count, *status, note.as_str()),
        (2, Status::Suspicious, "odd hop")
    );
    let seen = drive(&mut app, &fake, fx);
    assert!(
        seen.contains(&Effect::LoadMarks),
        "marks are loaded again: {seen:?}"
    );
    assert_eq!(app.message, "marked 1 row(s) suspicious");
    let marks = fake.marks().unwrap();
    assert_eq!((marks.len(), marks[0].status), (1, Status::Suspicious));
    assert_eq!(marks[0].note.as_deref(), Some("odd hop"));
    // The row shows it, the pane counts it, and the selection stayed on the row.
    assert_eq!(selected_key(&app), row);
    let r = app.selected_row().unwrap().clone();
    assert_eq!(app.triage.cell(app.analytic, &r), "SUSP");
    assert_eq!(app.triage.counts[0].compact(), "0b 1s 0m");
    assert_eq!(app.triage.counts[0].untriaged, 3);

    // Marking again opens the note prefilled; esc in the chooser cancels without a write.
    update(&mut app, key('m'));
    update(&mut app, key('m'));
    assert_eq!(app.prompt.as_ref().unwrap().input, "odd hop");
    update(&mut app, code(KeyCode::Esc));
    update(&mut app, key('m'));
    assert!(update(&mut app, code(KeyCode::Esc)).is_empty());
    assert!(app.prompt.is_none() && app.triage.pending.is_empty());
    assert_eq!(fake.marks().unwrap()[0].status, Status::Suspicious);
}

#[test]
fn a_pivoted_row_marks_every_group_and_shows_mixed_when_they_differ() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Pivot); // host
    let ws02 = app
        .results
        .visible
        .iter()
        .position(|&i| app.results.rows[i as usize].key == ["ws02.corp.local"])
        .unwrap();
    app.results.selected = ws02;
    assert_eq!(app.selected_row().unwrap().groups.len(), 2);
    mark(&mut app, &fake, 'b', Some("lab"));
    assert_eq!(fake.marks().unwrap().len(), 2, "both groups of ws02");
    let r = app.selected_row().unwrap().clone();
    assert_eq!(app.triage.cell(app.analytic, &r), "benign");
    // Back to the by-clause, one of ws02's rows becomes malicious: the host row is mixed.
    act(&mut app, Action::Pivot);
    act(&mut app, Action::Pivot);
    act(&mut app, Action::Pivot);
    let one = app
        .results
        .visible
        .iter()
        .position(|&i| app.results.rows[i as usize].key[2] == "ws02.corp.local")
        .unwrap();
    app.results.selected = one;
    mark(&mut app, &fake, 'm', None);
    act(&mut app, Action::Pivot);
    let row = app
        .results
        .rows
        .iter()
        .find(|r| r.key == ["ws02.corp.local"])
        .unwrap()
        .clone();
    assert_eq!(app.triage.cell(app.analytic, &row), "mixed");
    assert_eq!(app.triage.counts[0].compact(), "1b 0s 1m");
}

/// The fake with one mark on the ws01 row made when it had 2 fewer events.
fn grown_fake() -> FakeBackend {
    let fake = FakeBackend::new();
    let hunt = fake.hunt(TimeRange::ALL).unwrap();
    let h = &hunt[0];
    let g = h
        .groups
        .iter()
        .find(|g| g.key[2] == "ws01.corp.local")
        .unwrap();
    fake.marks.lock().unwrap().push(Mark {
        id: "t1".into(),
        analytic: h.query.id.clone(),
        key: identity(&h.query, g),
        status: Status::Malicious,
        note: Some("intruder".into()),
        count: g.count - 1,
        first: g.first,
        last: g.first,
        created: String::new(),
        updated: String::new(),
    });
    fake
}

#[test]
fn a_mark_whose_row_grew_says_by_how_much() {
    let fake = grown_fake();
    let app = loaded(&fake);
    let r = app
        .results
        .rows
        .iter()
        .find(|r| r.key[2] == "ws01.corp.local")
        .unwrap()
        .clone();
    assert_eq!(app.triage.cell(0, &r), "MAL+1");
    let screen = render(&app, W, H);
    assert!(screen.contains("MAL+1"), "{screen}");
    assert!(screen.contains("0b 0s 1m"), "{screen}");
    assert_snapshot("triage_grown", &screen);
}

#[test]
fn marked_rows_and_counts_render() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    act(&mut app, Action::Down);
    mark(&mut app, &fake, 's', Some("odd"));
    act(&mut app, Action::Down);
    mark(&mut app, &fake, 'b', Some("lab"));
    let screen = render(&app, W, H);
    assert!(screen.contains("mark"), "a mark column: {screen}");
    assert!(
        screen.contains("SUSP") && screen.contains("benign"),
        "{screen}"
    );
    assert!(screen.contains("1b 1s 0m"), "{screen}");
    assert_snapshot("triage_marked", &screen);
    // Analytics with no mark show no mark column.
    act(&mut app, Action::FocusNext);
    act(&mut app, Action::Down);
    assert!(!render(&app, W, H).contains("│  mark"));
}

#[test]
fn f_cycles_the_status_filter_and_the_title_says_it() {
    let fake = grown_fake();
    let mut app = loaded(&fake);
    assert_eq!(app.results.visible.len(), 4);
    let expect = [
        (Some(Status::Untriaged), 3, "status: untriaged"),
        (Some(Status::Benign), 0, "no benign row here"),
        (Some(Status::Suspicious), 0, "status: suspicious"),
        (Some(Status::Malicious), 1, "status: malicious"),
        (None, 4, "4 of 4 rows"),
    ];
    for (want, rows, shown) in expect {
        assert!(act(&mut app, Action::StatusFilter).is_empty());
        assert_eq!(app.triage.filter, want);
        assert_eq!(app.results.visible.len(), rows, "{want:?}");
        let screen = render(&app, W, H);
        assert!(screen.contains(shown), "{want:?}: {screen}");
        if want == Some(Status::Malicious) {
            assert_snapshot("triage_filter", &screen);
        }
    }
    // The filter holds while typing a text filter and across a new hunt.
    act(&mut app, Action::StatusFilter);
    let fx = act(&mut app, Action::Refresh);
    drive(&mut app, &fake, fx);
    assert_eq!(app.results.visible.len(), 3);
    act(&mut app, Action::Filter);
    type_str(&mut app, "ws0");
    assert_eq!(
        app.results.visible.len(),
        2,
        "ws02's two rows (ws01's is malicious, mgmt01's has no ws0)"
    );
}

#[test]
fn m_on_the_edges_screen_marks_the_edge() {
    let fake = FakeBackend::new();
    let mut app = loaded(&fake);
    let fx = update(&mut app, key('L'));
    drive(&mut app, &fake, fx);
    assert_eq!(app.screen(), Screen::Edges);
    let e = app.edges.items[0].clone();
    mark(&mut app, &fake, 'm', Some("first hop"));
    let marks = fake.marks().unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].analytic, EDGES);
    assert_eq!(marks[0].key, edge_identity(&e.source, &e.target));
    assert_eq!(marks[0].count, e.count);
    let screen = render(&app, W, H);
    assert!(screen.contains("│  mark"), "{screen}");
    assert!(screen.contains("MAL "), "{screen}");
}
