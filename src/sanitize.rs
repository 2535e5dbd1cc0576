//! Attacker-controlled text (script blocks, command lines) made inert for a terminal.
//!
//! Script text may carry ESC, BEL, C1 controls or bidi overrides. Written raw they would move the
//! cursor, retitle the window or reorder what the analyst reads. Every string that reaches the
//! terminal (CLI tables, CSV, the TUI) passes through here; JSON keeps the exact text with these
//! characters escaped (`crate::output::json`), and `--csv-exact` is the one opt-out.

use std::borrow::Cow;

/// Is this character unsafe to hand to a terminal as-is? (Every control character, C0, DEL and
/// C1, and the bidi formatting characters.)
pub fn is_hazard(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// Bidirectional formatting characters (the "Trojan Source" set) and invisible marks.
fn is_bidi(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn visible(c: char, out: &mut String) {
    match c {
        // C0 controls have Unicode "control pictures": ESC becomes ␛, BEL ␇, NUL ␀.
        '\0'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\u{7f}' => out.push('␡'),
        _ => out.push_str(&format!("<U+{:04X}>", c as u32)),
    }
}

/// Does the text hold any character `is_hazard` flags?
pub fn has_hazard(s: &str) -> bool {
    s.chars().any(is_hazard)
}

/// One display line: every control character (newlines and tabs too) shown as a visible symbol.
/// A line break (LF or CR LF) is one `⏎`, a tab a space; a lone CR, which on a terminal would
/// return to the line's start and let later text overprint earlier text, shows as `␍`.
pub fn inert_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('⏎'),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' => out.push(' '),
            c if is_hazard(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Multi-line text: keeps line breaks (CR LF and LF), expands tabs to four spaces, and shows
/// every other control or bidi character as a visible symbol. The result holds no control
/// character but `\n`.
pub fn inert_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hazard(c) && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\t' => out.push_str("    "),
            c if is_hazard(c) => visible(c, &mut out),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        let hostile = "Invoke-Command\u{1b}]0;pwned\u{7}\u{1b}[2J -ComputerName x";
        let line = inert_line(hostile);
        assert!(!line.chars().any(|c| c.is_control()));
        assert_eq!(line, "Invoke-Command␛]0;pwned␇␛[2J -ComputerName x");
    }

    #[test]
    fn bidi_and_c1_are_shown_as_code_points() {
        let s = "a\u{202E}b\u{9b}c";
        assert_eq!(inert_line(s), "a<U+202E>b<U+009B>c");
    }

    #[test]
    fn text_keeps_newlines_only() {
        let s = "line1\r\n\tline2\rx\u{1b}";
        let t = inert_text(s);
        assert_eq!(t, "line1\n    line2␍x␛");
        assert!(t.chars().all(|c| c == '\n' || !c.is_control()));
        assert_eq!(inert_line("a\r\nb"), "a⏎b");
        assert_eq!(inert_line("a\rb\r"), "a␍b␍", "a lone CR cannot overprint");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(inert_line("plain text"), Cow::Borrowed(_)));
        assert!(matches!(inert_text("two\nlines"), Cow::Borrowed(_)));
    }
}
