//! Query text → [`SearchExpr`]. Precedence, loosest first: `OR`, then `AND` (also implied
//! between two terms), then `NOT`/`-`; parentheses group. This is the usual boolean order
//! (Splunk's own binds `OR` tighter than `AND`: write the parentheses and both agree).

use std::ops::Bound;

use super::ast::{Clause, Compare, SearchExpr};
use super::fields::{canonical, compare_field, known_fields};
use super::lex::{FieldValue, Tok, lex};
use crate::analytics::error::AnalyticsError;
use crate::time::parse_time;

/// Parse a query; relative times in `time:` clauses (`time:>=-24h`) count back from `now`
/// (microseconds). Errors quote the query and say where and why.
pub fn parse(query: &str, now: i64) -> Result<SearchExpr, AnalyticsError> {
    let bad = |why: String| AnalyticsError::Search(format!("{query:?}: {why}"));
    let toks = lex(query).map_err(bad)?;
    if toks.is_empty() {
        return Ok(SearchExpr::All);
    }
    let mut p = Parser {
        toks,
        at: 0,
        now,
        len: query.len(),
        depth: 0,
    };
    let e = p.or(None).map_err(bad)?;
    if let Some((pos, t)) = p.toks.get(p.at) {
        let what = if *t == Tok::Close {
            "a `)` without its `(`".to_string()
        } else {
            format!("unexpected {t:?}")
        };
        return Err(bad(format!("{what} at position {pos}")));
    }
    Ok(e)
}

/// How deep `(`, `field:(` and `NOT` may nest. Why a limit: parsing (and compiling and
/// dropping the tree) recurses once per level, so a pasted run of thousands overflowed the stack
/// and aborted the process; no real query comes near this.
const MAX_NESTING: usize = 64;

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    now: i64,
    len: usize,
    /// Open `(` and `NOT` levels around the current token.
    depth: usize,
}

impl Parser {
    /// One level deeper; an error past [`MAX_NESTING`].
    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(format!(
                "parentheses and NOT nest more than {MAX_NESTING} deep (position {})",
                self.pos()
            ));
        }
        Ok(())
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.len, |(p, _)| *p)
    }

    fn or(&mut self, field: Option<&str>) -> Result<SearchExpr, String> {
        let mut parts = vec![self.and(field)?];
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            parts.push(self.and(field)?);
        }
        Ok(one_or(parts, SearchExpr::Or))
    }

    fn and(&mut self, field: Option<&str>) -> Result<SearchExpr, String> {
        let mut parts = vec![self.unary(field)?];
        loop {
            match self.peek() {
                Some(Tok::And) => self.at += 1,
                Some(Tok::Or | Tok::Close) | None => break,
                Some(_) => {} // two terms side by side: AND
            }
            parts.push(self.unary(field)?);
        }
        Ok(one_or(parts, SearchExpr::And))
    }

    fn unary(&mut self, field: Option<&str>) -> Result<SearchExpr, String> {
        if self.peek() == Some(&Tok::Not) {
            self.at += 1;
            self.deeper()?;
            let inner = self.unary(field)?;
            self.depth -= 1;
            return Ok(SearchExpr::Not(Box::new(inner)));
        }
        self.primary(field)
    }

    fn primary(&mut self, field: Option<&str>) -> Result<SearchExpr, String> {
        let pos = self.pos();
        let Some((_, tok)) = self.toks.get(self.at).cloned() else {
            return Err(format!("a term is missing at the end (position {pos})"));
        };
        self.at += 1;
        match tok {
            Tok::Open | Tok::FieldOpen(_) => {
                let inner = match &tok {
                    Tok::FieldOpen(f) => Some(index_field(f)?),
                    _ => field.map(str::to_string),
                };
                self.deeper()?;
                let e = self.or(inner.as_deref())?;
                self.depth -= 1;
                if self.peek() != Some(&Tok::Close) {
                    return Err(format!("the `(` at position {pos} is never closed"));
                }
                self.at += 1;
                Ok(e)
            }
            Tok::Bare { text, quoted } => match field {
                Some(f) => self.field_clause(f, FieldValue::Text { text, quoted }),
                None => bare(text, quoted),
            },
            Tok::Field { name, value } => self.field_clause(&name, value),
            Tok::Compare {
                name,
                value,
                not_equal,
            } => Ok(compare(&name, value, not_equal)),
            Tok::In { name, values } => {
                if values.is_empty() {
                    return Err(format!("`{name} IN ()` lists nothing (position {pos})"));
                }
                let parts = values
                    .into_iter()
                    .map(|v| compare(&name, v, false))
                    .collect();
                Ok(one_or(parts, SearchExpr::Or))
            }
            Tok::Close => Err(format!("a term is missing before `)` (position {pos})")),
            Tok::And | Tok::Or | Tok::Not => Err(format!(
                "an operator needs a term on each side (position {pos})"
            )),
        }
    }

    /// `name:value`, or a bare term inside `name:( … )`.
    fn field_clause(&self, name: &str, value: FieldValue) -> Result<SearchExpr, String> {
        if name.eq_ignore_ascii_case("time") || name == "_time" {
            return self.time_clause(value);
        }
        let field = index_field(name)?;
        let clause = match value {
            FieldValue::Text {
                text,
                quoted: false,
            } if text.contains('*') => Clause::Wildcard {
                field,
                pattern: text,
            },
            FieldValue::Text { text, .. } => Clause::Match {
                field: Some(field),
                value: text,
            },
            FieldValue::Regex(pattern) => Clause::Regex { field, pattern },
            FieldValue::Range(lo_inc, lo, hi, hi_inc) => Clause::Range {
                field,
                lower: bound(lo, lo_inc),
                upper: bound(hi, hi_inc),
            },
            FieldValue::Cmp(op, v) => {
                let (lower, upper) = cmp_bounds(op, v);
                Clause::Range {
                    field,
                    lower,
                    upper,
                }
            }
        };
        Ok(SearchExpr::Clause(clause))
    }

    /// `time:[A TO B]`, `time:>=A`, `time:<B` (A, B as `--earliest` takes them).
    fn time_clause(&self, value: FieldValue) -> Result<SearchExpr, String> {
        let (lower, upper) = match value {
            FieldValue::Range(lo_inc, lo, hi, hi_inc) => (bound(lo, lo_inc), bound(hi, hi_inc)),
            FieldValue::Cmp(op, v) => cmp_bounds(op, v),
            _ => {
                return Err(
                    "`time:` takes a range: time:[2024-10-21T11:00:00 TO 2024-10-21T12:00:00], \
                     time:>=-24h or time:<2024-10-22"
                        .into(),
                );
            }
        };
        let at = |b: Bound<String>| -> Result<Bound<i64>, String> {
            Ok(match b {
                Bound::Included(s) => Bound::Included(parse_time(&s, self.now)?),
                Bound::Excluded(s) => Bound::Excluded(parse_time(&s, self.now)?),
                Bound::Unbounded => Bound::Unbounded,
            })
        };
        Ok(SearchExpr::Clause(Clause::Time {
            lower: at(lower)?,
            upper: at(upper)?,
        }))
    }
}

/// A bare term: words of the default fields, `*` alone for everything.
fn bare(text: String, quoted: bool) -> Result<SearchExpr, String> {
    if !quoted && text == "*" {
        return Ok(SearchExpr::All);
    }
    if !quoted && text.contains('*') {
        return Err(format!(
            "`{text}`: a wildcard needs a field: `computer:{text}` (keyword fields) or \
             `script_block_text=\"{text}\"` (exact, any field)"
        ));
    }
    Ok(SearchExpr::Clause(Clause::Match {
        field: None,
        value: text,
    }))
}

fn compare(name: &str, pattern: String, not_equal: bool) -> SearchExpr {
    SearchExpr::Clause(Clause::Compare(Compare::new(
        compare_field(name),
        pattern,
        not_equal,
    )))
}

/// The normalized index field of a `field:` clause, or an error listing the known ones.
fn index_field(name: &str) -> Result<String, String> {
    match canonical(name) {
        Some(n) => Ok(n.to_string()),
        None => Err(format!(
            "unknown field `{name}` in `{name}:` (fields: {}); `{name}=\"…\"` compares the \
             EventData field of that name, `Message=\"…\"` the event's whole text; quote a term \
             to search its words (\"C:\\Windows\")",
            known_fields()
        )),
    }
}

fn bound(s: String, inclusive: bool) -> Bound<String> {
    match (s.as_str(), inclusive) {
        ("*", _) => Bound::Unbounded,
        (_, true) => Bound::Included(s),
        (_, false) => Bound::Excluded(s),
    }
}

fn cmp_bounds(op: &str, v: String) -> (Bound<String>, Bound<String>) {
    match op {
        ">=" => (Bound::Included(v), Bound::Unbounded),
        ">" => (Bound::Excluded(v), Bound::Unbounded),
        "<=" => (Bound::Unbounded, Bound::Included(v)),
        _ => (Bound::Unbounded, Bound::Excluded(v)),
    }
}

fn one_or(mut parts: Vec<SearchExpr>, wrap: fn(Vec<SearchExpr>) -> SearchExpr) -> SearchExpr {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        wrap(parts)
    }
}
