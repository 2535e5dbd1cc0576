//! The parsed ad-hoc search: a boolean tree whose leaves say what they mean, independent of any
//! engine. `src/index` compiles it (index leaves to its own queries, [`Compare`] leaves to an
//! exact test on the stored event), so `NOT` and `OR` around any leaf keep their meaning.

use std::ops::Bound;

use super::fields::{DATA_FIELD, field_value};
use crate::analytics::wildcard::{Wildcard, fold};
use crate::event::Event;

/// A whole query.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchExpr {
    /// The empty query: every event.
    All,
    /// Every part holds (`a AND b`, `a b`).
    And(Vec<SearchExpr>),
    /// At least one part holds.
    Or(Vec<SearchExpr>),
    /// The part does not hold (`NOT a`, `-a`).
    Not(Box<SearchExpr>),
    /// One condition.
    Clause(Clause),
}

/// One condition of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `field:value`, `field:"a phrase"`, or a bare `value` / `"phrase"` (no field: the default
    /// fields). Keyword fields compare whole values, text fields words (a phrase in order).
    Match {
        field: Option<String>,
        value: String,
    },
    /// `field:ab*cd`: a Splunk wildcard over the whole indexed value of a keyword field.
    Wildcard { field: String, pattern: String },
    /// `field:/regex/` over the indexed (lower-cased) values of a keyword field.
    Regex { field: String, pattern: String },
    /// `field:[a TO b]`, `field:>=a` over a numeric field.
    Range {
        field: String,
        lower: Bound<String>,
        upper: Bound<String>,
    },
    /// `time:[A TO B]`, `time:>=A`, `time:<B`, in microseconds since the epoch.
    Time {
        lower: Bound<i64>,
        upper: Bound<i64>,
    },
    /// `field="pattern"` or `field!="pattern"`: Splunk's comparison, checked on the stored event.
    Compare(Compare),
}

/// Splunk's `field="pattern"`: `*` is any run of characters (newlines too), the rest compared
/// case-insensitively (Unicode folding) with the whole value; a missing or empty field never
/// matches. `field!="pattern"` holds when the field is present and does not match (Splunk's
/// `!=`), unlike `NOT field="pattern"`, which also holds when the field is missing.
#[derive(Debug, Clone)]
pub struct Compare {
    /// The field: a normalized name (`script_block_text`), `Message`, `data` (any one EventData
    /// value), or an EventData name.
    pub field: String,
    /// The pattern as written (unescaped).
    pub pattern: String,
    /// `!=` rather than `=`.
    pub not_equal: bool,
    compiled: Wildcard,
}

impl PartialEq for Compare {
    fn eq(&self, other: &Self) -> bool {
        (&self.field, &self.pattern, self.not_equal)
            == (&other.field, &other.pattern, other.not_equal)
    }
}

impl Compare {
    /// A comparison of `field` (already resolved, see [`super::fields::compare_field`]).
    pub fn new(field: impl Into<String>, pattern: impl Into<String>, not_equal: bool) -> Self {
        let pattern = pattern.into();
        Compare {
            field: field.into(),
            compiled: Wildcard::new(&pattern),
            pattern,
            not_equal,
        }
    }

    /// Does the event satisfy the comparison?
    pub fn matches(&self, e: &Event) -> bool {
        if self.field == DATA_FIELD {
            // Many values: like a Splunk multivalue field, `=` holds when one of them matches,
            // `!=` when there are values and none matches.
            let mut values = e.data.values().filter(|v| !v.is_empty()).peekable();
            if values.peek().is_none() {
                return false;
            }
            let any = values.any(|v| self.compiled.matches_folded(&fold(v)));
            return any != self.not_equal;
        }
        match field_value(e, &self.field) {
            Some(v) => self.compiled.matches_folded(&fold(&v)) != self.not_equal,
            None => false,
        }
    }

    /// True when the pattern has a `*` (otherwise it is whole-value equality).
    pub fn has_wildcard(&self) -> bool {
        self.pattern.contains('*')
    }
}
