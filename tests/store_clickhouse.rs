//! The ClickHouse store against a real two-shard cluster: every command a hunter uses gives
//! the embedded index's answer, byte for byte, and duplicates add nothing. Skips with a
//! message where no ClickHouse answers (see `store_support`).

mod cli_support;
mod store_support;

use std::path::{Path, PathBuf};

use cli_support::run;
use huntbench::demo::{self, DemoOptions};
use serde_json::Value;
use store_support::Cluster;

/// The demo corpus, whole, in two renderings of the same records.
fn write_both_renderings(dir: &Path) -> (PathBuf, PathBuf, usize) {
    std::fs::create_dir_all(dir).unwrap();
    let events = demo::generate(&DemoOptions::default());
    let xml = dir.join("forwarded.log");
    let json = dir.join("collected.jsonl");
    demo::write_xml_lines(&events, &mut std::fs::File::create(&xml).unwrap()).unwrap();
    demo::write_ndjson_evtx_dump(&events, &mut std::fs::File::create(&json).unwrap()).unwrap();
    (xml, json, events.len())
}

/// `huntbench ARGS` under `root` against `store` (or the embedded index for `None`).
fn hb(root: &Path, store: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    if let Some(s) = store {
        all.push("--store");
        all.push(s);
    }
    let (code, out, err) = run(root, &all, Some("200"));
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:.300}"))
}

/// Drops the test's database when the test ends, passed or not.
struct Db<'a>(&'a Cluster, String);
impl Drop for Db<'_> {
    fn drop(&mut self) {
        self.0.drop_db(&self.1);
    }
}

#[test]
fn every_command_answers_on_the_cluster_as_on_the_embedded_index() {
    let Some(cluster) = Cluster::find("every_command_answers_on_the_cluster") else {
        return;
    };
    let db = Db(&cluster, Cluster::fresh_db("same"));
    let url = cluster.url(&db.1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (xml, json_file, n) = write_both_renderings(&root.join("corpus"));
    let files = [xml.to_str().unwrap(), json_file.to_str().unwrap()];

    // One rendering, then the other: the copy kept (its `source`) is the first one read.
    for store in [None, Some(url.as_str())] {
        let (code, out, err) = hb(root, store, &["ingest", "--format", "json", files[0]]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(json(&out)["indexed"], n as u64);
        let (code, out, err) = hb(root, store, &["ingest", "--format", "json", files[1]]);
        assert_eq!(code, 0, "{err}");
        let summary = json(&out);
        assert_eq!(summary["indexed"], 0, "{summary}");
        assert_eq!(
            summary["duplicates"], n as u64,
            "the second rendering adds nothing"
        );
    }
    let raw: u64 = cluster
        .post(&format!("SELECT count() FROM {}.events", db.1))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(raw, n as u64, "no duplicate rows, even before a merge");

    // The rows of all four analytics (parity, extended, inbound), edges, searches, timelines.
    let commands: Vec<Vec<&str>> = vec![
        vec!["hunt", "--format", "json"],
        vec!["hunt", "--format", "csv", "--csv-exact"],
        vec!["edges", "--format", "json"],
        vec![
            "search",
            "event_code:4104",
            "--format",
            "json",
            "--limit",
            "100000",
        ],
        vec!["search", "Invoke-Command -ComputerName", "--format", "json"],
        vec![
            "search",
            r#"ScriptBlockText="*invoke-command*" NOT Computer=mgmt01*"#,
            "--format",
            "json",
        ],
        vec![
            "search",
            "event_code:4624 OR process_name:wsmprovhost.exe",
            "--format",
            "json",
        ],
        vec![
            "timeline",
            "--host",
            "srv-db01",
            "--around",
            "2026-03-10T14:11:28",
            "--window",
            "30m",
            "--format",
            "json",
        ],
        vec![
            "timeline",
            "--user",
            "CORP\\j.miller",
            "--around",
            "2026-03-10T14:11:28",
            "--format",
            "json",
        ],
        vec![
            "hunt",
            "--earliest",
            "2026-03-10T14:00:00",
            "--latest",
            "2026-03-10T15:00:00",
        ],
    ];
    for c in &commands {
        let (ec, embedded, e1) = hb(root, None, c);
        let (cc, on_cluster, e2) = hb(root, Some(&url), c);
        assert_eq!(ec, 0, "{c:?}: {e1}");
        assert_eq!(cc, 0, "{c:?}: {e2}");
        assert!(
            embedded.len() > 100,
            "{c:?} found too little to compare: {embedded}"
        );
        same(c, &on_cluster, &embedded);
    }
    // Known rows of the demo: 10 script-block rows, 6 process rows.
    let rows = json(&hb(root, Some(&url), &["hunt", "--format", "json"]).1);
    let per = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["analytic"] == id)
            .count()
    };
    assert_eq!(
        per("remote_process_instantiation_via_winrm_and_powershell_script_block"),
        10
    );
    assert_eq!(
        per("remote_process_instantiation_via_winrm_and_powershell"),
        6
    );

    // The counts agree, and the events sit on both shards.
    let stats = |s: Option<&str>| {
        let mut v = json(&hb(root, s, &["stats", "--format", "json"]).1);
        v.as_object_mut().unwrap().remove("index");
        v.as_object_mut().unwrap().remove("size_bytes");
        v
    };
    assert_eq!(stats(Some(&url)), stats(None));
    let servers = cluster.servers();
    if cluster.cluster.is_some() {
        assert_eq!(servers.len(), 2, "the test cluster has two shards");
        let mut sum = 0;
        for (h, p) in &servers {
            let c: u64 =
                store_support::post(h, *p, &format!("SELECT count() FROM {}.events_local", db.1))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
            assert!(c > n as u64 / 4, "shard {h}:{p} holds only {c} of {n}");
            sum += c;
        }
        assert_eq!(sum, n as u64, "every event stored once, across the shards");

        // Two ingests racing can both add a record: copies on its own shard, as a race
        // leaves them. Until a merge drops them, every answer must still count it once.
        for (h, p) in &servers {
            store_support::post(
                h,
                *p,
                &format!(
                    "INSERT INTO {db}.events_local SELECT * FROM {db}.events_local \
                     WHERE has(tags, 'x:inbound') OR event_code = 4104",
                    db = db.1
                ),
            )
            .unwrap();
        }
        let raw: u64 = cluster
            .post(&format!("SELECT count() FROM {}.events", db.1))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(raw > n as u64 + 1000, "the copies are there: {raw}");
        assert_eq!(stats(Some(&url)), stats(None));
        for c in &commands[..4] {
            let (_, embedded, _) = hb(root, None, c);
            let (code, on_cluster, err) = hb(root, Some(&url), c);
            assert_eq!(code, 0, "{c:?}: {err}");
            same(c, &on_cluster, &embedded);
        }
        // The next ingest sees more rows than events and merges the copies away.
        let (code, out, err) = hb(root, Some(&url), &["ingest", "--format", "json", files[0]]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(json(&out)["indexed"], 0);
        let raw: u64 = cluster
            .post(&format!("SELECT count() FROM {}.events", db.1))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert_eq!(raw, n as u64, "the copies are gone");
    }
}

#[test]
fn exclusions_and_triage_on_the_cluster_tune_and_mark_its_rows() {
    let Some(cluster) = Cluster::find("exclusions_and_triage_on_the_cluster") else {
        return;
    };
    let db = Db(&cluster, Cluster::fresh_db("tune"));
    let url = cluster.url(&db.1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (xml, _, _) = write_both_renderings(&root.join("corpus"));
    let sb = "remote_process_instantiation_via_winrm_and_powershell_script_block";
    for store in [None, Some(url.as_str())] {
        let (code, _, err) = hb(root, store, &["ingest", xml.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = hb(
            root,
            store,
            &[
                "exclusions",
                "add",
                sb,
                "Computer",
                "\"MGMT01.corp.local\"",
                "--note",
                "patch automation",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("would suppress") || err.contains("suppress"),
            "{out}{err}"
        );
        let (code, _, err) = hb(
            root,
            store,
            &[
                "triage",
                "set",
                sb,
                "Computer",
                "WS-FIN-07.corp.local",
                "--status",
                "malicious",
                "--note",
                "the intruder",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    let cmds: [&[&str]; 3] = [
        &["hunt", sb, "--format", "json"],
        &["exclusions", "list", "--format", "json"],
        &["triage", "list", "--format", "json"],
    ];
    for c in cmds {
        let (_, embedded, _) = hb(root, None, c);
        let (code, on_cluster, err) = hb(root, Some(&url), c);
        assert_eq!(code, 0, "{c:?}: {err}");
        // The state files differ only in when they were written.
        let strip = |s: &str| {
            let mut v = json(s);
            scrub(&mut v);
            v
        };
        same(
            c,
            &strip(&on_cluster).to_string(),
            &strip(&embedded).to_string(),
        );
    }
    let rows = json(&hb(root, Some(&url), &["hunt", sb, "--format", "json"]).1);
    let hosts: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Computer"].as_str().unwrap())
        .collect();
    assert!(!hosts.contains(&"MGMT01.corp.local"), "{hosts:?}");
    assert!(hosts.contains(&"WS-FIN-07.corp.local"), "{hosts:?}");
    // The store's state lives in a private folder of the data dir, not beside an index.
    let state = root.join("data/stores");
    let dirs: Vec<_> = std::fs::read_dir(&state).unwrap().flatten().collect();
    assert_eq!(dirs.len(), 1);
    assert!(dirs[0].path().join("exclusions.toml").is_file());
    assert!(dirs[0].path().join("triage.toml").is_file());
}

/// The two answers are the same text; else the first line where they part.
fn same(what: &[&str], got: &str, want: &str) {
    if got == want {
        return;
    }
    let line = got
        .lines()
        .zip(want.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(got.lines().count().min(want.lines().count()));
    let at = |t: &str| {
        t.lines()
            .nth(line)
            .unwrap_or("(end)")
            .chars()
            .take(300)
            .collect::<String>()
    };
    panic!(
        "{what:?} differs on the cluster at line {}:\n  cluster:  {}\n  embedded: {}",
        line + 1,
        at(got),
        at(want)
    );
}

/// Remove the times the state files record (when a mark or an exclusion was made).
fn scrub(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in ["created", "marked", "updated", "at", "since"] {
                m.remove(k);
            }
            m.values_mut().for_each(scrub);
        }
        Value::Array(a) => a.iter_mut().for_each(scrub),
        _ => {}
    }
}

#[test]
fn a_store_that_does_not_exist_is_an_error_naming_it_and_creates_nothing() {
    let Some(cluster) = Cluster::find("a_store_that_does_not_exist") else {
        return;
    };
    let db = Cluster::fresh_db("none");
    let url = cluster.url(&db);
    let tmp = tempfile::tempdir().unwrap();
    for c in [
        &["hunt"][..],
        &["stats"],
        &["search", "x"],
        &["exclusions", "list"],
    ] {
        let (code, out, err) = hb(tmp.path(), Some(&url), c);
        assert_eq!(code, 2, "{c:?}: {out}");
        assert!(err.contains("no huntbench store at clickhouse://"), "{err}");
        assert!(out.is_empty(), "{c:?} printed {out}");
    }
    let dbs = cluster.post("SELECT name FROM system.databases").unwrap();
    assert!(!dbs.lines().any(|l| l == db), "{db} was created");
    // A port where no ClickHouse listens names it.
    let (code, _, err) = hb(tmp.path(), Some("clickhouse://127.0.0.1:9/x"), &["hunt"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("ClickHouse at 127.0.0.1:9 cannot be reached"),
        "{err}"
    );
}

/// A saved query the store was not tagged for runs as an exact scan; SQL narrows it to a
/// superset, and text whose case SQL folds differently (the Kelvin sign, dotted İ) is still
/// found, as Splunk's folding finds it.
#[test]
fn an_untagged_query_and_unicode_folding_give_the_embedded_rows() {
    let Some(cluster) = Cluster::find("an_untagged_query_and_unicode_folding") else {
        return;
    };
    let db = Db(&cluster, Cluster::fresh_db("fold"));
    let url = cluster.url(&db.1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (xml, _, _) = write_both_renderings(&root.join("corpus"));
    // Blocks a byte-wise or per-code-point fold would miss or misplace.
    let base = huntbench::event::Event {
        time: 1_773_100_000_000_000,
        event_code: 4104,
        channel: "Microsoft-Windows-PowerShell/Operational".into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: "WS-UNI-01.corp.local".into(),
        user_id: Some("S-1-5-21-1-2-3-1500".into()),
        message_number: Some(1),
        message_total: Some(1),
        ..Default::default()
    };
    let texts = [
        "Invo\u{212A}e-Command -ComputerName SRV-K { hostname }",
        "INVOKE-COMMAND -COMPUTERNAME SRV-Ü { whoami }",
        "İnvoke-Command -ComputerName SRV-I { ipconfig }",
        "Invoke-Command -ComputerName SRV-PLAIN { Get-Date }",
    ];
    let odd: Vec<huntbench::event::Event> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| huntbench::event::Event {
            time: base.time + i as i64 * 1_000_000,
            record_id: Some(900_000 + i as u64),
            script_block_text: Some(t.to_string()),
            script_block_id: Some(format!("{{00000000-0000-0000-0000-00000000000{i}}}")),
            ..base.clone()
        })
        .collect();
    let odd_file = root.join("corpus/unicode.log");
    demo::write_xml_lines(&odd, &mut std::fs::File::create(&odd_file).unwrap()).unwrap();
    // One file per run: within one run files are read in parallel, and which event of
    // several teaching a SID's name carries the tag (its `user_source`) is the first read.
    for store in [None, Some(url.as_str())] {
        for file in [&xml, &odd_file] {
            let (code, _, err) = hb(root, store, &["ingest", file.to_str().unwrap()]);
            assert_eq!(code, 0, "{err}");
        }
    }
    // Defined after the ingest: no tags for it, so both stores scan.
    let analytics = root.join("config/analytics");
    std::fs::create_dir_all(&analytics).unwrap();
    std::fs::write(
        analytics.join("probe.toml"),
        r#"id = "late_probe"
name = "A query defined after ingest"
label = "late probe"
description = "Invoke-Command to another host, grouped by host and user only."
kind = "parity"
missing = "drop"
by = ["Computer", "user_id"]
columns = ["Computer", "user_id", "count", "firstTime", "lastTime"]
[[selection.sources]]
channel = "Microsoft-Windows-PowerShell/Operational"
event_codes = [4104]
[[predicates]]
field = "ScriptBlockText"
pattern = "*invoke-command*"
[[predicates]]
field = "ScriptBlockText"
pattern = "*-computername*"
"#,
    )
    .unwrap();
    // No commit recorded a fingerprint for it: both stores must scan (Workbench::access).
    let late = json(
        &hb(
            root,
            Some(&url),
            &["hunt", "late_probe", "--format", "json"],
        )
        .1,
    );
    let hosts: Vec<&str> = late
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Computer"].as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"WS-UNI-01.corp.local"), "{hosts:?}");
    assert!(hosts.contains(&"WS-FIN-07.corp.local"), "{hosts:?}");
    for c in [
        vec!["hunt", "late_probe", "--format", "json"],
        vec!["hunt", "--format", "json"],
        vec![
            "search",
            r#"ScriptBlockText="*invoke-command*""#,
            "--format",
            "json",
        ],
        vec![
            "search",
            "computer:ws-uni-01.corp.local",
            "--format",
            "json",
        ],
    ] {
        let (_, embedded, _) = hb(root, None, &c);
        let (code, on_cluster, err) = hb(root, Some(&url), &c);
        assert_eq!(code, 0, "{c:?}: {err}");
        same(&c, &on_cluster, &embedded);
    }
    // The Kelvin-sign block is a row (Splunk folds K to k); the dotted İ block is not
    // (it folds to i + a combining dot, so "invoke" is not in it); the others are.
    let rows = json(
        &hb(
            root,
            Some(&url),
            &[
                "search",
                r#"computer:ws-uni-01.corp.local ScriptBlockText="*invoke-command*""#,
                "--format",
                "json",
            ],
        )
        .1,
    );
    let found: Vec<&str> = rows["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["script_block_text"].as_str().unwrap())
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().any(|t| t.contains('\u{212A}')), "{found:?}");
    assert!(!found.iter().any(|t| t.contains('İ')), "{found:?}");
}

/// Bad input is reported as the embedded index reports it, and the good records of the file
/// are kept; a store of another schema version is refused, naming both versions.
#[test]
fn bad_input_is_reported_alike_and_a_foreign_schema_is_refused() {
    let Some(cluster) = Cluster::find("bad_input_is_reported_alike") else {
        return;
    };
    let db = Db(&cluster, Cluster::fresh_db("bad"));
    let url = cluster.url(&db.1);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (_, json_file, n) = write_both_renderings(&root.join("corpus"));
    // Two broken records among the good ones.
    let text = std::fs::read_to_string(&json_file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(10, "{\"Event\": {\"System\": ");
    lines.insert(20, "not json at all");
    let bad = root.join("corpus/broken.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let mut answers = Vec::new();
    for store in [None, Some(url.as_str())] {
        let (code, out, err) = hb(
            root,
            store,
            &["ingest", "--format", "json", bad.to_str().unwrap()],
        );
        let v = json(&out);
        answers.push((
            code,
            v["indexed"].clone(),
            v["rejected"].clone(),
            v["errors"].clone(),
            err,
        ));
    }
    assert_eq!(answers[0].1, n as u64, "the good records are kept");
    assert_eq!(answers[0].2, 2);
    assert_eq!(answers[1].0, answers[0].0, "the same exit status");
    assert_eq!(answers[1].1, answers[0].1);
    assert_eq!(answers[1].2, answers[0].2);
    assert_eq!(
        answers[1].3, answers[0].3,
        "the same errors, naming file and line"
    );
    assert!(
        answers[1].3.to_string().contains("broken.jsonl"),
        "{}",
        answers[1].3
    );

    // A newer huntbench wrote this store: this one refuses it rather than misread it.
    let meta = r#"{"key":"meta","value":"{\"schema\":99}","version":18446744073709551000}"#;
    for (h, p) in cluster.servers() {
        store_support::post(
            &h,
            p,
            &format!(
                "INSERT INTO {}.huntbench_meta FORMAT JSONEachRow {meta}",
                db.1
            ),
        )
        .unwrap();
    }
    let (code, out, err) = hb(root, Some(&url), &["hunt"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("schema version 99") && err.contains("needs version 1"),
        "{err}"
    );
}
