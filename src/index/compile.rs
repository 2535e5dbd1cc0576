//! A parsed search ([`SearchExpr`]) compiled into one tantivy query with the same boolean
//! structure: words and whole values go to the inverted index, `field="…"` comparisons become
//! an exact test on the stored event ([`super::exact`]) evaluated where the tree needs it
//! (only on candidates under an `AND`, on every event under a lone `NOT` or an `OR`).

use std::cell::Cell;
use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, RegexQuery};
use tantivy::query_grammar::{
    Delimiter, UserInputAst, UserInputBound, UserInputLeaf, UserInputLiteral,
};

use super::Inner;
use super::error::{IndexError, other};
use super::exact::{EventTest, Trouble, exact_query};
use super::schema::{COLUMN_ONLY, DEFAULT_SEARCH_FIELDS, KEYWORD_FIELDS, TEXT_FIELDS};
use crate::analytics::search::eval::wildcard_regex;
use crate::analytics::search::{Clause, Compare, SearchExpr};

/// How the index holds a field, which decides what a clause on it can mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One lower-cased token per value: whole-value matches, wildcards and regexes.
    Keyword,
    /// Words: a value is a phrase of words.
    Text,
    /// Numbers: exact values and ranges.
    Number,
}

fn kind(field: &str) -> Option<Kind> {
    if KEYWORD_FIELDS.contains(&field) {
        Some(Kind::Keyword)
    } else if TEXT_FIELDS.contains(&field) {
        Some(Kind::Text)
    } else if matches!(
        field,
        "time" | "event_code" | "record_id" | "message_number" | "message_total"
    ) {
        Some(Kind::Number)
    } else {
        None
    }
}

/// Compiles one query; holds the parser tantivy uses for words and numbers.
pub(super) struct Compiler<'a> {
    inner: &'a Inner,
    parser: QueryParser,
    trouble: Trouble,
    /// Some leaf reads stored events (worth spreading over threads).
    reads_stored: Cell<bool>,
}

impl<'a> Compiler<'a> {
    pub fn new(inner: &'a Inner) -> Self {
        let f = &inner.fields;
        let defaults = DEFAULT_SEARCH_FIELDS.iter().map(|n| f.named(n)).collect();
        let mut parser = QueryParser::for_index(&inner.index, defaults);
        parser.set_conjunction_by_default();
        Compiler {
            inner,
            parser,
            trouble: Trouble::default(),
            reads_stored: Cell::new(false),
        }
    }

    /// The first stored event an exact test could not read, once the query has run.
    pub fn trouble(&self) -> Option<String> {
        self.trouble.lock().ok().and_then(|t| t.clone())
    }

    /// Does the compiled query decode stored events (an exact comparison)?
    pub fn reads_stored(&self) -> bool {
        self.reads_stored.get()
    }

    pub fn compile(&self, e: &SearchExpr) -> Result<Box<dyn Query>, IndexError> {
        Ok(match e {
            SearchExpr::All => Box::new(AllQuery),
            SearchExpr::And(parts) => self.combine(parts, Occur::Must)?,
            SearchExpr::Or(parts) => self.combine(parts, Occur::Should)?,
            SearchExpr::Not(x) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.compile(x)?),
            ])),
            SearchExpr::Clause(c) => self.clause(c)?,
        })
    }

    /// `AND` (Must) or `OR` (Should) of the parts. Comparisons that need the stored event are
    /// merged into one exact test, so each candidate is decoded once, not once per comparison.
    fn combine(&self, parts: &[SearchExpr], occur: Occur) -> Result<Box<dyn Query>, IndexError> {
        let mut exact: Vec<Compare> = Vec::new();
        let mut subs: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in parts {
            match p {
                SearchExpr::Clause(Clause::Compare(c)) if self.index_compare(c)?.is_none() => {
                    exact.push(c.clone())
                }
                _ => subs.push((occur, self.compile(p)?)),
            }
        }
        if !exact.is_empty() {
            let test: EventTest = if occur == Occur::Must {
                std::sync::Arc::new(move |e| exact.iter().all(|c| c.matches(e)))
            } else {
                std::sync::Arc::new(move |e| exact.iter().any(|c| c.matches(e)))
            };
            self.reads_stored.set(true);
            subs.push((occur, exact_query(&self.inner.fields, test, &self.trouble)));
        }
        Ok(Box::new(BooleanQuery::new(subs)))
    }

    fn clause(&self, c: &Clause) -> Result<Box<dyn Query>, IndexError> {
        let f = &self.inner.fields;
        match c {
            Clause::Match {
                field: Some(field),
                value,
            } if kind(field) == Some(Kind::Number) => {
                whole_number(field, value)?;
                if COLUMN_ONLY.contains(&field.as_str()) {
                    // Not in the inverted index (see `schema`): one value is a range of one,
                    // answered from the column; a refusal names the literal the analyst typed.
                    let v = || UserInputBound::Inclusive(value.clone());
                    let range = UserInputLeaf::Range {
                        field: Some(field.clone()),
                        lower: v(),
                        upper: v(),
                    };
                    let shown = format!("{:?}", literal_leaf(Some(field), value));
                    return self.leaf_shown_as(range, &shown);
                }
                self.literal(Some(field), value)
            }
            Clause::Match { field, value } => self.literal(field.as_deref(), value),
            Clause::Wildcard { field, pattern } => match kind(field) {
                Some(Kind::Keyword) => self.keyword_wildcard(field, pattern),
                Some(Kind::Text) => Err(IndexError::BadQuery(format!(
                    "`{field}:{pattern}`: {field} is indexed word by word, so a wildcard there \
                     would miss text inside words; write {field}=\"{pattern}\" (Splunk's exact \
                     wildcard on the stored text)"
                ))),
                _ => Err(IndexError::BadQuery(format!(
                    "`{field}:{pattern}`: {field} is a number; use a range like \
                     {field}:[4100 TO 4199] or {field}=\"{pattern}\""
                ))),
            },
            Clause::Regex { field, pattern } => {
                if kind(field) == Some(Kind::Number) {
                    return Err(IndexError::BadQuery(format!(
                        "`{field}:/{pattern}/`: {field} is a number; use a range"
                    )));
                }
                let q = RegexQuery::from_pattern(pattern, f.named(field))
                    .map_err(|e| IndexError::BadQuery(format!("`{field}:/{pattern}/`: {e}")))?;
                Ok(Box::new(q))
            }
            Clause::Range {
                field,
                lower,
                upper,
            } => {
                if kind(field) != Some(Kind::Number) {
                    return Err(IndexError::BadQuery(format!(
                        "`{field}:` ranges work on numbers (event_code, record_id, \
                         message_number, message_total) and time"
                    )));
                }
                for b in [lower, upper] {
                    if let Bound::Included(v) | Bound::Excluded(v) = b {
                        whole_number(field, v)?;
                    }
                }
                let ub = |b: &Bound<String>| match b {
                    Bound::Included(s) => UserInputBound::Inclusive(s.clone()),
                    Bound::Excluded(s) => UserInputBound::Exclusive(s.clone()),
                    Bound::Unbounded => UserInputBound::Unbounded,
                };
                self.leaf(UserInputLeaf::Range {
                    field: Some(field.clone()),
                    lower: ub(lower),
                    upper: ub(upper),
                })
            }
            // `time:[* TO *]` bounds nothing: every event (tantivy's range query needs a bound).
            Clause::Time {
                lower: Bound::Unbounded,
                upper: Bound::Unbounded,
            } => Ok(Box::new(AllQuery)),
            Clause::Time { lower, upper } => {
                let term = |t: &i64| Term::from_field_i64(f.time, *t);
                Ok(Box::new(RangeQuery::new(
                    lower.as_ref().map(term),
                    upper.as_ref().map(term),
                )))
            }
            Clause::Compare(cmp) => match self.index_compare(cmp)? {
                Some(q) => Ok(q),
                None => {
                    self.reads_stored.set(true);
                    let cmp = cmp.clone();
                    Ok(exact_query(
                        f,
                        std::sync::Arc::new(move |e| cmp.matches(e)),
                        &self.trouble,
                    ))
                }
            },
        }
    }

    /// A comparison the index answers exactly by itself: `=` on a keyword field (whole value,
    /// lower-cased on both sides, a missing field has no term) or a plain number on a numeric
    /// field. Everything else needs the stored event.
    fn index_compare(&self, c: &Compare) -> Result<Option<Box<dyn Query>>, IndexError> {
        if c.not_equal {
            return Ok(None);
        }
        match kind(&c.field) {
            Some(Kind::Keyword) if c.has_wildcard() => {
                self.keyword_wildcard(&c.field, &c.pattern).map(Some)
            }
            Some(Kind::Keyword) => self.literal(Some(&c.field), &c.pattern).map(Some),
            Some(Kind::Number) if c.field != "time" && c.pattern.parse::<u64>().is_ok() => {
                self.literal(Some(&c.field), &c.pattern).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Words of `value` in `field` (or the default fields): a phrase on text fields, the whole
    /// value on keyword fields, a number on numeric ones.
    fn literal(&self, field: Option<&str>, value: &str) -> Result<Box<dyn Query>, IndexError> {
        self.leaf(literal_leaf(field, value))
    }

    fn leaf(&self, leaf: UserInputLeaf) -> Result<Box<dyn Query>, IndexError> {
        let shown = format!("{leaf:?}");
        self.leaf_shown_as(leaf, &shown)
    }

    /// The parser's query for `leaf`; its refusal is prefixed with `shown`.
    fn leaf_shown_as(
        &self,
        leaf: UserInputLeaf,
        shown: &str,
    ) -> Result<Box<dyn Query>, IndexError> {
        self.parser
            .build_query_from_user_input_ast(UserInputAst::Leaf(Box::new(leaf)))
            .map_err(|e| IndexError::BadQuery(format!("{shown}: {e}")))
    }

    /// `field:ab*cd` on a keyword field: a regex over its lower-cased term dictionary.
    fn keyword_wildcard(&self, field: &str, pattern: &str) -> Result<Box<dyn Query>, IndexError> {
        let re = wildcard_regex(&pattern.to_lowercase());
        let q = RegexQuery::from_pattern(&re, self.inner.fields.named(field)).map_err(other)?;
        Ok(Box::new(q))
    }
}

/// `value` as one term or phrase of `field` (or of the default fields).
fn literal_leaf(field: Option<&str>, value: &str) -> UserInputLeaf {
    UserInputLeaf::Literal(UserInputLiteral {
        field_name: field.map(str::to_string),
        phrase: value.to_string(),
        delimiter: Delimiter::DoubleQuotes,
        slop: 0,
        prefix: false,
    })
}

/// Numeric fields hold whole numbers: say so rather than pass on a parse error.
fn whole_number(field: &str, value: &str) -> Result<(), IndexError> {
    match value.parse::<u64>() {
        Ok(_) => Ok(()),
        Err(_) => Err(IndexError::BadQuery(format!(
            "`{field}:{value}`: {field} holds whole numbers"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_regex;

    #[test]
    fn wildcard_regex_escapes_everything_but_the_star() {
        assert_eq!(wildcard_regex("*corp.local"), r"(?s:.*)corp\.local");
        assert_eq!(wildcard_regex(r"corp\*"), r"corp\\(?s:.*)");
    }
}
