//! Target-side events of a remote session, built by hand in the shapes Windows logs them.
#![allow(dead_code)]

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::time::parse_timestamp;

pub const HOST: &str = "SRV-DB01.corp.local";
pub const USER: &str = "CORP\\alice";
pub const SID: &str = "S-1-5-21-1-2-3-1107";

pub fn at(t: &str) -> i64 {
    parse_timestamp(&format!("2026-03-04T{t}Z")).unwrap()
}

fn base(rid: u64, t: &str, channel: &str, code: u32) -> Event {
    Event {
        time: at(t),
        event_code: code,
        channel: channel.into(),
        computer: HOST.into(),
        record_id: Some(rid),
        ..Default::default()
    }
}

/// Sysmon 1 of a process; `parent` is its parent's image name.
pub fn process(
    rid: u64,
    t: &str,
    image: &str,
    cmd: &str,
    parent: &str,
    ppid: u32,
    logon: &str,
) -> Event {
    let mut e = base(rid, t, CHANNEL_SYSMON, 1);
    e.user = Some(USER.into());
    e.user_id = Some("S-1-5-18".into());
    e.process = Some(cmd.into());
    e.process_name = Some(image.into());
    e.process_path = Some(format!("C:\\Windows\\System32\\{image}"));
    e.process_id = Some((ppid + 100 + rid as u32).to_string());
    e.parent_process_name = Some(parent.into());
    e.parent_process_id = Some(ppid.to_string());
    e.data.insert("LogonId".into(), logon.into());
    // The raw EventData too, so the event survives a round trip through a log file.
    let fields = [
        ("Image", e.process_path.clone()),
        ("CommandLine", e.process.clone()),
        (
            "ParentImage",
            Some(format!("C:\\Windows\\System32\\{parent}")),
        ),
        ("ParentProcessId", e.parent_process_id.clone()),
        ("ProcessId", e.process_id.clone()),
        ("User", e.user.clone()),
    ];
    for (k, v) in fields {
        e.data.insert(k.into(), v.unwrap_or_default());
    }
    e
}

/// wsmprovhost.exe itself starting with process id `pid`.
pub fn wsmprovhost(rid: u64, t: &str, pid: u32, logon: &str) -> Event {
    let mut e = process(
        rid,
        t,
        "wsmprovhost.exe",
        "C:\\Windows\\system32\\wsmprovhost.exe -Embedding",
        "svchost.exe",
        640,
        logon,
    );
    e.process_id = Some(pid.to_string());
    e.data.insert("ProcessId".into(), pid.to_string());
    e
}

/// A child of the wsmprovhost process `pid`.
pub fn child(rid: u64, t: &str, image: &str, cmd: &str, pid: u32, logon: &str) -> Event {
    process(rid, t, image, cmd, "wsmprovhost.exe", pid, logon)
}

/// Security 4624 logon type 3.
pub fn logon(rid: u64, t: &str, user: &str, logon_id: &str, ip: &str, station: &str) -> Event {
    let mut e = base(rid, t, CHANNEL_SECURITY, 4624);
    let (domain, name) = user.split_once('\\').unwrap();
    for (k, v) in [
        ("LogonType", "3"),
        ("TargetUserName", name),
        ("TargetDomainName", domain),
        ("TargetUserSid", SID),
        ("TargetLogonId", logon_id),
        ("IpAddress", ip),
        ("WorkstationName", station),
        ("SubjectUserSid", "S-1-0-0"),
        ("SubjectUserName", "-"),
        ("SubjectDomainName", "-"),
    ] {
        e.data.insert(k.into(), v.into());
    }
    e
}

/// Security 4672 of the logon `logon_id`.
pub fn admin(rid: u64, t: &str, logon_id: &str) -> Event {
    let mut e = base(rid, t, CHANNEL_SECURITY, 4672);
    for (k, v) in [
        ("SubjectUserName", "alice"),
        ("SubjectDomainName", "CORP"),
        ("SubjectUserSid", SID),
        ("SubjectLogonId", logon_id),
    ] {
        e.data.insert(k.into(), v.into());
    }
    e
}

/// Windows PowerShell 400 of a host named `host_name`, written by `pid`.
pub fn engine(rid: u64, t: &str, host_name: &str, pid: Option<u32>) -> Event {
    let mut e = base(rid, t, "Windows PowerShell", 400);
    e.pid = pid;
    e.data.insert("Data_1".into(), "Available".into());
    e.data.insert(
        "Data_3".into(),
        format!("\tNewEngineState=Available\r\n\tHostName={host_name}\r\n\tHostApplication=C:\\Windows\\system32\\wsmprovhost.exe -Embedding\r\n"),
    );
    e
}

/// PowerShell/Operational 4104 written by `pid` under the user's SID.
pub fn block(rid: u64, t: &str, text: &str, pid: u32) -> Event {
    let mut e = base(rid, t, CHANNEL_POWERSHELL, 4104);
    e.pid = Some(pid);
    e.user_id = Some(SID.into());
    e.script_block_text = Some(text.into());
    e.script_block_id = Some(format!("00000000-0000-0000-0000-{rid:012}"));
    e.message_number = Some(1);
    e.message_total = Some(1);
    e
}

/// Sysmon 3: a connection this host accepted on `port` from `ip`.
pub fn connection(rid: u64, t: &str, ip: &str, port: &str) -> Event {
    let mut e = base(rid, t, CHANNEL_SYSMON, 3);
    for (k, v) in [
        ("Initiated", "false"),
        ("SourceIp", ip),
        ("SourcePort", "50123"),
        ("DestinationIp", "10.1.2.20"),
        ("DestinationPort", port),
        ("Image", "System"),
    ] {
        e.data.insert(k.into(), v.into());
    }
    e
}

/// WinRM/Operational `code` with `data`.
pub fn winrm(rid: u64, t: &str, code: u32, data: &[(&str, &str)]) -> Event {
    let mut e = base(rid, t, "Microsoft-Windows-WinRM/Operational", code);
    e.user_id = Some(SID.into());
    for (k, v) in data {
        e.data.insert((*k).into(), (*v).into());
    }
    e
}

/// One whole session: alice from WS-FIN-07 (10.1.2.7), plugin host 4242, logon 0x3e1a.
pub fn session() -> Vec<Event> {
    vec![
        connection(1, "10:00:00", "10.1.2.7", "5985"),
        logon(2, "10:00:01", USER, "0x3e1a", "10.1.2.7", "WS-FIN-07"),
        admin(3, "10:00:01", "0x3e1a"),
        wsmprovhost(4, "10:00:02", 4242, "0x3e1a"),
        engine(5, "10:00:03", "ServerRemoteHost", Some(4242)),
        block(6, "10:00:04", "whoami /groups; Get-Service", 4242),
        child(
            7,
            "10:00:05",
            "whoami.exe",
            "\"C:\\Windows\\system32\\whoami.exe\" /groups",
            4242,
            "0x3e1a",
        ),
        child(
            8,
            "10:00:06",
            "powershell.exe",
            "powershell.exe -NoP -enc dwBoAG8AYQBtAGkA",
            4242,
            "0x3e1a",
        ),
    ]
}

/// The events as XmlWinEventLog lines, each with its System/Execution/@ProcessID.
pub fn xml_lines(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        let mut buf = Vec::new();
        huntbench::demo::write_xml_lines(std::iter::once(e), &mut buf).unwrap();
        let mut line = String::from_utf8(buf).unwrap().trim_end().to_string();
        if let Some(pid) = e.pid
            && !line.contains("<Execution")
        {
            let at = line.find("<Channel>").unwrap();
            line.insert_str(at, &format!("<Execution ProcessID='{pid}' ThreadID='7'/>"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
