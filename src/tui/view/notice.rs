//! The notice panel: the whole message, wrapped, over the bottom of the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::sanitize::inert_text;
use crate::tui::notice::Notice;

/// Draw the notice above the status line, as tall as its wrapped text needs (at most the screen).
pub fn draw(frame: &mut Frame, n: &Notice, area: Rect) {
    let inner_w = area.width.saturating_sub(2).max(1) as usize;
    let text = inert_text(&n.text);
    // Cut at the width, not at words: a path or a TOML error has long unbroken runs, and every
    // character must stay on screen.
    let lines: Vec<Line> = text
        .lines()
        .flat_map(|l| wrap_cols(l, inner_w))
        .map(Line::from)
        .collect();
    let h = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(1))
        .max(3);
    let rect = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(h + 1),
        area.width,
        h,
    );
    let colour = if n.is_error { Color::Red } else { Color::Cyan };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(colour))
        .title(format!(" {} · any key closes ", n.title));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// Split a line into pieces of at most `w` display columns (an empty line stays one row).
fn wrap_cols(line: &str, w: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in line.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += cw;
    }
    out
}
