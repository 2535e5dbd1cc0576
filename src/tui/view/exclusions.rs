//! The exclusions view: every exclusion, on or off, with what it suppresses in the last hunt
//! (rows / events), its analytic's label and its note, laid out by the tables' column plan
//! (cut cells end in `…`, `←`/`→` reach what does not fit).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::common::cell;
use super::events::table_block;
use crate::tui::app::App;
use crate::tui::table_specs::{self, ExclusionCol, exclusion_label, exclusion_op};

/// Draw the exclusions table into `area`: the analytic by its short label, SIDs with their
/// names, what each suppresses in the last hunt.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let columns = table_specs::exclusions(app);
    let plan = columns.plan(table_specs::room(area.width), app.sideways.exclusions);
    let rows = app.exclusions.items.iter().map(|x| {
        let (mut rows, mut events) = (0, 0);
        for h in &app.hunts {
            if let Some(s) = h.suppressed.get(&x.id) {
                rows += s.rows;
                events += s.events;
            }
        }
        let (op, value) = exclusion_op(app, &x.op);
        let style = if x.enabled {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        let cells: Vec<Cell> = plan
            .shown
            .iter()
            .map(|p| {
                let w = p.width;
                Cell::from(match columns.tag(p.col) {
                    ExclusionCol::Id => cell(&x.id, w),
                    ExclusionCol::On => (if x.enabled { "on" } else { "off" }).to_string(),
                    ExclusionCol::Analytic => cell(&exclusion_label(app, &x.analytic), w),
                    ExclusionCol::Field => cell(&x.field, w),
                    ExclusionCol::Op => op.to_string(),
                    ExclusionCol::Value => cell(&value, w),
                    ExclusionCol::Suppresses => format!("{rows} / {events}"),
                    ExclusionCol::Note => cell(x.note.as_deref().unwrap_or(""), w),
                })
            })
            .collect();
        Row::new(cells).style(style)
    });
    let head = super::common::plan_header(&columns, &plan);
    let widths = super::common::plan_widths(&plan);
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
        .block(table_block(&title, &plan.markers(), area))
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
