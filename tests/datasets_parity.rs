//! Parity on the real public data in ../shared/datasets (skipped when it is absent):
//! exactly the rows MANIFEST.md lists, from the .evtx and from every other format of the same
//! events, through the index and through the one-pass `--input` path.

mod datasets_support;

use std::path::{Path, PathBuf};

use huntbench::analytics::{self, HuntResult};
use huntbench::index::Index;
use huntbench::pipeline::{self, IngestOptions};
use huntbench::time::{TimeRange, ctime};
use huntbench::workbench::Workbench;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn datasets() -> Option<PathBuf> {
    datasets_support::datasets(module_path!())
}

fn ingest(paths: Vec<PathBuf>) -> (tempfile::TempDir, Workbench, pipeline::IngestSummary) {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    let summary = pipeline::ingest(
        &index,
        &queries,
        paths,
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    let wb = Workbench::from_parts(index, queries, tmp.path().join("exclusions.toml"));
    (tmp, wb, summary)
}

fn result<'a>(results: &'a [HuntResult], id: &str) -> &'a HuntResult {
    results.iter().find(|r| r.query.id == id).unwrap()
}

const SB_TEXT: &str = "& {Enable-PSRemoting -Force\nInvoke-Command -ComputerName $env:COMPUTERNAME -ScriptBlock {whoami}}";

fn assert_script_block_row(r: &HuntResult) {
    assert_eq!(r.groups.len(), 1, "{:#?}", r.groups);
    let g = &r.groups[0];
    assert_eq!(
        g.key,
        vec![
            "4104".to_string(),
            SB_TEXT.to_string(),
            "SigmaCatchVm".to_string(),
            "S-1-5-21-4246997345-1000708036-2014123355-1001".to_string()
        ]
    );
    assert_eq!(g.count, 1);
    assert_eq!(ctime(g.first, None), "2026-08-08T06:13:53");
    assert_eq!(ctime(g.last, None), "2026-08-08T06:13:53");
}

fn assert_process_row(r: &HuntResult) {
    assert_eq!(r.groups.len(), 1, "{:#?}", r.groups);
    let g = &r.groups[0];
    let process = "\"powershell.exe\" & {Enable-PSRemoting -Force\nInvoke-Command -ComputerName $env:COMPUTERNAME -ScriptBlock {whoami}}";
    assert_eq!(
        g.key,
        vec![
            "Server002",
            "SERVER002\\admin_test",
            "wsmprovhost.exe",
            "powershell.exe",
            process,
            "4076",
            "5632"
        ]
    );
    assert_eq!(g.count, 1, "the conhost.exe trap must not be counted");
    assert_eq!(ctime(g.first, None), "2024-10-21T11:31:57");
}

#[test]
fn script_block_row_from_every_format() {
    let Some(d) = datasets() else { return };
    for f in [
        "sigma-regression/posh_ps_invoke_command_remote.evtx",
        "sigma-regression/posh_ps_invoke_command_remote.json",
        "derived/remoting_selection.evtx_dump.jsonl",
        "derived/remoting_selection.xmlwineventlog.log",
    ] {
        let (_t, wb, _) = ingest(vec![d.join(f)]);
        let results = wb.hunt(&[SB.to_string()], TimeRange::ALL, false).unwrap();
        eprintln!("checking {f}");
        assert_script_block_row(result(&results, SB));
    }
}

#[test]
fn process_row_from_every_format() {
    let Some(d) = datasets() else { return };
    for f in [
        "atomic-evtx/T1021.006-2/T1021.006-2_Microsoft-Windows-Sysmon_Operational.evtx",
        "derived/remoting_selection.evtx_dump.jsonl",
        "derived/remoting_selection.xmlwineventlog.log",
    ] {
        let (_t, wb, _) = ingest(vec![d.join(f)]);
        let results = wb.hunt(&[PROC.to_string()], TimeRange::ALL, false).unwrap();
        eprintln!("checking {f}");
        assert_process_row(result(&results, PROC));
    }
}

#[test]
fn whole_folder_dedups_to_the_unique_events_and_finds_one_row_each() {
    let Some(d) = datasets() else { return };
    let (_t, wb, summary) = ingest(vec![d.clone()]);
    // MANIFEST: 80,386 unique events once derived/ and the Sigma .json twins are folded in.
    assert_eq!(wb.store().num_events(), 80_386, "{summary:?}");
    assert_eq!(summary.indexed, 80_386);
    assert_eq!(summary.duplicates, summary.events_read - 80_386);
    let results = wb.hunt(&[], TimeRange::ALL, false).unwrap();
    assert_script_block_row(result(&results, SB));
    assert_process_row(result(&results, PROC));

    // The extended analytic raises only real remote execution on this mostly benign data: the
    // two Atomic loop-back runs (script block and process, the child PowerShell's 400/403/600
    // HostApplication too), the Atomic evil-winrm run, and Covenant's 800 pipeline event.
    let ext = wb.extended_hunt(TimeRange::ALL).unwrap();
    let mut got: Vec<(String, String, bool, String)> = ext
        .rows
        .iter()
        .map(|r| {
            (
                r.computer.clone(),
                r.technique.clone(),
                r.escu,
                r.log.clone(),
            )
        })
        .collect();
    got.sort();
    let row = |c: &str, t: &str, escu: bool, log: &str| {
        (c.to_string(), t.to_string(), escu, log.to_string())
    };
    assert_eq!(
        got,
        vec![
            row(
                "Server002",
                "evil-winrm:ip",
                false,
                "400/403/600 HostApplication"
            ),
            row("Server002", "evil-winrm:ip", false, "Sysmon 1"),
            row(
                "Server002",
                "invoke-command:computername",
                false,
                "400/403/600 HostApplication"
            ),
            row("Server002", "invoke-command:computername", true, "Sysmon 1"),
            row(
                "SigmaCatchVm",
                "invoke-command:computername",
                true,
                "4104 script block"
            ),
            row(
                "WORKSTATION5.theshire.local",
                "invoke-command:computername",
                false,
                "800 pipeline"
            ),
        ],
        "{:#?}",
        ext.rows
    );

    // The one-pass path over the same files gives the same rows.
    let queries = analytics::load_saved_queries(None).unwrap();
    let (direct, _errors) =
        pipeline::hunt_files(&queries, vec![d], TimeRange::ALL, &IngestOptions::default());
    for id in [SB, PROC] {
        assert_eq!(
            result(&direct, id).groups,
            result(&results, id).groups,
            "{id}"
        );
    }

    // Ingesting the same folder again adds nothing.
    let again = pipeline::ingest(
        wb.store(),
        wb.queries(),
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets")],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(again.indexed, 0);
    assert_eq!(wb.store().num_events(), 80_386);
}
