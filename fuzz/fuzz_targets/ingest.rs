//! Any bytes through the content-detecting reader (every JSON shape, XML, CSV, gz, zip, UTF-16):
//! never a panic, never silence for a non-blank input, the same answer twice.
#![no_main]

use huntbench::ingest::parse_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (events, errors) = parse_bytes("fuzz", data);
    if !data.iter().all(u8::is_ascii_whitespace) {
        assert!(
            !events.is_empty() || !errors.is_empty(),
            "a non-blank input gave neither an event nor an error"
        );
    }
    assert!(
        !errors
            .iter()
            .any(|e| e.reason.starts_with("internal parser failure")),
        "a reader panicked: {errors:?}"
    );
    let again = parse_bytes("fuzz", data);
    assert_eq!(
        (events, errors),
        again,
        "two reads of the same bytes differ"
    );
});
