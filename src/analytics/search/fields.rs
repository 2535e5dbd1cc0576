//! Field names of the search language: the normalized names, the Splunk names analysts type
//! (`Computer`, `EventCode`, `ScriptBlockText`, …), `Message`, and raw EventData names.

use std::borrow::Cow;

use crate::event::{Event, FIELD_NAMES};

/// Splunk (and other) names → normalized name, lower-case. Mirrors [`Event::get`]; a test keeps
/// the two in step.
const ALIASES: &[(&str, &str)] = &[
    ("_time", "time"),
    ("eventcode", "event_code"),
    ("eventid", "event_code"),
    ("signature_id", "event_code"),
    ("source", "channel"),
    ("log_name", "channel"),
    ("dest", "computer"),
    ("host", "computer"),
    ("recordnumber", "record_id"),
    ("eventrecordid", "record_id"),
    ("userid", "user_id"),
    ("scriptblocktext", "script_block_text"),
    ("scriptblockid", "script_block_id"),
    ("messagenumber", "message_number"),
    ("messagetotal", "message_total"),
    ("commandline", "process"),
    ("command_line", "process"),
    ("image", "process_path"),
    ("parentcommandline", "parent_process"),
    ("parentimage", "parent_process_path"),
    ("originalfilename", "original_file_name"),
    ("processguid", "process_guid"),
];

/// The index field that holds the raw EventData values (searched by `data:word`).
pub const DATA_FIELD: &str = "data";

/// The virtual field holding an event's whole text (see [`message`]).
pub const MESSAGE_FIELD: &str = "Message";

/// The normalized name of a field, or `None` when it is not one of the event's own fields
/// (`data` counts: it is the index field of all EventData values).
pub fn canonical(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if lower == DATA_FIELD {
        return Some(DATA_FIELD);
    }
    FIELD_NAMES
        .iter()
        .copied()
        .find(|n| *n == lower)
        .or_else(|| ALIASES.iter().find(|(a, _)| *a == lower).map(|(_, n)| *n))
}

/// The field a `field="…"` comparison reads: a normalized name when known (`data`: any one
/// EventData value), `Message`, or else the EventData name as typed (looked up
/// case-insensitively, as [`Event::get`] does).
pub fn compare_field(name: &str) -> String {
    if name.eq_ignore_ascii_case(MESSAGE_FIELD) {
        return MESSAGE_FIELD.to_string();
    }
    match canonical(name) {
        Some(n) => n.to_string(),
        None => name.to_string(),
    }
}

/// The names `field:value` accepts, for error messages.
pub fn known_fields() -> String {
    let mut names: Vec<&str> = FIELD_NAMES.to_vec();
    names.push(DATA_FIELD);
    names.join(" ")
}

/// Value of a comparison field on an event (a missing or empty value is `None`).
pub fn field_value<'e>(e: &'e Event, field: &str) -> Option<Cow<'e, str>> {
    if field.eq_ignore_ascii_case(MESSAGE_FIELD) {
        return message(e);
    }
    e.get(field)
}

/// `Message`: the event's text as one value. The logged `Message` when the source carried one
/// (nxlog, some JSON exports); otherwise every non-empty EventData value in name order, joined
/// with newlines — for a classic `Windows PowerShell` 800 that is the pipeline's command line,
/// context and details, the text Windows renders into its message. Events without EventData
/// fall back to their script text or command line.
pub fn message(e: &Event) -> Option<Cow<'_, str>> {
    if let Some((_, v)) = e
        .data
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(MESSAGE_FIELD) && !v.is_empty())
    {
        return Some(Cow::Borrowed(v));
    }
    let values: Vec<&str> = e
        .data
        .values()
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .collect();
    match values.as_slice() {
        [] => e
            .script_block_text
            .as_deref()
            .or(e.process.as_deref())
            .filter(|s| !s.is_empty())
            .map(Cow::Borrowed),
        [one] => Some(Cow::Borrowed(one)),
        many => Some(Cow::Owned(many.join("\n"))),
    }
}

/// EventData names a summary puts first (Security logons, services, Sysmon network and file
/// events): what an analyst scans a list for.
const SUMMARY_FIRST: &[&str] = &[
    "TargetUserName",
    "LogonType",
    "IpAddress",
    "WorkstationName",
    "SubjectUserName",
    "ServiceName",
    "ImagePath",
    "Image",
    "DestinationHostname",
    "DestinationIp",
    "DestinationPort",
    "TargetFilename",
];

/// The text an analyst reads first for an event, not yet made safe for a terminal: the script
/// text, else the command line, else the EventData as `Name=value` pairs (the logged `Message`
/// first when there is one; unnamed values without their `Data_n` name).
pub fn event_summary(e: &Event) -> Cow<'_, str> {
    if let Some(t) = e.script_block_text.as_deref().filter(|s| !s.is_empty()) {
        return Cow::Borrowed(t);
    }
    if let Some(p) = e.process.as_deref().filter(|s| !s.is_empty()) {
        return Cow::Borrowed(p);
    }
    let mut pairs: Vec<String> = Vec::new();
    if let Some(m) = e
        .data
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case(MESSAGE_FIELD) && !v.is_empty())
    {
        pairs.push(m.1.clone());
    }
    // Who, from where and what first; the rest in name order.
    let first = |k: &str| {
        SUMMARY_FIRST
            .iter()
            .position(|f| *f == k)
            .unwrap_or(usize::MAX)
    };
    let mut data: Vec<(&String, &String)> = e.data.iter().collect();
    data.sort_by_key(|(k, _)| first(k));
    for (k, v) in data {
        if v.is_empty() || k.eq_ignore_ascii_case(MESSAGE_FIELD) {
            continue;
        }
        // Unnamed <Data> (`Data`, `Data_1`…) has no name worth reading: the value alone.
        let unnamed = k == "Data"
            || k.strip_prefix("Data_")
                .is_some_and(|n| n.parse::<u32>().is_ok());
        pairs.push(if unnamed {
            v.clone()
        } else {
            format!("{k}={v}")
        });
    }
    Cow::Owned(pairs.join("  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Event {
        Event {
            time: 7,
            event_code: 4104,
            channel: "C".into(),
            provider: "P".into(),
            computer: "H".into(),
            record_id: Some(3),
            user_id: Some("S".into()),
            user: Some("U".into()),
            script_block_text: Some("T".into()),
            script_block_id: Some("I".into()),
            message_number: Some(1),
            message_total: Some(2),
            path: Some("p".into()),
            process: Some("cmd".into()),
            process_name: Some("n".into()),
            process_path: Some("pp".into()),
            process_id: Some("1".into()),
            parent_process: Some("pc".into()),
            parent_process_name: Some("pn".into()),
            parent_process_path: Some("ppp".into()),
            parent_process_id: Some("2".into()),
            original_file_name: Some("o".into()),
            process_guid: Some("g".into()),
            decoded_command: Some("d".into()),
            ..Default::default()
        }
    }

    #[test]
    fn every_alias_reads_what_event_get_reads() {
        let e = full();
        for (alias, name) in ALIASES {
            assert_eq!(canonical(alias), Some(*name));
            assert_eq!(e.get(alias), e.get(name), "{alias}");
            assert!(e.get(name).is_some(), "{name}");
        }
        assert_eq!(canonical("ScriptBlockText"), Some("script_block_text"));
        assert_eq!(canonical("Computer"), Some("computer"));
        assert_eq!(canonical("nosuch"), None);
        assert_eq!(compare_field("TargetUserName"), "TargetUserName");
        assert_eq!(compare_field("message"), "Message");
        assert_eq!(compare_field("Data"), "data");
    }

    #[test]
    fn message_prefers_the_logged_one_then_joins_event_data() {
        let mut e = Event::default();
        assert_eq!(message(&e), None);
        e.process = Some("cmd /c x".into());
        assert_eq!(message(&e).as_deref(), Some("cmd /c x"));
        e.data
            .insert("Data_1".into(), "Invoke-Command -cn s".into());
        e.data
            .insert("Data_2".into(), "HostName=ConsoleHost".into());
        assert_eq!(
            message(&e).as_deref(),
            Some("Invoke-Command -cn s\nHostName=ConsoleHost")
        );
        e.data.insert("Message".into(), "rendered".into());
        assert_eq!(message(&e).as_deref(), Some("rendered"));
    }

    #[test]
    fn summary_of_an_event_without_script_or_command_line() {
        let mut e = Event::default();
        e.data.insert("TargetUserName".into(), "bob".into());
        e.data.insert("LogonType".into(), "3".into());
        e.data.insert("Empty".into(), String::new());
        assert_eq!(event_summary(&e), "TargetUserName=bob  LogonType=3");
        e.data.insert("Data_1".into(), "Invoke-Command x".into());
        assert_eq!(
            event_summary(&e),
            "TargetUserName=bob  LogonType=3  Invoke-Command x"
        );
        e.process = Some("whoami".into());
        assert_eq!(event_summary(&e), "whoami");
    }
}
