//! Memory stays bounded whatever the input (issue 10): records over the record cap and nested
//! documents over the document cap are skipped and reported with file and position, and what
//! comes after them is still read. Every hostile input is generated here, in a tempdir.

mod cli_support;
mod datasets_support;

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use huntbench::ingest::{self, Batch, IngestError, Limits, parse_bytes_limited};

const MIB: u64 = 1 << 20;

fn small(record: u64, document: u64) -> Limits {
    Limits {
        max_record: record,
        max_document: document,
    }
}

/// One NDJSON 4104 event that both parity and the count of rows can see.
fn json_event(record_id: u64) -> String {
    format!(
        "{{\"EventID\":4104,\"Channel\":\"Microsoft-Windows-PowerShell/Operational\",\
         \"Hostname\":\"ws1\",\"TimeCreated\":\"2024-10-21T11:31:56Z\",\"EventRecordID\":{record_id},\
         \"UserID\":\"S-1-5-21-1\",\"ScriptBlockText\":\"Invoke-Command -ComputerName srv01 {{whoami}}\"}}"
    )
}

fn xml_event(record_id: u64) -> String {
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
         <Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID>\
         <TimeCreated SystemTime='2024-10-21T11:31:56.000Z'/><EventRecordID>{record_id}</EventRecordID>\
         <Channel>Microsoft-Windows-PowerShell/Operational</Channel><Computer>ws1</Computer>\
         <Security UserID='S-1-5-21-1'/></System><EventData><Data Name='ScriptBlockText'>\
         Invoke-Command -ComputerName srv01 {{whoami}}</Data></EventData></Event>"
    )
}

/// A .gz holding `head`, then `fill` bytes of `A`, then `tail`; written a MiB at a time so
/// the test itself never holds the bomb.
fn gz_bomb(path: &Path, head: &str, fill: u64, tail: &str) {
    let mut gz = GzEncoder::new(std::fs::File::create(path).unwrap(), Compression::fast());
    gz.write_all(head.as_bytes()).unwrap();
    let block = vec![b'A'; MIB as usize];
    let mut left = fill;
    while left > 0 {
        let n = left.min(MIB);
        gz.write_all(&block[..n as usize]).unwrap();
        left -= n;
    }
    gz.write_all(tail.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn ingest_json(root: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let index = root.join("index");
    let mut all = vec![
        "ingest",
        "--format",
        "json",
        "--index",
        index.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let (code, out, err) = cli_support::run(root, &all, None);
    let summary = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, summary, err)
}

fn errors_of(summary: &serde_json::Value) -> Vec<(String, String, String)> {
    summary["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_string();
            (s("file"), s("position"), s("reason"))
        })
        .collect()
}

fn positions(errors: &[IngestError]) -> Vec<(String, String)> {
    errors
        .iter()
        .map(|e| (e.position.clone(), e.reason.clone()))
        .collect()
}

#[test]
fn a_gz_of_one_300_mb_json_string_is_skipped_under_a_small_record_cap() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.jsonl.gz");
    gz_bomb(
        &bomb,
        &format!("{}\n{{\"a\":\"", json_event(1)),
        300_000_000,
        "",
    );
    let (code, summary, err) = ingest_json(
        dir.path(),
        &["--max-record-size", "1M", bomb.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        errors_of(&summary),
        vec![(
            bomb.display().to_string(),
            "line 2".to_string(),
            "record too large: 300000006 bytes skipped to the end of the input (no record \
             boundary came); the limit is 1 MiB (raise it with --max-record-size)"
                .to_string()
        )]
    );
    assert_eq!(summary["indexed"], 1);
    assert_eq!(summary["rejected"], 1);
    assert_eq!(summary["outcome"], "records_rejected");
}

#[test]
fn memory_stays_bounded_at_the_default_limits() {
    // 400 MB of one line: read whole (the old splitter grew its buffer to hold it), this
    // alone would take more than 400 MB. At the 16 MiB default the splitter holds one cap
    // plus one 4 MiB chunk.
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.jsonl.gz");
    gz_bomb(
        &bomb,
        &format!("{}\n{{\"a\":\"", json_event(1)),
        400_000_000,
        &format!("\"}}\n{}\n", json_event(2)),
    );
    let (code, summary, err) = ingest_json(dir.path(), &[bomb.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        errors_of(&summary),
        vec![(
            bomb.display().to_string(),
            "line 2".to_string(),
            "record too large: 400000008 bytes skipped up to the next record; the limit is \
             16 MiB (raise it with --max-record-size)"
                .to_string()
        )]
    );
    assert_eq!(summary["indexed"], 2, "the record after the bomb is read");
    let peak = summary["peak_rss_bytes"].as_u64().expect("VmHWM on Linux");
    assert!(
        peak < 200 * MIB,
        "peak RSS {} MiB: the record was held",
        peak / MIB
    );
}

#[test]
fn an_event_element_that_never_ends_is_skipped_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("events.xml.gz");
    let open =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><EventData><Data>";
    gz_bomb(&bomb, &format!("{}\n{open}", xml_event(1)), 50_000_000, "");
    let (code, summary, err) = ingest_json(
        dir.path(),
        &["--max-record-size", "1M", bomb.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{err}");
    let bytes = open.len() as u64 + 50_000_000;
    assert_eq!(
        errors_of(&summary),
        vec![(
            bomb.display().to_string(),
            "line 2".to_string(),
            format!(
                "record too large: {bytes} bytes skipped to the end of the input (no record \
                 boundary came); the limit is 1 MiB (raise it with --max-record-size)"
            )
        )]
    );
    assert_eq!(summary["indexed"], 1);
}

#[test]
fn an_unclosed_event_over_the_cap_ends_where_the_next_event_starts() {
    let open = "<Event xmlns='x'><EventData><Data>";
    let huge = "B".repeat(3 << 20);
    let text = format!(
        "{}\n{open}{huge}\n\n{}\n{}\n",
        xml_event(1),
        xml_event(2),
        xml_event(3)
    );
    let (events, errors) = parse_bytes_limited("a.xml", text.as_bytes(), small(MIB, MIB));
    let ids: Vec<Option<u64>> = events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, vec![Some(1), Some(2), Some(3)], "{errors:?}");
    assert_eq!(events[1].source, "a.xml:line 4");
    assert_eq!(
        positions(&errors),
        vec![(
            "line 2".to_string(),
            format!(
                "record too large: {} bytes skipped up to the next record; the limit is 1 MiB \
                 (raise it with --max-record-size)",
                open.len() + huge.len() + 2
            )
        )]
    );
}

#[test]
fn an_ndjson_line_over_the_cap_is_skipped_and_the_lines_after_it_keep_their_numbers() {
    // Shorter than a read chunk: found whole, not while reading on.
    let text = format!(
        "{}\n{{\"a\":\"{}\"}}\r\n{}\n",
        json_event(1),
        "C".repeat(2 << 20),
        json_event(2)
    );
    let (events, errors) = parse_bytes_limited("a.jsonl", text.as_bytes(), small(MIB, MIB));
    assert_eq!(events.len(), 2, "{errors:?}");
    assert_eq!(events[1].source, "a.jsonl:line 3");
    assert_eq!(
        positions(&errors),
        vec![(
            "line 2".to_string(),
            format!(
                "record too large: {} bytes skipped up to the next record; the limit is 1 MiB \
                 (raise it with --max-record-size)",
                (2 << 20) + 9
            )
        )]
    );
}

/// A zip of `(name, bytes)` members, deflated.
fn write_zip(path: &Path, members: &[(&str, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_zip_with_huge_members_then_a_good_one_still_gives_the_good_ones_events() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("case.zip");
    let mut endless = b"{\"a\":\"".to_vec();
    endless.resize(5 << 20, b'D');
    // A zip inside the zip must be seekable: spooled to disk, here over a 2 MiB cap.
    let mut nested = b"PK\x03\x04".to_vec();
    nested.resize(3 << 20, 0);
    write_zip(
        &archive,
        &[
            ("endless.jsonl", endless),
            ("nested.zip", nested),
            ("good.jsonl", format!("{}\n", json_event(7)).into_bytes()),
        ],
    );
    let root = dir.path();
    let (code, out, err) = cli_support::run(
        root,
        &[
            "hunt",
            "remote_process_instantiation_via_winrm_and_powershell_script_block",
            "--format",
            "json",
            "--max-record-size",
            "1M",
            "--max-document-size",
            "2M",
            "--input",
            archive.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    let rows: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["count"], 1);
    let a = archive.display();
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(
        warnings,
        vec![
            format!(
                "warning: {a}!endless.jsonl: line 1: record too large: {} bytes skipped to the \
                 end of the input (no record boundary came); the limit is 1 MiB (raise it with \
                 --max-record-size)",
                5 << 20
            ),
            format!(
                "warning: {a}!nested.zip: byte 2097152: document too large: this zip archive is \
                 bigger than the limit of 2 MiB (raise it with --max-document-size); skipped \
                 after 2097152 bytes"
            ),
        ]
    );
}

/// Count what the readers send for `path` without keeping the events.
fn count(path: PathBuf, limits: Limits) -> (u64, Vec<IngestError>) {
    let readers = ingest::spawn_filtered(vec![path], 2, ingest::keep_all(), limits);
    let (mut events, mut errors) = (0u64, Vec::new());
    for batch in readers.rx {
        match batch {
            Batch::Events(e) => events += e.len() as u64,
            Batch::Error(e) => errors.push(e),
            _ => {}
        }
    }
    (events, errors)
}

#[test]
fn a_json_array_of_two_million_events_is_streamed_and_an_element_over_the_cap_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let big = format!(
        "{{\"EventID\":1,\"Hostname\":\"h\",\"x\":\"{}\"}}",
        "E\\\"".repeat((2 << 20) / 3)
    );
    f.write_all(b"[\n").unwrap();
    for i in 0..2_000_000u64 {
        if i > 0 {
            f.write_all(b",").unwrap();
        }
        write!(f, "{{\"EventID\":1,\"Hostname\":\"h\",\"_time\":{i}}}").unwrap();
        if i == 999_999 {
            // Element 1,000,001: one string of 2 MiB, escapes included.
            write!(f, ",\n{big}\n").unwrap();
        }
    }
    f.write_all(b"\n]\n").unwrap();
    f.into_inner().unwrap().sync_all().unwrap();
    let (events, errors) = count(path.clone(), small(MIB, MIB));
    assert_eq!(events, 2_000_000, "{errors:?}");
    assert_eq!(
        errors,
        vec![IngestError {
            file: path.display().to_string(),
            position: "line 1 element 1000001".into(),
            reason: format!(
                "record too large: {} bytes of this array element skipped; the limit is \
                 1 MiB (raise it with --max-record-size)",
                big.len()
            ),
            records: 1,
        }]
    );
}

#[test]
fn an_evtxecmd_csv_row_over_the_cap_is_reported_with_its_line_and_the_rest_read() {
    let header = "RecordNumber,EventRecordId,TimeCreated,EventId,Provider,Channel,Computer,UserId,Payload\r\n";
    let good = |rid: u32| {
        format!(
            "{rid},{rid},2024-10-21 11:31:56.6587087,4104,Microsoft-Windows-PowerShell,\
Microsoft-Windows-PowerShell/Operational,h,S-1-5-18,\"{{\"\"EventData\"\":{{\"\"Data\"\":[{{\"\"@Name\"\":\
\"\"ScriptBlockText\"\",\"\"#text\"\":\"\"a\"\"}}]}}}}\"\r\n"
        )
    };
    // Row 2's quoted Payload is 2 MiB and spans three lines.
    let fill = "F".repeat(1 << 20);
    let row = format!("2,2,2024-10-21 11:31:57,4104,P,C,h,,\"{fill}\r\n\"\"{fill}\r\nend\"");
    let text = format!("{header}{}{row}\r\n{}", good(1), good(3));
    let (events, errors) = parse_bytes_limited("kape.csv", text.as_bytes(), small(MIB, MIB));
    let ids: Vec<Option<u64>> = events.iter().map(|e| e.record_id).collect();
    assert_eq!(ids, vec![Some(1), Some(3)], "{errors:?}");
    assert_eq!(events[1].source, "kape.csv:line 6");
    assert_eq!(
        positions(&errors),
        vec![(
            "line 3".to_string(),
            format!(
                "record too large: {} bytes skipped up to the next record; the limit is 1 MiB \
                 (raise it with --max-record-size)",
                row.len()
            )
        )]
    );
}

/// A real .evtx from the public datasets, or None (the test skips).
fn real_evtx(test: &str) -> Option<PathBuf> {
    let d = datasets_support::datasets(test)?;
    let p = d.join("atomic-evtx/T1021.006-1/T1021.006-1_Microsoft-Windows-Sysmon_Operational.evtx");
    p.exists().then_some(p)
}

#[test]
fn a_nested_evtx_is_spooled_and_one_over_the_document_cap_is_skipped() {
    let Some(evtx) = real_evtx("a_nested_evtx_is_spooled_and_one_over_the_document_cap_is_skipped")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&evtx).unwrap();
    let gz = dir.path().join("sysmon.evtx.gz");
    let mut enc = GzEncoder::new(std::fs::File::create(&gz).unwrap(), Compression::fast());
    enc.write_all(&bytes).unwrap();
    enc.finish().unwrap();
    let (plain, plain_errors) = count(evtx.clone(), Limits::default());
    assert!(plain > 0 && plain_errors.is_empty(), "{plain_errors:?}");
    let (nested, errors) = count(gz.clone(), Limits::default());
    assert_eq!((nested, errors), (plain, vec![]));

    // Over the document cap: reported with how far it got; the next member is read.
    let archive = dir.path().join("case.zip");
    write_zip(
        &archive,
        &[
            ("sysmon.evtx", bytes.clone()),
            ("good.jsonl", format!("{}\n", json_event(9)).into_bytes()),
        ],
    );
    let cap = 64 * 1024;
    assert!(bytes.len() as u64 > cap);
    let (events, errors) = count(archive.clone(), small(MIB, cap));
    assert_eq!(events, 1);
    assert_eq!(
        errors,
        vec![IngestError {
            file: format!("{}!sysmon.evtx", archive.display()),
            position: format!("byte {cap}"),
            reason: format!(
                "document too large: this .evtx is bigger than the limit of 64 KiB (raise it \
                 with --max-document-size); skipped after {cap} bytes"
            ),
            records: 1,
        }]
    );
}

#[test]
fn the_limit_flags_take_units_and_are_documented_in_help() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in ["ingest", "hunt"] {
        let (code, out, _) = cli_support::run(dir.path(), &[cmd, "--help"], None);
        let help = String::from_utf8_lossy(&out);
        assert_eq!(code, 0);
        assert!(help.contains("--max-record-size <SIZE>"), "{help}");
        assert!(help.contains("[default: 16M]"), "{help}");
        assert!(help.contains("--max-document-size <SIZE>"), "{help}");
        assert!(help.contains("[default: 1G]"), "{help}");
    }
    let (code, _, err) = cli_support::run(
        dir.path(),
        &["ingest", "--max-record-size", "lots", "x"],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("\"lots\" is not a size"), "{err}");
    assert_eq!(ingest::parse_size("64M"), Ok(64 * MIB));
}

#[test]
fn a_splunk_export_and_an_xmltodict_document_over_the_cap_are_read_result_by_result() {
    let cap = 64 * 1024;
    let flat = |i: u64| format!("{{\"EventID\":1,\"Hostname\":\"h\",\"_time\":{i}}}");
    let huge = format!(
        "{{\"EventID\":1,\"Hostname\":\"h\",\"_time\":1,\"x\":\"{}\"}}",
        "G".repeat(cap)
    );
    let items = |n: u64| -> String {
        let mut v: Vec<String> = (0..n).map(flat).collect();
        v.insert(2, huge.clone());
        v.join(",\n    ")
    };
    // 10,000 results (about 380 KB) after keys that are not events.
    let export = format!(
        "\n{{\n  \"preview\": false,\n  \"fields\": [{{\"name\": \"results\"}}],\n  \"results\": [\n    {}\n  ],\n  \"messages\": []\n}}\n",
        items(10_000)
    );
    let (events, errors) =
        parse_bytes_limited("export.json", export.as_bytes(), small(cap as u64, MIB));
    assert_eq!(events.len(), 10_000, "{errors:?}");
    assert_eq!(events[0].source, "export.json:line 2 result 1");
    assert_eq!(events[2].source, "export.json:line 2 result 4");
    let reason = |what: &str| {
        format!(
            "record too large: {} bytes of this {what} skipped; the limit is 64 KiB (raise it \
             with --max-record-size)",
            huge.len()
        )
    };
    assert_eq!(
        positions(&errors),
        vec![("line 2 result 3".to_string(), reason("array element"))]
    );

    let xmltodict = format!("{{\"Events\": {{\"Event\": [\n{}\n]}}}}", items(10_000));
    let (events, errors) =
        parse_bytes_limited("events.json", xmltodict.as_bytes(), small(cap as u64, MIB));
    assert_eq!(events.len(), 10_000, "{errors:?}");
    assert_eq!(events[9_999].source, "events.json:line 1 element 10001");
    assert_eq!(
        positions(&errors),
        vec![("line 1 element 3".to_string(), reason("array element"))]
    );

    // Under the cap the document is read whole, as before: the same events and positions.
    let (whole, errors) = parse_bytes_limited("export.json", export.as_bytes(), small(MIB, MIB));
    assert_eq!(whole.len(), 10_001, "{errors:?}");
    assert_eq!(whole[3].source, "export.json:line 2 result 4");
}

#[test]
fn the_first_answer_pass_reads_under_the_same_limits() {
    // A matching event of 2 MiB: over a 1 MiB cap it must be in neither the live rows nor the
    // index (under the default cap the live scan would have shown its row).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.jsonl");
    let padded = json_event(2).replacen('{', &format!("{{\"pad\":\"{}\",", "P".repeat(2 << 20)), 1);
    let quiet = json_event(1).replace("Invoke-Command", "Get-Date");
    std::fs::write(&file, format!("{quiet}\n{padded}\n")).unwrap();
    let index = dir.path().join("index");
    let run = |cap: &str| {
        let _ = std::fs::remove_dir_all(&index);
        cli_support::run(
            dir.path(),
            &[
                "ingest",
                "--index",
                index.to_str().unwrap(),
                "--max-record-size",
                cap,
                file.to_str().unwrap(),
            ],
            None,
        )
    };
    let (code, out, err) = run("1M");
    assert_eq!(code, 1, "{err}");
    let out = String::from_utf8_lossy(&out);
    let live = out
        .lines()
        .find(|l| l.starts_with("Analytics over these files"))
        .unwrap();
    assert!(live.ends_with("indexing follows): 0 rows"), "{live}");
    assert!(out.contains("indexed             1\n"), "{out}");
    assert!(out.contains("big.jsonl: line 2: record too large"), "{out}");
    // The same file under a cap that holds it: both events, in the live rows too.
    let (code, out, err) = run("4M");
    assert_eq!(code, 0, "{err}");
    let out = String::from_utf8_lossy(&out);
    let live = out
        .lines()
        .find(|l| l.starts_with("Analytics over these files"))
        .unwrap();
    assert!(live.ends_with("indexing follows): 1 rows"), "{live}");
    assert!(out.contains("indexed             2\n"), "{out}");
}

#[test]
fn blank_lines_before_the_first_event_cost_no_memory() {
    // Leading white space is skipped to find the format; its newlines were kept as a buffer
    // (to keep line numbers right), so this .gz took 429 MB at its peak, 119 MB now.
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("blank.xml.gz");
    let mut gz = GzEncoder::new(std::fs::File::create(&bomb).unwrap(), Compression::fast());
    let block = vec![b'\n'; MIB as usize];
    for _ in 0..128 {
        gz.write_all(&block).unwrap();
    }
    gz.write_all(format!("{}\n", xml_event(1)).as_bytes())
        .unwrap();
    gz.finish().unwrap();
    let (code, summary, err) = ingest_json(dir.path(), &[bomb.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(summary["indexed"], 1);
    let peak = summary["peak_rss_bytes"].as_u64().expect("VmHWM on Linux");
    assert!(peak < 200 * MIB, "peak RSS {} MiB", peak / MIB);
    let (events, _) = ingest::read_paths(&[bomb]);
    assert_eq!(
        events[0].source,
        format!(
            "{}:line {}",
            dir.path().join("blank.xml.gz").display(),
            128 * MIB + 1
        )
    );
}
