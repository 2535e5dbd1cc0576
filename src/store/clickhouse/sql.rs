//! SQL text: time ranges, log sources, the grouping of a parity query, and the pre-selection
//! of a search. Every value reaches the statement through [`quote`] or as a number.
//!
//! Exactness: ClickHouse folds case per code point and byte-length-preserving only, so the
//! Kelvin sign (`K`, which folds to `k`) or `İ` fold differently than Splunk (full Unicode
//! lowercase, huntbench's [`crate::analytics::wildcard::fold`]). Equality of answers is kept by
//! two rules: saved queries are matched by huntbench at ingest (their tags), and SQL only
//! narrows a search to a superset — a case-insensitive ASCII substring test, or any event
//! whose text is not all ASCII (the `ascii` column) — that huntbench then tests exactly.

use std::ops::Bound;

use super::http::quote;
use crate::analytics::search::{Clause, SearchExpr};
use crate::analytics::{MissingPolicy, SavedQuery};
use crate::time::TimeRange;

/// `time` inside `range` (`1` when unbounded).
pub(super) fn range(r: TimeRange) -> String {
    let mut parts = Vec::new();
    if let Some(e) = r.earliest {
        parts.push(format!("time >= {e}"));
    }
    if let Some(l) = r.latest {
        parts.push(format!("time < {l}"));
    }
    if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    }
}

/// `WHERE cond`.
pub(super) fn only(cond: &str) -> String {
    format!("WHERE {cond}")
}

/// Carries one of `tags` inside one of `ranges`. The tag test goes first (`PREWHERE`): it
/// reads one small column, and only the rows it keeps are read further. Left to itself,
/// ClickHouse may pick another condition to go first and read a text column of every row.
pub(super) fn tags_in(tags: &[String], ranges: &[TimeRange]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| quote(t)).collect();
    let windows: Vec<String> = ranges.iter().map(|r| format!("({})", range(*r))).collect();
    format!(
        "PREWHERE hasAny(tags, [{}]) WHERE ({})",
        tags.join(", "),
        windows.join(" OR ")
    )
}

/// The same instants as `ranges`, overlapping and touching ones joined (a shorter `OR`).
pub(super) fn merged(mut ranges: Vec<TimeRange>) -> Vec<TimeRange> {
    ranges.sort_by_key(|r| r.earliest.unwrap_or(i64::MIN));
    let mut out: Vec<TimeRange> = Vec::new();
    for r in ranges {
        match out.last_mut() {
            Some(last)
                if last.latest.is_none()
                    || r.earliest.unwrap_or(i64::MIN) <= last.latest.unwrap_or(i64::MAX) =>
            {
                last.latest = match (last.latest, r.latest) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => out.push(r),
        }
    }
    out
}

/// Any of the `(channel, codes)` pairs, channels compared case-insensitively.
pub(super) fn sources(sources: &[(String, Vec<u32>)]) -> String {
    let any: Vec<String> = sources
        .iter()
        .map(|(channel, codes)| {
            let chan = format!("lower(channel) = {}", quote(&channel.to_lowercase()));
            if codes.is_empty() {
                chan
            } else {
                let codes: Vec<String> = codes.iter().map(u32::to_string).collect();
                format!("({chan} AND event_code IN ({}))", codes.join(", "))
            }
        })
        .collect();
    if any.is_empty() {
        "0".into()
    } else {
        format!("({})", any.join(" OR "))
    }
}

/// The value an Event field name (any spelling [`crate::event::Event::get`] takes) has in
/// SQL, as text (NULL or '' when missing); `None` for names that are no column (EventData).
pub(super) fn field_text(name: &str) -> Option<String> {
    let col = match name.to_ascii_lowercase().as_str() {
        "time" | "_time" => return Some("toString(time)".into()),
        "event_code" | "eventcode" | "eventid" | "signature_id" => {
            return Some("toString(event_code)".into());
        }
        "record_id" | "recordnumber" | "eventrecordid" => {
            return Some("toString(record_id)".into());
        }
        "message_number" | "messagenumber" => return Some("toString(message_number)".into()),
        "message_total" | "messagetotal" => return Some("toString(message_total)".into()),
        "channel" | "source" | "log_name" => "channel",
        "provider" => "provider",
        "computer" | "dest" | "host" => "computer",
        "user_id" | "userid" => "user_id",
        "user" => "user",
        "script_block_text" | "scriptblocktext" => "script_block_text",
        "script_block_id" | "scriptblockid" => "script_block_id",
        "path" => "path",
        "process" | "commandline" | "command_line" => "process",
        "process_name" => "process_name",
        "process_path" | "image" => "process_path",
        "process_id" => "process_id",
        "parent_process" | "parentcommandline" => "parent_process",
        "parent_process_name" => "parent_process_name",
        "parent_process_path" | "parentimage" => "parent_process_path",
        "parent_process_id" => "parent_process_id",
        "original_file_name" | "originalfilename" => "original_file_name",
        "process_guid" | "processguid" => "process_guid",
        "decoded_command" => "decoded_command",
        _ => return None,
    };
    Some(format!("`{col}`"))
}

/// The stats of a parity query over its tagged events, grouped in the engine: one row per
/// key with count, first and last time and the uids with their times. `None` when a by-field
/// is no column (an EventData name): then huntbench groups.
pub(super) fn grouped(q: &SavedQuery, table: &str, tag: &str, r: TimeRange) -> Option<String> {
    // A Sigma row's `user` is resolved from several fields (analytics::sigma_user): grouped
    // here from the events instead.
    if q.kind == crate::analytics::QueryKind::Sigma {
        return None;
    }
    let fields: Vec<String> = q.by.iter().map(|f| field_text(f)).collect::<Option<_>>()?;
    let keys: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| match q.missing {
            MissingPolicy::FillNull => format!("if(ifNull({f}, '') = '', 'null', {f}) AS k{i}"),
            MissingPolicy::Drop => format!("assumeNotNull({f}) AS k{i}"),
        })
        .collect();
    let present: Vec<String> = match q.missing {
        MissingPolicy::FillNull => Vec::new(),
        MissingPolicy::Drop => fields
            .iter()
            .map(|f| format!("ifNull({f}, '') != ''"))
            .collect(),
    };
    let names: Vec<String> = (0..fields.len()).map(|i| format!("k{i}")).collect();
    let mut filter = format!("PREWHERE has(tags, {}) WHERE {}", quote(tag), range(r));
    for p in present {
        filter.push_str(" AND ");
        filter.push_str(&p);
    }
    Some(format!(
        "SELECT {keys}, count() AS n, min(time) AS lo, max(time) AS hi, groupArray(uid) AS uids, \
         groupArray(time) AS times FROM (SELECT {cols}, uid, time FROM {table} {filter} \
         LIMIT 1 BY uid) GROUP BY {names} FORMAT JSONEachRow",
        keys = names.join(", "),
        cols = keys.join(", "),
        names = names.join(", "),
    ))
}

/// The tagged events a parity query's stats leave out (a missing by-field, `Drop` policy):
/// uid and the first missing field's position in the by-list.
pub(super) fn dropped(q: &SavedQuery, table: &str, tag: &str, r: TimeRange) -> Option<String> {
    if q.missing != MissingPolicy::Drop {
        return None;
    }
    let fields: Vec<String> = q.by.iter().map(|f| field_text(f)).collect::<Option<_>>()?;
    let mut cases = String::new();
    for (i, f) in fields.iter().enumerate() {
        cases.push_str(&format!("ifNull({f}, '') = '', {i}, "));
    }
    Some(format!(
        "SELECT uid, time, multiIf({cases}-1) AS missing FROM {table} \
         PREWHERE has(tags, {}) WHERE {} AND missing >= 0 ORDER BY time, uid LIMIT 1 BY uid FORMAT JSONEachRow",
        quote(tag),
        range(r)
    ))
}

/// What a parity query's events satisfy beyond their sources (a superset: huntbench's
/// matcher decides): every predicate's literal pieces are in its field, and one `any_of`
/// field holds one of its values.
pub(super) fn candidates(q: &SavedQuery) -> String {
    let mut parts = Vec::new();
    for p in &q.predicates {
        if let Some(col) = field_text(&p.field).filter(|c| !c.starts_with("toString")) {
            let test = contains_all(&col, p.pattern.split('*'));
            if test != "1" {
                parts.push(test);
            }
        }
    }
    let mut any = Vec::new();
    for f in &q.selection.any_of {
        match field_text(&f.field).filter(|c| !c.starts_with("toString")) {
            Some(col) if f.values.iter().all(|v| v.is_ascii()) => {
                let values: Vec<String> = f
                    .values
                    .iter()
                    .map(|v| quote(&v.to_ascii_lowercase()))
                    .collect();
                any.push(format!(
                    "lower(ifNull({col}, '')) IN ({})",
                    values.join(", ")
                ));
            }
            // A field SQL cannot name, or a value it cannot fold: no narrowing by this list.
            _ => {
                any.clear();
                break;
            }
        }
    }
    if !any.is_empty() {
        parts.push(format!("(ascii = 0 OR {})", any.join(" OR ")));
    }
    if parts.is_empty() {
        "1".into()
    } else {
        parts.join(" AND ")
    }
}

/// Fields a bare search word looks in (the index's default search fields).
const DEFAULT_FIELDS: &[&str] = &crate::analytics::search::eval::DEFAULT_SEARCH_FIELDS;

/// A condition every event the search can match satisfies (a superset: huntbench tests each
/// candidate exactly). `1` where SQL cannot narrow (a `NOT`, a regex, a number range).
pub(super) fn prefilter(e: &SearchExpr) -> String {
    match e {
        SearchExpr::All | SearchExpr::Not(_) => "1".into(),
        SearchExpr::And(parts) => {
            let parts: Vec<String> = parts.iter().map(prefilter).filter(|p| p != "1").collect();
            if parts.is_empty() {
                "1".into()
            } else {
                format!("({})", parts.join(" AND "))
            }
        }
        SearchExpr::Or(parts) => {
            let parts: Vec<String> = parts.iter().map(prefilter).collect();
            if parts.is_empty() || parts.iter().any(|p| p == "1") {
                "1".into()
            } else {
                format!("({})", parts.join(" OR "))
            }
        }
        SearchExpr::Clause(c) => clause(c),
    }
}

fn clause(c: &Clause) -> String {
    match c {
        Clause::Time { lower, upper } => {
            let mut parts = Vec::new();
            match lower {
                Bound::Included(t) => parts.push(format!("time >= {t}")),
                Bound::Excluded(t) => parts.push(format!("time > {t}")),
                Bound::Unbounded => {}
            }
            match upper {
                Bound::Included(t) => parts.push(format!("time <= {t}")),
                Bound::Excluded(t) => parts.push(format!("time < {t}")),
                Bound::Unbounded => {}
            }
            if parts.is_empty() {
                "1".into()
            } else {
                format!("({})", parts.join(" AND "))
            }
        }
        Clause::Match { field, value } => match field.as_deref() {
            None => {
                let any: Vec<String> = DEFAULT_FIELDS.iter().map(|f| words(f, value)).collect();
                if any.iter().any(|p| p == "1") {
                    "1".into()
                } else {
                    format!("({})", any.join(" OR "))
                }
            }
            Some("event_code") => match value.trim().parse::<u32>() {
                Ok(n) => format!("event_code = {n}"),
                Err(_) => "1".into(),
            },
            Some(f) => words(f, value),
        },
        Clause::Compare(cmp) if !cmp.not_equal => {
            let col = if cmp.field == "data" {
                Some("`data`".to_string())
            } else {
                field_text(&cmp.field)
            };
            match col {
                Some(col) => contains_all(&col, cmp.pattern.split('*')),
                None if is_data_name(&cmp.field) => contains_all("`data`", cmp.pattern.split('*')),
                None => "1".into(),
            }
        }
        _ => "1".into(),
    }
}

/// An EventData name (not an Event field or a derived one like `Message`): its values are
/// inside the `data` JSON.
fn is_data_name(name: &str) -> bool {
    !name.eq_ignore_ascii_case("message")
}

/// Every word of `value` (as the index splits text: runs of letters and digits) is somewhere
/// in the field, case-insensitively: necessary for a word, phrase or whole-value match.
fn words(field: &str, value: &str) -> String {
    let col = match field {
        "data" => "`data`".to_string(),
        f => match field_text(f) {
            Some(c) if !c.starts_with("toString") => c,
            _ => return "1".into(),
        },
    };
    let tokens: Vec<String> = value
        .split(|c: char| !c.is_alphanumeric())
        // A word this long is dropped from the query as from the index: it requires nothing.
        .filter(|t| !t.is_empty() && t.len() < crate::analytics::search::eval::LONG_TOKEN_BYTES)
        .map(str::to_string)
        .collect();
    contains_all(&col, tokens.iter().map(String::as_str))
}

/// Each piece occurs in `col`, case-insensitively, or the event has non-ASCII text (where
/// SQL's folding is not Splunk's). A piece with a character JSON escapes is not looked for
/// in the `data` JSON text (it would not appear there as written).
fn contains_all<'a>(col: &str, pieces: impl Iterator<Item = &'a str>) -> String {
    let mut tests = Vec::new();
    for p in pieces.filter(|p| !p.is_empty()) {
        if col == "`data`" && p.chars().any(|c| c == '"' || c == '\\' || c < ' ') {
            continue;
        }
        if p.is_ascii() {
            tests.push(format!(
                "positionCaseInsensitive(ifNull({col}, ''), {}) > 0",
                quote(p)
            ));
        } else {
            // ASCII text cannot hold it: only the non-ASCII events are candidates.
            tests.push("0".into());
        }
    }
    if tests.is_empty() {
        return "1".into();
    }
    format!("(ascii = 0 OR ({}))", tests.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pre(q: &str) -> String {
        prefilter(&crate::analytics::search::parse(q, 0).unwrap())
    }

    #[test]
    fn words_and_comparisons_narrow_with_an_escape_for_non_ascii_text() {
        assert_eq!(
            pre("computer:ws01"),
            "(ascii = 0 OR (positionCaseInsensitive(ifNull(`computer`, ''), 'ws01') > 0))"
        );
        assert_eq!(
            pre(r#"ScriptBlockText="*Invoke-Command*""#),
            "(ascii = 0 OR (positionCaseInsensitive(ifNull(`script_block_text`, ''), 'Invoke-Command') > 0))"
        );
        assert_eq!(pre("event_code:4104"), "event_code = 4104");
    }

    #[test]
    fn a_negation_or_an_open_alternative_cannot_narrow() {
        assert_eq!(pre("NOT computer:ws01"), "1");
        assert_eq!(pre("computer:ws01 OR NOT user:x"), "1");
        assert_eq!(
            pre("event_code:4104 NOT computer:ws01"),
            "(event_code = 4104)"
        );
    }

    #[test]
    fn windows_merge_where_they_overlap_or_touch_and_not_elsewhere() {
        let w = |a: i64, b: i64| TimeRange {
            earliest: Some(a),
            latest: Some(b),
        };
        assert_eq!(
            merged(vec![w(10, 20), w(0, 5), w(5, 8), w(15, 30), w(40, 41)]),
            vec![w(0, 8), w(10, 30), w(40, 41)]
        );
        let open = TimeRange {
            earliest: Some(3),
            latest: None,
        };
        assert_eq!(
            merged(vec![w(0, 4), open, w(50, 60)]),
            vec![TimeRange {
                earliest: Some(0),
                latest: None
            }]
        );
    }

    #[test]
    fn quotes_in_a_value_stay_inside_the_literal() {
        let p = pre(r#"Path="*it's\\here*""#);
        // The search unescapes `\\` to one backslash; the literal doubles it again.
        assert!(p.contains(r"'it\'s\\here'"), "{p}");
    }
}
