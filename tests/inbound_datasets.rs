//! The inbound analytic on real public captures (../shared/datasets): the target-side logs of
//! PowerShell remoting and WinRS give sessions, background logs give none. Skips with a
//! `SKIP` line when the data is not beside the clone.

mod datasets_support;

use std::path::{Path, PathBuf};

use huntbench::analytics;
use huntbench::extended::InboundRow;
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::TimeRange;
use huntbench::workbench::Workbench;

fn sessions(paths: Vec<PathBuf>) -> Vec<InboundRow> {
    let tmp = tempfile::tempdir().unwrap();
    let wb = Workbench::from_parts(
        Index::create_or_open(&tmp.path().join("i")).unwrap(),
        analytics::load_saved_queries(None).unwrap(),
        tmp.path().join("x.toml"),
    );
    wb.ingest(paths, &IngestOptions::default(), &mut |_| {}, &mut |_| {})
        .unwrap();
    wb.inbound_hunt(TimeRange::ALL).unwrap()
}

fn summary(rows: &[InboundRow]) -> Vec<(String, String, Vec<String>)> {
    rows.iter()
        .map(|r| {
            (
                r.computer.clone(),
                r.user.clone().unwrap_or_default(),
                r.evidence.clone(),
            )
        })
        .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn target_side_captures_give_their_sessions() {
    let Some(d) = datasets_support::datasets("target_side_captures_give_their_sessions") else {
        return;
    };
    let samples = d.join("evtx-attack-samples");
    let one = |name: &str| sessions(vec![samples.join(name)]);

    let r = one("LM_PowershellRemoting_sysmon_1_wsmprovhost.evtx");
    assert_eq!(
        summary(&r),
        [(
            "DC1.insecurebank.local".into(),
            "insecurebank\\Administrator".into(),
            s(&["wsmprovhost child"])
        )]
    );
    assert_eq!(r[0].commands, ["\"C:\\Windows\\system32\\HOSTNAME.EXE\""]);
    // Sysmon names the logon the command ran in; the capture has no 4624 of it.
    assert_eq!(
        r[0].source_via.as_deref(),
        Some("no 4624 of logon 0x15daaf in the index")
    );

    let r = one("LM_winrm_target_wrmlogs_91_wsmanShellStarted_poorLog.evtx");
    assert_eq!(
        summary(&r),
        [(
            "DC1.insecurebank.local".into(),
            "S-1-5-21-738609754-2819869699-4189121830-500".into(),
            s(&["WinRM 91 shell"])
        )]
    );

    let r = one("RemotePowerShell_MS_Windows-Remote_Management_EventID_169.evtx");
    assert_eq!(
        summary(&r),
        [(
            "IEWIN7".into(),
            "iewin7\\ieuser".into(),
            s(&["WinRM 169 auth"])
        )]
    );
    assert_eq!(r[0].count, 3);

    let r = one("LM_winrm_exec_sysmon_1_winrshost.evtx");
    assert_eq!(
        summary(&r),
        [(
            "DC1.insecurebank.local".into(),
            "insecurebank\\Administrator".into(),
            s(&["winrshost child", "winrshost start"])
        )]
    );
    assert_eq!(
        r[0].commands,
        ["C:\\Windows\\system32\\cmd.exe /C ipconfig"]
    );
}

#[test]
fn atomic_remoting_runs_give_one_session_each() {
    let Some(d) = datasets_support::datasets("atomic_remoting_runs_give_one_session_each") else {
        return;
    };
    let atomic = d.join("atomic-evtx");
    // T1021.006-1 only enables WinRM: no session.
    assert_eq!(sessions(vec![atomic.join("T1021.006-1")]), []);
    let r = sessions(vec![atomic.join("T1021.006-2"), atomic.join("T1021.006-3")]);
    assert_eq!(r.len(), 2, "two runs, two plugin hosts, two logons: {r:#?}");
    for (row, logon) in r.iter().zip(["0x9ebe1", "0xa1616"]) {
        assert_eq!(row.computer, "Server002");
        assert_eq!(row.user.as_deref(), Some("SERVER002\\admin_test"));
        assert_eq!(row.evidence, ["wsmprovhost child"]);
        assert_eq!(row.count, 8);
        // The harness cleared the Security log: the logon's 4624 is gone, and it is said.
        assert_eq!(
            row.source_via.as_deref(),
            Some(format!("no 4624 of logon {logon} in the index").as_str())
        );
        assert!(
            row.commands
                .iter()
                .any(|c| c.contains("wevtutil.exe\" cl Security"))
        );
    }
}

#[test]
fn covenant_psremoting_is_seen_on_the_target() {
    let Some(d) = datasets_support::datasets("covenant_psremoting_is_seen_on_the_target") else {
        return;
    };
    let r = sessions(vec![d.join(
        "security-datasets/covenant_psremoting_command_2020-08-06115603.json",
    )]);
    assert_eq!(r.len(), 1, "{r:#?}");
    let row = &r[0];
    assert_eq!(row.computer, "WORKSTATION6.theshire.local");
    assert_eq!(row.user.as_deref(), Some("THESHIRE\\pgustavo"));
    // Kerberos network logons carry no address; the WinRM connection does.
    assert_eq!(row.source_ip.as_deref(), Some("172.18.39.5"));
    assert_eq!(row.source_via.as_deref(), Some("Sysmon 3 to port 5985"));
    assert_eq!(
        row.evidence,
        [
            "wsmprovhost start",
            "ServerRemoteHost 400",
            "ServerRemoteHost 403",
            "ServerRemoteHost 600",
            "ServerRemoteHost 800",
            "ServerRemoteHost 4103",
            "53504 in wsmprovhost",
            "4624 network logon",
            "4672 admin logon",
            "Sysmon 3 WinRM connection",
        ]
    );
}

#[test]
fn background_logs_give_no_session() {
    let Some(d) = datasets_support::datasets("background_logs_give_no_session") else {
        return;
    };
    for dir in [
        "background-omerbenamram-evtx",
        "deepbluecli",
        "evtx-to-mitre-attack",
        "sigma-regression",
    ] {
        let path: &Path = &d.join(dir);
        let r = sessions(vec![path.to_path_buf()]);
        assert_eq!(r, [], "{dir}");
    }
    let empire = d.join(
        "security-datasets/empire_find_localadmin_smb_svcctl_OpenSCManager_2020-09-22021559.json",
    );
    assert_eq!(
        sessions(vec![empire]),
        [],
        "SMB/RPC lateral movement is not WinRM"
    );
}
