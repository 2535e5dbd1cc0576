//! The outcome of reading inputs, from what the readers report: which inputs gave no event,
//! how many records were rejected inside the others, and the exit status that follows.

use std::path::PathBuf;

use huntbench::ingest::IngestError;
use huntbench::pipeline::{Outcome, Tally};

fn err(file: &str, position: &str, reason: &str) -> IngestError {
    IngestError {
        file: file.into(),
        position: position.into(),
        reason: reason.into(),
        records: 1,
    }
}

#[test]
fn everything_read_is_complete_and_exits_0() {
    let mut t = Tally::default();
    t.file_done("a.evtx".into(), 10, 0);
    t.file_done("b.jsonl".into(), 1, 0);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::Complete);
    assert_eq!((r.rejected, r.unreadable.len(), r.errors.len()), (0, 0, 0));
    assert_eq!(Outcome::Complete.exit_code(), 0);
}

#[test]
fn records_rejected_inside_good_files_and_zip_members_exit_1() {
    let mut t = Tally::default();
    t.error(err("b.jsonl", "line 3", "truncated"));
    t.file_done("b.jsonl".into(), 49, 0);
    // A bad member of an archive whose other members were read is a rejected record too.
    t.error(err("case.zip!host2/bad.evtx", "record 7", "bad checksum"));
    t.file_done("case.zip".into(), 500, 0);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::RecordsRejected);
    assert_eq!(r.rejected, 2);
    assert!(r.unreadable.is_empty());
    assert_eq!(r.outcome.exit_code(), 1);
}

#[test]
fn an_input_with_no_event_exits_3_and_gets_an_entry_if_none_was_reported() {
    let mut t = Tally::default();
    t.file_done("good.jsonl".into(), 5, 0);
    // Recognized by no reader: reported, and the reason is kept as it is.
    t.error(err("notes.txt", "byte 0", "not a recognized event log"));
    t.file_done("notes.txt".into(), 0, 0);
    // Read without complaint but nothing in it: an entry is added.
    t.file_done("empty.log".into(), 0, 0);
    // Never became a file to read.
    t.error(err("missing.evtx", "path", "cannot open"));
    // Every record of a file broken: that file gave nothing, its errors are not "rejected
    // records inside a good file".
    t.error(err("all-bad.jsonl", "line 1", "not JSON"));
    t.error(err("all-bad.jsonl", "line 2", "not JSON"));
    t.file_done("all-bad.jsonl".into(), 0, 0);
    t.error(err("good.jsonl", "line 9", "truncated"));
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::InputUnreadable);
    assert_eq!(r.outcome.exit_code(), 3);
    let mut unreadable = r.unreadable.clone();
    unreadable.sort();
    assert_eq!(
        unreadable,
        vec!["all-bad.jsonl", "empty.log", "missing.evtx", "notes.txt"]
    );
    assert_eq!(r.rejected, 1, "only good.jsonl's line 9");
    let added: Vec<&IngestError> = r.errors.iter().filter(|e| e.file == "empty.log").collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].position, "file");
    assert!(
        added[0].reason.contains("no event could be read"),
        "{:?}",
        added[0]
    );
    // Reported files get no second entry.
    assert_eq!(r.errors.iter().filter(|e| e.file == "notes.txt").count(), 1);
    assert_eq!(r.errors.len(), 6, "five reported, one added");
}

#[test]
fn a_prefiltered_file_with_no_parsed_event_is_not_unreadable_by_itself() {
    // `hunt --input` skips records no analytic can match without parsing them; the readers
    // count them per file, so such a file was read even with no event parsed.
    let mut t = Tally::default();
    t.file_done("noise.jsonl".into(), 0, 1000);
    t.file_done("hits.jsonl".into(), 3, 0);
    assert_eq!(t.finish().outcome, Outcome::Complete);
    // One bad record among skipped ones: the file was read, that record was rejected.
    let mut t = Tally::default();
    t.error(err("noise.evtx", "record 7", "the record did not render"));
    t.file_done("noise.evtx".into(), 0, 1000);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::RecordsRejected);
    assert!(r.unreadable.is_empty(), "{:?}", r.unreadable);
    // A file that held nothing, beside one whose records were all skipped, is still silent.
    let mut t = Tally::default();
    t.file_done("noise.jsonl".into(), 0, 1000);
    t.file_done("empty.jsonl".into(), 0, 0);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::InputUnreadable);
    assert_eq!(r.unreadable, vec!["empty.jsonl"]);
    // A problem reported for a file with no record read still makes it unreadable.
    let mut t = Tally::default();
    t.error(err("notes.txt", "byte 0", "not a recognized event log"));
    t.file_done("notes.txt".into(), 0, 0);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::InputUnreadable);
    assert_eq!(r.unreadable, vec!["notes.txt"]);
}

#[test]
fn the_outcome_serializes_as_the_summary_shows_it() {
    let names: Vec<String> = [
        Outcome::Complete,
        Outcome::RecordsRejected,
        Outcome::InputUnreadable,
    ]
    .iter()
    .map(|o| serde_json::to_string(o).unwrap())
    .collect();
    assert_eq!(
        names,
        vec![
            "\"complete\"",
            "\"records_rejected\"",
            "\"input_unreadable\""
        ]
    );
}

#[test]
fn a_folder_that_yields_no_file_is_an_unreadable_input() {
    let inputs = vec![PathBuf::from("case/host1"), PathBuf::from("case/empty/")];
    let mut t = Tally::with_inputs(&inputs);
    t.file_done("case/host1/Security.evtx".into(), 10, 0);
    t.error(err("case/host1/logs.zip!a.evtx", "record 2", "bad record"));
    t.file_done("case/host1/logs.zip".into(), 5, 0);
    let r = t.finish();
    assert_eq!(r.outcome, Outcome::InputUnreadable);
    assert_eq!(r.unreadable, vec!["case/empty/"]);
    assert_eq!(r.rejected, 1);
    let e = r.errors.last().unwrap();
    assert_eq!(
        (e.file.as_str(), e.position.as_str()),
        ("case/empty/", "path")
    );
    // A folder whose files were all heard from is no problem of its own.
    let mut t = Tally::with_inputs(&inputs[..1]);
    t.file_done("case/host1/Security.evtx".into(), 10, 0);
    assert_eq!(t.finish().outcome, Outcome::Complete);
}
