//! Every supported format and mapping, on fixtures written for this project
//! (tests/fixtures/ingest). Containers are built at test time from the text fixtures.

use std::io::Write;
use std::path::{Path, PathBuf};

use huntbench::event::Event;
use huntbench::ingest::{Batch, IngestError, parse_bytes, read_paths, spawn};
use huntbench::time::parse_timestamp;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Raw control bytes and invalid UTF-8 are spliced in here so the committed fixture stays text.
fn dirty_bytes() -> Vec<u8> {
    let text = String::from_utf8(read("dirty.xmlwineventlog.log")).unwrap();
    let mut out = Vec::new();
    for (i, part) in text.split("[[FF]]").enumerate() {
        if i > 0 {
            out.push(0xFF);
        }
        out.extend_from_slice(
            part.replace("[[ESC]]", "\x1b")
                .replace("[[BEL]]", "\x07")
                .as_bytes(),
        );
    }
    out
}

/// The fixtures log the first line end as CRLF (`&#13;` / `\r`): kept exactly as logged.
const SCRIPT: &str = "$s = \"a & b\"\r\nInvoke-Command -ComputerName srv02 -ScriptBlock { whoami }\nWrite-Host \"\x1b[31mred\x07\"";

fn no_source(mut v: Vec<Event>) -> Vec<Event> {
    v.iter_mut().for_each(|e| e.source.clear());
    v
}

#[test]
fn the_same_events_in_every_format_are_equal() {
    let (xml, errors) = parse_bytes("same.log", &read("same_event.xmlwineventlog.log"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(xml.len(), 2);
    let ps = &xml[0];
    assert_eq!(ps.event_code, 4104);
    assert_eq!(
        ps.time,
        parse_timestamp("2024-05-01T10:20:30.123456Z").unwrap()
    );
    assert_eq!(ps.channel, "Microsoft-Windows-PowerShell/Operational");
    assert_eq!(ps.provider, "Microsoft-Windows-PowerShell");
    assert_eq!(ps.computer, "ws01.corp.example");
    assert_eq!(ps.record_id, Some(5001));
    assert_eq!(ps.user_id.as_deref(), Some("S-1-5-21-1111-2222-3333-1001"));
    assert_eq!(
        ps.script_block_text.as_deref(),
        Some(SCRIPT),
        "entities decoded, CRLF kept, ESC/BEL kept"
    );
    assert_eq!(
        ps.script_block_id.as_deref(),
        Some("0b5f2e64-8c1d-4f7e-9a34-2d6c1e9f0a11")
    );
    assert_eq!((ps.message_number, ps.message_total), (Some(1), Some(1)));
    assert_eq!(ps.path, None, "empty Path is missing");
    assert!(
        ps.data.is_empty(),
        "script fields are not duplicated: {:?}",
        ps.data
    );
    assert_eq!(ps.source, "same.log:line 1");

    let p = &xml[1];
    assert_eq!(p.event_code, 4688, "EventID with Qualifiers");
    assert_eq!(p.user_id, None, "no UserID logged");
    assert_eq!(
        p.user.as_deref(),
        Some("CORP\\alice"),
        "TargetUserName is '-': the subject"
    );
    assert_eq!(p.process_id.as_deref(), Some("0xf84"), "hex pid as logged");
    assert_eq!(p.parent_process_id.as_deref(), Some("0x1a2c"));
    assert_eq!(p.process_name.as_deref(), Some("powershell.exe"));
    assert_eq!(
        p.process_path.as_deref(),
        Some("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
    );
    assert_eq!(
        p.parent_process_name.as_deref(),
        Some("wsmprovhost.exe"),
        "'/' separators too"
    );
    assert_eq!(
        p.process.as_deref(),
        Some("powershell.exe -c \"Invoke-Command -ComputerName srv02 {1 -lt 2}\" > out.txt")
    );
    assert_eq!(
        p.data.get("TokenElevationType").map(String::as_str),
        Some("%%1936")
    );
    assert_eq!(p.original_file_name, None);

    let want = no_source(xml);
    for f in [
        "same_event.evtx_dump.json",
        "same_event.separate_attributes.jsonl",
        "same_event.winlogbeat.jsonl",
        "same_event.splunk_export.json",
    ] {
        let (got, errors) = parse_bytes(f, &read(f));
        assert!(errors.is_empty(), "{f}: {errors:?}");
        assert_eq!(no_source(got), want, "{f}");
    }
}

#[test]
fn dirty_xml_keeps_every_good_record_and_names_the_bad_lines() {
    let (events, errors) = parse_bytes("dirty.log", &dirty_bytes());
    let ids: Vec<Option<u64>> = events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, vec![Some(6001), Some(6003), Some(700)]);
    assert_eq!(
        events[0].script_block_text.as_deref(),
        Some(SCRIPT),
        "raw ESC/BEL are data"
    );
    assert_eq!(events[0].source, "dirty.log:line 1");
    let no_user = &events[1];
    assert_eq!(no_user.user_id, None);
    assert!(
        no_user
            .script_block_text
            .as_deref()
            .unwrap()
            .contains("caf\u{FFFD}-srv"),
        "invalid UTF-8 repaired"
    );
    assert_eq!(no_user.source, "dirty.log:line 4");
    let sysmon = &events[2];
    assert_eq!(
        sysmon.process.as_deref(),
        Some("\"powershell.exe\" & {icm -cn srv03 {id}}")
    );
    assert_eq!(sysmon.user.as_deref(), Some("CORP\\bob"));
    assert_eq!(sysmon.process_id.as_deref(), Some("4076"));
    assert_eq!(sysmon.parent_process_id.as_deref(), Some("5632"));
    assert_eq!(
        sysmon.parent_process_name.as_deref(),
        Some("wsmprovhost.exe")
    );
    assert_eq!(
        sysmon.parent_process.as_deref(),
        Some("C:\\Windows\\system32\\wsmprovhost.exe -Embedding")
    );
    assert_eq!(sysmon.original_file_name.as_deref(), Some("PowerShell.EXE"));
    assert_eq!(
        sysmon.process_guid.as_deref(),
        Some("{5770385f-0000-0000-0000-000000000001}")
    );
    assert_eq!(sysmon.data.get("RuleName").map(String::as_str), Some("-"));

    let at: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.file.as_str(), e.position.as_str()))
        .collect();
    assert_eq!(at, vec![("dirty.log", "line 2"), ("dirty.log", "line 3")]);
    assert!(errors[0].reason.contains("malformed XML"), "{}", errors[0]);
    assert!(
        errors[1].reason.contains("outside any <Event>"),
        "{}",
        errors[1]
    );
    assert_eq!(
        errors[0].to_string(),
        format!("dirty.log: line 2: {}", errors[0].reason)
    );
}

#[test]
fn multiline_events_with_a_wrapper() {
    let (events, errors) = parse_bytes("multi.xml", &read("multiline_events.xml"));
    assert!(errors.is_empty(), "{errors:?}");
    let got: Vec<(&str, u32, Option<u64>)> = events
        .iter()
        .map(|e| (e.source.as_str(), e.event_code, e.record_id))
        .collect();
    assert_eq!(
        got,
        vec![
            ("multi.xml:line 3", 4104, Some(8001)),
            ("multi.xml:line 11", 4688, Some(8002))
        ]
    );
    assert_eq!(events[0].script_block_text.as_deref(), Some(SCRIPT));
}

#[test]
fn mixed_ndjson_shapes_and_a_corrupt_line() {
    let (events, errors) = parse_bytes("mixed.jsonl", &read("mixed.jsonl"));
    let at: Vec<&str> = errors.iter().map(|e| e.position.as_str()).collect();
    assert_eq!(at, vec!["line 2", "line 7"], "{errors:?}");
    assert!(errors[0].reason.starts_with("invalid JSON"));
    assert!(errors[1].reason.contains("unrecognized JSON record"));
    assert_eq!(events.len(), 4);

    let ecs = &events[0];
    assert_eq!((ecs.event_code, ecs.record_id), (4104, Some(77)));
    assert_eq!(
        ecs.computer, "ws02.corp.example",
        "winlog.computer_name, not host.name"
    );
    assert_eq!(ecs.user_id.as_deref(), Some("S-1-5-18"));
    assert_eq!(
        ecs.script_block_text.as_deref(),
        Some("icm -cn srv03 {hostname}")
    );
    assert_eq!((ecs.message_number, ecs.message_total), (Some(2), Some(3)));
    assert_eq!(ecs.path.as_deref(), Some("C:\\s\\x.ps1"));
    assert_eq!(ecs.time, parse_timestamp("2024-05-02T08:00:00.5Z").unwrap());

    let flat = &events[1];
    assert_eq!(flat.source, "mixed.jsonl:line 3");
    assert_eq!((flat.event_code, flat.record_id), (4688, Some(133981)));
    assert!(
        flat.is_process_creation(),
        "channel 'security' in lower case"
    );
    assert_eq!(flat.computer, "WORKSTATION5.theshire.local");
    assert_eq!(
        flat.time,
        parse_timestamp("2020-10-22T08:29:52Z").unwrap(),
        "EventTime in UTC"
    );
    assert_eq!(flat.user.as_deref(), Some("THESHIRE\\pgustavo"));
    assert_eq!(flat.parent_process_id.as_deref(), Some("0x1690"));
    assert_eq!(flat.process_id.as_deref(), Some("0x1d60"));
    assert_eq!(flat.provider, "Microsoft-Windows-Security-Auditing");
    for meta in [
        "Message",
        "tags",
        "port",
        "host",
        "ExecutionProcessID",
        "EventTime",
    ] {
        assert!(!flat.data.contains_key(meta), "{meta} is metadata");
    }

    let splunk = &events[2];
    assert_eq!(splunk.source, "mixed.jsonl:line 5");
    assert_eq!((splunk.event_code, splunk.record_id), (4104, Some(12)));
    assert_eq!(splunk.computer, "ws03");
    assert_eq!(splunk.script_block_text.as_deref(), Some("Get-Date"));
    assert_eq!(
        splunk.time,
        parse_timestamp("2024-05-02T08:00:02Z").unwrap()
    );
    assert!(!splunk.data.contains_key("_cd") && !splunk.data.contains_key("host"));

    let proc = &events[3];
    assert!(proc.is_process_creation());
    assert_eq!(proc.process.as_deref(), Some("pwsh -c icm srv04 {id}"));
    assert_eq!(proc.process_name.as_deref(), Some("pwsh.exe"));
    assert_eq!(proc.process_id.as_deref(), Some("4321"));
    assert_eq!(proc.parent_process_id.as_deref(), Some("1000"));
    assert_eq!(proc.parent_process_name.as_deref(), Some("explorer.exe"));
    assert_eq!(proc.original_file_name.as_deref(), Some("pwsh.dll"));
    assert_eq!(proc.user.as_deref(), Some("CORP\\bob"));
}

#[test]
fn a_file_that_is_not_a_log() {
    let (events, errors) = parse_bytes("notes.txt", &read("not_a_log.txt"));
    assert!(events.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].file.as_str(), errors[0].position.as_str()),
        ("notes.txt", "byte 0")
    );
    assert!(
        errors[0].reason.contains("not recognized as an event log"),
        "{}",
        errors[0].reason
    );
    assert!(
        errors[0].reason.contains("it starts with \"Meeting notes"),
        "{}",
        errors[0].reason
    );
    assert!(
        errors[0].reason.contains("tried EVTX"),
        "{}",
        errors[0].reason
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn gzip_and_zip_are_opened_by_content_and_each_member_is_an_input() {
    let gz = gzip(&dirty_bytes());
    let (events, errors) = parse_bytes("logs.bin", &gz);
    assert_eq!(events.len(), 3);
    assert_eq!(errors.len(), 2);
    assert_eq!(events[1].source, "logs.bin:line 4");

    let zip = zip_of(&[
        ("a/mixed.jsonl", &read("mixed.jsonl")),
        ("dirty.log.gz", &gz),
        ("notes.txt", &read("not_a_log.txt")),
    ]);
    let (events, errors) = parse_bytes("bundle.zip", &zip);
    assert_eq!(events.len(), 4 + 3);
    assert_eq!(events[1].source, "bundle.zip!a/mixed.jsonl:line 3");
    assert_eq!(events[5].source, "bundle.zip!dirty.log.gz:line 4");
    let at: Vec<String> = errors
        .iter()
        .map(|e| format!("{}:{}", e.file, e.position))
        .collect();
    assert_eq!(
        at,
        vec![
            "bundle.zip!a/mixed.jsonl:line 2",
            "bundle.zip!a/mixed.jsonl:line 7",
            "bundle.zip!dirty.log.gz:line 2",
            "bundle.zip!dirty.log.gz:line 3",
            "bundle.zip!notes.txt:byte 0",
        ]
    );
}

#[test]
fn folders_are_walked_and_spawn_reports_progress_and_file_counts() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("nested/deeper");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        sub.join("x.dat"),
        gzip(&read("same_event.xmlwineventlog.log")),
    )
    .unwrap();
    std::fs::write(dir.path().join("events"), read("mixed.jsonl")).unwrap();
    std::fs::write(
        dir.path().join("nested/b.zip"),
        zip_of(&[("one.json", &read("same_event.evtx_dump.json"))]),
    )
    .unwrap();
    let missing = dir.path().join("no-such-file.evtx");
    let readers = spawn(vec![dir.path().to_path_buf(), missing.clone()], 2);
    assert_eq!(readers.files, 3);
    let on_disk: u64 = ["events", "nested/b.zip", "nested/deeper/x.dat"]
        .iter()
        .map(|f| std::fs::metadata(dir.path().join(f)).unwrap().len())
        .sum();
    assert_eq!(readers.total_bytes, on_disk);
    let (mut events, mut errors, mut bytes, mut done) =
        (0usize, Vec::<IngestError>::new(), 0u64, Vec::new());
    for b in readers.rx {
        match b {
            Batch::Events(v) => events += v.len(),
            Batch::Error(e) => errors.push(e),
            Batch::Progress { bytes: n } => bytes += n,
            Batch::FileDone {
                file,
                events,
                skipped,
            } => {
                assert_eq!(skipped, 0, "spawn skipped records of {file}");
                done.push((file, events));
            }
        }
    }
    assert_eq!(events, 4 + 2 + 2);
    assert_eq!(bytes, on_disk, "progress adds up to the input size");
    done.sort();
    let label = |f: &str| dir.path().join(f).display().to_string();
    assert_eq!(
        done,
        vec![
            (label("events"), 4),
            (label("nested/b.zip"), 2),
            (label("nested/deeper/x.dat"), 2)
        ]
    );
    assert!(
        errors
            .iter()
            .any(|e| e.file == missing.display().to_string() && e.position == "path")
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn a_big_ndjson_file_is_split_across_workers_without_losing_lines() {
    // ~9 MB: more than two chunks, so chunk boundaries and line numbering are exercised.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.jsonl");
    let line = String::from_utf8(read("same_event.separate_attributes.jsonl")).unwrap();
    let first = line.lines().next().unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let n = 9 * 1024 * 1024 / first.len();
    for i in 0..n {
        if i == n / 2 {
            writeln!(f, "{{\"broken\": ").unwrap();
        } else {
            writeln!(f, "{}", first.replace("5001", &(i + 1).to_string())).unwrap();
        }
    }
    drop(f);
    let (events, errors) = read_paths(std::slice::from_ref(&p));
    assert_eq!(events.len(), n - 1);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].position, format!("line {}", n / 2 + 1));
    // Each event's line matches its record id (written as line number).
    for e in &events {
        let rid = e.record_id.unwrap();
        assert_eq!(e.source, format!("{}:line {rid}", p.display()));
    }
}

#[test]
fn flat_records_without_event_data_keep_their_message_and_splunk_json_raw_is_read() {
    let flat = r#"{"EventID":800,"Channel":"Windows PowerShell","Hostname":"ws6","RecordNumber":1448,"@timestamp":"2020-08-06T15:56:34.000Z","EventType":"INFO","Message":"Pipeline execution details for command line: Invoke-Command -ComputerName ws7 {1}","ExecutionProcessID":1}"#;
    let inner = r#"{"@timestamp":"2024-05-02T08:00:03Z","winlog":{"event_id":4104,"channel":"Microsoft-Windows-PowerShell/Operational","computer_name":"ws9","record_id":5,"event_data":{"ScriptBlockText":"icm srv {1}"}}}"#;
    let splunk = serde_json::json!({"result": {"_raw": inner, "_time": "2024-05-02T08:00:03.000+00:00", "host": "idx"}});
    let text = format!("{flat}\n{splunk}\n");
    let (events, errors) = parse_bytes("m.json", text.as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        events[0].data.get("Message").map(String::as_str),
        Some("Pipeline execution details for command line: Invoke-Command -ComputerName ws7 {1}")
    );
    assert_eq!(
        events[0].time,
        parse_timestamp("2020-08-06T15:56:34Z").unwrap(),
        "@timestamp when nothing better"
    );
    assert_eq!(events[1].computer, "ws9");
    assert_eq!(events[1].script_block_text.as_deref(), Some("icm srv {1}"));
    assert_eq!(events[1].source, "m.json:line 2");
}

#[test]
fn splunk_fields_of_xmlwineventlog_are_entity_decoded() {
    let line = serde_json::json!({"result": {
        "_time": "2024-05-02T08:00:02.000+00:00", "sourcetype": "XmlWinEventLog",
        "EventCode": "4104", "LogName": "Microsoft-Windows-PowerShell/Operational", "Computer": "ws04",
        "ScriptBlockText": "Invoke-Command -ComputerName a &amp; b &lt;c&gt;"}});
    let other = serde_json::json!({"result": {
        "_time": "2024-05-02T08:00:02.000+00:00", "sourcetype": "WinEventLog",
        "EventCode": "4104", "LogName": "Microsoft-Windows-PowerShell/Operational", "Computer": "ws04",
        "ScriptBlockText": "literal &amp; stays"}});
    let (events, errors) = parse_bytes("s.json", format!("{line}\n{other}\n").as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        events[0].script_block_text.as_deref(),
        Some("Invoke-Command -ComputerName a & b <c>")
    );
    assert_eq!(events[0].computer, "ws04");
    assert_eq!(
        events[1].script_block_text.as_deref(),
        Some("literal &amp; stays")
    );
}

#[test]
fn encoded_commands_are_decoded_at_ingest() {
    // "icm -cn srv05 {hostname}" as UTF-16LE, base64.
    let b64 = "aQBjAG0AIAAtAGMAbgAgAHMAcgB2ADAANQAgAHsAaABvAHMAdABuAGEAbQBlAH0A";
    let ecs = serde_json::json!({"@timestamp": "2024-05-02T08:00:03Z",
        "winlog": {"event_id": 1, "channel": "Microsoft-Windows-Sysmon/Operational", "computer_name": "ws02"},
        "process": {"command_line": format!("powershell.exe -NoProfile -enc {b64}"), "name": "powershell.exe"}});
    let (events, errors) = parse_bytes("enc.json", format!("{ecs}\n").as_bytes());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        events[0].decoded_command.as_deref(),
        Some("icm -cn srv05 {hostname}")
    );
    let (plain, _) = parse_bytes("same.log", &read("same_event.xmlwineventlog.log"));
    assert_eq!(
        plain[1].decoded_command, None,
        "no -EncodedCommand on that command line"
    );
}
