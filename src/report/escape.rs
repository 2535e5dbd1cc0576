//! Log text made safe for each report format: inert first (control and bidi characters shown
//! as in the TUI, `crate::sanitize`), then escaped so it cannot change the document's layout.

use crate::sanitize::{inert_line, inert_text};

/// Longest cell of log text in a table; the whole text is in the row's block or the index.
pub const MAX_CELL: usize = 200;

/// Cut to `max` characters, ending in `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// One line of Markdown text (a table cell, a list item): inert, and every character that
/// could open markup escaped with a backslash (CommonMark lets any ASCII punctuation be), so
/// a pipe cannot split a cell, a backtick cannot open code, `#` cannot make a heading and
/// `<` cannot start raw HTML.
pub fn md(s: &str) -> String {
    let line = inert_line(s);
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fenced Markdown code block holding `s` inert, line breaks kept. The fence is a run of
/// backticks longer than any in the text, so nothing inside can close it.
pub fn md_code(s: &str) -> String {
    let text = inert_text(s);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{}\n{fence}\n", text.trim_end_matches('\n'))
}

/// HTML text of one line: inert, then `& < > " ' /` escaped.
pub fn html(s: &str) -> String {
    html_escape::encode_safe(&inert_line(s)).into_owned()
}

/// HTML text for a `<pre>`: line breaks kept, inert, escaped (a `</pre>` in a script is text).
pub fn html_pre(s: &str) -> String {
    html_escape::encode_safe(&inert_text(s)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_text_cannot_open_markup_or_drive_a_terminal() {
        assert_eq!(md("a|b `c` #d <x>"), r"a\|b \`c\` \#d \<x\>");
        assert_eq!(md("x\u{1b}[2J\u{202e}y\nz"), r"x␛\[2J\<U+202E\>y⏎z");
        let block = md_code("one\n``` not the end\n\u{7}");
        assert!(block.starts_with("````text\n"), "{block}");
        assert!(block.ends_with("\n````\n"), "{block}");
        assert!(block.contains("␇"));
    }

    #[test]
    fn html_text_is_escaped_after_it_is_made_inert() {
        assert_eq!(
            html("</pre><script>\u{1b}"),
            "&lt;&#x2F;pre&gt;&lt;script&gt;␛"
        );
        assert_eq!(html_pre("a\r\nb & c"), "a\nb &amp; c");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
