//! Edges through the index: the host map learned from tagged address events (or an exact
//! scan when the index has no such tags), children as the target side.

use huntbench::analytics;
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::extended::Ends;
use huntbench::index::Index;
use huntbench::pipeline::{HOST_ADDRESS_TAG, IngestOptions};
use huntbench::time::{TimeRange, parse_timestamp};
use huntbench::workbench::Workbench;

fn at(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

fn base(rid: u64, time: &str, channel: &str, code: u32, computer: &str) -> Event {
    Event {
        time: at(time),
        event_code: code,
        channel: channel.into(),
        computer: computer.into(),
        record_id: Some(rid),
        ..Default::default()
    }
}

fn with_data(mut e: Event, data: &[(&str, &str)]) -> Event {
    for (k, v) in data {
        e.data.insert(k.to_string(), v.to_string());
    }
    e
}

fn story() -> Vec<Event> {
    let mut script = base(
        1,
        "2026-05-01T10:00:00Z",
        CHANNEL_POWERSHELL,
        4104,
        "WS05.corp.local",
    );
    script.provider = "Microsoft-Windows-PowerShell".into();
    script.user_id = Some("S-1-5-21-1-2-3-1105".into());
    script.script_block_text = Some("Invoke-Command -ComputerName srv01 { whoami }".into());
    script.script_block_id = Some("bbbbbbbb-0000-0000-0000-000000000001".into());
    script.message_number = Some(1);
    script.message_total = Some(1);
    // The writer puts `data` on the wire as EventData; ingest maps Image, ParentImage...
    let child = with_data(
        base(
            2,
            "2026-05-01T10:00:03Z",
            CHANNEL_SYSMON,
            1,
            "SRV01.corp.local",
        ),
        &[
            ("Image", r"C:\Windows\system32\whoami.exe"),
            ("CommandLine", "whoami"),
            ("ParentImage", r"C:\Windows\system32\wsmprovhost.exe"),
            ("User", r"CORP\alice"),
        ],
    );
    let logon = |rid, time| {
        with_data(
            base(rid, time, CHANNEL_SECURITY, 4624, "SRV01.corp.local"),
            &[
                ("IpAddress", "10.0.0.5"),
                ("WorkstationName", "WS05"),
                ("LogonType", "3"),
                ("TargetUserName", "alice"),
                ("TargetDomainName", "CORP"),
            ],
        )
    };
    let dns = with_data(
        base(
            5,
            "2026-05-01T09:59:59Z",
            CHANNEL_SYSMON,
            22,
            "WS05.corp.local",
        ),
        &[
            ("QueryName", "srv02.corp.local"),
            ("QueryResults", "::ffff:10.0.0.22;"),
        ],
    );
    vec![
        script,
        child,
        logon(3, "2026-05-01T10:00:01Z"),
        // The same pair again: already learned, not tagged twice.
        logon(4, "2026-05-01T10:30:00Z"),
        dns,
    ]
}

fn workbench(dir: &std::path::Path, opts: &IngestOptions) -> Workbench {
    let file = dir.join("lab.jsonl");
    huntbench::demo::write_ndjson_evtx_dump(story(), &mut std::fs::File::create(&file).unwrap())
        .unwrap();
    let wb = Workbench::from_parts(
        Index::create_or_open(&dir.join("index")).unwrap(),
        analytics::load_saved_queries(None).unwrap(),
        dir.join("x.toml"),
    );
    wb.ingest(vec![file], opts, &mut |_| {}, &mut |_| {})
        .unwrap();
    wb
}

fn named(wb: &Workbench, ip: &str) -> String {
    let hosts = wb.host_map().unwrap();
    hosts.node(ip, "SRV01.corp.local").unwrap().display
}

#[test]
fn address_events_are_tagged_once_per_pair_and_name_addresses() {
    let tmp = tempfile::tempdir().unwrap();
    let wb = workbench(tmp.path(), &IngestOptions::default());
    let tagged = wb.store().tagged(HOST_ADDRESS_TAG, TimeRange::ALL).unwrap();
    let rids: Vec<Option<u64>> = tagged.iter().map(|e| e.record_id).collect();
    assert_eq!(
        rids,
        vec![Some(5), Some(3)],
        "the DNS answer and the first logon"
    );
    assert_eq!(named(&wb, "10.0.0.5"), "WS05.corp.local");
    assert_eq!(named(&wb, "10.0.0.22"), "srv02.corp.local");
    assert_eq!(named(&wb, "10.0.0.99"), "10.0.0.99");

    let report = wb.edges(TimeRange::ALL).unwrap();
    assert_eq!(report.edges.len(), 1, "{:#?}", report.edges);
    let e = &report.edges[0];
    assert_eq!(
        (e.source.as_str(), e.target.as_str(), e.ends),
        ("WS05.corp.local", "SRV01.corp.local", Ends::Both)
    );
    // The target's evidence: the child, and the network logon that named the source.
    let side = wb.events(&e.evidence).unwrap();
    assert_eq!(side.len(), 2, "{side:#?}");
    assert!(
        side.iter()
            .any(|x| x.process_name.as_deref() == Some("whoami.exe"))
    );
    assert!(side.iter().any(|x| x.event_code == 4624));
    assert_eq!(report.sourceless, 0);
}

#[test]
fn without_the_tags_the_host_map_comes_from_an_exact_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = IngestOptions {
        extended: false,
        ..IngestOptions::default()
    };
    let wb = workbench(tmp.path(), &opts);
    assert!(
        wb.store()
            .tagged(HOST_ADDRESS_TAG, TimeRange::ALL)
            .unwrap()
            .is_empty()
    );
    assert_eq!(named(&wb, "10.0.0.5"), "WS05.corp.local");
    assert_eq!(named(&wb, "10.0.0.22"), "srv02.corp.local");
    let report = wb.edges(TimeRange::ALL).unwrap();
    assert_eq!(report.edges[0].ends, Ends::Both);
}

#[test]
fn an_index_from_before_the_address_tag_keeps_reading_by_scan() {
    // The story ingested without the address tags (as a version before them did), then one
    // more file with them: the old 4624 still names its address.
    let tmp = tempfile::tempdir().unwrap();
    let old = IngestOptions {
        extended: false,
        ..IngestOptions::default()
    };
    let wb = workbench(tmp.path(), &old);
    let later = with_data(
        base(
            9,
            "2026-05-02T08:00:00Z",
            CHANNEL_SYSMON,
            22,
            "WS05.corp.local",
        ),
        &[
            ("QueryName", "srv09.corp.local"),
            ("QueryResults", "10.0.0.29;"),
        ],
    );
    let file = tmp.path().join("later.jsonl");
    huntbench::demo::write_ndjson_evtx_dump([later], &mut std::fs::File::create(&file).unwrap())
        .unwrap();
    wb.ingest(
        vec![file],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        wb.store()
            .tag_fingerprints()
            .get("x:hosts")
            .map(String::as_str),
        Some(huntbench::index::MIXED)
    );
    assert_eq!(named(&wb, "10.0.0.5"), "WS05.corp.local");
    assert_eq!(named(&wb, "10.0.0.29"), "srv09.corp.local");
}
