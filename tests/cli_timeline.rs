//! `huntbench timeline` as a hunter runs it: every event type on a host (all its spellings)
//! or by a user within ±N of a time, one summarized line each, inert on a terminal.

mod cli_support;

use std::collections::BTreeMap;

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::time::parse_timestamp;
use serde_json::Value;

const T0: &str = "2024-10-21T11:30:00Z";

fn t(offset_secs: i64) -> i64 {
    parse_timestamp(T0).unwrap() + offset_secs * 1_000_000
}

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ev(secs: i64, code: u32, channel: &str, computer: &str, rid: u64) -> Event {
    Event {
        time: t(secs),
        event_code: code,
        channel: channel.into(),
        provider: "test".into(),
        computer: computer.into(),
        record_id: Some(rid),
        ..Default::default()
    }
}

/// `whoami` as PowerShell's -EncodedCommand (base64 of UTF-16LE).
const ENC_WHOAMI: &str = "dwBoAG8AYQBtAGkA";

/// Both ends of one hop, WS01 → SRV01, spelled three ways on the target, plus neighbours.
fn story() -> Vec<Event> {
    let mut sb = ev(-60, 4104, CHANNEL_POWERSHELL, "WS01.corp.local", 1);
    sb.user_id = Some("S-1-5-21-1-2-3-1104".into());
    sb.script_block_text =
        Some("Invoke-Command\r\n   -ComputerName SRV01\t{ whoami }\u{1b}]0;owned\u{7}".into());
    sb.script_block_id = Some("{11111111-0000-0000-0000-000000000000}".into());
    sb.message_number = Some(1);
    sb.message_total = Some(2);
    let mut logon = ev(0, 4624, CHANNEL_SECURITY, "srv01.corp.local", 2);
    logon.data = data(&[
        ("LogonType", "3"),
        ("TargetUserName", "j.miller"),
        ("TargetDomainName", "CORP"),
        ("TargetUserSid", "S-1-5-21-1-2-3-1104"),
        ("SubjectUserSid", "S-1-0-0"),
        ("IpAddress", "10.0.0.5"),
        ("WorkstationName", "WS01"),
    ]);
    let mut privs = ev(1, 4672, CHANNEL_SECURITY, "SRV01.CORP.LOCAL", 3);
    privs.data = data(&[
        ("SubjectUserName", "j.miller"),
        ("SubjectDomainName", "CORP"),
        ("SubjectUserSid", "S-1-5-21-1-2-3-1104"),
    ]);
    let mut winrm = ev(
        2,
        169,
        "Microsoft-Windows-WinRM/Operational",
        "srv01.corp.local",
        4,
    );
    winrm.data = data(&[
        ("username", "CORP\\j.miller"),
        ("authenticationMechanism", "Kerberos"),
    ]);
    let mut engine = ev(3, 400, "Windows PowerShell", "srv01.corp.local", 5);
    engine.data = data(&[
        ("Data_1", "Available"),
        ("Data_2", "None"),
        (
            "Data_3",
            "\tNewEngineState=Available\r\n\tHostName=ServerRemoteHost\r\n\tHostApplication=C:\\Windows\\system32\\wsmprovhost.exe -Embedding\r\n",
        ),
    ]);
    let mut child = ev(4, 1, CHANNEL_SYSMON, "SRV01", 6);
    let cmd = format!("powershell.exe -EncodedCommand {ENC_WHOAMI}");
    child.data = data(&[
        (
            "Image",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        ),
        ("CommandLine", &cmd),
        ("ParentImage", "C:\\Windows\\System32\\wsmprovhost.exe"),
        ("User", "CORP\\j.miller"),
        ("ProcessId", "4242"),
    ]);
    let mut invocation = ev(5, 4103, CHANNEL_POWERSHELL, "srv01.corp.local", 7);
    invocation.user_id = Some("S-1-5-21-1-2-3-1104".into());
    invocation.data = data(&[
        (
            "ContextInfo",
            "        Severity = Informational\r\n        Host Name = ServerRemoteHost\r\n        Host Application = C:\\Windows\\system32\\wsmprovhost.exe -Embedding\r\n",
        ),
        (
            "Payload",
            "CommandInvocation(Get-Process): \"Get-Process\"\r\nParameterBinding(Get-Process): name=\"Name\"; value=\"lsass\"\r\n",
        ),
    ]);
    let mut net = ev(6, 3, CHANNEL_SYSMON, "srv01.corp.local", 8);
    net.user_id = Some("S-1-5-18".into());
    net.data = data(&[
        ("User", "NT AUTHORITY\\NETWORK SERVICE"),
        ("SourceIp", "10.0.0.9"),
        ("SourcePort", "50123"),
        ("DestinationIp", "10.0.0.20"),
        ("DestinationPort", "445"),
        ("Image", "C:\\Windows\\System32\\svchost.exe"),
    ]);
    let mut other = ev(7, 7045, "System", "srv01.corp.local", 9);
    other.data = data(&[
        ("ServiceName", "evil"),
        ("ImagePath", "C:\\evil.exe"),
        ("ServiceType", "user mode service"),
        ("StartType", "demand start"),
        ("AccountName", "LocalSystem"),
    ]);
    // Outside the window, another host with the same first label, another user on SRV01.
    let late = ev(3600, 4624, CHANNEL_SECURITY, "srv01.corp.local", 10);
    let twin = ev(10, 4688, CHANNEL_SECURITY, "srv01.other.local", 11);
    let mut admin = ev(8, 4624, CHANNEL_SECURITY, "srv01.corp.local", 12);
    admin.data = data(&[
        ("LogonType", "5"),
        ("TargetUserName", "SYSTEM"),
        ("TargetDomainName", "NT AUTHORITY"),
    ]);
    vec![
        sb, logon, privs, winrm, engine, child, invocation, net, other, late, twin, admin,
    ]
}

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    fn new(events: &[Event]) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("events.jsonl");
        huntbench::demo::write_ndjson_evtx_dump(events, &mut std::fs::File::create(&file).unwrap())
            .unwrap();
        let env = Env { tmp };
        let (code, _, err) = env.run(&["ingest", file.to_str().unwrap()], None);
        assert_eq!(code, 0, "{err}");
        env
    }

    fn run(&self, args: &[&str], columns: Option<&str>) -> (i32, String, String) {
        let (code, out, err) = cli_support::run(self.tmp.path(), args, columns);
        (code, String::from_utf8(out).unwrap(), err)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args, Some("250"));
        assert_eq!(code, 0, "{args:?} failed: {err}");
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }
}

fn codes(v: &Value) -> Vec<u64> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["event_code"].as_u64().unwrap())
        .collect()
}

fn summary_of(v: &Value, code: u64) -> String {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["event_code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {v}"))["summary"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_spelling_of_the_host_in_time_order_with_a_summary_per_type() {
    let env = Env::new(&story());
    let v = env.json(&[
        "timeline",
        "--host",
        "srv01.corp.local",
        "--around",
        "2024-10-21T11:30:00",
        "--window",
        "10m",
    ]);
    // SRV01 (short), SRV01.CORP.LOCAL and srv01.corp.local; not srv01.other.local, not WS01,
    // not the logon an hour later.
    assert_eq!(codes(&v), [4624, 4672, 169, 400, 1, 4103, 3, 7045, 4624]);
    assert_eq!(
        v["spellings"],
        serde_json::json!(["SRV01", "SRV01.CORP.LOCAL", "srv01.corp.local"])
    );
    assert_eq!(
        (v["total"].as_u64(), v["capped"].as_bool()),
        (Some(9), Some(false))
    );
    assert_eq!(v["window"], "10m");
    assert_eq!(v["lines"][0]["time"], "2024-10-21T11:30:00");
    assert_eq!(v["lines"][0]["user"], "CORP\\j.miller");
    assert_eq!(
        summary_of(&v, 4624),
        "logon type 3 · CORP\\j.miller · from 10.0.0.5 (WS01)"
    );
    assert_eq!(summary_of(&v, 4672), "special privileges · CORP\\j.miller");
    assert_eq!(
        summary_of(&v, 169),
        "WinRM authenticated · user CORP\\j.miller · auth Kerberos"
    );
    assert_eq!(
        summary_of(&v, 400),
        "engine started · HostName=ServerRemoteHost · HostApplication=C:\\Windows\\system32\\wsmprovhost.exe -Embedding"
    );
    assert_eq!(
        summary_of(&v, 1),
        format!(
            "powershell.exe -EncodedCommand {ENC_WHOAMI} [decoded -EncodedCommand: whoami] · parent wsmprovhost.exe"
        )
    );
    assert_eq!(
        summary_of(&v, 4103),
        "CommandInvocation(Get-Process): \"Get-Process\" · host C:\\Windows\\system32\\wsmprovhost.exe -Embedding"
    );
    // Sysmon's own account is not the process's: its User is.
    let net = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["event_code"] == 3)
        .unwrap();
    assert_eq!(net["user"], "NT AUTHORITY\\NETWORK SERVICE");
    assert_eq!(
        summary_of(&v, 3),
        "10.0.0.9:50123 → 10.0.0.20:445 · svchost.exe"
    );
    // Anything else: the first few EventData pairs.
    assert_eq!(
        summary_of(&v, 7045),
        "AccountName=LocalSystem · ImagePath=C:\\evil.exe · ServiceName=evil · ServiceType=user mode service"
    );
}

#[test]
fn a_script_block_shows_its_start_and_part_exact_in_json_inert_in_table_and_csv() {
    let env = Env::new(&story());
    let args = [
        "timeline",
        "--host",
        "ws01",
        "--around",
        "2024-10-21T11:30:00",
        "--window",
        "90s",
    ];
    let v = env.json(&args);
    assert_eq!(codes(&v), [4104]);
    // White space collapsed; the ESC and BEL kept exact (JSON escapes them).
    assert_eq!(
        summary_of(&v, 4104),
        "[part 1/2] Invoke-Command -ComputerName SRV01 { whoami }\u{1b}]0;owned\u{7}"
    );
    let table = env.ok(&args);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(
        table.contains("[part 1/2] Invoke-Command -ComputerName SRV01 { whoami }␛]0;owned␇"),
        "{table}"
    );
    assert!(
        table.starts_with("1 events on ws01 within ±1m30s of 2024-10-21T11:30:00\n"),
        "{table}"
    );
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv = env.ok(&csv_args);
    assert!(!csv.contains('\u{1b}'), "{csv:?}");
    assert!(
        csv.starts_with("time,host,event_code,channel,user,summary\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("2024-10-21T11:29:00,WS01.corp.local,4104,"),
        "{csv}"
    );
}

#[test]
fn by_user_across_hosts_and_narrowed_to_one_host() {
    let env = Env::new(&story());
    let base = [
        "timeline",
        "--around",
        "2024-10-21T11:30:00",
        "--window",
        "10m",
    ];
    let mut args = base.to_vec();
    args.extend(["--user", "j.MILLER"]);
    let v = env.json(&args);
    // The 4104's SID is named by the 4624 (Security events name SIDs); the process by its
    // User, the logon by its target, 4672 by its subject, WinRM by its username, 4103 by SID.
    assert_eq!(codes(&v), [4104, 4624, 4672, 169, 1, 4103]);
    let mut args = base.to_vec();
    args.extend(["--user", "corp.local\\j.miller", "--host", "srv01"]);
    let v = env.json(&args);
    assert_eq!(codes(&v), [4624, 4672, 169, 1, 4103]);
    // A SID finds its own events and, by the name the Security events give it, the process
    // and the WinRM authentication that name the account.
    let mut args = base.to_vec();
    args.extend(["--user", "S-1-5-21-1-2-3-1104"]);
    assert_eq!(codes(&env.json(&args)), [4104, 4624, 4672, 169, 1, 4103]);
    let mut args = base.to_vec();
    args.extend(["--user", "OTHER\\j.miller"]);
    assert_eq!(codes(&env.json(&args)), Vec::<u64>::new());
}

#[test]
fn an_empty_window_is_an_answer_and_an_unknown_host_an_error_naming_it() {
    let env = Env::new(&story());
    let (code, out, err) = env.run(
        &[
            "timeline",
            "--host",
            "SRV01",
            "--around",
            "2024-10-20T00:00:00",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "no events on SRV01 within ±10m of 2024-10-20T00:00:00\n"
    );
    let (code, out, err) = env.run(
        &[
            "timeline",
            "--host",
            "srv1",
            "--around",
            "2024-10-21T11:30:00",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("the index has no events from host \"srv1\"")
            && err.contains("near spellings it has: SRV01"),
        "{err}"
    );
    let (code, _, err) = env.run(
        &[
            "timeline",
            "--host",
            "nothing-like-it",
            "--around",
            "2024-10-21T11:30:00",
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(!err.contains("near spellings"), "{err}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let env = Env::new(&story());
    for (args, says) in [
        (
            vec!["timeline", "--host", "srv01", "--around", "yesterday-ish"],
            "bad time \"yesterday-ish\"",
        ),
        (
            vec![
                "timeline",
                "--host",
                "srv01",
                "--around",
                "2024-10-21",
                "--window",
                "10q",
            ],
            "bad window \"10q\"",
        ),
        (
            vec![
                "timeline",
                "--host",
                "srv01",
                "--around",
                "2024-10-21",
                "--window",
                "0s",
            ],
            "bad window \"0s\"",
        ),
        (vec!["timeline", "--around", "2024-10-21"], "--host"),
    ] {
        let (code, out, err) = env.run(&args, None);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn the_cap_keeps_the_newest_and_says_so() {
    let mut events = Vec::new();
    for i in 0..30 {
        events.push(ev(
            i,
            4663,
            CHANNEL_SECURITY,
            "busy.corp.local",
            i as u64 + 1,
        ));
    }
    let env = Env::new(&events);
    let args = [
        "timeline",
        "--host",
        "busy",
        "--around",
        "2024-10-21T11:30:15",
        "--window",
        "1m",
        "--limit",
        "5",
    ];
    let table = env.ok(&args);
    assert!(
        table.starts_with(
            "30 events on busy within ±1m of 2024-10-21T11:30:15 (capped: the newest 5 shown; narrow the window to see the rest)\n"
        ),
        "{table}"
    );
    let v = env.json(&args);
    assert_eq!(
        (v["total"].as_u64(), v["shown"].as_u64()),
        (Some(30), Some(5))
    );
    assert_eq!(v["capped"], true);
    let times: Vec<&str> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["time"].as_str().unwrap())
        .collect();
    assert_eq!(
        times,
        [
            "2024-10-21T11:30:25",
            "2024-10-21T11:30:26",
            "2024-10-21T11:30:27",
            "2024-10-21T11:30:28",
            "2024-10-21T11:30:29"
        ]
    );
}

#[test]
fn times_follow_tz() {
    let env = Env::new(&story());
    let v = env.json(&[
        "timeline",
        "--host",
        "ws01.corp.local",
        "--around",
        "2024-10-21T11:29:00Z",
        "--window",
        "1s",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(v["lines"][0]["time"], "2024-10-21T13:29:00");
    assert_eq!(v["around"], "2024-10-21T13:29:00");
}
