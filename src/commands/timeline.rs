//! `huntbench timeline`: what happened on a host (or by a user) around a time.
//!
//! Tables, CSV and JSON go through `crate::output` like every other command's, so the summaries
//! (script text, command lines: attacker-controlled) reach a terminal only inert.

use std::process::ExitCode;

use anyhow::Result;

use super::Output;
use crate::cli::{Format, TimelineArgs, emit};
use crate::output::{Column, Fit, Table, csv_text, to_json_pretty};
use crate::sanitize::inert_line;
use crate::time::ctime;
use crate::timeline::{Timeline, TimelineRequest, format_window};
use crate::workbench::Workbench;

/// Run `huntbench timeline`.
pub fn run(dir: &crate::store::Location, args: &TimelineArgs, out: &Output) -> Result<ExitCode> {
    let tz = args
        .tz
        .as_deref()
        .map(crate::time::parse_tz)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let wb = Workbench::open(dir)?;
    let timeline = wb.timeline(TimelineRequest {
        host: args.host.clone(),
        user: args.user.clone(),
        around: args.around,
        window: args.window,
        cap: args.limit,
    })?;
    match args.format {
        Format::Table => emit(&table(&timeline, tz, out)),
        Format::Csv => {
            if timeline.lines.is_empty() {
                // An answer, not an error; the CSV itself stays a clean header.
                eprintln!("{}", inert_line(&timeline.header(tz)));
            }
            emit(&csv(&timeline, tz, out)?);
        }
        Format::Json => emit(&to_json_pretty(&json(&timeline, tz))?),
    }
    Ok(ExitCode::SUCCESS)
}

/// The header line, then time, host, code, channel, user and summary per line.
pub fn table(t: &Timeline, tz: Option<chrono_tz::Tz>, out: &Output) -> String {
    let header = inert_line(&t.header(tz)).into_owned();
    if t.lines.is_empty() {
        return header;
    }
    let mut table = Table::new(vec![
        Column::new("time", Fit::Whole),
        Column::new("host", Fit::Text),
        Column::new("code", Fit::Number),
        Column::new("channel", Fit::Text),
        Column::new("user", Fit::Sid),
        Column::new("summary", Fit::Text),
    ]);
    for l in &t.lines {
        table.push([
            ctime(l.time, tz),
            l.host.clone(),
            l.event_code.to_string(),
            l.channel.clone(),
            l.user.clone().unwrap_or_else(|| "-".into()),
            l.summary.clone(),
        ]);
    }
    format!("{header}\n{}", table.render(out.width, out.layout))
}

fn csv(t: &Timeline, tz: Option<chrono_tz::Tz>, out: &Output) -> Result<String> {
    let rows = t.lines.iter().map(|l| {
        [
            ctime(l.time, tz),
            l.host.clone(),
            l.event_code.to_string(),
            l.channel.clone(),
            l.user.clone().unwrap_or_default(),
            l.summary.clone(),
        ]
    });
    let header = ["time", "host", "event_code", "channel", "user", "summary"];
    Ok(csv_text(&header, rows, out.csv()?)?)
}

/// `{"host", "user", "around", "window", "spellings", "total", "shown", "capped", "note",
/// "lines": [{time, time_us, host, event_code, channel, user, record_id, summary}]}`.
fn json(t: &Timeline, tz: Option<chrono_tz::Tz>) -> serde_json::Value {
    let r = &t.request;
    let lines: Vec<serde_json::Value> = t
        .lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "time": ctime(l.time, tz),
                "time_us": l.time,
                "host": l.host,
                "event_code": l.event_code,
                "channel": l.channel,
                "user": l.user,
                "record_id": l.event.record_id,
                "summary": l.summary,
            })
        })
        .collect();
    serde_json::json!({
        "host": r.host,
        "user": r.user,
        "around": ctime(r.around, tz),
        "around_us": r.around,
        "window": format_window(r.window),
        "spellings": t.spellings,
        "total": t.total,
        "shown": t.lines.len(),
        "capped": t.capped(),
        "note": t.lines.is_empty().then(|| t.header(tz)),
        "lines": lines,
    })
}
