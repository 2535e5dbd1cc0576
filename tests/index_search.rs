//! Query syntax over the normalized field names, the verify filter, time ranges and ordering.

use std::collections::BTreeMap;

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SYSMON, Event};
use huntbench::index::{Index, IndexError};
use huntbench::time::TimeRange;

const T0: i64 = 1_729_510_000_000_000;
const SEC: i64 = 1_000_000;

fn script(n: u64, computer: &str, text: &str) -> Event {
    Event {
        time: T0 + n as i64 * SEC,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: computer.into(),
        record_id: Some(n),
        user_id: Some("S-1-5-18".into()),
        script_block_text: Some(text.into()),
        ..Default::default()
    }
}

fn process(n: u64, computer: &str, user: &str, cmd: &str) -> Event {
    let mut data = BTreeMap::new();
    data.insert("CommandLine".to_string(), cmd.to_string());
    data.insert("TargetLogonId".to_string(), "0x3e7".to_string());
    Event {
        time: T0 + n as i64 * SEC,
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: computer.into(),
        record_id: Some(n),
        user: Some(user.into()),
        process: Some(cmd.into()),
        process_name: Some("powershell.exe".into()),
        parent_process_name: Some("WmiPrvSE.exe".into()),
        data,
        ..Default::default()
    }
}

/// Ten events; record ids equal their time offset in seconds.
fn corpus() -> (tempfile::TempDir, Index) {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(tmp.path()).unwrap();
    let mut w = index.writer().unwrap();
    let events = [
        script(
            1,
            "WS01",
            "Invoke-Command -ComputerName SRV01 -ScriptBlock { whoami }",
        ),
        script(2, "WS02", "Get-Process | Sort-Object CPU"),
        script(3, "ws01", "invoke-command -cn srv02 {hostname}"),
        script(4, "SRV01", "Write-Output 'Invoke-CommandX is not it'"),
        process(
            5,
            "WS01",
            r"CORP\alice",
            "powershell.exe -nop -c Enter-PSSession srv01",
        ),
        process(6, "SRV01", r"CORP\bob", "cmd.exe /c whoami"),
        script(
            7,
            "WS01.corp.local",
            "$s = New-PSSession srv03; Invoke-Command -Session $s {1}",
        ),
        process(8, "WS02", r"CORP\alice", "wsmprovhost.exe -Embedding"),
        script(
            9,
            "WS02",
            "Set-Item WSMan:\\localhost\\Client\\TrustedHosts *",
        ),
        script(10, "WS01", "Get-ChildItem"),
    ];
    for e in &events {
        w.add(e, &[]).unwrap();
    }
    w.commit(&BTreeMap::new()).unwrap();
    (tmp, index)
}

fn ids(index: &Index, q: &str) -> Vec<u64> {
    let hits = index.search(q, TimeRange::ALL, 100, None).unwrap();
    assert_eq!(hits.total as usize, hits.events.len(), "{q}");
    hits.events.iter().map(|e| e.record_id.unwrap()).collect()
}

#[test]
fn keyword_fields_match_case_insensitively_as_whole_values() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, "computer:ws01"), [10, 5, 3, 1]);
    assert_eq!(ids(&index, "computer:WS01.CORP.LOCAL"), [7]);
    assert_eq!(ids(&index, r#"user:"corp\\bob""#), [6]);
    assert_eq!(ids(&index, "parent_process_name:wmiprvse.exe"), [8, 6, 5]);
    assert_eq!(ids(&index, "user_id:s-1-5-18"), [10, 9, 7, 4, 3, 2, 1]);
}

#[test]
fn numeric_text_and_boolean_queries() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, "event_code:1"), [8, 6, 5]);
    assert_eq!(ids(&index, "event_code:4104 AND computer:srv01"), [4]);
    // Words of the script text, case-insensitive; `-` makes a phrase of two words.
    assert_eq!(ids(&index, "script_block_text:invoke"), [7, 4, 3, 1]);
    assert_eq!(ids(&index, "script_block_text:invoke-command"), [7, 3, 1]);
    assert_eq!(
        ids(&index, "script_block_text:invoke AND NOT computer:srv01"),
        [7, 3, 1]
    );
    // A negation alone means "everything except".
    assert_eq!(ids(&index, "NOT event_code:4104"), [8, 6, 5]);
    assert_eq!(
        ids(
            &index,
            "event_code:1 AND NOT (computer:ws01 OR computer:ws02)"
        ),
        [6]
    );
    assert_eq!(
        ids(&index, "(computer:ws02 OR computer:srv01) AND event_code:1"),
        [8, 6]
    );
    // Terms without a field look in the default fields, all terms required.
    assert_eq!(ids(&index, "whoami"), [6, 1]);
    assert_eq!(ids(&index, "whoami srv01"), [6, 1]);
    assert_eq!(ids(&index, "whoami cmd"), [6]);
    // The raw EventData values are searchable as `data`.
    assert_eq!(ids(&index, "data:0x3e7"), [8, 6, 5]);
    // Ranges over numbers and regexes over keywords.
    assert_eq!(ids(&index, "record_id:[3 TO 5]"), [5, 4, 3]);
    assert_eq!(ids(&index, "computer:/ws0.*/"), [10, 9, 8, 7, 5, 3, 2, 1]);
}

#[test]
fn empty_query_is_everything_newest_first_with_limit_and_range() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, ""), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let hits = index.search("  ", TimeRange::ALL, 3, None).unwrap();
    assert_eq!(hits.total, 10);
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!(got, [10, 9, 8]);
    let range = TimeRange {
        earliest: Some(T0 + 3 * SEC),
        latest: Some(T0 + 7 * SEC),
    };
    let hits = index.search("computer:ws01", range, 10, None).unwrap();
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!((hits.total, got), (2, vec![5, 3]));
    assert_eq!(index.search("", TimeRange::ALL, 0, None).unwrap().total, 10);
}

#[test]
fn verify_filters_candidates_exactly() {
    let (_t, index) = corpus();
    // Splunk's `ScriptBlockText="*Invoke-Command*"`: the index finds candidates by the word
    // `invoke`, the caller's exact check drops `Invoke-CommandX`.
    let exact = |e: &Event| {
        e.script_block_text
            .as_deref()
            .is_some_and(|t| t.to_lowercase().contains("invoke-command "))
    };
    let hits = index
        .search("script_block_text:invoke", TimeRange::ALL, 2, Some(&exact))
        .unwrap();
    assert_eq!(hits.total, 3);
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!(got, [7, 3]);
    let none = |_: &Event| false;
    let hits = index.search("", TimeRange::ALL, 5, Some(&none)).unwrap();
    assert_eq!((hits.total, hits.events.len()), (0, 0));
}

#[test]
fn bad_syntax_and_unknown_fields_are_bad_queries() {
    let (_t, index) = corpus();
    for q in ["computer:(ws01", "nosuchfield:x", "event_code:abc"] {
        match index.search(q, TimeRange::ALL, 10, None) {
            Err(IndexError::BadQuery(msg)) => assert!(msg.contains(q), "{msg}"),
            other => panic!("{q}: expected BadQuery, got {other:?}"),
        }
    }
}
