//! The real public data in ../shared/datasets (when present): exact per-file event counts from
//! MANIFEST.md, the derived XML/JSON renderings equal to their source .evtx files, and a
//! damaged .evtx copy that keeps its good records.

mod datasets_support;

use std::path::{Path, PathBuf};

use huntbench::event::Event;
use huntbench::ingest::{parse_bytes, read_paths};

fn datasets() -> Option<PathBuf> {
    datasets_support::datasets(module_path!())
}

/// Per-file counts, as listed in MANIFEST.md "Per-file contents".
const COUNTS: &[(&str, usize)] = &[
    (
        "atomic-evtx/T1021.006-1/T1021.006-1_Microsoft-Windows-Sysmon_Operational.evtx",
        41,
    ),
    (
        "atomic-evtx/T1021.006-1/T1021.006-1_Windows_PowerShell.evtx",
        9,
    ),
    ("atomic-evtx/T1021.006-2/T1021.006-2_Application.evtx", 2),
    (
        "atomic-evtx/T1021.006-2/T1021.006-2_Microsoft-Windows-Sysmon_Operational.evtx",
        46,
    ),
    ("atomic-evtx/T1021.006-2/T1021.006-2_Security.evtx", 15),
    ("atomic-evtx/T1021.006-2/T1021.006-2_System.evtx", 5),
    (
        "atomic-evtx/T1021.006-2/T1021.006-2_Windows_PowerShell.evtx",
        9,
    ),
    (
        "atomic-evtx/T1021.006-3/T1021.006-3_Microsoft-Windows-Sysmon_Operational.evtx",
        84,
    ),
    (
        "atomic-evtx/T1021.006-3/T1021.006-3_Windows_PowerShell.evtx",
        8,
    ),
    ("background-omerbenamram-evtx/security.evtx", 2261),
    ("background-omerbenamram-evtx/system.evtx", 1881),
    ("deepbluecli/Powershell-Invoke-Obfuscation-many.evtx", 302),
    ("derived/remoting_selection.evtx_dump.jsonl", 528),
    ("derived/remoting_selection.xmlwineventlog.log", 528),
    (
        "evtx-attack-samples/LM_PowershellRemoting_sysmon_1_wsmprovhost.evtx",
        1,
    ),
    (
        "evtx-attack-samples/LM_sysmon_remote_task_src_powershell.evtx",
        3,
    ),
    (
        "evtx-attack-samples/LM_winrm_exec_sysmon_1_winrshost.evtx",
        3,
    ),
    (
        "evtx-attack-samples/LM_winrm_target_wrmlogs_91_wsmanShellStarted_poorLog.evtx",
        1,
    ),
    (
        "evtx-attack-samples/Powershell_4104_MiniDumpWriteDump_Lsass.evtx",
        4,
    ),
    (
        "evtx-attack-samples/RemotePowerShell_MS_Windows-Remote_Management_EventID_169.evtx",
        6,
    ),
    ("evtx-attack-samples/exec_emotet_ps_4104.evtx", 1),
    (
        "evtx-attack-samples/phish_windows_credentials_powershell_scriptblockLog_4104.evtx",
        2,
    ),
    (
        "evtx-to-mitre-attack/ID4103-4104-DCOMexec_native_via_PowerShell.evtx",
        5,
    ),
    (
        "evtx-to-mitre-attack/ID4688-4697-5140-5145_PSexec_remote_execution_admin_share.evtx",
        30,
    ),
    (
        "evtx-to-mitre-attack/ID4688-Encoded_PowerShell_MSF_payload_via_process_execution.evtx",
        59,
    ),
    (
        "evtx-to-mitre-attack/ID800-4103-4104-LSASS_dump_with_LSASSY_PowerShell.evtx",
        56,
    ),
    (
        "evtx-to-mitre-attack/ID800-4103-4104-Registry_permission_change_via_WMI_DAMP_PowerShell_on_source.evtx",
        132,
    ),
    (
        "security-datasets/covenant_psremoting_command_2020-08-06115603.json",
        4284,
    ),
    (
        "security-datasets/empire_find_localadmin_smb_svcctl_OpenSCManager_2020-09-22021559.json",
        4570,
    ),
    (
        "security-datasets/metasploit_out-minidump_lsass_memory_dump.zip",
        40568,
    ),
    ("security-datasets/purplesharp_ad_playbook_I.zip", 25993),
    (
        "sigma-regression/posh_ps_directoryservices_accountmanagement.evtx",
        1,
    ),
    (
        "sigma-regression/posh_ps_directoryservices_accountmanagement.json",
        1,
    ),
    ("sigma-regression/posh_ps_enable_psremoting.evtx", 1),
    ("sigma-regression/posh_ps_enable_psremoting.json", 1),
    ("sigma-regression/posh_ps_invoke_command_remote.evtx", 1),
    ("sigma-regression/posh_ps_invoke_command_remote.json", 1),
    ("sigma-regression/posh_ps_localuser.evtx", 1),
    ("sigma-regression/posh_ps_localuser.json", 1),
    ("sigma-regression/posh_ps_remote_session_creation.evtx", 1),
    ("sigma-regression/posh_ps_remote_session_creation.json", 1),
];

#[test]
fn manifest_event_counts_for_every_file() {
    let Some(d) = datasets() else { return };
    let mut wrong = Vec::new();
    for (rel, want) in COUNTS {
        let (events, errors) = read_paths(&[d.join(rel)]);
        if events.len() != *want {
            wrong.push(format!(
                "{rel}: {} events, want {want}; errors: {errors:?}",
                events.len()
            ));
        }
        // Clean files read without a single error (system.evtx is the known dirty one).
        if !rel.ends_with("system.evtx") && !errors.is_empty() {
            wrong.push(format!(
                "{rel}: unexpected errors {:?}",
                &errors[..errors.len().min(3)]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn key(e: &Event) -> (String, String, Option<u64>, i64, u32) {
    (
        e.channel.clone(),
        e.computer.clone(),
        e.record_id,
        e.time,
        e.event_code,
    )
}

fn sorted_without_source(mut v: Vec<Event>) -> Vec<Event> {
    for e in &mut v {
        e.source.clear();
    }
    v.sort_by_key(key);
    v
}

/// MANIFEST "Derived files": the sources of the 528 derived records.
fn derived_sources(d: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = Vec::new();
    for dir in ["sigma-regression", "atomic-evtx/T1021.006-2"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
            .collect();
        files.sort();
        v.extend(files);
    }
    for f in [
        "evtx-attack-samples/LM_PowershellRemoting_sysmon_1_wsmprovhost.evtx",
        "evtx-attack-samples/RemotePowerShell_MS_Windows-Remote_Management_EventID_169.evtx",
        "evtx-attack-samples/LM_winrm_exec_sysmon_1_winrshost.evtx",
        "evtx-attack-samples/phish_windows_credentials_powershell_scriptblockLog_4104.evtx",
        "evtx-to-mitre-attack/ID800-4103-4104-Registry_permission_change_via_WMI_DAMP_PowerShell_on_source.evtx",
        "deepbluecli/Powershell-Invoke-Obfuscation-many.evtx",
    ] {
        v.push(d.join(f));
    }
    v
}

fn assert_same(label: &str, got: Vec<Event>, want: &[Event]) {
    let got = sorted_without_source(got);
    assert_eq!(got.len(), want.len(), "{label}: event count");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g, w, "{label}: first differing event");
    }
}

#[test]
fn derived_renderings_equal_their_source_evtx() {
    let Some(d) = datasets() else { return };
    let (src, errors) = read_paths(&derived_sources(&d));
    assert!(errors.is_empty(), "{errors:?}");
    let want = sorted_without_source(src);
    assert_eq!(want.len(), 528);
    // The .evtx scripts hold CRLFs, and the reader keeps them (text exactly as logged).
    let with_cr = want
        .iter()
        .filter(|e| {
            e.script_block_text
                .as_deref()
                .is_some_and(|t| t.contains("\r\n"))
        })
        .count();
    assert!(with_cr > 100, "{with_cr} scripts with CRLF");
    // The JSON rendering kept every CR (`\r` in its strings): equal byte for byte.
    let f = "remoting_selection.evtx_dump.jsonl";
    let (got, errors) = read_paths(&[d.join("derived").join(f)]);
    assert!(errors.is_empty(), "{f}: {errors:?}");
    assert_same(f, got, &want);
    // The XML rendering genuinely lost its CRs (its converter wrote line ends as `&#10;` only,
    // no `&#13;`): equal modulo line ends, and different only in them.
    let f = "remoting_selection.xmlwineventlog.log";
    let (got, errors) = read_paths(&[d.join("derived").join(f)]);
    assert!(errors.is_empty(), "{f}: {errors:?}");
    assert!(
        got.iter()
            .all(|e| !e.script_block_text.as_deref().unwrap_or("").contains('\r')),
        "{f} has no CR to keep"
    );
    let lf_want: Vec<Event> = want.iter().map(lf_line_ends).collect();
    assert_same(f, got.iter().map(lf_line_ends).collect(), &lf_want);
}

/// The event with XML 1.0 line ends (CRLF and a lone CR become LF) in all its text: how a
/// rendering whose converter normalized them shows it.
fn lf_line_ends(e: &Event) -> Event {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.contains('\r') => {
                *s = s.replace("\r\n", "\n").replace('\r', "\n")
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            serde_json::Value::Object(o) => o.values_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(e).unwrap();
    strip(&mut v);
    serde_json::from_value(v).unwrap()
}

#[test]
fn the_true_positives_are_mapped_as_the_manifest_says() {
    let Some(d) = datasets() else { return };
    let (ev, _) =
        read_paths(&[d.join(
            "atomic-evtx/T1021.006-2/T1021.006-2_Microsoft-Windows-Sysmon_Operational.evtx",
        )]);
    let b = ev.iter().find(|e| e.record_id == Some(17954)).unwrap();
    assert_eq!(b.computer, "Server002");
    assert_eq!(b.user.as_deref(), Some("SERVER002\\admin_test"));
    assert_eq!(b.parent_process_name.as_deref(), Some("wsmprovhost.exe"));
    assert_eq!(b.process_name.as_deref(), Some("powershell.exe"));
    assert_eq!(
        b.process.as_deref(),
        Some(
            "\"powershell.exe\" & {Enable-PSRemoting -Force\nInvoke-Command -ComputerName $env:COMPUTERNAME -ScriptBlock {whoami}}"
        )
    );
    assert_eq!(b.process_id.as_deref(), Some("4076"));
    assert_eq!(b.parent_process_id.as_deref(), Some("5632"));
    assert_eq!(b.original_file_name.as_deref(), Some("PowerShell.EXE"));
    assert_eq!(
        huntbench::time::iso_micros(b.time),
        "2024-10-21T11:31:57.615954Z"
    );
    assert!(
        b.source
            .ends_with("T1021.006-2_Microsoft-Windows-Sysmon_Operational.evtx:record 17954"),
        "{}",
        b.source
    );

    let (a_evtx, _) = read_paths(&[d.join("sigma-regression/posh_ps_invoke_command_remote.evtx")]);
    let (a_json, _) = read_paths(&[d.join("sigma-regression/posh_ps_invoke_command_remote.json")]);
    let a = &a_evtx[0];
    assert_eq!(
        a.script_block_text.as_deref(),
        Some(
            "& {Enable-PSRemoting -Force\nInvoke-Command -ComputerName $env:COMPUTERNAME -ScriptBlock {whoami}}"
        )
    );
    assert_eq!(
        a.user_id.as_deref(),
        Some("S-1-5-21-4246997345-1000708036-2014123355-1001")
    );
    assert_eq!(a.computer, "SigmaCatchVm");
    assert_eq!(
        huntbench::time::iso_micros(a.time),
        "2026-08-08T06:13:53.303638Z"
    );
    let (mut x, mut y) = (a.clone(), a_json[0].clone());
    x.source.clear();
    y.source.clear();
    assert_eq!(
        x, y,
        "the .json twin (7 fractional digits) gives the same event"
    );
}

#[test]
fn damaged_evtx_copy_reports_positions_and_keeps_good_records() {
    let Some(d) = datasets() else { return };
    let orig = std::fs::read(d.join("background-omerbenamram-evtx/security.evtx")).unwrap();
    let (all, _) = parse_bytes("security.evtx", &orig);
    assert_eq!(all.len(), 2261);
    // Overwrite the middle of the second chunk's record area, and cut the file mid-chunk.
    let mut bad = orig.clone();
    let second_chunk = 4096 + 65536;
    for b in &mut bad[second_chunk + 20_000..second_chunk + 20_400] {
        *b = 0xAB;
    }
    bad.truncate(4096 + 65536 * 5 + 30_000);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("damaged.evtx");
    std::fs::write(&p, &bad).unwrap();
    let (events, errors) = read_paths(std::slice::from_ref(&p));
    assert!(!errors.is_empty(), "the damage is reported");
    assert!(
        errors
            .iter()
            .any(|e| e.position.starts_with("chunk 5 record ") && e.reason.contains("truncated")),
        "the cut inside chunk 5 is reported: {errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.position.starts_with("record ")),
        "the overwritten record is named: {errors:?}"
    );
    for e in &errors {
        assert_eq!(e.file, p.display().to_string());
        assert!(
            e.position.starts_with("record ") || e.position.starts_with("chunk "),
            "position names a record or chunk: {e}"
        );
    }
    // All records of the untouched first chunk survive, and some after the damage too.
    let first_chunk_ids: Vec<u64> = all.iter().take(50).filter_map(|e| e.record_id).collect();
    for id in first_chunk_ids {
        assert!(
            events.iter().any(|e| e.record_id == Some(id)),
            "record {id} kept"
        );
    }
    assert!(
        events.len() > 300 && events.len() < 2261,
        "kept {} records",
        events.len()
    );
}

#[test]
fn bytes_flipped_all_over_an_evtx_never_panic_or_hang() {
    let Some(d) = datasets() else { return };
    let orig = std::fs::read(d.join("atomic-evtx/T1021.006-2/T1021.006-2_Windows_PowerShell.evtx"))
        .unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut flagged = 0;
    for round in 0..40 {
        let mut bad = orig.clone();
        for _ in 0..(1 + round % 7) * 8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly inside the first chunk, where the 9 records are.
            let at = 4096 + (seed as usize % 12_000);
            bad[at] = (seed >> 24) as u8;
        }
        let (events, errors) = parse_bytes("flipped.evtx", &bad);
        assert!(events.len() <= 9);
        flagged += usize::from(!errors.is_empty() || events.len() < 9);
        for e in &errors {
            assert_eq!(e.file, "flipped.evtx");
            assert!(!e.position.is_empty() && !e.reason.is_empty());
            assert!(
                !e.reason.contains("internal parser failure"),
                "round {round}: {e}"
            );
        }
    }
    assert!(flagged > 0, "the damage was noticed at least once");
}

#[test]
fn an_evtx_without_records_is_reported_as_empty() {
    let Some(d) = datasets() else { return };
    // Only the file header of a real log: a valid .evtx that holds no record.
    let orig =
        std::fs::read(d.join("deepbluecli/Powershell-Invoke-Obfuscation-many.evtx")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("header_only.evtx");
    std::fs::write(&p, &orig[..4096]).unwrap();
    for (events, errors) in [
        read_paths(std::slice::from_ref(&p)),
        parse_bytes("header_only.evtx", &orig[..4096]),
    ] {
        assert!(events.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].position, "file");
        assert_eq!(errors[0].reason, "empty: the .evtx file holds no records");
    }
}
