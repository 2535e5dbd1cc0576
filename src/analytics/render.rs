//! Hunt results as text: a terminal table (inert, fitted to the width, or one block per record),
//! CSV (inert and formula-guarded, or exact) and JSON (exact, typed). Only kept rows are shown;
//! suppressed rows are counted in the summary.

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::exclusions::column_value;
use super::model::{Group, HuntResult, QueryKind, SavedQuery};
use crate::output::{Column, CsvMode, Fit, Layout, OutputError, Table, csv_text, sid_label};
use crate::sanitize::inert_line;

/// One row as Splunk shows it: `analytic` plus the output columns, typed: `count` a number, a
/// missing value `null` (an empty value counts as missing, SEMANTICS.md §3). The process
/// analytic's `"null"` strings are Splunk's own (`fillnull_value=null`) and stay strings. The
/// extended analytic's `escu` is a boolean and its `targets` a list.
pub fn row_json(q: &SavedQuery, g: &Group, tz: Option<Tz>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("analytic".into(), Value::String(q.id.clone()));
    if let Some(level) = super::sigma_queries::level_of(q) {
        m.insert("title".into(), Value::String(q.name.clone()));
        m.insert(
            "level".into(),
            Value::from(super::sigma_queries::level_str(level)),
        );
    }
    let extended = q.kind == QueryKind::Extended;
    let inbound = q.kind == QueryKind::Inbound;
    for c in &q.columns {
        let text = column_value(q, g, c, tz).filter(|v| !v.is_empty());
        let v = match (c.as_str(), text) {
            ("count", _) => Value::from(g.count),
            ("escu", Some(t)) if extended => Value::Bool(t == "true"),
            ("targets", t) if extended => Value::from(
                t.as_deref()
                    .unwrap_or("")
                    .split(", ")
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>(),
            ),
            ("evidence", t) if inbound => Value::from(
                t.as_deref()
                    .unwrap_or("")
                    .split(", ")
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>(),
            ),
            // The cell holds the list as JSON text: commands contain commas and newlines.
            ("commands", t) if inbound => {
                serde_json::from_str(t.as_deref().unwrap_or("[]")).unwrap_or(Value::Array(vec![]))
            }
            (_, Some(t)) => Value::String(t),
            (_, None) => Value::Null,
        };
        m.insert(c.clone(), v);
    }
    m
}

/// All kept rows of all results as one JSON array (control and bidi characters escaped).
pub fn render_json(results: &[HuntResult], tz: Option<Tz>) -> Result<String, OutputError> {
    let rows: Vec<Value> = results
        .iter()
        .flat_map(|r| {
            r.kept()
                .map(move |g| Value::Object(row_json(&r.query, g, tz)))
        })
        .collect();
    let mut s = crate::output::to_json_pretty(&rows)?;
    s.push('\n');
    Ok(s)
}

/// All kept rows as RFC 4180 CSV (CRLF line ends). The header is `analytic` then the union of
/// the analytics' columns in first-seen order; a column an analytic lacks is left empty.
pub fn render_csv(
    results: &[HuntResult],
    tz: Option<Tz>,
    mode: CsvMode,
) -> Result<String, OutputError> {
    let mut cols: Vec<&str> = vec!["analytic"];
    if results.iter().any(|r| r.query.kind == QueryKind::Sigma) {
        cols.extend(["title", "level"]);
    }
    for r in results {
        for c in &r.query.columns {
            if !cols.contains(&c.as_str()) {
                cols.push(c);
            }
        }
    }
    let rows = results.iter().flat_map(|r| {
        let cols = &cols;
        r.kept().map(move |g| {
            cols.iter()
                .map(|c| match *c {
                    "analytic" => r.query.id.clone(),
                    "title" if r.query.kind == QueryKind::Sigma => r.query.name.clone(),
                    "level" if r.query.kind == QueryKind::Sigma => {
                        super::sigma_queries::level_of(&r.query)
                            .map_or("", super::sigma_queries::level_str)
                            .to_string()
                    }
                    c => column_value(&r.query, g, c, tz).unwrap_or_default(),
                })
                .collect::<Vec<String>>()
        })
    });
    csv_text(&cols, rows, mode)
}

/// How a terminal table is laid out.
#[derive(Clone, Copy)]
pub struct TableOptions<'a> {
    /// Terminal columns.
    pub width: usize,
    /// Grid (when readable) or one block per record.
    pub layout: Layout,
    /// The account name of a SID, shown beside it (display only: CSV, JSON, exclusions and
    /// exports keep the bare SID).
    pub sid_name: &'a dyn Fn(&str) -> Option<String>,
}

fn no_names(_: &str) -> Option<String> {
    None
}

impl TableOptions<'static> {
    /// A layout for `width` columns, no SID names.
    pub fn new(width: usize) -> Self {
        TableOptions {
            width,
            layout: Layout::Auto,
            sid_name: &no_names,
        }
    }
}

/// How an output column gives way in a narrow table.
pub fn column_fit(column: &str) -> Fit {
    match column {
        "count" => Fit::Number,
        "EventCode" | "firstTime" | "lastTime" | "process_id" | "parent_process_id" | "escu" => {
            Fit::Whole
        }
        "user_id" => Fit::Sid,
        _ => Fit::Text,
    }
}

/// A terminal table per analytic, then its summary: rows, events, suppressed rows, dropped
/// events, and per exclusion the rows and events it suppressed. Every cell is inert (newlines
/// shown as ⏎); see `crate::output::Table` for how it fits the width.
pub fn render_table(results: &[HuntResult], tz: Option<Tz>, opts: &TableOptions) -> String {
    let mut out = String::new();
    // A Sigma rule nothing matched gets no table of its own (thousands are loaded): they are
    // counted in one closing line instead.
    let quiet = |r: &HuntResult| {
        r.query.kind == QueryKind::Sigma && r.groups.is_empty() && r.dropped.is_empty()
    };
    let mut first = true;
    for r in results.iter().filter(|r| !quiet(r)) {
        if !first {
            out.push('\n');
        }
        first = false;
        let q = &r.query;
        let kind = match q.kind {
            QueryKind::Parity => "parity",
            QueryKind::Extended => "extended",
            QueryKind::Inbound => "inbound",
            QueryKind::Sigma => q.short_label(),
        };
        out.push_str(&inert_line(&format!(
            "== {} ({}) [{kind}] ==",
            q.name, q.id
        )));
        out.push('\n');
        let mut table = Table::new(
            q.columns
                .iter()
                .map(|c| Column::new(c, column_fit(c)))
                .collect(),
        );
        for g in r.kept() {
            table.push(q.columns.iter().map(|c| {
                let v = column_value(q, g, c, tz).unwrap_or_default();
                if q.kind == QueryKind::Inbound && c == "commands" {
                    // One command per line (the cell is a JSON list, for CSV and JSON).
                    serde_json::from_str::<Vec<String>>(&v).map_or(v, |list| list.join("\n"))
                } else if column_fit(c) == Fit::Sid {
                    sid_label(&v, (opts.sid_name)(&v).as_deref())
                } else {
                    v
                }
            }));
        }
        if table.is_empty() {
            out.push_str("(no rows)\n");
        } else {
            out.push_str(&table.render(opts.width, opts.layout));
        }
        // Summary lines hold numbers: never cut (a terminal wraps them if it must).
        out.push_str(&format!(
            "rows: {}  events: {}  suppressed rows: {}  dropped events: {}\n",
            r.rows(),
            r.events(),
            r.suppressed_rows(),
            r.dropped.len()
        ));
        for (id, s) in &r.suppressed {
            out.push_str(&inert_line(&format!(
                "  exclusion {id}: suppressed {} rows, {} events",
                s.rows, s.events
            )));
            out.push('\n');
        }
    }
    let silent = results.iter().filter(|r| quiet(r)).count();
    if silent > 0 {
        if !first {
            out.push('\n');
        }
        out.push_str(&format!("{silent} Sigma rule(s) without a match\n"));
    }
    out
}
