//! `huntbench search` as users script it: true totals, JSON with hunt's times, a table that
//! shows each event's text, and refusals that say why.

mod cli_support;

use std::collections::BTreeMap;

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, Event};
use huntbench::time::parse_timestamp;
use serde_json::Value;

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    /// An index holding three script blocks, a logon and a classic 800 event.
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let t = parse_timestamp("2024-10-21T11:30:15.123456Z").unwrap();
        let sb = |n: u64, text: &str| Event {
            time: t + n as i64 * 60_000_000,
            event_code: 4104,
            channel: CHANNEL_POWERSHELL.into(),
            provider: "Microsoft-Windows-PowerShell".into(),
            computer: "WS-FIN-07.corp.local".into(),
            record_id: Some(n),
            user_id: Some("S-1-5-21-1-2-3-1104".into()),
            script_block_text: Some(text.into()),
            script_block_id: Some(format!("{{0000000{n}-0000-0000-0000-000000000000}}")),
            message_number: Some(1),
            message_total: Some(1),
            data: BTreeMap::from([("ScriptBlockText".to_string(), text.to_string())]),
            ..Default::default()
        };
        let logon = Event {
            time: t + 10 * 60_000_000,
            event_code: 4624,
            channel: CHANNEL_SECURITY.into(),
            provider: "Microsoft-Windows-Security-Auditing".into(),
            computer: "DC01.corp.local".into(),
            record_id: Some(10),
            data: BTreeMap::from([
                ("LogonType".to_string(), "3".to_string()),
                ("TargetUserName".to_string(), "j.miller".to_string()),
            ]),
            ..Default::default()
        };
        let classic = Event {
            time: t,
            event_code: 800,
            channel: "Windows PowerShell".into(),
            provider: "PowerShell".into(),
            computer: "WS-FIN-07.corp.local".into(),
            record_id: Some(20),
            data: BTreeMap::from([
                (
                    "Data_1".to_string(),
                    "Invoke-Command -ComputerName srv01 { whoami }".to_string(),
                ),
                ("Data_2".to_string(), "HostName=ConsoleHost".to_string()),
            ]),
            ..Default::default()
        };
        let events = [
            sb(1, "Invoke-Command -ComputerName SRV01 { whoami }"),
            sb(2, "Get-Process"),
            sb(3, "Get-ChildItem C:\\Users"),
            logon,
            classic,
        ];
        let file = tmp.path().join("events.log");
        huntbench::demo::write_xml_lines(&events, &mut std::fs::File::create(&file).unwrap())
            .unwrap();
        let env = Env { tmp };
        env.ok(&["ingest", file.to_str().unwrap()], None);
        env
    }

    fn run(&self, args: &[&str], columns: Option<&str>) -> (i32, String, String) {
        let (code, out, err) = cli_support::run(self.tmp.path(), args, columns);
        (code, String::from_utf8_lossy(&out).into_owned(), err)
    }

    fn ok(&self, args: &[&str], columns: Option<&str>) -> String {
        let (code, out, err) = self.run(args, columns);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(args, None);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }
}

#[test]
fn json_carries_the_total_and_hunts_times() {
    let env = Env::new();
    let v = env.json(&[
        "search",
        "event_code:4104",
        "--limit",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(
        (v["total"].as_u64(), v["shown"].as_u64()),
        (Some(3), Some(2))
    );
    let events = v["events"].as_array().unwrap();
    let ids: Vec<u64> = events
        .iter()
        .map(|e| e["record_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [3, 2]);
    assert_eq!(events[0]["time"], "2024-10-21T11:33:15");
    assert_eq!(
        events[0]["time_us"].as_i64(),
        Some(parse_timestamp("2024-10-21T11:33:15.123456Z").unwrap())
    );
    let v = env.json(&[
        "search",
        r#"event_code:800 AND Message="*Invoke-Command*""#,
        "--format",
        "json",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(v["total"], 1);
    assert_eq!(v["events"][0]["record_id"], 20);
    assert_eq!(
        v["events"][0]["time"], "2024-10-21T13:30:15",
        "--tz as in hunt"
    );
}

#[test]
fn the_table_says_how_many_match_and_shows_each_events_text() {
    let env = Env::new();
    let out = env.ok(&["search", "event_code:4104", "--limit", "1"], None);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "3 match, 1 shown");
    // The shared table: header, rule, one row.
    assert_eq!(lines.len(), 3 + 1, "{out}");
    assert!(lines[3].contains("Get-ChildItem C:\\Users"), "{out}");

    let out = env.ok(&["search", "NOT event_code:4104"], Some("80"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "2 match, 2 shown");
    for l in &lines {
        assert!(l.chars().count() <= 80, "wider than 80: {l:?}");
    }
    // Newest first; the logon shows its EventData, the 800 its command line; the text gives
    // way, times, codes and hosts stay whole.
    assert_eq!(
        lines[1..],
        [
            "time                 code  computer              user  text",
            "────────────────────────────────────────────────────────────────────────────────",
            "2024-10-21T11:40:15  4624  DC01.corp.local       -     TargetUserName=j.miller …",
            "2024-10-21T11:30:15   800  WS-FIN-07.corp.local  -     Invoke-Command -Computer…",
        ],
        "{out}"
    );
    let out = env.ok(&["search", "event_code:800"], Some("60"));
    for l in out.lines() {
        assert!(l.chars().count() <= 60, "wider than 60: {l:?}");
    }
    assert!(out.contains("Invoke-Comm"), "{out}");
    let out = env.ok(&["search", "event_code:9999"], None);
    assert_eq!(out.lines().next(), Some("0 match, 0 shown"));
}

#[test]
fn refusals_say_why_and_exit_non_zero() {
    let env = Env::new();
    let (code, out, err) = env.run(&["search", "script_block_text:*invoke*"], None);
    assert_ne!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains(r#"script_block_text="*invoke*""#), "{err}");
    let (code, _, err) = env.run(&["search", "hostname:ws01"], None);
    assert_ne!(code, 0);
    assert!(err.contains("unknown field `hostname`"), "{err}");
    assert!(err.contains("computer"), "{err}");
}

#[test]
fn anchor_last_event_and_a_bare_date_as_the_latest() {
    let env = Env::new();
    let total = |args: &[&str]| {
        let mut all = vec!["search", "event_code:4104", "--format", "json"];
        all.extend_from_slice(args);
        env.json(&all)["total"].as_u64().unwrap()
    };
    // The newest event is the 4624 at 11:40:15.123456: nine minutes back from just after it
    // leaves out the script block at 11:31:15.123456 and keeps the two after it.
    assert_eq!(total(&["--earliest", "-9m", "--anchor", "last-event"]), 2);
    assert_eq!(total(&["--earliest", "-10m", "--anchor", "last-event"]), 3);
    // The CLI's default anchor is now: 2024 is long gone.
    assert_eq!(total(&["--earliest", "-9m"]), 0);
    assert_eq!(total(&["--earliest", "-9m", "--anchor", "now"]), 0);
    // `--latest DATE` keeps that whole day; `--earliest DATE` starts at its start.
    assert_eq!(total(&["--latest", "2024-10-21"]), 3);
    assert_eq!(
        total(&["--earliest", "2024-10-21", "--latest", "2024-10-21"]),
        3
    );
    assert_eq!(total(&["--latest", "2024-10-20"]), 0);
    assert_eq!(total(&["--earliest", "2024-10-22"]), 0);
    // In the --tz zone: Kiritimati's 2024-10-21 (UTC+14) ended at 10:00 UTC.
    assert_eq!(
        total(&["--latest", "2024-10-21", "--tz", "Pacific/Kiritimati"]),
        0
    );
    let (code, _, err) = env.run(&["search", "x", "--anchor", "yesterday"], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("last-event"), "{err}");
}

#[test]
fn a_time_range_open_at_both_ends_means_every_event() {
    let env = Env::new();
    for q in ["time:[* TO *]", "event_code:4104 time:[* TO *]"] {
        let v = env.json(&["search", q, "--format", "json"]);
        let want = if q.starts_with("event_code") { 3 } else { 5 };
        assert_eq!(v["total"], want, "{q}");
    }
}
