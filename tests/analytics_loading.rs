//! Saved-query definitions: the user's directory next to the built-ins, and errors that name the
//! file and the field.

use huntbench::analytics::{Matcher, load_saved_queries};
use huntbench::event::{CHANNEL_POWERSHELL, Event};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

fn sb(text: &str) -> Event {
    Event {
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: "ws01".into(),
        script_block_text: Some(text.into()),
        ..Default::default()
    }
}

const USER_QUERY: &str = r#"
id = "my_icm"
name = "My icm hunt"
[[selection.sources]]
channel = "Microsoft-Windows-PowerShell/Operational"
event_codes = [4104]
[[predicates]]
field = "ScriptBlockText"
pattern = "*icm *"
"#;

fn user_query() -> String {
    // Top-level keys must precede the tables.
    format!(
        "by = [\"Computer\"]\ncolumns = [\"Computer\", \"count\", \"firstTime\", \"lastTime\"]\n{USER_QUERY}"
    )
}

#[test]
fn user_dir_adds_queries_and_missing_dir_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        load_saved_queries(Some(&dir.path().join("nope")))
            .unwrap()
            .len(),
        4
    );
    // Two ESCU parity analytics and huntbench's extended and inbound ones.
    let builtin = load_saved_queries(None).unwrap();
    let ids: Vec<&str> = builtin.iter().map(|q| q.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "remote_process_instantiation_via_winrm_and_powershell_script_block",
            "remote_process_instantiation_via_winrm_and_powershell",
            "winrm_remoting_extended",
            "winrm_remoting_inbound"
        ]
    );
    std::fs::write(dir.path().join("mine.toml"), user_query()).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a query").unwrap();
    let qs = load_saved_queries(Some(dir.path())).unwrap();
    assert_eq!(qs.len(), 5);
    assert_eq!(qs[4].id, "my_icm");
    assert!(Matcher::new(&qs[4]).matches(&sb("ICM srv01 {1}")));
    assert!(!Matcher::new(&qs[4]).matches(&sb("icm")));
}

fn load_err(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    load_saved_queries(Some(dir.path()))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_definitions_name_file_and_field() {
    let good = user_query();
    let e = load_err(&good.replace(r#"by = ["Computer"]"#, r#"by = ["Computr"]"#));
    assert!(
        e.contains("bad.toml") && e.contains("by[0]") && e.contains("Computr"),
        "{e}"
    );
    let e = load_err(&good.replace(r#"pattern = "*icm *""#, r#"pattern = """#));
    assert!(
        e.contains("bad.toml") && e.contains("predicates[0].pattern"),
        "{e}"
    );
    let e = load_err(&good.replace(r#"field = "ScriptBlockText""#, r#"field = "Nope""#));
    assert!(
        e.contains("predicates[0].field") && e.contains("Nope"),
        "{e}"
    );
    // Line 8 opens an array that is never closed; the parser notices on line 9.
    let e = load_err(&good.replace("event_codes = [4104]", "event_codes = [4104"));
    assert!(e.contains("bad.toml:9:"), "TOML error with line: {e}");
    let e = load_err(&good.replace("name = \"My icm hunt\"", "name = My icm hunt"));
    assert!(e.contains("bad.toml:5:"), "TOML error with line: {e}");
    let e = load_err(&format!("predicate = 1\n{good}"));
    assert!(
        e.contains("`predicate`") && e.contains("unknown key"),
        "{e}"
    );
    let e = load_err(&good.replace(r#""Computer", "count""#, r#""count""#));
    assert!(e.contains("`columns`"), "{e}");
    let e = load_err(&good.replace("my_icm", SB));
    assert!(
        e.contains("duplicate") && e.contains(SB) && e.contains("bad.toml"),
        "{e}"
    );
}
