//! Splunk wildcard values (`field="*x*"`): `*` is any run of characters (newlines included), the
//! rest is compared case-insensitively against the whole value.
//!
//! Why lowercasing both sides: Splunk's search-time comparison is case-insensitive; lowercasing the
//! field once per event and searching with precompiled `memmem` finders keeps matching linear.

use memchr::memmem::Finder;

/// A compiled wildcard pattern. Compare against text that was lowercased with [`fold`].
#[derive(Debug, Clone)]
pub struct Wildcard {
    /// Literal pieces between the stars, lowercased.
    parts: Vec<Finder<'static>>,
    /// The pattern starts with `*` (no prefix anchor).
    open_start: bool,
    /// The pattern ends with `*` (no suffix anchor).
    open_end: bool,
    /// The pattern has no `*`: whole-value equality.
    exact: bool,
}

/// The case folding used on both sides of every comparison: per-character lowercase, so a
/// piece of a pattern folds the same as the text around it (no context rules like final sigma).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.chars().flat_map(char::to_lowercase).collect()
    }
}

impl Wildcard {
    /// Compile a pattern; `*` is the only special character.
    pub fn new(pattern: &str) -> Self {
        let lower = fold(pattern);
        let pieces: Vec<&str> = lower.split('*').collect();
        let exact = pieces.len() == 1;
        let open_start = !exact && pieces.first().is_some_and(|p| p.is_empty());
        let open_end = !exact && pieces.last().is_some_and(|p| p.is_empty());
        let parts = if exact {
            vec![Finder::new(pieces[0].as_bytes()).into_owned()]
        } else {
            pieces
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| Finder::new(p.as_bytes()).into_owned())
                .collect()
        };
        Wildcard {
            parts,
            open_start,
            open_end,
            exact,
        }
    }

    /// Does the whole (already folded) value match? An empty value never matches: Splunk treats
    /// it as missing.
    pub fn matches_folded(&self, text: &str) -> bool {
        let hay = text.as_bytes();
        if hay.is_empty() {
            return false;
        }
        if self.exact {
            return self.parts[0].needle() == hay;
        }
        let n = self.parts.len();
        if n == 0 {
            return true; // only stars
        }
        let mut pos = 0usize;
        let mut end = hay.len();
        let mut first = 0usize;
        let mut last = n;
        if !self.open_start {
            let p = self.parts[0].needle();
            if !hay.starts_with(p) {
                return false;
            }
            pos = p.len();
            first = 1;
        }
        if !self.open_end {
            if last == first {
                // The only literal was the prefix and the pattern ends there: needs whole match.
                return pos == hay.len();
            }
            let p = self.parts[n - 1].needle();
            if end < pos + p.len() || !hay[..end].ends_with(p) {
                return false;
            }
            end -= p.len();
            last = n - 1;
        }
        for f in &self.parts[first..last] {
            match f.find(&hay[pos..end]) {
                Some(i) => pos += i + f.needle().len(),
                None => return false,
            }
        }
        true
    }

    /// Convenience: fold and match (tests, one-off checks).
    pub fn matches(&self, text: &str) -> bool {
        self.matches_folded(&fold(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let w = Wildcard::new("*Invoke-Command*");
        assert!(w.matches("x\ninvoke-commandX"));
        assert!(!w.matches("Invoke Command"));
        assert!(!w.matches(""));
        assert!(Wildcard::new("abc").matches("ABC"));
        assert!(!Wildcard::new("abc").matches("abcd"));
        assert!(Wildcard::new("a*c").matches("abbc"));
        assert!(Wildcard::new("a*c").matches("ac"));
        assert!(!Wildcard::new("a*c").matches("acb"));
        assert!(!Wildcard::new("ab*ba").matches("aba"));
        assert!(Wildcard::new("ab*ba").matches("abba"));
        assert!(Wildcard::new("*").matches("x"));
        assert!(Wildcard::new("a*").matches("a"));
        assert!(!Wildcard::new("a*").matches("ba"));
        assert!(Wildcard::new("*a*b*c").matches("xaxbxc"));
        assert!(!Wildcard::new("*a*b*c").matches("xaxbxcx"));
    }
}
