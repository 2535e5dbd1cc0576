//! Exclusions drafted from the selected row (saved only after a note and a preview: see
//! `confirm`), and the rows exported to a file.

use sha2::{Digest, Sha256};

use super::app::{App, Pivot};
use super::msg::Effect;
use super::rows::{host_field, text_field, user_field};
use super::update::fail;
use crate::analytics::model::{Exclusion, ExclusionOp};
use crate::analytics::quoting;
use crate::sanitize::inert_line;
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

/// What the note says about the excluded value, e.g. `host MGMT01.corp.local`.
fn context_note(app: &App, what: &str, field: &str, value: &str, sha: bool) -> String {
    if !sha {
        let shown = if what == "user" {
            app.sid_names.display(value)
        } else {
            value.to_string()
        };
        return format!("{what} {}", inert_line(&shown));
    }
    let kind = if field.eq_ignore_ascii_case("process") {
        "command line"
    } else {
        "script block"
    };
    let host = column_value(app, host_field(&app.results.columns)).map(|(_, h)| h);
    let first = value
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let first = crate::tui::view::fit(&inert_line(first), 40);
    match host {
        Some(h) => format!(
            "sha256 of the {kind} on {} (first line {first})",
            inert_line(&h)
        ),
        None => format!("sha256 of the {kind} (first line {first})"),
    }
}

fn add(app: &mut App, what: &str, found: Option<(String, String)>, sha: bool) -> Vec<Effect> {
    let Some((field, value)) = found else {
        fail(app, format!("this row has no {what} to exclude"));
        return vec![];
    };
    let note = context_note(app, what, &field, &value, sha);
    let op = if sha {
        ExclusionOp::Sha256(format!("{:x}", Sha256::digest(value.as_bytes())))
    } else {
        ExclusionOp::Equals(value)
    };
    super::confirm::draft(app, field, op, note)
}

/// Draft an exclusion of the selected row's host.
pub fn host(app: &mut App) -> Vec<Effect> {
    let v = column_value(app, host_field(&app.results.columns));
    add(app, "host", v, false)
}

/// Draft an exclusion of the selected row's user.
pub fn user(app: &mut App) -> Vec<Effect> {
    let v = column_value(app, user_field(&app.results.columns));
    add(app, "user", v, false)
}

/// Draft an exclusion of the selected row's exact text (SHA-256 of the script text or command
/// line).
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

/// `field=value` to start the pattern prompt with: the text column, else the host; the value
/// quoted when it would not come back unchanged bare (surrounding spaces, a leading quote).
pub fn pattern_prefill(app: &mut App) -> Option<String> {
    let cols = &app.results.columns;
    let col = text_field(cols).or(host_field(cols)).or(user_field(cols));
    match column_value(app, col) {
        Some((f, v)) if quoting::needs_quotes(&v) => Some(format!("{f}={}", quoting::quote(&v))),
        Some((f, v)) => Some(format!("{f}={v}")),
        None => {
            fail(app, "select a row first".into());
            None
        }
    }
}

/// Draft `field=pattern` (Splunk-habit quoting understood) on one of the analytic's columns.
pub fn pattern(app: &mut App, input: &str) -> Vec<Effect> {
    let Some(h) = app.current() else {
        return vec![];
    };
    let (f, op) = match quoting::field_pattern(input) {
        Ok(p) => p,
        Err(e) => {
            fail(app, e);
            return vec![];
        }
    };
    let Some(field) = h
        .query
        .columns
        .iter()
        .chain(&h.query.by)
        .find(|c| c.eq_ignore_ascii_case(&f))
        .cloned()
    else {
        let msg = format!("{:?} is not a column of {}", inert_line(&f), h.query.id);
        fail(app, msg);
        return vec![];
    };
    if let Err(e) = crate::analytics::exclusions::validate_op(&op) {
        fail(app, format!("bad pattern: {e}"));
        return vec![];
    }
    let shown = crate::analytics::describe(&Exclusion {
        id: String::new(),
        analytic: String::new(),
        field: field.clone(),
        op: op.clone(),
        note: None,
        enabled: true,
        created: String::new(),
    });
    let note = format!("pattern {}", inert_line(&shown));
    super::confirm::draft(app, field, op, note)
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
