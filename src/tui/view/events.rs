//! The event list: a group's events or an ad-hoc search's.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::common::{cell, fit};
use crate::event::Event;
use crate::time::ctime;
use crate::tui::app::App;
use crate::tui::update::source_label;

/// The "part n of m" cell of a script-block part.
fn part(e: &Event) -> String {
    match (e.message_number, e.message_total) {
        (Some(n), Some(m)) => format!("{n} of {m}"),
        _ => "-".into(),
    }
}

/// What the last column shows: ScriptBlockId for script blocks, else the command line.
fn detail(e: &Event) -> &str {
    e.script_block_id
        .as_deref()
        .or(e.process.as_deref())
        .unwrap_or("")
}

/// Draw the event list into `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let ev = &app.events;
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ev.offset + shown).min(ev.events.len());
    let detail_w = (area.width as usize)
        .saturating_sub(19 + 24 + 22 + 10 + 8 + 10)
        .max(10);
    let rows = ev.events[ev.offset.min(end)..end].iter().map(|e| {
        let user = e.user.as_deref().or(e.user_id.as_deref()).unwrap_or("-");
        Row::new(vec![
            Cell::from(ctime(e.time, app.tz)),
            Cell::from(cell(&e.computer, 22)),
            Cell::from(cell(user, 20)),
            Cell::from(e.record_id.map(|r| r.to_string()).unwrap_or("-".into())),
            Cell::from(e.event_code.to_string()),
            Cell::from(part(e)),
            Cell::from(cell(detail(e), detail_w)),
        ])
    });
    let head = Row::new(
        [
            "time",
            "host",
            "user",
            "record id",
            "code",
            "part",
            "ScriptBlockId / command line",
        ]
        .map(Cell::from),
    )
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(19),
        Constraint::Length(22),
        Constraint::Length(20),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let status = if ev.loading {
        "loading…".to_string()
    } else {
        format!("{} events", ev.events.len())
    };
    let title = format!(
        " {} · {status} · enter: full text, esc: back ",
        fit(&source_label(&ev.source), 70)
    );
    let mut state = TableState::default();
    if !ev.events.is_empty() {
        state.select(Some(ev.selected.saturating_sub(ev.offset)));
    }
    let table = Table::new(rows, widths)
        .header(head)
        .block(Block::default().borders(Borders::ALL).title(title))
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
