//! The full-text screen's state changes: load text, open an event, find and step through matches.

use super::app::{App, TextView};
use super::msg::Effect;
use crate::event::Event;
use crate::sanitize::{inert_line, inert_text};
use crate::time::iso_micros;

/// The literals the analytics match; always highlighted.
pub const LITERALS: &[&str] = &["invoke-command", "-computername"];

/// Show a text: sanitized once here, so drawing only slices lines.
pub fn set_text(t: &mut TextView, text: &str, part_info: Option<String>) {
    t.raw = text.to_string();
    t.lines = inert_text(text).lines().map(str::to_string).collect();
    if t.lines.is_empty() {
        t.lines.push(String::new());
    }
    t.part_info = part_info.map(|p| inert_line(&p).into_owned());
    t.scroll = 0;
    t.hscroll = 0;
    t.loading = false;
    let s = t.search.clone();
    find(t, &s);
    t.scroll = 0;
}

/// Open an event: a script block asks the backend for its joined text; anything else shows its
/// fields (command line, parent, ids, original file name, decoded command).
pub fn open_event(app: &mut App, event: Event) -> Vec<Effect> {
    let host = inert_line(&event.computer).into_owned();
    let when = crate::time::ctime(event.time, app.tz);
    app.text.search.clear();
    app.text.matches.clear();
    app.text.who = who(app, &event);
    if event.is_script_block() {
        let sbid = event.script_block_id.as_deref().unwrap_or("-");
        app.text.title = format!("script block {} · {host} · {when}", inert_line(sbid));
        app.text.raw.clear();
        app.text.lines = vec!["loading…".into()];
        app.text.part_info = None;
        app.text.scroll = 0;
        app.text.loading = true;
        app.gens.text = app.gens.bump();
        return vec![Effect::FullText {
            gen_id: app.gens.text,
            event: Box::new(event),
        }];
    }
    app.text.title = format!("event {} · {host} · {when}", event.event_code);
    set_text(&mut app.text, &describe(&event), None);
    vec![]
}

/// Who ran it, for the header: a process's own user (its UserID is the logging service's
/// account, Sysmon's S-1-5-18), or a script block's SID with the name learned for it.
fn who(app: &App, event: &Event) -> Option<String> {
    let who = if event.is_process_creation() {
        format!(
            "{} (process user)",
            event.user.as_deref().filter(|u| !u.is_empty())?
        )
    } else {
        let sid = event.user_id.as_deref()?;
        let (name, source) = app.sid_names.get(sid)?;
        format!("{} = {name} (from {source})", sid.trim())
    };
    Some(inert_line(&who).into_owned())
}

/// The fields of a non-script event as `name: value` lines (process events first).
pub fn describe(e: &Event) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push_str(&format!("{k:<20} {v}\n"));
        }
    };
    line("time", Some(&iso_micros(e.time)));
    line("event code", Some(&e.event_code.to_string()));
    line("channel", Some(&e.channel));
    line("computer", Some(&e.computer));
    line("record id", e.record_id.map(|r| r.to_string()).as_deref());
    line("user", e.user.as_deref());
    line("user id", e.user_id.as_deref());
    line("command line", e.process.as_deref());
    line(
        "process",
        e.process_path.as_deref().or(e.process_name.as_deref()),
    );
    line("process id", e.process_id.as_deref());
    line("parent command line", e.parent_process.as_deref());
    line(
        "parent process",
        e.parent_process_path
            .as_deref()
            .or(e.parent_process_name.as_deref()),
    );
    line("parent process id", e.parent_process_id.as_deref());
    line("original file name", e.original_file_name.as_deref());
    line("process guid", e.process_guid.as_deref());
    line("decoded command", e.decoded_command.as_deref());
    for (k, v) in &e.data {
        line(k, Some(v));
    }
    out
}

/// Find every line holding `needle` (case-insensitive) and jump to the first.
pub fn find(t: &mut TextView, needle: &str) {
    t.search = needle.to_string();
    t.matches.clear();
    t.match_idx = 0;
    if needle.is_empty() {
        return;
    }
    let n = needle.to_lowercase();
    t.matches = t
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.to_lowercase().contains(&n))
        .map(|(i, _)| i)
        .collect();
    if let Some(&first) = t.matches.first() {
        t.scroll = first;
    }
}

/// Go to the next (or previous) match, wrapping around.
pub fn step_match(t: &mut TextView, forward: bool) {
    let n = t.matches.len();
    if n == 0 {
        return;
    }
    t.match_idx = if forward {
        (t.match_idx + 1) % n
    } else {
        (t.match_idx + n - 1) % n
    };
    t.scroll = t.matches[t.match_idx];
}

/// Byte ranges in `line` to highlight: the analytics' literals and the search text.
pub fn highlights(line: &str, search: &str) -> Vec<(usize, usize)> {
    // ASCII lower-casing keeps byte offsets, so ranges found in `lower` fit `line`.
    let lower = line.to_ascii_lowercase();
    let mut out = Vec::new();
    let search = search.to_ascii_lowercase();
    let needles = LITERALS
        .iter()
        .copied()
        .chain(std::iter::once(search.as_str()).filter(|s| !s.is_empty()));
    for n in needles {
        let mut from = 0;
        while let Some(i) = lower[from..].find(n) {
            out.push((from + i, from + i + n.len()));
            from += i + n.len().max(1);
        }
    }
    out.sort();
    // Merge overlaps so every byte is styled once.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}
