//! Sigma rules and events written by the tests themselves (never SigmaHQ's), shared by the
//! CLI and TUI tests of Sigma rules as saved queries.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

pub const R_PROC: &str = "0c2a6f1e-0000-4000-8000-000000000001";
pub const R_SCRIPT: &str = "0c2a6f1e-0000-4000-8000-000000000002";
pub const R_LOGON: &str = "0c2a6f1e-0000-4000-8000-000000000003";
pub const R_BAD_MOD: &str = "0c2a6f1e-0000-4000-8000-000000000004";
pub const R_AGG: &str = "0c2a6f1e-0000-4000-8000-000000000005";

pub fn proc_rule(extra: &str) -> String {
    format!(
        "title: Remote command through Invoke-Command
id: {R_PROC}
status: test
level: high
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\powershell.exe'
        CommandLine|contains|all:
            - 'Invoke-Command'
            - '-ComputerName'{extra}
    condition: selection
"
    )
}

pub fn write_rules(dir: &Path) {
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("proc.yml"), proc_rule("")).unwrap();
    std::fs::write(
        dir.join("nested/script.yaml"),
        format!(
            "title: Mimikatz in a script block
id: {R_SCRIPT}
status: experimental
level: critical
logsource:
    product: windows
    category: ps_script
detection:
    selection:
        ScriptBlockText|contains: 'invoke-mimikatz'
    condition: selection
"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("logon.yml"),
        format!(
            "title: Network logon by a person
id: {R_LOGON}
status: stable
level: low
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4624
        LogonType: 3
    filter_machine:
        TargetUserName|endswith: '$'
    condition: selection and not filter_machine
"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad_modifier.yml"),
        format!(
            "title: Uses a modifier nobody defined
id: {R_BAD_MOD}
level: medium
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        CommandLine|sideways: 'x'
    condition: selection
"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("aggregation.yml"),
        format!(
            "title: Many logons
id: {R_AGG}
level: medium
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection | count() > 5
"
        ),
    )
    .unwrap();
}

pub const T0: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

pub fn event(
    code: u32,
    channel: &str,
    computer: &str,
    rid: u64,
    secs: i64,
    data: &[(&str, &str)],
) -> Event {
    Event {
        time: T0 + secs * 1_000_000,
        event_code: code,
        channel: channel.into(),
        provider: "Test".into(),
        computer: computer.into(),
        record_id: Some(rid),
        data: data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..Default::default()
    }
}

pub fn events() -> Vec<Event> {
    let ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
    let mut v = vec![
        // Two matches on WS1 by one user, one on WS2; one near miss (no -ComputerName).
        event(
            1,
            CHANNEL_SYSMON,
            "WS1.corp.local",
            10,
            10,
            &[
                ("Image", ps),
                (
                    "CommandLine",
                    "powershell Invoke-Command -ComputerName DC1 -ScriptBlock {whoami}",
                ),
                ("User", "CORP\\alice"),
            ],
        ),
        event(
            1,
            CHANNEL_SYSMON,
            "WS1.corp.local",
            11,
            70,
            &[
                ("Image", ps),
                (
                    "CommandLine",
                    "powershell INVOKE-COMMAND -computername DC2 {hostname}",
                ),
                ("User", "CORP\\alice"),
            ],
        ),
        event(
            1,
            CHANNEL_SYSMON,
            "WS2.corp.local",
            12,
            130,
            &[
                ("Image", ps),
                (
                    "CommandLine",
                    "powershell Invoke-Command -ComputerName FS1 {ipconfig}",
                ),
                ("User", "CORP\\bob"),
            ],
        ),
        event(
            1,
            CHANNEL_SYSMON,
            "WS2.corp.local",
            13,
            190,
            &[
                ("Image", ps),
                (
                    "CommandLine",
                    "powershell Invoke-Command -ScriptBlock {ipconfig}",
                ),
                ("User", "CORP\\bob"),
            ],
        ),
        // A network logon by a person (kept), one by a machine account (filtered).
        event(
            4624,
            CHANNEL_SECURITY,
            "DC1.corp.local",
            20,
            15,
            &[
                ("LogonType", "3"),
                ("SubjectUserName", "-"),
                ("TargetUserName", "alice"),
                ("TargetDomainName", "CORP"),
            ],
        ),
        event(
            4624,
            CHANNEL_SECURITY,
            "DC1.corp.local",
            21,
            16,
            &[("LogonType", "3"), ("TargetUserName", "WS1$")],
        ),
    ];
    let mut sb = event(4104, CHANNEL_POWERSHELL, "WS1.corp.local", 30, 300, &[]);
    sb.script_block_text =
        Some("IEX (New-Object Net.WebClient); Invoke-Mimikatz -DumpCreds".into());
    sb.script_block_id = Some("{00000000-0000-0000-0000-00000000000a}".into());
    sb.message_number = Some(1);
    sb.message_total = Some(1);
    sb.user_id = Some("S-1-5-21-1-2-3-1104".into());
    v.push(sb);
    v
}
