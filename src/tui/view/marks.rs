//! Triage cells: a row's or an edge's mark as the tables show it.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Cell;

use super::common::fit;
use crate::triage::Status;
use crate::tui::app::App;
use crate::tui::rows::Row;

/// Width of the mark column: `benign+N`, `SUSP+NNN` (longer cells end in `…`).
pub const CELL: usize = 8;

/// The style of a status: attention for the verdicts that need it.
fn style(text: &str) -> Style {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    if text.starts_with(Status::Malicious.short()) {
        bold.fg(Color::Red)
    } else if text.starts_with(Status::Suspicious.short()) {
        bold.fg(Color::Yellow)
    } else if text.starts_with(Status::Benign.short()) {
        Style::new().fg(Color::Green)
    } else {
        Style::new()
    }
}

/// The mark cell of a result row of the selected analytic.
pub fn row_cell(app: &App, row: &Row) -> Cell<'static> {
    let text = app.triage.cell(app.analytic, row);
    let s = style(&text);
    Cell::from(fit(&text, CELL)).style(s)
}

/// The mark cell of an edge (empty when unmarked).
pub fn edge_cell(app: &App, source: &str, target: &str, count: u64) -> Cell<'static> {
    let text = match app.triage.marks.of_edge(source, target) {
        None => String::new(),
        Some(m) if count > m.count => format!("{}+{}", m.status.short(), count - m.count),
        Some(m) => m.status.short().to_string(),
    };
    let s = style(&text);
    Cell::from(fit(&text, CELL)).style(s)
}
