//! Hunt results as text: a terminal table (sanitized, fitted to the width), CSV and JSON (exact
//! text). Only kept rows are shown; suppressed rows are counted in the summary.

use chrono_tz::Tz;
use serde_json::{Map, Value};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::exclusions::column_value;
use super::model::{Group, HuntResult, SavedQuery};
use crate::sanitize::inert_line;

/// One row as Splunk shows it: `analytic` plus the output columns (count a number).
pub fn row_json(q: &SavedQuery, g: &Group, tz: Option<Tz>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("analytic".into(), Value::String(q.id.clone()));
    for c in &q.columns {
        let v = if c == "count" {
            Value::from(g.count)
        } else {
            Value::String(column_value(q, g, c, tz).unwrap_or_default())
        };
        m.insert(c.clone(), v);
    }
    m
}

/// All kept rows of all results as one JSON array.
pub fn render_json(results: &[HuntResult], tz: Option<Tz>) -> String {
    let rows: Vec<Value> = results
        .iter()
        .flat_map(|r| {
            r.kept()
                .map(move |g| Value::Object(row_json(&r.query, g, tz)))
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(rows)).unwrap_or_default();
    s.push('\n');
    s
}

/// All kept rows as RFC 4180 CSV (CRLF line ends). The header is `analytic` then the union of
/// the analytics' columns in first-seen order; a column an analytic lacks is left empty.
pub fn render_csv(results: &[HuntResult], tz: Option<Tz>) -> String {
    let mut cols: Vec<&str> = vec!["analytic"];
    for r in results {
        for c in &r.query.columns {
            if !cols.contains(&c.as_str()) {
                cols.push(c);
            }
        }
    }
    let mut out = String::new();
    push_csv_line(&mut out, cols.iter().map(|c| c.to_string()));
    for r in results {
        for g in r.kept() {
            let cells = cols.iter().map(|c| {
                if *c == "analytic" {
                    r.query.id.clone()
                } else {
                    column_value(&r.query, g, c, tz).unwrap_or_default()
                }
            });
            push_csv_line(&mut out, cells);
        }
    }
    out
}

fn push_csv_line(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if c.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&c);
        }
    }
    out.push_str("\r\n");
}

/// A terminal table per analytic, fitted to `width` columns, then its summary: rows, events,
/// suppressed rows, dropped events, and per exclusion the rows and events it suppressed.
/// Every cell passes through `inert_line` (newlines shown as ⏎); long cells end with `…`.
pub fn render_table(results: &[HuntResult], tz: Option<Tz>, width: usize) -> String {
    let mut out = String::new();
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let q = &r.query;
        let kind = match q.kind {
            super::model::QueryKind::Parity => "parity",
            super::model::QueryKind::Extended => "extended",
        };
        let title = format!("== {} ({}) [{kind}] ==", q.name, q.id);
        out.push_str(&fit(&inert_line(&title), width.max(1)));
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .kept()
            .map(|g| {
                q.columns
                    .iter()
                    .map(|c| {
                        inert_line(&column_value(q, g, c, tz).unwrap_or_default()).into_owned()
                    })
                    .collect()
            })
            .collect();
        if rows.is_empty() {
            out.push_str("(no rows)\n");
        } else {
            let header: Vec<String> = q
                .columns
                .iter()
                .map(|c| inert_line(c).into_owned())
                .collect();
            let widths = column_widths(&header, &rows, width);
            push_row(&mut out, &header, &widths);
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            push_row(&mut out, &rule, &widths);
            for row in &rows {
                push_row(&mut out, row, &widths);
            }
        }
        let summary = format!(
            "rows: {}  events: {}  suppressed rows: {}  dropped events: {}",
            r.rows(),
            r.events(),
            r.suppressed_rows(),
            r.dropped.len()
        );
        out.push_str(&fit(&summary, width.max(1)));
        out.push('\n');
        for (id, s) in &r.suppressed {
            let line = format!(
                "  exclusion {id}: suppressed {} rows, {} events",
                s.rows, s.events
            );
            out.push_str(&fit(&inert_line(&line), width.max(1)));
            out.push('\n');
        }
    }
    out
}

const SEP: &str = "  ";

/// Columns whose text is short and must stay whole while the others still have room to give.
const KEEP_WHOLE: &[&str] = &["EventCode", "count", "firstTime", "lastTime"];

/// Natural widths, then the widest text columns capped until the row fits the terminal; the
/// short stats columns are cut only when capping the text columns to 3 is not enough.
fn column_widths(header: &[String], rows: &[Vec<String>], width: usize) -> Vec<usize> {
    let natural: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].width())
                .chain([header[i].width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let seps = SEP.len() * header.len().saturating_sub(1);
    let budget = width.saturating_sub(seps);
    let whole: Vec<bool> = header
        .iter()
        .map(|h| KEEP_WHOLE.contains(&h.as_str()))
        .collect();
    let capped = |cap: usize, all: bool| -> Vec<usize> {
        natural
            .iter()
            .zip(&whole)
            .map(|(w, keep)| if *keep && !all { *w } else { (*w).min(cap) })
            .collect()
    };
    let fits = |cap: usize, all: bool| capped(cap, all).iter().sum::<usize>() <= budget;
    let max = natural.iter().copied().max().unwrap_or(0);
    if fits(max, false) {
        return natural;
    }
    let all = !fits(3, false);
    // The largest cap that fits; never below 3 so a cell keeps a letter and its `…`.
    let (mut lo, mut hi) = (3usize, max);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid, all) {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    capped(lo, all)
}

fn push_row(out: &mut String, cells: &[String], widths: &[usize]) {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(SEP);
        }
        let cell = fit(c, *w);
        let pad = w.saturating_sub(cell.width());
        line.push_str(&cell);
        if i + 1 < cells.len() {
            line.push_str(&" ".repeat(pad));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Cut to `w` display columns, ending with `…` when cut.
fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}
