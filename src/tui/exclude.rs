//! Exclusions made from the selected row, and the rows exported to a file.

use sha2::{Digest, Sha256};

use super::app::{App, Pivot};
use super::msg::Effect;
use super::rows::{host_field, text_field, user_field};
use super::update::fail;
use crate::analytics::model::ExclusionOp;
use crate::time::ctime;

fn column_value(app: &App, col: Option<usize>) -> Option<(String, String)> {
    let row = app.selected_row()?;
    let i = col?;
    let name = app.results.columns.get(i)?.clone();
    let value = row.key.get(i)?.clone();
    // Pivots fall back to the names `host` / `user` when the analytic has no such column.
    let by = &app.current()?.query.by;
    let field = by.iter().find(|b| b.eq_ignore_ascii_case(&name))?.clone();
    Some((field, value))
}

fn add(app: &mut App, what: &str, found: Option<(String, String)>, sha: bool) -> Vec<Effect> {
    let Some((field, value)) = found else {
        fail(app, format!("this row has no {what} to exclude"));
        return vec![];
    };
    let Some(analytic) = app.current().map(|h| h.query.id.clone()) else {
        return vec![];
    };
    let op = if sha {
        ExclusionOp::Sha256(format!("{:x}", Sha256::digest(value.as_bytes())))
    } else {
        ExclusionOp::Equals(value)
    };
    vec![Effect::AddExclusion {
        analytic,
        field,
        op,
        note: Some(format!("added in the TUI ({what})")),
    }]
}

/// Exclude the selected row's host.
pub fn host(app: &mut App) -> Vec<Effect> {
    let v = column_value(app, host_field(&app.results.columns));
    add(app, "host", v, false)
}

/// Exclude the selected row's user.
pub fn user(app: &mut App) -> Vec<Effect> {
    let v = column_value(app, user_field(&app.results.columns));
    add(app, "user", v, false)
}

/// Exclude the selected row's exact text (SHA-256 of the script text or command line).
pub fn text(app: &mut App) -> Vec<Effect> {
    if app.pivot != Pivot::Full {
        fail(
            app,
            "exact-text exclusions need the full by-clause pivot (p)".into(),
        );
        return vec![];
    }
    let v = column_value(app, text_field(&app.results.columns));
    add(app, "text", v, true)
}

/// `field=value` to start the pattern prompt with: the text column, else the host.
pub fn pattern_prefill(app: &mut App) -> Option<String> {
    let cols = &app.results.columns;
    let col = text_field(cols).or(host_field(cols)).or(user_field(cols));
    match column_value(app, col) {
        Some((f, v)) => Some(format!("{f}={v}")),
        None => {
            fail(app, "select a row first".into());
            None
        }
    }
}

/// Submit `field=pattern` as a wildcard exclusion on one of the analytic's columns.
pub fn pattern(app: &mut App, input: &str) -> Vec<Effect> {
    let Some(h) = app.current() else {
        return vec![];
    };
    let Some((f, pat)) = input.split_once('=') else {
        fail(app, "expected field=pattern".into());
        return vec![];
    };
    let Some(field) = h
        .query
        .columns
        .iter()
        .chain(&h.query.by)
        .find(|c| c.eq_ignore_ascii_case(f.trim()))
    else {
        fail(
            app,
            format!("{:?} is not a column of {}", f.trim(), h.query.id),
        );
        return vec![];
    };
    vec![Effect::AddExclusion {
        analytic: h.query.id.clone(),
        field: field.clone(),
        op: ExclusionOp::Wildcard(pat.to_string()),
        note: Some("added in the TUI (pattern)".into()),
    }]
}

/// The visible rows (filtered, sorted) as CSV (inert, formula-guarded) or JSON (exact text,
/// control and bidi characters escaped).
pub fn export_rows(app: &App, json: bool) -> String {
    let r = &app.results;
    let rows = r.visible.iter().map(|&i| &r.rows[i as usize]);
    if json {
        let v: Vec<serde_json::Value> = rows
            .map(|row| {
                let mut m = serde_json::Map::new();
                for (c, k) in r.columns.iter().zip(&row.key) {
                    m.insert(c.clone(), k.clone().into());
                }
                m.insert("count".into(), row.count.into());
                m.insert("firstTime".into(), ctime(row.first, app.tz).into());
                m.insert("lastTime".into(), ctime(row.last, app.tz).into());
                m.insert("suppressed_by".into(), row.suppressed_by.clone().into());
                serde_json::Value::Object(m)
            })
            .collect();
        return crate::output::to_json_pretty(&v).unwrap_or_default() + "\n";
    }
    // The shared CSV writer: a spreadsheet opens this file, so cells are inert and
    // formula-guarded like every CSV huntbench writes (README "Output formats").
    let mut header: Vec<&str> = r.columns.iter().map(String::as_str).collect();
    header.extend(["count", "firstTime", "lastTime", "suppressed_by"]);
    let records = rows.map(|row| {
        let mut cells: Vec<String> = row.key.clone();
        cells.push(row.count.to_string());
        cells.push(ctime(row.first, app.tz));
        cells.push(ctime(row.last, app.tz));
        cells.push(row.suppressed_by.join(" "));
        cells
    });
    crate::output::csv_text(&header, records, crate::output::CsvMode::Safe).unwrap_or_default()
}
