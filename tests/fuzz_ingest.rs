//! Fuzzing the readers on stable Rust: seed records in every rendering (written by
//! `fuzz_support::seeds`), mutated and spliced, and plain arbitrary bytes, through
//! `ingest::parse_bytes` (content detection, every JSON shape, XML, EvtxECmd CSV, UTF-16, gzip,
//! zip). Properties: no panic (a caught one is an "internal parser failure" error), never silence
//! for a non-blank input, the same answer twice, every event rendered inert in every format, and a
//! valid record among junk lines read exactly as it is alone. Bounded by case count with a fixed
//! seed; `HUNTBENCH_FUZZ_CASES=N` for a longer run.

mod fuzz_support;

use std::cell::Cell;

use fuzz_support::props::read;
use fuzz_support::seeds::{self, SCRIPT};
use fuzz_support::{config, mutated};
use huntbench::event::Event;
use huntbench::ingest::parse_bytes;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

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

/// Seeds changed by up to six mutations each. The run also checks the mutations reach both
/// paths: records still read, and damage reported.
#[test]
fn mutated_renderings() {
    let mut runner = TestRunner::new(config(384));
    let (kept, reported) = (Cell::new(0), Cell::new(0));
    runner
        .run(&mutated(seeds::ingest_seeds(), 6), |(name, bytes)| {
            let (events, errors) = read(&name, &bytes)?;
            kept.set(kept.get() + usize::from(!events.is_empty()));
            reported.set(reported.get() + usize::from(!errors.is_empty()));
            Ok(())
        })
        .unwrap();
    let cases = runner.config().cases as usize;
    assert!(
        kept.get() > cases / 10 && reported.get() > cases / 10,
        "kept {} reported {} of {cases}",
        kept.get(),
        reported.get()
    );
}

proptest! {
    #![proptest_config(config(384))]

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

/// Shapes random mutation rarely builds: deep nesting in each syntax, containers nested past
/// their limit, a BOM alone, a header alone. Each is read or reported, never a crash or silence.
#[test]
fn hostile_shapes_are_read_or_reported() {
    let deep = 100_000;
    let xml_open = seeds::xml_line(1, SCRIPT);
    let xml_open = &xml_open[..xml_open.find("<EventData>").unwrap()];
    let csv = seeds::text_renderings()
        .into_iter()
        .find(|(n, _)| n == "evtxecmd_csv")
        .unwrap()
        .1;
    let csv_header = &csv[..csv.iter().position(|&b| b == b'\n').unwrap() + 1];
    let mut nested_gz = seeds::xml_line(2, SCRIPT).into_bytes();
    for _ in 0..8 {
        nested_gz = seeds::gzip(&nested_gz);
    }
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        ("deep json object", "{\"Event\":".repeat(deep).into_bytes()),
        ("deep json array", "[".repeat(deep).into_bytes()),
        (
            "deep json line",
            format!("{}\n", "{\"a\":".repeat(deep) + &"}".repeat(deep)).into_bytes(),
        ),
        (
            "deep xml",
            format!("{xml_open}<EventData>{}", "<Data>".repeat(deep)).into_bytes(),
        ),
        (
            "deep xml closed",
            format!(
                "{xml_open}<EventData>{}{}</EventData></Event>\n",
                "<x>".repeat(deep),
                "</x>".repeat(deep)
            )
            .into_bytes(),
        ),
        ("gzip nested 8 deep", nested_gz),
        ("bom alone", b"\xEF\xBB\xBF".to_vec()),
        ("utf16 bom alone", b"\xFF\xFE".to_vec()),
        ("utf16 odd byte", b"\xFF\xFE<\0E".to_vec()),
        ("csv header alone", csv_header.to_vec()),
        (
            "csv wide row",
            [csv_header, ",".repeat(deep).as_bytes()].concat(),
        ),
        (
            "truncated gzip",
            seeds::gzip(SCRIPT.as_bytes())[..12].to_vec(),
        ),
        ("zip signature alone", b"PK\x03\x04".to_vec()),
        // libFuzzer's first "crash": the harness took the panic words quoted from the input
        // in a "not recognized" message for a caught panic. A panic's reason starts with them.
        (
            "quotes the panic words",
            b"RecordNumber internal parser failure,EventRecordId,Timex".to_vec(),
        ),
    ];
    for (name, bytes) in shapes {
        let (events, errors) = read(name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(errors.iter().all(|e| e.file == name), "{name}: {errors:?}");
        if name == "deep xml closed" {
            // Well-formed: its System part is the event; the nested elements are no Data.
            assert_eq!(events.len(), 1, "{name}");
            assert_eq!(
                (events[0].record_id, events[0].computer.as_str()),
                (Some(1), seeds::HOST)
            );
        } else {
            assert!(events.is_empty(), "{name}: {events:?}");
            assert!(!errors.is_empty(), "{name}");
        }
        if name == "gzip nested 8 deep" {
            assert!(errors[0].reason.contains("nested too deeply"), "{errors:?}");
        }
    }
}
