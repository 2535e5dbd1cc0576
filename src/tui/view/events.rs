//! The event list: a group's events or an ad-hoc search's.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::common::{cell, fit};
use crate::analytics::event_summary;
use crate::event::Event;
use crate::time::ctime;
use crate::tui::app::{App, EventSource};
use crate::tui::update::{count_label, source_label};

/// The "part n of m" cell of a script-block part.
fn part(e: &Event) -> String {
    match (e.message_number, e.message_total) {
        (Some(n), Some(m)) => format!("{n} of {m}"),
        _ => "-".into(),
    }
}

/// What the last column shows. A group's events share their text, so the ScriptBlockId (else
/// the command line) tells them apart; a search's events are as varied as the query, so each
/// shows its text (script, command line, or its EventData).
fn detail<'e>(e: &'e Event, search: bool) -> Cow<'e, str> {
    if search {
        return event_summary(e);
    }
    Cow::Borrowed(
        e.script_block_id
            .as_deref()
            .or(e.process.as_deref())
            .unwrap_or(""),
    )
}

/// Draw the event list into `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let ev = &app.events;
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ev.offset + shown).min(ev.events.len());
    // Dropped events say why in a column of their own; named SIDs widen the user column.
    let why = !ev.reasons.is_empty();
    let search = matches!(ev.source, EventSource::Search(_));
    let why_w = match ev.reasons.values().map(|r| super::common::width(r)).max() {
        Some(w) => w.clamp(12, 30),
        None => 0,
    };
    let user_w = if app.sid_names.map.is_empty() { 20 } else { 36 };
    let detail_w = (area.width as usize)
        .saturating_sub(19 + 24 + user_w + 2 + 10 + 8 + 10 + why_w + usize::from(why))
        .max(10);
    let rows = ev.events[ev.offset.min(end)..end].iter().map(|e| {
        let user = match (e.user.as_deref(), e.user_sid()) {
            (Some(u), _) => u.to_string(),
            (None, Some(sid)) => app.sid_names.display(sid),
            (None, None) => "-".into(),
        };
        let mut cells = vec![
            Cell::from(ctime(e.time, app.tz)),
            Cell::from(cell(&e.computer, 22)),
            Cell::from(cell(&user, user_w)),
            Cell::from(e.record_id.map(|r| r.to_string()).unwrap_or("-".into())),
            Cell::from(e.event_code.to_string()),
            Cell::from(part(e)),
        ];
        if why {
            let reason = ev.reasons.get(&e.uid()).map_or("", |r| r.as_str());
            cells.push(Cell::from(cell(reason, why_w)));
        }
        cells.push(Cell::from(cell(&detail(e, search), detail_w)));
        Row::new(cells)
    });
    let mut names = vec!["time", "host", "user", "record id", "code", "part"];
    if why {
        names.push("dropped because");
    }
    names.push(if search {
        "text"
    } else {
        "ScriptBlockId / command line"
    });
    let head = Row::new(names.into_iter().map(Cell::from).collect::<Vec<_>>())
        .style(Style::new().add_modifier(Modifier::BOLD));
    let mut widths = vec![
        Constraint::Length(19),
        Constraint::Length(22),
        Constraint::Length(user_w as u16),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(6),
    ];
    if why {
        widths.push(Constraint::Length(why_w as u16));
    }
    widths.push(Constraint::Fill(1));
    let status = if ev.loading {
        "loading…".to_string()
    } else {
        count_label(ev.total, ev.events.len())
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
