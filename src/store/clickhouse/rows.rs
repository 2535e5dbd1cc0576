//! Events to JSONEachRow lines and back. The columns carry the Event's own field names, so a
//! row is the Event's serde JSON with `data` as a string and the store's own columns added.

use serde_json::{Map, Value};

use crate::event::Event;
use crate::store::StoreError;

/// One `INSERT … FORMAT JSONEachRow` line for an event with its tags.
pub(super) fn to_line(e: &Event, tags: &[String], out: &mut Vec<u8>) -> Result<(), StoreError> {
    let mut v = match serde_json::to_value(e) {
        Ok(Value::Object(m)) => m,
        _ => return Err(StoreError::Other("an event did not serialize".into())),
    };
    let data = serde_json::to_string(&e.data).map_err(|x| StoreError::Other(x.to_string()))?;
    v.insert("data".into(), Value::String(data));
    v.insert("uid".into(), Value::from(e.uid()));
    v.insert(
        "tags".into(),
        Value::Array(tags.iter().cloned().map(Value::String).collect()),
    );
    v.insert("ascii".into(), Value::from(u8::from(all_ascii(e))));
    serde_json::to_writer(&mut *out, &Value::Object(v))
        .map_err(|x| StoreError::Other(x.to_string()))?;
    out.push(b'\n');
    Ok(())
}

/// Is every text an analytic could test ASCII? Then ClickHouse's case-insensitive search is
/// exactly Unicode folding; otherwise SQL only pre-selects and huntbench decides.
fn all_ascii(e: &Event) -> bool {
    let opts = [
        &e.user_id,
        &e.user,
        &e.script_block_text,
        &e.script_block_id,
        &e.path,
        &e.process,
        &e.process_name,
        &e.process_path,
        &e.process_id,
        &e.parent_process,
        &e.parent_process_name,
        &e.parent_process_path,
        &e.parent_process_id,
        &e.original_file_name,
        &e.process_guid,
        &e.decoded_command,
    ];
    e.channel.is_ascii()
        && e.provider.is_ascii()
        && e.computer.is_ascii()
        && opts.iter().all(|o| o.as_deref().is_none_or(str::is_ascii))
        && e.data.iter().all(|(k, v)| k.is_ascii() && v.is_ascii())
}

/// An event from one row of `SELECT <EVENT_COLUMNS> … FORMAT JSONEachRow`.
pub(super) fn from_line(line: &str) -> Result<Event, StoreError> {
    let v: Map<String, Value> = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
    from_map(v)
}

/// An event and its row's `tags`.
pub(super) fn from_line_tags(line: &str) -> Result<(Event, Vec<String>), StoreError> {
    let mut v: Map<String, Value> = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
    let tags = match v.remove("tags") {
        Some(Value::Array(a)) => a
            .into_iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        _ => return Err(bad("no tags column".into())),
    };
    Ok((from_map(v)?, tags))
}

fn bad(why: String) -> StoreError {
    StoreError::Remote(format!("a stored event could not be read: {why}"))
}

fn from_map(mut v: Map<String, Value>) -> Result<Event, StoreError> {
    let data = match v.remove("data") {
        Some(Value::String(s)) if s.is_empty() => Value::Object(Map::new()),
        Some(Value::String(s)) => serde_json::from_str(&s).map_err(|e| bad(e.to_string()))?,
        _ => Value::Object(Map::new()),
    };
    v.insert("data".into(), data);
    serde_json::from_value(Value::Object(v)).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_survives_the_row_format() {
        let mut e = Event {
            time: -5,
            event_code: 4104,
            channel: "Microsoft-Windows-PowerShell/Operational".into(),
            computer: "WS01".into(),
            record_id: Some(u64::MAX),
            pid: Some(7),
            script_block_text: Some(
                "Invoke-Command\r\n-ComputerName \u{1b}[2J 'x' \"y\" \\ İ".into(),
            ),
            message_total: Some(3),
            source: "a.evtx:12".into(),
            occurrence: 2,
            ..Default::default()
        };
        e.data.insert("ScriptBlockId".into(), "{1}".into());
        let mut out = Vec::new();
        to_line(&e, &["t1".into()], &mut out).unwrap();
        let line = std::str::from_utf8(&out).unwrap().trim_end();
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["uid"], Value::from(e.uid()));
        assert_eq!(v["tags"], serde_json::json!(["t1"]));
        assert_eq!(v["ascii"], Value::from(0));
        assert_eq!(v["data"], Value::from("{\"ScriptBlockId\":\"{1}\"}"));
        // What the server gives back has no store columns.
        let mut back: Map<String, Value> = serde_json::from_str(line).unwrap();
        for k in ["uid", "tags", "ascii"] {
            back.remove(k);
        }
        let again = from_line(&serde_json::to_string(&back).unwrap()).unwrap();
        assert_eq!(again, e);
    }
}
