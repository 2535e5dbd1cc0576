//! A raw-record prefilter for line-oriented inputs: records whose bytes cannot hold a value
//! matching some wildcard predicates are skipped before parsing (`hunt --input` speed).
//!
//! Why it cannot miss a match. A predicate `field="*Invoke-Command*"` holds when the field's
//! value, folded per character with `char::to_lowercase` (`analytics::wildcard::fold`),
//! contains each literal piece of the folded pattern. From a piece we take a *needle*: a run
//! of at least three characters from the safe set `a-z` without `i` and `k`, plus `-` and `_`.
//! 1. Folding. In Rust's table the only non-ASCII characters whose lowercase contains ASCII
//!    are U+0130 (→ `i̇`) and U+212A KELVIN SIGN (→ `k`); see the test below. A needle has no `i`
//!    or `k`, so every needle character in the folded value comes from one ASCII character of
//!    the value (itself or its uppercase), and consecutive ones from consecutive characters:
//!    the value holds the needle ASCII-case-insensitively.
//! 2. Rendering. The readers build a value from the record's bytes by decoding JSON escapes
//!    and XML references (also a second level of JSON escapes: EvtxECmd's `Payload` is JSON
//!    inside a JSON string), joining parts with `\n` or `\`, GUID/FILETIME
//!    respelling (case, braces, digits), and number rendering. Each replaces, inserts or drops
//!    only characters outside the safe set next to characters outside it, except `\uXXXX`
//!    escapes, `&#..;` character references to non-control characters, and XML comments /
//!    CDATA / processing instructions (their markers vanish and the text around them joins).
//!    Numbers render with letter runs of at most two (`1e-7`), shorter than a needle. So
//!    unless the record holds `\u` (even `\\u`: a `_raw` string may hold nested JSON), `<!`,
//!    `<?` or such a reference (then it is kept), a needle in the value is in the raw bytes,
//!    ASCII-case-insensitively.
//!
//! Derived values that are not renderings of the record's text (the base64-decoded command)
//! must not be passed in: the caller leaves such predicates out.

use std::cell::RefCell;
use std::sync::Arc;

use memchr::memmem::Finder;

/// A raw-record test: a record (an NDJSON line, one `<Event>` element) for which it returns
/// false is skipped unparsed.
pub type Keep = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// The keep-everything test.
pub fn keep_all() -> Keep {
    Arc::new(|_: &[u8]| true)
}

/// Needle bytes: lowercase ASCII letters other than `i`/`k`, `-`, `_`.
fn safe(b: u8) -> bool {
    (b.is_ascii_lowercase() && b != b'i' && b != b'k') || b == b'-' || b == b'_'
}

/// Shortest needle: longer than any letter run a number rendering can produce.
const MIN_NEEDLE: usize = 3;

/// The longest needle of a Splunk wildcard pattern (see the module comment), if any.
pub fn needle_of_pattern(pattern: &str) -> Option<String> {
    let folded: String = pattern.chars().flat_map(char::to_lowercase).collect();
    folded
        .as_bytes()
        .split(|b| !safe(*b)) // `*` and every unsafe byte end a run
        .filter(|run| run.len() >= MIN_NEEDLE)
        .max_by_key(|run| run.len())
        .map(|run| String::from_utf8_lossy(run).into_owned())
}

/// Skips records that hold none of several alternatives, each a set of needles that must all
/// be present (one alternative per saved query, one needle per predicate).
pub struct LiteralPrefilter {
    needles: Vec<Finder<'static>>,
    /// Indexes into `needles`.
    alternatives: Vec<Vec<usize>>,
    /// Markers after which a record is always kept (see the module comment).
    hatches: [Finder<'static>; 3],
    char_ref: Finder<'static>,
}

impl LiteralPrefilter {
    /// Build from alternatives of wildcard patterns (each pattern one predicate's value
    /// pattern; an alternative matches when all its predicates do). Patterns without a needle
    /// add no condition; an alternative left with none makes the filter useless: `None`.
    pub fn from_patterns(alternatives: &[Vec<String>]) -> Option<Self> {
        if alternatives.is_empty() {
            return None;
        }
        let mut texts: Vec<String> = Vec::new();
        let mut alts = Vec::new();
        for alt in alternatives {
            let mut idx: Vec<usize> = Vec::new();
            for p in alt {
                let Some(n) = needle_of_pattern(p) else {
                    continue;
                };
                let i = texts.iter().position(|t| *t == n).unwrap_or_else(|| {
                    texts.push(n);
                    texts.len() - 1
                });
                if !idx.contains(&i) {
                    idx.push(i);
                }
            }
            if idx.is_empty() {
                return None;
            }
            alts.push(idx);
        }
        Some(LiteralPrefilter {
            needles: texts
                .iter()
                .map(|t| Finder::new(t.as_bytes()).into_owned())
                .collect(),
            alternatives: alts,
            hatches: [b"\\u", b"<!", b"<?"].map(|h| Finder::new(h).into_owned()),
            char_ref: Finder::new(b"&#").into_owned(),
        })
    }

    /// Can this record match? False only when it provably cannot.
    pub fn keep(&self, raw: &[u8]) -> bool {
        thread_local! {
            static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        let found = LOWER.with(|buf| {
            let mut lower = buf.borrow_mut();
            lower.clear();
            lower.extend(raw.iter().map(u8::to_ascii_lowercase));
            // Each needle is searched at most once per record.
            let mut seen: Vec<Option<bool>> = vec![None; self.needles.len()];
            let found = self.alternatives.iter().any(|alt| {
                alt.iter().all(|&i| {
                    *seen[i].get_or_insert_with(|| self.needles[i].find(&lower).is_some())
                })
            });
            if lower.capacity() > 1 << 20 {
                *lower = Vec::new(); // one huge record must not pin its size per thread
            }
            found
        });
        found || self.hatches.iter().any(|h| h.find(raw).is_some()) || self.odd_reference(raw)
    }

    /// Does the record hold a character reference other than `&#N;` / `&#xN;` for a
    /// control character? Those decode to a character outside the needle set, in place of
    /// characters outside it, so they cannot create a needle (XML renderers write every
    /// newline in script text as `&#10;`). Anything unusual counts as odd: keep the record.
    fn odd_reference(&self, raw: &[u8]) -> bool {
        self.char_ref.find_iter(raw).any(|at| {
            let rest = &raw[at + 2..];
            let (digits, radix) = match rest.first() {
                Some(b'x' | b'X') => (&rest[1..], 16),
                _ => (rest, 10),
            };
            let len = digits
                .iter()
                .take(9)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if len == 0 || digits.get(len) != Some(&b';') {
                return true;
            }
            let text = std::str::from_utf8(&digits[..len]).unwrap_or("x");
            u32::from_str_radix(text, radix).map_or(true, |v| v >= 0x20)
        })
    }

    /// As a [`Keep`] for `spawn_filtered`.
    pub fn into_keep(self) -> Keep {
        Arc::new(move |raw: &[u8]| self.keep(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_two_non_ascii_characters_lowercase_to_ascii() {
        let odd: Vec<u32> = (0x80..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .map(|c| c as u32)
            .collect();
        assert_eq!(odd, vec![0x130, 0x212A]);
        assert_eq!(
            "\u{130}\u{212A}"
                .chars()
                .flat_map(char::to_lowercase)
                .collect::<String>(),
            "i\u{307}k"
        );
    }

    #[test]
    fn needles_avoid_i_k_digits_and_escapable_characters() {
        let n = |p: &str| needle_of_pattern(p);
        assert_eq!(n("*Invoke-Command*").as_deref(), Some("e-command"));
        assert_eq!(n("*-ComputerName*").as_deref(), Some("-computername"));
        assert_eq!(n("C:\\Windows\\*\\pwsh.exe").as_deref(), Some("ndows"));
        assert_eq!(n("*\u{212A}ick*"), None);
        assert_eq!(n("*ab*"), None);
        assert_eq!(n("*1e-7*"), None);
        assert_eq!(n("*a/b\"c\\d<e>f&g*"), None);
    }

    fn filter() -> LiteralPrefilter {
        LiteralPrefilter::from_patterns(&[
            vec!["*Invoke-Command*".into(), "*-ComputerName*".into()],
            vec!["*Enter-PSSession*".into()],
        ])
        .unwrap()
    }

    #[test]
    fn keeps_every_spelling_that_can_match() {
        let f = filter();
        let keep = |s: &str| f.keep(s.as_bytes());
        assert!(keep("{\"c\":\"INVO\u{212A}E-COMMAND -computerNAME x\"}"));
        assert!(keep("{\"c\":\"invoke-command -ComputerName h\"}\r"));
        assert!(keep(r#"{"c":"Invoke\u002dCommand -ComputerName h"}"#));
        assert!(keep(
            "<Event><Data>Invoke&#45;Command -ComputerName</Data></Event>"
        ));
        assert!(keep(
            "<Event><Data>Invoke-Co&#x6d;mand -ComputerName</Data></Event>"
        ));
        assert!(keep("<Data>Invoke-Command&#10; -Computer&#+78;ame</Data>"));
        assert!(keep("<Data>Invoke-Command&#10; -Computer&#78</Data>"));
        assert!(!keep(
            "<Data>Invoke-Command&#10;&#x0D;&#9; -Computer</Data>"
        ));
        assert!(keep(
            "<Event><Data>Invoke-Com<!-- -->mand -ComputerName</Data></Event>"
        ));
        assert!(keep("<Event><Data>enter-pssession</Data></Event>"));
        assert!(!keep(r#"{"c":"Invoke-Command -Computer h"}"#));
        assert!(!keep(r#"{"c":"Get-Process -ComputerName h"}"#));
        assert!(!keep(
            "<Event><Data>Invoke&amp;Command -ComputerName</Data></Event>"
        ));
        // An escaped backslash before `u` looks like a `\u` escape: kept, to be safe.
        assert!(keep(r#"{"c":"C:\\users\\Get-Process"}"#));
        assert!(
            LiteralPrefilter::from_patterns(&[vec!["*x*".into()], vec!["*-ComputerName*".into()]])
                .is_none()
        );
        assert!(LiteralPrefilter::from_patterns(&[]).is_none());
    }
}
