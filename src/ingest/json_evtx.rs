//! The evtx-crate / `evtx_dump` JSON shape: `{"Event":{"System":{...},"EventData":{...}}}`.
//!
//! Attributes come either nested (`"EventID":{"#attributes":{..},"#text":4104}`) or, with
//! `evtx_dump --separate-json-attributes`, as a sibling (`"EventID_attributes":{..}`).
//! The .evtx reader uses this same code on the crate's own JSON, so both agree by construction.

use serde_json::{Map, Value};

use super::mapping::Raw;

/// Render a JSON scalar the way the XML would show it (numbers in decimal, booleans as words).
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        Value::Object(o) => o.get("#text").and_then(scalar_text),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().filter_map(scalar_text).collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
    }
}

fn is_attr_key(k: &str) -> bool {
    k == "#attributes" || k.ends_with("_attributes")
}

/// The value of attribute `name` of child element `elem`, in either attribute layout.
fn attr<'a>(parent: &'a Map<String, Value>, elem: &str, name: &str) -> Option<&'a Value> {
    if let Some(v) = parent
        .get(elem)
        .and_then(|e| e.get("#attributes"))
        .and_then(|a| a.get(name))
    {
        return Some(v);
    }
    parent
        .get(&format!("{elem}_attributes"))
        .and_then(|a| a.get(name))
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => number(o.get("#text")),
        _ => None,
    }
}

/// True when the object looks like the evtx JSON shape (with or without the `Event` wrapper).
pub(crate) fn is_evtx_shape(o: &Map<String, Value>) -> bool {
    o.get("Event").is_some_and(|e| e.get("System").is_some()) || o.get("System").is_some()
}

/// Read one evtx-shaped object into a [`Raw`].
pub(crate) fn raw_from_evtx_json(o: &Map<String, Value>) -> Result<Raw, String> {
    let ev = match o.get("Event") {
        Some(Value::Object(e)) => e,
        _ => o,
    };
    let Some(Value::Object(sys)) = ev.get("System") else {
        return Err("no Event.System object".into());
    };
    let text = |k: &str| sys.get(k).and_then(scalar_text).unwrap_or_default();
    let mut raw = Raw {
        event_code: number(sys.get("EventID")).and_then(|n| u32::try_from(n).ok()),
        channel: text("Channel"),
        computer: text("Computer"),
        record_id: number(sys.get("EventRecordID")),
        provider: attr(sys, "Provider", "Name")
            .and_then(scalar_text)
            .unwrap_or_default(),
        user_id: attr(sys, "Security", "UserID").and_then(scalar_text),
        pid: number(attr(sys, "Execution", "ProcessID")).and_then(|n| u32::try_from(n).ok()),
        time: attr(sys, "TimeCreated", "SystemTime")
            .and_then(scalar_text)
            .and_then(|t| crate::time::parse_timestamp(&t)),
        ..Default::default()
    };
    if let Some(Value::Object(ed)) = ev.get("EventData") {
        read_event_data(ed, &mut raw);
    }
    if let Some(Value::Object(ud)) = ev.get("UserData") {
        for (k, v) in ud {
            if is_attr_key(k) {
                continue;
            }
            match v {
                // The single wrapper element (e.g. LogFileCleared): its leaves are the fields.
                Value::Object(inner) => flatten(inner, "", &mut raw),
                other => {
                    if let Some(t) = scalar_text(other) {
                        raw.put(k, t);
                    }
                }
            }
        }
    }
    Ok(raw)
}

fn read_event_data(ed: &Map<String, Value>, raw: &mut Raw) {
    for (k, v) in ed {
        if is_attr_key(k) {
            continue;
        }
        if k == "Data" {
            // Unnamed <Data> elements: named ones were turned into keys by the renderer.
            let texts = match v {
                Value::Object(o) => o.get("#text").cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            match texts {
                Value::Array(items) => {
                    for item in &items {
                        raw.unnamed.push(scalar_text(item).unwrap_or_default());
                    }
                }
                Value::Null => {}
                one => raw.unnamed.push(scalar_text(&one).unwrap_or_default()),
            }
            continue;
        }
        match v {
            Value::Object(inner) if !inner.contains_key("#text") => {
                flatten(inner, &format!("{k}."), raw)
            }
            other => {
                if let Some(t) = scalar_text(other) {
                    raw.put(k, t);
                }
            }
        }
    }
}

/// Leaves of nested elements as `a.b` keys; attributes are left out.
fn flatten(o: &Map<String, Value>, prefix: &str, raw: &mut Raw) {
    for (k, v) in o {
        if is_attr_key(k) {
            continue;
        }
        match v {
            Value::Object(inner) if !inner.contains_key("#text") => {
                flatten(inner, &format!("{prefix}{k}."), raw)
            }
            other => {
                if let Some(t) = scalar_text(other) {
                    raw.put(&format!("{prefix}{k}"), t);
                }
            }
        }
    }
}
