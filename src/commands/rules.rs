//! `huntbench rules`: every Sigma rule file of the run's folders, evaluated or not, and why not.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::Output;
use crate::analytics;
use crate::cli::{Format, emit};
use crate::output::{Column, Fit, Table, csv_text, to_json_pretty};
use crate::sigma::Listing;

const COLUMNS: [&str; 6] = ["id", "title", "level", "status", "reason", "path"];

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    level: Option<crate::sigma::Level>,
    status: Option<&'a str>,
    /// `null` for a rule that is evaluated.
    reason: Option<&'a str>,
    path: String,
}

fn cells(l: &Listing) -> Vec<String> {
    let level = l.level.map_or("", analytics::level_str).to_string();
    vec![
        l.id.clone(),
        l.title.clone(),
        level,
        l.status.clone().unwrap_or_default(),
        l.reason.clone().unwrap_or_else(|| "-".into()),
        l.path.display().to_string(),
    ]
}

/// The closing count: rule files, evaluated, and the reasons of the rest with how many each.
pub fn summary(listed: &[Listing]) -> String {
    let evaluated = listed.iter().filter(|l| l.reason.is_none()).count();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for l in listed {
        if let Some(r) = &l.reason {
            *reasons.entry(reason_kind(r)).or_default() += 1;
        }
    }
    let mut by_count: Vec<(&str, usize)> = reasons.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut s = format!(
        "{} rule file(s): {evaluated} evaluated, {} not",
        listed.len(),
        listed.len() - evaluated
    );
    if !by_count.is_empty() {
        let parts: Vec<String> = by_count
            .iter()
            .take(6)
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        s += &format!(" ({})", parts.join("; "));
    }
    s
}

/// A reason's general part (before the first `:`), so counts group alike reasons.
fn reason_kind(r: &str) -> &str {
    r.split(':').next().unwrap_or(r).trim()
}

pub fn run(format: Format, out: &Output) -> Result<ExitCode> {
    let dirs = analytics::sigma_dirs()?;
    if dirs.is_empty() {
        anyhow::bail!(
            "no Sigma rules named: give --sigma DIR, or a `sigma = [\"DIR\"]` list in {}",
            analytics::config_file().display()
        );
    }
    let loaded = analytics::run_sigma()?;
    let listed = &loaded.1.listed;
    match format {
        Format::Json => {
            let rows: Vec<Row> = listed
                .iter()
                .map(|l| Row {
                    id: &l.id,
                    title: &l.title,
                    level: l.level,
                    status: l.status.as_deref(),
                    reason: l.reason.as_deref(),
                    path: l.path.display().to_string(),
                })
                .collect();
            emit(&to_json_pretty(&rows)?);
        }
        Format::Csv => emit(&csv_text(&COLUMNS, listed.iter().map(cells), out.csv()?)?),
        Format::Table => {
            let fits = [
                Fit::Whole,
                Fit::Text,
                Fit::Whole,
                Fit::Whole,
                Fit::Text,
                Fit::Text,
            ];
            let columns = COLUMNS
                .iter()
                .zip(fits)
                .map(|(n, f)| Column::new(n, f))
                .collect();
            let mut table = Table::new(columns);
            for l in listed {
                table.push(cells(l));
            }
            emit(&table.render(out.width, out.layout));
        }
    }
    let line = summary(listed);
    if format == Format::Table {
        emit(&format!("{}\n", crate::sanitize::inert_line(&line)));
    } else {
        eprintln!("huntbench: {}", crate::sanitize::inert_line(&line));
    }
    if listed.is_empty() {
        eprintln!(
            "huntbench: no .yml or .yaml rule file under {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
