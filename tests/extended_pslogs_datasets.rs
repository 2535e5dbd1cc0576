//! PowerShell's 4103 / 800 / 400 / 600 logs of the real public captures in ../shared/datasets
//! (read in place through the ingest pipeline, never copied).

mod datasets_support;

use std::path::{Path, PathBuf};

use huntbench::analytics;
use huntbench::extended::ExtendedRow;
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::TimeRange;
use huntbench::workbench::Workbench;

fn extended_rows(files: &[PathBuf], tmp: &Path) -> Vec<ExtendedRow> {
    let wb = Workbench::from_parts(
        Index::create_or_open(&tmp.join("index")).unwrap(),
        analytics::load_saved_queries(None).unwrap(),
        tmp.join("x.toml"),
    );
    wb.ingest(
        files.to_vec(),
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    wb.extended_hunt(TimeRange::ALL).unwrap().rows
}

fn logs(rows: &[ExtendedRow]) -> Vec<(String, String, String, Vec<String>)> {
    rows.iter()
        .map(|r| {
            (
                r.log.clone(),
                r.technique.clone(),
                r.computer.clone(),
                r.targets.clone(),
            )
        })
        .collect()
}

/// Covenant on WORKSTATION5 runs `Invoke-Command -ComputerName WORKSTATION6 … -Credential
/// $Credential`: only its 800 pipeline event logs the remoting (no 4104 of it, no process
/// start); WORKSTATION6's 4103 / 400 / 600 are the receiving end and give no row.
#[test]
fn covenant_psremoting_gives_the_800_row_with_its_target() {
    let Some(d) = datasets_support::datasets(module_path!()) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let rows = extended_rows(
        &[d.join("security-datasets/covenant_psremoting_command_2020-08-06115603.json")],
        tmp.path(),
    );
    assert_eq!(
        logs(&rows),
        vec![(
            "800 pipeline".to_string(),
            "invoke-command:computername".to_string(),
            "WORKSTATION5.theshire.local".to_string(),
            vec!["WORKSTATION6".to_string()],
        )],
        "{rows:#?}"
    );
    let r = &rows[0];
    assert_eq!(r.user.as_deref(), Some("THESHIRE\\pgustavo"));
    assert!(!r.escu);
    assert_eq!(
        r.count, 1,
        "one 800 event of the four of that pipeline binds it"
    );
    assert!(
        r.text
            .starts_with("Invoke-Command -ComputerName:'WORKSTATION6'")
    );
}

/// remoting_selection: Add-RemoteRegBackdoor's 4103 / 800 (Get-WmiObject -ComputerName FS03,
/// Add-Member -Name ComputerName) is WMI, not WinRM: no 4103 or 800 row. Its 400 / 403 / 600
/// on Server002 carry the child PowerShell's command line (the Sysmon 1 row's process).
#[test]
fn remoting_selection_wmi_module_logging_gives_no_row() {
    let Some(d) = datasets_support::datasets(module_path!()) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let rows = extended_rows(
        &[d.join("derived/remoting_selection.evtx_dump.jsonl")],
        tmp.path(),
    );
    assert!(
        rows.iter()
            .all(|r| r.log != "4103 module" && r.log != "800 pipeline"),
        "{:#?}",
        logs(&rows)
    );
    let host_app: Vec<_> = rows
        .iter()
        .filter(|r| r.log == "400/403/600 HostApplication")
        .map(|r| (r.computer.as_str(), r.technique.as_str(), r.targets.clone()))
        .collect();
    assert_eq!(
        host_app,
        vec![(
            "Server002",
            "invoke-command:computername",
            vec!["?$env:COMPUTERNAME".to_string()]
        )]
    );
    // The 4104 and Sysmon 1 rows are there as before, labelled.
    let mut others: Vec<&str> = rows
        .iter()
        .filter(|r| r.log != "400/403/600 HostApplication")
        .map(|r| r.log.as_str())
        .collect();
    others.sort_unstable();
    assert_eq!(others, ["4104 script block", "Sysmon 1"]);
}
