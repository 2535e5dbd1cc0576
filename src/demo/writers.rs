//! JSON writers in the shapes real tools emit: evtx_dump / evtx-crate NDJSON and winlogbeat ECS.
//!
//! Serialized from borrowed structs (no intermediate `serde_json::Value`), so writing a
//! million-event file takes seconds.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

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

/// A typed integer as evtx renders it: only plain decimal digits in a numeric field.
fn as_number(name: &str, value: &str) -> Option<u64> {
    let plain = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && (value == "0" || !value.starts_with('0'));
    if plain && NUMERIC_FIELDS.contains(&name) {
        value.parse().ok()
    } else {
        None
    }
}

/// `{"#attributes": T}`, the evtx crate's way of nesting XML attributes.
#[derive(Serialize)]
struct Attrs<T> {
    #[serde(rename = "#attributes")]
    attributes: T,
}

#[derive(Serialize)]
struct ProviderAttrs<'a> {
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Guid", skip_serializing_if = "Option::is_none")]
    guid: Option<&'a str>,
}

#[derive(Serialize)]
struct ExecutionAttrs {
    #[serde(rename = "ProcessID")]
    process_id: u32,
    #[serde(rename = "ThreadID")]
    thread_id: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct System<'a> {
    provider: Attrs<ProviderAttrs<'a>>,
    #[serde(rename = "EventID")]
    event_id: u32,
    time_created: Attrs<BTreeMap<&'static str, String>>,
    #[serde(rename = "EventRecordID")]
    event_record_id: Option<u64>,
    /// The writing process, between EventRecordID and Channel as evtx renders it.
    #[serde(skip_serializing_if = "Option::is_none")]
    execution: Option<Attrs<ExecutionAttrs>>,
    channel: &'a str,
    computer: &'a str,
    security: Option<Attrs<BTreeMap<&'static str, &'a str>>>,
}

/// EventData with typed integers as numbers; unnamed `<Data>` items (the classic Windows
/// PowerShell log's) as the evtx crate renders them: `{"Data":{"#text":["a","b"]}}`.
struct TypedData<'a>(&'a BTreeMap<String, String>);

impl Serialize for TypedData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(values) = unnamed_data(self.0) {
            let mut m = s.serialize_map(Some(1))?;
            let texts = BTreeMap::from([("#text", values)]);
            m.serialize_entry("Data", &texts)?;
            return m.end();
        }
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            match as_number(k, v) {
                Some(n) => m.serialize_entry(k, &n)?,
                None => m.serialize_entry(k, v)?,
            }
        }
        m.end()
    }
}

#[derive(Serialize)]
struct DumpEvent<'a> {
    #[serde(rename = "#attributes")]
    attributes: BTreeMap<&'static str, &'static str>,
    #[serde(rename = "System")]
    system: System<'a>,
    #[serde(rename = "EventData")]
    event_data: Option<TypedData<'a>>,
}

#[derive(Serialize)]
struct DumpLine<'a> {
    #[serde(rename = "Event")]
    event: DumpEvent<'a>,
}

fn dump_line<'a>(e: &'a Event, data: &'a BTreeMap<String, String>) -> DumpLine<'a> {
    DumpLine {
        event: DumpEvent {
            attributes: BTreeMap::from([(
                "xmlns",
                "http://schemas.microsoft.com/win/2004/08/events/event",
            )]),
            system: System {
                provider: Attrs {
                    attributes: ProviderAttrs {
                        name: &e.provider,
                        // evtx prints GUIDs without braces.
                        guid: provider_guid(&e.provider).map(|g| g.trim_matches(['{', '}'])),
                    },
                },
                event_id: e.event_code,
                time_created: Attrs {
                    attributes: BTreeMap::from([("SystemTime", iso_micros(e.time))]),
                },
                event_record_id: e.record_id,
                execution: e.pid.map(|process_id| Attrs {
                    attributes: ExecutionAttrs {
                        process_id,
                        thread_id: super::build::thread_id(e),
                    },
                }),
                channel: &e.channel,
                computer: &e.computer,
                security: e.user_id.as_deref().map(|sid| Attrs {
                    attributes: BTreeMap::from([("UserID", sid)]),
                }),
            },
            event_data: (!data.is_empty()).then_some(TypedData(data)),
        },
    }
}

/// evtx_dump-style NDJSON: one `{"Event":{...}}` object per line.
pub fn write_ndjson_evtx_dump<I>(events: I, w: &mut dyn Write) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    write_json_lines(events, w, |e, data, line| {
        serde_json::to_writer(line, &dump_line(e, data))
    })
}

/// One JSON object per line, each built from the event and its raw EventData.
fn write_json_lines<I>(
    events: I,
    w: &mut dyn Write,
    mut render: impl FnMut(&Event, &BTreeMap<String, String>, &mut Vec<u8>) -> serde_json::Result<()>,
) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    // One write per line: callers may hand us an unbuffered file.
    let mut line = Vec::with_capacity(4096);
    for e in events {
        line.clear();
        let e = e.borrow();
        let data = raw_event_data(e);
        render(e, &data, &mut line)?;
        line.push(b'\n');
        w.write_all(&line)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct BeatUser<'a> {
    identifier: &'a str,
}

#[derive(Serialize)]
struct BeatThread {
    id: u32,
}

/// `winlog.process`: System/Execution as winlogbeat names it.
#[derive(Serialize)]
struct BeatProcess {
    pid: u32,
    thread: BeatThread,
}

#[derive(Serialize)]
struct Winlog<'a> {
    channel: &'a str,
    computer_name: &'a str,
    event_id: String,
    provider_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_guid: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<BeatUser<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<BeatProcess>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    event_data: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct BeatEvent<'a> {
    code: String,
    kind: &'static str,
    provider: &'a str,
}

#[derive(Serialize)]
struct BeatLine<'a> {
    #[serde(rename = "@timestamp")]
    timestamp: String,
    event: BeatEvent<'a>,
    winlog: Winlog<'a>,
    agent: BTreeMap<&'static str, &'static str>,
    ecs: BTreeMap<&'static str, &'static str>,
}

fn beat_line<'a>(e: &'a Event, data: &'a BTreeMap<String, String>) -> BeatLine<'a> {
    BeatLine {
        timestamp: iso_micros(e.time),
        event: BeatEvent {
            code: e.event_code.to_string(),
            kind: "event",
            provider: &e.provider,
        },
        winlog: Winlog {
            channel: &e.channel,
            computer_name: &e.computer,
            event_id: e.event_code.to_string(),
            provider_name: &e.provider,
            provider_guid: provider_guid(&e.provider),
            record_id: e.record_id,
            user: e
                .user_id
                .as_deref()
                .map(|identifier| BeatUser { identifier }),
            process: e.pid.map(|pid| BeatProcess {
                pid,
                thread: BeatThread {
                    id: super::build::thread_id(e),
                },
            }),
            event_data: data,
        },
        agent: BTreeMap::from([("type", "winlogbeat")]),
        ecs: BTreeMap::from([("version", "8.0.0")]),
    }
}

/// winlogbeat / ECS NDJSON (raw EventData under `winlog.event_data`), one event per line.
pub fn write_winlogbeat<I>(events: I, w: &mut dyn Write) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    write_json_lines(events, w, |e, data, line| {
        serde_json::to_writer(line, &beat_line(e, data))
    })
}

/// The values of unnamed `<Data>` items in order, when the EventData holds only those: the
/// readers name them `Data` (one) or `Data_1`..`Data_n`, so that is how they are recognized.
pub(crate) fn unnamed_data(data: &BTreeMap<String, String>) -> Option<Vec<&str>> {
    if data.len() == 1 {
        return data.get("Data").map(|v| vec![v.as_str()]);
    }
    let mut items: Vec<(usize, &str)> = Vec::with_capacity(data.len());
    for (k, v) in data {
        let n: usize = k.strip_prefix("Data_")?.parse().ok()?;
        items.push((n, v));
    }
    items.sort_by_key(|(n, _)| *n);
    let ordered = items.iter().enumerate().all(|(i, (n, _))| *n == i + 1);
    (ordered && !items.is_empty()).then(|| items.into_iter().map(|(_, v)| v).collect())
}

/// The raw EventData of an event as the log carries it: `Event::data` plus the script-block
/// fields that readers move into their normalized fields.
pub fn raw_event_data(e: &Event) -> std::borrow::Cow<'_, BTreeMap<String, String>> {
    if e.event_code != 4104 || e.script_block_text.is_none() {
        return std::borrow::Cow::Borrowed(&e.data);
    }
    let mut d = e.data.clone();
    let num = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    d.insert("MessageNumber".into(), num(e.message_number));
    d.insert("MessageTotal".into(), num(e.message_total));
    d.insert(
        "ScriptBlockText".into(),
        e.script_block_text.clone().unwrap_or_default(),
    );
    d.insert(
        "ScriptBlockId".into(),
        e.script_block_id.clone().unwrap_or_default(),
    );
    d.insert("Path".into(), e.path.clone().unwrap_or_default());
    std::borrow::Cow::Owned(d)
}
