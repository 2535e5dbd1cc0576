//! Attacker-written PowerShell and command lines: the tokenizer, the `-EncodedCommand` decoder,
//! the command-line script extraction and the detector over them.
#![no_main]

use huntbench::extended::{analyze, command_line_script, decode_encoded_command};
use huntbench::fuzzing::{match_brackets, tokenize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let toks = tokenize(&text);
    for t in &toks {
        assert!(
            t.start <= t.end && t.end <= text.len(),
            "token range outside the text"
        );
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
    }
    let matched = match_brackets(&toks);
    assert!(matched.iter().all(|&m| m <= toks.len()));
    let _ = decode_encoded_command(&text);
    let _ = command_line_script(&text);
    let _ = analyze(&text);
});
