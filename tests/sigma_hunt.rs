//! Sigma rules as saved queries, end to end through the binary: `rules`, `hunt --input`,
//! `ingest` + `hunt` (tags, then a changed rule set answered by scan), exclusions and their
//! export, the config file's `sigma` list. Every rule here is written by the test.

mod cli_support;
mod sigma_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cli_support::run;
use serde_json::Value;
use sigma_support::*;

struct Case {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    rules: PathBuf,
    log: PathBuf,
}

fn case() -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let rules = root.join("rules");
    write_rules(&rules);
    let log = root.join("events.log");
    huntbench::demo::write_xml_lines(events(), &mut std::fs::File::create(&log).unwrap()).unwrap();
    Case {
        _tmp: tmp,
        root,
        rules,
        log,
    }
}

fn ok(root: &Path, args: &[&str]) -> (Vec<u8>, String) {
    let (code, out, err) = run(root, args, None);
    assert_eq!(code, 0, "huntbench {args:?} failed: {err}");
    (out, err)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// The Sigma rows of a hunt, as (rule, Computer, user, count, firstTime, lastTime), sorted.
fn sigma_rows(v: &Value) -> Vec<(String, String, String, u64, String, String)> {
    let mut rows: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("level").is_some())
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (
                s("analytic"),
                s("Computer"),
                s("user"),
                r["count"].as_u64().unwrap(),
                s("firstTime"),
                s("lastTime"),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn expected_rows() -> Vec<(String, String, String, u64, String, String)> {
    let r = |a: &str, c: &str, u: &str, n: u64, f: &str, l: &str| {
        (
            a.to_string(),
            c.to_string(),
            u.to_string(),
            n,
            f.to_string(),
            l.to_string(),
        )
    };
    let mut v = vec![
        r(
            R_PROC,
            "WS1.corp.local",
            "CORP\\alice",
            2,
            "2026-01-01T00:00:10",
            "2026-01-01T00:01:10",
        ),
        r(
            R_PROC,
            "WS2.corp.local",
            "CORP\\bob",
            1,
            "2026-01-01T00:02:10",
            "2026-01-01T00:02:10",
        ),
        r(
            R_SCRIPT,
            "WS1.corp.local",
            "S-1-5-21-1-2-3-1104",
            1,
            "2026-01-01T00:05:00",
            "2026-01-01T00:05:00",
        ),
        // The account logged on (the target), as DOMAIN\name.
        r(
            R_LOGON,
            "DC1.corp.local",
            "CORP\\alice",
            1,
            "2026-01-01T00:00:15",
            "2026-01-01T00:00:15",
        ),
    ];
    v.sort();
    v
}

#[test]
fn rules_lists_every_file_with_level_status_and_the_reason_a_rule_is_not_run() {
    let c = case();
    let dir = c.rules.to_str().unwrap();
    let (out, err) = ok(&c.root, &["rules", "--sigma", dir, "--format", "json"]);
    let v = json(&out);
    let by_id: BTreeMap<&str, &Value> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r))
        .collect();
    assert_eq!(by_id.len(), 5, "{v}");
    assert_eq!(by_id[R_PROC]["level"], "high");
    assert_eq!(by_id[R_PROC]["status"], "test");
    assert_eq!(
        by_id[R_PROC]["title"],
        "Remote command through Invoke-Command"
    );
    assert!(by_id[R_PROC]["reason"].is_null());
    assert!(by_id[R_SCRIPT]["reason"].is_null());
    assert_eq!(by_id[R_SCRIPT]["level"], "critical");
    assert!(by_id[R_LOGON]["reason"].is_null());
    let bad = by_id[R_BAD_MOD]["reason"].as_str().unwrap();
    assert!(bad.contains("sideways"), "{bad}");
    let agg = by_id[R_AGG]["reason"].as_str().unwrap();
    assert!(
        agg.to_lowercase().contains("aggregation") || agg.contains("count"),
        "{agg}"
    );
    assert!(err.contains("5 rule file(s): 3 evaluated, 2 not"), "{err}");

    // No folder named anywhere: an error, never an empty list.
    let (code, out, err) = run(&c.root, &["rules"], None);
    assert_ne!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("--sigma"), "{err}");
    // A folder that is not there: named in the error.
    let missing = c.root.join("no-such-rules");
    let (code, _, err) = run(
        &c.root,
        &["rules", "--sigma", missing.to_str().unwrap()],
        None,
    );
    assert_ne!(code, 0);
    assert!(err.contains("no-such-rules"), "{err}");
}

#[test]
fn hunt_input_streams_the_rules_in_one_pass_with_title_level_host_user_and_times() {
    let c = case();
    let (out, err) = ok(
        &c.root,
        &[
            "hunt",
            "--sigma",
            c.rules.to_str().unwrap(),
            "--input",
            c.log.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let v = json(&out);
    assert_eq!(sigma_rows(&v), expected_rows(), "{v}");
    let first = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["analytic"] == R_SCRIPT)
        .unwrap();
    assert_eq!(first["title"], "Mimikatz in a script block");
    assert_eq!(first["level"], "critical");
    assert!(
        err.contains("2 of 5 Sigma rule file(s) not evaluated"),
        "{err}"
    );
}

#[test]
fn ingest_tags_the_rules_and_a_changed_rule_set_falls_back_to_a_scan_and_says_so() {
    let c = case();
    let rules = c.rules.to_str().unwrap();
    ok(
        &c.root,
        &["ingest", "--sigma", rules, c.log.to_str().unwrap()],
    );
    let (out, err) = ok(&c.root, &["hunt", "--sigma", rules, "--format", "json"]);
    assert_eq!(sigma_rows(&json(&out)), expected_rows());
    assert!(!err.contains("exact scan"), "tags are current: {err}");
    // Built-in analytics still run beside the rules (the ESCU process analytic fires too).
    let v = json(&out);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["analytic"] == "remote_process_instantiation_via_winrm_and_powershell"),
        "{v}"
    );

    // The rule now also wants a -ScriptBlock: the index's tags are stale for it.
    std::fs::write(
        c.rules.join("proc.yml"),
        proc_rule("\n            - '-ScriptBlock'"),
    )
    .unwrap();
    let (out, err) = ok(&c.root, &["hunt", "--sigma", rules, "--format", "json"]);
    assert!(err.contains("1 Sigma rule(s) were not evaluated"), "{err}");
    let mut want = expected_rows();
    want.retain(|r| !(r.0 == R_PROC && r.1 == "WS1.corp.local"));
    // WS1's second command has no -ScriptBlock; its first does.
    want.push((
        R_PROC.into(),
        "WS1.corp.local".into(),
        "CORP\\alice".into(),
        1,
        "2026-01-01T00:00:10".into(),
        "2026-01-01T00:00:10".into(),
    ));
    want.retain(|r| !(r.0 == R_PROC && r.1 == "WS2.corp.local"));
    want.sort();
    assert_eq!(sigma_rows(&json(&out)), want);

    // Without --sigma (and no config list) no rule runs.
    let (out, _) = ok(&c.root, &["hunt", "--format", "json"]);
    assert!(sigma_rows(&json(&out)).is_empty());
}

#[test]
fn exclusions_on_a_rule_suppress_its_rows_and_export_as_a_sigma_filter_naming_it() {
    let c = case();
    let rules = c.rules.to_str().unwrap();
    ok(
        &c.root,
        &["ingest", "--sigma", rules, c.log.to_str().unwrap()],
    );
    ok(
        &c.root,
        &[
            "exclusions",
            "add",
            "--sigma",
            rules,
            R_PROC,
            "Computer",
            "WS2.corp.local",
            "--note",
            "admin jump host",
        ],
    );
    let (out, _) = ok(
        &c.root,
        &["hunt", "--sigma", rules, R_PROC, "--format", "json"],
    );
    let rows = sigma_rows(&json(&out));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "WS1.corp.local");

    let (out, _) = ok(
        &c.root,
        &[
            "exclusions",
            "export",
            "--sigma",
            rules,
            R_PROC,
            "--sigma-filter",
        ],
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!("filter:\n    rules:\n        - {R_PROC}\n")),
        "{text}"
    );
    assert!(text.contains("category: process_creation"), "{text}");
    assert!(text.contains("Computer:"), "{text}");
    assert!(text.contains("\"WS2.corp.local\""), "{text}");
    assert!(text.contains("condition: not filter_x"), "{text}");

    // No Splunk conversion of a Sigma rule is held: refused, nothing written.
    let (code, out, err) = run(
        &c.root,
        &["exclusions", "export", "--sigma", rules, R_PROC, "--splunk"],
        None,
    );
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("--sigma-filter"), "{err}");
}

#[test]
fn the_config_files_sigma_list_names_the_rules_when_no_flag_does() {
    let c = case();
    std::fs::create_dir_all(c.root.join("config")).unwrap();
    std::fs::write(
        c.root.join("config/config.toml"),
        "sigma = [\"../rules\"]\n",
    )
    .unwrap();
    let (out, _) = ok(
        &c.root,
        &[
            "hunt",
            "--input",
            c.log.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(sigma_rows(&json(&out)), expected_rows());
    // A broken config file names itself and the line.
    std::fs::write(c.root.join("config/config.toml"), "sigma = 3\n").unwrap();
    let (code, _, err) = run(&c.root, &["rules"], None);
    assert_ne!(code, 0);
    assert!(err.contains("config.toml:1"), "{err}");
}

#[test]
fn table_output_lists_fired_rules_with_their_level_and_counts_the_silent_ones() {
    let c = case();
    let (out, _) = ok(
        &c.root,
        &[
            "hunt",
            "--sigma",
            c.rules.to_str().unwrap(),
            R_PROC,
            R_SCRIPT,
            R_LOGON,
            "--input",
            c.log.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!(
            "== Remote command through Invoke-Command ({R_PROC}) [sigma high] =="
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "== Mimikatz in a script block ({R_SCRIPT}) [sigma critical] =="
        )),
        "{text}"
    );
    assert!(!text.contains("Sigma rule(s) without a match"), "{text}");
}

#[test]
fn a_rule_that_matched_nothing_is_counted_not_tabled() {
    let c = case();
    std::fs::write(
        c.rules.join("quiet.yml"),
        "title: A connection nobody made\nid: 0c2a6f1e-0000-4000-8000-000000000009\nlevel: medium\n\
         logsource:\n    category: network_connection\n    product: windows\n\
         detection:\n    selection:\n        DestinationPort: 4444\n    condition: selection\n",
    )
    .unwrap();
    let (out, _) = ok(
        &c.root,
        &[
            "hunt",
            "--sigma",
            c.rules.to_str().unwrap(),
            "--input",
            c.log.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("1 Sigma rule(s) without a match"), "{text}");
    assert!(!text.contains("A connection nobody made"), "{text}");
    assert!(text.contains("[sigma low]"), "{text}");
}

#[test]
fn a_time_range_triage_and_the_case_report_work_on_a_rules_rows() {
    let c = case();
    let rules = c.rules.to_str().unwrap();
    ok(
        &c.root,
        &["ingest", "--sigma", rules, c.log.to_str().unwrap()],
    );

    // A time range narrows a rule's rows as it does the built-ins': WS1's second event and
    // WS2's only one fall in [00:01, 00:03); the script block (00:05) and logon (00:00:15)
    // do not.
    let (out, _) = ok(
        &c.root,
        &[
            "hunt",
            "--sigma",
            rules,
            "--format",
            "json",
            "--earliest",
            "2026-01-01T00:01:00Z",
            "--latest",
            "2026-01-01T00:03:00Z",
        ],
    );
    let rows = sigma_rows(&json(&out));
    let want = |c: &str, u: &str, t: &str| {
        (
            R_PROC.to_string(),
            c.to_string(),
            u.to_string(),
            1,
            t.to_string(),
            t.to_string(),
        )
    };
    assert_eq!(
        rows,
        vec![
            want("WS1.corp.local", "CORP\\alice", "2026-01-01T00:01:10"),
            want("WS2.corp.local", "CORP\\bob", "2026-01-01T00:02:10"),
        ]
    );

    // Triage marks a rule's row; the mark lists with the row as it is now.
    let (out, _) = ok(
        &c.root,
        &[
            "triage",
            "set",
            "--sigma",
            rules,
            R_PROC,
            "Computer",
            "WS2.corp.local",
            "--status",
            "malicious",
            "--note",
            "bob's box, not a jump host",
        ],
    );
    let set = String::from_utf8(out).unwrap();
    assert!(
        set.starts_with(&format!("marked 1 row(s) of {R_PROC} malicious ")),
        "{set}"
    );
    let (out, _) = ok(
        &c.root,
        &["triage", "list", "--sigma", rules, "--format", "json"],
    );
    let list = json(&out);
    let marks = list.as_array().unwrap();
    assert_eq!(marks.len(), 1, "{list}");
    let m = &marks[0];
    assert_eq!(m["analytic"], R_PROC);
    assert_eq!(m["key"]["Computer"], "WS2.corp.local");
    assert_eq!(m["key"]["user"], "CORP\\bob");
    assert_eq!(m["status"], "malicious");
    assert_eq!(m["note"], "bob's box, not a jump host");
    assert_eq!(
        (
            &m["now"]["count"],
            &m["now"]["firstTime"],
            m["gone"].as_bool()
        ),
        (
            &Value::from(1),
            &Value::from("2026-01-01T00:02:10"),
            Some(false)
        )
    );

    // The case report lists the mark under its rule's title and counts the rule's rows.
    let (out, _) = ok(&c.root, &["report", "--sigma", rules]);
    let report = String::from_utf8(out).unwrap();
    let marked = report
        .split("## Marked rows (triage)")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap_or_else(|| panic!("no triage section: {report}"));
    assert!(
        marked.contains(&format!(
            "#### t1 · Remote command through Invoke-Command ({})\n",
            R_PROC
        )),
        "{marked}"
    );
    for line in [
        "| status | malicious |",
        "| note | bob's box, not a jump host |",
        "| Computer | WS2.corp.local |",
        "| events now | 1 |",
        "| first event | 2026-01-01T00:02:10 |",
    ] {
        assert!(marked.contains(line), "{line}: {marked}");
    }
    assert!(
        report.contains(&format!(
            "| Remote command through Invoke-Command | {R_PROC} | Sigma rule | 2 | 3 | 0 | 0 |"
        )),
        "{report}"
    );
}
