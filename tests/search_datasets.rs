//! The search language on real public logs (../shared/datasets, skipped when absent): every
//! answer equals a brute-force filter over all the events, and the known events are found.

mod datasets_support;

use std::path::PathBuf;

use huntbench::analytics::builtin_queries;
use huntbench::event::Event;
use huntbench::index::Index;
use huntbench::pipeline::{IngestOptions, ingest};
use huntbench::time::TimeRange;

fn datasets() -> Option<PathBuf> {
    datasets_support::datasets(module_path!())
}

fn has(v: Option<&str>, needle: &str) -> bool {
    v.is_some_and(|t| t.to_lowercase().contains(needle))
}

/// Every data value, as `Message` reads them for events without a logged Message.
fn data_text(e: &Event) -> String {
    let v: Vec<&str> = e.data.values().map(String::as_str).collect();
    v.join("\n")
}

#[test]
fn answers_equal_a_brute_force_filter_on_real_logs() {
    let Some(d) = datasets() else { return };
    let files = vec![
        d.join("sigma-regression/posh_ps_invoke_command_remote.evtx"),
        d.join("evtx-to-mitre-attack/ID800-4103-4104-LSASS_dump_with_LSASSY_PowerShell.evtx"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    ingest(
        &index,
        &builtin_queries(),
        files,
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    index.reload().unwrap();
    let all = index.search("", TimeRange::ALL, usize::MAX, None).unwrap();
    assert_eq!(all.total as usize, all.events.len());
    assert!(all.total > 40, "{}", all.total);

    type Filter = fn(&Event) -> bool;
    let cases: [(&str, Filter); 6] = [
        (
            r#"event_code:4104 AND ScriptBlockText="*Invoke-Command*" ScriptBlockText="*-ComputerName*""#,
            |e| {
                e.event_code == 4104
                    && has(e.script_block_text.as_deref(), "invoke-command")
                    && has(e.script_block_text.as_deref(), "-computername")
            },
        ),
        (
            r#"event_code:4104 NOT ScriptBlockText="*get-process*""#,
            |e| e.event_code == 4104 && !has(e.script_block_text.as_deref(), "get-process"),
        ),
        (
            r#"event_code:800 AND Message="*comsvcs.dll, MiniDump*""#,
            |e| {
                e.event_code == 800
                    && data_text(e)
                        .to_lowercase()
                        .contains("comsvcs.dll, minidump")
            },
        ),
        (
            r#"Message="*UserId=OFFSEC\admmig*" OR ScriptBlockText="*whoami*""#,
            |e| {
                data_text(e)
                    .to_lowercase()
                    .contains(r"userid=offsec\admmig")
                    || has(e.script_block_text.as_deref(), "whoami")
            },
        ),
        ("computer:*.offsec.lan NOT event_code:800", |e| {
            e.computer.to_lowercase().ends_with(".offsec.lan") && e.event_code != 800
        }),
        (r#"channel:"Windows PowerShell" event_code!=800"#, |e| {
            e.channel == "Windows PowerShell" && e.event_code != 800
        }),
    ];
    for (q, want) in cases {
        let hits = index.search(q, TimeRange::ALL, usize::MAX, None).unwrap();
        let mut got: Vec<u64> = hits.events.iter().map(Event::uid).collect();
        let mut expected: Vec<u64> = all
            .events
            .iter()
            .filter(|e| want(e))
            .map(Event::uid)
            .collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert!(!expected.is_empty(), "{q}: the data has an answer");
        assert_eq!(hits.total as usize, expected.len(), "{q}");
        assert_eq!(got, expected, "{q}");
    }
    // The one MANIFEST lists for the script-block analytic.
    let hits = index
        .search(
            r#"ScriptBlockText="*Invoke-Command*" ScriptBlockText="*-ComputerName*""#,
            TimeRange::ALL,
            10,
            None,
        )
        .unwrap();
    assert_eq!(hits.total, 1);
    assert_eq!(hits.events[0].computer, "SigmaCatchVm");
}
