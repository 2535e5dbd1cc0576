//! The one-line summary of a timeline line: what a hunter needs of each event at a glance.
//!
//! The text is built raw (exact, as logged, only whitespace collapsed) and bounded in length;
//! every output sanitizes it on the way to a terminal (tables, CSV and the TUI show control and
//! bidi characters inert, JSON escapes them), as every other attacker-controlled text.

use crate::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

/// Most characters a summary keeps: a line to read, not the whole script (Enter shows that).
pub const SUMMARY_CHARS: usize = 240;

/// EventData pairs shown for an event type with no summary of its own.
const GENERIC_PAIRS: usize = 4;

/// The one-line summary of any event.
pub fn summarize(e: &Event) -> String {
    let text = if e.is_process_creation() {
        process(e)
    } else if e.is_script_block() {
        script_block(e)
    } else if is_channel(e, CHANNEL_SECURITY) && matches!(e.event_code, 4624 | 4625 | 4634) {
        logon(e)
    } else if is_channel(e, CHANNEL_SECURITY) && e.event_code == 4648 {
        explicit_logon(e)
    } else if is_channel(e, CHANNEL_SECURITY) && e.event_code == 4672 {
        format!(
            "special privileges · {}",
            subject(e).unwrap_or_else(|| "-".into())
        )
    } else if e.event_code == 4103 && is_powershell(e) {
        pipeline(e, "Payload")
    } else if e.event_code == 800 && is_channel(e, "Windows PowerShell") {
        classic_pipeline(e)
    } else if matches!(e.event_code, 400 | 403 | 600) && is_channel(e, "Windows PowerShell") {
        host_context(e)
    } else if matches!(e.event_code, 91 | 169)
        && is_channel(e, "Microsoft-Windows-WinRM/Operational")
    {
        winrm(e)
    } else if e.event_code == 3 && is_channel(e, CHANNEL_SYSMON) {
        connection(e)
    } else {
        generic(e)
    };
    bounded(&collapse(&text), SUMMARY_CHARS)
}

fn is_channel(e: &Event, channel: &str) -> bool {
    e.channel.eq_ignore_ascii_case(channel)
}

fn is_powershell(e: &Event) -> bool {
    is_channel(e, crate::event::CHANNEL_POWERSHELL)
        || is_channel(e, crate::event::CHANNEL_POWERSHELL_CORE)
}

/// An EventData value, `None` when empty or Windows' `-` placeholder.
fn data<'e>(e: &'e Event, name: &str) -> Option<&'e str> {
    e.data
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && *v != "-")
}

/// `DOMAIN\name` of one side (`Target`, `Subject`) of a Security event.
pub fn account(e: &Event, side: &str) -> Option<String> {
    let name = data(e, &format!("{side}UserName"))?;
    Some(match data(e, &format!("{side}DomainName")) {
        Some(d) => format!("{d}\\{name}"),
        None => name.to_string(),
    })
}

fn subject(e: &Event) -> Option<String> {
    account(e, "Subject")
}

/// The last path component of an image path (`C:\…\powershell.exe` → `powershell.exe`).
fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

fn process(e: &Event) -> String {
    let cmd = e
        .process
        .as_deref()
        .or(e.process_path.as_deref())
        .or(e.process_name.as_deref())
        .unwrap_or("-");
    let mut s = cmd.to_string();
    if let Some(decoded) = e.decoded_command.as_deref() {
        s += &format!(" [decoded -EncodedCommand: {decoded}]");
    }
    let parent = e
        .parent_process_name
        .as_deref()
        .or(e.parent_process_path.as_deref().map(file_name));
    if let Some(p) = parent {
        s += &format!(" · parent {p}");
    }
    s
}

fn script_block(e: &Event) -> String {
    let text = e.script_block_text.as_deref().unwrap_or("");
    match (e.message_number, e.message_total) {
        (Some(n), Some(m)) if m > 1 => format!("[part {n}/{m}] {text}"),
        _ => text.to_string(),
    }
}

fn logon(e: &Event) -> String {
    let verb = match e.event_code {
        4624 => "logon",
        4625 => "failed logon",
        _ => "logoff",
    };
    let mut s = match data(e, "LogonType") {
        Some(t) => format!("{verb} type {t}"),
        None => verb.to_string(),
    };
    s += &format!(" · {}", account(e, "Target").unwrap_or_else(|| "-".into()));
    s += &source(e);
    s
}

/// ` · from IP (WORKSTATION)` when the event says where the logon came from.
fn source(e: &Event) -> String {
    match (data(e, "IpAddress"), data(e, "WorkstationName")) {
        (Some(ip), Some(ws)) => format!(" · from {ip} ({ws})"),
        (Some(ip), None) => format!(" · from {ip}"),
        (None, Some(ws)) => format!(" · from {ws}"),
        (None, None) => String::new(),
    }
}

fn explicit_logon(e: &Event) -> String {
    let mut s = format!(
        "explicit credentials · {} as {}",
        subject(e).unwrap_or_else(|| "-".into()),
        account(e, "Target").unwrap_or_else(|| "-".into())
    );
    if let Some(server) = data(e, "TargetServerName") {
        s += &format!(" → {server}");
    }
    if let Some(p) = data(e, "ProcessName") {
        s += &format!(" · by {}", file_name(p));
    }
    s
}

/// The `CommandInvocation(…)` lines of a pipeline record (4103 Payload, 800 details).
fn invocations(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("CommandInvocation("))
        .collect()
}

fn pipeline(e: &Event, field: &str) -> String {
    let payload = data(e, field).unwrap_or("");
    let calls = invocations(payload);
    let mut s = if calls.is_empty() {
        payload.to_string()
    } else {
        calls.join(" ; ")
    };
    if let Some(ctx) = data(e, "ContextInfo")
        && let Some(app) = context_value(ctx, "Host Application")
    {
        s += &format!(" · host {app}");
    }
    s
}

/// A classic 800: its pipeline's command line first (Data_1), the invocations beside it.
fn classic_pipeline(e: &Event) -> String {
    // Renderings without the positional Data (flat exports) carry only the Message.
    let message = data(e, crate::analytics::search::fields::MESSAGE_FIELD);
    let cmd = data(e, "Data_1")
        .or(data(e, "Data"))
        .or(message.map(|m| m.lines().next().unwrap_or(m)))
        .unwrap_or("");
    let details = data(e, "Data_3").unwrap_or("");
    let calls = invocations(details);
    let mut s = cmd.to_string();
    if !calls.is_empty() && !cmd.contains(calls[0]) {
        s += &format!(" · {}", calls.join(" ; "));
    }
    if let Some(user) = data(e, "Data_2").and_then(|c| context_value(c, "UserId")) {
        s += &format!(" · user {user}");
    }
    s
}

/// `name=value` (classic engine events) or `name = value` (4103's ContextInfo) from a
/// multi-line context text.
pub fn context_value<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    crate::extended::pslogs::context_value(text, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// 400 / 403 / 600: the state change, and which host ran it (ServerRemoteHost on the
/// receiving end of remoting) with its HostApplication.
fn host_context(e: &Event) -> String {
    let ctx = e
        .data
        .values()
        .find(|v| v.contains("HostName="))
        .map_or("", String::as_str);
    let what = match e.event_code {
        400 => "engine started",
        403 => "engine stopped",
        _ => "provider started",
    };
    let mut s = what.to_string();
    if e.event_code == 600
        && let Some(p) = context_value(ctx, "ProviderName")
    {
        s += &format!(" {p}");
    }
    s += &format!(
        " · HostName={}",
        context_value(ctx, "HostName").unwrap_or("-")
    );
    if let Some(app) = context_value(ctx, "HostApplication") {
        s += &format!(" · HostApplication={app}");
    }
    s
}

fn winrm(e: &Event) -> String {
    let mut s = match e.event_code {
        169 => "WinRM authenticated".to_string(),
        _ => "WinRM shell created".to_string(),
    };
    if let Some(u) = data(e, "username").or(data(e, "user")) {
        s += &format!(" · user {u}");
    }
    if let Some(a) = data(e, "authenticationMechanism") {
        s += &format!(" · auth {a}");
    }
    if let Some(r) = data(e, "resourceUri") {
        s += &format!(" · {r}");
    }
    if let Some(sid) = e
        .user_id
        .as_deref()
        .filter(|_| data(e, "username").is_none())
    {
        s += &format!(" · user_id {sid}");
    }
    s
}

fn connection(e: &Event) -> String {
    let end = |side: &str| {
        let host = data(e, &format!("{side}Ip")).or(data(e, &format!("{side}Hostname")));
        let port = data(e, &format!("{side}Port"));
        match (host, port) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, Some(p)) => format!("?:{p}"),
            (None, None) => "?".into(),
        }
    };
    let mut s = format!("{} → {}", end("Source"), end("Destination"));
    if let Some(name) = data(e, "DestinationHostname") {
        s += &format!(" ({name})");
    }
    if let Some(image) = data(e, "Image") {
        s += &format!(" · {}", file_name(image));
    }
    s
}

/// Any other event: the Message when logged, else the first few EventData pairs.
fn generic(e: &Event) -> String {
    if let Some(m) = data(e, crate::analytics::search::fields::MESSAGE_FIELD) {
        return m.to_string();
    }
    e.data
        .iter()
        .filter(|(_, v)| !v.trim().is_empty() && v.trim() != "-")
        .take(GENERIC_PAIRS)
        .map(|(k, v)| {
            let unnamed = k == "Data"
                || k.strip_prefix("Data_")
                    .is_some_and(|n| n.parse::<u32>().is_ok());
            if unnamed {
                v.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Every run of white space (newlines, tabs, CR) as one space, trimmed.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, ending in `…` when cut.
fn bounded(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}
