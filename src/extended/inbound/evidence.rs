//! Which events show a remote session on the receiving host, and what each one says about it
//! (its user, the plugin host's process, the logon that carried it).

use crate::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, Event};

/// The WinRM service's own log on the receiving host.
pub const CHANNEL_WINRM: &str = "Microsoft-Windows-WinRM/Operational";
/// The classic Windows PowerShell log (engine and provider lifecycle, pipelines).
pub const CHANNEL_WINDOWS_POWERSHELL: &str = "Windows PowerShell";

/// The name PowerShell gives the host of a remote runspace (`HostName=ServerRemoteHost`).
const REMOTE_HOST: &str = "ServerRemoteHost";

/// What kind of target-side evidence an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// `wsmprovhost.exe` itself started (one per remote PowerShell session, as its user).
    WsmprovhostStart,
    /// A process started by `wsmprovhost.exe` (PowerShell remoting's plugin host).
    WsmprovhostChild,
    /// A process started by `winrshost.exe` (WinRS's shell host).
    WinrshostChild,
    /// `winrshost.exe` itself started (a `winrs -r:` client's shell on this host).
    WinrshostStart,
    /// WinRM/Operational 91: a shell created on this server for a client.
    WinrmShell,
    /// WinRM/Operational 169: a WinRM client's user authenticated.
    WinrmAuth,
    /// Windows PowerShell 400/403/600/800 or PowerShell/Operational 4103 whose host is
    /// `ServerRemoteHost`: a runspace a remote client drives.
    RemoteRunspace(u32),
    /// PowerShell/Operational 4104/40961/40962/53504 written by a `wsmprovhost.exe` process.
    InWsmprovhost(u32),
    /// Security 4624 logon type 3 of the session's user: it names the source.
    NetworkLogon,
    /// Security 4672: that logon holds administrator privileges.
    AdminLogon,
    /// Sysmon 3: a connection this host accepted on WinRM's port (5985, 5986): it names the
    /// source's address.
    WinrmConnection,
}

impl Evidence {
    /// The label rows carry (`evidence` list, README).
    pub fn label(self) -> String {
        match self {
            Evidence::WsmprovhostStart => "wsmprovhost start".into(),
            Evidence::WsmprovhostChild => "wsmprovhost child".into(),
            Evidence::WinrshostChild => "winrshost child".into(),
            Evidence::WinrshostStart => "winrshost start".into(),
            Evidence::WinrmShell => "WinRM 91 shell".into(),
            Evidence::WinrmAuth => "WinRM 169 auth".into(),
            Evidence::RemoteRunspace(code) => format!("ServerRemoteHost {code}"),
            Evidence::InWsmprovhost(code) => format!("{code} in wsmprovhost"),
            Evidence::NetworkLogon => "4624 network logon".into(),
            Evidence::AdminLogon => "4672 admin logon".into(),
            Evidence::WinrmConnection => "Sysmon 3 WinRM connection".into(),
        }
    }

    /// Can this kind open a session on its own? Logons only attach to one: a network logon
    /// alone is every file share and every domain controller's daily bread.
    pub fn opens_session(self) -> bool {
        !matches!(
            self,
            Evidence::NetworkLogon | Evidence::AdminLogon | Evidence::WinrmConnection
        )
    }
}

/// PowerShell/Operational events that say nothing of their host but are written by it.
pub const HOST_WRITTEN: &[u32] = &[4104, 40961, 40962, 53504];

fn is(v: &str, want: &str) -> bool {
    v.eq_ignore_ascii_case(want)
}

fn parent_is(e: &Event, name: &str) -> bool {
    e.parent_process_name
        .as_deref()
        .is_some_and(|p| is(p, name))
}

/// The evidence an event is on its own (no other event needed), if any. PowerShell/Operational
/// events written by a plugin host need the host's process ids: see [`is_host_written`].
pub fn classify(e: &Event) -> Option<Evidence> {
    if e.event_code == 3 && is(&e.channel, crate::event::CHANNEL_SYSMON) {
        let field = |k: &str| e.data.get(k).map(|v| v.trim());
        let accepted = field("Initiated").is_some_and(|v| is(v, "false"));
        let winrm = field("DestinationPort").is_some_and(|p| p == "5985" || p == "5986");
        return (accepted && winrm).then_some(Evidence::WinrmConnection);
    }
    if e.is_process_creation() {
        if parent_is(e, "wsmprovhost.exe") {
            return Some(Evidence::WsmprovhostChild);
        }
        if parent_is(e, "winrshost.exe") {
            return Some(Evidence::WinrshostChild);
        }
        if e.process_name
            .as_deref()
            .is_some_and(|p| is(p, "wsmprovhost.exe"))
        {
            return Some(Evidence::WsmprovhostStart);
        }
        if e.process_name
            .as_deref()
            .is_some_and(|p| is(p, "winrshost.exe"))
        {
            return Some(Evidence::WinrshostStart);
        }
        return None;
    }
    let ch = e.channel.as_str();
    if is(ch, CHANNEL_WINRM) {
        return match e.event_code {
            91 => Some(Evidence::WinrmShell),
            169 => Some(Evidence::WinrmAuth),
            _ => None,
        };
    }
    if (is(ch, CHANNEL_WINDOWS_POWERSHELL) && matches!(e.event_code, 400 | 403 | 600 | 800))
        || (is(ch, CHANNEL_POWERSHELL) && e.event_code == 4103)
    {
        return (context(e, "HostName").as_deref() == Some(REMOTE_HOST))
            .then_some(Evidence::RemoteRunspace(e.event_code));
    }
    if is(ch, CHANNEL_SECURITY) {
        return match e.event_code {
            4624 if e.data.get("LogonType").is_some_and(|t| t.trim() == "3") => {
                Some(Evidence::NetworkLogon)
            }
            4672 => Some(Evidence::AdminLogon),
            _ => None,
        };
    }
    None
}

/// The process that wrote an event, when the log knows it: the classic Windows PowerShell
/// log records process 0 (no process writes as 0, the Idle process).
pub fn writer(e: &Event) -> Option<u32> {
    e.pid.filter(|p| *p != 0)
}

/// A PowerShell/Operational event that names only the process that wrote it.
pub fn is_host_written(e: &Event) -> bool {
    is(&e.channel, CHANNEL_POWERSHELL)
        && HOST_WRITTEN.contains(&e.event_code)
        && writer(e).is_some()
}

/// A value of PowerShell's context text: `HostName=ServerRemoteHost` lines of Windows
/// PowerShell 400–800 (in `Data_2`/`Data_3`, or one `Message` in flat exports), `Host Name =
/// ServerRemoteHost` lines of 4103's `ContextInfo`. `key` is the spelling without spaces; the
/// source side's parser ([`crate::extended::pslogs::context_value`]) reads both layouts.
pub fn context(e: &Event, key: &str) -> Option<String> {
    let spaced = spaced(key);
    e.data
        .values()
        .filter(|v| v.contains('='))
        .find_map(|v| {
            crate::extended::pslogs::context_value(v, key)
                .or_else(|| crate::extended::pslogs::context_value(v, &spaced))
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// `HostName` → `Host Name`: 4103's ContextInfo spells its keys as words.
fn spaced(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    for (i, c) in key.char_indices() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A process id as logged: Sysmon's decimal, 4688's `0x…` hex.
pub fn parse_pid(v: &str) -> Option<u32> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The user an evidence event names as logged: a process's user, WinRM 169's `username`, the
/// `UserId=` / `User =` of PowerShell's context text; else none (the caller may know a SID).
pub fn user_of(e: &Event, kind: Evidence) -> Option<String> {
    let clean = |v: &str| {
        let v = v.trim();
        (!v.is_empty() && v != "-").then(|| v.to_string())
    };
    match kind {
        Evidence::WsmprovhostStart
        | Evidence::WsmprovhostChild
        | Evidence::WinrshostChild
        | Evidence::WinrshostStart => e.user.as_deref().and_then(clean),
        Evidence::WinrmAuth => e.data.get("username").and_then(|u| clean(u)),
        Evidence::RemoteRunspace(_) => context(e, "UserId")
            .or_else(|| context(e, "User"))
            .and_then(|u| clean(&u)),
        Evidence::NetworkLogon => target_account(e),
        Evidence::AdminLogon => {
            let name = e.data.get("SubjectUserName").and_then(|u| clean(u))?;
            Some(
                match e.data.get("SubjectDomainName").and_then(|d| clean(d)) {
                    Some(d) => format!("{d}\\{name}"),
                    None => name,
                },
            )
        }
        Evidence::WinrmShell | Evidence::InWsmprovhost(_) | Evidence::WinrmConnection => None,
    }
}

/// 4624's account: `TargetDomainName\TargetUserName`.
pub fn target_account(e: &Event) -> Option<String> {
    let get = |k: &str| {
        e.data
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && *v != "-")
    };
    let name = get("TargetUserName")?;
    Some(match get("TargetDomainName") {
        Some(d) => format!("{d}\\{name}"),
        None => name.to_string(),
    })
}

/// The logon session a process runs in (Sysmon `LogonId`, 4688 `TargetLogonId` when set),
/// lower-cased hex, to meet 4624's `TargetLogonId`.
pub fn process_logon_id(e: &Event) -> Option<String> {
    let id = |k: &str| {
        e.data
            .get(k)
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty() && v != "0x0" && v != "-")
    };
    id("LogonId").or_else(|| id("TargetLogonId"))
}

/// The plugin host's process id an event shows: wsmprovhost's own id when it starts, its
/// children's parent id, the writer of a ServerRemoteHost event.
pub fn host_pid(e: &Event, kind: Evidence) -> Option<u32> {
    match kind {
        Evidence::WsmprovhostStart => e.process_id.as_deref().and_then(parse_pid),
        Evidence::WsmprovhostChild => e.parent_process_id.as_deref().and_then(parse_pid),
        Evidence::RemoteRunspace(_) => writer(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ps(code: u32, text: &str) -> Event {
        let mut e = Event {
            event_code: code,
            channel: CHANNEL_WINDOWS_POWERSHELL.into(),
            ..Default::default()
        };
        e.data.insert("Data_3".into(), text.into());
        e
    }

    #[test]
    fn server_remote_host_lines_in_every_spelling() {
        let evtx = ps(
            400,
            "\tNewEngineState=Available\r\n\tHostName=ServerRemoteHost\r\n\tHostApplication=C:\\Windows\\system32\\wsmprovhost.exe -Embedding",
        );
        assert_eq!(classify(&evtx), Some(Evidence::RemoteRunspace(400)));
        let console = ps(400, "\tHostName=ConsoleHost\r\n");
        assert_eq!(classify(&console), None);
        let mut module = Event {
            event_code: 4103,
            channel: CHANNEL_POWERSHELL.into(),
            ..Default::default()
        };
        module.data.insert(
            "ContextInfo".into(),
            "        Severity = Informational\r\n        Host Name = ServerRemoteHost\r\n        User = THESHIRE\\pgustavo\r\n".into(),
        );
        assert_eq!(classify(&module), Some(Evidence::RemoteRunspace(4103)));
        assert_eq!(
            user_of(&module, Evidence::RemoteRunspace(4103)).as_deref(),
            Some("THESHIRE\\pgustavo")
        );
    }

    #[test]
    fn only_network_logons_name_a_source() {
        let mut logon = Event {
            event_code: 4624,
            channel: "Security".into(),
            ..Default::default()
        };
        logon.data.insert("LogonType".into(), "3".into());
        assert_eq!(classify(&logon), Some(Evidence::NetworkLogon));
        assert!(!Evidence::NetworkLogon.opens_session());
        logon.data.insert("LogonType".into(), "2".into());
        assert_eq!(classify(&logon), None);
    }

    #[test]
    fn pids_in_both_spellings() {
        assert_eq!(parse_pid("3332"), Some(3332));
        assert_eq!(parse_pid("0xf84"), Some(0xf84));
        assert_eq!(parse_pid("x"), None);
    }
}
