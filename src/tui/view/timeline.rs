//! The timeline screen: time, host, code, channel and summary of every event around an anchor.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, fit};
use crate::sanitize::inert_line;
use crate::time::ctime;
use crate::timeline::format_window;
use crate::tui::app::App;

/// `Microsoft-Windows-Sysmon/Operational` → `Sysmon/Operational`: the prefix every Windows
/// channel but the classic ones shares says nothing.
fn channel_label(channel: &str) -> &str {
    channel
        .strip_prefix("Microsoft-Windows-")
        .unwrap_or(channel)
}

const TIME_W: usize = 19;
const HOST_W: usize = 22;
const CODE_W: usize = 5;
const CHANNEL_W: usize = 22;

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
        " timeline · {} · ±{} of {} · {status} · enter: event · +/-: window · esc: back ",
        fit(&inert_line(&whose), 40),
        format_window(tl.window),
        ctime(tl.around, app.tz),
    );
    let block = Block::default().borders(Borders::ALL).title(title);
    if tl.lines.is_empty() && !tl.loading {
        let note = match &tl.error {
            Some(e) => format!("timeline failed: {e}"),
            None => app.timeline.request().empty_note(app.tz),
        };
        let style = if tl.error.is_some() {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        let inner = (area.width as usize).saturating_sub(2);
        let text = Paragraph::new(Line::styled(fit(&inert_line(&note), inner), style)).block(block);
        frame.render_widget(text, area);
        return;
    }
    let shown = (area.height as usize).saturating_sub(3);
    let end = (tl.offset + shown).min(tl.lines.len());
    let summary_w = (area.width as usize)
        .saturating_sub(TIME_W + HOST_W + CODE_W + CHANNEL_W + 2 + 2 + 5)
        .max(10);
    let rows = tl.lines[tl.offset.min(end)..end].iter().map(|l| {
        let mut row = Row::new(vec![
            Cell::from(ctime(l.time, app.tz)),
            Cell::from(cell(&l.host, HOST_W)),
            Cell::from(format!("{:>4}", l.event_code)),
            Cell::from(cell(channel_label(&l.channel), CHANNEL_W)),
            Cell::from(cell(&l.summary, summary_w)),
        ]);
        // Lines before the anchor's time are context; the anchor and after are what came of it.
        if l.time < tl.around {
            row = row.style(Style::new().fg(Color::Gray));
        }
        row
    });
    let head = Row::new(["time", "host", "code", "channel", "summary"].map(Cell::from))
        .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(TIME_W as u16),
        Constraint::Length(HOST_W as u16),
        Constraint::Length(CODE_W as u16),
        Constraint::Length(CHANNEL_W as u16),
        Constraint::Fill(1),
    ];
    let mut state = TableState::default();
    if !tl.lines.is_empty() {
        state.select(Some(tl.selected.saturating_sub(tl.offset)));
    }
    let table = Table::new(rows, widths)
        .header(head)
        .block(block)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
