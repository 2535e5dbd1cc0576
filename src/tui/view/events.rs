//! The event list: a group's events or an ad-hoc search's.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::common::{cell, fit, width};
use crate::analytics::event_summary;
use crate::event::Event;
use crate::time::ctime;
use crate::tui::app::{App, EventSource};
use crate::tui::columns::{Plan, TimeForm};
use crate::tui::table_specs::{self, EventCol, event_part, event_user};
use crate::tui::update::{count_label, source_label};

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

/// A block titled `title` (cut with `…`) with the sideways-scroll markers on the right.
pub fn table_block(title: &str, markers: &str, area: Rect) -> Block<'static> {
    let inner = (area.width as usize).saturating_sub(2);
    let marker_w = if markers.is_empty() {
        0
    } else {
        width(markers) + 3
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(fit(title, inner.saturating_sub(marker_w)));
    if !markers.is_empty() {
        block = block.title(Line::from(format!(" {markers} ")).right_aligned());
    }
    block
}

/// `· 2024-10-21 ` when the plan shows times without their date (all on one day), else nothing.
pub fn day_note(plan: &Plan, app: &App, t: i64) -> String {
    if plan.shown.iter().any(|p| p.form == TimeForm::TimeOnly) {
        format!("· {} ", TimeForm::DateOnly.apply(&ctime(t, app.tz)))
    } else {
        String::new()
    }
}

/// Draw the event list into `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let ev = &app.events;
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ev.offset + shown).min(ev.events.len());
    let search = matches!(ev.source, EventSource::Search(_));
    let columns = table_specs::events(app);
    let plan = columns.plan(table_specs::room(area.width), app.sideways.events);
    let rows = ev.events[ev.offset.min(end)..end].iter().map(|e| {
        let cells: Vec<Cell> = plan
            .shown
            .iter()
            .map(|p| {
                let w = p.width;
                Cell::from(match columns.tag(p.col) {
                    EventCol::Time => p.form.apply(&ctime(e.time, app.tz)),
                    EventCol::Host => cell(&e.computer, w),
                    EventCol::User => cell(&event_user(app, e), w),
                    EventCol::RecordId => e.record_id.map(|r| r.to_string()).unwrap_or("-".into()),
                    EventCol::Code => e.event_code.to_string(),
                    EventCol::Part => event_part(e),
                    EventCol::Why => cell(ev.reasons.get(&e.uid()).map_or("", |r| r.as_str()), w),
                    EventCol::Detail => cell(&detail(e, search), w),
                })
            })
            .collect();
        Row::new(cells)
    });
    let head = super::common::plan_header(&columns, &plan);
    let widths = super::common::plan_widths(&plan);
    let status = if ev.loading {
        "loading…".to_string()
    } else {
        count_label(ev.total, ev.events.len())
    };
    let mut title = format!(" {} · {status} ", fit(&source_label(&ev.source), 60));
    if let Some(first) = ev.events.iter().map(|e| e.time).min() {
        title.push_str(&day_note(&plan, app, first));
    }
    title.push_str("· enter: full text, v: row, esc: back ");
    let mut state = TableState::default();
    if !ev.events.is_empty() {
        state.select(Some(ev.selected.saturating_sub(ev.offset)));
    }
    let table = Table::new(rows, widths)
        .header(head)
        .block(table_block(&title, &plan.markers(), area))
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
