//! Flat records: Security-Datasets (nxlog → logstash: `EventID`, `Channel`, `Hostname`,
//! `RecordNumber`, EventData fields at the top level) and Splunk search results without `_raw`
//! (`EventCode`, `LogName`, `ComputerName`, `_time`).

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::json_evtx::scalar_text;
use super::mapping::Raw;
use crate::time::{MICROS, parse_timestamp};

const CODE_KEYS: &[&str] = &["EventID", "EventCode"];
const CHANNEL_KEYS: &[&str] = &["Channel", "LogName"];
const COMPUTER_KEYS: &[&str] = &["Hostname", "Computer", "ComputerName"];
const RECORD_KEYS: &[&str] = &["RecordNumber", "EventRecordID", "RecordId"];
const USER_ID_KEYS: &[&str] = &["UserID", "user_id"];
const PROVIDER_KEYS: &[&str] = &["SourceName", "ProviderName", "Provider_Name"];

/// Collector / System metadata, not EventData: kept out of `Event.data`. `Message` is the
/// rendered text of the EventData, a copy not worth indexing twice (kept only when the record
/// has no EventData fields).
const META_KEYS: &[&str] = &[
    "@timestamp",
    "@version",
    "tags",
    "host",
    "port",
    "source",
    "sourcetype",
    "index",
    "splunk_server",
    "linecount",
    "punct",
    "eventtype",
    "Message",
    "EventTime",
    "EventReceivedTime",
    "TimeCreated",
    "SystemTime",
    "Keywords",
    "Severity",
    "SeverityValue",
    "ProviderGuid",
    "Version",
    "Task",
    "Opcode",
    "OpcodeValue",
    "Level",
    "Category",
    "ActivityID",
    "RelatedActivityID",
    "ExecutionProcessID",
    "ThreadID",
    "AccountName",
    "AccountType",
    "Domain",
    "SourceModuleName",
    "SourceModuleType",
    "EventTypeOrignal",
];

/// True for flat records that carry an event id and a channel or host at the top level.
pub(crate) fn is_flat_shape(o: &Map<String, Value>) -> bool {
    CODE_KEYS.iter().any(|k| o.contains_key(*k))
        && (CHANNEL_KEYS
            .iter()
            .chain(COMPUTER_KEYS)
            .any(|k| o.contains_key(*k)))
}

fn first(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| o.get(*k).and_then(scalar_text))
        .filter(|s| !s.is_empty())
}

/// Map a flat record.
pub(crate) fn raw_from_flat(o: &Map<String, Value>) -> Raw {
    let mut raw = Raw {
        time: event_time(o),
        event_code: first(o, CODE_KEYS).and_then(|c| c.trim().parse().ok()),
        channel: first(o, CHANNEL_KEYS).unwrap_or_default(),
        computer: first(o, COMPUTER_KEYS).unwrap_or_default(),
        record_id: first(o, RECORD_KEYS).and_then(|r| r.trim().parse().ok()),
        user_id: first(o, USER_ID_KEYS),
        pid: first(o, &["ExecutionProcessID"]).and_then(|p| p.trim().parse().ok()),
        provider: first(o, PROVIDER_KEYS).unwrap_or_default(),
        ..Default::default()
    };
    let skip = |k: &str| {
        k.starts_with('_')
            || k.starts_with("date_")
            || META_KEYS.contains(&k)
            || [
                CODE_KEYS,
                CHANNEL_KEYS,
                COMPUTER_KEYS,
                RECORD_KEYS,
                USER_ID_KEYS,
                PROVIDER_KEYS,
            ]
            .iter()
            .any(|set| set.contains(&k))
    };
    for (k, v) in o {
        if !skip(k)
            && let Some(t) = scalar_text(v)
        {
            raw.put(k, t);
        }
    }
    // Events whose EventData is unnamed (classic `Windows PowerShell` 400/800) reach nxlog
    // exports only as the rendered Message: keep it then, so their text stays searchable.
    if raw.data.keys().all(|k| k == "EventType")
        && let Some(m) = o.get("Message").and_then(scalar_text)
    {
        raw.put("Message", m);
    }
    raw
}

/// The most faithful event time a flat record offers, best first:
/// 1. `TimeCreated` / `SystemTime` / Splunk `_time`: the record's own creation time with a zone.
/// 2. nxlog `EventTime`: the record's creation time (whole seconds) but in the collector's local
///    zone with no offset written. The offset is recovered from the same record:
///    `EventReceivedTime` (local) and logstash `@timestamp` (UTC) mark the same moment up to a
///    few seconds, so their difference rounded to 15 minutes is the zone offset.
/// 3. `@timestamp`: when logstash received the record (seconds after it was created).
fn event_time(o: &Map<String, Value>) -> Option<i64> {
    if let Some(t) = first(o, &["TimeCreated", "SystemTime", "_time"]) {
        if let Some(t) = parse_timestamp(&t) {
            return Some(t);
        }
        // Splunk may export `_time` as epoch seconds.
        if let Ok(secs) = t.trim().parse::<f64>() {
            return Some((secs * MICROS as f64) as i64);
        }
    }
    let at = first(o, &["@timestamp"]).and_then(|t| parse_timestamp(&t));
    let local = |k: &str| {
        first(o, &[k]).and_then(|t| {
            NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc().timestamp_micros())
        })
    };
    if let (Some(created), Some(received), Some(at)) =
        (local("EventTime"), local("EventReceivedTime"), at)
    {
        let quarter = 15 * 60 * MICROS;
        let offset = ((at - received) as f64 / quarter as f64).round() as i64 * quarter;
        if offset.abs() <= 14 * 3600 * MICROS {
            return Some(created + offset);
        }
    }
    at.or_else(|| local("EventTime"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nxlog_event_time_is_shifted_by_the_recovered_zone_offset() {
        let v: Value = serde_json::json!({
            "EventTime": "2020-10-22 04:29:52",
            "EventReceivedTime": "2020-10-22 04:29:53",
            "@timestamp": "2020-10-22T08:29:53.799Z",
            "EventID": 4688, "Channel": "Security", "Hostname": "WS5",
            "ExecutionProcessID": 4, "ProcessId": "0x1690", "Message": "long text"
        });
        let o = v.as_object().unwrap();
        assert!(is_flat_shape(o));
        let raw = raw_from_flat(o);
        assert_eq!(raw.time, parse_timestamp("2020-10-22T08:29:52Z"));
        assert_eq!(
            raw.data.get("ProcessId").map(String::as_str),
            Some("0x1690")
        );
        assert!(!raw.data.contains_key("Message"));
        assert!(!raw.data.contains_key("ExecutionProcessID"));
    }
}
