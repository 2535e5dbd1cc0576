//! The EVTX wrapper. An input that starts with `ElfFile\0` is read as it is (seed the corpus
//! with real .evtx files to mutate them); any other input is put behind a valid file header
//! and a chunk signature, so it reaches the chunk and record parsers rather than the format
//! detection's "not a log".
#![no_main]

use huntbench::ingest::parse_bytes;
use libfuzzer_sys::fuzz_target;

fn header() -> Vec<u8> {
    let mut h = vec![0u8; 4096];
    h[..8].copy_from_slice(b"ElfFile\0");
    h[24..32].copy_from_slice(&1u64.to_le_bytes()); // next record id
    h[32..36].copy_from_slice(&128u32.to_le_bytes()); // header size
    h[36..38].copy_from_slice(&1u16.to_le_bytes()); // minor version
    h[38..40].copy_from_slice(&3u16.to_le_bytes()); // major version
    h[40..42].copy_from_slice(&4096u16.to_le_bytes()); // header block size
    h[42..44].copy_from_slice(&1u16.to_le_bytes()); // chunk count
    h
}

fuzz_target!(|data: &[u8]| {
    let file = if data.starts_with(b"ElfFile\0") {
        data.to_vec()
    } else {
        [header().as_slice(), b"ElfChnk\0", data].concat()
    };
    let (events, errors) = parse_bytes("fuzz.evtx", &file);
    assert!(
        !events.is_empty() || !errors.is_empty(),
        "an .evtx gave neither an event nor an error"
    );
    assert!(
        !errors
            .iter()
            .any(|e| e.reason.starts_with("internal parser failure")),
        "a reader panicked: {errors:?}"
    );
});
