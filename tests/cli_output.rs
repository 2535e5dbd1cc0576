//! Issue 9, output side, through the binary: attacker-controlled text (OSC title and clipboard
//! sequences, CSI, BEL, C1, bidi) never reaches stdout raw from a table or CSV; JSON keeps it
//! exactly (escaped); CSV formula cells are guarded unless `--csv-exact`; narrow tables keep
//! numbers and RIDs whole or switch to one block per record.

mod cli_support;

use std::path::Path;

use huntbench::demo::{self, DemoOptions};
use huntbench::event::Event;
use huntbench::sanitize::is_hazard;
use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

/// A script block that retitles the terminal (OSC 0), writes the clipboard (OSC 52), clears the
/// screen (CSI and the one-character C1 CSI), rings the bell and reverses text (U+202E).
const SCRIPT: &str = "Invoke-Command -ComputerName SRV-DB01 { whoami }\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{9b}31m # \u{202E}fdp.exe";
const HOST: &str = "WS-EVIL\u{1b}]0;host\u{7}.corp.local";
const CMDLINE: &str = "powershell.exe -c Invoke-Command -ComputerName SRV-DB01 {\u{1b}]0;cmd\u{7}}";
const FORMULA_USER: &str = "=HYPERLINK(\"http://x\")";

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn run_with(&self, args: &[&str], columns: Option<&str>) -> (i32, Vec<u8>, String) {
        cli_support::run(self.tmp.path(), args, columns)
    }

    fn ok_with(&self, args: &[&str], columns: Option<&str>) -> String {
        let (code, out, err) = self.run_with(args, columns);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        String::from_utf8(out).expect("stdout is UTF-8")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, None)
    }
}

/// The demo corpus plus hostile copies of a parity script block and a parity process event.
fn hostile_corpus(dir: &Path) -> std::path::PathBuf {
    let mut events = demo::generate(&DemoOptions::default());
    let block = events
        .iter()
        .find(|e| {
            e.event_code == 4104
                && e.user_id.is_some()
                && e.message_total.unwrap_or(1) == 1
                && e.script_block_text
                    .as_deref()
                    .is_some_and(|t| t.contains("Invoke-Command") && t.contains("-ComputerName"))
        })
        .expect("a parity script block in the demo")
        .clone();
    let process = events
        .iter()
        .find(|e| {
            e.event_code == 1
                && e.process
                    .as_deref()
                    .is_some_and(|t| t.contains("Invoke-Command") && t.contains("-ComputerName"))
        })
        .expect("a parity process event in the demo")
        .clone();
    let hostile_block = Event {
        script_block_text: Some(SCRIPT.into()),
        script_block_id: Some("{0b5e11e0-0000-4000-8000-000000000009}".into()),
        computer: HOST.into(),
        record_id: Some(9_000_001),
        ..block
    };
    let mut hostile_process = Event {
        record_id: Some(9_000_002),
        ..process
    };
    hostile_process.process = Some(CMDLINE.into());
    hostile_process
        .data
        .insert("CommandLine".into(), CMDLINE.into());
    hostile_process.user = Some(FORMULA_USER.into());
    hostile_process
        .data
        .insert("User".into(), FORMULA_USER.into());
    events.push(hostile_block);
    events.push(hostile_process);
    let file = dir.join("corpus.jsonl");
    demo::write_ndjson_evtx_dump(&events, &mut std::fs::File::create(&file).unwrap()).unwrap();
    file
}

fn env_with_corpus() -> Env {
    let env = Env {
        tmp: tempfile::tempdir().unwrap(),
    };
    let file = hostile_corpus(env.tmp.path());
    env.ok(&["ingest", file.to_str().unwrap()]);
    env
}

/// No raw control character but the line ends, no C1, no bidi character.
fn assert_inert(what: &str, out: &str, line_end: &str) {
    let body = out.replace(line_end, "");
    if let Some(c) = body.chars().find(|c| is_hazard(*c)) {
        panic!("{what}: raw U+{:04X} in {out:?}", c as u32);
    }
}

fn csv_records(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn hostile_text_is_inert_in_tables_and_csv_and_exact_in_json() {
    let env = env_with_corpus();

    // hunt --format csv: inert, and the spreadsheet formula guarded.
    let csv = env.ok(&["hunt", SB, PROC, "--format", "csv"]);
    assert_inert("hunt csv", &csv, "\r\n");
    let recs = csv_records(&csv);
    let text_at = |r: &csv::StringRecord, i: usize| r.get(i).unwrap().to_string();
    let sb = recs
        .iter()
        .find(|r| r.get(0) == Some(SB) && r.get(2).unwrap().contains("pwned"))
        .expect("the hostile script block row");
    assert_eq!(
        text_at(sb, 2),
        "Invoke-Command -ComputerName SRV-DB01 { whoami }␛]0;pwned␇␛]52;c;cHduZWQ=␇␛[2J<U+009B>31m # <U+202E>fdp.exe"
    );
    assert_eq!(text_at(sb, 3), "WS-EVIL␛]0;host␇.corp.local");
    let pr = recs
        .iter()
        .find(|r| r.get(0) == Some(PROC) && r.get(12).unwrap().contains("cmd"))
        .expect("the hostile process row");
    assert_eq!(text_at(pr, 9), format!("'{FORMULA_USER}"));

    // --csv-exact: byte for byte (stdout is a pipe here).
    let exact = env.ok(&["hunt", SB, PROC, "--format", "csv", "--csv-exact"]);
    let recs = csv_records(&exact);
    assert!(
        recs.iter()
            .any(|r| r.get(2) == Some(SCRIPT) && r.get(3) == Some(HOST))
    );
    assert!(
        recs.iter()
            .any(|r| r.get(12) == Some(CMDLINE) && r.get(9) == Some(FORMULA_USER))
    );

    // search --format csv.
    let found = env.ok(&["search", "ScriptBlockText=\"*pwned*\"", "--format", "csv"]);
    assert_inert("search csv", &found, "\r\n");
    let recs = csv_records(&found);
    assert_eq!(recs.len(), 1, "{found}");
    assert_eq!(recs[0].get(3), Some("WS-EVIL␛]0;host␇.corp.local"));
    let exact = env.ok(&[
        "search",
        "ScriptBlockText=\"*pwned*\"",
        "--format",
        "csv",
        "--csv-exact",
    ]);
    assert_eq!(csv_records(&exact)[0].get(6), Some(SCRIPT));

    // Tables, grid and expanded, wide and narrow; the search table too.
    for (args, columns) in [
        (vec!["hunt"], None),
        (vec!["hunt"], Some("80")),
        (vec!["hunt", "-x"], None),
        (vec!["search", "ScriptBlockText=\"*pwned*\""], Some("80")),
        (vec!["search", "ScriptBlockText=\"*pwned*\""], Some("200")),
        (vec!["edges"], Some("80")),
    ] {
        let out = env.ok_with(&args, columns);
        assert_inert(&format!("{args:?} at {columns:?}"), &out, "\n");
        if args[0] != "edges" {
            assert!(out.contains("␛]0;pwned␇"), "{args:?}: {out}");
        }
    }

    // JSON: exact text, with every hazard escaped.
    for args in [
        vec!["hunt", "--format", "json"],
        vec!["search", "ScriptBlockText=\"*pwned*\"", "--format", "json"],
    ] {
        let out = env.ok(&args);
        assert_inert(&format!("{args:?}"), &out, "\n");
        assert!(out.contains("\\u001b]0;pwned\\u0007"), "{args:?}");
        assert!(out.contains("\\u009b31m # \\u202efdp.exe"), "{args:?}");
        let v: Value = serde_json::from_str(&out).unwrap();
        // `hunt` prints an array of rows, `search` an object whose `events` are the hits.
        let items = v.get("events").unwrap_or(&v);
        let texts: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| {
                r.get("ScriptBlockText")
                    .or(r.get("script_block_text"))
                    .and_then(Value::as_str)
            })
            .collect();
        assert!(texts.contains(&SCRIPT), "{args:?}");
    }

    // Exclusions: the exact hostile text excluded; its exports carry no raw hazard.
    let added = env.ok(&["exclusions", "add", SB, "ScriptBlockText", SCRIPT]);
    assert_inert("exclusions add", &added, "\n");
    let list = env.ok(&["exclusions", "list"]);
    assert_inert("exclusions list", &list, "\n");
    assert!(list.contains("␛]0;pwned␇"), "{list}");
    let stanza = env.ok(&["exclusions", "export", SB, "--splunk"]);
    assert_inert("export --splunk", &stanza, "\n");
    assert!(
        stanza.contains(&huntbench::analytics::sha256_hex(SCRIPT)),
        "the exact text as its hash: {stanza}"
    );
    assert!(
        stanza.starts_with("# x1: the ScriptBlockText value holds "),
        "{stanza}"
    );
    let sigma = env.ok(&["exclusions", "export", SB, "--sigma-filter"]);
    assert_inert("export --sigma-filter", &sigma, "\n");
    assert!(sigma.contains("\\u001b]0;pwned\\u0007"), "{sigma}");
    let rows = env.ok(&["hunt", SB, "--format", "json"]);
    assert!(!rows.contains("pwned"), "the exclusion suppresses the row");
}

#[test]
fn narrow_tables_keep_counts_and_rids_and_expand_when_they_must() {
    let env = env_with_corpus();
    // The extended analytic at 80 columns: eleven columns cannot all stay readable, so one
    // block per record; the admin health check's count is 144, whole.
    let ext = env.ok_with(&["hunt", "winrm_remoting_extended"], Some("80"));
    assert!(ext.contains("-[ RECORD 1 ]"), "{ext}");
    assert!(
        ext.lines().any(|l| l == "count       | 144"),
        "count 144 whole: {ext}"
    );
    // The script block table in a wide pipe: a grid, SIDs compact with their RID and the
    // account name the Security events give.
    let sb = env.ok_with(&["hunt", SB], Some("200"));
    assert!(!sb.contains("-[ RECORD"), "{sb}");
    let rid_and_name = sb.lines().any(|l| {
        l.split("S-1-5-21-…-").nth(1).is_some_and(|rest| {
            let rid: String = rest.chars().take_while(char::is_ascii_digit).collect();
            !rid.is_empty() && rest[rid.len()..].starts_with(" (")
        })
    });
    assert!(rid_and_name, "a compact SID with its name: {sb}");
    assert!(sb.lines().any(|l| l.contains("  144  ")), "{sb}");
    for l in sb
        .lines()
        .filter(|l| !l.starts_with("== ") && !l.starts_with("rows:"))
    {
        assert!(
            unicode_width::UnicodeWidthStr::width(l) <= 200,
            "wider than 200: {l}"
        );
    }
    // -x forces one block per record at any width, every value whole.
    let x = env.ok_with(&["hunt", SB, "-x"], Some("300"));
    assert!(x.contains("-[ RECORD 1 ]"), "{x}");
    assert!(
        x.lines().any(|l| l.starts_with("count           | 144")),
        "{x}"
    );
}

#[test]
fn csv_exact_is_refused_on_a_terminal_only() {
    use huntbench::commands::csv_mode;
    use huntbench::output::CsvMode;
    assert_eq!(csv_mode(false, true).unwrap(), CsvMode::Safe);
    assert_eq!(csv_mode(true, false).unwrap(), CsvMode::Exact);
    let e = csv_mode(true, true).unwrap_err().to_string();
    assert!(e.contains("terminal") && e.contains("> rows.csv"), "{e}");
}
