//! What an analyst types: exclusion patterns and search queries (Ok or Err, never a panic or a
//! blown stack), and a compiled wildcard matched against text.
#![no_main]

use huntbench::analytics::exclusions::validate_op;
use huntbench::analytics::search::parse;
use huntbench::analytics::{Wildcard, parse_op};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let op = parse_op(&text);
    let _ = validate_op(&op);
    let _ = parse(&text, 1_700_000_000_000_000);
    // First line the pattern, the rest the text it is matched with.
    let (pattern, hay) = text.split_once('\n').unwrap_or((&text, ""));
    let w = Wildcard::new(pattern);
    assert_eq!(w.matches(hay), w.matches(hay));
});
