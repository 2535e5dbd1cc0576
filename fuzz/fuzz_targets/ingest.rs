//! Any bytes through the content-detecting reader (every JSON shape, XML, CSV, gz, zip, UTF-16):
//! never a panic, never silence for a non-blank input, the same answer twice, and each event's
//! text inert once made so for a terminal (the table's and the TUI's forms) and in JSON.
#![no_main]

use huntbench::analytics::event_summary;
use huntbench::ingest::parse_bytes;
use huntbench::output::to_json_compact;
use huntbench::sanitize::{has_hazard, inert_line, inert_text};
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
    for e in &events {
        let text = event_summary(e);
        for shown in [&text, e.computer.as_str(), e.user.as_deref().unwrap_or("")] {
            assert!(!has_hazard(&inert_line(shown)), "{shown:?}");
        }
        assert!(
            !inert_text(&text)
                .chars()
                .any(|c| c != '\n' && has_hazard(&c.to_string()))
        );
        assert!(!has_hazard(&to_json_compact(e).unwrap()), "JSON of {e:?}");
    }
    let again = parse_bytes("fuzz", data);
    assert_eq!(
        (events, errors),
        again,
        "two reads of the same bytes differ"
    );
});
