//! `huntbench stats`: what the index holds.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{SummaryFormat, emit};
use crate::store::Location;
use crate::time::ctime;

/// Print counts by channel and event code, hosts, users, first and last time.
pub fn run(at: &Location, format: SummaryFormat) -> Result<ExitCode> {
    let index = at.open_existing()?;
    let stats = index.stats()?;
    if format == SummaryFormat::Json {
        let mut v = serde_json::to_value(&stats)?;
        v["index"] = serde_json::json!(at.to_string());
        v["size_bytes"] = serde_json::json!(index.size_bytes());
        v["firstTime"] = serde_json::json!(stats.first.map(|t| ctime(t, None)));
        v["lastTime"] = serde_json::json!(stats.last.map(|t| ctime(t, None)));
        emit(&crate::output::to_json_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    out += &format!("index    {} ({} bytes)\n", at, index.size_bytes());
    out += &format!("events   {}\n", stats.events);
    let span = |t: Option<i64>| t.map(|t| ctime(t, None)).unwrap_or_else(|| "-".into());
    out += &format!(
        "first    {}\nlast     {}\n",
        span(stats.first),
        span(stats.last)
    );
    out += "\nchannels\n";
    for (k, v) in &stats.by_channel {
        out += &format!("  {v:>10}  {}\n", crate::sanitize::inert_line(k));
    }
    out += "\nevent codes\n";
    for (k, v) in &stats.by_event_code {
        out += &format!("  {v:>10}  {k}\n");
    }
    out += &format!("\nhosts ({})\n", stats.hosts.len());
    for (k, v) in stats.hosts.iter().take(50) {
        out += &format!("  {v:>10}  {}\n", crate::sanitize::inert_line(k));
    }
    out += &format!("\nusers ({})\n", stats.users.len());
    for (k, v) in stats.users.iter().take(50) {
        out += &format!("  {v:>10}  {}\n", crate::sanitize::inert_line(k));
    }
    emit(&out);
    Ok(ExitCode::SUCCESS)
}
