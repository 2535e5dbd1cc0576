//! winlogbeat / Elastic Common Schema records (`@timestamp`, `winlog.*`, `process.*`,
//! `powershell.*`). The raw `winlog.event_data` is mapped like EventData; ECS fields fill what
//! the raw data did not give (SEMANTICS.md §4, last column).

use serde_json::{Map, Value};

use super::json_evtx::scalar_text;
use super::mapping::Raw;
use crate::event::Event;

/// A nested field by path, also accepting flattened dotted keys (`"winlog.event_id": 4104`).
pub(crate) fn lookup<'a>(o: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    for i in (1..=path.len()).rev() {
        let key = path[..i].join(".");
        if let Some(v) = o.get(&key) {
            if i == path.len() {
                return Some(v);
            }
            if let Value::Object(inner) = v
                && let Some(found) = lookup(inner, &path[i..])
            {
                return Some(found);
            }
        }
    }
    None
}

fn text(o: &Map<String, Value>, path: &[&str]) -> Option<String> {
    lookup(o, path)
        .and_then(scalar_text)
        .filter(|s| !s.is_empty())
}

/// True for winlogbeat/ECS-shaped records.
pub(crate) fn is_ecs_shape(o: &Map<String, Value>) -> bool {
    lookup(o, &["winlog"]).is_some()
        || lookup(o, &["winlog", "event_id"]).is_some()
        || (o.contains_key("@timestamp") && lookup(o, &["event", "code"]).is_some())
}

/// The System part and raw event data of an ECS record.
pub(crate) fn raw_from_ecs(o: &Map<String, Value>) -> Raw {
    let mut raw = Raw {
        time: text(o, &["@timestamp"]).and_then(|t| crate::time::parse_timestamp(&t)),
        event_code: text(o, &["winlog", "event_id"])
            .or_else(|| text(o, &["event", "code"]))
            .and_then(|c| c.trim().parse().ok()),
        channel: text(o, &["winlog", "channel"]).unwrap_or_default(),
        provider: text(o, &["winlog", "provider_name"])
            .or_else(|| text(o, &["event", "provider"]))
            .unwrap_or_default(),
        // Not host.name: for forwarded logs that is the collector, not the event's computer.
        computer: text(o, &["winlog", "computer_name"]).unwrap_or_default(),
        record_id: text(o, &["winlog", "record_id"]).and_then(|r| r.trim().parse().ok()),
        user_id: text(o, &["winlog", "user", "identifier"]).or_else(|| text(o, &["user", "id"])),
        // winlog.process.pid is System/Execution/@ProcessID; process.pid is the event's subject.
        pid: text(o, &["winlog", "process", "pid"]).and_then(|p| p.trim().parse().ok()),
        ..Default::default()
    };
    for section in ["event_data", "user_data"] {
        if let Some(Value::Object(d)) = lookup(o, &["winlog", section]) {
            for (k, v) in d {
                if let Some(t) = scalar_text(v) {
                    raw.put(k, t);
                }
            }
        }
    }
    raw
}

/// Fill the normalized fields the raw event data did not provide from the ECS fields.
pub(crate) fn fill_from_ecs(e: &mut Event, o: &Map<String, Value>) {
    let fill = |slot: &mut Option<String>, path: &[&str]| {
        if slot.is_none() {
            *slot = text(o, path);
        }
    };
    fill(
        &mut e.script_block_text,
        &["powershell", "file", "script_block_text"],
    );
    fill(
        &mut e.script_block_id,
        &["powershell", "file", "script_block_id"],
    );
    fill(&mut e.path, &["file", "path"]);
    if e.message_number.is_none() {
        e.message_number = text(o, &["powershell", "sequence"]).and_then(|n| n.parse().ok());
    }
    if e.message_total.is_none() {
        e.message_total = text(o, &["powershell", "total"]).and_then(|n| n.parse().ok());
    }
    fill(&mut e.process, &["process", "command_line"]);
    fill(&mut e.process_name, &["process", "name"]);
    fill(&mut e.process_path, &["process", "executable"]);
    fill(&mut e.process_id, &["process", "pid"]);
    fill(
        &mut e.parent_process,
        &["process", "parent", "command_line"],
    );
    fill(&mut e.parent_process_name, &["process", "parent", "name"]);
    fill(
        &mut e.parent_process_path,
        &["process", "parent", "executable"],
    );
    fill(&mut e.parent_process_id, &["process", "parent", "pid"]);
    fill(
        &mut e.original_file_name,
        &["process", "pe", "original_file_name"],
    );
    fill(&mut e.process_guid, &["process", "entity_id"]);
    if e.process_name.is_none() {
        e.process_name = e.process_path.as_deref().map(super::mapping::basename);
    }
    if e.parent_process_name.is_none() {
        e.parent_process_name = e
            .parent_process_path
            .as_deref()
            .map(super::mapping::basename);
    }
    if e.decoded_command.is_none() {
        e.decoded_command = e
            .process
            .as_deref()
            .and_then(super::decode::decoded_command);
    }
    if e.user.is_none()
        && (e.process.is_some() || e.is_process_creation())
        && let Some(name) = text(o, &["user", "name"])
    {
        e.user = Some(match text(o, &["user", "domain"]) {
            Some(dom) => format!("{dom}\\{name}"),
            None => name,
        });
    }
}
