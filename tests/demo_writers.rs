//! The demo writers produce well-formed files in the real formats, carrying every field.

use std::collections::BTreeMap;

use huntbench::demo::{self, DemoOptions};
use huntbench::event::Event;
use huntbench::time::iso_micros;
use quick_xml::events::Event as Xml;
use serde_json::Value;

fn corpus() -> Vec<Event> {
    demo::generate(&DemoOptions {
        seed: 42,
        events: 0,
    })
}

/// What an XML line says, read back with quick-xml: System fields and the EventData pairs.
#[derive(Default, Debug)]
struct XmlEvent {
    system: BTreeMap<String, String>,
    data: BTreeMap<String, String>,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.expect("well-formed attribute"))
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute value")
                .into_owned()
        })
}

fn parse_xml_line(line: &str) -> XmlEvent {
    let mut r = quick_xml::Reader::from_str(line);
    let mut out = XmlEvent::default();
    let mut path: Vec<String> = Vec::new();
    let mut data_name: Option<String> = None;
    // Unnamed <Data> items, named as the readers name them (Data_1..Data_n).
    let mut unnamed = 0;
    let mut text = String::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            Xml::Start(e) => {
                let name = e.name().as_ref().to_string();
                if name == "Data" {
                    data_name = attr(&e, "Name").or_else(|| {
                        unnamed += 1;
                        Some(format!("Data_{unnamed}"))
                    });
                }
                text.clear();
                path.push(name);
            }
            Xml::Empty(e) => {
                let name = e.name().as_ref().to_string();
                for (el, a) in [
                    ("Provider", "Name"),
                    ("TimeCreated", "SystemTime"),
                    ("Security", "UserID"),
                    ("Execution", "ProcessID"),
                    ("Execution", "ThreadID"),
                ] {
                    if name == el
                        && let Some(v) = attr(&e, a)
                    {
                        out.system.insert(format!("{el}@{a}"), v);
                    }
                }
            }
            Xml::Text(t) => text.push_str(&t.xml10_content()),
            Xml::GeneralRef(g) => match g.resolve_char_ref().expect("char ref") {
                Some(c) => text.push(c),
                None => {
                    text.push(match &*g {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "apos" => '\'',
                        "quot" => '"',
                        other => panic!("unknown entity {other}"),
                    });
                }
            },
            Xml::End(_) => {
                let name = path.pop().unwrap();
                if name == "Data" {
                    out.data
                        .insert(data_name.take().unwrap(), std::mem::take(&mut text));
                } else if path.last().map(String::as_str) == Some("System") {
                    out.system.insert(name, std::mem::take(&mut text));
                }
            }
            Xml::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements in {line}");
    if unnamed == 1 {
        // A lone unnamed item is `Data`, as the readers name it.
        let v = out.data.remove("Data_1").unwrap();
        out.data.insert("Data".into(), v);
    }
    out
}

#[test]
fn xml_lines_parse_and_carry_every_field() {
    let events = corpus();
    let mut buf = Vec::new();
    demo::write_xml_lines(&events, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), events.len());
    for (line, e) in lines.iter().zip(&events) {
        assert!(
            line.starts_with(
                "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
            )
        );
        // One event per line: no raw control character but TAB (kept as Windows renders it).
        assert!(!line.chars().any(|c| c.is_control() && c != '\t'));
        let x = parse_xml_line(line);
        assert_eq!(x.data, *demo::raw_event_data(e));
        assert_eq!(x.system["EventID"], e.event_code.to_string());
        assert_eq!(x.system["Channel"], e.channel);
        assert_eq!(x.system["Computer"], e.computer);
        assert_eq!(x.system["EventRecordID"], e.record_id.unwrap().to_string());
        assert_eq!(x.system["Provider@Name"], e.provider);
        assert_eq!(x.system["TimeCreated@SystemTime"], iso_micros(e.time));
        assert_eq!(x.system.get("Security@UserID"), e.user_id.as_ref());
        let pid = e.pid.map(|p| p.to_string());
        assert_eq!(x.system.get("Execution@ProcessID"), pid.as_ref());
        assert_eq!(x.system.contains_key("Execution@ThreadID"), e.pid.is_some());
    }
    // The classic Windows PowerShell log's positional items are written without names.
    let classic = lines
        .iter()
        .find(|l| l.contains("<EventID>400</EventID>"))
        .expect("a Windows PowerShell 400");
    assert!(classic.contains("<Execution ProcessID='0' ThreadID='0'/>"));
    let items = "<EventData><Data>Available</Data><Data>None</Data><Data>\tNewEngineState=Available&#13;&#10;";
    assert!(classic.contains(items), "{classic}");
    assert!(classic.contains("HostName=ServerRemoteHost&#13;&#10;"));
}

#[test]
fn xml_escapes_like_windows() {
    let events = corpus();
    let hostile = events
        .iter()
        .find(|e| {
            e.script_block_text
                .as_deref()
                .is_some_and(|t| t.contains('\u{1b}'))
        })
        .unwrap();
    let mut buf = Vec::new();
    demo::write_xml_lines([hostile], &mut buf).unwrap();
    let line = String::from_utf8(buf).unwrap();
    assert!(line.contains("&#27;[2J") && line.contains("&#7;"));
    assert!(line.contains('\u{202e}'));
    let multi = events
        .iter()
        .find(|e| {
            e.script_block_text
                .as_deref()
                .is_some_and(|t| t.contains("\n$results = Invoke-Command") && t.contains('<'))
        })
        .unwrap();
    let mut buf = Vec::new();
    demo::write_xml_lines([multi], &mut buf).unwrap();
    let line = String::from_utf8(buf).unwrap();
    assert!(line.contains("&#10;$results = Invoke-Command -ComputerName $Servers"));
    assert!(line.contains("&lt;#&#10;.SYNOPSIS"));
    assert_eq!(line.matches('\n').count(), 1);
}

#[test]
fn evtx_dump_ndjson_has_the_evtx_shape() {
    let events = corpus();
    let mut buf = Vec::new();
    demo::write_ndjson_evtx_dump(events.iter(), &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert_eq!(text.lines().count(), events.len());
    for (line, e) in text.lines().zip(&events) {
        let v: Value = serde_json::from_str(line).expect("valid JSON");
        let sys = &v["Event"]["System"];
        assert_eq!(sys["EventID"], e.event_code);
        assert_eq!(sys["Channel"], e.channel.as_str());
        assert_eq!(sys["Computer"], e.computer.as_str());
        assert_eq!(sys["EventRecordID"], e.record_id.unwrap());
        assert_eq!(sys["Provider"]["#attributes"]["Name"], e.provider.as_str());
        let time = &sys["TimeCreated"]["#attributes"]["SystemTime"];
        assert_eq!(time.as_str(), Some(iso_micros(e.time).as_str()));
        match &e.user_id {
            Some(sid) => assert_eq!(sys["Security"]["#attributes"]["UserID"], sid.as_str()),
            None => assert!(sys["Security"].is_null()),
        }
        match e.pid {
            Some(pid) => {
                let x = &sys["Execution"]["#attributes"];
                assert_eq!(x["ProcessID"], pid);
                assert!(x["ThreadID"].is_u64());
            }
            None => assert!(sys["Execution"].is_null()),
        }
        let raw = demo::raw_event_data(e);
        if raw.is_empty() {
            assert!(v["Event"]["EventData"].is_null(), "{line}");
            continue;
        }
        let data = v["Event"]["EventData"].as_object().unwrap();
        if raw.contains_key("Data_1") {
            // Unnamed items: {"Data":{"#text":[...]}} as the evtx crate renders them.
            let items: Vec<&str> = data["Data"]["#text"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let want: Vec<&str> = raw.values().map(String::as_str).collect();
            assert_eq!(items, want);
            continue;
        }
        assert_eq!(data.len(), raw.len());
        for (k, val) in raw.iter() {
            let got = match &data[k] {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => panic!("{k}: {other}"),
            };
            assert_eq!(&got, val, "{k}");
        }
        // Typed fields are numbers as evtx renders them; 4688 pointers stay hex strings.
        if e.event_code == 4104 {
            assert!(data["MessageNumber"].is_u64() && data["MessageTotal"].is_u64());
        }
        if e.event_code == 1 {
            assert!(data["ProcessId"].is_u64());
        }
        if e.event_code == 4688 {
            assert!(data["NewProcessId"].as_str().unwrap().starts_with("0x"));
            assert!(data["ProcessId"].as_str().unwrap().starts_with("0x"));
        }
    }
}

#[test]
fn winlogbeat_ndjson_has_the_ecs_shape() {
    let events = corpus();
    let mut buf = Vec::new();
    demo::write_winlogbeat(&events, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert_eq!(text.lines().count(), events.len());
    for (line, e) in text.lines().zip(&events) {
        let v: Value = serde_json::from_str(line).expect("valid JSON");
        assert_eq!(v["@timestamp"].as_str(), Some(iso_micros(e.time).as_str()));
        let w = &v["winlog"];
        assert_eq!(w["channel"], e.channel.as_str());
        assert_eq!(w["computer_name"], e.computer.as_str());
        assert_eq!(w["record_id"], e.record_id.unwrap());
        assert_eq!(w["event_id"], e.event_code.to_string().as_str());
        assert_eq!(v["event"]["code"], e.event_code.to_string().as_str());
        assert_eq!(w["user"]["identifier"].as_str(), e.user_id.as_deref());
        let data: BTreeMap<String, String> = match &w["event_data"] {
            Value::Null => BTreeMap::new(),
            v => serde_json::from_value(v.clone()).unwrap(),
        };
        assert_eq!(data, *demo::raw_event_data(e));
        assert_eq!(w["process"]["pid"].as_u64(), e.pid.map(u64::from));
        assert_eq!(w["process"]["thread"]["id"].is_u64(), e.pid.is_some());
    }
}

#[test]
fn writers_stream_from_the_generator() {
    let o = DemoOptions {
        seed: 3,
        events: 6_000,
    };
    let mut a = Vec::new();
    demo::write_ndjson_evtx_dump(demo::generate_iter(&o), &mut a).unwrap();
    let mut b = Vec::new();
    demo::write_ndjson_evtx_dump(demo::generate(&o).iter(), &mut b).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.iter().filter(|&&c| c == b'\n').count(), 6_000);
}
