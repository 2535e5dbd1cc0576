//! The one-pass scan's prefilter over .evtx (`hunt --input`): a record is tested on the JSON
//! the crate renders it to, the text the evtx_dump path maps, so refused records skip the JSON
//! parse and the mapping. The rows equal the unfiltered rows, the skipped records are counted
//! per file, and a file whose records were all skipped is read, not silent. Runs without
//! ../shared: the logs are written by the test.

mod evtx_support;

use std::path::{Path, PathBuf};

use evtx_support::Rec;
use huntbench::analytics::{self, HuntResult};
use huntbench::ingest::{self, Batch, IngestError};
use huntbench::pipeline::{self, IngestOptions, Outcome, ReadReport};
use huntbench::time::TimeRange;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

/// Scripts that match the script-block analytic, each tagged so its row can be found: case,
/// a Kelvin sign that folds to `k`, CRLF, a quote and a tab the JSON escapes, and a control
/// character it spells `\u0001` (the prefilter's hatch keeps that record).
const MATCHING: [&str; 6] = [
    "Invoke-Command -ComputerName srv1 { whoami } #plain",
    "iNVOKE-cOMMAND -cOMPUTERnAME srv2 { hostname } #mixed",
    "Invo\u{212A}e-Command -ComputerName srv3 {} #kelvin",
    "Invoke-Command -ComputerName srv4 `\r\n  -ScriptBlock { ipconfig }\r\n#crlf",
    "Write-Host \"Invoke-Command\"\t-ComputerName #quoted",
    "Invoke-Command\u{1} -ComputerName srv6 #control",
];

/// Scripts that must not match: a dotted capital I lowercases to `i̇`, and a near miss.
const NOT_MATCHING: [&str; 2] = [
    "\u{130}nvoke-Command -ComputerName srv7 #dotted",
    "Invoke-Command -Computer srv8 #near",
];

fn benign(id: u64) -> String {
    match id % 4 {
        0 => format!("Get-Process | Select-Object -First {id}"),
        1 => "Import-Module Microsoft.PowerShell.Management".to_string(),
        2 => format!("$x = Get-ChildItem C:\\Temp\\{id}; $x.Count"),
        _ => "Invoke-WebRequest -Uri https://updates.example/feed -UseBasicParsing".to_string(),
    }
}

/// Three chunks of 40 records; the tricky scripts are spread over them, the rest benign.
fn log(tricky: bool) -> Vec<u8> {
    let special: Vec<&str> = MATCHING.iter().chain(&NOT_MATCHING).copied().collect();
    let chunks: Vec<Vec<Rec>> = (0..3u64)
        .map(|c| {
            (1..=40u64)
                .map(|i| {
                    let id = c * 40 + i;
                    let script = match (tricky, id % 15) {
                        (true, 0) => special[(id / 15 - 1) as usize].to_string(),
                        _ => benign(id),
                    };
                    Rec {
                        id,
                        unix: 1_729_510_000 + id * 60,
                        computer: format!("ws{c}.corp.local"),
                        script,
                    }
                })
                .collect()
        })
        .collect();
    evtx_support::evtx(&chunks)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn rows(rs: &[HuntResult]) -> Vec<Vec<String>> {
    let r = rs.iter().find(|r| r.query.id == SB).unwrap();
    r.groups.iter().map(|g| g.key.clone()).collect()
}

/// (parsed, skipped) per finished file, read through the prefilter.
fn counts(paths: Vec<PathBuf>) -> Vec<(String, u64, u64)> {
    let queries = analytics::load_saved_queries(None).unwrap();
    let keep = pipeline::parity_prefilter(&queries).expect("the built-in queries have literals");
    let readers = ingest::spawn_filtered(paths, 2, keep, ingest::Limits::default());
    let mut done = Vec::new();
    let mut parsed = 0;
    for b in readers.rx {
        match b {
            Batch::Events(v) => parsed += v.len() as u64,
            Batch::FileDone {
                file,
                events,
                skipped,
            } => done.push((file, events, skipped)),
            Batch::Error(_) | Batch::Progress { .. } => {}
        }
    }
    assert_eq!(done.iter().map(|d| d.1).sum::<u64>(), parsed);
    done.sort();
    done
}

/// The one error of a run that read every input and rejected one record: records
/// rejected (exit 1), not an unreadable input (exit 3).
fn one_rejected(report: &ReadReport) -> &IngestError {
    assert_eq!(
        report.outcome,
        Outcome::RecordsRejected,
        "{:?}",
        report.errors
    );
    assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
    assert_eq!(report.rejected, 1);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    &report.errors[0]
}

#[test]
fn filtered_evtx_rows_equal_unfiltered_rows_and_most_records_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "ps.evtx", &log(true));
    let queries = analytics::load_saved_queries(None).unwrap();
    let opts = IngestOptions::default();

    let (filtered, report) =
        pipeline::hunt_files_report(&queries, vec![path.clone()], TimeRange::ALL, &opts);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.outcome, Outcome::Complete);
    let (unfiltered, errors) = pipeline::hunt_files_with(
        &queries,
        vec![path.clone()],
        TimeRange::ALL,
        &opts,
        ingest::keep_all(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(rows(&filtered), rows(&unfiltered));

    // Every matching spelling has its row, whole as logged; the others have none.
    let got = rows(&filtered);
    assert_eq!(got.len(), MATCHING.len(), "{got:#?}");
    for want in MATCHING {
        assert!(
            got.iter().any(|key| key[1] == want),
            "no row for {want:?}: {got:#?}"
        );
    }
    for tag in ["#dotted", "#near"] {
        assert!(!got.iter().any(|key| key[1].contains(tag)), "{tag}");
    }

    // Parsed: the six matching records and the dotted one, which holds both needles without
    // matching; all others skipped unparsed.
    let done = counts(vec![path.clone()]);
    assert_eq!(
        done,
        vec![(path.display().to_string(), 7, 113)],
        "(file, parsed, skipped)"
    );
}

#[test]
fn an_evtx_file_whose_records_were_all_skipped_was_read_and_one_bad_record_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = log(false);
    let mut bad = clean.clone();
    // Chunk 1's 6th record (ID 46): its magic zeroed, so the crate reports it lost.
    let sixth = evtx_support::record_offsets(&clean, 1)[5];
    bad[sixth..sixth + 4].fill(0);
    let clean_path = write(tmp.path(), "clean.evtx", &clean);
    let bad_path = write(tmp.path(), "bad.evtx", &bad);
    let queries = analytics::load_saved_queries(None).unwrap();
    let opts = IngestOptions::default();

    let (results, report) = pipeline::hunt_files_report(
        &queries,
        vec![clean_path.clone(), bad_path.clone()],
        TimeRange::ALL,
        &opts,
    );
    assert!(rows(&results).is_empty());
    // Nothing parsed from either file, yet both were read: the bad one lost one record.
    let error = one_rejected(&report);
    assert_eq!(error.file, bad_path.display().to_string());
    assert!(
        error.reason.contains("1 lost (record 46)"),
        "{}",
        error.reason
    );
    assert_eq!(
        counts(vec![clean_path.clone(), bad_path.clone()]),
        vec![
            (bad_path.display().to_string(), 0, 119),
            (clean_path.display().to_string(), 0, 120),
        ]
    );
}

#[test]
fn an_ndjson_file_with_one_bad_line_among_skipped_ones_is_rejected_not_unreadable() {
    // The readers once counted skipped records for the whole run, not per file: a file whose
    // only parsed line was a bad one read as unreadable (exit 3) though every other line
    // was read.
    let tmp = tempfile::tempdir().unwrap();
    let line = |id: u64| {
        format!(
            r##"{{"Event":{{"System":{{"EventID":4104,"EventRecordID":{id},"Computer":"ws1","TimeCreated":{{"#attributes":{{"SystemTime":"2024-10-21T10:00:00Z"}}}}}},"EventData":{{"ScriptBlockText":"Get-Date"}}}}}}"##
        )
    };
    let mut text: Vec<String> = (1..=50).map(line).collect();
    text.insert(20, r#"{"Event":{"System":{"EventID":4104"#.to_string());
    let path = write(
        tmp.path(),
        "noise.jsonl",
        (text.join("\n") + "\n").as_bytes(),
    );
    let queries = analytics::load_saved_queries(None).unwrap();
    let (_, report) = pipeline::hunt_files_report(
        &queries,
        vec![path.clone()],
        TimeRange::ALL,
        &IngestOptions::default(),
    );
    assert_eq!(one_rejected(&report).position, "line 21");
    assert_eq!(
        counts(vec![path.clone()]),
        vec![(path.display().to_string(), 0, 50)]
    );
}
