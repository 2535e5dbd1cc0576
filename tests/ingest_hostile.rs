//! Inputs an attacker can plant in a triage package: link mazes and JSON escapes that used to
//! cost a whole walk or a whole record.

use std::path::{Path, PathBuf};

use huntbench::ingest::{parse_bytes, read_paths};

/// One flat 4104 record, numbered, with `text` as its script (already JSON-escaped).
fn record(n: u64, text: &str) -> String {
    format!(
        r#"{{"EventID":4104,"Channel":"Microsoft-Windows-PowerShell/Operational","Hostname":"ws{n}","RecordNumber":{n},"@timestamp":"2024-10-21T11:00:0{n}.000Z","ScriptBlockText":"{text}","ScriptBlockId":"id-{n}"}}"#
    )
}

fn write(path: &Path, records: &[String]) {
    std::fs::write(path, records.join("\n") + "\n").unwrap();
}

#[cfg(unix)]
#[test]
fn links_are_followed_once_loops_are_reported_and_no_file_is_read_twice() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let sub = logs.join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    write(&logs.join("a.jsonl"), &[record(1, "one"), record(2, "two")]);
    write(&sub.join("b.jsonl"), &[record(3, "three")]);
    // Two links back to the folder itself: the walk used to branch at each level (2^32).
    symlink(".", logs.join("loop1")).unwrap();
    symlink(".", logs.join("loop2")).unwrap();
    // A second route to a sibling folder, a link and a hard link to a file.
    symlink("sub", logs.join("again")).unwrap();
    symlink("a.jsonl", logs.join("same.jsonl")).unwrap();
    std::fs::hard_link(logs.join("a.jsonl"), logs.join("hard.jsonl")).unwrap();

    // The folder, and one of its files named again on the command line.
    let (events, errors) = read_paths(&[logs.clone(), logs.join("a.jsonl")]);
    let mut ids: Vec<u64> = events.iter().filter_map(|e| e.record_id).collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3], "every event once: {errors:?}");

    let mut loops: Vec<&str> = errors
        .iter()
        .filter(|e| e.reason.starts_with("symbolic link loop"))
        .map(|e| e.file.as_str())
        .collect();
    loops.sort();
    let expect: Vec<PathBuf> = ["loop1", "loop2"].iter().map(|l| logs.join(l)).collect();
    let expect: Vec<String> = expect.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(loops, expect, "{errors:?}");
    assert_eq!(errors.len(), 2, "nothing else is a problem: {errors:?}");
}

#[test]
fn a_lone_surrogate_escape_keeps_its_record_with_a_replacement_character() {
    let lone = record(1, r"Invoke-Command -ComputerName srv\udc00 {1}");
    let pair = record(2, r"ok \ud83d\ude00");
    let escaped = record(3, r"a\\udc00b");
    let ndjson = [lone.clone(), pair.clone(), escaped.clone()].join("\n");
    let array = format!("[\n{lone},\n{pair},\n{escaped}\n]\n");
    for (name, text) in [("lines.jsonl", ndjson), ("doc.json", array)] {
        let (events, errors) = parse_bytes(name, text.as_bytes());
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let texts: Vec<&str> = events
            .iter()
            .filter_map(|e| e.script_block_text.as_deref())
            .collect();
        assert_eq!(
            texts,
            [
                "Invoke-Command -ComputerName srv\u{FFFD} {1}",
                "ok \u{1F600}",
                "a\\udc00b"
            ],
            "{name}"
        );
    }
}

/// Enough NDJSON that a read error falls past the first 64 KiB the format is detected from.
fn many_records() -> Vec<u8> {
    let lines: Vec<String> = (0..4000).map(|n| record(n % 10, "x")).collect();
    (lines.join("\n") + "\n").into_bytes()
}

#[test]
fn a_broken_gz_or_zip_member_names_the_member_and_the_byte_it_broke_at() {
    use std::io::Write;
    let content = many_records();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&content).unwrap();
    let gz = enc.finish().unwrap();
    let cut = &gz[..gz.len() * 2 / 3];
    let (events, errors) = parse_bytes("case.jsonl.gz", cut);
    assert!(!events.is_empty(), "the records before the break are kept");
    // The line the break cut in half, and the break itself at the byte it happened.
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].position.starts_with("line "), "{errors:?}");
    let broke = &errors[1];
    assert!(broke.reason.starts_with("cannot read"), "{errors:?}");
    let at: u64 = broke
        .position
        .strip_prefix("byte ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a byte position, not {:?}", broke.position));
    assert!(at > 64 * 1024 && at < content.len() as u64, "{at}");
    assert_eq!(broke.file, "case.jsonl.gz");

    // A stored zip member whose bytes were altered: its CRC fails at the end of the member.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("logs/a.jsonl", stored).unwrap();
    w.write_all(&content).unwrap();
    let mut zipped = w.finish().unwrap().into_inner();
    let x = zipped
        .windows(3)
        .position(|w| w == b"\"x\"")
        .expect("the member's text is stored as is");
    zipped[x + 1] = b'y';
    let (events, errors) = parse_bytes("triage.zip", &zipped);
    assert!(!events.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "triage.zip!logs/a.jsonl");
    assert!(errors[0].position.starts_with("byte "), "{errors:?}");
    assert_ne!(errors[0].position, "stream");
}
