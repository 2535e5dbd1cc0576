//! The full text of one event: scrollable, wrap on/off, literals and search hits highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::common::{fit, skip_cols};
use crate::tui::app::App;
use crate::tui::textview::highlights;

fn styled_line<'a>(line: &'a str, search: &str) -> Line<'a> {
    let hl = Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    let mut spans = Vec::new();
    let mut at = 0;
    for (a, b) in highlights(line, search) {
        if a > at {
            spans.push(Span::raw(&line[at..a]));
        }
        spans.push(Span::styled(&line[a..b], hl));
        at = b;
    }
    if at < line.len() {
        spans.push(Span::raw(&line[at..]));
    }
    Line::from(spans)
}

/// Draw the text view into `area`. Only the lines from the scroll position down are built.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.text;
    let rows = (area.height as usize).saturating_sub(2);
    let start = t.scroll.min(t.lines.len());
    let end = (start + rows).min(t.lines.len());
    let lines: Vec<Line> = t.lines[start..end]
        .iter()
        .map(|l| {
            let l = if t.wrap {
                l.as_str()
            } else {
                skip_cols(l, t.hscroll)
            };
            styled_line(l, &t.search)
        })
        .collect();
    let mut title = format!(" {} ", t.title);
    if let Some(p) = &t.part_info {
        title.push_str(&format!("· {p} "));
    }
    let mut bottom = format!(
        " line {}/{} · wrap {} ",
        start + 1,
        t.lines.len(),
        if t.wrap { "on" } else { "off" }
    );
    if !t.search.is_empty() {
        bottom.push_str(&format!(
            "· {:?} {}/{} ",
            t.search,
            if t.matches.is_empty() {
                0
            } else {
                t.match_idx + 1
            },
            t.matches.len()
        ));
    }
    bottom.push_str("· / find · n/N · w wrap · y copy · W write ");
    let inner_w = area.width.saturating_sub(2) as usize;
    let mut block = Block::default().borders(Borders::ALL);
    match &t.who {
        // Where the user's name came from, on the right; the title keeps at least half.
        Some(who) => {
            let who = fit(&format!(" {who} "), inner_w / 2);
            let left = inner_w.saturating_sub(super::common::width(&who) + 1);
            block = block
                .title(fit(&title, left))
                .title(Line::from(Span::styled(who, Style::new().fg(Color::Cyan))).right_aligned());
        }
        None => block = block.title(fit(&title, inner_w)),
    }
    let mut p = Paragraph::new(lines).block(block.title_bottom(fit(&bottom, inner_w)));
    if t.wrap {
        p = p.wrap(Wrap { trim: false });
    }
    frame.render_widget(p, area);
}
