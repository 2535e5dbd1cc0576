//! The row-detail screen: every column of one row as `name: value`, wrapped, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::common::fit;
use crate::tui::app::App;
use crate::tui::detail::lines;

/// Draw the row's fields into `area`; only the lines from the scroll position down are built.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let d = &app.detail;
    let inner = (area.width as usize).saturating_sub(2);
    let all = lines(d, inner);
    let rows = (area.height as usize).saturating_sub(2);
    let start = d.scroll.min(all.len());
    let end = (start + rows).min(all.len());
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let shown: Vec<Line> = all[start..end]
        .iter()
        .map(|l| {
            let at = l.name.min(l.text.len());
            let at = if l.text.is_char_boundary(at) { at } else { 0 };
            let (name, rest) = l.text.split_at(at);
            Line::from(vec![Span::styled(name, bold), Span::raw(rest)])
        })
        .collect();
    let title = format!(" {} ", d.title);
    let bottom = format!(" line {}/{} · ↑↓ scroll · esc: back ", start + 1, all.len());
    let block = Block::default()
        .borders(Borders::ALL)
        .title(fit(&title, inner))
        .title_bottom(fit(&bottom, inner));
    frame.render_widget(Paragraph::new(shown).block(block), area);
}
