//! The TUI's Backend implemented by the real Workbench: edges with target-side evidence and
//! SID names, through an index built from events this test writes.

use std::collections::BTreeMap;

use huntbench::analytics;
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::{TimeRange, parse_timestamp};
use huntbench::tui::Backend;
use huntbench::workbench::Workbench;

const SID: &str = "S-1-5-21-1-2-3-1105";

fn at(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

fn story() -> Vec<Event> {
    let script = Event {
        time: at("2026-05-01T10:00:00Z"),
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: "WS-LAB-01.corp.local".into(),
        record_id: Some(10),
        user_id: Some(SID.into()),
        script_block_text: Some("Invoke-Command -ComputerName SRV-RPT09 { whoami }".into()),
        script_block_id: Some("aaaaaaaa-0000-0000-0000-000000000001".into()),
        message_number: Some(1),
        message_total: Some(1),
        ..Default::default()
    };
    // The writer puts `data` on the wire as EventData; ingest maps Image, ParentImage...
    let sysmon: BTreeMap<String, String> = [
        ("Image", r"C:\Windows\system32\whoami.exe"),
        ("CommandLine", r#""C:\Windows\system32\whoami.exe""#),
        ("ParentImage", r"C:\Windows\system32\wsmprovhost.exe"),
        (
            "ParentCommandLine",
            r"C:\Windows\system32\wsmprovhost.exe -Embedding",
        ),
        ("ProcessId", "7020"),
        ("ParentProcessId", "6100"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let child = Event {
        time: at("2026-05-01T10:00:03Z"),
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        provider: "Microsoft-Windows-Sysmon".into(),
        computer: "SRV-RPT09.corp.local".into(),
        record_id: Some(20),
        data: sysmon,
        ..Default::default()
    };
    let mut data = BTreeMap::new();
    for (k, v) in [
        ("TargetUserSid", SID),
        ("TargetUserName", "j.miller"),
        ("TargetDomainName", "CORP"),
        ("LogonType", "3"),
    ] {
        data.insert(k.to_string(), v.to_string());
    }
    let logon = Event {
        time: at("2026-05-01T09:59:00Z"),
        event_code: 4624,
        channel: CHANNEL_SECURITY.into(),
        provider: "Microsoft-Windows-Security-Auditing".into(),
        computer: "DC01.corp.local".into(),
        record_id: Some(30),
        data: data.into_iter().collect(),
        ..Default::default()
    };
    vec![script, child, logon]
}

fn workbench(tmp: &std::path::Path) -> Workbench {
    let file = tmp.join("lab.jsonl");
    huntbench::demo::write_ndjson_evtx_dump(story(), &mut std::fs::File::create(&file).unwrap())
        .unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    let wb = Workbench::from_parts(
        Index::create_or_open(&tmp.join("index")).unwrap(),
        queries,
        tmp.join("x.toml"),
    );
    wb.ingest(
        vec![file],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    wb
}

#[test]
fn the_real_backend_gives_edges_with_evidence_and_names_for_sids() {
    let tmp = tempfile::tempdir().unwrap();
    let wb = workbench(tmp.path());
    let edges = Backend::edges(&wb, TimeRange::ALL).unwrap();
    assert_eq!(edges.len(), 1, "{edges:?}");
    let e = &edges[0];
    assert_eq!(
        (e.source.as_str(), e.target.as_str(), e.count),
        // The target by its fullest spelling; the count holds both ends (row + child).
        ("WS-LAB-01.corp.local", "SRV-RPT09.corp.local", 2)
    );
    assert_eq!(e.ends, huntbench::extended::Ends::Both);
    assert_eq!(e.evidence.len(), 1);
    let evidence = Backend::events(&wb, &e.evidence).unwrap();
    assert_eq!(evidence[0].computer, "SRV-RPT09.corp.local");
    assert_eq!(evidence[0].process_name.as_deref(), Some("whoami.exe"));
    let later = TimeRange {
        earliest: Some(at("2026-05-02T00:00:00Z")),
        latest: None,
    };
    assert!(Backend::edges(&wb, later).unwrap().is_empty());

    let names = Backend::sid_names(&wb).unwrap();
    let mine: Vec<_> = names.iter().filter(|(s, _, _)| s == SID).collect();
    assert_eq!(
        mine,
        vec![&(
            SID.to_string(),
            r"CORP\j.miller".to_string(),
            "Security 4624 on DC01.corp.local".to_string()
        )]
    );
    assert!(
        names.iter().any(|(s, n, src)| s == "S-1-5-18"
            && n == r"NT AUTHORITY\SYSTEM"
            && src == "well-known")
    );
}

#[test]
fn the_real_status_has_the_index_span_and_an_ingest_says_its_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let wb = workbench(tmp.path());
    let times: Vec<i64> = story().iter().map(|e| e.time).collect();
    let span = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    assert_eq!(Backend::status(&wb).span, Some(span));
    assert_eq!(wb.store().time_span().unwrap(), Some(span));

    // The same file again (all duplicates) plus one that holds no log.
    let file = tmp.path().join("lab.jsonl");
    let junk = tmp.path().join("notes.txt");
    std::fs::write(&junk, "just notes\n").unwrap();
    let outcome = Backend::ingest(&wb, vec![file, junk.clone()], &|_| {}).unwrap();
    let n = story().len();
    assert!(
        outcome.starts_with(&format!(
            "done: 0 events indexed from 2 files ({n} read, {n} duplicates), rejected 0, \
             unreadable 1\nno event read from: {}",
            junk.display()
        )),
        "{outcome}"
    );
    assert!(outcome.contains("\nfirst error: "), "{outcome}");

    let empty = Index::create_or_open(&tmp.path().join("empty")).unwrap();
    assert_eq!(empty.time_span().unwrap(), None);
}
