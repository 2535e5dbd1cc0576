//! SEMANTICS.md §3: Splunk `stats` (drop) and `tstats` (fill `null`) grouping of matched events.

use huntbench::analytics::{MissingPolicy, SavedQuery, builtin_queries, group, group_by, hunt};
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::time::parse_timestamp;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";
const ICM: &str = "Invoke-Command -ComputerName srv01 { whoami }";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn t(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

fn sb(rid: u64, time: &str, host: &str, user: Option<&str>, text: &str) -> Event {
    Event {
        time: t(time),
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: host.into(),
        record_id: Some(rid),
        user_id: user.map(String::from),
        script_block_text: Some(text.into()),
        script_block_id: Some(format!("block-{rid}")),
        ..Default::default()
    }
}

#[test]
fn repeated_text_is_one_row_with_count_and_first_last() {
    let q = query(SB);
    let evs = [
        sb(3, "2024-10-21T11:35:00.9Z", "ws01", Some("S-1-5-21-1"), ICM),
        sb(1, "2024-10-21T11:31:57.6Z", "ws01", Some("S-1-5-21-1"), ICM),
        sb(2, "2024-10-21T11:33:00Z", "ws01", Some("S-1-5-21-1"), ICM),
        // Same text, other host: its own row.
        sb(4, "2024-10-21T11:30:00Z", "ws02", Some("S-1-5-21-1"), ICM),
    ];
    let refs: Vec<&Event> = evs.iter().collect();
    let (groups, dropped) = group(&q, &refs);
    assert!(dropped.is_empty());
    assert_eq!(groups.len(), 2);
    let g = &groups[0];
    assert_eq!(g.analytic, SB);
    assert_eq!(g.key, ["4104", ICM, "ws01", "S-1-5-21-1"]);
    assert_eq!(g.count, 3);
    assert_eq!(g.first, t("2024-10-21T11:31:57.6Z"));
    assert_eq!(g.last, t("2024-10-21T11:35:00.9Z"));
    assert_eq!(
        g.events,
        [evs[1].uid(), evs[2].uid(), evs[0].uid()],
        "time order"
    );
    assert_eq!(groups[1].key[2], "ws02");
    assert_eq!(groups[1].count, 1);
    assert_eq!(groups[1].first, groups[1].last);
}

#[test]
fn missing_or_empty_user_id_is_dropped_and_reported() {
    let q = query(SB);
    let evs = [
        sb(1, "2024-10-21T11:31:57Z", "ws01", None, ICM),
        sb(2, "2024-10-21T11:32:57Z", "ws01", Some(""), ICM),
        sb(3, "2024-10-21T11:33:57Z", "ws01", Some("S-1-5-18"), ICM),
    ];
    let refs: Vec<&Event> = evs.iter().collect();
    let (groups, dropped) = group(&q, &refs);
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].count, 1);
    assert_eq!(groups[0].key[3], "S-1-5-18");
    assert_eq!(dropped.len(), 2);
    assert_eq!(dropped[0].uid, evs[0].uid());
    assert_eq!(dropped[1].uid, evs[1].uid());
    assert!(
        dropped
            .iter()
            .all(|d| d.reason == "missing by-field user_id"),
        "{dropped:?}"
    );
}

#[test]
fn duplicates_by_uid_count_once_and_rows_sort_by_key() {
    let q = query(SB);
    let a = sb(1, "2024-10-21T11:31:57Z", "ws02", Some("S-1"), ICM);
    let mut a_again = a.clone();
    a_again.source = "other-file.json:9".into();
    let b = sb(2, "2024-10-21T11:31:58Z", "WS01", Some("S-1"), ICM);
    let c = sb(3, "2024-10-21T11:31:59Z", "ws01", Some("S-1"), ICM);
    let d = sb(
        4,
        "2024-10-21T11:32:00Z",
        "ws01",
        Some("S-1"),
        "Invoke-Command -ComputerName a",
    );
    let (groups, _) = group(&q, &[&a, &a_again, &c, &d, &b]);
    let keys: Vec<(&str, &str)> = groups
        .iter()
        .map(|g| (g.key[1].as_str(), g.key[2].as_str()))
        .collect();
    // Lexicographic by EventCode, ScriptBlockText, Computer, user_id (byte order: "WS01" < "ws01").
    assert_eq!(
        keys,
        [
            ("Invoke-Command -ComputerName a", "ws01"),
            (ICM, "WS01"),
            (ICM, "ws01"),
            (ICM, "ws02"),
        ]
    );
    assert_eq!(groups[3].count, 1, "the same record read twice counts once");
}

fn proc4688(rid: u64, time: &str) -> Event {
    Event {
        time: t(time),
        event_code: 4688,
        channel: CHANNEL_SECURITY.into(),
        computer: "ws01.corp.local".into(),
        record_id: Some(rid),
        user: Some("CORP\\alice".into()),
        process: Some(format!("powershell.exe {ICM}")),
        process_name: Some("powershell.exe".into()),
        process_path: Some("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe".into()),
        process_id: Some("0xf84".into()),
        parent_process_name: Some("cmd.exe".into()),
        parent_process_id: Some("0x1a2c".into()),
        ..Default::default()
    }
}

#[test]
fn tstats_fills_null_and_keeps_hex_ids() {
    let q = query(PROC);
    let full = proc4688(1, "2024-10-21T11:31:57Z");
    let mut bare = proc4688(2, "2024-10-21T11:32:57Z");
    bare.user = None;
    bare.parent_process_name = Some(String::new());
    bare.parent_process_id = None;
    let (groups, dropped) = group(&q, &[&full, &bare]);
    assert!(dropped.is_empty(), "tstats keeps every event");
    assert_eq!(groups.len(), 2);
    let cmd = format!("powershell.exe {ICM}");
    assert_eq!(
        groups[0].key,
        [
            "ws01.corp.local",
            "CORP\\alice",
            "cmd.exe",
            "powershell.exe",
            cmd.as_str(),
            "0xf84",
            "0x1a2c"
        ]
    );
    assert_eq!(
        groups[1].key,
        [
            "ws01.corp.local",
            "null",
            "null",
            "powershell.exe",
            cmd.as_str(),
            "0xf84",
            "null"
        ]
    );
}

#[test]
fn hunt_matches_then_groups() {
    let q = query(PROC);
    let hit = proc4688(1, "2024-10-21T11:31:57Z");
    let mut sysmon = proc4688(2, "2024-10-21T11:31:58Z");
    sysmon.channel = CHANNEL_SYSMON.into();
    sysmon.event_code = 1;
    sysmon.process_id = Some("3972".into());
    let mut cmd = proc4688(3, "2024-10-21T11:31:59Z");
    cmd.process_name = Some("cmd.exe".into());
    let script = sb(4, "2024-10-21T11:31:59Z", "ws01", Some("S-1"), ICM);
    let r = hunt(&q, &[&hit, &sysmon, &cmd, &script]);
    assert_eq!(r.groups.len(), 2);
    let pids: Vec<&str> = r.groups.iter().map(|g| g.key[5].as_str()).collect();
    assert_eq!(pids, ["0xf84", "3972"]);
    assert_eq!(r.rows(), 2);
    assert_eq!(r.events(), 2);
    assert!(r.suppressed.is_empty());
}

#[test]
fn pivots_group_by_any_fields() {
    let evs = [
        sb(1, "2024-10-21T11:00:00Z", "ws01", Some("S-1"), ICM),
        sb(2, "2024-10-21T12:00:00Z", "ws01", Some("S-2"), "x"),
        sb(3, "2024-10-21T13:00:00Z", "ws02", Some("S-1"), ICM),
        sb(4, "2024-10-21T14:00:00Z", "ws02", None, ICM),
    ];
    let refs: Vec<&Event> = evs.iter().collect();
    let hosts = group_by("pivot", &["Computer"], MissingPolicy::Drop, &refs);
    let h: Vec<(&str, u64)> = hosts.iter().map(|g| (g.key[0].as_str(), g.count)).collect();
    assert_eq!(h, [("ws01", 2), ("ws02", 2)]);
    assert_eq!(hosts[1].first, t("2024-10-21T13:00:00Z"));
    assert_eq!(hosts[1].last, t("2024-10-21T14:00:00Z"));
    let hu = group_by(
        "pivot",
        &["Computer", "user_id"],
        MissingPolicy::Drop,
        &refs,
    );
    let k: Vec<Vec<String>> = hu.iter().map(|g| g.key.clone()).collect();
    assert_eq!(
        k,
        [["ws01", "S-1"], ["ws01", "S-2"], ["ws02", "S-1"]].map(|a| a.map(String::from).to_vec())
    );
    let filled = group_by("pivot", &["user_id"], MissingPolicy::FillNull, &refs);
    let f: Vec<(&str, u64)> = filled
        .iter()
        .map(|g| (g.key[0].as_str(), g.count))
        .collect();
    assert_eq!(f, [("S-1", 2), ("S-2", 1), ("null", 1)]);
    assert!(filled.iter().all(|g| g.analytic == "pivot"));
}
