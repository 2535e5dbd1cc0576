//! The timeline screen: time, host, code, channel and summary of every event around an anchor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, fit};
use super::events::table_block;
use crate::sanitize::inert_line;
use crate::time::ctime;
use crate::timeline::format_window;
use crate::tui::app::App;
use crate::tui::table_specs::{self, TimelineCol, channel_label};

/// Draw the timeline into `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let tl = &app.timeline;
    let whose = if tl.by_user {
        format!("user {}", tl.user.as_deref().unwrap_or("?"))
    } else {
        tl.host.clone().unwrap_or_else(|| "?".into())
    };
    let status = if tl.loading {
        "loading…".to_string()
    } else if tl.total > tl.lines.len() as u64 {
        format!("{} events, newest {} shown", tl.total, tl.lines.len())
    } else {
        format!("{} events", tl.total)
    };
    let title = format!(
        " timeline · {} · ±{} of {} · {status} · enter: event, v: row, +/-: window, esc: back ",
        fit(&inert_line(&whose), 40),
        format_window(tl.window),
        ctime(tl.around, app.tz),
    );
    if tl.lines.is_empty() && !tl.loading {
        let inner = (area.width as usize).saturating_sub(2);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(fit(&title, inner));
        let note = match &tl.error {
            Some(e) => format!("timeline failed: {e}"),
            None => app.timeline.request().empty_note(app.tz),
        };
        let style = if tl.error.is_some() {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        let text = Paragraph::new(Line::styled(fit(&inert_line(&note), inner), style)).block(block);
        frame.render_widget(text, area);
        return;
    }
    let columns = table_specs::timeline(app);
    let plan = columns.plan(table_specs::room(area.width), app.sideways.timeline);
    let shown = (area.height as usize).saturating_sub(3);
    let end = (tl.offset + shown).min(tl.lines.len());
    let rows = tl.lines[tl.offset.min(end)..end].iter().map(|l| {
        let cells: Vec<Cell> = plan
            .shown
            .iter()
            .map(|p| {
                let w = p.width;
                Cell::from(match columns.tag(p.col) {
                    TimelineCol::Time => p.form.apply(&ctime(l.time, app.tz)),
                    TimelineCol::Host => cell(&l.host, w),
                    TimelineCol::Code => format!("{:>w$}", l.event_code),
                    TimelineCol::Channel => cell(channel_label(&l.channel), w),
                    TimelineCol::Summary => cell(&l.summary, w),
                })
            })
            .collect();
        let mut row = Row::new(cells);
        // Lines before the anchor's time are context; the anchor and after are what came of it.
        if l.time < tl.around {
            row = row.style(Style::new().fg(Color::Gray));
        }
        row
    });
    let head = super::common::plan_header(&columns, &plan);
    let widths = super::common::plan_widths(&plan);
    let mut state = TableState::default();
    if !tl.lines.is_empty() {
        state.select(Some(tl.selected.saturating_sub(tl.offset)));
    }
    let table = Table::new(rows, widths)
        .header(head)
        .block(table_block(&title, &plan.markers(), area))
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
