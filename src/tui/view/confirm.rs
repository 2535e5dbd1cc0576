//! The dialogs of `confirm`: an exclusion's draft (note, what it would suppress, the broad
//! warning and its confirmation) and the question before a delete. Only reads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph};

use super::common::{cell, fit};
use crate::tui::app::App;
use crate::tui::confirm::{CONFIRM_WORD, DraftStage};

/// Draw the open dialog, if any, centered over `area`.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(d) = &app.confirm_delete {
        let w = area.width.saturating_sub(4).min(90);
        let room = w.saturating_sub(4) as usize;
        let lines = vec![
            Line::from(cell(&format!("{}  {}", d.id, d.what), room)),
            Line::from(""),
            Line::from(Span::styled(
                "y / Enter: delete · any other key: keep it (z undoes a delete)",
                Style::new().fg(Color::Cyan),
            )),
        ];
        popup(
            frame,
            area,
            w,
            &format!(" delete {}? ", d.id),
            lines,
            Color::Yellow,
        );
        return;
    }
    let Some(d) = &app.draft else {
        return;
    };
    let w = area.width.saturating_sub(4).min(100);
    let room = w.saturating_sub(4) as usize;
    let key = Style::new().fg(Color::Cyan);
    let dim = Style::new().fg(Color::DarkGray);
    let shown = crate::analytics::describe_with(&d.candidate, |v| app.sid_names.display(v));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("analytic   ", dim),
            Span::raw(cell(&d.label, room.saturating_sub(11))),
        ]),
        Line::from(vec![
            Span::styled("exclusion  ", dim),
            Span::raw(cell(&shown, room.saturating_sub(11))),
        ]),
        Line::from(vec![
            Span::styled("preview    ", dim),
            Span::raw(fit(&d.preview.line(&d.label), room.saturating_sub(11))),
        ]),
    ];
    let cursor = Span::styled("▏", key);
    let note_line = |note: &str, editing: bool| {
        let mut spans = vec![
            Span::styled("note       ", dim),
            Span::raw(cell(note, room.saturating_sub(12))),
        ];
        if editing {
            spans.push(cursor.clone());
        }
        Line::from(spans)
    };
    lines.push(note_line(&d.note, d.stage == DraftStage::Note));
    lines.push(Line::from(""));
    let warn = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    if let Some(b) = &d.broad {
        lines.push(Line::from(Span::styled(
            fit(
                &format!("BROAD: {}: this switches the detection off", b.reason()),
                room,
            ),
            warn,
        )));
    }
    let help = match (d.stage, d.broad.is_some()) {
        (DraftStage::Note, _) => "type a note · Enter: preview · Esc: cancel".to_string(),
        (DraftStage::Preview, false) => "Enter: save · Esc: cancel".to_string(),
        (DraftStage::Preview, true) => {
            format!("type {CONFIRM_WORD} then Enter to save it anyway · Esc: cancel")
        }
    };
    lines.push(Line::from(Span::styled(fit(&help, room), key)));
    if d.stage == DraftStage::Preview && d.broad.is_some() {
        lines.push(Line::from(vec![
            Span::styled("confirm    ", dim),
            Span::raw(cell(&d.typed, 16)),
            cursor,
        ]));
    }
    let title = match d.stage {
        DraftStage::Note => " new exclusion · note ",
        DraftStage::Preview => " new exclusion · save? ",
    };
    let border = if d.broad.is_some() {
        Color::Red
    } else {
        Color::Cyan
    };
    popup(frame, area, w, title, lines, border);
}

fn popup(frame: &mut Frame, area: Rect, w: u16, title: &str, lines: Vec<Line>, border: Color) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(border))
        .padding(Padding::horizontal(1))
        .title(title.to_string());
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
