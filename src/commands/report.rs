//! `huntbench report`: the case report, to standard output or a file that did not exist.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{ReportArgs, ReportFormat, emit};
use crate::report::{self, Format, Report};
use crate::workbench::Workbench;

/// Build the report of the index in `dir` and write it.
pub fn run(dir: &crate::store::Location, args: &ReportArgs) -> Result<ExitCode> {
    let tz = args
        .tz
        .as_deref()
        .map(crate::time::parse_tz)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let format = match (args.format, &args.output) {
        (Some(ReportFormat::Markdown), _) => Format::Markdown,
        (Some(ReportFormat::Html), _) => Format::Html,
        (None, Some(path)) => Format::for_path(path),
        (None, None) => Format::Markdown,
    };
    // Refused before the work, not after it: the hunt over a large index takes a while.
    if let Some(path) = &args.output
        && !args.force
        && path.exists()
    {
        anyhow::bail!(
            "{} already exists; the report was not written (--force replaces it)",
            path.display()
        );
    }
    let wb = Workbench::open(dir)?;
    let parts = report::gather(&wb, &dir.to_string(), tz)?;
    let text = report::render(&Report::assemble(parts), format);
    match &args.output {
        None => emit(&text),
        Some(path) => {
            match report::write_new(path, &text, args.force) {
                Err(e @ report::WriteError::Exists(_)) => {
                    anyhow::bail!("{e} (--force replaces it)")
                }
                r => r?,
            }
            eprintln!(
                "huntbench: wrote the report to {} ({} bytes)",
                path.display(),
                text.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
