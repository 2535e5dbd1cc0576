//! Ad-hoc search: `field="*pattern*"` clauses are taken out of the query and verified exactly on
//! each event (Splunk wildcard semantics); the rest goes to the index's query parser.
//!
//! Why split: the index tokenizes text, so it cannot answer "substring across punctuation and
//! newlines"; the exact test is cheap once the index has narrowed the candidates.

use super::error::AnalyticsError;
use super::model::Predicate;
use super::wildcard::{Wildcard, fold};
use crate::event::Event;

/// Split a query into the index part and the wildcard predicates (`field="...*..."`, quoted, with
/// at least one `*`). Inside quotes `\"` is a quote and `\\` a backslash. Predicates are ANDed
/// with the rest, so one preceded by `NOT`/`OR`/`-` or followed by `OR` is an error.
pub fn split_search(query: &str) -> Result<(String, Vec<Predicate>), AnalyticsError> {
    let tokens = tokenize(query)?;
    let mut rest: Vec<&str> = Vec::new();
    let mut preds = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        let Some(p) = as_predicate(tok) else {
            rest.push(tok);
            continue;
        };
        let prev = i.checked_sub(1).map(|j| tokens[j].as_str());
        let next = tokens.get(i + 1).map(String::as_str);
        if matches!(prev, Some("NOT") | Some("OR")) || next == Some("OR") || tok.starts_with('-') {
            return Err(AnalyticsError::Search(format!(
                "{tok}: wildcard clauses are always ANDed (no NOT/OR around them)"
            )));
        }
        preds.push(p);
    }
    Ok((rest.join(" "), preds))
}

/// Do all predicates hold on the event? (A missing or empty field never matches.)
pub fn predicates_match(preds: &[Predicate], e: &Event) -> bool {
    preds.iter().all(|p| {
        e.get(&p.field)
            .is_some_and(|v| Wildcard::new(&p.pattern).matches_folded(&fold(&v)))
    })
}

/// Whitespace-separated tokens; quotes group (a token may be `field="a b"`).
fn tokenize(query: &str) -> Result<Vec<String>, AnalyticsError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_quote => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '"' => {
                in_quote = !in_quote;
                cur.push(c);
            }
            c if c.is_whitespace() && !in_quote => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if in_quote {
        return Err(AnalyticsError::Search(format!(
            "unterminated quote in {query:?}"
        )));
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// `field="value"` with a `*` in the value → a predicate (value unescaped).
fn as_predicate(tok: &str) -> Option<Predicate> {
    let (field, rest) = tok.trim_start_matches('-').split_once('=')?;
    let mut fc = field.chars();
    let ident = fc
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && fc.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !ident {
        return None;
    }
    let inner = rest.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n @ ('"' | '\\')) => value.push(n),
                Some(n) => {
                    value.push('\\');
                    value.push(n);
                }
                None => value.push('\\'),
            },
            '"' => return None, // not a single quoted value
            c => value.push(c),
        }
    }
    value.contains('*').then(|| Predicate {
        field: field.to_string(),
        pattern: value,
    })
}
