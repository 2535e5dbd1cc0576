//! The exclusions view: every exclusion, on or off, with what it suppresses in the last hunt
//! (rows / events), its analytic's label and its note.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::common::cell;
use crate::analytics::model::ExclusionOp;
use crate::tui::app::App;

fn op_text(op: &ExclusionOp, show: impl Fn(&str) -> String) -> (&'static str, String) {
    match op {
        ExclusionOp::Equals(v) => ("=", show(v)),
        ExclusionOp::Wildcard(v) => ("like", v.clone()),
        ExclusionOp::OneOf(v) => (
            "in",
            v.iter().map(|v| show(v)).collect::<Vec<_>>().join(", "),
        ),
        ExclusionOp::Sha256(v) => ("sha256", v.clone()),
    }
}

/// Draw the exclusions table into `area`: the analytic by its short label, SIDs with their
/// names, what each suppresses in the last hunt.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    // Borders, the highlight symbol, the spaces between columns and the fixed columns; the value
    // gets two thirds of what is left, the note the rest.
    let fixed = 2 + 2 + 7 + 5 + 3 + LABEL_W + 15 + 6 + SUPPRESSES_W;
    let rest = (area.width as usize).saturating_sub(fixed);
    let value_w = (rest * 2 / 3).max(10);
    let note_w = rest.saturating_sub(value_w).max(6);
    let label = |id: &str| {
        app.hunts
            .iter()
            .find(|h| h.query.id == id)
            .map_or(id.to_string(), |h| h.query.short_label().to_string())
    };
    let rows = app.exclusions.items.iter().map(|x| {
        let (mut rows, mut events) = (0, 0);
        for h in &app.hunts {
            if let Some(s) = h.suppressed.get(&x.id) {
                rows += s.rows;
                events += s.events;
            }
        }
        let (op, value) = op_text(&x.op, |v| app.sid_names.display(v));
        let style = if x.enabled {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        Row::new(vec![
            Cell::from(x.id.clone()),
            Cell::from(if x.enabled { "on" } else { "off" }),
            Cell::from(cell(&label(&x.analytic), LABEL_W)),
            Cell::from(cell(&x.field, 15)),
            Cell::from(op),
            Cell::from(cell(&value, value_w)),
            Cell::from(format!("{rows} / {events}")),
            Cell::from(cell(x.note.as_deref().unwrap_or(""), note_w)),
        ])
        .style(style)
    });
    let head = Row::new(
        [
            "id",
            "on",
            "analytic",
            "field",
            "op",
            "value",
            "rows/events",
            "note",
        ]
        .map(Cell::from),
    )
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(LABEL_W as u16),
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Length(value_w as u16),
        Constraint::Length(SUPPRESSES_W as u16),
        Constraint::Fill(1),
    ];
    let mut state = TableState::default();
    if !app.exclusions.items.is_empty() {
        state.select(Some(app.exclusions.selected));
    }
    let title = format!(
        " exclusions ({}) · space: on/off, d: delete, z: undo, esc: back ",
        app.exclusions.items.len()
    );
    let table = Table::new(rows, widths)
        .header(head)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Room for the longest built-in label (`ESCU 4104 script block`).
const LABEL_W: usize = 22;
/// What an exclusion suppresses in the last hunt: `rows / events`.
const SUPPRESSES_W: usize = 13;
