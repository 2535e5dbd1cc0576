//! The exact answer of the index to a parsed search ([`SearchExpr`]), computed on one
//! [`Event`] without the index.
//!
//! Why: a store without tantivy (ClickHouse) answers `huntbench search` by pre-selecting
//! candidates and testing each. That test must agree with the tantivy index event for event, so
//! it reproduces what the index does (`src/index/compile.rs` over `src/index/schema.rs`), not
//! what the language would ideally mean:
//! - Keyword fields hold one term: the whole non-empty value lower-cased per character
//!   (tantivy's RawTokenizer + LowerCaser, no final-sigma rule). A term longer than tantivy's
//!   `MAX_TOKEN_LEN` (65530 bytes) is dropped at indexing, so such a value matches nothing.
//! - Text fields hold words: runs of `char::is_alphanumeric` (SimpleTokenizer); a run of 40 bytes
//!   or more, measured before lower-casing, is dropped but keeps its position
//!   (RemoveLongFilter(40)); the rest lower-cased. A query value of several words is a phrase at
//!   the positions its own tokenizing gives (a dropped word inside it needs some word there, one
//!   at either end nothing), one word is any word, none matches nothing. `data` holds several
//!   values: each starts one past the end of the previous one's last kept word, as tantivy
//!   indexes a multi-valued field (so only a dropped query word bridges two values).
//! - A bare term is the same literal over [`DEFAULT_SEARCH_FIELDS`], any of them.
//! - `field:/re/` and keyword wildcards run tantivy-fst's own regex automaton (the crate the
//!   index runs) on each term, anchored at both ends: no `^`/`$`/`\b`, no lazy repetition, the
//!   same size limits and error texts.
//! - `field="…"` on a keyword field, or a whole number on a numeric one, is answered by the index
//!   from its terms, not by [`Compare::matches`]: `event_code=04104` holds for 4104, a keyword
//!   value over 65530 bytes matches nothing, and a pattern with `*` is lower-cased by
//!   `str::to_lowercase` (a final `Σ` becomes `ς`, while the term has `σ`). Every other
//!   comparison is [`Compare::matches`].
//!
//! Where it does not follow the index, on purpose:
//! - `time:[* TO *]` (both bounds open, which [`super::parse()`] accepts) makes the index panic
//!   (tantivy's `RangeQuery` needs a bound); here it holds for every event.
//! - A hand-built `Regex` or `Match` naming a field the schema lacks makes the index panic or
//!   reach internal fields (`uid`, `tags`); here it is an error.
//!
//! The search's `TimeRange` (`--earliest`/`--latest`) is the caller's to apply, as the index
//! applies it around the query: `earliest <= time < latest`.

use std::cell::OnceCell;
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;

use tantivy_fst::{Automaton, Regex};

use super::ast::{Clause, Compare, SearchExpr};
use crate::analytics::wildcard::fold;
use crate::event::Event;

/// Keyword fields, in the index schema's order (`src/index/schema.rs` builds its schema from
/// these lists, so the index and this evaluator cannot disagree on a field).
pub(crate) const KEYWORD_FIELDS: [&str; 15] = [
    "channel",
    "provider",
    "computer",
    "user_id",
    "user",
    "script_block_id",
    "path",
    "process_name",
    "process_path",
    "process_id",
    "parent_process_name",
    "parent_process_path",
    "parent_process_id",
    "original_file_name",
    "process_guid",
];

/// Text fields in the index schema's order; `data` last.
pub(crate) const TEXT_FIELDS: [&str; 5] = [
    "script_block_text",
    "process",
    "parent_process",
    "decoded_command",
    "data",
];

/// The fields a term without a field searches, as the index's query parser has them.
pub(crate) const DEFAULT_SEARCH_FIELDS: [&str; 5] =
    ["script_block_text", "process", "data", "computer", "user"];

/// Tokens this long (bytes, before lower-casing) or longer are dropped by tantivy's default
/// analyzer (`RemoveLongFilter::limit(40)`).
pub(crate) const LONG_TOKEN_BYTES: usize = 40;

/// tantivy's `MAX_TOKEN_LEN`: the indexer drops longer terms (with a warning).
const MAX_TOKEN_LEN: usize = u16::MAX as usize - 5;

/// A clause the index rejects, with the text the index puts in its `BadQuery` (or, for a
/// keyword wildcard whose automaton is too big, in its `Other`) error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

/// Does the event match the query as the index would answer it? A query the index rejects
/// matches nothing (build an [`Evaluator`] to learn why, and to test many events).
pub fn matches(expr: &SearchExpr, e: &Event) -> bool {
    Evaluator::new(expr).is_ok_and(|ev| ev.matches(e))
}

/// A query compiled once (regexes built, query words tokenized) to test many events.
#[derive(Debug, Clone)]
pub struct Evaluator {
    root: Node,
}

impl Evaluator {
    /// Compile a query; the clauses the index rejects are rejected here with its message.
    pub fn new(expr: &SearchExpr) -> Result<Evaluator, EvalError> {
        Ok(Evaluator {
            root: compile(expr)?,
        })
    }

    /// Would the index return this event for the query?
    pub fn matches(&self, e: &Event) -> bool {
        self.root.eval(&Doc::new(e))
    }
}

/// How the index holds a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// Index into [`KEYWORD_FIELDS`].
    Keyword(usize),
    /// Index into [`TEXT_FIELDS`].
    Text(usize),
    Number(Num),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    /// The one signed (`i64`) field.
    Time,
    EventCode,
    RecordId,
    MessageNumber,
    MessageTotal,
}

fn field(name: &str) -> Option<Field> {
    if let Some(i) = KEYWORD_FIELDS.iter().position(|f| *f == name) {
        return Some(Field::Keyword(i));
    }
    if let Some(i) = TEXT_FIELDS.iter().position(|f| *f == name) {
        return Some(Field::Text(i));
    }
    Some(Field::Number(match name {
        "time" => Num::Time,
        "event_code" => Num::EventCode,
        "record_id" => Num::RecordId,
        "message_number" => Num::MessageNumber,
        "message_total" => Num::MessageTotal,
        _ => return None,
    }))
}

fn is_number(name: &str) -> bool {
    matches!(field(name), Some(Field::Number(_)))
}

/// A regex automaton with the pattern it came from (the automaton's own `Debug` prints its
/// whole state table).
#[derive(Clone)]
struct TermRegex {
    pattern: String,
    automaton: Arc<Regex>,
}

impl fmt::Debug for TermRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.pattern)
    }
}

impl TermRegex {
    /// Compile as tantivy's `RegexQuery::from_pattern` does; the error is its message.
    fn new(pattern: &str) -> Result<TermRegex, String> {
        let automaton = Regex::new(pattern).map_err(|err| {
            // `TantivyError::InvalidArgument(format!("RegexQueryError: {err}"))`, displayed.
            format!("An invalid argument was passed: 'RegexQueryError: {err}'")
        })?;
        Ok(TermRegex {
            pattern: pattern.to_string(),
            automaton: Arc::new(automaton),
        })
    }

    /// Does the whole term match (the way the automaton walks the term dictionary)?
    fn is_match(&self, term: &str) -> bool {
        let a = &*self.automaton;
        let mut state = a.start();
        for &b in term.as_bytes() {
            state = a.accept(&state, b);
            if !a.can_match(&state) {
                return false;
            }
        }
        a.is_match(&state)
    }
}

/// The compiled query.
#[derive(Debug, Clone)]
enum Node {
    All,
    Nothing,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// The keyword field's term equals this (lower-cased) one.
    Keyword {
        field: usize,
        term: String,
    },
    /// One word of the text field equals this one.
    Word {
        field: usize,
        term: String,
    },
    /// The words at these relative positions, all of them, in the text field.
    Phrase {
        field: usize,
        terms: Vec<(usize, String)>,
    },
    /// A term of the field (keyword or text) matches the whole regex.
    Regex {
        field: Field,
        regex: TermRegex,
    },
    /// The numeric field is present and within the bounds.
    Number {
        field: Num,
        lower: Bound<i128>,
        upper: Bound<i128>,
    },
    /// The stored-event comparison.
    Exact(Compare),
}

fn compile(e: &SearchExpr) -> Result<Node, EvalError> {
    Ok(match e {
        SearchExpr::All => Node::All,
        SearchExpr::And(parts) => Node::And(parts.iter().map(compile).collect::<Result<_, _>>()?),
        SearchExpr::Or(parts) => Node::Or(parts.iter().map(compile).collect::<Result<_, _>>()?),
        SearchExpr::Not(x) => Node::Not(Box::new(compile(x)?)),
        SearchExpr::Clause(c) => clause(c)?,
    })
}

fn bad(message: String) -> EvalError {
    EvalError(message)
}

/// One clause, with `compile.rs`'s checks in its order and its messages word for word.
fn clause(c: &Clause) -> Result<Node, EvalError> {
    match c {
        Clause::Match {
            field: Some(name),
            value,
        } if is_number(name) => {
            whole_number(name, value)?;
            literal(Some(name), value)
        }
        Clause::Match { field, value } => literal(field.as_deref(), value),
        Clause::Wildcard {
            field: name,
            pattern,
        } => match field(name) {
            Some(Field::Keyword(i)) => keyword_wildcard(i, pattern),
            Some(Field::Text(_)) => Err(bad(format!(
                "`{name}:{pattern}`: {name} is indexed word by word, so a wildcard there \
                 would miss text inside words; write {name}=\"{pattern}\" (Splunk's exact \
                 wildcard on the stored text)"
            ))),
            _ => Err(bad(format!(
                "`{name}:{pattern}`: {name} is a number; use a range like \
                 {name}:[4100 TO 4199] or {name}=\"{pattern}\""
            ))),
        },
        Clause::Regex {
            field: name,
            pattern,
        } => {
            let f = match field(name) {
                Some(Field::Number(_)) => {
                    return Err(bad(format!(
                        "`{name}:/{pattern}/`: {name} is a number; use a range"
                    )));
                }
                Some(f) => f,
                None => return Err(unknown_field(name)),
            };
            let regex =
                TermRegex::new(pattern).map_err(|e| bad(format!("`{name}:/{pattern}/`: {e}")))?;
            Ok(Node::Regex { field: f, regex })
        }
        Clause::Range {
            field: name,
            lower,
            upper,
        } => {
            let Some(Field::Number(num)) = field(name) else {
                return Err(bad(format!(
                    "`{name}:` ranges work on numbers (event_code, record_id, \
                     message_number, message_total) and time"
                )));
            };
            for b in [lower, upper] {
                if let Bound::Included(v) | Bound::Excluded(v) = b {
                    whole_number(name, v)?;
                }
            }
            range(name, num, lower, upper)
        }
        Clause::Time { lower, upper } => {
            let widen = |b: &Bound<i64>| b.map(i128::from);
            if matches!((lower, upper), (Bound::Unbounded, Bound::Unbounded)) {
                // The index panics here (a `RangeQuery` without a bound); every event has a time.
                return Ok(Node::All);
            }
            Ok(Node::Number {
                field: Num::Time,
                lower: widen(lower),
                upper: widen(upper),
            })
        }
        Clause::Compare(cmp) => Ok(match index_compare(cmp)? {
            Some(n) => n,
            None => Node::Exact(cmp.clone()),
        }),
    }
}

/// `compile.rs`'s `index_compare`: the comparisons the index answers from its terms.
fn index_compare(c: &Compare) -> Result<Option<Node>, EvalError> {
    if c.not_equal {
        return Ok(None);
    }
    match field(&c.field) {
        Some(Field::Keyword(i)) if c.has_wildcard() => keyword_wildcard(i, &c.pattern).map(Some),
        Some(Field::Keyword(_)) => literal(Some(&c.field), &c.pattern).map(Some),
        Some(Field::Number(_)) if c.field != "time" && c.pattern.parse::<u64>().is_ok() => {
            literal(Some(&c.field), &c.pattern).map(Some)
        }
        _ => Ok(None),
    }
}

/// Numeric fields hold whole numbers (`compile.rs`'s check before the query parser's).
fn whole_number(field: &str, value: &str) -> Result<(), EvalError> {
    match value.parse::<u64>() {
        Ok(_) => Ok(()),
        Err(_) => Err(bad(format!(
            "`{field}:{value}`: {field} holds whole numbers"
        ))),
    }
}

/// A regex on a field the schema lacks (the index panics there, see the module doc).
fn unknown_field(name: &str) -> EvalError {
    bad(format!("\"{name}\": Field does not exist: '{name}'"))
}

/// A number as the query parser reads it for the field (`u64`, or `i64` for `time`); the error
/// is its message after the leaf `shown` as tantivy's `Debug` prints it.
fn number(num: Num, value: &str, shown: impl Fn() -> String) -> Result<i128, EvalError> {
    let parsed = if num == Num::Time {
        value.parse::<i64>().map(i128::from)
    } else {
        value.parse::<u64>().map(i128::from)
    };
    parsed.map_err(|err| bad(format!("{}: Expected a valid integer: '{err:?}'", shown())))
}

/// The query parser's literal (`compile.rs`'s `literal`): a term or phrase of `value` in the
/// field, or in any of the default fields.
fn literal(name: Option<&str>, value: &str) -> Result<Node, EvalError> {
    let Some(name) = name else {
        // Each default field gets its own literal; a text field where the value has no word
        // contributes nothing; none at all is the empty query.
        let mut any: Vec<Node> = DEFAULT_SEARCH_FIELDS
            .iter()
            .filter_map(|f| field_literal(field(f).expect("a schema field"), value))
            .collect();
        return Ok(match any.len() {
            0 => Node::Nothing,
            1 => any.remove(0),
            _ => Node::Or(any),
        });
    };
    let f = field(name).ok_or_else(|| {
        bad(format!(
            "\"{name}\":\"{value}\": Field does not exist: '{name}'"
        ))
    })?;
    if let Field::Number(num) = f {
        let v = number(num, value, || format!("\"{name}\":\"{value}\""))?;
        return Ok(Node::Number {
            field: num,
            lower: Bound::Included(v),
            upper: Bound::Included(v),
        });
    }
    Ok(field_literal(f, value).unwrap_or(Node::Nothing))
}

/// A literal on a keyword or text field; `None` when the value has no words for it.
fn field_literal(f: Field, value: &str) -> Option<Node> {
    match f {
        // RawTokenizer: always exactly one token, the whole value (even when empty).
        Field::Keyword(i) => Some(Node::Keyword {
            field: i,
            term: fold(value),
        }),
        Field::Text(i) => {
            let mut terms = analyze(value);
            match terms.len() {
                0 => None,
                1 => Some(Node::Word {
                    field: i,
                    term: terms.remove(0).1,
                }),
                _ => Some(Node::Phrase { field: i, terms }),
            }
        }
        Field::Number(_) => None,
    }
}

/// The query parser's range on a numeric field; both bounds open is the empty query.
fn range(
    name: &str,
    num: Num,
    lower: &Bound<String>,
    upper: &Bound<String>,
) -> Result<Node, EvalError> {
    let shown = || {
        let lo = match lower {
            Bound::Included(w) => format!("[\"{w}\""),
            Bound::Excluded(w) => format!("{{\"{w}\""),
            Bound::Unbounded => "{\"*\"".to_string(),
        };
        let hi = match upper {
            Bound::Included(w) => format!("\"{w}\"]"),
            Bound::Excluded(w) => format!("\"{w}\"}}"),
            Bound::Unbounded => "\"*\"}".to_string(),
        };
        format!("\"{name}\":{lo} TO {hi}")
    };
    let resolve = |b: &Bound<String>| -> Result<Bound<i128>, EvalError> {
        Ok(match b {
            Bound::Included(s) if s != "*" => Bound::Included(number(num, s, shown)?),
            Bound::Excluded(s) if s != "*" => Bound::Excluded(number(num, s, shown)?),
            _ => Bound::Unbounded,
        })
    };
    let (lower, upper) = (resolve(lower)?, resolve(upper)?);
    if matches!((&lower, &upper), (Bound::Unbounded, Bound::Unbounded)) {
        return Ok(Node::Nothing);
    }
    Ok(Node::Number {
        field: num,
        lower,
        upper,
    })
}

/// `field:ab*cd` on a keyword field: `compile.rs`'s regex over the lower-cased term.
fn keyword_wildcard(i: usize, pattern: &str) -> Result<Node, EvalError> {
    let regex = TermRegex::new(&wildcard_regex(&pattern.to_lowercase())).map_err(bad)?;
    Ok(Node::Regex {
        field: Field::Keyword(i),
        regex,
    })
}

/// A Splunk wildcard (`*` = any run) as a whole-value regex, every other character literal
/// (the index compiles keyword wildcards with it too).
pub(crate) fn wildcard_regex(pattern: &str) -> String {
    let mut re = String::with_capacity(pattern.len() * 2);
    for c in pattern.chars() {
        match c {
            '*' => re.push_str("(?s:.*)"),
            c if "\\.+?()|[]{}^$#&-~".contains(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
    }
    re
}

/// tantivy's default analyzer on one value: (position, word) for the words it keeps.
/// Positions count every word SimpleTokenizer finds, the dropped long ones too.
fn analyze(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut position = 0usize;
    let mut chars = text.char_indices();
    while let Some((start, c)) = chars.next() {
        if !c.is_alphanumeric() {
            continue;
        }
        let end = chars
            .by_ref()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(text.len(), |(i, _)| i);
        let word = &text[start..end];
        if word.len() < LONG_TOKEN_BYTES {
            out.push((position, fold(word)));
        }
        position += 1;
    }
    out
}

/// The positioned words of a field's values as tantivy's postings writer records them: each
/// value's positions start at the previous value's end (one past its last kept word) plus a gap
/// of one. Positions are `u32` there; wrapping like a release build of it.
fn index_words(values: &[&str]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut base: u32 = 0;
    for v in values {
        let mut end = base;
        for (pos, word) in analyze(v) {
            if word.len() > MAX_TOKEN_LEN {
                continue;
            }
            let start = base.wrapping_add(pos as u32);
            end = end.max(start.wrapping_add(1));
            out.push((start, word));
        }
        base = end.wrapping_add(1);
    }
    out
}

/// One event as the index holds it, each field's terms worked out on first use.
struct Doc<'e> {
    e: &'e Event,
    keyword: [OnceCell<Option<String>>; KEYWORD_FIELDS.len()],
    text: [OnceCell<Vec<(u32, String)>>; TEXT_FIELDS.len()],
}

impl<'e> Doc<'e> {
    fn new(e: &'e Event) -> Doc<'e> {
        Doc {
            e,
            keyword: std::array::from_fn(|_| OnceCell::new()),
            text: std::array::from_fn(|_| OnceCell::new()),
        }
    }

    /// The keyword field's one term, if the index has one.
    fn keyword(&self, i: usize) -> Option<&str> {
        self.keyword[i]
            .get_or_init(|| {
                keyword_value(self.e, i)
                    .filter(|v| !v.is_empty())
                    .map(fold)
                    .filter(|t| t.len() <= MAX_TOKEN_LEN)
            })
            .as_deref()
    }

    /// The text field's positioned words, in position order.
    fn words(&self, i: usize) -> &[(u32, String)] {
        self.text[i].get_or_init(|| index_words(&text_values(self.e, i)))
    }

    fn number(&self, n: Num) -> Option<i128> {
        let e = self.e;
        match n {
            Num::Time => Some(i128::from(e.time)),
            Num::EventCode => Some(i128::from(e.event_code)),
            Num::RecordId => e.record_id.map(i128::from),
            Num::MessageNumber => e.message_number.map(i128::from),
            Num::MessageTotal => e.message_total.map(i128::from),
        }
    }
}

/// The value `Fields::document` gives keyword field `i` (before its empty check).
fn keyword_value(e: &Event, i: usize) -> Option<&str> {
    match i {
        0 => Some(e.channel.as_str()),
        1 => Some(e.provider.as_str()),
        2 => Some(e.computer.as_str()),
        3 => e.user_id.as_deref(),
        4 => e.user.as_deref(),
        5 => e.script_block_id.as_deref(),
        6 => e.path.as_deref(),
        7 => e.process_name.as_deref(),
        8 => e.process_path.as_deref(),
        9 => e.process_id.as_deref(),
        10 => e.parent_process_name.as_deref(),
        11 => e.parent_process_path.as_deref(),
        12 => e.parent_process_id.as_deref(),
        13 => e.original_file_name.as_deref(),
        _ => e.process_guid.as_deref(),
    }
}

/// The values `Fields::document` adds to text field `i`: the non-empty long text, or for `data`
/// the non-empty EventData values (in name order) that are not one of those long texts.
fn text_values(e: &Event, i: usize) -> Vec<&str> {
    let long = [
        e.script_block_text.as_deref(),
        e.process.as_deref(),
        e.parent_process.as_deref(),
        e.decoded_command.as_deref(),
    ];
    match long.get(i) {
        Some(v) => v.filter(|v| !v.is_empty()).into_iter().collect(),
        None => e
            .data
            .values()
            .map(String::as_str)
            .filter(|v| !v.is_empty() && !long.contains(&Some(v)))
            .collect(),
    }
}

/// Do the phrase's words sit at its relative positions somewhere in `words`? (Positions are
/// strictly increasing there, so each is found by binary search.)
fn phrase_at(words: &[(u32, String)], terms: &[(usize, String)]) -> bool {
    let Some(((first_off, first), rest)) = terms.split_first() else {
        return false;
    };
    let at = |pos: i64, term: &str| {
        u32::try_from(pos).is_ok_and(|pos| {
            words
                .binary_search_by_key(&pos, |(p, _)| *p)
                .is_ok_and(|k| words[k].1 == term)
        })
    };
    words.iter().filter(|(_, w)| w == first).any(|(p, _)| {
        let shift = i64::from(*p) - *first_off as i64;
        rest.iter().all(|(off, term)| at(shift + *off as i64, term))
    })
}

fn within(v: i128, lower: &Bound<i128>, upper: &Bound<i128>) -> bool {
    let above = match lower {
        Bound::Included(l) => v >= *l,
        Bound::Excluded(l) => v > *l,
        Bound::Unbounded => true,
    };
    let below = match upper {
        Bound::Included(u) => v <= *u,
        Bound::Excluded(u) => v < *u,
        Bound::Unbounded => true,
    };
    above && below
}

impl Node {
    fn eval(&self, d: &Doc<'_>) -> bool {
        match self {
            Node::All => true,
            Node::Nothing => false,
            // An empty BooleanQuery matches nothing, whichever its occur.
            Node::And(parts) => !parts.is_empty() && parts.iter().all(|p| p.eval(d)),
            Node::Or(parts) => parts.iter().any(|p| p.eval(d)),
            Node::Not(x) => !x.eval(d),
            Node::Keyword { field, term } => d.keyword(*field) == Some(term.as_str()),
            Node::Word { field, term } => d.words(*field).iter().any(|(_, w)| w == term),
            Node::Phrase { field, terms } => phrase_at(d.words(*field), terms),
            Node::Regex {
                field: Field::Keyword(i),
                regex,
            } => d.keyword(*i).is_some_and(|t| regex.is_match(t)),
            Node::Regex {
                field: Field::Text(i),
                regex,
            } => d.words(*i).iter().any(|(_, w)| regex.is_match(w)),
            Node::Regex { .. } => false,
            Node::Number {
                field,
                lower,
                upper,
            } => d.number(*field).is_some_and(|v| within(v, lower, upper)),
            Node::Exact(c) => c.matches(d.e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::search::parse;
    use std::collections::BTreeMap;

    fn ev() -> Event {
        let mut data = BTreeMap::new();
        data.insert("CommandLine".to_string(), "cmd /c whoami".to_string());
        data.insert("TargetUserName".to_string(), "Bob".to_string());
        data.insert("Blank".to_string(), String::new());
        Event {
            time: 1_000,
            event_code: 4104,
            channel: "Microsoft-Windows-PowerShell/Operational".into(),
            computer: "WS01.corp.local".into(),
            record_id: Some(42),
            user: Some(r"CORP\Alice".into()),
            script_block_text: Some("Invoke-Command -ComputerName SRV01 {whoami}".into()),
            process: Some("cmd /c whoami".into()),
            process_name: Some("PowerShell.exe".into()),
            data,
            ..Default::default()
        }
    }

    fn q(query: &str, e: &Event) -> bool {
        let expr = parse(query, 0).unwrap();
        Evaluator::new(&expr).unwrap().matches(e)
    }

    fn err(query: &str) -> String {
        Evaluator::new(&parse(query, 0).unwrap()).unwrap_err().0
    }

    #[test]
    fn the_default_analyzer_splits_drops_long_words_and_lowercases() {
        assert_eq!(
            analyze("Invoke-Command, c:\\X"),
            [
                (0, "invoke".to_string()),
                (1, "command".into()),
                (2, "c".into()),
                (3, "x".into())
            ]
        );
        // 40 bytes is dropped, 39 kept; the dropped word keeps its position.
        let w39 = "a".repeat(39);
        let w40 = "b".repeat(40);
        assert_eq!(
            analyze(&format!("{w40} {w39} z")),
            [(1, w39.clone()), (2, "z".into())]
        );
        // The limit is on bytes before lower-casing: 20 × `İ` (2 bytes) is 40 bytes, dropped;
        // 13 × Kelvin sign (3 bytes) is 39 bytes, kept and lower-cased to 13 × `k`.
        assert!(analyze(&"İ".repeat(20)).is_empty());
        assert_eq!(analyze(&"\u{212A}".repeat(13)), [(0, "k".repeat(13))]);
        assert_eq!(analyze("İ"), [(0, "i\u{307}".to_string())]);
        // Digits and letters of every script are word characters; CRLF and `_` are not.
        assert_eq!(
            analyze("ab_٣\r\nΣΑΣ"),
            [(0, "ab".into()), (1, "٣".into()), (2, "σασ".into())]
        );
    }

    #[test]
    fn data_values_continue_positions_after_a_gap() {
        let words = index_words(&["a b", "--", "c"]);
        // "a b" ends at 2, the gap makes 3; "--" has no word and ends at 3, +1 = 4.
        assert_eq!(
            words,
            [(0, "a".to_string()), (1, "b".into()), (4, "c".into())]
        );
        let mut e = Event::default();
        e.data.insert("A".into(), "alpha".into());
        e.data.insert("B".into(), "beta".into());
        assert!(q("data:alpha", &e) && q("data:beta", &e));
        assert!(
            !q(r#"data:"alpha beta""#, &e),
            "a phrase does not span values"
        );
        // ... unless a dropped long word in the query spans the gap, as it does in the index.
        let long = "x".repeat(45);
        assert!(q(&format!(r#"data:"alpha {long} beta""#), &e));
    }

    #[test]
    fn keyword_fields_compare_whole_lowercased_values() {
        let e = ev();
        assert!(q("computer:ws01.corp.local", &e));
        assert!(q("computer:WS01.CORP.LOCAL", &e));
        assert!(!q("computer:ws01", &e));
        assert!(q(r#"user:"corp\alice""#, &e));
        assert!(q("process_name:powershell.exe", &e));
        assert!(!q("process_path:x", &e), "a missing field has no term");
        // Empty values are not indexed: nothing equals "".
        let mut e2 = e.clone();
        e2.provider = String::new();
        assert!(!q(r#"provider:"""#, &e2));
    }

    #[test]
    fn text_fields_match_words_and_phrases() {
        let e = ev();
        assert!(q("script_block_text:invoke", &e));
        assert!(q("script_block_text:Invoke-Command", &e));
        assert!(q(r#"script_block_text:"computername srv01""#, &e));
        assert!(!q(r#"script_block_text:"srv01 computername""#, &e));
        assert!(!q("script_block_text:invoke-computername", &e));
        assert!(!q("script_block_text:invok", &e));
        // Punctuation only: no word, so nothing (and NOT of it everything).
        assert!(!q(r#"script_block_text:"--""#, &e));
        assert!(q(r#"NOT script_block_text:"--""#, &e));
        // `data` skips the EventData value equal to the command line.
        assert!(q("data:bob", &e));
        let mut only = Event {
            process: Some("x".into()),
            ..Default::default()
        };
        only.data.insert("CommandLine".into(), "x".into());
        assert!(!q("data:x", &only));
        assert!(q("process:x", &only));
    }

    #[test]
    fn bare_terms_search_the_default_fields() {
        let e = ev();
        assert!(q("whoami", &e));
        assert!(q("srv01", &e));
        assert!(q("bob", &e), "data is a default field");
        assert!(
            q("ws01.corp.local", &e),
            "a phrase of words in no text field, the computer"
        );
        assert!(q(r#""corp\alice""#, &e), "the user's whole value");
        assert!(!q("alice", &e), "the user is a keyword: no words");
        assert!(
            !q("powershell.exe", &e),
            "process_name is not a default field"
        );
        assert!(!q(r#""--""#, &e));
        let dash = Event {
            computer: "--".into(),
            ..Default::default()
        };
        assert!(q(r#""--""#, &dash), "keyword default fields take any value");
    }

    #[test]
    fn booleans_combine() {
        let e = ev();
        assert!(q("whoami AND computer:ws01.corp.local", &e));
        assert!(!q("whoami AND NOT computer:ws01.corp.local", &e));
        assert!(q("nothing OR srv01", &e));
        assert!(q("-nothing", &e));
        assert!(!q("-(whoami nothing) srv02", &e));
        assert!(q("(nothing OR invoke) -srv02", &e));
        assert!(q("", &e) && q("*", &e));
        // Hand-built empty groups are empty BooleanQueries: nothing.
        for x in [SearchExpr::And(vec![]), SearchExpr::Or(vec![])] {
            assert!(!Evaluator::new(&x).unwrap().matches(&e));
        }
    }

    #[test]
    fn wildcards_and_regexes_run_on_terms() {
        let e = ev();
        assert!(q("computer:ws01*", &e));
        assert!(q("computer:*CORP*", &e));
        assert!(!q("computer:ws01", &e));
        assert!(q("computer:*", &e));
        assert!(!q("process_guid:*", &e));
        assert!(q(r"user:corp\*", &e));
        assert!(q("process_name:/power.*/", &e));
        assert!(!q("process_name:/power/", &e), "anchored at both ends");
        assert!(!q("process_name:/Power.*/", &e), "terms are lower-cased");
        assert!(
            q("script_block_text:/srv0[0-9]/", &e),
            "any word of a text field"
        );
        assert!(
            !q("script_block_text:/invoke.command/", &e),
            "not across words"
        );
        assert!(q("data:/b.b/", &e));
    }

    #[test]
    fn numbers_ranges_and_time() {
        let e = ev();
        assert!(q("event_code:4104", &e));
        assert!(q("event_code:[4100 TO 4199]", &e));
        assert!(!q("event_code:{4104 TO 4199]", &e));
        assert!(q("event_code:>=4104 record_id:<43", &e));
        assert!(
            !q("message_number:>=0", &e),
            "a missing number is in no range"
        );
        assert!(
            !q("event_code:[* TO *]", &e),
            "the parser drops an open range: nothing"
        );
        assert!(q("time:>=1970-01-01", &e));
        assert!(!q("time:>1970-01-02", &e));
        assert!(q("time:[* TO *]", &e));
        // The index answers `=` on a number from its terms: a leading zero is the same number.
        assert!(q("EventCode=04104", &e));
        assert!(
            q("EventCode=41*", &e),
            "a wildcard is the stored-event comparison"
        );
        assert!(!q("EventCode=041*", &e));
    }

    #[test]
    fn comparisons_follow_the_index() {
        let e = ev();
        assert!(q(r#"Computer="ws01.corp.LOCAL""#, &e));
        assert!(q(r#"Computer="*corp*""#, &e));
        assert!(q(r#"TargetUserName="b*""#, &e));
        assert!(q(r#"TargetUserName!="alice""#, &e));
        assert!(!q(r#"Nosuch!="alice""#, &e), "`!=` needs the field");
        assert!(q(r#"NOT Nosuch="alice""#, &e));
        assert!(q(r#"ScriptBlockText="*-computername srv01*""#, &e));
        assert!(q(r#"Message="*whoami*""#, &e));
        // The Kelvin sign lower-cases to `k`, so the keyword term of `\u{212A}X` is `kx`.
        let k = Event {
            computer: "\u{212A}X".into(),
            ..Default::default()
        };
        assert!(q("computer:kx", &k));
        assert!(q(r#"computer="KX""#, &k));
    }

    #[test]
    fn rejects_what_the_index_rejects_with_its_words() {
        assert_eq!(
            err("script_block_text:inv*"),
            "`script_block_text:inv*`: script_block_text is indexed word by word, so a wildcard \
             there would miss text inside words; write script_block_text=\"inv*\" (Splunk's \
             exact wildcard on the stored text)"
        );
        assert!(err("event_code:41*").contains("event_code is a number; use a range"));
        assert_eq!(
            err("record_id:/1.*/"),
            "`record_id:/1.*/`: record_id is a number; use a range"
        );
        assert_eq!(
            err("event_code:abc"),
            "`event_code:abc`: event_code holds whole numbers"
        );
        assert!(err("computer:[a TO b]").starts_with("`computer:` ranges work on numbers"));
        assert!(err("computer:/^ws/").starts_with(
            "`computer:/^ws/`: An invalid argument was passed: 'RegexQueryError: Empty match"
        ));
        assert!(err("computer:/a+?/").contains("Lazy"));
        assert!(err("computer:/(/").contains("RegexQueryError"));
        assert!(!matches(&parse("computer:/(/", 0).unwrap(), &ev()));
        let hand = SearchExpr::Clause(Clause::Match {
            field: Some("time".into()),
            value: "18446744073709551615".into(),
        });
        assert!(
            Evaluator::new(&hand)
                .unwrap_err()
                .0
                .starts_with("\"time\":\"18446744073709551615\": Expected a valid integer")
        );
    }

    #[test]
    fn one_evaluator_serves_many_threads() {
        // A store tests candidates in parallel with one compiled query.
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Evaluator>();
    }

    #[test]
    fn long_keyword_values_are_not_indexed() {
        let mut e = Event {
            computer: "a".repeat(MAX_TOKEN_LEN + 1),
            ..Default::default()
        };
        assert!(!q("computer:*", &e));
        e.computer.pop();
        assert!(q("computer:*", &e));
    }
}
