//! Builders for the logs a remoting *target* writes (besides its process starts, 4104s and the
//! engine records of engine_logs.rs): Security 4672, WinRM/Operational 91 and 169, the
//! PowerShell/Operational session events 40961/40962/53504, and Sysmon 3 for the connection.
//!
//! Shapes follow real captures: Security-Datasets' covenant_psremoting_command (WORKSTATION5 →
//! WORKSTATION6), atomic-evtx T1021.006 (Windows PowerShell 400/403) and the EVTX-ATTACK-SAMPLES
//! WinRM 91/169 logs.

use std::collections::BTreeMap;

use super::build::{self, CHANNEL_WINRM, PROVIDER_SECURITY, PROVIDER_SYSMON};
use crate::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

/// The account WinRM runs as (NETWORK SERVICE): the UserID of its 169 records.
const NETWORK_SERVICE: &str = "S-1-5-20";
/// WinRM's resource URI of a PowerShell remoting shell, and of a WinRS (cmd) shell.
pub(crate) const URI_POWERSHELL: &str =
    "http://schemas.microsoft.com/powershell/Microsoft.PowerShell";
pub(crate) const URI_WINRS: &str = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";

fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Security 4672 (special privileges assigned to new logon): an administrator's network logon
/// is followed by one with the same logon id as its SubjectLogonId.
pub(crate) fn sec4672(
    time: i64,
    computer: &str,
    (name, sid, domain): (&str, &str, &str),
    logon_id: u64,
) -> Event {
    let d = data(&[
        ("SubjectUserSid", sid),
        ("SubjectUserName", name),
        ("SubjectDomainName", domain),
        ("SubjectLogonId", &format!("{logon_id:#x}")),
        (
            "PrivilegeList",
            "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege",
        ),
    ]);
    let kind = (4672, CHANNEL_SECURITY, PROVIDER_SECURITY);
    build::other(time, kind, computer, None, d)
}

/// WinRM 169: "User CORP\x authenticated successfully using Kerberos" (UserID NETWORK SERVICE).
pub(crate) fn winrm169(time: i64, computer: &str, username: &str, mechanism: &str) -> Event {
    let d = data(&[
        ("username", username),
        ("authenticationMechanism", mechanism),
    ]);
    let kind = (169, CHANNEL_WINRM, "Microsoft-Windows-WinRM");
    build::other(time, kind, computer, Some(NETWORK_SERVICE), d)
}

/// WinRM 91: "Creating WSMan shell on server with ResourceUri: …", logged as the remote user;
/// some builds log it with an empty EventData (the "poorLog" sample).
pub(crate) fn winrm91(
    time: i64,
    computer: &str,
    user_sid: &str,
    resource_uri: Option<&str>,
) -> Event {
    let d = resource_uri.map_or_else(BTreeMap::new, |u| data(&[("resourceUri", u)]));
    let kind = (91, CHANNEL_WINRM, "Microsoft-Windows-WinRM");
    build::other(time, kind, computer, Some(user_sid), d)
}

/// A PowerShell/Operational record of the session itself, written by the host process:
/// 40961 (console starting up), 40962 (console ready), 53504 (IPC listening thread on pid).
pub(crate) fn session_record(
    time: i64,
    code: u32,
    computer: &str,
    user_sid: &str,
    host_pid: u32,
) -> Event {
    let d = if code == 53504 {
        data(&[
            ("param1", &host_pid.to_string()),
            ("param2", "DefaultAppDomain"),
        ])
    } else {
        BTreeMap::new()
    };
    let kind = (code, CHANNEL_POWERSHELL, "Microsoft-Windows-PowerShell");
    let mut e = build::other(time, kind, computer, Some(user_sid), d);
    e.pid = Some(host_pid);
    e
}

/// One TCP connection as Sysmon 3 logs it on `computer`.
pub(crate) struct Connection<'a> {
    pub computer: &'a str,
    pub image: &'a str,
    pub pid: u32,
    pub user: &'a str,
    /// True on the connecting side, false for an accepted connection.
    pub initiated: bool,
    pub source: (&'a str, &'a str, u32),
    pub destination: (&'a str, &'a str, u32),
    pub guid: &'a str,
}

/// Sysmon 3 (network connection), with both ends' addresses and names as Sysmon resolves them.
pub(crate) fn sysmon3(time: i64, c: &Connection) -> Event {
    let utc = crate::time::iso_micros(time);
    let utc = format!("{} {}", &utc[..10], &utc[11..23]);
    let (sip, sname, sport) = c.source;
    let (dip, dname, dport) = c.destination;
    let d = data(&[
        ("RuleName", "-"),
        ("UtcTime", &utc),
        ("ProcessGuid", c.guid),
        ("ProcessId", &c.pid.to_string()),
        ("Image", c.image),
        ("User", c.user),
        ("Protocol", "tcp"),
        ("Initiated", if c.initiated { "true" } else { "false" }),
        ("SourceIsIpv6", "false"),
        ("SourceIp", sip),
        ("SourceHostname", sname),
        ("SourcePort", &sport.to_string()),
        ("DestinationIsIpv6", "false"),
        ("DestinationIp", dip),
        ("DestinationHostname", dname),
        ("DestinationPort", &dport.to_string()),
    ]);
    let kind = (3, CHANNEL_SYSMON, PROVIDER_SYSMON);
    build::other(time, kind, c.computer, Some("S-1-5-18"), d)
}
