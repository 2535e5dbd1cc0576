//! JSON documents of any supported shape → events: evtx_dump, xmltodict / xml2json, EvtxECmd,
//! winlogbeat/ECS, Splunk export, flat Security-Datasets. The shape is decided per record, so
//! mixed files work.

use serde_json::{Map, Value};

use super::evtxecmd::{is_evtxecmd_shape, raw_from_evtxecmd_json};
use super::json_ecs::{fill_from_ecs, is_ecs_shape, raw_from_ecs};
use super::json_evtx::{is_evtx_shape, raw_from_evtx_json};
use super::json_flat::{is_flat_shape, raw_from_flat};
use super::json_xmltodict::{is_xmltodict_shape, raw_from_xmltodict};
use super::xml::{raw_from_xml, unescape};
use super::{IngestError, Sink};
use crate::event::Event;

/// Parse one JSON text (a line, or a whole document) and emit what it holds.
pub(crate) fn parse_json_text(bytes: &[u8], file: &str, pos: &str, sink: &mut dyn Sink) {
    // Invalid UTF-8 is repaired (U+FFFD) rather than losing the record.
    let text = String::from_utf8_lossy(bytes);
    let mut parsed = serde_json::from_str::<Value>(&text);
    // So is a lone surrogate escape; looked for only when the record was refused, so good
    // records pay nothing.
    if parsed.is_err()
        && let Some(fixed) = super::surrogates::repair_lone_surrogates(&text)
    {
        parsed = serde_json::from_str::<Value>(&fixed);
    }
    match parsed {
        Ok(v) => emit_value(&v, file, pos, sink),
        Err(e) => sink.error(IngestError::new(file, pos, format!("invalid JSON: {e}"))),
    }
}

/// Emit the events of a parsed JSON value (an object, or an array of objects).
pub(crate) fn emit_value(v: &Value, file: &str, pos: &str, sink: &mut dyn Sink) {
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                emit_value(item, file, &format!("{pos} element {}", i + 1), sink);
            }
        }
        Value::Object(o) => {
            if let Some(Value::Array(results)) = o.get("results") {
                for (i, r) in results.iter().enumerate() {
                    emit_value(r, file, &format!("{pos} result {}", i + 1), sink);
                }
                return;
            }
            // xmltodict of a whole `<Events>` document: `{"Events":{"Event":[…]}}`.
            if let Some(Value::Object(events)) = o.get("Events")
                && let Some(inner) = events.get("Event")
            {
                emit_value(inner, file, pos, sink);
                return;
            }
            match event_from_object(o, format!("{file}:{pos}")) {
                Ok(e) => sink.event(e),
                Err(reason) => sink.error(IngestError::new(file, pos, reason)),
            }
        }
        other => sink.error(IngestError::new(
            file,
            pos,
            format!("expected a JSON object, found {}", kind(other)),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One record object of any supported shape.
pub(crate) fn event_from_object(o: &Map<String, Value>, source: String) -> Result<Event, String> {
    if let Some(Value::Object(r)) = o.get("result") {
        return splunk_result(r, source);
    }
    if o.contains_key("_raw") {
        return splunk_result(o, source);
    }
    // Before evtx_dump: both have `Event.System`, xmltodict spells attributes `@Name`.
    if is_xmltodict_shape(o) {
        return raw_from_xmltodict(o)?.into_event(source);
    }
    if is_evtx_shape(o) {
        return raw_from_evtx_json(o)?.into_event(source);
    }
    if is_ecs_shape(o) {
        let mut e = raw_from_ecs(o).into_event(source)?;
        fill_from_ecs(&mut e, o);
        return Ok(e);
    }
    if is_evtxecmd_shape(o) {
        return raw_from_evtxecmd_json(o)?.into_event(source);
    }
    if is_flat_shape(o) {
        return raw_from_flat(o).into_event(source);
    }
    Err(
        "unrecognized JSON record: expected evtx_dump or xmltodict (Event.System), EvtxECmd \
         (EventRecordId + EventId), winlogbeat/ECS (winlog.*), a Splunk export (result/_raw) or \
         a flat record (EventID + Channel/Hostname)"
            .into(),
    )
}

/// A Splunk search result: the XmlWinEventLog `_raw` when there is one, else its fields.
fn splunk_result(r: &Map<String, Value>, source: String) -> Result<Event, String> {
    if let Some(Value::String(raw)) = r.get("_raw")
        && raw.trim_start().starts_with('<')
    {
        return raw_from_xml(raw)
            .map_err(|e| format!("Splunk _raw: {e}"))?
            .into_event(source);
    }
    // A JSON `_raw` (winlogbeat or evtx_dump data indexed in Splunk): read it as a record.
    if let Some(Value::String(raw)) = r.get("_raw")
        && raw.trim_start().starts_with('{')
        && let Ok(Value::Object(inner)) = serde_json::from_str::<Value>(raw)
        && !inner.contains_key("_raw")
        && !inner.contains_key("result")
    {
        return event_from_object(&inner, source);
    }
    let mut raw = raw_from_flat(r);
    // Splunk's Windows add-on extracts XmlWinEventLog fields with the XML entities still
    // encoded (SEMANTICS.md §3); events are stored decoded.
    let xml_sourced = ["sourcetype", "source"].iter().any(|k| {
        r.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.to_ascii_lowercase().contains("xmlwineventlog"))
    });
    if xml_sourced {
        for v in raw.data.values_mut() {
            if v.contains('&') {
                *v = unescape(v);
            }
        }
    }
    raw.into_event(source)
}
