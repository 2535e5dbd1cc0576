//! The inbound analytic through ingest and the index: the process ids of PowerShell's own
//! logs survive the log file, tagged reads equal the exact scan, the range bounds sessions,
//! and `huntbench hunt winrm_remoting_inbound` prints the documented fields.

mod inbound_support;

use huntbench::analytics;
use huntbench::event::Event;
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::TimeRange;
use huntbench::workbench::{Access, Workbench};
use inbound_support::*;

const ID: &str = "winrm_remoting_inbound";

fn corpus() -> Vec<Event> {
    let mut events = session();
    // Noise the analytic must skip: a local console's script block and a file-share logon
    // of another account.
    let mut console = block(40, "10:02:00", "Get-ChildItem C:\\\\Reports", 900);
    console.computer = "WS-FIN-07.corp.local".into();
    events.push(console);
    let mut share = logon(
        41,
        "10:02:30",
        "CORP\\\\bob",
        "0x99",
        "10.1.2.9",
        "WS-HR-02",
    );
    share
        .data
        .insert("TargetUserSid".into(), "S-1-5-21-1-2-3-1200".into());
    events.push(share);
    // A second session in the afternoon: WinRM's own log only, from an address.
    events.push(winrm(50, "15:00:00", 169, &[("username", USER)]));
    events.push(logon(51, "14:59:59", USER, "0x5e00", "10.1.2.44", "-"));
    events
}

fn open(dir: &std::path::Path, file: &std::path::Path, tagged: bool) -> Workbench {
    let queries = analytics::load_saved_queries(None).unwrap();
    let index = Index::create_or_open(dir).unwrap();
    // Ingesting without the extended layer's work writes no tags: the exact-scan path.
    let opts = IngestOptions {
        extended: tagged,
        ..IngestOptions::default()
    };
    huntbench::pipeline::ingest(
        &index,
        &queries,
        vec![file.to_path_buf()],
        &opts,
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    Workbench::from_parts(index, queries, dir.join("x.toml"))
}

#[test]
fn tagged_and_scanned_reads_give_the_same_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("target.log");
    std::fs::write(&file, xml_lines(&corpus())).unwrap();
    let tagged = open(&tmp.path().join("t"), &file, true);
    let scanned = open(&tmp.path().join("s"), &file, false);
    let q = tagged.query(ID).unwrap().clone();
    assert_eq!(tagged.access(&q), Access::Tagged);
    assert_eq!(scanned.access(&q), Access::Scan);
    let a = tagged.inbound_hunt(TimeRange::ALL).unwrap();
    let b = scanned.inbound_hunt(TimeRange::ALL).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 2, "{a:#?}");
    // The plugin host's script block came back through the file with its writer's id.
    assert!(a[0].evidence.contains(&"4104 in wsmprovhost".to_string()));
    assert_eq!(a[0].source.as_deref(), Some("WS-FIN-07"));
    assert_eq!(a[0].count, 8);
    assert_eq!(a[1].source.as_deref(), Some("10.1.2.44"));
    assert_eq!(a[1].evidence, ["WinRM 169 auth", "4624 network logon"]);

    // The range bounds the evidence; the logon a second before the range still names it.
    let afternoon = TimeRange {
        earliest: Some(at("15:00:00")),
        latest: None,
    };
    for wb in [&tagged, &scanned] {
        let r = wb.inbound_hunt(afternoon).unwrap();
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].source.as_deref(), Some("10.1.2.44"));
        assert_eq!(r[0].first, at("14:59:59"));
    }

    // As a saved query: one group per session, keyed by the by-list, exclusions apply.
    let results = tagged
        .hunt(&[ID.to_string()], TimeRange::ALL, true)
        .unwrap();
    let groups = &results[0].groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].key[0], HOST);
    assert_eq!(groups[0].key[2], "WS-FIN-07");
}

#[test]
fn the_cli_prints_sessions_as_json_with_the_documented_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("target.log");
    std::fs::write(&file, xml_lines(&corpus())).unwrap();
    let bin = env!("CARGO_BIN_EXE_huntbench");
    let index = tmp.path().join("idx");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("--index")
            .arg(&index)
            .args(args)
            .env("HUNTBENCH_CONFIG", tmp.path().join("cfg"))
            .output()
            .unwrap()
    };
    let out = run(&["ingest", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["hunt", ID, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &rows[0];
    assert_eq!(first["analytic"], ID);
    assert_eq!(first["Computer"], HOST);
    assert_eq!(first["user"], USER);
    assert_eq!(first["source"], "WS-FIN-07");
    assert_eq!(first["source_ip"], "10.1.2.7");
    assert_eq!(first["source_via"], "4624 logon 0x3e1a");
    assert_eq!(first["count"], 8);
    assert_eq!(first["firstTime"], "2026-03-04T10:00:00");
    assert_eq!(first["lastTime"], "2026-03-04T10:00:06");
    assert_eq!(first["evidence"][0], "wsmprovhost start");
    assert_eq!(first["commands"][3], "(decoded) whoami");
    assert_eq!(rows.as_array().unwrap().len(), 2);
    // The table heading labels it apart from the parity analytics.
    let out = run(&["hunt", ID]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("(winrm_remoting_inbound) [inbound]"),
        "{text}"
    );
}

#[test]
fn tagged_in_reads_only_the_windows_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("target.log");
    std::fs::write(&file, xml_lines(&corpus())).unwrap();
    let wb = open(&tmp.path().join("t"), &file, true);
    let window = |a: &str, b: &str| TimeRange {
        earliest: Some(at(a)),
        latest: Some(at(b)),
    };
    let tag = huntbench::pipeline::logon_tag(HOST);
    // The host's logons: alice 10:00:01 (and her 4672), bob 10:02:30, alice 14:59:59.
    let got = wb
        .store()
        .tagged_in(
            std::slice::from_ref(&tag),
            &[
                window("14:59:00", "15:00:00"),
                window("10:00:00", "10:00:02"),
            ],
        )
        .unwrap();
    let times: Vec<i64> = got.iter().map(|e| e.time).collect();
    assert_eq!(times, [at("10:00:01"), at("10:00:01"), at("14:59:59")]);
    // Bob's logon lies inside the span of the windows but in none of them.
    assert!(!got.iter().any(|e| e.record_id == Some(41)));
    assert_eq!(wb.store().tagged_in(&[tag], &[]).unwrap(), []);
}
