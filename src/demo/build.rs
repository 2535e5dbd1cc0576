//! Event constructors: each fills the raw `data` map the way the real log carries it and sets the
//! normalized fields exactly as a reader maps them (SEMANTICS.md §4), from the same values.

use std::collections::BTreeMap;

use base64::Engine;

use super::world::{DOMAIN, basename};
use crate::event::{
    CHANNEL_POWERSHELL, CHANNEL_POWERSHELL_CORE, CHANNEL_SECURITY, CHANNEL_SYSMON, Event,
};

/// Provider of Security-log events.
pub const PROVIDER_SECURITY: &str = "Microsoft-Windows-Security-Auditing";
/// Provider of Sysmon events.
pub const PROVIDER_SYSMON: &str = "Microsoft-Windows-Sysmon";

pub(crate) fn base(time: i64, code: u32, channel: &str, provider: &str, computer: &str) -> Event {
    Event {
        time,
        event_code: code,
        channel: channel.to_string(),
        provider: provider.to_string(),
        computer: computer.to_string(),
        pid: writer_pid(channel, computer),
        ..Default::default()
    }
}

/// Channel of WinRM's own log on the server (`91` shell created, `169` user authenticated).
pub const CHANNEL_WINRM: &str = "Microsoft-Windows-WinRM/Operational";
/// The classic Windows PowerShell log (`400`/`403` engine state, `600` provider, `800` pipeline).
pub const CHANNEL_CLASSIC: &str = "Windows PowerShell";

/// System/Execution/@ProcessID as Windows writes it: the service that logs the channel, the
/// same process for every record of one host (Sysmon's service, lsass for Security,
/// services.exe for the Service Control Manager, the svchost hosting WinRM). The classic
/// Windows PowerShell log is written through the old event-log API: ProcessID 0, as in the
/// real atomic-evtx and Security-Datasets captures. PowerShell/Operational records carry the
/// host process's pid: their builders set it.
fn writer_pid(channel: &str, computer: &str) -> Option<u32> {
    // (role, lowest pid / 4, how many candidates): lsass and services.exe start early (pids
    // in the hundreds), Sysmon and the WinRM svchost later.
    let (role, lo, span) = match channel {
        CHANNEL_SYSMON => ("sysmon", 500, 500),
        CHANNEL_SECURITY => ("lsass", 150, 25),
        "System" => ("services", 175, 25),
        CHANNEL_WINRM => ("winrm", 275, 150),
        CHANNEL_CLASSIC => return Some(0),
        _ => return None,
    };
    let h = xxhash_rust::xxh3::xxh3_64(format!("{role}/{}", computer.to_lowercase()).as_bytes());
    // Windows pids are multiples of 4.
    Some((lo + (h % span) as u32) * 4)
}

/// System/Execution/@ThreadID: not kept by the readers (no field holds it), so the writers
/// derive a stable, plausible one from the writing process and the record.
pub(crate) fn thread_id(e: &Event) -> u32 {
    match e.pid {
        Some(0) | None => 0,
        Some(pid) => {
            let h = xxhash_rust::xxh3::xxh3_64(format!("{pid}/{}", e.computer).as_bytes());
            (250 + (h % 3_000) as u32) * 4
        }
    }
}

fn nonempty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

/// One 4104 part: where the block runs and what it says.
pub struct ScriptBlock<'a> {
    pub computer: &'a str,
    /// PowerShell 7 logs to its own channel.
    pub core: bool,
    /// System/Security/@UserID; `None` reproduces the record Splunk's stats drops.
    pub user_sid: Option<&'a str>,
    pub text: &'a str,
    pub block_id: &'a str,
    pub number: u32,
    pub total: u32,
    /// Script file path; empty for interactive input, as logged.
    pub path: &'a str,
    /// The PowerShell host process that logs the block (System/Execution/@ProcessID):
    /// `powershell.exe` on the source, `wsmprovhost.exe` on a remoting target.
    pub host_pid: u32,
}

/// A 4104 script-block event.
pub fn script_block(time: i64, sb: &ScriptBlock) -> Event {
    let (channel, provider) = if sb.core {
        (CHANNEL_POWERSHELL_CORE, "PowerShellCore")
    } else {
        (CHANNEL_POWERSHELL, "Microsoft-Windows-PowerShell")
    };
    let mut e = base(time, 4104, channel, provider, sb.computer);
    e.pid = Some(sb.host_pid);
    e.user_id = sb.user_sid.map(str::to_string);
    e.script_block_text = nonempty(sb.text);
    e.script_block_id = nonempty(sb.block_id);
    e.message_number = Some(sb.number);
    e.message_total = Some(sb.total);
    e.path = nonempty(sb.path);
    // The script-block EventData fields live only in their normalized fields (see
    // Event::data); the writers put them back into EventData.
    e
}

/// A process start, as either Sysmon 1 or Security 4688 records it.
#[derive(Clone)]
pub struct Proc<'a> {
    pub computer: &'a str,
    pub image: &'a str,
    pub command_line: &'a str,
    pub pid: u32,
    pub parent_image: &'a str,
    pub parent_command_line: &'a str,
    pub parent_pid: u32,
    /// The account name (without domain) and its SID.
    pub user: &'a str,
    pub user_sid: &'a str,
    /// Domain of the account (`CORP`, or `NT AUTHORITY` for SYSTEM).
    pub domain: &'a str,
    /// PE OriginalFileName (Sysmon only).
    pub original_file_name: &'a str,
    pub guid: &'a str,
    pub parent_guid: &'a str,
}

/// A Sysmon event 1 (process creation).
pub fn sysmon1(time: i64, p: &Proc) -> Event {
    let mut e = base(time, 1, CHANNEL_SYSMON, PROVIDER_SYSMON, p.computer);
    e.user_id = Some("S-1-5-18".into());
    let user = format!("{}\\{}", p.domain, p.user);
    e.user = Some(user.clone());
    e.process = nonempty(p.command_line);
    e.process_name = nonempty(basename(p.image));
    e.process_path = nonempty(p.image);
    e.process_id = Some(p.pid.to_string());
    let user_field = user.clone();
    e.parent_process = nonempty(p.parent_command_line);
    e.parent_process_name = nonempty(basename(p.parent_image));
    e.parent_process_path = nonempty(p.parent_image);
    e.parent_process_id = Some(p.parent_pid.to_string());
    e.original_file_name = nonempty(p.original_file_name);
    e.process_guid = nonempty(p.guid);
    e.decoded_command = decode_encoded_command(p.command_line);
    let utc = crate::time::iso_micros(time);
    // Sysmon's UtcTime: "2026-03-10 14:05:01.123", milliseconds, taken just before the record.
    let utc = format!("{} {}", &utc[..10], &utc[11..23]);
    let d = &mut e.data;
    for (k, v) in [
        ("RuleName", "-"),
        ("UtcTime", utc.as_str()),
        ("ProcessGuid", p.guid),
        ("Image", p.image),
        ("OriginalFileName", p.original_file_name),
        ("CommandLine", p.command_line),
        ("CurrentDirectory", "C:\\Windows\\system32\\"),
        ("User", user_field.as_str()),
        ("IntegrityLevel", "Medium"),
        ("ParentProcessGuid", p.parent_guid),
        ("ParentImage", p.parent_image),
        ("ParentCommandLine", p.parent_command_line),
    ] {
        d.insert(k.into(), v.into());
    }
    d.insert("ProcessId".into(), p.pid.to_string());
    d.insert("ParentProcessId".into(), p.parent_pid.to_string());
    d.insert("TerminalSessionId".into(), "1".into());
    // Stable per image, so the same binary always shows the same hash.
    let hash = xxhash_rust::xxh3::xxh3_128(p.image.to_ascii_lowercase().as_bytes());
    d.insert(
        "Hashes".into(),
        format!("SHA256={hash:032X}{:032X}", hash.rotate_left(64)),
    );
    d.insert("LogonId".into(), format!("{:#x}", 0x3_0000 + p.parent_pid));
    d.insert("ParentUser".into(), user);
    e
}

/// A Security 4688 (process creation): hex pids, no OriginalFileName, parent by path only.
pub fn sec4688(time: i64, p: &Proc) -> Event {
    let mut e = base(time, 4688, CHANNEL_SECURITY, PROVIDER_SECURITY, p.computer);
    // The creator is the subject; TargetUserName is "-" when it is the same account, so the
    // reader falls back to SubjectUserName.
    e.user = Some(format!("{}\\{}", p.domain, p.user));
    e.process = nonempty(p.command_line);
    e.process_name = nonempty(basename(p.image));
    e.process_path = nonempty(p.image);
    e.process_id = Some(format!("{:#x}", p.pid));
    e.parent_process = nonempty(p.parent_image);
    e.parent_process_name = nonempty(basename(p.parent_image));
    e.parent_process_path = nonempty(p.parent_image);
    e.parent_process_id = Some(format!("{:#x}", p.parent_pid));
    e.decoded_command = decode_encoded_command(p.command_line);
    let d = &mut e.data;
    for (k, v) in [
        ("SubjectUserSid", p.user_sid.to_string()),
        ("SubjectUserName", p.user.to_string()),
        ("SubjectDomainName", p.domain.to_string()),
        ("SubjectLogonId", format!("{:#x}", 0x3_0000 + p.parent_pid)),
        ("NewProcessId", format!("{:#x}", p.pid)),
        ("NewProcessName", p.image.to_string()),
        ("TokenElevationType", "%%1936".to_string()),
        ("ProcessId", format!("{:#x}", p.parent_pid)),
        ("CommandLine", p.command_line.to_string()),
        ("TargetUserSid", "S-1-0-0".to_string()),
        ("TargetUserName", "-".to_string()),
        ("TargetDomainName", "-".to_string()),
        ("TargetLogonId", "0x0".to_string()),
        ("ParentProcessName", p.parent_image.to_string()),
        ("MandatoryLabel", "S-1-16-12288".to_string()),
    ] {
        d.insert(k.into(), v);
    }
    e
}

/// A Security 4624 (successful logon); type 3 on a target is the server side of remoting.
pub struct Logon<'a> {
    pub computer: &'a str,
    pub target_user: &'a str,
    pub target_sid: &'a str,
    /// TargetDomainName as logged (`CORP`; a Kerberos logon may log the DNS domain).
    pub target_domain: &'a str,
    /// AuthenticationPackageName of a network logon: `Kerberos` or `NTLM` (by IP address).
    pub package: &'a str,
    pub logon_type: u32,
    pub ip: &'a str,
    pub workstation: &'a str,
    pub logon_id: u64,
}

/// A Security 4624 event.
pub fn logon4624(time: i64, l: &Logon) -> Event {
    let mut e = base(time, 4624, CHANNEL_SECURITY, PROVIDER_SECURITY, l.computer);
    let machine = format!("{}$", super::world::short(l.computer));
    let network = l.logon_type == 3;
    let d = &mut e.data;
    for (k, v) in [
        (
            "SubjectUserSid",
            if network { "S-1-0-0" } else { "S-1-5-18" },
        ),
        (
            "SubjectUserName",
            if network { "-" } else { machine.as_str() },
        ),
        ("SubjectDomainName", if network { "-" } else { DOMAIN }),
        ("SubjectLogonId", if network { "0x0" } else { "0x3e7" }),
        ("TargetUserSid", l.target_sid),
        ("TargetUserName", l.target_user),
        ("TargetDomainName", l.target_domain),
        (
            "LogonProcessName",
            match (network, l.package) {
                (false, _) => "User32 ",
                (true, "NTLM") => "NtLmSsp ",
                (true, _) => "Kerberos",
            },
        ),
        (
            "AuthenticationPackageName",
            if network { l.package } else { "Negotiate" },
        ),
        ("WorkstationName", l.workstation),
        ("IpAddress", l.ip),
        ("IpPort", if network { "0" } else { "-" }),
        ("ImpersonationLevel", "%%1833"),
        ("ElevatedToken", "%%1842"),
    ] {
        d.insert(k.into(), v.into());
    }
    d.insert("TargetLogonId".into(), format!("{:#x}", l.logon_id));
    d.insert("LogonType".into(), l.logon_type.to_string());
    e
}

/// Any other event: header plus raw data, no normalized process or script fields.
pub fn other(
    time: i64,
    (code, channel, provider): (u32, &str, &str),
    computer: &str,
    user_id: Option<&str>,
    data: BTreeMap<String, String>,
) -> Event {
    let mut e = base(time, code, channel, provider, computer);
    e.user_id = user_id.map(str::to_string);
    e.data = data;
    e
}

/// `-EncodedCommand` as PowerShell writes it: base64 of the UTF-16LE script text.
pub fn encode_command(script: &str) -> String {
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What a reader derives for `decoded_command` (the one rule, in the extended layer).
pub fn decode_encoded_command(command_line: &str) -> Option<String> {
    crate::extended::decode_encoded_command(command_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_command_round_trips_and_needs_the_flag() {
        let script = "Invoke-Command -ComputerName DC01 -ScriptBlock { hostname }";
        let b64 = encode_command(script);
        assert_eq!(&b64[..8], "SQBuAHYA");
        for flag in ["-EncodedCommand", "-enc", "-e", "/ec"] {
            let cmd = format!("powershell.exe -NoP {flag} {b64}");
            assert_eq!(
                decode_encoded_command(&cmd).as_deref(),
                Some(script),
                "{flag}"
            );
        }
        assert_eq!(
            decode_encoded_command("powershell.exe -ExecutionPolicy Bypass"),
            None
        );
        assert_eq!(
            decode_encoded_command(&format!("powershell.exe {b64}")),
            None
        );
    }
}
