//! The exclusions view: every exclusion, on or off, with what it suppressed in the last hunt.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::common::cell;
use crate::analytics::model::ExclusionOp;
use crate::tui::app::App;

fn op_text(op: &ExclusionOp) -> (&'static str, String) {
    match op {
        ExclusionOp::Equals(v) => ("=", v.clone()),
        ExclusionOp::Wildcard(v) => ("like", v.clone()),
        ExclusionOp::OneOf(v) => ("in", v.join(", ")),
        ExclusionOp::Sha256(v) => ("sha256", v.clone()),
    }
}

/// Draw the exclusions table into `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let value_w = (area.width as usize)
        .saturating_sub(6 + 4 + 30 + 16 + 8 + 20 + 10)
        .max(10);
    let rows = app.exclusions.items.iter().map(|x| {
        let (mut rows, mut events) = (0, 0);
        for h in &app.hunts {
            if let Some(s) = h.suppressed.get(&x.id) {
                rows += s.rows;
                events += s.events;
            }
        }
        let (op, value) = op_text(&x.op);
        let style = if x.enabled {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        Row::new(vec![
            Cell::from(x.id.clone()),
            Cell::from(if x.enabled { "on" } else { "off" }),
            Cell::from(cell(&x.analytic, 30)),
            Cell::from(cell(&x.field, 16)),
            Cell::from(op),
            Cell::from(cell(&value, value_w)),
            Cell::from(format!("{rows} rows / {events} ev")),
        ])
        .style(style)
    });
    let head =
        Row::new(["id", "on", "analytic", "field", "op", "value", "suppresses"].map(Cell::from))
            .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(5),
        Constraint::Length(3),
        Constraint::Length(30),
        Constraint::Length(16),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(20),
    ];
    let mut state = TableState::default();
    if !app.exclusions.items.is_empty() {
        state.select(Some(app.exclusions.selected));
    }
    let title = format!(
        " exclusions ({}) · space: on/off, d: delete, esc: back ",
        app.exclusions.items.len()
    );
    let table = Table::new(rows, widths)
        .header(head)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
