//! Result rows: pivot (regroup) an analytic's groups, then filter and sort them. Runs when
//! results arrive or a key changes the view, never per frame.

use std::collections::HashMap;

use super::app::{Pivot, Results, SortBy};
use crate::analytics::model::{Group, HuntResult};

/// One table row: one group, or several merged by a pivot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub key: Vec<String>,
    pub count: u64,
    pub first: i64,
    pub last: i64,
    /// Indices of the analytic's groups merged into this row.
    pub groups: Vec<u32>,
    /// Exclusion ids when the row is suppressed (pivots never mix kept and suppressed groups).
    pub suppressed_by: Vec<String>,
    /// Lower-case key text the filter searches.
    pub hay: String,
}

const HOST_FIELDS: &[&str] = &["computer", "dest", "host"];
const USER_FIELDS: &[&str] = &["user", "user_id", "userid"];
/// The text the analyst reads: the script block, the command line, the extended analytic's
/// reassembled or decoded `text`.
const TEXT_FIELDS: &[&str] = &["scriptblocktext", "process", "text"];

fn find(by: &[String], names: &[&str]) -> Option<usize> {
    by.iter()
        .position(|b| names.iter().any(|n| b.eq_ignore_ascii_case(n)))
}

/// Position of the host column in a by-clause.
pub fn host_field(by: &[String]) -> Option<usize> {
    find(by, HOST_FIELDS)
}
/// Position of the user column in a by-clause.
pub fn user_field(by: &[String]) -> Option<usize> {
    find(by, USER_FIELDS)
}
/// Position of the text column (script text or command line) in a by-clause.
pub fn text_field(by: &[String]) -> Option<usize> {
    find(by, TEXT_FIELDS)
}

/// Column names and rows of one analytic under a pivot. Suppressed groups are left out unless
/// `with_suppressed`.
pub fn build_rows(
    result: &HuntResult,
    pivot: Pivot,
    with_suppressed: bool,
) -> (Vec<String>, Vec<Row>) {
    let by = &result.query.by;
    let pick: Vec<Option<usize>> = match pivot {
        Pivot::Full => (0..by.len()).map(Some).collect(),
        Pivot::Host => vec![host_field(by)],
        Pivot::User => vec![user_field(by)],
        Pivot::HostUser => vec![host_field(by), user_field(by)],
    };
    let columns: Vec<String> = match pivot {
        Pivot::Full => by.clone(),
        _ => pick
            .iter()
            .zip(
                ["host", "user"]
                    .iter()
                    .skip(usize::from(pivot == Pivot::User)),
            )
            .map(|(p, fallback)| p.map(|i| by[i].clone()).unwrap_or(fallback.to_string()))
            .collect(),
    };
    let groups = result
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| with_suppressed || g.is_kept());
    let mut rows: Vec<Row> = Vec::new();
    if pivot == Pivot::Full {
        rows.extend(groups.map(|(i, g)| row_of(g, i, g.key.clone())));
    } else {
        // One map per kept/suppressed, keyed by the joined pivot values: one string per group.
        let mut index: [HashMap<String, usize>; 2] = [HashMap::new(), HashMap::new()];
        let mut joined = String::new();
        for (i, g) in groups {
            joined.clear();
            for p in &pick {
                joined.push_str(p.and_then(|i| g.key.get(i)).map_or("", |s| s.as_str()));
                joined.push('\u{1f}');
            }
            let map = &mut index[usize::from(g.is_kept())];
            match map.get(joined.as_str()) {
                Some(&r) => merge(&mut rows[r], g, i),
                None => {
                    map.insert(joined.clone(), rows.len());
                    let key = pick
                        .iter()
                        .map(|p| p.and_then(|i| g.key.get(i).cloned()).unwrap_or_default())
                        .collect();
                    rows.push(row_of(g, i, key));
                }
            }
        }
    }
    (columns, rows)
}

fn row_of(g: &Group, i: usize, key: Vec<String>) -> Row {
    let hay = key.join("\u{1f}").to_lowercase();
    Row {
        key,
        count: g.count,
        first: g.first,
        last: g.last,
        groups: vec![i as u32],
        suppressed_by: g.suppressed_by.clone(),
        hay,
    }
}

fn merge(row: &mut Row, g: &Group, i: usize) {
    row.count += g.count;
    row.first = row.first.min(g.first);
    row.last = row.last.max(g.last);
    row.groups.push(i as u32);
    for id in &g.suppressed_by {
        if !row.suppressed_by.contains(id) {
            row.suppressed_by.push(id.clone());
        }
    }
}

/// Every sort order, so changing the sort never sorts on a keystroke.
pub const SORTS: [SortBy; 4] = [SortBy::Count, SortBy::First, SortBy::Last, SortBy::Name];

/// The complete row set of one analytic under a pivot: rows, column widths, constant columns,
/// time span and every sort order. Nothing is visible until filtered (`reorder`).
pub fn build_results(result: &HuntResult, pivot: Pivot, with_suppressed: bool) -> Results {
    let (columns, rows) = build_rows(result, pivot, with_suppressed);
    let constant = (0..columns.len())
        .map(|i| rows.len() > 1 && rows.iter().all(|x| x.key.get(i) == rows[0].key.get(i)))
        .collect();
    Results {
        widths: column_widths(&columns, &rows, 48),
        span: span(&rows),
        orders: SORTS.iter().map(|s| (*s, sorted(&rows, *s))).collect(),
        constant,
        columns,
        rows,
        ..Results::default()
    }
}

/// Indices of all rows in `sort` order (ties keep row order).
pub fn sorted(rows: &[Row], sort: SortBy) -> Vec<u32> {
    let mut v: Vec<u32> = (0..rows.len() as u32).collect();
    let key = |i: &u32| &rows[*i as usize];
    match sort {
        SortBy::Count => v.sort_by(|a, b| key(b).count.cmp(&key(a).count).then(a.cmp(b))),
        SortBy::First => v.sort_by(|a, b| key(a).first.cmp(&key(b).first).then(a.cmp(b))),
        SortBy::Last => v.sort_by(|a, b| key(b).last.cmp(&key(a).last).then(a.cmp(b))),
        SortBy::Name => v.sort_by(|a, b| key(a).hay.cmp(&key(b).hay).then(a.cmp(b))),
    }
    v
}

/// The indices of `among` whose row contains `needle` (already lower-case), order kept.
pub fn filtered(rows: &[Row], among: &[u32], needle: &str) -> Vec<u32> {
    if needle.is_empty() {
        return among.to_vec();
    }
    // memchr's SIMD substring search: a keystroke scans 100k rows in well under a millisecond.
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    among
        .iter()
        .copied()
        .filter(|&i| finder.find(rows[i as usize].hay.as_bytes()).is_some())
        .collect()
}

/// Indices of the rows that contain `filter` (case-insensitive), in `sort` order.
pub fn order(rows: &[Row], filter: &str, sort: SortBy) -> Vec<u32> {
    filtered(rows, &sorted(rows, sort), &filter.to_lowercase())
}

/// Earliest first and latest last over the rows.
pub fn span(rows: &[Row]) -> (i64, i64) {
    let lo = rows.iter().map(|r| r.first).min().unwrap_or(0);
    let hi = rows.iter().map(|r| r.last).max().unwrap_or(0);
    (lo, hi)
}

/// Event counts in `buckets` equal slices of `span` (the last slice includes its end).
pub fn histogram(times: &[i64], span: (i64, i64), buckets: usize) -> Vec<u32> {
    let mut h = vec![0u32; buckets];
    if buckets == 0 {
        return h;
    }
    let (lo, hi) = span;
    for &t in times {
        let i = if hi <= lo {
            0
        } else {
            let f = (t.clamp(lo, hi) - lo) as f64 / (hi - lo) as f64;
            ((f * buckets as f64) as usize).min(buckets - 1)
        };
        h[i] += 1;
    }
    h
}

/// A sparkline of bucket counts: `·` for none, `▁`..`█` scaled to the row's busiest bucket.
pub fn sparkline(h: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = h.iter().copied().max().unwrap_or(0).max(1) as u64;
    h.iter()
        .map(|&c| {
            if c == 0 {
                '·'
            } else {
                BARS[((c as u64 * 8).div_ceil(max) as usize).clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// A first-seen..last-seen bar of `width` cells on the scale `span`.
pub fn timeline(first: i64, last: i64, span: (i64, i64), width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let (lo, hi) = span;
    let pos = |t: i64| -> usize {
        if hi <= lo {
            return 0;
        }
        let f = (t.clamp(lo, hi) - lo) as f64 / (hi - lo) as f64;
        ((f * (width - 1) as f64).round() as usize).min(width - 1)
    };
    let (a, b) = (pos(first), pos(last));
    (0..width)
        .map(|i| {
            if a == b && i == a {
                '●'
            } else if i == a || i == b {
                '█'
            } else if i > a && i < b {
                '━'
            } else {
                '·'
            }
        })
        .collect()
}

/// Display width each key column needs (header or widest value, capped), measured on arrival so
/// frames do not scan rows.
pub fn column_widths(columns: &[String], rows: &[Row], cap: usize) -> Vec<usize> {
    use unicode_width::UnicodeWidthStr;
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.key.get(i))
                .map(|k| {
                    // Long values are capped anyway; measuring a prefix keeps this cheap.
                    let mut end = k.len().min(cap * 4);
                    while !k.is_char_boundary(end) {
                        end -= 1;
                    }
                    crate::sanitize::inert_line(&k[..end]).width()
                })
                .max()
                .unwrap_or(0);
            widest.max(c.width()).min(cap)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_marks_first_and_last_on_the_span() {
        assert_eq!(timeline(0, 100, (0, 100), 10), "█━━━━━━━━█");
        assert_eq!(timeline(50, 50, (0, 100), 11), "·····●·····");
        assert_eq!(timeline(20, 60, (0, 100), 6), "·█━█··");
        assert_eq!(timeline(5, 5, (5, 5), 4), "●···");
        assert_eq!(timeline(0, 1, (0, 1), 0), "");
    }

    fn row(key: &str, count: u64, first: i64) -> Row {
        Row {
            key: vec![key.into()],
            count,
            first,
            last: first,
            groups: vec![],
            suppressed_by: vec![],
            hay: key.to_lowercase(),
        }
    }

    #[test]
    fn order_filters_case_insensitively_and_sorts_stably() {
        let rows = vec![row("WS02", 1, 30), row("ws01", 5, 20), row("srv1", 5, 10)];
        assert_eq!(order(&rows, "", SortBy::Count), vec![1, 2, 0]);
        assert_eq!(order(&rows, "", SortBy::First), vec![2, 1, 0]);
        assert_eq!(order(&rows, "", SortBy::Name), vec![2, 1, 0]);
        assert_eq!(order(&rows, "Ws", SortBy::Last), vec![0, 1]);
        assert_eq!(filtered(&rows, &[1, 0], "ws0"), vec![1, 0]);
    }
}

#[cfg(test)]
mod spark_tests {
    use super::*;

    #[test]
    fn histogram_and_sparkline() {
        let h = histogram(&[0, 1, 2, 50, 99, 100], (0, 100), 4);
        assert_eq!(h, vec![3, 0, 1, 2]);
        assert_eq!(sparkline(&h), "█·▃▆");
        assert_eq!(histogram(&[7, 7], (7, 7), 3), vec![2, 0, 0]);
        assert_eq!(sparkline(&[0, 0]), "··");
    }
}
