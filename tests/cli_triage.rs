//! `huntbench triage`: marks set by pattern over the current rows, listed with their state
//! now (a row that grew after a re-ingest says so), cleared by id or all; bad input exits 2.

mod cli_support;

use std::path::Path;

use huntbench::demo::{self, DemoOptions};
use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = cli_support::run(root, args, None);
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

fn ok(root: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(root, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn json(root: &Path, args: &[&str]) -> Value {
    let out = ok(root, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn marks_follow_their_rows_across_a_reingest_and_say_when_they_grew() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let events = demo::generate(&DemoOptions::default());
    std::fs::create_dir_all(root.join("in")).unwrap();
    let a = root.join("in/a.log");
    demo::write_xml_lines(&events, &mut std::fs::File::create(&a).unwrap()).unwrap();
    ok(root, &["ingest", a.to_str().unwrap()]);

    // The script-block analytic's rows of one host, as a hunt shows them.
    let rows = json(root, &["hunt", SB, "--format", "json", "--no-exclusions"]);
    let rows = rows.as_array().unwrap();
    let host = rows[0]["Computer"].as_str().unwrap().to_string();
    let of_host: Vec<&Value> = rows.iter().filter(|r| r["Computer"] == host).collect();
    let marked = ok(
        root,
        &[
            "triage",
            "set",
            SB,
            "Computer",
            &host,
            "--status",
            "s",
            "--note",
            "first look",
        ],
    );
    assert!(
        marked.starts_with(&format!(
            "marked {} row(s) of {SB} suspicious",
            of_host.len()
        )),
        "{marked}"
    );
    assert!(root.join("index/triage.toml").exists());

    let list = json(root, &["triage", "list", "--format", "json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), of_host.len());
    for m in list {
        assert_eq!(m["status"], "suspicious");
        assert_eq!(m["note"], "first look");
        assert_eq!(m["key"]["Computer"], host.as_str());
        assert_eq!(
            (m["grew"].clone(), m["gone"].clone()),
            (false.into(), false.into())
        );
        assert_eq!(m["now"]["count"], m["count"]);
    }

    // One more event of the first row (a later copy of one of its events) arrives.
    let text = rows[0]["ScriptBlockText"].as_str().unwrap();
    let count = rows[0]["count"].as_u64().unwrap();
    let mut extra = events
        .iter()
        .find(|e| {
            e.computer == host
                && e.event_code == 4104
                && e.script_block_text.as_deref() == Some(text)
        })
        .unwrap()
        .clone();
    extra.record_id = extra.record_id.map(|r| r + 50_000_000);
    extra.time += 1_000_000;
    let b = root.join("in/b.log");
    demo::write_xml_lines([&extra], &mut std::fs::File::create(&b).unwrap()).unwrap();
    ok(root, &["ingest", b.to_str().unwrap()]);

    let list = json(root, &["triage", "list", "--format", "json"]);
    let grown: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["grew"] == true)
        .collect();
    assert_eq!(grown.len(), 1, "{list:#}");
    assert_eq!(grown[0]["count"], count);
    assert_eq!(grown[0]["now"]["count"], count + 1);
    let table = ok(root, &["triage", "list"]);
    assert!(
        table.contains(&format!(
            "grew since marked: {count} → {} events",
            count + 1
        )),
        "{table}"
    );

    // Re-marking keeps ids and takes the new count as the baseline.
    let before: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    ok(
        root,
        &[
            "triage",
            "set",
            SB,
            "Computer",
            &host,
            "--status",
            "malicious",
        ],
    );
    let list = json(root, &["triage", "list", "--format", "json"]);
    let after: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    assert_eq!(before, after);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|m| m["grew"] == false && m["status"] == "malicious" && m["note"] == "first look")
    );

    // Clearing one, then all.
    let first = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        ok(root, &["triage", "clear", &first]).trim(),
        "cleared 1 mark(s)"
    );
    let (code, _, err) = run(root, &["triage", "clear", &first]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("no mark with id `{first}`")), "{err}");
    ok(root, &["triage", "clear", "--all"]);
    assert_eq!(
        json(root, &["triage", "list", "--format", "json"]),
        Value::Array(vec![])
    );
}

#[test]
fn bad_input_exits_2_with_a_message_and_marks_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (_, b) = cli_support::write_demo(&root.join("in"));
    ok(root, &["ingest", b.to_str().unwrap()]);
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "triage",
                "set",
                SB,
                "Computer",
                "no-such-host",
                "--status",
                "b",
            ],
            "nothing marked",
        ),
        (
            &["triage", "set", SB, "Nope", "x", "--status", "b"],
            "`Nope` is not an output column",
        ),
        (
            &["triage", "set", SB, "Computer", "x", "--status", "fine"],
            "unknown status",
        ),
        (
            &["triage", "set", "edges", "user", "x", "--status", "m"],
            "`source` or `target`",
        ),
        (&["triage", "clear"], "required"),
    ];
    for (args, says) in cases {
        let (code, _, err) = run(root, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!root.join("index/triage.toml").exists());
    // Edges are marked by source or target.
    let edges = json(root, &["edges", "--format", "json"]);
    let source = edges[0]["source"].as_str().unwrap();
    let out = ok(
        root,
        &["triage", "set", "edges", "source", source, "--status", "m"],
    );
    assert!(out.starts_with("marked "), "{out}");
    let list = json(root, &["triage", "list", "--format", "json"]);
    assert_eq!(list[0]["analytic"], "edges");
    assert_eq!(list[0]["key"]["source"], source);
    assert_eq!(list[0]["gone"], false);
}

#[test]
fn keys_print_inert_and_the_file_keeps_the_exact_text() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let events = demo::generate(&DemoOptions::default());
    std::fs::create_dir_all(root.join("in")).unwrap();
    let a = root.join("in/a.log");
    demo::write_xml_lines(&events, &mut std::fs::File::create(&a).unwrap()).unwrap();
    ok(root, &["ingest", a.to_str().unwrap()]);
    // The demo's hostile script block (ESC sequences, BEL, a bidi override).
    let out = ok(
        root,
        &[
            "triage",
            "set",
            SB,
            "ScriptBlockText",
            "*SYSTEM OK*",
            "--status",
            "m",
        ],
    );
    assert!(out.starts_with("marked 1 row(s)"), "{out}");
    assert!(out.contains("␛[2J␛[1;31mSYSTEM OK␇"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    let table = ok(root, &["triage", "list", "-x"]);
    assert!(table.contains("␛[2J␛[1;31mSYSTEM OK␇"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
    // JSON and the file keep the exact text (escaped), so the mark matches the row.
    let list = json(root, &["triage", "list", "--format", "json"]);
    let text = list[0]["key"]["ScriptBlockText"].as_str().unwrap();
    assert!(text.contains("\u{1b}[2J"), "{text:?}");
    assert_eq!(list[0]["gone"], false);
}

#[test]
fn triage_set_reads_splunk_quoting_as_exclusions_add_does() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let events = demo::generate(&DemoOptions::default());
    std::fs::create_dir_all(root.join("in")).unwrap();
    let a = root.join("in/a.log");
    demo::write_xml_lines(&events, &mut std::fs::File::create(&a).unwrap()).unwrap();
    ok(root, &["ingest", a.to_str().unwrap()]);
    let rows = json(root, &["hunt", SB, "--format", "json", "--no-exclusions"]);
    let host = rows[0]["Computer"].as_str().unwrap().to_string();
    let of_host = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Computer"] == host.as_str())
        .count();
    // `"HOST"` as a Splunk user types it means the value, not a value with quotes.
    let quoted = format!("\"{host}\"");
    let out = ok(
        root,
        &["triage", "set", SB, "Computer", &quoted, "--status", "b"],
    );
    assert!(
        out.starts_with(&format!("marked {of_host} row(s) of {SB} benign")),
        "{out}"
    );
    let list = json(root, &["triage", "list", "--format", "json"]);
    assert_eq!(list.as_array().unwrap().len(), of_host, "{list}");
}
