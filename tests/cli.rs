//! The binary as users script it: ingest, stats, hunt, search, exclusions, edges.

mod cli_support;

use std::path::PathBuf;
use std::process::Command;

use cli_support::write_demo;
use huntbench::demo::{self, DemoOptions};
use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = cli_support::huntbench(self.tmp.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

fn rows_of<'a>(rows: &'a Value, id: &str) -> Vec<&'a Value> {
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["analytic"] == id)
        .collect()
}

#[test]
fn ingest_stats_hunt_and_dedup() {
    let env = Env::new();
    let (xml, json) = write_demo(env.tmp.path());
    let (x, j) = (xml.to_str().unwrap(), json.to_str().unwrap());
    let s = env.json(&["ingest", "--format", "json", x, j]);
    let total = demo::expected(&DemoOptions::default()).total_events as u64;
    assert_eq!(s["files"], 2);
    assert_eq!(s["events_read"], total);
    assert_eq!(s["indexed"], total);
    assert_eq!(s["duplicates"], 0);
    assert_eq!(s["rejected"], 0);
    assert_eq!(s["errors"], Value::Array(vec![]));

    // The same files again add nothing.
    let again = env.json(&["ingest", "--format", "json", x, j]);
    assert_eq!(again["indexed"], 0);
    assert_eq!(again["duplicates"], total);

    let stats = env.json(&["stats", "--format", "json"]);
    assert_eq!(stats["events"], total);
    assert!(stats["by_event_code"]["4104"].as_u64().unwrap() > 100);
    assert!(stats["hosts"]["WS-FIN-07.corp.local"].as_u64().unwrap() > 0);

    let rows = env.json(&["hunt", "--format", "json"]);
    let expected = demo::expected(&DemoOptions::default());
    let sb = rows_of(&rows, SB);
    assert_eq!(sb.len(), expected.script_block_rows.len());
    for r in &sb {
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "analytic",
            "EventCode",
            "ScriptBlockText",
            "Computer",
            "user_id",
            "count",
            "firstTime",
            "lastTime",
        ];
        let mut got = keys.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        assert!(r["count"].is_u64());
        assert_eq!(r["EventCode"], "4104");
        assert!(!r["ScriptBlockText"].as_str().unwrap().contains("&amp;"));
    }
    let health = sb
        .iter()
        .find(|r| r["count"] == 144)
        .expect("the admin health check");
    assert_eq!(health["Computer"], "MGMT01.corp.local");
    let pr = rows_of(&rows, PROC);
    assert_eq!(pr.len(), expected.process_rows.len());
    assert!(
        pr.iter()
            .any(|r| r["process_id"].as_str().unwrap().starts_with("0x"))
    );

    // The one-pass path gives the same rows as the index.
    let direct = env.json(&["hunt", SB, PROC, "--format", "json", "--input", x, j]);
    let parity: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["analytic"] == SB || r["analytic"] == PROC)
        .collect();
    assert_eq!(
        direct.as_array().unwrap().iter().collect::<Vec<_>>(),
        parity
    );

    // A time range before the intrusion keeps only the admin rows.
    let early = env.json(&[
        "hunt",
        SB,
        "--format",
        "json",
        "--latest",
        "2026-03-10T14:00:00Z",
    ]);
    assert!(!early.as_array().unwrap().is_empty());
    for r in early.as_array().unwrap() {
        assert_ne!(r["Computer"], "WS-FIN-07.corp.local", "{r}");
    }
    let berlin = env.json(&["hunt", SB, "--format", "json", "--tz", "Europe/Berlin"]);
    let h = berlin
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["count"] == 144)
        .unwrap();
    assert_eq!(h["firstTime"], "2026-03-09T01:15:03");

    // Table and CSV forms.
    let table = env.ok(&["hunt", SB]);
    assert!(table.contains("MGMT01.corp.local"));
    assert!(table.contains("144"));
    // The 4104 without a UserID is listed, not lost.
    assert!(table.contains("Splunk's stats drops them): 1"), "{table}");
    assert!(table.contains("missing by-field user_id"), "{table}");
    let csv = env.ok(&["hunt", PROC, "--format", "csv"]);
    assert!(csv.lines().next().unwrap().starts_with("analytic,"));
}

#[test]
fn exclusions_suppress_rows_persist_and_export() {
    let env = Env::new();
    let (xml, json) = write_demo(env.tmp.path());
    env.ok(&["ingest", xml.to_str().unwrap(), json.to_str().unwrap()]);
    let before = rows_of(&env.json(&["hunt", SB, "--format", "json"]), SB).len();

    let out = env.ok(&[
        "exclusions",
        "add",
        SB,
        "Computer",
        "mgmt01.corp.local",
        "--note",
        "patch automation",
    ]);
    assert!(out.contains("\nadded x1"), "{out}");
    let list = env.json(&["exclusions", "list", "--format", "json"]);
    assert_eq!(list[0]["id"], "x1");
    assert_eq!(list[0]["enabled"], true);
    assert_eq!(list[0]["note"], "patch automation");

    let rows = env.json(&["hunt", SB, "--format", "json"]);
    let after = rows_of(&rows, SB);
    assert!(after.len() < before, "{} !< {before}", after.len());
    assert!(after.iter().all(|r| r["Computer"] != "MGMT01.corp.local"));
    let table = env.ok(&["hunt", SB]);
    assert!(
        table.contains("x1"),
        "the summary names the exclusion: {table}"
    );

    let all = env.json(&["hunt", SB, "--format", "json", "--no-exclusions"]);
    assert_eq!(rows_of(&all, SB).len(), before);

    let stanza = env.ok(&["exclusions", "export", SB, "--splunk"]);
    assert!(stanza.starts_with(&format!("[{SB}_filter]")), "{stanza}");
    assert!(stanza.contains("definition = search NOT"), "{stanza}");
    assert!(stanza.contains("mgmt01.corp.local"), "{stanza}");

    env.ok(&["exclusions", "disable", "x1"]);
    assert_eq!(
        rows_of(&env.json(&["hunt", SB, "--format", "json"]), SB).len(),
        before
    );
    let stanza = env.ok(&["exclusions", "export", SB, "--splunk"]);
    assert!(stanza.contains("definition = search *"), "{stanza}");
    env.ok(&["exclusions", "enable", "x1"]);
    env.ok(&["exclusions", "rm", "x1"]);
    assert_eq!(
        env.json(&["exclusions", "list", "--format", "json"]),
        Value::Array(vec![])
    );

    // A field that is not an output column is refused with a clear message.
    let (code, _, err) = env.run(&["exclusions", "add", SB, "process_name", "x"]);
    assert_ne!(code, 0);
    assert!(err.contains("process_name"), "{err}");
}

#[test]
fn bad_input_is_reported_with_file_and_position_and_loses_nothing_else() {
    let env = Env::new();
    let events = demo::generate(&DemoOptions::default());
    let mut buf = Vec::new();
    demo::write_ndjson_evtx_dump(&events[..50], &mut buf).unwrap();
    let mut text = String::from_utf8(buf).unwrap();
    // Break line 3 and add a line that is not JSON at all.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let half = lines[2].len() / 2;
    lines[2].truncate(half);
    lines.push("this is not an event".into());
    text = lines.join("\n") + "\n";
    let bad = env.path("bad.jsonl");
    std::fs::write(&bad, text).unwrap();
    let junk = env.path("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 255, 1, 2, 3]).unwrap();

    let (code, out, err) = env.run(&[
        "ingest",
        "--format",
        "json",
        bad.to_str().unwrap(),
        junk.to_str().unwrap(),
        env.path("missing.evtx").to_str().unwrap(),
    ]);
    // Two inputs gave nothing: exit 3, and the JSON summary is still printed.
    assert_eq!(code, 3, "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["indexed"], 49, "{s}");
    assert_eq!(s["outcome"], "input_unreadable", "{s}");
    let errors = s["errors"].as_array().unwrap();
    // The two broken lines of bad.jsonl; the unreadable inputs are listed apart.
    assert_eq!(s["rejected"], 2, "{s}");
    let unreadable: Vec<&str> = s["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(unreadable.len(), 2, "{s}");
    assert!(unreadable.iter().any(|f| f.ends_with("junk.bin")), "{s}");
    assert!(
        unreadable.iter().any(|f| f.ends_with("missing.evtx")),
        "{s}"
    );
    let line3 = errors
        .iter()
        .find(|e| e["file"].as_str().unwrap().ends_with("bad.jsonl") && e["position"] == "line 3")
        .unwrap_or_else(|| panic!("no error at line 3: {s}"));
    assert!(!line3["reason"].as_str().unwrap().is_empty());
    assert!(
        errors
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("junk.bin"))
    );
    assert!(
        errors
            .iter()
            .any(|e| e["file"].as_str().unwrap().ends_with("missing.evtx"))
    );
}

#[test]
fn search_and_extended_rows_and_edges() {
    let env = Env::new();
    let (xml, json) = write_demo(env.tmp.path());
    env.ok(&["ingest", xml.to_str().unwrap(), json.to_str().unwrap()]);

    let hits = env.json(&[
        "search",
        "computer:ws-fin-07.corp.local ScriptBlockText=\"*invoke-command*\"",
        "--format",
        "json",
    ]);
    assert_eq!(hits["total"], hits["shown"]);
    let hits = hits["events"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        assert_eq!(h["computer"], "WS-FIN-07.corp.local");
        let t = h["script_block_text"].as_str().unwrap().to_lowercase();
        assert!(t.contains("invoke-command"));
    }
    let (code, _, err) = env.run(&["search", "event_code:(((", "--format", "json"]);
    assert_ne!(code, 0);
    assert!(!err.is_empty());

    let ext = env.json(&["hunt", "winrm_remoting_extended", "--format", "json"]);
    let ext = ext.as_array().unwrap();
    assert!(!ext.is_empty());
    for r in ext {
        for k in [
            "technique",
            "escu",
            "Computer",
            "user",
            "user_id",
            "targets",
            "count",
            "firstTime",
            "lastTime",
            "text",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        assert!(r["escu"].is_boolean());
        assert!(r["targets"].is_array());
    }
    assert!(ext.iter().any(|r| r["escu"] == false));

    let edges = env.json(&["edges", "--format", "json"]);
    let expected = demo::expected(&DemoOptions::default());
    for (src, dst) in &expected.intruder_path {
        // Hosts are nodes shown by their FQDN, both ends of each hop in one edge.
        let edge = edges
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["source"].as_str().unwrap().eq_ignore_ascii_case(src)
                    && e["target"].as_str().unwrap().eq_ignore_ascii_case(dst)
            })
            .unwrap_or_else(|| panic!("edge {src} -> {dst} missing: {edges}"));
        assert_eq!(edge["ends"], "both", "{edge}");
        assert!(!edge["users"].as_array().unwrap().is_empty(), "{edge}");
        assert!(!edge["evidence"].as_array().unwrap().is_empty(), "{edge}");
        assert!(edge.get("note").is_some(), "{edge}");
    }
    // What no edge holds is counted beside the document, not inside it.
    let unresolved = edges
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"].as_str().unwrap().starts_with('?'))
        .count();
    // The demo's variable target lists are assigned literally, so they resolve; the count
    // line shows only when some target stays unresolved.
    let (code, csv, err) = env.run(&["edges", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(
        csv.lines().next().unwrap(),
        "source,target,ends,users,count,firstTime,lastTime,techniques,evidence,note"
    );
    assert_eq!(csv.lines().count(), 1 + edges.as_array().unwrap().len());
    let (_, table, _) = env.run(&["edges"]);
    if unresolved > 0 {
        assert!(
            err.contains(&format!("huntbench: {unresolved} unresolved target(s)")),
            "{err}"
        );
        assert!(
            table.contains(&format!("{unresolved} unresolved target(s)")),
            "{table}"
        );
    } else {
        assert!(!err.contains("unresolved target"), "{err}");
        assert!(!table.contains("unresolved target"), "{table}");
    }
}

#[test]
fn a_killed_ingest_resumes_without_duplicates_and_a_second_writer_is_refused() {
    let env = Env::new();
    let events = demo::generate(&DemoOptions {
        seed: 5,
        events: 60_000,
    });
    let file = env.path("big.jsonl");
    demo::write_ndjson_evtx_dump(&events, &mut std::fs::File::create(&file).unwrap()).unwrap();
    let f = file.to_str().unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_huntbench"))
        .args(["ingest", "--commit-every", "2000", "--format", "json", f])
        .env("HUNTBENCH_DATA", env.path("data"))
        .env("HUNTBENCH_CONFIG", env.path("config"))
        .env("HUNTBENCH_INDEX", env.path("index"))
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(env.path("child.err")).unwrap())
        .spawn()
        .unwrap();
    // Wait for a first commit, then try a second writer while the first still runs.
    let start = std::time::Instant::now();
    let mut refused = false;
    loop {
        // Until the first process has created the index, stats may find a half-made directory.
        let (code, out, _) = env.run(&["stats", "--format", "json"]);
        let committed = if code == 0 {
            serde_json::from_str::<Value>(&out).unwrap()["events"]
                .as_u64()
                .unwrap()
        } else {
            0
        };
        if committed > 0 {
            if child.try_wait().unwrap().is_none() {
                let (code, _, err) = env.run(&["ingest", f]);
                assert_ne!(code, 0, "a second writer must be refused");
                assert!(err.contains("in use"), "{err}");
                refused = true;
            }
            break;
        }
        assert!(
            start.elapsed().as_secs() < 120,
            "no commit seen; first ingest: {:?}; stats: {out} {}",
            std::fs::read_to_string(env.path("child.err")),
            env.run(&["stats"]).2
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().ok();
    child.wait().unwrap();

    let kept = env.json(&["stats", "--format", "json"])["events"]
        .as_u64()
        .unwrap();
    assert!(kept > 0);
    let s = env.json(&["ingest", "--format", "json", f]);
    assert_eq!(s["duplicates"], kept, "{s}");
    assert_eq!(s["indexed"].as_u64().unwrap() + kept, events.len() as u64);
    assert_eq!(
        env.json(&["stats", "--format", "json"])["events"],
        events.len() as u64
    );
    if !refused {
        eprintln!("note: the first ingest finished before a second writer could be tried");
    }
}
