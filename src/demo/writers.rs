//! JSON writers in the shapes real tools emit: evtx_dump / evtx-crate NDJSON and winlogbeat ECS.

use std::borrow::Borrow;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::event::Event;
use crate::time::iso_micros;

/// EventData fields the evtx crate renders as JSON numbers (typed integers in the binary log).
/// 4688's ProcessId/NewProcessId are pointers, rendered as hex strings, so they stay strings.
const NUMERIC_FIELDS: &[&str] = &[
    "MessageNumber",
    "MessageTotal",
    "ProcessId",
    "ParentProcessId",
    "TerminalSessionId",
    "LogonType",
    "SourcePort",
    "DestinationPort",
];

/// The provider GUID the real log carries, for the providers the demo uses.
pub(crate) fn provider_guid(provider: &str) -> Option<&'static str> {
    Some(match provider {
        "Microsoft-Windows-PowerShell" => "{A0C1853B-5C40-4B15-8766-3CF1C58F985A}",
        "PowerShellCore" => "{F90714A8-5509-434A-BF6D-B1624C8A19A2}",
        "Microsoft-Windows-Sysmon" => "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
        "Microsoft-Windows-Security-Auditing" => "{54849625-5478-4994-A5BA-3E3B0328C30D}",
        "Service Control Manager" => "{555908D1-A6D7-4695-8E1E-26931D2012F4}",
        _ => return None,
    })
}

fn data_value(name: &str, value: &str) -> Value {
    let plain_digits = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && (value == "0" || !value.starts_with('0'));
    if plain_digits
        && NUMERIC_FIELDS.contains(&name)
        && let Ok(n) = value.parse::<u64>()
    {
        return Value::from(n);
    }
    Value::from(value)
}

/// One event as evtx_dump renders it (`#attributes` for XML attributes).
pub fn evtx_dump_value(e: &Event) -> Value {
    let mut provider = Map::new();
    provider.insert("Name".into(), e.provider.clone().into());
    if let Some(g) = provider_guid(&e.provider) {
        // evtx prints GUIDs without braces.
        provider.insert("Guid".into(), g.trim_matches(['{', '}']).into());
    }
    let security = match &e.user_id {
        Some(sid) => json!({"#attributes": {"UserID": sid}}),
        None => Value::Null,
    };
    let data = if e.data.is_empty() {
        Value::Null
    } else {
        Value::Object(
            e.data
                .iter()
                .map(|(k, v)| (k.clone(), data_value(k, v)))
                .collect(),
        )
    };
    json!({"Event": {
        "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {
            "Provider": {"#attributes": Value::Object(provider)},
            "EventID": e.event_code,
            "TimeCreated": {"#attributes": {"SystemTime": iso_micros(e.time)}},
            "EventRecordID": e.record_id,
            "Channel": e.channel,
            "Computer": e.computer,
            "Security": security,
        },
        "EventData": data,
    }})
}

/// evtx_dump-style NDJSON: one `{"Event":{...}}` object per line.
pub fn write_ndjson_evtx_dump<I>(events: I, w: &mut dyn Write) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    for e in events {
        serde_json::to_writer(&mut *w, &evtx_dump_value(e.borrow()))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// One event as winlogbeat ships it: ECS envelope, raw EventData under `winlog.event_data`.
pub fn winlogbeat_value(e: &Event) -> Value {
    let mut winlog = Map::new();
    winlog.insert("channel".into(), e.channel.clone().into());
    winlog.insert("computer_name".into(), e.computer.clone().into());
    winlog.insert("event_id".into(), e.event_code.to_string().into());
    winlog.insert("provider_name".into(), e.provider.clone().into());
    if let Some(g) = provider_guid(&e.provider) {
        winlog.insert("provider_guid".into(), g.into());
    }
    if let Some(r) = e.record_id {
        winlog.insert("record_id".into(), r.into());
    }
    if let Some(sid) = &e.user_id {
        winlog.insert("user".into(), json!({"identifier": sid}));
    }
    if !e.data.is_empty() {
        winlog.insert(
            "event_data".into(),
            serde_json::to_value(&e.data).unwrap_or(Value::Null),
        );
    }
    json!({
        "@timestamp": iso_micros(e.time),
        "event": {"code": e.event_code.to_string(), "kind": "event", "provider": e.provider},
        "winlog": Value::Object(winlog),
        "agent": {"type": "winlogbeat"},
        "ecs": {"version": "8.0.0"},
    })
}

/// winlogbeat / ECS NDJSON, one event per line.
pub fn write_winlogbeat<I>(events: I, w: &mut dyn Write) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    for e in events {
        serde_json::to_writer(&mut *w, &winlogbeat_value(e.borrow()))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
