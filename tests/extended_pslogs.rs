//! The source side in PowerShell's module (4103), pipeline (800) and engine (400/403/600)
//! logs: rows labelled with their log, targets from the command's own bindings only, nothing
//! from the target side of a session, the same rows through tags and through an exact scan.

use std::collections::BTreeMap;

use huntbench::analytics;
use huntbench::event::{CHANNEL_POWERSHELL, Event};
use huntbench::extended::{ExtendedRow, SidNames, hunt, is_candidate, is_relevant_event};
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::time::TimeRange;
use huntbench::workbench::{Access, Workbench};

const CLASSIC: &str = "Windows PowerShell";

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn module_context(host: &str, app: &str) -> String {
    format!(
        "        Severity = Informational\r\n        Host Name = {host}\r\n        Host Version = 5.1\r\n        Host Application = {app}\r\n        Engine Version = 5.1\r\n        Command Name = x\r\n        User = CORP\\alice\r\n        Connected User = \r\n        Shell ID = Microsoft.PowerShell\r\n"
    )
}

fn e4103(rid: u64, payload: &str, context: &str) -> Event {
    Event {
        time: 1_700_000_000_000_000 + rid as i64 * 1_000_000,
        event_code: 4103,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: "WS01.corp.local".into(),
        record_id: Some(rid),
        user_id: Some("S-1-5-21-1-2-3-1104".into()),
        data: data(&[("Payload", payload), ("ContextInfo", context)]),
        ..Default::default()
    }
}

fn classic(rid: u64, code: u32, fields: &[(&str, &str)]) -> Event {
    Event {
        time: 1_700_000_000_000_000 + rid as i64 * 1_000_000,
        event_code: code,
        channel: CLASSIC.into(),
        provider: "PowerShell".into(),
        computer: "WS01.corp.local".into(),
        record_id: Some(rid),
        data: data(fields),
        ..Default::default()
    }
}

fn pipeline_context(host: &str, app: &str) -> String {
    format!(
        "\tDetailSequence=1\r\n\tDetailTotal=1\r\n\r\n\tSequenceNumber=23\r\n\r\n\tUserId=CORP\\bob\r\n\tHostName={host}\r\n\tHostVersion=5.1\r\n\tHostApplication={app}\r\n\tEngineVersion=5.1\r\n\tPipelineId=1\r\n"
    )
}

fn engine_details(app: &str) -> String {
    format!(
        "\tNewEngineState=Available\r\n\tPreviousEngineState=None\r\n\r\n\tSequenceNumber=13\r\n\r\n\tHostName=ConsoleHost\r\n\tHostVersion=5.1\r\n\tHostApplication={app}\r\n\tEngineVersion=5.1\r\n\tRunspaceId=1\r\n"
    )
}

const ICM_PAYLOAD: &str = "CommandInvocation(Invoke-Command): \"Invoke-Command\"\r\nParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"SRV01, SRV02\"\r\nParameterBinding(Invoke-Command): name=\"ScriptBlock\"; value=\" whoami \"\r\n";
const PS: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const WSMPROVHOST: &str = "C:\\Windows\\system32\\wsmprovhost.exe -Embedding";

fn rows(events: &[Event]) -> Vec<ExtendedRow> {
    let refs: Vec<&Event> = events.iter().collect();
    hunt(&refs, &SidNames::default()).rows
}

#[test]
fn module_logging_gives_a_row_with_the_bound_targets_and_the_context_user() {
    let e = e4103(1, ICM_PAYLOAD, &module_context("ConsoleHost", PS));
    assert!(is_candidate(&e) && is_relevant_event(&e));
    let r = rows(&[e]);
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(r[0].log, "4103 module");
    assert_eq!(r[0].technique, "invoke-command:computername");
    assert_eq!(r[0].targets, vec!["SRV01".to_string(), "SRV02".to_string()]);
    assert_eq!(r[0].user.as_deref(), Some("CORP\\alice"));
    assert_eq!(r[0].user_source.as_deref(), Some("event"));
    assert_eq!(r[0].user_id.as_deref(), Some("S-1-5-21-1-2-3-1104"));
    assert!(!r[0].escu, "ESCU reads no 4103");
    assert_eq!(
        r[0].text,
        "Invoke-Command -ComputerName:'SRV01','SRV02' -ScriptBlock:' whoami '"
    );
}

#[test]
fn only_the_commands_own_bindings_count() {
    let ctx = module_context("ConsoleHost", PS);
    for payload in [
        // A note property named ComputerName (Add-RemoteRegBackdoor's result object).
        "CommandInvocation(Add-Member): \"Add-Member\"\r\nParameterBinding(Add-Member): name=\"MemberType\"; value=\"NoteProperty\"\r\nParameterBinding(Add-Member): name=\"Name\"; value=\"ComputerName\"\r\nParameterBinding(Add-Member): name=\"Value\"; value=\"FS03\"\r\n",
        // WMI over DCOM, not WinRM.
        "CommandInvocation(Get-WmiObject): \"Get-WmiObject\"\r\nParameterBinding(Get-WmiObject): name=\"Class\"; value=\"Win32_Service\"\r\nParameterBinding(Get-WmiObject): name=\"ComputerName\"; value=\"FS03\"\r\n",
        // Remoting words inside another command's value.
        "CommandInvocation(Write-Verbose): \"Write-Verbose\"\r\nParameterBinding(Write-Verbose): name=\"Message\"; value=\"Invoke-Command -ComputerName FS03\"\r\n",
        // A binding logged for Invoke-Command without its invocation in this event.
        "CommandInvocation(Get-Date): \"Get-Date\"\r\nParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"FS03\"\r\n",
        // A local Invoke-Command (no remote parameter).
        "CommandInvocation(Invoke-Command): \"Invoke-Command\"\r\nParameterBinding(Invoke-Command): name=\"ScriptBlock\"; value=\"Get-Process\"\r\n",
    ] {
        let e = e4103(2, payload, &ctx);
        assert_eq!(rows(std::slice::from_ref(&e)), vec![], "{payload}");
        assert!(!is_relevant_event(&e), "{payload}");
    }
}

#[test]
fn pipeline_details_in_evtx_and_in_a_rendered_message() {
    let context = pipeline_context("ConsoleHost", PS);
    let details = ICM_PAYLOAD;
    let evtx = classic(
        3,
        800,
        &[
            ("Data_1", "Invoke-Command -cn SRV01,SRV02 { whoami }"),
            ("Data_2", &context),
            ("Data_3", details),
        ],
    );
    let message = format!(
        "Pipeline execution details for command line: Invoke-Command -cn SRV01,SRV02 {{ whoami }}. \r\n\r\nContext Information: \r\n{context}\r\n\r\nDetails: \r\n{details}"
    );
    let flat = classic(4, 800, &[("EventType", "INFO"), ("Message", &message)]);
    for e in [evtx, flat] {
        assert!(is_candidate(&e));
        let r = rows(std::slice::from_ref(&e));
        assert_eq!(r.len(), 1, "{r:#?}");
        assert_eq!(r[0].log, "800 pipeline");
        assert_eq!(r[0].targets, vec!["SRV01".to_string(), "SRV02".to_string()]);
        assert_eq!(r[0].user.as_deref(), Some("CORP\\bob"));
        assert_eq!(r[0].user_id, None);
        assert!(!r[0].escu);
    }
}

#[test]
fn engine_host_application_is_read_as_a_command_line() {
    // `icm -cn SRV07 {id}` as UTF-16LE base64.
    let script: Vec<u8> = "icm -cn SRV07 {id}"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let b64 = base64(&script);
    let encoded = format!("powershell.exe -NoP -EncodedCommand {b64}");
    let plain = "powershell.exe -c \"Enter-PSSession -ComputerName DC01\"";
    let events = vec![
        classic(5, 400, &[("Data_3", &engine_details(&encoded))]),
        classic(6, 600, &[("Data_3", &engine_details(&encoded))]),
        classic(
            7,
            403,
            &[(
                "Message",
                &format!(
                    "Engine state is changed from Available to Stopped. \r\n\r\nDetails: \r\n{}",
                    engine_details(plain)
                ),
            )],
        ),
    ];
    let r = rows(&events);
    let got: Vec<(&str, &str, Vec<String>, u64)> = r
        .iter()
        .map(|r| {
            (
                r.log.as_str(),
                r.technique.as_str(),
                r.targets.clone(),
                r.count,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "400/403/600 HostApplication",
                "enter-pssession:computername",
                vec!["DC01".to_string()],
                1
            ),
            (
                "400/403/600 HostApplication",
                "icm:cn+encoded",
                vec!["SRV07".to_string()],
                2
            ),
        ]
    );
    assert_eq!(r[1].text, "icm -cn SRV07 {id}", "the decoded text is shown");
}

#[test]
fn the_target_side_of_a_session_gives_no_row() {
    let events = vec![
        e4103(
            8,
            ICM_PAYLOAD,
            &module_context("ServerRemoteHost", WSMPROVHOST),
        ),
        e4103(9, ICM_PAYLOAD, &module_context("ConsoleHost", WSMPROVHOST)),
        classic(
            10,
            800,
            &[
                ("Data_2", &pipeline_context("ServerRemoteHost", WSMPROVHOST)),
                ("Data_3", ICM_PAYLOAD),
            ],
        ),
        classic(11, 400, &[("Data_3", &engine_details(WSMPROVHOST))]),
        classic(
            12,
            600,
            &[(
                "Data_3",
                &engine_details(WSMPROVHOST).replace("ConsoleHost", "ServerRemoteHost"),
            )],
        ),
    ];
    for e in &events {
        assert!(!is_candidate(e), "{:?}", e.data);
    }
    assert_eq!(rows(&events), vec![]);
}

#[test]
fn other_logs_are_not_read() {
    // The same text in an event of another code or channel is no PowerShell-log evidence.
    let mut e = e4103(13, ICM_PAYLOAD, &module_context("ConsoleHost", PS));
    e.event_code = 4105;
    assert!(!is_candidate(&e));
    let mut c = classic(14, 800, &[("Data_3", ICM_PAYLOAD)]);
    c.channel = "Application".into();
    assert!(!is_candidate(&c));
    assert_eq!(rows(&[e, c]), vec![]);
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Through the index: the tagged path and the exact scan (tags stale) give the same rows, and
/// the parity analytics give none for these logs.
#[test]
fn tagged_and_scanned_hunts_agree_and_parity_is_unchanged() {
    let events = vec![
        e4103(20, ICM_PAYLOAD, &module_context("ConsoleHost", PS)),
        e4103(
            21,
            ICM_PAYLOAD,
            &module_context("ServerRemoteHost", WSMPROVHOST),
        ),
        classic(
            22,
            800,
            &[
                ("Data_1", "x"),
                ("Data_2", &pipeline_context("ConsoleHost", PS)),
                ("Data_3", ICM_PAYLOAD),
            ],
        ),
        classic(
            23,
            400,
            &[
                ("Data_1", "Available"),
                ("Data_2", "None"),
                (
                    "Data_3",
                    &engine_details("powershell.exe -c \"icm -cn SRV09 {1}\""),
                ),
            ],
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("ps.jsonl");
    huntbench::demo::write_ndjson_evtx_dump(&events, &mut std::fs::File::create(&file).unwrap())
        .unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    let mut answers = Vec::new();
    for (name, extended) in [("tagged", true), ("scanned", false)] {
        let wb = Workbench::from_parts(
            Index::create_or_open(&tmp.path().join(name)).unwrap(),
            queries.clone(),
            tmp.path().join(format!("{name}.toml")),
        );
        let opts = IngestOptions {
            extended,
            ..Default::default()
        };
        wb.ingest(vec![file.clone()], &opts, &mut |_| {}, &mut |_| {})
            .unwrap();
        let q = wb.query("winrm_remoting_extended").unwrap().clone();
        let want = if extended {
            Access::Tagged
        } else {
            Access::Scan
        };
        assert_eq!(wb.access(&q), want);
        let hunts = wb.hunt(&[], TimeRange::ALL, false).unwrap();
        for h in &hunts {
            if h.query.kind == analytics::QueryKind::Parity {
                assert!(h.groups.is_empty(), "{}: {:?}", h.query.id, h.groups);
            }
        }
        let ext = wb.extended_hunt(TimeRange::ALL).unwrap();
        answers.push(ext.rows);
    }
    let logs: Vec<(&str, Vec<String>)> = answers[0]
        .iter()
        .map(|r| (r.log.as_str(), r.targets.clone()))
        .collect();
    assert_eq!(
        logs,
        vec![
            ("400/403/600 HostApplication", vec!["SRV09".to_string()]),
            (
                "4103 module",
                vec!["SRV01".to_string(), "SRV02".to_string()]
            ),
            (
                "800 pipeline",
                vec!["SRV01".to_string(), "SRV02".to_string()]
            ),
        ]
    );
    assert_eq!(answers[0], answers[1], "tagged and scanned rows differ");
}

mod hostile {
    use super::*;
    use proptest::prelude::*;

    const FRAGMENTS: &[&str] = &[
        "CommandInvocation(Invoke-Command): \"Invoke-Command\"\r\n",
        "CommandInvocation(icm): \"icm\"\r\n",
        "CommandInvocation(Enter-PSSession): \"Enter-PSSession\"\r\n",
        "ParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"",
        "ParameterBinding(Enter-PSSession): name=\"ConnectionUri\"; value=\"http://h:5985\"\r\n",
        "ParameterBinding(Invoke-Command): name=\"ScriptBlock\"; value=\"{ '}\"\r\n",
        "ParameterBinding(x y): name=\"a b\"; value=\"c\"\r\n",
        "a, b",
        "\"\r\n",
        "'",
        "\u{2019}",
        "): ",
        "(",
        "\n",
        "\r\n\tHostName=ServerRemoteHost\r\n",
        "\tHostApplication=",
        "        User = ",
        "=",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
                1 => "\\PC{0,24}",
            ],
            0..16,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever a 4103 / 800 / 400 holds: no panic, the prefilter keeps every event the
        /// hunt would read, and a row names its log.
        #[test]
        fn any_payload_and_context_is_read_safely(payload in text(), context in text()) {
            let events = vec![
                e4103(30, &payload, &context),
                classic(31, 800, &[("Data_2", &context), ("Data_3", &payload)]),
                classic(32, 800, &[("Message", &format!("x Context Information: {context} Details: {payload}"))]),
                classic(33, 400, &[("Data_3", &format!("{context}\r\n\tHostApplication={payload}"))]),
            ];
            for e in &events {
                if is_relevant_event(e) {
                    prop_assert!(is_candidate(e), "relevant but no candidate: {:?}", e.data);
                }
            }
            for r in rows(&events) {
                prop_assert!(
                    ["4103 module", "800 pipeline", "400/403/600 HostApplication"].contains(&r.log.as_str()),
                    "{}", r.log
                );
                prop_assert!(!r.escu);
            }
        }
    }
}

#[test]
fn a_crafted_payload_of_many_records_stays_linear() {
    let mut payload = String::new();
    for k in 0..40_000 {
        payload.push_str(&format!("CommandInvocation(Cmd{k}): \"x\"\r\n"));
    }
    for _ in 0..40_000 {
        payload.push_str("ParameterBinding(Other): name=\"ComputerName\"; value=\"x\"\r\n");
    }
    payload.push_str("CommandInvocation(Invoke-Command): \"Invoke-Command\"\r\nParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"LAST01\"\r\n");
    let e = e4103(40, &payload, &module_context("ConsoleHost", PS));
    let started = std::time::Instant::now();
    let r = rows(&[e]);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    // The rebuilt text is capped (a real 4103 / 800 logs one invocation): the one past the
    // cap is not read.
    assert_eq!(r, vec![]);
}
