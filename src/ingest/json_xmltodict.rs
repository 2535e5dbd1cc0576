//! The xml2json / xmltodict JSON shape (the default of Python converters, of Newtonsoft's
//! `SerializeXmlNode` and so of EvtxECmd's `Payload`): attributes as `@Name` keys, element
//! text as `#text`, repeated elements as lists, an empty element as `null`:
//!
//! ```json
//! {"Event":{"@xmlns":"…","System":{"Provider":{"@Name":"…"},"EventID":"4104",
//!   "TimeCreated":{"@SystemTime":"2024-10-21 11:31:56.6587087"},…},
//!  "EventData":{"Data":[{"@Name":"ScriptBlockText","#text":"…"},{"@Name":"Path"}]}}}
//! ```
//!
//! Times without a zone are UTC (python-evtx writes them so).

use serde_json::{Map, Value};

use super::json_evtx::scalar_text;
use super::mapping::Raw;

/// An attribute (`key` is `"@Name"`) of an element given as an object.
fn at<'a>(elem: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    elem?.as_object()?.get(key)
}

/// Element text: a string, a number, or an object's `#text` (an element with attributes).
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => o.get("#text").and_then(scalar_text),
        other => scalar_text(other),
    }
}

/// True when a record uses `@` attribute keys in its System part.
pub(crate) fn is_xmltodict_shape(o: &Map<String, Value>) -> bool {
    let ev = match o.get("Event") {
        Some(Value::Object(e)) => e,
        _ => o,
    };
    let Some(Value::Object(sys)) = ev.get("System") else {
        return false;
    };
    at(sys.get("TimeCreated"), "@SystemTime").is_some()
        || at(sys.get("Provider"), "@Name").is_some()
}

/// Read one xmltodict-shaped record (with or without the `Event` wrapper).
pub(crate) fn raw_from_xmltodict(o: &Map<String, Value>) -> Result<Raw, String> {
    let ev = match o.get("Event") {
        Some(Value::Object(e)) => e,
        _ => o,
    };
    let Some(Value::Object(sys)) = ev.get("System") else {
        return Err("no Event.System object".into());
    };
    let text = |k: &str| {
        sys.get(k)
            .and_then(text_of)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let number = |k: &str| {
        sys.get(k)
            .and_then(text_of)
            .and_then(|s| s.trim().parse().ok())
    };
    let mut raw = Raw {
        event_code: number("EventID").and_then(|n: u64| u32::try_from(n).ok()),
        channel: text("Channel"),
        computer: text("Computer"),
        record_id: number("EventRecordID"),
        provider: at(sys.get("Provider"), "@Name")
            .and_then(scalar_text)
            .unwrap_or_default(),
        pid: at(sys.get("Execution"), "@ProcessID")
            .and_then(scalar_text)
            .and_then(|p| p.trim().parse().ok()),
        user_id: at(sys.get("Security"), "@UserID")
            .and_then(scalar_text)
            .filter(|u| !u.is_empty()),
        time: at(sys.get("TimeCreated"), "@SystemTime")
            .and_then(scalar_text)
            .and_then(|t| crate::time::parse_timestamp(&t)),
        ..Default::default()
    };
    read_payload(ev, &mut raw);
    Ok(raw)
}

/// The `EventData` / `UserData` of an object holding either (an `Event`, or EvtxECmd's
/// `Payload`), into `raw`.
pub(crate) fn read_payload(ev: &Map<String, Value>, raw: &mut Raw) {
    if let Some(Value::Object(ed)) = ev.get("EventData") {
        read_event_data(ed, raw);
    }
    if let Some(Value::Object(ud)) = ev.get("UserData") {
        for (k, v) in ud {
            if k.starts_with('@') {
                continue;
            }
            match v {
                // The single wrapper element (e.g. LogFileCleared): its leaves are the fields.
                Value::Object(inner) if !inner.contains_key("#text") => flatten(inner, "", raw),
                other => {
                    if let Some(t) = text_of(other) {
                        raw.put(k, t);
                    }
                }
            }
        }
    }
}

fn read_event_data(ed: &Map<String, Value>, raw: &mut Raw) {
    for (k, v) in ed {
        if k.starts_with('@') {
            continue;
        }
        if k == "Data" {
            match v {
                Value::Array(items) => items.iter().for_each(|d| data_element(d, raw)),
                one => data_element(one, raw),
            }
            continue;
        }
        // Other children (`Binary`, nested elements) keyed like the XML reader keys them.
        match v {
            Value::Object(inner) if !inner.contains_key("#text") => {
                flatten(inner, &format!("{k}."), raw)
            }
            other => {
                if let Some(t) = text_of(other) {
                    raw.put(k, t);
                }
            }
        }
    }
}

/// One `<Data>`: `{"@Name":…,"#text":…}` (no `#text` when empty), a bare string for an
/// unnamed one, `null` for an empty unnamed one.
fn data_element(d: &Value, raw: &mut Raw) {
    match d {
        Value::Object(o) => {
            let value = o.get("#text").and_then(scalar_text).unwrap_or_default();
            match o.get("@Name").and_then(scalar_text) {
                Some(name) => raw.put(&name, value),
                None => raw.unnamed.push(value),
            }
        }
        other => raw.unnamed.push(scalar_text(other).unwrap_or_default()),
    }
}

/// Leaves of nested elements as `a.b` keys; attributes are left out.
fn flatten(o: &Map<String, Value>, prefix: &str, raw: &mut Raw) {
    for (k, v) in o {
        if k.starts_with('@') || k.starts_with("#") {
            continue;
        }
        match v {
            Value::Object(inner) if !inner.contains_key("#text") => {
                flatten(inner, &format!("{prefix}{k}."), raw)
            }
            other => {
                if let Some(t) = text_of(other) {
                    raw.put(&format!("{prefix}{k}"), t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_unnamed_empty_and_single_data() {
        let v: Value = serde_json::json!({"Event": {"@xmlns": "x", "System": {
            "Provider": {"@Name": "Microsoft-Windows-PowerShell", "@Guid": "{a}"},
            "EventID": {"@Qualifiers": "0", "#text": "4104"},
            "TimeCreated": {"@SystemTime": "2024-10-21 11:31:56.6587087"},
            "EventRecordID": "77", "Channel": "Microsoft-Windows-PowerShell/Operational",
            "Computer": "ws01", "Security": {"@UserID": "S-1-5-18"}},
            "EventData": {"Data": [{"@Name": "ScriptBlockText", "#text": "a\r\nb"},
                                   {"@Name": "Path"}, {"@Name": "MessageNumber", "#text": "1"}]}}});
        let o = v.as_object().unwrap();
        assert!(is_xmltodict_shape(o));
        let r = raw_from_xmltodict(o).unwrap();
        assert_eq!(r.event_code, Some(4104));
        assert_eq!(r.record_id, Some(77));
        assert_eq!(r.user_id.as_deref(), Some("S-1-5-18"));
        assert_eq!(
            r.time,
            crate::time::parse_timestamp("2024-10-21T11:31:56.658708Z")
        );
        assert_eq!(
            r.data.get("ScriptBlockText").map(String::as_str),
            Some("a\r\nb")
        );
        assert!(!r.data.contains_key("Path"));
        let one: Value = serde_json::json!({"EventData": {"Data": {"@Name": "A", "#text": "1"}}});
        let mut raw = Raw::default();
        read_payload(one.as_object().unwrap(), &mut raw);
        assert_eq!(raw.data.get("A").map(String::as_str), Some("1"));
        let unnamed: Value = serde_json::json!({"EventData": {"Data": ["x", null, "z"]}});
        let mut raw = Raw::default();
        read_payload(unnamed.as_object().unwrap(), &mut raw);
        assert_eq!(raw.unnamed, vec!["x", "", "z"]);
    }
}
