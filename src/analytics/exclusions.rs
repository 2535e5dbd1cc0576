//! Exclusions applied to result rows, like an ESCU `_filter` macro: after the stats, on output
//! columns only (SEMANTICS.md §6).

use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::model::{Exclusion, ExclusionOp, Group, HuntResult, SavedQuery, Suppression};
use super::wildcard::{Wildcard, fold};
use crate::time::ctime;

/// SHA-256 of the exact text (UTF-8 bytes), lowercase hex.
pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text of an output column of a row: a by-field value, `count`, or `firstTime`/`lastTime`
/// rendered like `security_content_ctime`. `None` for a name that is not a column.
pub fn column_value(q: &SavedQuery, g: &Group, column: &str, tz: Option<Tz>) -> Option<String> {
    if let Some(i) = q.by.iter().position(|b| b == column) {
        return g.key.get(i).cloned();
    }
    match column {
        "count" => Some(g.count.to_string()),
        "firstTime" => Some(ctime(g.first, tz)),
        "lastTime" => Some(ctime(g.last, tz)),
        _ => None,
    }
}

/// Does this exclusion match this row? Disabled exclusions and other analytics' never do.
pub fn exclusion_matches(q: &SavedQuery, x: &Exclusion, g: &Group) -> bool {
    if !x.enabled || x.analytic != g.analytic {
        return false;
    }
    let Some(v) = column_value(q, g, &x.field, None) else {
        return false;
    };
    op_matches(&x.op, &v)
}

/// Test one operation against a column's text.
pub fn op_matches(op: &ExclusionOp, v: &str) -> bool {
    match op {
        ExclusionOp::Equals(p) => fold(p) == fold(v),
        ExclusionOp::Wildcard(p) => Wildcard::new(p).matches(v),
        ExclusionOp::OneOf(ps) => {
            let v = fold(v);
            ps.iter().any(|p| fold(p) == v)
        }
        ExclusionOp::Sha256(h) => h.eq_ignore_ascii_case(&sha256_hex(v)),
    }
}

/// Mark suppressed rows and count, per enabled exclusion of this analytic, the rows and events it
/// suppressed (a row matched by two exclusions counts for both). Earlier marks are replaced.
pub fn apply_exclusions(result: &mut HuntResult, exclusions: &[Exclusion]) {
    let q = &result.query;
    let active: Vec<&Exclusion> = exclusions
        .iter()
        .filter(|x| x.enabled && x.analytic == q.id)
        .collect();
    result.suppressed.clear();
    for x in &active {
        result
            .suppressed
            .insert(x.id.clone(), Suppression::default());
    }
    for g in &mut result.groups {
        g.suppressed_by.clear();
        for x in &active {
            let Some(v) = column_value(q, g, &x.field, None) else {
                continue;
            };
            if op_matches(&x.op, &v) {
                g.suppressed_by.push(x.id.clone());
                let s = result.suppressed.entry(x.id.clone()).or_default();
                s.rows += 1;
                s.events += g.count;
            }
        }
    }
}

/// Turn a CLI pattern into an operation. The rules, first that applies:
/// - `sha256:<hex>` → `Sha256` (hex lowercased; the store checks it is 64 hex digits);
/// - `in:a,b,c` → `OneOf` (the CLI's `--in` flag prefixes `in:`; items are trimmed, empty ones
///   skipped);
/// - `eq:<text>` → `Equals`, even when the text holds a `*`;
/// - text containing `*` → `Wildcard`;
/// - anything else → `Equals`.
pub fn parse_op(pattern: &str) -> ExclusionOp {
    if let Some(h) = strip_prefix_ci(pattern, "sha256:") {
        return ExclusionOp::Sha256(h.trim().to_ascii_lowercase());
    }
    if let Some(list) = strip_prefix_ci(pattern, "in:") {
        let items = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        return ExclusionOp::OneOf(items);
    }
    if let Some(v) = strip_prefix_ci(pattern, "eq:") {
        return ExclusionOp::Equals(v.to_string());
    }
    if pattern.contains('*') {
        ExclusionOp::Wildcard(pattern.to_string())
    } else {
        ExclusionOp::Equals(pattern.to_string())
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The longest wildcard pattern an exclusion may hold. Why a limit: matching a pattern of many
/// `*`-separated pieces against every row's text costs their product, and a pasted multi-MB
/// pattern ran a hunt for minutes with no feedback. An exact value (or its hash) has no limit.
pub const MAX_WILDCARD_BYTES: usize = 8 * 1024;

/// Check an operation is usable: non-empty values, a well-formed sha256, a wildcard of at most
/// [`MAX_WILDCARD_BYTES`].
pub fn validate_op(op: &ExclusionOp) -> Result<(), String> {
    if let ExclusionOp::Wildcard(v) = op
        && v.len() > MAX_WILDCARD_BYTES
    {
        return Err(format!(
            "a wildcard pattern may be at most {MAX_WILDCARD_BYTES} bytes (this one has {}): \
             to exclude one exact text, use sha256:<hex of the text> or the value itself",
            v.len()
        ));
    }
    match op {
        ExclusionOp::Equals(v) | ExclusionOp::Wildcard(v) if v.is_empty() => {
            Err("empty value".into())
        }
        ExclusionOp::OneOf(vs) if vs.is_empty() || vs.iter().any(|v| v.is_empty()) => {
            Err("a list needs at least one non-empty value".into())
        }
        ExclusionOp::Sha256(h) if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) => {
            Err(format!("sha256 must be 64 hex digits, got {h:?}"))
        }
        _ => Ok(()),
    }
}
