//! `R` in the workbench: a prompt prefilled with a dated name, the report written on a worker
//! through the backend, never over an existing file, HTML for a `.html` name.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use huntbench::tui::app::PromptKind;
use huntbench::tui::{Effect, Msg, update};
use tui_support::fake::FakeBackend;
use tui_support::{code, drive, key, loaded, type_str};

/// Open the report prompt, replace its text with `path`, press Enter.
fn write_to(app: &mut huntbench::tui::app::App, path: &str) -> Vec<Effect> {
    update(app, key('R'));
    let ctrl_u = KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL);
    update(app, Msg::Key(ctrl_u));
    type_str(app, path);
    update(app, code(KeyCode::Enter))
}

#[test]
fn r_offers_a_dated_name_and_writes_the_report_on_a_worker_never_over_a_file() {
    let backend = FakeBackend::new();
    let mut app = loaded(&backend);
    assert!(update(&mut app, key('R')).is_empty());
    let p = app.prompt.as_ref().expect("R opens a prompt");
    assert_eq!(p.kind, PromptKind::Report);
    assert_eq!(
        p.input, "huntbench-report-2024-10-22.md",
        "dated by the app's clock"
    );
    update(&mut app, code(KeyCode::Esc));
    assert!(app.prompt.is_none());

    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("case.md");
    let fx = write_to(&mut app, md.to_str().unwrap());
    assert_eq!(fx, vec![Effect::WriteReport { path: md.clone() }]);
    drive(&mut app, &backend, fx);
    assert!(!app.message_is_error, "{}", app.message);
    assert!(
        app.message
            .starts_with(&format!("wrote the case report to {}", md.display())),
        "{}",
        app.message
    );
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# huntbench case report\n"), "{text}");
    // The fake's story: its events, hosts and rows.
    assert!(
        text.contains(&format!("- Events: {}\n", backend.events.len())),
        "{text}"
    );
    assert!(text.contains("| ws01.corp.local | 3 |"), "{text}");

    // The same name again: refused, the file left as it was.
    std::fs::write(&md, "kept").unwrap();
    let fx = write_to(&mut app, md.to_str().unwrap());
    drive(&mut app, &backend, fx);
    assert!(app.message_is_error);
    assert!(
        app.message
            .contains(&format!("{} already exists", md.display())),
        "{}",
        app.message
    );
    assert_eq!(std::fs::read_to_string(&md).unwrap(), "kept");

    // A `.html` name writes HTML.
    let html = dir.path().join("case.html");
    let fx = write_to(&mut app, html.to_str().unwrap());
    drive(&mut app, &backend, fx);
    assert!(!app.message_is_error, "{}", app.message);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(!page.contains("<script"));
}
