//! Rows from command lines and PowerShell's other logs: process starts (Sysmon 1, 4688), the
//! 4103 / 800 bindings and the 400 / 403 / 600 HostApplication (see [`super::pslogs`]).

use super::cmdline::command_line_script;
use super::encoded::decode_encoded_command;
use super::hunt::{Hit, Memo, Sink, by_technique, is_relevant};
use super::prefilter::is_powershell;
use super::pslogs::{Form, LogText, log_text, rebuild};
use super::sids::SidNames;
use super::winrm::escu_matches;
use crate::event::Event;

/// `"C:\\Windows\\System32\\winrs.exe" -r:x cmd` → `C:\\Windows\\System32\\winrs.exe -r:x cmd`.
fn unquote_program(cmd: &str) -> String {
    let trimmed = cmd.trim_start();
    if let Some(rest) = trimmed.strip_prefix('"')
        && let Some(end) = rest.find('"')
    {
        return format!("{}{}", &rest[..end], &rest[end + 1..]);
    }
    trimmed.to_string()
}

/// Could a command line matter to the hunt: what it runs, or what its `-EncodedCommand`
/// decodes to (`decoded`, when ingest already decoded it)?
pub(super) fn command_line_is_relevant(cmd: &str, decoded: Option<&str>) -> bool {
    let runs = command_line_script(cmd).unwrap_or_else(|| unquote_program(cmd));
    if is_relevant(&runs) {
        return true;
    }
    match decoded {
        Some(d) => is_relevant(d),
        None => decode_encoded_command(cmd).is_some_and(|d| is_relevant(&d)),
    }
}

/// The same question for a source-side 4103 / 800 / 400 / 403 / 600 event's text.
pub(super) fn log_is_relevant(t: &LogText<'_>) -> bool {
    match t.form {
        Form::Bindings => is_relevant(&rebuild(&t.text)),
        Form::HostApplication => command_line_is_relevant(&t.text, None),
    }
}

/// Detections in a command line (a process's, or a PowerShell host's HostApplication): what
/// it runs, and what its `-EncodedCommand` decodes to (`+encoded`), each with the text its row
/// shows (the command line itself, or the decoded text).
fn command_line_hits(
    cmd: &str,
    decoded: Option<String>,
    memo: &mut Memo,
) -> Vec<(String, Vec<String>, String)> {
    let decoded = decoded.or_else(|| decode_encoded_command(cmd));
    // What runs: a PowerShell host's inline script, else the program's own command line
    // (its quoted executable path unquoted so it reads as a command name).
    let runs = command_line_script(cmd).unwrap_or_else(|| unquote_program(cmd));
    let mut texts = vec![(runs.as_str(), "")];
    if let Some(d) = decoded.as_deref() {
        texts.push((d, "+encoded"));
    }
    let mut out = Vec::new();
    for (text, tag) in texts {
        let mut found = memo.analyze(text).detections;
        let shown = if tag.is_empty() { cmd } else { text };
        if tag.is_empty() && decoded.is_some() {
            // The command line's own `-enc` is reported once, with the decoded text.
            found.retain(|d| !d.technique.ends_with("+encoded"));
        }
        for (technique, (_, targets)) in by_technique(found) {
            out.push((format!("{technique}{tag}"), targets, shown.to_string()));
        }
    }
    out
}

/// Rows of the process starts among the candidates.
pub(super) fn process_rows(candidates: &[&Event], memo: &mut Memo, sink: &mut Sink) {
    for e in candidates.iter().filter(|e| e.is_process_creation()) {
        let cmd = e.process.as_deref().unwrap_or("");
        let escu = is_powershell(e) && escu_matches(cmd);
        // The process's own user (Sysmon `User`, 4688's target or subject). Its
        // System/Security/@UserID is the account of the logging service (Sysmon runs as
        // S-1-5-18), not of the process: it neither names the user nor keys the row.
        let user = e
            .user
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(|u| (u.to_string(), "event".to_string()));
        let uid = [e.uid()];
        let log = if e.event_code == 1 {
            "Sysmon 1"
        } else {
            "4688"
        };
        for (technique, targets, text) in command_line_hits(cmd, e.decoded_command.clone(), memo) {
            sink.add(Hit {
                technique,
                log,
                escu,
                targets,
                computer: &e.computer,
                user_id: None,
                user: user.clone(),
                text: &text,
                events: &uid,
                first: e.time,
                last: e.time,
                block: None,
                complete: true,
            });
        }
    }
}

/// Rows of the source-side 4103 / 800 / 400 / 403 / 600 events among the candidates.
pub(super) fn log_rows(candidates: &[&Event], names: &SidNames, memo: &mut Memo, sink: &mut Sink) {
    for e in candidates {
        let Some(t) = log_text(e) else { continue };
        // ESCU reads neither log: these rows are never its.
        let hits = match t.form {
            Form::Bindings => {
                let command = rebuild(&t.text);
                let found = memo.analyze(&command).detections;
                by_technique(found)
                    .into_iter()
                    .map(|(technique, (_, targets))| (technique, targets, command.clone()))
                    .collect()
            }
            Form::HostApplication => command_line_hits(&t.text, None, memo),
        };
        if hits.is_empty() {
            continue;
        }
        // The context's user (`User =`, `UserId=`); else the event's SID, named as for script
        // blocks.
        let user_id = e.user_sid().filter(|s| !s.is_empty()).map(str::to_string);
        let user = match &t.user {
            Some(u) => Some((u.clone(), "event".to_string())),
            None => user_id.as_deref().and_then(|sid| {
                names
                    .resolve(sid)
                    .map(|(n, s)| (n.to_string(), s.to_string()))
            }),
        };
        let uid = [e.uid()];
        for (technique, targets, text) in hits {
            sink.add(Hit {
                technique,
                log: t.log,
                escu: false,
                targets,
                computer: &e.computer,
                user_id: user_id.clone(),
                user: user.clone(),
                text: &text,
                events: &uid,
                first: e.time,
                last: e.time,
                block: None,
                complete: true,
            });
        }
    }
}
