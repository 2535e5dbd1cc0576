//! One CRLF script block (4104) and one CRLF Sysmon 1 command line, rendered by this test in
//! every common rendering of Windows events (XmlWinEventLog with `&#13;&#10;` and with raw CRLF,
//! evtx_dump JSON, winlogbeat ECS, Splunk export, xmltodict JSON, EvtxECmd CSV and JSON lines),
//! each in UTF-8, UTF-8 with a BOM, UTF-16LE and UTF-16BE with a BOM, the line-oriented ones
//! also with CRLF line ends. Every one gives the same two Events with the CRs kept; ingested
//! together they are one row per analytic; the sha256 of the CRLF text excludes that row and is
//! the hash the Splunk export writes.

mod cli_support;

use std::path::{Path, PathBuf};

use huntbench::analytics::sha256_hex;
use huntbench::event::Event;
use huntbench::ingest::parse_bytes;
use huntbench::time::parse_timestamp;
use serde_json::{Value, json};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

/// A script written on Windows: every line ends in CRLF.
const SCRIPT: &str = "$s = New-PSSession -ComputerName srv02\r\nInvoke-Command -Session $s -ComputerName srv02 -ScriptBlock {\r\n  whoami & hostname\r\n}\r\n";
const CMDLINE: &str = "powershell.exe -c \"Invoke-Command -ComputerName srv02 {\r\n whoami }\"";
const HOST: &str = "WS01.corp.example";
const SID: &str = "S-1-5-21-1111-2222-3333-1001";

/// One record as logged: System fields and the EventData in document order.
struct Rec {
    code: u32,
    channel: &'static str,
    provider: &'static str,
    guid: &'static str,
    record: u64,
    /// `SystemTime`, 7 fractional digits as Windows writes it.
    time: &'static str,
    sid: &'static str,
    data: Vec<(&'static str, &'static str)>,
}

fn records() -> Vec<Rec> {
    vec![
        Rec {
            code: 4104,
            channel: "Microsoft-Windows-PowerShell/Operational",
            provider: "Microsoft-Windows-PowerShell",
            guid: "{A0C1853B-5C40-4B15-8766-3CF1C58F985A}",
            record: 4242,
            time: "2024-10-21T11:31:56.6587087Z",
            sid: SID,
            data: vec![
                ("MessageNumber", "1"),
                ("MessageTotal", "1"),
                ("ScriptBlockText", SCRIPT),
                ("ScriptBlockId", "5f2900d0-8268-43f0-bd1b-045e583b2e1f"),
                ("Path", ""),
            ],
        },
        Rec {
            code: 1,
            channel: "Microsoft-Windows-Sysmon/Operational",
            provider: "Microsoft-Windows-Sysmon",
            guid: "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
            record: 777,
            time: "2024-10-21T11:31:57.6159540Z",
            sid: "S-1-5-18",
            data: vec![
                ("RuleName", "-"),
                ("UtcTime", "2024-10-21 11:31:57.615"),
                ("ProcessGuid", "{dfae8213-bd78-5cdc-0000-0010c7fe1200}"),
                ("ProcessId", "4076"),
                (
                    "Image",
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                ),
                ("OriginalFileName", "PowerShell.EXE"),
                ("CommandLine", CMDLINE),
                ("User", "CORP\\alice"),
                ("ParentProcessId", "5632"),
                ("ParentImage", "C:\\Windows\\System32\\wsmprovhost.exe"),
                (
                    "ParentCommandLine",
                    "C:\\Windows\\system32\\wsmprovhost.exe -Embedding",
                ),
            ],
        },
    ]
}

/// `2024-10-21 11:31:56.6587087`: python-evtx / xmltodict and EvtxECmd CSV, no zone (UTC).
fn space_time(t: &str) -> String {
    t.trim_end_matches('Z').replace('T', " ")
}

/// XML text escaping as Windows renders it; line ends as `&#13;&#10;` (one line per event)
/// or left raw.
fn esc(s: &str, raw_line_ends: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '\r' if !raw_line_ends => out.push_str("&#13;"),
            '\n' if !raw_line_ends => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// One `<Event>`; `nl` goes between elements (empty for XmlWinEventLog lines).
fn xml_event(r: &Rec, raw_line_ends: bool, nl: &str) -> String {
    let mut data = String::new();
    for (k, v) in &r.data {
        if v.is_empty() {
            data.push_str(&format!("{nl}<Data Name='{k}'/>"));
        } else {
            data.push_str(&format!(
                "{nl}<Data Name='{k}'>{}</Data>",
                esc(v, raw_line_ends)
            ));
        }
    }
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>{nl}<System>{nl}\
<Provider Name='{}' Guid='{}'/>{nl}<EventID>{}</EventID>{nl}<Version>1</Version>{nl}<Level>4</Level>{nl}\
<TimeCreated SystemTime='{}'/>{nl}<EventRecordID>{}</EventRecordID>{nl}<Correlation/>{nl}\
<Execution ProcessID='3320' ThreadID='4004'/>{nl}<Channel>{}</Channel>{nl}<Computer>{HOST}</Computer>{nl}\
<Security UserID='{}'/>{nl}</System>{nl}<EventData>{data}{nl}</EventData>{nl}</Event>",
        r.provider, r.guid, r.code, r.time, r.record, r.channel, r.sid
    )
}

fn xml_lines(recs: &[Rec]) -> String {
    recs.iter()
        .map(|r| xml_event(r, false, "") + "\n")
        .collect()
}

/// A pretty `<Events>` document whose text holds raw CRLFs, written with CRLF line ends.
fn xml_raw_crlf(recs: &[Rec]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<Events>\r\n");
    for r in recs {
        s.push_str(&xml_event(r, true, "\r\n  "));
        s.push_str("\r\n");
    }
    s.push_str("</Events>\r\n");
    s
}

fn evtx_dump_line(r: &Rec) -> Value {
    let data: serde_json::Map<String, Value> = r
        .data
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {"Provider": {"#attributes": {"Name": r.provider, "Guid": r.guid}},
            "EventID": r.code, "Version": 1, "Level": 4,
            "TimeCreated": {"#attributes": {"SystemTime": r.time}},
            "EventRecordID": r.record, "Correlation": null,
            "Execution": {"#attributes": {"ProcessID": 3320, "ThreadID": 4004}},
            "Channel": r.channel, "Computer": HOST,
            "Security": {"#attributes": {"UserID": r.sid}}},
        "EventData": data}})
}

fn winlogbeat_line(r: &Rec) -> Value {
    let data: serde_json::Map<String, Value> = r
        .data
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({"@timestamp": r.time, "host": {"name": "collector01"},
        "event": {"code": r.code.to_string(), "provider": r.provider, "kind": "event"},
        "winlog": {"channel": r.channel, "computer_name": HOST, "event_id": r.code,
            "provider_name": r.provider, "record_id": r.record,
            "process": {"pid": 3320, "thread": {"id": 4004}},
            "user": {"identifier": r.sid}, "event_data": data}})
}

fn splunk_line(r: &Rec) -> Value {
    json!({"preview": false, "offset": 0, "result": {"_time": "2024-10-21T11:31:56.658+00:00",
        "host": "collector01", "source": format!("XmlWinEventLog:{}", r.channel),
        "sourcetype": "XmlWinEventLog", "_raw": xml_event(r, false, "")}})
}

/// `EventData` the xmltodict way: a list of `{"@Name", "#text"}`, no `#text` when empty.
fn xmltodict_data(r: &Rec) -> Value {
    let items: Vec<Value> = r
        .data
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                json!({"@Name": k})
            } else {
                json!({"@Name": k, "#text": v})
            }
        })
        .collect();
    json!({"Data": items})
}

fn xmltodict_doc(recs: &[Rec]) -> String {
    let items: Vec<Value> = recs
        .iter()
        .map(|r| {
            json!({"Event": {"@xmlns": "http://schemas.microsoft.com/win/2004/08/events/event",
                "System": {"Provider": {"@Name": r.provider, "@Guid": r.guid},
                    "EventID": r.code.to_string(), "Version": "1", "Level": "4",
                    "TimeCreated": {"@SystemTime": space_time(r.time)},
                    "EventRecordID": r.record.to_string(), "Correlation": null,
                    "Execution": {"@ProcessID": "3320", "@ThreadID": "4004"},
                    "Channel": r.channel, "Computer": HOST, "Security": {"@UserID": r.sid}},
                "EventData": xmltodict_data(r)}})
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap()
}

fn payload(r: &Rec) -> String {
    json!({"EventData": xmltodict_data(r)}).to_string()
}

const EVTXECMD_COLUMNS: &[&str] = &[
    "RecordNumber",
    "EventRecordId",
    "TimeCreated",
    "EventId",
    "Level",
    "Provider",
    "Channel",
    "ProcessId",
    "ThreadId",
    "Computer",
    "ChunkNumber",
    "UserId",
    "MapDescription",
    "UserName",
    "RemoteHost",
    "PayloadData1",
    "PayloadData2",
    "PayloadData3",
    "PayloadData4",
    "PayloadData5",
    "PayloadData6",
    "ExecutableInfo",
    "HiddenRecord",
    "SourceFile",
    "Keywords",
    "ExtraDataOffset",
    "Payload",
];

fn evtxecmd_row(r: &Rec, n: usize) -> Vec<String> {
    EVTXECMD_COLUMNS
        .iter()
        .map(|c| match *c {
            "RecordNumber" => n.to_string(),
            "EventRecordId" => r.record.to_string(),
            "TimeCreated" => space_time(r.time),
            "EventId" => r.code.to_string(),
            "Level" => "Info".into(),
            "Provider" => r.provider.into(),
            "Channel" => r.channel.into(),
            "ProcessId" => "3320".into(),
            "ThreadId" => "4004".into(),
            "Computer" => HOST.into(),
            "ChunkNumber" => "0".into(),
            "UserId" => r.sid.into(),
            "MapDescription" => "EvtxECmd's own words".into(),
            "PayloadData1" => "derived, not logged".into(),
            "HiddenRecord" => "False".into(),
            "SourceFile" => "C:\\Windows\\System32\\winevt\\Logs\\x.evtx".into(),
            "Payload" => payload(r),
            _ => String::new(),
        })
        .collect()
}

fn evtxecmd_csv(recs: &[Rec]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(EVTXECMD_COLUMNS).unwrap();
    for (i, r) in recs.iter().enumerate() {
        w.write_record(evtxecmd_row(r, i + 1)).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn evtxecmd_json_line(r: &Rec, n: usize) -> Value {
    let mut o = serde_json::Map::new();
    for (c, v) in EVTXECMD_COLUMNS.iter().zip(evtxecmd_row(r, n)) {
        let v = match *c {
            "TimeCreated" => json!(r.time.replace('Z', "+00:00")),
            "EventId" | "ProcessId" | "ThreadId" | "RecordNumber" | "ChunkNumber" => {
                json!(v.parse::<u64>().unwrap())
            }
            "HiddenRecord" => json!(false),
            _ if v.is_empty() => continue,
            _ => json!(v),
        };
        o.insert(c.to_string(), v);
    }
    Value::Object(o)
}

fn lines(values: impl Iterator<Item = Value>, eol: &str) -> String {
    values.map(|v| v.to_string() + eol).collect()
}

/// The text in UTF-8, UTF-8 with a BOM, UTF-16LE and UTF-16BE with a BOM.
fn encodings(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    vec![
        ("utf8", text.as_bytes().to_vec()),
        (
            "utf8bom",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ),
        ("utf16le", le),
        ("utf16be", be),
    ]
}

/// Every rendering, named.
fn renderings() -> Vec<(String, Vec<u8>)> {
    let recs = records();
    let evtx = |eol| lines(recs.iter().map(evtx_dump_line), eol);
    let beat = |eol| lines(recs.iter().map(winlogbeat_line), eol);
    let splunk = |eol| lines(recs.iter().map(splunk_line), eol);
    let ecmd = |eol| {
        lines(
            recs.iter()
                .enumerate()
                .map(|(i, r)| evtxecmd_json_line(r, i + 1)),
            eol,
        )
    };
    let texts = vec![
        ("xmlwineventlog.log", xml_lines(&recs)),
        ("raw_crlf.xml", xml_raw_crlf(&recs)),
        ("evtx_dump.jsonl", evtx("\n")),
        ("winlogbeat.jsonl", beat("\n")),
        ("splunk_export.json", splunk("\n")),
        ("xmltodict.json", xmltodict_doc(&recs)),
        ("evtxecmd.csv", evtxecmd_csv(&recs)),
        ("evtxecmd.json", ecmd("\n")),
    ];
    let mut out = Vec::new();
    for (name, text) in texts {
        for (enc, bytes) in encodings(&text) {
            out.push((format!("{enc}.{name}"), bytes));
        }
    }
    // NDJSON and XmlWinEventLog lines as Windows tools write them: CRLF line ends.
    let crlf = [
        (
            "crlf.xmlwineventlog.log",
            xml_lines(&recs).replace('\n', "\r\n"),
        ),
        ("crlf.evtx_dump.jsonl", evtx("\r\n")),
        ("crlf.winlogbeat.jsonl", beat("\r\n")),
        ("crlf.splunk_export.json", splunk("\r\n")),
        ("crlf.evtxecmd.json", ecmd("\r\n")),
    ];
    for (name, text) in crlf {
        out.push((name.to_string(), text.into_bytes()));
    }
    out
}

fn no_source(mut v: Vec<Event>) -> Vec<Event> {
    v.iter_mut().for_each(|e| e.source.clear());
    v.sort_by_key(|e| e.record_id);
    v
}

#[test]
fn every_rendering_in_every_encoding_gives_the_same_events_with_crs_kept() {
    let all = renderings();
    assert_eq!(all.len(), 8 * 4 + 5);
    let (first, errors) = parse_bytes("utf8.xmlwineventlog.log", &all[0].1);
    assert!(errors.is_empty(), "{errors:?}");
    let want = no_source(first);
    assert_eq!(want.len(), 2);
    let proc = &want[0];
    let sb = &want[1];
    assert_eq!(sb.event_code, 4104);
    assert_eq!(sb.record_id, Some(4242));
    assert_eq!(
        sb.time,
        parse_timestamp("2024-10-21T11:31:56.658708Z").unwrap()
    );
    assert_eq!(sb.computer, HOST);
    assert_eq!(sb.user_id.as_deref(), Some(SID));
    assert_eq!(
        sb.script_block_text.as_deref().map(str::as_bytes),
        Some(SCRIPT.as_bytes()),
        "the script exactly as logged, CRLFs included"
    );
    assert_eq!(sb.path, None);
    assert_eq!(proc.event_code, 1);
    assert_eq!(proc.process.as_deref(), Some(CMDLINE));
    assert_eq!(proc.process_name.as_deref(), Some("powershell.exe"));
    assert_eq!(proc.parent_process_name.as_deref(), Some("wsmprovhost.exe"));
    assert_eq!(
        proc.time,
        parse_timestamp("2024-10-21T11:31:57.615954Z").unwrap()
    );
    for (name, bytes) in &all {
        let (got, errors) = parse_bytes(name, bytes);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let got = no_source(got);
        assert_eq!(got, want, "{name}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.uid(), w.uid(), "{name}: same identity, so they dedup");
        }
    }
}

struct Cli {
    tmp: tempfile::TempDir,
}

impl Cli {
    fn run(&self, args: &[&str]) -> String {
        let out = cli_support::huntbench(self.tmp.path())
            .args(args)
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(out.status.success(), "{args:?}: {stderr}");
        stdout
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    fn rows(&self, id: &str) -> Vec<Value> {
        self.json(&["hunt", id, "--format", "json"])
            .as_array()
            .unwrap()
            .clone()
    }
}

fn write_all(dir: &Path) -> Vec<PathBuf> {
    renderings()
        .into_iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect()
}

#[test]
fn all_renderings_are_one_row_and_the_crlf_hash_excludes_it_here_and_in_splunk() {
    let cli = Cli {
        tmp: tempfile::tempdir().unwrap(),
    };
    let dir = cli.tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    let files = write_all(&dir);
    let s = cli.json(&["ingest", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(s["errors"], json!([]), "{s}");
    assert_eq!(s["files"], files.len());
    assert_eq!(s["events_read"], 2 * files.len());
    assert_eq!(s["indexed"], 2, "{s}");
    assert_eq!(s["duplicates"], 2 * files.len() - 2);

    let sb = cli.rows(SB);
    assert_eq!(sb.len(), 1, "{sb:?}");
    assert_eq!(sb[0]["ScriptBlockText"], SCRIPT);
    assert_eq!(sb[0]["Computer"], HOST);
    assert_eq!(sb[0]["count"], 1);
    let pr = cli.rows(PROC);
    assert_eq!(pr.len(), 1, "{pr:?}");
    assert_eq!(pr[0]["process"], CMDLINE);
    assert_eq!(pr[0]["count"], 1);

    // The one-pass path (readers with the raw-record prefilter, no index) finds the same rows.
    let mut args = vec!["hunt", SB, PROC, "--format", "json", "--input"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let direct = cli.json(&args);
    let direct = direct.as_array().unwrap();
    assert_eq!(direct.len(), 2, "{direct:?}");
    assert!(
        direct
            .iter()
            .any(|r| r["ScriptBlockText"] == SCRIPT && r["count"] == 1)
    );
    assert!(
        direct
            .iter()
            .any(|r| r["process"] == CMDLINE && r["count"] == 1)
    );

    // The hash of the text with LFs only (what a CR-dropping reader would have stored) does
    // not match what Splunk holds, and must not match here either.
    let lf = sha256_hex(&SCRIPT.replace("\r\n", "\n"));
    cli.run(&[
        "exclusions",
        "add",
        SB,
        "ScriptBlockText",
        &format!("sha256:{lf}"),
    ]);
    assert_eq!(cli.rows(SB).len(), 1, "the LF hash excludes nothing");
    let crlf = sha256_hex(SCRIPT);
    // The analytic's only row: a broad exclusion, so it needs --force.
    cli.run(&[
        "exclusions",
        "add",
        SB,
        "ScriptBlockText",
        &format!("sha256:{crlf}"),
        "--force",
    ]);
    assert!(cli.rows(SB).is_empty(), "the CRLF hash excludes the row");

    let stanza = cli.run(&["exclusions", "export", SB, "--splunk"]);
    assert!(stanza.contains("sha256("), "{stanza}");
    assert!(stanza.contains(&crlf), "{stanza}");
}
