//! Exclusions that cannot hurt, from the shell: a preview before saving, `--dry-run`, broad
//! patterns refused without `--force`, Splunk-habit quoting, undo across processes, exports that
//! would turn a detection off refused, and a list that names analytics, SIDs and what each
//! suppresses now. Each test ingests a small index from text it writes.

mod cli_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, Event};
use huntbench::time::parse_timestamp;
use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const ALICE: &str = "S-1-5-21-1-2-3-1104";

struct Env {
    tmp: tempfile::TempDir,
}

fn sb(n: u64, host: &str, sid: &str, text: &str) -> Event {
    let t = parse_timestamp("2024-10-21T11:30:00Z").unwrap();
    Event {
        time: t + n as i64 * 60_000_000,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: host.into(),
        record_id: Some(n),
        user_id: Some(sid.into()),
        script_block_text: Some(text.into()),
        script_block_id: Some(format!("{{{n:08}-0000-0000-0000-000000000000}}")),
        message_number: Some(1),
        message_total: Some(1),
        data: BTreeMap::from([("ScriptBlockText".to_string(), text.to_string())]),
        ..Default::default()
    }
}

/// A logon that names alice's SID (so lists can show `S-1-5-21-…-1104 (CORP\alice)`).
fn logon() -> Event {
    Event {
        time: parse_timestamp("2024-10-21T11:00:00Z").unwrap(),
        event_code: 4624,
        channel: CHANNEL_SECURITY.into(),
        provider: "Microsoft-Windows-Security-Auditing".into(),
        computer: "DC01.corp.local".into(),
        record_id: Some(100),
        data: BTreeMap::from([
            ("LogonType".to_string(), "3".to_string()),
            ("TargetUserSid".to_string(), ALICE.to_string()),
            ("TargetUserName".to_string(), "alice".to_string()),
            ("TargetDomainName".to_string(), "CORP".to_string()),
        ]),
        ..Default::default()
    }
}

/// Six script-block rows (8 events): three on MGMT01 (4 events), WS-HR-03 (alice, 2 events),
/// WS-FIN-07 and SRV-DB01 (one each).
fn corpus() -> Vec<Event> {
    let icm = |t: &str| format!("Invoke-Command -ComputerName {t} {{ Get-Service }}");
    let admin = "S-1-5-21-1-2-3-500";
    vec![
        sb(1, "MGMT01.corp.local", admin, &icm("SRV-DB01")),
        sb(2, "MGMT01.corp.local", admin, &icm("SRV-WEB01")),
        sb(3, "MGMT01.corp.local", admin, &icm("SRV-APP01")),
        sb(4, "MGMT01.corp.local", admin, &icm("SRV-APP01")),
        sb(5, "WS-HR-03.corp.local", ALICE, &icm("SRV-DB01")),
        sb(6, "WS-HR-03.corp.local", ALICE, &icm("SRV-DB01")),
        sb(
            7,
            "WS-FIN-07.corp.local",
            "S-1-5-21-1-2-3-1105",
            &icm("DC01"),
        ),
        sb(8, "SRV-DB01.corp.local", "S-1-5-18", &icm("SRV-WEB01")),
        logon(),
    ]
}

impl Env {
    fn with(events: &[Event]) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("events.log");
        huntbench::demo::write_xml_lines(events, &mut std::fs::File::create(&file).unwrap())
            .unwrap();
        let env = Env { tmp };
        env.ok(&["ingest", file.to_str().unwrap()]);
        env
    }

    fn new() -> Env {
        Env::with(&corpus())
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let (code, out, err) = cli_support::run(self.tmp.path(), args, None);
        (code, String::from_utf8_lossy(&out).into_owned(), err)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err}\n{out}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    fn store(&self) -> PathBuf {
        self.tmp.path().join("index").join("exclusions.toml")
    }

    fn hosts(&self) -> Vec<String> {
        let rows = self.json(&["hunt", SB, "--format", "json"]);
        let mut v: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Computer"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    }
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

#[test]
fn add_says_what_it_would_suppress_and_dry_run_saves_nothing() {
    let env = Env::new();
    let out = env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "\"MGMT01.corp.local\"",
        "--dry-run",
    ]);
    assert!(
        out.starts_with("would suppress 3 of 6 rows (4 events) of ESCU 4104 script block\n"),
        "{out}"
    );
    assert!(
        out.contains("dry run: Computer = \"MGMT01.corp.local\""),
        "{out}"
    );
    assert_eq!(read(&env.store()), None, "a dry run writes no store");
    assert_eq!(env.hosts().len(), 6);

    // Saved for real: the quotes were Splunk's habit, the value is the host name.
    let out = env.ok(&["exclusions", "add", SB, "Computer", "\"MGMT01.corp.local\""]);
    assert!(
        out.contains("would suppress 3 of 6 rows (4 events)"),
        "{out}"
    );
    assert!(out.contains("added x1 to"), "{out}");
    let list = env.json(&["exclusions", "list", "--format", "json"]);
    assert_eq!(list[0]["op"], "equals");
    assert_eq!(list[0]["value"], "MGMT01.corp.local");
    assert_eq!(
        env.hosts(),
        [
            "SRV-DB01.corp.local",
            "WS-FIN-07.corp.local",
            "WS-HR-03.corp.local"
        ]
    );

    // The next preview counts the rows kept now, and says what others already suppress.
    let out = env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "*01.corp.local",
        "--dry-run",
    ]);
    assert!(
        out.starts_with(
            "would suppress 1 of 3 rows (1 events) of ESCU 4104 script block; it also matches \
             3 row(s) other exclusions already suppress"
        ),
        "{out}"
    );
}

#[test]
fn broad_exclusions_are_refused_unless_forced() {
    let env = Env::new();
    // All rows: the one domain of the index.
    let (code, out, err) = env.run(&["exclusions", "add", SB, "Computer", "*.corp.local"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("would suppress 6 of 6 rows (8 events)"),
        "{out}"
    );
    assert!(err.contains("refused: Computer like \"*.corp.local\" on ESCU 4104 script block: it would suppress all 6 rows"), "{err}");
    assert!(err.contains("add --force to save it anyway"), "{err}");
    assert_eq!(read(&env.store()), None, "nothing saved");

    // More than half: 4 of 6.
    let (code, _, err) = env.run(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "MGMT01.corp.local,WS-HR-03.corp.local",
        "--in",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("it would suppress 4 of 6 rows, more than half"),
        "{err}"
    );
    // A dry run of it says it would be refused, and succeeds.
    let out = env.ok(&["exclusions", "add", SB, "Computer", "*", "--dry-run"]);
    assert!(out.contains("without --force it would be refused"), "{out}");
    assert!(out.contains("its pattern matches any value"), "{out}");
    assert_eq!(read(&env.store()), None);

    // Exactly half is fine; forced, a broad one is saved.
    env.ok(&["exclusions", "add", SB, "Computer", "MGMT01.corp.local"]);
    let out = env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "*.corp.local",
        "--force",
    ]);
    assert!(out.contains("added x2"), "{out}");
    assert_eq!(env.hosts(), Vec::<String>::new());
}

#[test]
fn a_match_all_pattern_is_refused_on_an_empty_index_too() {
    // Nothing the analytic matches: no rows to count, the pattern alone decides.
    let env = Env::with(&[logon()]);
    for pat in ["*", "**", "*.*"] {
        let (code, out, err) = env.run(&["exclusions", "add", SB, "Computer", pat]);
        assert_eq!(code, 1, "{pat}: {out}{err}");
        assert!(out.contains("would suppress 0 of 0 rows"), "{out}");
        assert!(
            err.contains("its pattern matches any value"),
            "{pat}: {err}"
        );
    }
    assert_eq!(read(&env.store()), None);
}

#[test]
fn undo_takes_back_the_last_add_or_delete_across_processes() {
    let env = Env::new();
    env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "WS-FIN-07.corp.local",
        "--note",
        "ok",
    ]);
    env.ok(&["exclusions", "rm", "x1"]);
    assert_eq!(env.hosts().len(), 6);
    let out = env.ok(&["exclusions", "undo"]);
    assert!(
        out.starts_with("undid the delete of x1: x1 is back"),
        "{out}"
    );
    let list = env.json(&["exclusions", "list", "--format", "json"]);
    assert_eq!(list[0]["id"], "x1");
    assert_eq!(list[0]["note"], "ok");
    assert_eq!(env.hosts().len(), 5);

    // Nothing left to undo: a clear error, non-zero.
    let (code, _, err) = env.run(&["exclusions", "undo"]);
    assert_ne!(code, 0);
    assert!(err.contains("nothing to undo"), "{err}");

    // An add undone; its id is not handed out again.
    env.ok(&["exclusions", "add", SB, "Computer", "SRV-DB01.corp.local"]);
    assert_eq!(env.hosts().len(), 4);
    let out = env.ok(&["exclusions", "undo"]);
    assert!(out.starts_with("undid the add of x2: removed it"), "{out}");
    assert_eq!(env.hosts().len(), 5);
    let out = env.ok(&["exclusions", "add", SB, "Computer", "SRV-DB01.corp.local"]);
    assert!(out.contains("added x3"), "{out}");
}

#[test]
fn an_export_that_turns_the_detection_off_is_refused_unless_forced() {
    let env = Env::new();
    env.ok(&["exclusions", "add", SB, "Computer", "*", "--force"]);
    for kind in ["--splunk", "--sigma-filter"] {
        let (code, out, err) = env.run(&["exclusions", "export", SB, kind]);
        assert_eq!(code, 1, "{kind}: {out}");
        assert_eq!(out, "", "{kind}: nothing written");
        assert!(err.contains("refused: x1 (Computer like \"*\")"), "{err}");
        assert!(err.contains("NOT Computer=\"*\""), "{err}");
        assert!(err.contains("--force"), "{err}");
    }
    let forced = env.ok(&["exclusions", "export", SB, "--splunk", "--force"]);
    assert!(
        forced.contains("definition = search NOT Computer=\"*\""),
        "{forced}"
    );
    // Switched off, it is no longer in the filter: nothing to refuse.
    env.ok(&["exclusions", "disable", "x1"]);
    let stanza = env.ok(&["exclusions", "export", SB, "--splunk"]);
    assert!(stanza.contains("definition = search *"), "{stanza}");
}

#[test]
fn the_list_names_the_analytic_sid_names_and_what_each_suppresses_now() {
    let env = Env::new();
    env.ok(&[
        "exclusions",
        "add",
        SB,
        "user_id",
        ALICE,
        "--note",
        "alice's admin box",
    ]);
    env.ok(&[
        "exclusions",
        "add",
        "remote_process_instantiation_via_winrm_and_powershell",
        "dest",
        "MGMT01.corp.local",
        "--force",
    ]);
    let table = env.ok(&["exclusions", "list"]);
    assert!(table.contains("ESCU 4104 script block"), "{table}");
    assert!(table.contains("ESCU process creation"), "{table}");
    assert!(
        table.contains("user_id = \"S-1-5-21-…-1104 (CORP\\alice)\""),
        "{table}"
    );
    assert!(table.contains("1 rows / 2 events"), "{table}");
    assert!(table.contains("0 rows / 0 events"), "{table}");
    let json = env.json(&["exclusions", "list", "--format", "json"]);
    assert_eq!(json[0]["analytic"], SB, "the id stays in JSON");
    assert_eq!(json[0]["label"], "ESCU 4104 script block");
    assert_eq!(json[0]["value"], ALICE, "JSON keeps the bare SID");
    assert_eq!(
        json[0]["suppresses"],
        serde_json::json!({"rows": 1, "events": 2})
    );
    assert_eq!(json[1]["label"], "ESCU process creation");
}
