//! Shared by the demo tests: an independent, naive reading of the two analytics.
#![allow(dead_code)]

use std::collections::BTreeMap;

use huntbench::demo::{
    self, DemoOptions, Expected, ExpectedRow, InboundSession, process_key, script_block_key,
};
use huntbench::event::Event;

pub fn has(text: &str, needle: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// An independent, naive reading of the two analytics, to check the declared answers.
pub fn sb_match(e: &Event) -> bool {
    e.is_script_block()
        && e.script_block_text
            .as_deref()
            .is_some_and(|t| has(t, "Invoke-Command") && has(t, "-ComputerName"))
}

pub fn proc_match(e: &Event) -> bool {
    let in_set = |v: &Option<String>, set: &[&str]| {
        v.as_deref()
            .is_some_and(|v| set.iter().any(|s| s.eq_ignore_ascii_case(v)))
    };
    let names = [
        "pwsh.exe",
        "sqlps.exe",
        "sqltoolsps.exe",
        "powershell.exe",
        "powershell_ise.exe",
    ];
    let powershell = in_set(&e.process_name, &names)
        || in_set(
            &e.original_file_name,
            &["pwsh.dll", "PowerShell.EXE", "powershell_ise.EXE"],
        );
    e.is_process_creation()
        && powershell
        && e.process
            .as_deref()
            .is_some_and(|t| has(t, "Invoke-Command") && has(t, "-ComputerName"))
}

pub fn naive_rows<'a>(
    events: impl Iterator<Item = &'a Event>,
    key: impl Fn(&Event) -> Option<Vec<String>>,
) -> Vec<ExpectedRow> {
    let mut m: BTreeMap<Vec<String>, (u64, i64, i64)> = BTreeMap::new();
    for e in events {
        if let Some(k) = key(e) {
            let r = m.entry(k).or_insert((0, e.time, e.time));
            r.0 += 1;
            r.1 = r.1.min(e.time);
            r.2 = r.2.max(e.time);
        }
    }
    m.into_iter()
        .map(|(key, (count, first_time, last_time))| ExpectedRow {
            key,
            count,
            first_time,
            last_time,
        })
        .collect()
}

pub fn check_answers(events: &[Event], exp: &Expected) {
    let sb = naive_rows(events.iter().filter(|e| sb_match(e)), script_block_key);
    assert_eq!(sb, exp.script_block_rows);
    let pr = naive_rows(events.iter().filter(|e| proc_match(e)), |e| {
        Some(process_key(e))
    });
    assert_eq!(pr, exp.process_rows);
    let dropped = events
        .iter()
        .filter(|e| sb_match(e) && e.user_id.is_none())
        .count();
    assert_eq!(dropped, exp.dropped_script_block_events);
    let sb_hits = events.iter().filter(|e| sb_match(e)).count();
    assert_eq!(sb_hits, exp.script_block_matches);
    let proc_hits = events.iter().filter(|e| proc_match(e)).count();
    assert_eq!(proc_hits, exp.process_matches);
}

/// The default demo corpus and its expected answers.
pub fn corpus() -> (Vec<Event>, Expected) {
    let o = DemoOptions::default();
    (demo::generate(&o), demo::expected(&o))
}

/// A host name's short form, whatever the spelling: `CORP\SRV-DB01$`, `srv-db01.corp.local`
/// and `SRV-DB01` are all `SRV-DB01`.
pub fn short(name: &str) -> String {
    let name = name.rsplit('\\').next().unwrap_or(name);
    let name = name.trim_end_matches('$');
    name.split('.').next().unwrap_or(name).to_ascii_uppercase()
}

/// The events the target logged for a session: on the target, inside its time span.
pub fn session_events<'a>(events: &'a [Event], s: &InboundSession) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.computer == s.target && (s.first..=s.last).contains(&e.time))
        .collect()
}
