//! Lone UTF-16 surrogate escapes in JSON text (`"\udc00"`), repaired to U+FFFD.
//!
//! JSON allows any `\uXXXX`, but a high surrogate not followed by a low one (or a low one on its
//! own) is no character, and serde_json rejects the whole record for it. A PowerShell string
//! can hold one, and a converter passes it on: rejecting the record would let one planted
//! escape hide an event from the analytics. It is repaired as invalid UTF-8 is: U+FFFD for the
//! bad escape, the rest of the record kept.

/// The text with every lone surrogate escape replaced by `\uFFFD`, or `None` when it has none
/// (the usual case: no copy).
pub(crate) fn repair_lone_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        match b.get(at + 1) {
            Some(b'u') => {
                let unit = hex4(b, at + 2);
                let pair = unit.is_some_and(is_high)
                    && b.get(at + 6) == Some(&b'\\')
                    && b.get(at + 7) == Some(&b'u')
                    && hex4(b, at + 8).is_some_and(is_low);
                if pair {
                    i = at + 12;
                } else if unit.is_some_and(|u| is_high(u) || is_low(u)) {
                    let s = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    s.push_str(&text[copied..at]);
                    s.push_str("\\uFFFD");
                    copied = at + 6;
                    i = at + 6;
                } else {
                    i = at + 2;
                }
            }
            // Any other escape (`\\`, `\"`, `\n`…) is two bytes: an escaped backslash must not
            // make the next `u` look like an escape.
            Some(_) => i = at + 2,
            None => break,
        }
    }
    out.map(|mut s| {
        s.push_str(&text[copied..]);
        s
    })
}

fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let digits = b.get(at..at + 4)?;
    let s = std::str::from_utf8(digits).ok()?;
    u16::from_str_radix(s, 16).ok()
}

fn is_high(u: u16) -> bool {
    (0xD800..0xDC00).contains(&u)
}

fn is_low(u: u16) -> bool {
    (0xDC00..0xE000).contains(&u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let r = |s: &str| repair_lone_surrogates(s);
        assert_eq!(
            r(r#"{"a":"x\udc00y"}"#).as_deref(),
            Some(r#"{"a":"x\uFFFDy"}"#)
        );
        assert_eq!(r(r#"{"a":"\ud83d"}"#).as_deref(), Some(r#"{"a":"\uFFFD"}"#));
        assert_eq!(
            r(r#"{"a":"\ud83d\ud83d\ude00"}"#).as_deref(),
            Some(r#"{"a":"\uFFFD\ud83d\ude00"}"#),
            "a high surrogate followed by a valid pair"
        );
        // Nothing to repair: a valid pair, an escaped backslash before `udc00`, plain text.
        assert_eq!(r(r#"{"a":"\ud83d\ude00"}"#), None);
        assert_eq!(r(r#"{"a":"\\udc00"}"#), None);
        assert_eq!(r(r#"{"a":"\u0041\n"}"#), None);
        let fixed = r(r#"{"a":"x\udc00y\\"}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(v["a"], "x\u{FFFD}y\\");
    }
}
