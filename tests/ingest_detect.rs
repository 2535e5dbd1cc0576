//! Content detection at the edges: inputs that hold nothing are reported (as empty, or as not
//! recognized with what was tried), leading whitespace of any length, xmltodict documents in
//! their other spellings, and EvtxECmd CSV errors with their line.

use std::io::Write;

use huntbench::ingest::{IngestError, parse_bytes, read_paths};
use huntbench::time::parse_timestamp;

const XML: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
<Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID>\
<TimeCreated SystemTime='2024-05-01T10:20:30.1234567Z'/><EventRecordID>7</EventRecordID>\
<Channel>Microsoft-Windows-PowerShell/Operational</Channel><Computer>h</Computer>\
<Security UserID='S-1-5-18'/></System><EventData><Data Name='ScriptBlockText'>a&#13;&#10;b</Data>\
</EventData></Event>";

fn one_error(name: &str, bytes: &[u8]) -> IngestError {
    let (events, errors) = parse_bytes(name, bytes);
    assert!(events.is_empty(), "{name}: {events:?}");
    assert_eq!(errors.len(), 1, "{name}: {errors:?}");
    assert_eq!(errors[0].file, name);
    errors[0].clone()
}

#[test]
fn inputs_that_hold_no_event_are_reported() {
    for (name, bytes) in [
        ("zero.log", &b""[..]),
        ("blank.log", b"  \r\n\t\n  "),
        ("bom.log", b"\xEF\xBB\xBF\r\n"),
        ("bom16.log", b"\xFF\xFE \0\n\0"),
    ] {
        let e = one_error(name, bytes);
        assert_eq!(e.position, "file", "{name}");
        assert!(e.reason.starts_with("empty"), "{name}: {}", e.reason);
    }
    for (name, bytes, shape) in [
        ("empty.json", &b"[]"[..], "JSON"),
        (
            "wrapper.xml",
            b"<?xml version='1.0'?>\n<Events>\n</Events>\n",
            "XML",
        ),
        ("arrays.jsonl", b"[]\n[]\n", "JSON"),
    ] {
        let e = one_error(name, bytes);
        assert_eq!(e.position, "file", "{name}");
        assert!(
            e.reason.starts_with("not recognized as an event log")
                && e.reason.contains(shape)
                && e.reason.contains("no record"),
            "{name}: {}",
            e.reason
        );
    }
    // Markup without any <Event>: its one error, not also "not recognized"; the same through
    // the threaded readers, whatever worker would parse it.
    let e = one_error("page.html", b"<html><body>hi</body></html>\n");
    assert_eq!(
        (e.position.as_str(), e.reason.as_str()),
        ("line 1", "text outside any <Event> element")
    );
    // Not a log at all: what it starts with (inert: control characters escaped), what was tried.
    let e = one_error("notes.txt", b"\x1b]0;pwned\x07 just notes, no log\n");
    assert_eq!(e.position, "byte 0");
    assert!(
        e.reason.starts_with("not recognized as an event log"),
        "{}",
        e.reason
    );
    assert!(e.reason.contains("\\u{1b}]0;pwned\\u{7}"), "{}", e.reason);
    assert!(!e.reason.contains('\x1b'), "{}", e.reason);
    assert!(e.reason.contains("tried EVTX") && e.reason.contains("EvtxECmd CSV"));
}

#[test]
fn files_and_zip_members_without_events_are_reported_by_the_threaded_readers() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.evtx.json");
    std::fs::write(&empty, b"").unwrap();
    let wrapper = tmp.path().join("wrapper.xml");
    std::fs::write(&wrapper, b"<Events>\n</Events>\n").unwrap();
    let page = tmp.path().join("page.html");
    std::fs::write(&page, b"<html><body>hi</body></html>\n").unwrap();
    let zip_path = tmp.path().join("logs.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("good.log", opts).unwrap();
    zip.write_all(XML.as_bytes()).unwrap();
    zip.start_file("blank.log", opts).unwrap();
    zip.write_all(b"\n\n").unwrap();
    zip.finish().unwrap();
    let empty_zip = tmp.path().join("none.zip");
    zip::ZipWriter::new(std::fs::File::create(&empty_zip).unwrap())
        .finish()
        .unwrap();
    let (events, mut errors) = read_paths(&[empty.clone(), wrapper, page, zip_path, empty_zip]);
    assert_eq!(events.len(), 1, "the good member is read");
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    let got: Vec<(String, bool)> = errors
        .iter()
        .map(|e| {
            let name = e.file.rsplit('/').next().unwrap().to_string();
            let said = e.reason.starts_with("empty")
                || e.reason.starts_with("not recognized as an event log");
            (name, said)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("empty.evtx.json".to_string(), true),
            ("logs.zip!blank.log".to_string(), true),
            ("none.zip".to_string(), true),
            ("page.html".to_string(), false),
            ("wrapper.xml".to_string(), true),
        ],
        "{errors:?}"
    );
}

#[test]
fn leading_whitespace_of_any_length_before_the_content() {
    let pad = " ".repeat(65_536) + &"\n".repeat(3) + &" ".repeat(70_000);
    let ndjson = format!(
        "{pad}{}\n",
        serde_json::json!({"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational",
            "Hostname": "h", "RecordNumber": 9, "TimeCreated": "2024-05-01T10:20:30Z",
            "ScriptBlockText": "x"})
    );
    let (events, errors) = parse_bytes("padded.jsonl", ndjson.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].source, "padded.jsonl:line 4",
        "line numbers stay right"
    );
    let xml = format!("{pad}{XML}\n");
    let (events, errors) = parse_bytes("padded.xml", xml.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].script_block_text.as_deref(), Some("a\r\nb"));
    // The threaded path reads files the same way.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("padded.xml");
    std::fs::write(&p, xml.as_bytes()).unwrap();
    let (events, errors) = read_paths(&[p]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 1);
}

#[test]
fn xmltodict_spellings_a_wrapper_lines_and_a_77_event_file() {
    let event = |rid: u32, data: serde_json::Value| {
        serde_json::json!({"System": {"Provider": {"@Name": "Microsoft-Windows-Security-Auditing"},
            "EventID": {"@Qualifiers": "0", "#text": "4688"},
            "TimeCreated": {"@SystemTime": "2024-10-21 11:31:56.6587087"},
            "EventRecordID": rid.to_string(), "Channel": "Security", "Computer": "DC01",
            "Security": null},
            "EventData": data})
    };
    // `{"Events":{"Event":[…]}}` (xmltodict of an <Events> document); one Data as an object;
    // unnamed Data as strings with null for an empty one.
    let doc = serde_json::json!({"Events": {"Event": [
        event(1, serde_json::json!({"Data": {"@Name": "NewProcessName", "#text": "C:\\x\\cmd.exe"}})),
        event(2, serde_json::json!({"Data": ["first", null, "third"]})),
    ]}});
    let text = format!("\u{feff}{}", serde_json::to_string_pretty(&doc).unwrap());
    let (events, errors) = parse_bytes("events.json", text.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].event_code, 4688, "EventID with Qualifiers");
    assert_eq!(events[0].user_id, None);
    assert_eq!(events[0].process_name.as_deref(), Some("cmd.exe"));
    assert_eq!(
        events[0].time,
        parse_timestamp("2024-10-21T11:31:56.658708Z").unwrap(),
        "space, 7 digits, no zone: UTC"
    );
    assert_eq!(
        events[1].data.get("Data_1").map(String::as_str),
        Some("first")
    );
    assert_eq!(events[1].data.get("Data_2"), None);
    assert_eq!(
        events[1].data.get("Data_3").map(String::as_str),
        Some("third")
    );

    // A file of the shape a Python converter writes: a BOM, then a list of 77 `{"Event":…}`.
    let list: Vec<serde_json::Value> = (1..=77)
        .map(|i| {
            serde_json::json!({"Event": event(i, serde_json::json!({"Data": [
                {"@Name": "SubjectUserName", "#text": "alice"},
                {"@Name": "TargetUserName", "#text": "-"},
                {"@Name": "CommandLine"},
                {"@Name": "NewProcessName", "#text": "C:\\Windows\\System32\\whoami.exe"}]}))})
        })
        .collect();
    let text = format!("\u{feff}{}", serde_json::to_string_pretty(&list).unwrap());
    let (events, errors) = parse_bytes("77.json", text.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(events.len(), 77);
    assert_eq!(events[76].record_id, Some(77));
    assert_eq!(events[76].user.as_deref(), Some("alice"));
    assert_eq!(
        events[76].process, None,
        "a Data without #text is empty: missing"
    );
    // The same records as NDJSON with CRLF line ends.
    let lines: String = list.iter().map(|v| v.to_string() + "\r\n").collect();
    let (again, errors) = parse_bytes("77.jsonl", lines.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(again.len(), 77);
}

#[test]
fn evtxecmd_csv_errors_name_the_line_a_record_starts_on() {
    let header = "RecordNumber,EventRecordId,TimeCreated,EventId,Provider,Channel,Computer,UserId,Payload\r\n";
    let good = |rid: u32| {
        format!(
            "{rid},{rid},2024-10-21 11:31:56.6587087,4104,Microsoft-Windows-PowerShell,\
Microsoft-Windows-PowerShell/Operational,h,S-1-5-18,\"{{\"\"EventData\"\":{{\"\"Data\"\":[{{\"\"@Name\"\":\
\"\"ScriptBlockText\"\",\"\"#text\"\":\"\"a\\r\\nb\"\"}}]}}}}\"\r\n"
        )
    };
    // Record 2 holds a quoted value spanning three lines; record 3 has a broken Payload.
    let text = format!(
        "{header}{}2,2,2024-10-21 11:31:57,4104,P,C,h,,\"not\r\njson\r\nat all\"\r\n3,3,2024-10-21 11:31:58,4104,P,C,h,,\"{{\"\"EventData\"\":\"\r\n{}",
        good(1),
        good(4)
    );
    let (events, errors) = parse_bytes("kape.csv", text.as_bytes());
    let ids: Vec<Option<u64>> = events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, vec![Some(1), Some(4)], "{errors:?}");
    assert_eq!(events[0].script_block_text.as_deref(), Some("a\r\nb"));
    let at: Vec<&str> = errors.iter().map(|e| e.position.as_str()).collect();
    assert_eq!(at, vec!["line 3", "line 6"], "{errors:?}");
    assert!(
        errors.iter().all(|e| e.reason.contains("Payload")),
        "{errors:?}"
    );
    assert_eq!(events[1].source, "kape.csv:line 7");
    // The same with LF line ends.
    let (lf, errors) = parse_bytes("lf.csv", text.replace("\r\n", "\n").as_bytes());
    assert_eq!(lf.len(), 2);
    assert_eq!(lf[1].source, "lf.csv:line 7");
    let at: Vec<&str> = errors.iter().map(|e| e.position.as_str()).collect();
    assert_eq!(at, vec!["line 3", "line 6"], "{errors:?}");
}
