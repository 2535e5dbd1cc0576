//! The binary's state and exit statuses: read commands never create an index, every
//! command takes its exclusions from the index it was pointed at, and `ingest` / `hunt
//! --input` say through their exit status whether everything was read.

mod cli_support;

use std::path::{Path, PathBuf};

use huntbench::demo::{self, DemoOptions};
use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const EXT: &str = "winrm_remoting_extended";
const MGMT: &str = "MGMT01.corp.local";

/// A scratch home: `data/`, `config/` and (unless `default_index`) `index/` under one temp dir.
struct Env {
    tmp: tempfile::TempDir,
    /// Leave HUNTBENCH_INDEX unset: the index is `<data>/index`, the default.
    default_index: bool,
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.out).unwrap_or_else(|e| panic!("{e}: {}", self.out))
    }
}

impl Env {
    fn new() -> Env {
        Env {
            tmp: tempfile::tempdir().unwrap(),
            default_index: false,
        }
    }

    fn with_default_index() -> Env {
        Env {
            default_index: true,
            ..Env::new()
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = cli_support::huntbench(self.tmp.path());
        cmd.args(args);
        if self.default_index {
            cmd.env_remove("HUNTBENCH_INDEX");
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?} failed: {}", r.err);
        r
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Names in the temp dir (what a command may have created).
    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo corpus as two files in `dir` (under `inputs/`, so the listing stays readable).
fn write_demo(env: &Env) -> (PathBuf, PathBuf) {
    cli_support::write_demo(&env.path("inputs"))
}

/// Script-block rows of a `--format json` hunt on this computer.
fn rows_on(rows: &Value, computer: &str) -> usize {
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["analytic"] == SB && r["Computer"] == computer)
        .count()
}

#[test]
fn read_commands_on_a_missing_index_fail_naming_it_and_create_nothing() {
    let env = Env::new();
    let index = env.path("index");
    let commands: &[&[&str]] = &[
        &["hunt"],
        &["hunt", SB, "--format", "json"],
        &["stats"],
        &["stats", "--format", "json"],
        &["search", "event_code:4104"],
        &["edges"],
        &["tui"],
        &[], // the workbench is the default command
        &["exclusions", "list"],
        &["exclusions", "add", SB, "Computer", MGMT],
        &["exclusions", "disable", "x1"],
        &["exclusions", "export", SB, "--splunk"],
    ];
    for args in commands {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {} / {}", r.out, r.err);
        assert!(
            r.err
                .contains(&format!("no huntbench index at {}", index.display())),
            "{args:?}: {}",
            r.err
        );
        assert!(r.err.contains("huntbench ingest"), "{args:?}: {}", r.err);
        // Nothing printed as if it were an answer, and no terminal switched to the TUI.
        assert_eq!(r.out, "", "{args:?}");
        assert!(!r.err.contains('\x1b'), "{args:?}: {:?}", r.err);
        assert_eq!(
            env.listing(),
            Vec::<String>::new(),
            "{args:?} created something"
        );
    }

    // A mistyped --index is named, and neither it nor its parent is created.
    let typo = env.path("cases").join("idx");
    let r = env.run(&["--index", s(&typo), "hunt"]);
    assert_eq!(r.code, 2);
    assert!(
        r.err
            .contains(&format!("no huntbench index at {}", typo.display())),
        "{}",
        r.err
    );
    assert_eq!(env.listing(), Vec::<String>::new());

    // Only ingest creates it; then the same commands answer.
    let (xml, _) = write_demo(&env);
    env.ok(&["ingest", s(&xml)]);
    assert!(index.join("huntbench-index.json").exists());
    env.ok(&["stats"]);
    env.ok(&["exclusions", "list"]);
}

#[test]
fn ingest_exit_status_says_complete_rejected_or_unreadable() {
    let env = Env::new();
    let events = demo::generate(&DemoOptions::default());
    let mut good = Vec::new();
    demo::write_ndjson_evtx_dump(&events[..40], &mut good).unwrap();
    let good_file = env.path("good.jsonl");
    std::fs::write(&good_file, &good).unwrap();
    // The same kind of file with one line cut short: one record rejected, the rest read.
    let mut lines: Vec<String> = String::from_utf8(good.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let cut = lines[5].len() / 2;
    lines[5].truncate(cut);
    let broken = env.path("broken.jsonl");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();
    let junk = env.path("notes.txt");
    std::fs::write(&junk, "remember to patch srv01\n").unwrap();
    let empty = env.path("empty.log");
    std::fs::write(&empty, "").unwrap();

    let r = env.run(&["ingest", "--format", "json", s(&good_file)]);
    assert_eq!(r.code, 0, "{}", r.err);
    let j = r.json();
    assert_eq!(j["outcome"], "complete");
    assert_eq!(
        (j["rejected"].as_u64(), j["indexed"].as_u64()),
        (Some(0), Some(40))
    );
    assert_eq!(j["unreadable"], Value::Array(vec![]));

    let r = env.run(&["ingest", "--format", "json", s(&broken)]);
    assert_eq!(r.code, 1, "{}", r.err);
    let j = r.json();
    assert_eq!(j["outcome"], "records_rejected");
    assert_eq!(j["rejected"], 1);
    assert_eq!(j["unreadable"], Value::Array(vec![]));
    assert_eq!(j["errors"][0]["position"], "line 6", "{j}");
    assert!(
        r.err.contains("1 records rejected (exit status 1)"),
        "{}",
        r.err
    );

    // An unrecognized file beside a good one: exit 3, the good one still indexed, and the
    // JSON summary names the file and why.
    let more = env.path("more.jsonl");
    let mut buf = Vec::new();
    demo::write_ndjson_evtx_dump(&events[40..50], &mut buf).unwrap();
    std::fs::write(&more, &buf).unwrap();
    let r = env.run(&["ingest", "--format", "json", s(&more), s(&junk)]);
    assert_eq!(r.code, 3, "{}", r.err);
    let j = r.json();
    assert_eq!(j["outcome"], "input_unreadable");
    assert_eq!(j["indexed"], 10);
    assert_eq!(j["unreadable"], serde_json::json!([s(&junk)]));
    assert_eq!(j["rejected"], 0);
    let why = j["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["file"] == s(&junk))
        .unwrap_or_else(|| panic!("{j}"));
    assert!(
        why["reason"].as_str().unwrap().contains("recognized"),
        "{why}"
    );
    assert!(r.err.contains("exit status 3"), "{}", r.err);

    // A file with nothing in it: exit 3 even if the readers say nothing about it, and the
    // summary has an entry for it.
    let r = env.run(&["ingest", "--format", "json", s(&empty)]);
    assert_eq!(r.code, 3, "{}", r.err);
    let j = r.json();
    assert_eq!(j["unreadable"], serde_json::json!([s(&empty)]));
    assert!(
        j["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["file"] == s(&empty)),
        "{j}"
    );

    // The text summary says it too.
    let r = env.run(&["ingest", s(&junk), s(&empty)]);
    assert_eq!(r.code, 3);
    assert!(r.out.contains("unreadable inputs   2"), "{}", r.out);
    assert!(r.out.contains("No event could be read from"), "{}", r.out);
    // A missing path is an input that gave nothing, too, and so is an empty folder.
    let r = env.run(&["ingest", s(&env.path("nope.evtx"))]);
    assert_eq!(r.code, 3, "{}", r.err);
    let folder = env.path("nothing-here");
    std::fs::create_dir(&folder).unwrap();
    let r = env.run(&["ingest", "--format", "json", s(&good_file), s(&folder)]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert_eq!(r.json()["unreadable"], serde_json::json!([s(&folder)]));
    assert_eq!(env.run(&["hunt", "--input", s(&folder)]).code, 3);
    // Everything read earlier is still there.
    let stats: Value = serde_json::from_str(&env.ok(&["stats", "--format", "json"]).out).unwrap();
    assert_eq!(stats["events"], 50);
}

#[test]
fn hunt_input_exits_by_the_same_rule_and_still_prints_its_rows() {
    let env = Env::new();
    let (xml, json) = write_demo(&env);
    let junk = env.path("notes.txt");
    std::fs::write(&junk, "not a log\n").unwrap();
    let text = std::fs::read_to_string(&json).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, "{\"Event\": {\"System\": ");
    let broken = env.path("broken.jsonl");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();

    let all = env.ok(&["hunt", SB, "--format", "json", "--input", s(&xml), s(&json)]);
    let want = all.json();
    assert!(rows_on(&want, MGMT) > 0);

    let r = env.run(&[
        "hunt",
        SB,
        "--format",
        "json",
        "--input",
        s(&xml),
        s(&broken),
    ]);
    assert_eq!(r.code, 1, "{}", r.err);
    assert_eq!(r.json(), want, "the rejected line held no matching event");

    let r = env.run(&[
        "hunt",
        SB,
        "--format",
        "json",
        "--input",
        s(&xml),
        s(&json),
        s(&junk),
    ]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert_eq!(r.json(), want);
    assert!(r.err.contains("notes.txt"), "{}", r.err);

    let r = env.run(&["hunt", SB, "--input", s(&junk)]);
    assert_eq!(r.code, 3);
    // HUNTBENCH_INDEX (set by this Env, naming no index) lends nothing and is not needed.
    assert_eq!(env.run(&["hunt", SB, "--input", s(&xml)]).code, 0);
    // No index was needed or made.
    assert!(!env.path("index").exists());
    assert!(!env.path("data").exists());
}

#[test]
fn hunt_input_applies_no_exclusions_unless_an_index_is_named() {
    let env = Env::with_default_index();
    let (xml, json) = write_demo(&env);
    let (x, j) = (s(&xml), s(&json));
    // The default index (<data>/index) excludes MGMT01; another index excludes nothing.
    env.ok(&["ingest", x, j]);
    let other = env.path("other");
    env.ok(&["--index", s(&other), "ingest", x]);
    let added = env.ok(&["exclusions", "add", SB, "Computer", MGMT]);
    let own = env.path("data").join("index").join("exclusions.toml");
    assert!(
        added.out.contains(&own.display().to_string()),
        "{}",
        added.out
    );
    assert_eq!(
        rows_on(&env.ok(&["hunt", SB, "--format", "json"]).json(), MGMT),
        0
    );

    let hunt_input = |extra: &[&str]| -> Value {
        let mut args = extra.to_vec();
        args.extend(["hunt", SB, "--format", "json", "--input", x, j]);
        env.ok(&args).json()
    };
    // Files are no index: nothing borrowed from the default one.
    assert!(rows_on(&hunt_input(&[]), MGMT) > 0);
    // Another index named: its exclusions (none), not the data directory's.
    assert!(rows_on(&hunt_input(&["--index", s(&other)]), MGMT) > 0);
    // The default index named on purpose: its exclusions apply.
    let default = env.path("data").join("index");
    assert_eq!(rows_on(&hunt_input(&["--index", s(&default)]), MGMT), 0);
    // A named index that does not exist is an error, not a silent "no exclusions".
    let r = env.run(&["--index", s(&env.path("nope")), "hunt", SB, "--input", x]);
    assert_eq!(r.code, 2);
    assert!(r.err.contains("no huntbench index at"), "{}", r.err);
    assert!(!env.path("nope").exists());

    // Where exclusions used to live (<data>/exclusions.toml), no other index sees them.
    std::fs::rename(&own, env.path("data").join("exclusions.toml")).unwrap();
    assert!(rows_on(&hunt_input(&["--index", s(&other)]), MGMT) > 0);
    assert!(rows_on(&hunt_input(&[]), MGMT) > 0);
    let r = env.ok(&["--index", s(&other), "hunt", SB, "--format", "json"]);
    assert!(rows_on(&r.json(), MGMT) > 0);
    assert!(
        env.path("data").join("exclusions.toml").exists(),
        "untouched"
    );
}

#[test]
fn the_default_index_adopts_the_old_data_dir_exclusions_once() {
    let env = Env::with_default_index();
    let (xml, json) = write_demo(&env);
    env.ok(&["ingest", s(&xml), s(&json)]);
    let before = rows_on(&env.ok(&["hunt", SB, "--format", "json"]).json(), MGMT);
    assert!(before > 0);
    // Lay the file out as earlier versions did.
    env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        MGMT,
        "--note",
        "patching",
    ]);
    let own = env.path("data").join("index").join("exclusions.toml");
    let legacy = env.path("data").join("exclusions.toml");
    std::fs::rename(&own, &legacy).unwrap();

    let rows = env.ok(&["hunt", SB, "--format", "json"]).json();
    assert_eq!(rows_on(&rows, MGMT), 0, "the old exclusion still applies");
    assert!(
        own.exists() && !legacy.exists(),
        "moved into the index, once"
    );
    let list = env.ok(&["exclusions", "list", "--format", "json"]).json();
    assert_eq!(list[0]["note"], "patching");
    // Edits go to the index's file.
    env.ok(&["exclusions", "disable", "x1"]);
    assert!(!legacy.exists());
    assert!(
        std::fs::read_to_string(&own)
            .unwrap()
            .contains("enabled = false")
    );
}

#[test]
fn exclusions_belong_to_the_index_they_tune_and_survive_its_commits() {
    let env = Env::new();
    let (xml, json) = write_demo(&env);
    let (a, b) = (env.path("a"), env.path("b"));
    for dir in [&a, &b] {
        env.ok(&["--index", s(dir), "ingest", s(&xml)]);
    }
    // Half the demo's first file is mostly MGMT01's rows: a broad exclusion, hence --force.
    let added = env.ok(&[
        "--index",
        s(&a),
        "exclusions",
        "add",
        SB,
        "Computer",
        MGMT,
        "--force",
    ]);
    assert!(
        added
            .out
            .contains(&a.join("exclusions.toml").display().to_string()),
        "{}",
        added.out
    );
    let hunt = |dir: &Path| {
        rows_on(
            &env.ok(&["--index", s(dir), "hunt", SB, "--format", "json"])
                .json(),
            MGMT,
        )
    };
    assert_eq!(hunt(&a), 0);
    assert!(hunt(&b) > 0, "b has exclusions of its own (none)");
    let listed = env.ok(&["--index", s(&b), "exclusions", "list", "--format", "json"]);
    assert_eq!(listed.json(), Value::Array(vec![]));
    assert!(!env.path("data").join("exclusions.toml").exists());

    // More ingests into a (new segments, merges, tantivy's garbage collection) keep the file.
    env.ok(&[
        "--index",
        s(&a),
        "ingest",
        "--commit-every",
        "500",
        s(&json),
    ]);
    env.ok(&["--index", s(&a), "ingest", s(&xml), s(&json)]);
    assert!(a.join("exclusions.toml").exists());
    assert_eq!(hunt(&a), 0);
    // The demo keeps its own index, and so its own exclusions.
    let demo_index = env.path("data").join("demo").join("index");
    env.ok(&["demo", "--no-tui"]);
    assert!(
        rows_on(
            &env.ok(&["--index", s(&demo_index), "hunt", SB, "--format", "json"])
                .json(),
            MGMT
        ) > 0
    );
}

#[test]
fn extended_rows_never_say_escu_for_an_event_escu_drops() {
    let env = Env::new();
    let (xml, json) = write_demo(&env);
    env.ok(&["ingest", s(&xml), s(&json)]);
    let rows = env.ok(&["hunt", EXT, "--format", "json"]).json();
    let rows = rows.as_array().unwrap();
    // The demo's second hop (SRV-DB01 → DC01) is logged without a UserID: ESCU's stats drop
    // it, so its extended row is not one ESCU raises.
    let hop: Vec<&Value> = rows
        .iter()
        .filter(|r| r["Computer"] == "SRV-DB01.corp.local" && r["targets"][0] == "DC01")
        .collect();
    assert_eq!(hop.len(), 1, "{rows:?}");
    assert_eq!(hop[0]["escu"], false);
    assert_eq!(hop[0]["user_id"], Value::Null, "missing is JSON null");
    let table = env.ok(&["hunt", EXT]).out;
    assert!(
        table.contains("that ESCU matches but its stats drops (no ESCU row for them): 1"),
        "{table}"
    );
    // No row names the Sysmon service account as its user.
    for r in rows {
        assert_ne!(r["user"], "NT AUTHORITY\\SYSTEM", "{r}");
        assert_ne!(r["user_id"], "S-1-5-18", "{r}");
    }
}
