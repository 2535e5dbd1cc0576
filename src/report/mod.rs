//! `huntbench report`: the case as a hunter hands it over. [`gather`] asks the workbench,
//! [`Report::assemble`] turns the answers into data, and one walk over it (`layout`) writes it
//! through one of two sinks: Markdown (the default) or one self-contained HTML file. The CLI
//! and the TUI (`R`) write the same report.

mod chain;
mod escape;
mod gather;
mod html;
mod layout;
mod markdown;
mod model;
mod text;
mod write;

pub use chain::{Chain, chains};
pub use escape::{html as html_text, md as markdown_text};
pub use gather::{gather, marked_rows};
pub use model::{
    AnalyticCount, DroppedEvent, DroppedSet, Evidence, ExclusionInForce, Gap, MAX_DROPPED_LISTED,
    MarkedRow, Parts, Report,
};
pub use write::{WriteError, write_new};

use std::path::Path;

/// The two renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    /// HTML for a file named `.html` or `.htm` (any case), else Markdown.
    pub fn for_path(path: &Path) -> Format {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") {
            Format::Html
        } else {
            Format::Markdown
        }
    }
}

/// Render the report in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

/// Render the report for `path` (HTML for `.html`/`.htm`, else Markdown) and write it there,
/// never over an existing file; says where it wrote (the TUI's status line).
pub fn write_file(parts: Parts, path: &Path) -> Result<String, WriteError> {
    let text = render(&Report::assemble(parts), Format::for_path(path));
    write_new(path, &text, false)?;
    Ok(format!(
        "wrote the case report to {} ({} bytes)",
        path.display(),
        text.len()
    ))
}

/// The name the TUI offers for a report made at `now` (microseconds): `huntbench-report-<date>.md`.
pub fn default_file_name(now: i64) -> String {
    let date = crate::time::ctime(now, None);
    format!("huntbench-report-{}.md", &date[..10.min(date.len())])
}
