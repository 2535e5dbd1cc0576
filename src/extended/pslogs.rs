//! The source side in PowerShell's other logs: module logging (PowerShell/Operational 4103),
//! pipeline execution details (Windows PowerShell 800) and the HostApplication of the engine
//! and provider events (Windows PowerShell 400 / 403 / 600).
//!
//! 4103 and 800 log each command with its bound parameters:
//! `CommandInvocation(Invoke-Command): "Invoke-Command"` then
//! `ParameterBinding(Invoke-Command): name="ComputerName"; value="WORKSTATION6"`. Those are
//! rebuilt into one PowerShell command per invocation (`Invoke-Command -ComputerName:'WORKSTATION6'`,
//! values single-quoted) and read by the same detector as script blocks, so techniques and
//! targets have the same names. Only a command's own bindings count: `Add-Member -Name
//! ComputerName` or `Get-WmiObject -ComputerName FS03` (WMI/DCOM) are not remoting.
//! 400/403/600 carry the PowerShell host's command line, read as a process command line is.
//!
//! On the target of a session the same logs say `HostName=ServerRemoteHost` and
//! `HostApplication=…\wsmprovhost.exe -Embedding`: that is the receiving end (inbound
//! evidence), never source-side activity, so such events give no text here at all.

use std::borrow::Cow;

use crate::event::{CHANNEL_POWERSHELL, CHANNEL_POWERSHELL_CORE, Event};

/// The classic Windows PowerShell event log (400, 403, 600, 800).
pub const CHANNEL_WINDOWS_POWERSHELL: &str = "Windows PowerShell";

/// How the text of a PowerShell-log event is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// CommandInvocation / ParameterBinding records (4103 Payload, 800 details).
    Bindings,
    /// A PowerShell host's command line (400/403/600 HostApplication).
    HostApplication,
}

/// The part of a 4103 / 800 / 400 / 403 / 600 event the hunt reads.
pub(crate) struct LogText<'a> {
    /// The row label: `4103 module`, `800 pipeline`, `400/403/600 HostApplication`.
    pub log: &'static str,
    pub form: Form,
    /// The bindings records, or the host's command line.
    pub text: Cow<'a, str>,
    /// The context's user (`User = DOMAIN\name`, `UserId=DOMAIN\name`), when logged.
    pub user: Option<String>,
}

/// The readable text of a source-side PowerShell-log event; None for any other event and for
/// the target side of a session (ServerRemoteHost / wsmprovhost.exe).
pub(crate) fn log_text(e: &Event) -> Option<LogText<'_>> {
    let operational = e.channel.eq_ignore_ascii_case(CHANNEL_POWERSHELL)
        || e.channel.eq_ignore_ascii_case(CHANNEL_POWERSHELL_CORE);
    let classic = e.channel.eq_ignore_ascii_case(CHANNEL_WINDOWS_POWERSHELL);
    let (log, form, text, context): (_, _, Cow<str>, Option<Cow<str>>) = match e.event_code {
        4103 if operational => {
            let payload = field(e, "Payload").or_else(|| field(e, "Message"))?;
            (
                "4103 module",
                Form::Bindings,
                payload,
                field(e, "ContextInfo"),
            )
        }
        800 if classic => {
            let (context, details) = match (field(e, "Data_3"), field(e, "param3")) {
                (Some(d), _) | (None, Some(d)) => {
                    (field(e, "Data_2").or_else(|| field(e, "param2")), d)
                }
                (None, None) => {
                    // Security-Datasets / nxlog: only the rendered Message.
                    let m = field(e, "Message")?;
                    let (head, details) = split_once_owned(&m, "Details:")?;
                    let context = split_once_owned(&head, "Context Information:").map(|x| x.1);
                    (context.map(Cow::Owned), Cow::Owned(details))
                }
            };
            ("800 pipeline", Form::Bindings, details, context)
        }
        400 | 403 | 600 if classic => {
            let details = field(e, "Data_3")
                .or_else(|| field(e, "param3"))
                .or_else(|| field(e, "Message"))?;
            let host_app = context_value(&details, "HostApplication")?;
            // One host process logs a 400 and a 403 (engine start, stop) and a 600 per provider,
            // all with the same command line: one label, so they are one row.
            let log = "400/403/600 HostApplication";
            let text = Cow::Owned(host_app.to_string());
            (log, Form::HostApplication, text, Some(details))
        }
        _ => return None,
    };
    let context = context.as_deref().unwrap_or("");
    if is_target_side(context) {
        return None;
    }
    let user = context_value(context, "User")
        .or_else(|| context_value(context, "UserId"))
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    Some(LogText {
        log,
        form,
        text,
        user,
    })
}

/// Does a context say "this engine serves a remote session" (the receiving end)?
fn is_target_side(context: &str) -> bool {
    let host = context_value(context, "HostName").or_else(|| context_value(context, "Host Name"));
    if host.is_some_and(|h| h.trim().eq_ignore_ascii_case("ServerRemoteHost")) {
        return true;
    }
    // The program itself, not a word anywhere in its command line: a source-side command line
    // mentioning wsmprovhost must not hide itself.
    let app = context_value(context, "HostApplication")
        .or_else(|| context_value(context, "Host Application"));
    app.is_some_and(|a| {
        let a = a.trim_start();
        let program = match a.strip_prefix('"') {
            Some(rest) => rest.split('"').next().unwrap_or(""),
            None => a.split_whitespace().next().unwrap_or(""),
        };
        let base = program.rsplit(['\\', '/']).next().unwrap_or(program);
        base.eq_ignore_ascii_case("wsmprovhost.exe") || base.eq_ignore_ascii_case("wsmprovhost")
    })
}

/// An EventData value by name (case-insensitive), non-empty.
fn field<'a>(e: &'a Event, name: &str) -> Option<Cow<'a, str>> {
    e.data
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| Cow::Borrowed(v.as_str()))
        .filter(|v| !v.trim().is_empty())
}

fn split_once_owned(s: &str, sep: &str) -> Option<(String, String)> {
    s.split_once(sep)
        .map(|(a, b)| (a.to_string(), b.to_string()))
}

/// The value of `key` in a context block: `\tKey=value` (800 / 400 / 600) or
/// `        Key Name = value` (4103), on a line of its own. A value runs to the next line
/// that starts a `Key=` pair, so a host command line holding a newline stays whole.
pub(crate) fn context_value<'a>(context: &'a str, key: &str) -> Option<&'a str> {
    let mut at = 0;
    while at <= context.len() {
        let line = &context[at..];
        let trimmed = line.trim_start_matches([' ', '\t']);
        let lead = line.len() - trimmed.len();
        if let Some(rest) = strip_prefix_ignore_case(trimmed, key) {
            let rest = rest.trim_start_matches(' ');
            if let Some(value) = rest.strip_prefix('=') {
                let value = value.strip_prefix(' ').unwrap_or(value);
                let start = at + lead + (trimmed.len() - value.len());
                let end = value_end(context, start);
                return Some(context[start..end].trim_end_matches(['\r', '\n']));
            }
        }
        match line.find('\n') {
            Some(n) => at += n + 1,
            None => break,
        }
    }
    None
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Where a context value starting at `start` ends: before the newline of the next line that
/// starts a pair (white space, a name of letters and spaces, `=`), or at the end.
fn value_end(context: &str, start: usize) -> usize {
    let mut from = start;
    while let Some(n) = context[from..].find('\n') {
        let next = from + n + 1;
        if starts_pair(&context[next..]) {
            return from + n;
        }
        from = next;
    }
    context.len()
}

fn starts_pair(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    let indented = t.len() < line.len();
    let name_len = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == ' '))
        .unwrap_or(t.len());
    // A context line is indented; a blank one (`\r\n`) ends the value too.
    (indented && name_len > 0 && t[name_len..].starts_with('='))
        || line.starts_with("\r\n")
        || line.starts_with('\n')
}

/// One `Name(Command): …` record of a bindings text.
struct Record<'a> {
    kind: &'a str,
    command: &'a str,
    body: &'a str,
}

/// The records of a bindings text: each starts a line with `Word(Command): `; its body runs
/// to the next such line (a bound value may hold newlines).
fn records(text: &str) -> Vec<Record<'_>> {
    let mut starts: Vec<(usize, &str, &str, usize)> = Vec::new();
    let mut at = 0;
    loop {
        let line = &text[at..];
        // Only this line's own indentation: a blank line must not reach into the next one.
        let t = line.trim_start_matches([' ', '\t']);
        if let Some(open) = t.find('(')
            && open > 0
            && t[..open].bytes().all(|b| b.is_ascii_alphabetic())
            && let Some(close) = t[open..].find("): ")
        {
            let lead = line.len() - t.len();
            let kind = &t[..open];
            let command = &t[open + 1..open + close];
            let body_at = at + lead + open + close + 3;
            starts.push((at, kind, command, body_at));
        }
        match line.find('\n') {
            Some(n) => at += n + 1,
            None => break,
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(_, kind, command, body_at)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(text.len(), |s| s.0);
        let body = text[body_at.min(end)..end].trim_end_matches(['\r', '\n']);
        out.push(Record {
            kind,
            command,
            body,
        });
    }
    out
}

/// `name="ComputerName"; value="WORKSTATION6"` → (name, value).
fn binding(body: &str) -> Option<(&str, &str)> {
    let rest = body.strip_prefix("name=\"")?;
    let (name, rest) = rest.split_once("\"; value=\"")?;
    let value = rest.strip_suffix('"').unwrap_or(rest);
    Some((name, value))
}

/// PowerShell's single-quoted string: every quote character doubled, nothing else special.
fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Parameters whose logged value is a list of hosts (`"a, b"` for an array).
const HOST_PARAMETERS: &[&str] = &["ComputerName", "ConnectionUri", "HostName", "VMName"];

/// Longest command rebuilt from one record set; the rest is dropped (a crafted payload must
/// not make the detector's input unbounded).
const MAX_REBUILT: usize = 64 * 1024;

/// PowerShell commands rebuilt from CommandInvocation / ParameterBinding records, one line per
/// invoked command, each with only its own bindings. Empty when there is no invocation.
pub(crate) fn rebuild(text: &str) -> String {
    let mut commands: Vec<(&str, Vec<(&str, &str)>)> = Vec::new();
    // The latest invocation of each command name: a binding belongs to it (a map, so a
    // crafted payload of many names stays linear).
    let mut latest: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in records(text) {
        if r.kind == "CommandInvocation" {
            latest.insert(r.command.to_ascii_lowercase(), commands.len());
            commands.push((r.command, Vec::new()));
        } else if r.kind == "ParameterBinding"
            && let Some((name, value)) = binding(r.body)
            && let Some(&k) = latest.get(&r.command.to_ascii_lowercase())
        {
            commands[k].1.push((name, value));
        }
    }
    let mut out = String::new();
    for (command, bindings) in commands {
        if out.len() > MAX_REBUILT {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let bare = !command.is_empty()
            && command
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '\\' | ':'));
        if bare {
            out.push_str(command);
        } else {
            out.push_str("& ");
            out.push_str(&quote(command));
        }
        for (name, value) in bindings {
            // A parameter name that is no plain word cannot be written as `-Name:`.
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            out.push_str(" -");
            out.push_str(name);
            out.push(':');
            let hosts = HOST_PARAMETERS.iter().any(|p| p.eq_ignore_ascii_case(name));
            if hosts && value.contains(", ") {
                let items: Vec<String> = value.split(", ").map(quote).collect();
                out.push_str(&items.join(","));
            } else {
                out.push_str(&quote(value));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_values_in_both_layouts() {
        let classic = "\tDetailSequence=1\r\n\r\n\tUserId=CORP\\pg\r\n\tHostName=Default Host\r\n\tHostApplication=powershell.exe & {a\nInvoke-Command -cn x {b}}\r\n\tEngineVersion=5.1\r\n";
        assert_eq!(context_value(classic, "UserId"), Some("CORP\\pg"));
        assert_eq!(context_value(classic, "HostName"), Some("Default Host"));
        assert_eq!(
            context_value(classic, "HostApplication"),
            Some("powershell.exe & {a\nInvoke-Command -cn x {b}}")
        );
        let module = "        Host Name = ServerRemoteHost\r\n        User = THESHIRE\\pgustavo\r\n        Connected User = THESHIRE\\x\r\n";
        assert_eq!(context_value(module, "User"), Some("THESHIRE\\pgustavo"));
        assert_eq!(context_value(module, "Host Name"), Some("ServerRemoteHost"));
        assert!(is_target_side(module));
        let quoted = "\tHostName=ConsoleHost\r\n\tHostApplication=\"C:\\Windows\\System32\\wsmprovhost.exe\" -Embedding\r\n";
        assert!(is_target_side(quoted));
        // A source command line that only mentions it is still the source.
        let mention = "\tHostName=ConsoleHost\r\n\tHostApplication=powershell.exe -c \"icm -cn x {}; # wsmprovhost.exe\"\r\n";
        assert!(!is_target_side(mention));
        assert_eq!(context_value(module, "Missing"), None);
    }

    #[test]
    fn rebuilt_commands_keep_only_their_own_bindings() {
        let text = "CommandInvocation(Invoke-Command): \"Invoke-Command\"\r\nParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"a, b\"\r\nParameterBinding(Get-Item): name=\"Path\"; value=\"x\"\r\nParameterBinding(Invoke-Command): name=\"ScriptBlock\"; value=\" it's\r\n two lines \"\r\n";
        assert_eq!(
            rebuild(text),
            "Invoke-Command -ComputerName:'a','b' -ScriptBlock:' it''s\r\n two lines '"
        );
        assert_eq!(
            rebuild("CommandInvocation(x; icm -cn evil {}): \"x\"\r\n"),
            "& 'x; icm -cn evil {}'"
        );
        // A blank line before the records (800's rendered Message) starts no record.
        assert_eq!(
            rebuild(" \r\nCommandInvocation(Get-Date): \"Get-Date\"\r\n"),
            "Get-Date"
        );
    }
}
