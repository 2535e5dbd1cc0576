//! `powershell.exe -EncodedCommand <base64 of UTF-16LE>`: recover the script the process ran.
//!
//! powershell.exe and pwsh accept any unambiguous prefix of `-EncodedCommand` (`-e`, `-en`, ...,
//! and the alias `-ec`), with `-`, `/` or a typographic dash, in any case. `-ex` is
//! ExecutionPolicy and `-ep` its alias: neither is a prefix of `encodedcommand`, so they never
//! decode.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::lexer::is_dash;

/// Is this command-line word an EncodedCommand flag (`-enc`, `/e`, `–EncodedCommand`, `-ec`)?
fn is_flag(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(is_dash(first) || first == '/') {
        return false;
    }
    let name = chars.as_str().to_ascii_lowercase();
    let name = name.split_once(':').map_or(name.as_str(), |(n, _)| n);
    name == "ec" || (!name.is_empty() && "encodedcommand".starts_with(name))
}

/// Cheap test used before any decoding: could this command line carry an EncodedCommand flag?
pub fn has_candidate_flag(cmdline: &str) -> bool {
    words(cmdline).any(is_flag)
}

/// Words of a command line: split on white space (quotes are stripped later, per argument).
fn words(cmdline: &str) -> impl Iterator<Item = &str> {
    cmdline.split_whitespace()
}

/// Decode base64 of UTF-16LE; `None` unless it is valid base64 of valid, non-empty UTF-16.
fn decode_arg(arg: &str) -> Option<String> {
    let arg = arg.trim_matches(|c| c == '"' || c == '\'');
    if arg.is_empty() {
        return None;
    }
    let bytes = STANDARD
        .decode(arg)
        .or_else(|_| STANDARD_NO_PAD.decode(arg.trim_end_matches('=')))
        .ok()?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).ok()?;
    // Random base64 often decodes to valid UTF-16 nonsense. Any command PowerShell can run
    // names something in ASCII letters (the shortest aliases, `ls` or `gc`, have two), so
    // demand one such run; padding the script with other scripts' letters cannot hide it.
    has_ascii_word(&text).then_some(text)
}

fn has_ascii_word(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_alphabetic() { run + 1 } else { 0 };
        if run >= 2 {
            return true;
        }
    }
    false
}

/// The decoded script of the first EncodedCommand flag whose argument decodes; `None` otherwise.
pub fn decode_encoded_command(cmdline: &str) -> Option<String> {
    let mut it = words(cmdline).peekable();
    while let Some(w) = it.next() {
        if !is_flag(w) {
            continue;
        }
        // `-enc:BASE64`: the argument is attached.
        if let Some((_, attached)) = w.split_once(':')
            && let Some(text) = decode_arg(attached)
        {
            return Some(text);
        }
        if let Some(arg) = it.peek()
            && let Some(text) = decode_arg(arg)
        {
            return Some(text);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        for f in [
            "-e",
            "-E",
            "-ec",
            "-en",
            "/enc",
            "-EncodedCommand",
            "\u{2013}enc",
        ] {
            assert!(is_flag(f), "{f}");
        }
        for f in ["-ex", "-ep", "-encodedcommandx", "-", "enc", "-c"] {
            assert!(!is_flag(f), "{f}");
        }
    }
}
