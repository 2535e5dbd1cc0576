//! Fuzzing the readers on stable Rust: seed records in every rendering (written by
//! `fuzz_support::seeds`), mutated and spliced, and plain arbitrary bytes, through
//! `ingest::parse_bytes` (content detection, every JSON shape, XML, EvtxECmd CSV, UTF-16, gzip,
//! zip). Properties: no panic (a caught one is an "internal parser failure" error), never silence
//! for a non-blank input, the same answer twice, every event rendered inert in every format, and a
//! valid record among junk lines read exactly as it is alone. Bounded by case count with a fixed
//! seed; `HUNTBENCH_FUZZ_CASES=N` for a longer run.

mod fuzz_support;

use fuzz_support::seeds::{self, SCRIPT};
use fuzz_support::{config, inert, mutated};
use huntbench::event::Event;
use huntbench::ingest::{IngestError, parse_bytes};
use huntbench::output::{Column, CsvMode, Fit, Layout, Table, csv_text, to_json_compact};
use huntbench::sanitize::inert_text;
use proptest::prelude::*;

/// Everything a reader may say about one input that the properties check.
fn read(name: &str, bytes: &[u8]) -> Result<(Vec<Event>, Vec<IngestError>), TestCaseError> {
    let (events, errors) = parse_bytes(name, bytes);
    if let Some(p) = errors
        .iter()
        .find(|e| e.reason.contains("internal parser failure"))
    {
        return Err(TestCaseError::fail(format!("a reader panicked: {p}")));
    }
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        prop_assert!(
            !events.is_empty() || !errors.is_empty(),
            "a non-blank input gave neither an event nor an error"
        );
    }
    let again = parse_bytes(name, bytes);
    prop_assert_eq!(
        &(events.clone(), errors.clone()),
        &again,
        "two reads differ"
    );
    for e in &events {
        rendered_inert(e).map_err(TestCaseError::fail)?;
    }
    Ok((events, errors))
}

/// The attacker-controlled fields of an event as the CLI shows them (table in both layouts,
/// CSV in its safe mode, JSON, the TUI's text view) hold no control or bidi character but the
/// layout's own line ends.
fn rendered_inert(e: &Event) -> Result<(), String> {
    let summary = huntbench::analytics::event_summary(e);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        e.computer.clone(),
        e.channel.clone(),
        e.provider.clone(),
        opt(&e.user),
        opt(&e.user_id),
        opt(&e.process_name),
        opt(&e.decoded_command),
        summary.to_string(),
    ];
    let names = [
        "computer", "channel", "provider", "user", "user_id", "name", "decoded", "text",
    ];
    let mut table = Table::new(names.iter().map(|n| Column::new(n, Fit::Text)).collect());
    table.push(cells.iter());
    for (width, layout) in [
        (200, Layout::Auto),
        (60, Layout::Auto),
        (80, Layout::Expanded),
    ] {
        inert(&table.render(width, layout), &['\n'])?;
    }
    let csv = csv_text(&names, [cells.iter()], CsvMode::Safe).map_err(|x| x.to_string())?;
    inert(&csv, &['\r', '\n'])?;
    if csv.replace("\r\n", "").contains(['\r', '\n']) {
        return Err(format!("a CSV record spans lines: {csv:?}"));
    }
    inert(&to_json_compact(e).map_err(|x| x.to_string())?, &[])?;
    inert(&inert_text(&summary), &['\n'])
}

/// An event without where it was read from (`source` names the position, which junk moves).
fn placeless(mut e: Event) -> Event {
    e.source = String::new();
    e
}

#[test]
fn every_seed_reads_cleanly() {
    for (name, bytes) in seeds::ingest_seeds() {
        let (events, errors) = parse_bytes(&name, &bytes);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(!events.is_empty(), "{name}: no event");
        let sb = events.iter().find(|e| e.event_code == 4104);
        if let Some(sb) = sb {
            assert_eq!(sb.script_block_text.as_deref(), Some(SCRIPT), "{name}");
            assert_eq!(sb.computer, seeds::HOST, "{name}");
        }
    }
}

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn mutated_renderings((name, bytes) in mutated(seeds::ingest_seeds(), 6)) {
        read(&name, &bytes)?;
    }

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read("bytes", &bytes)?;
    }

    /// A valid record first (it decides the format), then junk lines, then a second valid record:
    /// both come out exactly as they do alone, and the junk is reported, not dropped silently.
    /// Junk holds any byte but the ones that open a record (`<`, `{`, `[`) or end a line: a
    /// record opened by junk may rightly run on into the next line.
    #[test]
    fn record_among_junk_is_kept(
        kind in 0usize..2,
        junk in proptest::collection::vec(
            proptest::collection::vec(
                any::<u8>().prop_filter("opens a record or ends a line", |b| !b"<{[\n".contains(b)),
                1..80),
            1..5),
    ) {
        let line = |rec: u64| match kind {
            0 => seeds::xml_line(rec, SCRIPT),
            _ => seeds::evtx_dump_line(rec),
        };
        let (first, second) = (line(101), line(102));
        let alone: Vec<Event> = [&first, &second]
            .iter()
            .flat_map(|l| parse_bytes("alone", l.as_bytes()).0)
            .map(placeless)
            .collect();
        prop_assert_eq!(alone.len(), 2);
        let mut input = first.clone().into_bytes();
        for (i, j) in junk.iter().enumerate() {
            input.push(b'\n');
            input.extend_from_slice(j);
            if i == 0 {
                input.push(b'\n');
                input.extend_from_slice(second.as_bytes());
            }
        }
        let (events, errors) = read("junk", &input)?;
        let events: Vec<Event> = events.into_iter().map(placeless).collect();
        prop_assert_eq!(&events, &alone);
        let blank = junk.iter().all(|j| j.iter().all(u8::is_ascii_whitespace));
        if kind == 1 && !blank {
            prop_assert!(!errors.is_empty(), "junk lines read without a word");
        }
    }
}
