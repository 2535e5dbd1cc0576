//! The extended analytic through the index: blocks that are no candidates themselves (a call
//! of a remoting function defined in an earlier block) are found and linked.

use huntbench::analytics;
use huntbench::event::{CHANNEL_POWERSHELL, Event};
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::{TimeRange, parse_timestamp};
use huntbench::workbench::Workbench;

fn block(rid: u64, at: &str, id: &str, text: &str) -> Event {
    Event {
        time: parse_timestamp(at).unwrap(),
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: "WS-LAB-01.corp.local".into(),
        record_id: Some(rid),
        user_id: Some("S-1-5-21-1-2-3-1105".into()),
        script_block_text: Some(text.into()),
        script_block_id: Some(id.into()),
        message_number: Some(1),
        message_total: Some(1),
        ..Default::default()
    }
}

#[test]
fn a_function_defined_in_one_block_and_called_in_another_is_found() {
    let events = vec![
        block(
            10,
            "2026-05-01T10:00:00Z",
            "aaaaaaaa-0000-0000-0000-000000000001",
            "function Sync-Reports { Invoke-Command -ComputerName SRV-RPT09 -ScriptBlock { whoami } }",
        ),
        block(
            11,
            "2026-05-01T10:00:30Z",
            "aaaaaaaa-0000-0000-0000-000000000002",
            "Sync-Reports",
        ),
        // The same name on another host is not this session's call.
        block(
            12,
            "2026-05-01T10:01:00Z",
            "aaaaaaaa-0000-0000-0000-000000000003",
            "Get-Date",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("lab.jsonl");
    huntbench::demo::write_ndjson_evtx_dump(&events, &mut std::fs::File::create(&file).unwrap())
        .unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    let wb = Workbench::from_parts(
        Index::create_or_open(&tmp.path().join("index")).unwrap(),
        queries,
        tmp.path().join("x.toml"),
    );
    wb.ingest(
        vec![file],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    let result = wb.extended_hunt(TimeRange::ALL).unwrap();
    let row = result
        .rows
        .iter()
        .find(|r| r.technique.contains("deferred"))
        .unwrap_or_else(|| panic!("no deferred row: {:#?}", result.rows));
    assert_eq!(row.targets, vec!["SRV-RPT09".to_string()]);
    assert!(
        !row.escu,
        "ESCU sees the literals only in a block that never runs them"
    );
    assert_eq!(row.computer, "WS-LAB-01.corp.local");
    // Parity raises the defining block (both literals in one event) even though it runs nothing.
    let parity = wb
        .hunt(
            &["remote_process_instantiation_via_winrm_and_powershell_script_block".into()],
            TimeRange::ALL,
            false,
        )
        .unwrap();
    assert_eq!(parity[0].groups.len(), 1);
}
