//! Damaged .evtx copies keep every record the damage does not touch (issue 10): a chunk whose
//! string table or header is garbage is read record by record, the intact records of a
//! truncated copy's last chunk are read, and each lost record is reported by chunk and ID.
//! The damaged copies are made at test time from a real log in ../shared/datasets.

mod cli_support;
mod datasets_support;
mod evtx_support;

use std::collections::BTreeMap;

use huntbench::event::Event;
use huntbench::ingest::{IngestError, parse_bytes, read_paths};
use serde_json::Value;

const LOG: &str = "background-omerbenamram-evtx/security.evtx";
const HEADER: usize = 4096;
const CHUNK: usize = 65536;

/// The intact log's bytes, or `None` (after the skip line) without the datasets.
fn intact(test: &str) -> Option<Vec<u8>> {
    let d = datasets_support::datasets(test)?;
    Some(std::fs::read(d.join(LOG)).unwrap())
}

/// Events by record ID, read as `security.evtx` (so `source` matches the intact copy's).
fn read(bytes: &[u8]) -> (BTreeMap<u64, Event>, Vec<IngestError>) {
    let (events, errors) = parse_bytes("security.evtx", bytes);
    let n = events.len();
    let by_id: BTreeMap<u64, Event> = events
        .into_iter()
        .map(|e| (e.record_id.unwrap(), e))
        .collect();
    assert_eq!(by_id.len(), n, "no record twice");
    (by_id, errors)
}

/// The chunk header's first and last record IDs of chunk `n`.
fn chunk_ids(bytes: &[u8], n: usize) -> (u64, u64) {
    let at = HEADER + n * CHUNK;
    let u64_at = |o: usize| u64::from_le_bytes(bytes[at + o..at + o + 8].try_into().unwrap());
    (u64_at(24), u64_at(32))
}

/// Offsets (in the file) of the records of chunk `n`, walked by size.
fn record_offsets(bytes: &[u8], n: usize) -> Vec<usize> {
    let at = HEADER + n * CHUNK;
    let free = u32::from_le_bytes(bytes[at + 48..at + 52].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut pos = at + 512;
    while pos < at + free {
        out.push(pos);
        pos += u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
    }
    out
}

/// The positions and reasons of `errors`, as `position: reason` lines, with ` [N records]`
/// where one error stands for several lost records.
fn lines(errors: &[IngestError]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            assert_eq!(e.file, "security.evtx");
            match e.records {
                1 => format!("{}: {}", e.position, e.reason),
                n => format!("{}: {} [{n} records]", e.position, e.reason),
            }
        })
        .collect()
}

/// Every record of `all` except `lost` is in `got`, identical (same Event as from the intact
/// file), and `got` holds nothing else.
fn assert_all_but(all: &BTreeMap<u64, Event>, got: &BTreeMap<u64, Event>, lost: &[u64]) {
    for (id, e) in all {
        if lost.contains(id) {
            assert!(!got.contains_key(id), "record {id} is lost, not made up");
        } else {
            assert_eq!(got.get(id), Some(e), "record {id} recovered as it was");
        }
    }
    assert_eq!(got.len(), all.len() - lost.len());
}

/// The file offset of chunk `n`'s header.
fn chunk_at(n: usize) -> usize {
    HEADER + n * CHUNK
}

/// The ID of the record at file offset `at`.
fn id_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap())
}

#[test]
fn a_garbage_string_table_loses_no_record() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, errors) = read(&orig);
    assert_eq!((all.len(), errors.len()), (2261, 0));
    // Chunk 3's common-string offsets point far past the chunk: the crate fails the whole
    // chunk ("Failed to build string cache"), 89 records.
    let mut bad = orig.clone();
    bad[chunk_at(3) + 128..chunk_at(3) + 384].fill(0xAB);
    let (got, errors) = read(&bad);
    assert_eq!(lines(&errors), Vec::<String>::new());
    assert_all_but(&all, &got, &[]);
}

#[test]
fn a_garbage_string_table_and_a_zeroed_record_lose_that_record_only() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    assert_eq!(chunk_ids(&orig, 3), (261, 349));
    let mut bad = orig.clone();
    bad[chunk_at(3) + 128..chunk_at(3) + 384].fill(0xAB);
    let at = record_offsets(&orig, 3)[10];
    assert_eq!(id_at(&orig, at), 271);
    bad[at..at + 4].fill(0);
    let (got, errors) = read(&bad);
    assert_eq!(
        lines(&errors),
        [
            "chunk 3 record 271: string table damaged; 88 records recovered one by one, 1 lost \
          (record 271)"
        ]
    );
    assert_all_but(&all, &got, &[271]);
}

#[test]
fn a_damaged_chunk_header_is_read_record_by_record() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    let (first, last) = chunk_ids(&orig, 4);
    assert_eq!((first, last), (350, 441));
    // Chunk 4's magic is garbage, and two neighbouring records in it are zeroed. Record 398
    // uses a template defined inside the zeroed bytes, so it cannot be rendered either (the
    // crate fails it the same way with the header intact: "empty BinXML slice").
    let mut bad = orig.clone();
    bad[chunk_at(4)..chunk_at(4) + 8].fill(0x55);
    let offsets = record_offsets(&orig, 4);
    bad[offsets[20]..offsets[22]].fill(0);
    let (got, errors) = read(&bad);
    assert_eq!(
        lines(&errors),
        [
            "chunk 4 record 370: chunk header damaged; 89 records recovered one by one, 3 lost \
             (records 370–371, 398) [3 records]",
        ]
    );
    assert_all_but(&all, &got, &[370, 371, 398]);
}

#[test]
fn a_zeroed_record_magic_names_the_record_lost() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    let at = record_offsets(&orig, 2)[10];
    assert_eq!(id_at(&orig, at), 188);
    let mut bad = orig.clone();
    bad[at..at + 4].fill(0);
    let (got, errors) = read(&bad);
    assert_eq!(
        lines(&errors),
        [format!(
            "chunk 2 record 188: the record at offset {:#x} is damaged (Invalid EVTX record \
             header magic, expected `2a2a0000`, found `[ 0,  0,  0,  0]`): 1 lost (record 188), \
             the chunk's other records are read",
            at - chunk_at(2)
        )]
    );
    assert_all_but(&all, &got, &[188]);
}

/// The records of chunk `n` that end within `into` bytes of it, and the ones that do not.
fn split_at_cut(orig: &[u8], n: usize, into: usize) -> (Vec<u64>, Vec<u64>) {
    let (whole, cut): (Vec<usize>, Vec<usize>) =
        record_offsets(orig, n).into_iter().partition(|&at| {
            let size = u32::from_le_bytes(orig[at + 4..at + 8].try_into().unwrap()) as usize;
            at + size <= chunk_at(n) + into
        });
    let ids = |v: Vec<usize>| v.into_iter().map(|at| id_at(orig, at)).collect::<Vec<_>>();
    (ids(whole), ids(cut))
}

#[test]
fn a_truncated_copy_keeps_the_whole_records_of_its_last_chunk() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    let into = 30_000;
    let (whole, cut) = split_at_cut(&orig, 5, into);
    assert_eq!((whole.len(), cut.len()), (36, 53));
    assert_eq!((cut[0], *cut.last().unwrap()), (478, 530));
    let bad = &orig[..chunk_at(5) + into];
    let (got, errors) = read(bad);
    let expected = vec![format!(
        "chunk 5 record 478: truncated at byte {}, 30000 bytes into the chunk; 36 records \
         recovered, 53 cut off (records 478–530) [53 records]",
        chunk_at(5) + into
    )];
    assert_eq!(lines(&errors), expected);
    // Everything before the cut, and nothing after it.
    let before: BTreeMap<u64, Event> = all.range(..478).map(|(k, v)| (*k, v.clone())).collect();
    assert_eq!(got, before);
}

#[test]
fn a_copy_cut_inside_a_chunk_header_says_the_chunk_is_lost() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    let bad = &orig[..chunk_at(5) + 100];
    let (got, errors) = read(bad);
    assert_eq!(
        lines(&errors),
        [format!(
            "chunk 5: truncated at byte {}, 100 bytes into the chunk; 0 records recovered; the \
             records the damage covers cannot be named or counted",
            chunk_at(5) + 100
        )]
    );
    let before: BTreeMap<u64, Event> = all.range(..442).map(|(k, v)| (*k, v.clone())).collect();
    assert_eq!(got, before);
}

#[test]
fn ingest_counts_lost_records_as_rejected_and_recovered_ones_as_events() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    // Chunk 3's string table is garbage with one record zeroed, and the copy ends 30,000
    // bytes into chunk 5: the file as read from disk, through the command a user runs.
    let mut bad = orig[..chunk_at(5) + 30_000].to_vec();
    bad[chunk_at(3) + 128..chunk_at(3) + 384].fill(0xAB);
    let at = record_offsets(&orig, 3)[10];
    bad[at..at + 4].fill(0);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("damaged.evtx");
    std::fs::write(&file, &bad).unwrap();

    let (events, errors) = read_paths(std::slice::from_ref(&file));
    assert_eq!(events.len(), 477 - 1);
    // One report per damage, counting the records it lost.
    assert_eq!(errors.len(), 2);
    assert_eq!(errors.iter().map(|e| e.records).sum::<u64>(), 1 + 53);

    let index = tmp.path().join("ix");
    let (code, out, _) = cli_support::run(
        tmp.path(),
        &[
            "ingest",
            "--index",
            index.to_str().unwrap(),
            "--format",
            "json",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "records rejected");
    let summary: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(summary["outcome"], "records_rejected");
    assert_eq!(summary["rejected"], 54);
    assert_eq!(summary["events_read"], 476);
    let name = file.display().to_string();
    let errors = summary["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|e| e["file"].as_str() == Some(name.as_str()))
    );
    let at = |pos: &str| {
        errors
            .iter()
            .find(|e| e["position"] == pos)
            .map(|e| e["reason"].as_str().unwrap().to_string())
    };
    assert_eq!(
        at("chunk 3 record 271").as_deref(),
        Some("string table damaged; 88 records recovered one by one, 1 lost (record 271)")
    );
    assert!(
        at("chunk 5 record 478")
            .unwrap()
            .contains("53 cut off (records 478–530)")
    );
    let records =
        |pos: &str| errors.iter().find(|e| e["position"] == pos).unwrap()["records"].clone();
    assert_eq!(
        (records("chunk 3 record 271"), records("chunk 5 record 478")),
        (1.into(), 53.into())
    );
    // The text summary shows both damages, one line each: the 53 records cut off are one
    // report, so they cannot push chunk 3's out of the list.
    let again = tmp.path().join("ix2");
    let (code, out, _) = cli_support::run(
        tmp.path(),
        &[
            "ingest",
            "--index",
            again.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1);
    let text = String::from_utf8(out).unwrap();
    let listed: Vec<&str> = text.lines().filter(|l| l.contains(name.as_str())).collect();
    assert_eq!(listed.len(), 2, "{text}");
    assert!(
        listed
            .iter()
            .any(|l| l.contains("chunk 3 record 271: string table damaged")),
        "{text}"
    );
    assert!(
        listed
            .iter()
            .any(|l| l.contains("chunk 5 record 478: truncated")),
        "{text}"
    );
    assert!(text.contains("rejected records    54"), "{text}");
}

#[test]
fn a_zeroed_last_record_of_a_chunk_is_named_lost_not_dropped_silently() {
    let Some(orig) = intact(module_path!()) else {
        return;
    };
    let (all, _) = read(&orig);
    // The crate takes a zeroed magic with no record after it for the chunk's free space and
    // says nothing. The last record of chunk 2, and of the last chunk holding records (the
    // file's other chunks are empty), read last.
    let chunks = (orig.len() - HEADER) / CHUNK;
    let last = (0..chunks)
        .rev()
        .find(|&n| !record_offsets(&orig, n).is_empty())
        .unwrap();
    let mut bad = orig.clone();
    let mut expected = Vec::new();
    let mut lost = Vec::new();
    for n in [2, last] {
        let at = *record_offsets(&orig, n).last().unwrap();
        let id = id_at(&orig, at);
        assert_eq!(id, chunk_ids(&orig, n).1);
        bad[at..at + 4].fill(0);
        lost.push(id);
        expected.push(format!(
            "chunk {n} record {id}: the record at offset {:#x} is damaged (its header magic is \
             zeroed): 1 lost (record {id}), the chunk's other records are read",
            at - chunk_at(n)
        ));
    }
    assert_eq!(lost, [260, 2261]);
    let (got, errors) = read(&bad);
    assert_eq!(lines(&errors), expected);
    assert_all_but(&all, &got, &lost);
}

/// Three chunks of 40 generated 4104 records each (IDs 1 to 120).
fn synthesized() -> Vec<u8> {
    let chunks = evtx_support::numbered(3, 40, |c, id| evtx_support::Rec {
        id,
        unix: 1_729_510_000 + id * 60,
        computer: format!("ws{c}.corp.local"),
        script: format!("Invoke-Command -ComputerName srv{id} {{ whoami }}\r\n✓"),
    });
    evtx_support::evtx(&chunks)
}

#[test]
fn a_generated_log_damaged_four_ways_keeps_every_untouched_record() {
    // Runs without ../shared: the log is written by the test.
    let orig = synthesized();
    let (all, errors) = read(&orig);
    assert_eq!((all.len(), errors.len()), (120, 0));
    assert_eq!(
        all[&7].script_block_text.as_deref(),
        Some("Invoke-Command -ComputerName srv7 { whoami }\r\n✓")
    );
    let mut bad = orig.clone();
    // Chunk 0: its last record's magic zeroed (the crate would drop it without a word).
    let last0 = *evtx_support::record_offsets(&orig, 0).last().unwrap();
    bad[last0..last0 + 4].fill(0);
    // Chunk 1: a garbage string table, and its 6th record's magic zeroed.
    bad[chunk_at(1) + 128..chunk_at(1) + 384].fill(0xAB);
    let sixth = evtx_support::record_offsets(&orig, 1)[5];
    bad[sixth..sixth + 4].fill(0);
    // Chunk 2: the copy ends in the middle of its 21st record.
    let cut_at = evtx_support::record_offsets(&orig, 2)[20] + 100;
    bad.truncate(cut_at);
    let (got, errors) = read(&bad);
    let mut expected = vec![format!(
        "chunk 2 record 101: truncated at byte {cut_at}, {} bytes into the chunk; 20 records \
         recovered, 20 cut off (records 101–120) [20 records]",
        cut_at - chunk_at(2)
    )];
    expected.push(
        "chunk 1 record 46: string table damaged; 39 records recovered one by one, 1 lost \
         (record 46)"
            .into(),
    );
    expected.push(format!(
        "chunk 0 record 40: the record at offset {:#x} is damaged (its header magic is \
         zeroed): 1 lost (record 40), the chunk's other records are read",
        last0 - chunk_at(0)
    ));
    assert_eq!(lines(&errors), expected);
    let lost: Vec<u64> = [40, 46].into_iter().chain(101..=120).collect();
    assert_all_but(&all, &got, &lost);
}

#[test]
fn a_generated_log_with_a_garbage_chunk_header_loses_nothing() {
    let orig = synthesized();
    let (all, _) = read(&orig);
    let mut bad = orig.clone();
    bad[chunk_at(1)..chunk_at(1) + 64].fill(0x55);
    let (got, errors) = read(&bad);
    assert_eq!(lines(&errors), Vec::<String>::new());
    assert_all_but(&all, &got, &[]);
}

#[test]
fn stale_records_in_a_damaged_chunks_free_space_are_not_read() {
    // A chunk the log wrapped over keeps records of its previous pass after its free space.
    // The crate never reads them from an intact chunk; read record by record, they must stay
    // out too (their names point to where they were first written, so they would render
    // wrong). Here record 5 of chunk 0 is copied after chunk 1's last record.
    let orig = synthesized();
    let (all, _) = read(&orig);
    let fifth = evtx_support::record_offsets(&orig, 0)[4];
    let size = u32::from_le_bytes(orig[fifth + 4..fifth + 8].try_into().unwrap()) as usize;
    let free = u32::from_le_bytes(orig[chunk_at(1) + 48..chunk_at(1) + 52].try_into().unwrap());
    let stale_at = chunk_at(1) + free as usize + 64;
    let mut wrapped = orig.clone();
    wrapped.copy_within(fifth..fifth + size, stale_at);
    assert_eq!(id_at(&wrapped, stale_at), 5);
    let (got, errors) = read(&wrapped);
    assert_eq!(
        (got.len(), errors.len()),
        (120, 0),
        "intact: the crate skips it"
    );
    for (what, at, len) in [("string table", 128, 256), ("header", 0, 64)] {
        let mut bad = wrapped.clone();
        bad[chunk_at(1) + at..chunk_at(1) + at + len].fill(0x55);
        let (got, errors) = read(&bad);
        assert_eq!(lines(&errors), Vec::<String>::new(), "{what}");
        assert_all_but(&all, &got, &[]);
    }
}

#[test]
fn free_chunks_between_and_after_the_records_change_nothing() {
    // A log Windows preallocated: chunks of zeros after the last one with records (most of
    // the sample logs of BENCHMARKS.md), and here one between them too (chunk 1 wiped).
    // `open` hides the trailing ones from the crate; the records and reports must not move.
    let orig = synthesized();
    let (all, _) = read(&orig);
    let mut free = orig.clone();
    free[chunk_at(1)..chunk_at(2)].fill(0);
    free.resize(orig.len() + 5 * CHUNK, 0);
    let (got, errors) = read(&free);
    assert_eq!(lines(&errors), Vec::<String>::new());
    assert_all_but(&all, &got, &(41..=80).collect::<Vec<u64>>());

    // Free chunks, then a copy cut inside a last chunk that holds records (the copy of a log
    // whose free space was written over): the cut chunk is read past the free ones.
    let more = evtx_support::numbered(4, 40, |c, id| evtx_support::Rec {
        id,
        unix: 1_729_510_000 + id,
        computer: "ws.corp.local".into(),
        script: format!("Get-Date # {c}.{id}"),
    });
    let four = evtx_support::evtx(&more);
    let (every, _) = read(&four);
    let cut_into = evtx_support::record_offsets(&four, 3)[10] + 30 - chunk_at(3);
    let mut spliced = four[..chunk_at(3)].to_vec();
    spliced.resize(chunk_at(6), 0);
    spliced.extend_from_slice(&four[chunk_at(3)..chunk_at(3) + cut_into]);
    let (got, errors) = read(&spliced);
    assert_eq!(
        lines(&errors),
        [format!(
            "chunk 6 record 131: truncated at byte {}, {cut_into} bytes into the chunk; 10 \
             records recovered, 30 cut off (records 131–160) [30 records]",
            spliced.len()
        )]
    );
    assert_all_but(&every, &got, &(131..=160).collect::<Vec<u64>>());
}
