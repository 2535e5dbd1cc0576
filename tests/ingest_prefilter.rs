//! The raw-record prefilter of the one-pass scan (`hunt --input`): over a generated corpus
//! with hand-made tricky records (Kelvin sign, `\u002d` / `&#45;` escapes, mixed case, CRLF,
//! `<Event>` elements spanning lines), the filtered rows equal the unfiltered rows and the
//! index's rows, and most records are skipped unparsed.

use std::io::Write;
use std::path::{Path, PathBuf};

use huntbench::analytics::{self, HuntResult};
use huntbench::demo::{self, DemoOptions};
use huntbench::event::Event;
use huntbench::index::Index;
use huntbench::ingest::{self, Batch};
use huntbench::pipeline::{self, IngestOptions};
use huntbench::time::TimeRange;
use huntbench::workbench::Workbench;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

/// Placeholders the files spell as escapes: JSON `\u002d` / XML `&#45;` (a dash), and
/// JSON `\u004E` / XML `&#x4e;` (an `N`).
const DASH: char = '\u{E000}';
const CAP_N: char = '\u{E001}';

/// Variants of a matching text, each tagged so its row can be found.
fn variants(text: &str) -> Vec<(&'static str, String)> {
    let t = |from: &str, to: &str, tag: &str| format!("{} #{tag}", text.replace(from, to));
    vec![
        (
            "kelvin",
            t("Invoke-Command", "Invo\u{212A}e-Command", "kelvin"),
        ),
        ("mixed", t("Invoke-Command", "iNVOKE-cOMMAND", "mixed")),
        (
            "dotted-i",
            t("Invoke-Command", "\u{130}nvoke-Command", "dotted"),
        ),
        ("crlf", format!("{text}\r\n# crlf\r\n")),
        (
            "escaped",
            t("Invoke-Command", &format!("Invoke{DASH}Command"), "escaped")
                .replace("-ComputerName", &format!("{DASH}Computer{CAP_N}ame")),
        ),
        ("near-miss", t("-ComputerName", "-Computer", "near")),
    ]
}

/// The generated corpus plus tricky copies of its matching events (fresh record ids).
fn corpus() -> Vec<Event> {
    let mut events = demo::generate(&DemoOptions {
        seed: 11,
        events: 9_000,
    });
    let mut next_id = 50_000_000u64;
    let mut extra = Vec::new();
    for e in &events {
        let text = e.script_block_text.as_deref().or(e.process.as_deref());
        let Some(text) = text.filter(|t| t.contains("Invoke-Command -ComputerName")) else {
            continue;
        };
        for (_, v) in variants(text) {
            let mut c = e.clone();
            if c.script_block_text.is_some() {
                c.script_block_text = Some(v);
            } else {
                // Writers write the raw EventData; the reader maps CommandLine to `process`.
                c.data.insert("CommandLine".into(), v.clone());
                c.process = Some(v);
            }
            c.decoded_command = None;
            c.record_id = Some(next_id);
            c.time += 1;
            next_id += 1;
            extra.push(c);
        }
    }
    assert!(extra.len() >= 12, "the story has matching events");
    events.extend(extra);
    events
}

fn spell_escapes(text: &str, json: bool) -> String {
    let (dash, k) = if json {
        ("\\u002d", "\\u004E")
    } else {
        ("&#45;", "&#x4e;")
    };
    text.replace(DASH, dash).replace(CAP_N, k)
}

/// Even events → NDJSON with CRLF line ends; odd → XML lines, every third of them spread
/// over several lines.
fn write_files(dir: &Path, events: &[Event]) -> Vec<PathBuf> {
    let mut json = Vec::new();
    let mut xml = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if i % 2 == 0 {
            let mut line = Vec::new();
            demo::write_ndjson_evtx_dump([e], &mut line).unwrap();
            let line = String::from_utf8(line).unwrap();
            json.push(spell_escapes(line.trim_end(), true));
        } else {
            let mut line = Vec::new();
            demo::write_xml_lines([e], &mut line).unwrap();
            let mut line = spell_escapes(String::from_utf8(line).unwrap().trim_end(), false);
            if i % 3 == 0 {
                line = line.replace("><", ">\r\n  <");
            }
            xml.push(line);
        }
    }
    let paths = vec![dir.join("c.jsonl"), dir.join("c.log")];
    let mut f = std::fs::File::create(&paths[0]).unwrap();
    f.write_all((json.join("\r\n") + "\r\n").as_bytes())
        .unwrap();
    std::fs::write(&paths[1], xml.join("\n") + "\n").unwrap();
    paths
}

fn result<'a>(rs: &'a [HuntResult], id: &str) -> &'a HuntResult {
    rs.iter().find(|r| r.query.id == id).unwrap()
}

#[test]
fn filtered_one_pass_rows_equal_unfiltered_and_index_rows() {
    let events = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let paths = write_files(tmp.path(), &events);
    let queries = analytics::load_saved_queries(None).unwrap();
    let opts = IngestOptions::default();

    let (filtered, errors) = pipeline::hunt_files(&queries, paths.clone(), TimeRange::ALL, &opts);
    assert!(errors.is_empty(), "{errors:?}");
    let (unfiltered, errors) = pipeline::hunt_files_with(
        &queries,
        paths.clone(),
        TimeRange::ALL,
        &opts,
        ingest::keep_all(),
    );
    assert!(errors.is_empty(), "{errors:?}");

    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    let summary =
        pipeline::ingest(&index, &queries, paths, &opts, &mut |_| {}, &mut |_| {}).unwrap();
    assert_eq!(summary.events_read, events.len() as u64);
    let wb = Workbench::from_parts(index, queries.clone(), tmp.path().join("x.toml"));
    let indexed = wb
        .hunt(&[SB.into(), PROC.into()], TimeRange::ALL, false)
        .unwrap();

    for id in [SB, PROC] {
        let want = &result(&indexed, id).groups;
        assert_eq!(&result(&unfiltered, id).groups, want, "unfiltered {id}");
        assert_eq!(&result(&filtered, id).groups, want, "filtered {id}");
        // The tricky spellings that match are in the rows; the ones that cannot are not.
        let text_col = if id == SB { 1 } else { 4 };
        let has = |tag: &str| want.iter().any(|g| g.key[text_col].contains(tag));
        // The CRLF is kept as logged (SEMANTICS.md §3).
        for tag in ["#kelvin", "#mixed", "#escaped", "# crlf\r\n"] {
            assert!(has(tag), "{id}: no row for {tag}");
        }
        assert!(!has("#dotted") && !has("#near"), "{id}");
        assert!(
            want.iter()
                .any(|g| g.key[text_col].contains("Invoke-Command -ComputerName")
                    && g.key[text_col].contains("#escaped")),
            "{id}: escapes decoded"
        );
    }
}

#[test]
fn the_prefilter_skips_most_records_and_counts_them() {
    let events = corpus();
    let tmp = tempfile::tempdir().unwrap();
    let paths = write_files(tmp.path(), &events);
    let queries = analytics::load_saved_queries(None).unwrap();
    let keep = pipeline::parity_prefilter(&queries).expect("the built-in queries have literals");
    let readers = ingest::spawn_filtered(paths, 2, keep, ingest::Limits::default());
    let (mut parsed, mut skipped, mut done) = (0u64, 0u64, 0u64);
    for b in readers.rx {
        match b {
            Batch::Events(v) => parsed += v.len() as u64,
            Batch::FileDone {
                events, skipped: s, ..
            } => {
                done += events;
                skipped += s;
            }
            Batch::Error(e) => panic!("{e}"),
            Batch::Progress { .. } => {}
        }
    }
    assert_eq!(parsed + skipped, events.len() as u64);
    assert_eq!(done, parsed, "FileDone counts parsed events");
    assert!(
        skipped * 5 > events.len() as u64 * 4,
        "{skipped} of {}",
        events.len()
    );
    // At least the matching story events and their tricky copies were parsed.
    assert!(parsed >= 8);
}

#[test]
fn a_truncated_line_is_still_reported_when_filtered() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("t.jsonl");
    std::fs::write(
        &p,
        "{\"Event\":{\"System\":{\"EventID\":1}}}\n{\"Event\":{\"Sys\n",
    )
    .unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    let (rows, errors) =
        pipeline::hunt_files(&queries, vec![p], TimeRange::ALL, &Default::default());
    assert!(rows.iter().all(|r| r.groups.is_empty()));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].position, "line 2");
}
