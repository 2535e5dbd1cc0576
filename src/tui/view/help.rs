//! The help overlay, generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::common::fit;
use crate::tui::app::App;

const KEY_W: usize = 16;
const COL_W: u16 = 59;

/// Draw the key help centered over `area`, in as many columns as the height needs.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let lines = app.keys.help_lines();
    // Two rows at the bottom say where the key map is and how to bind a key.
    let per_col = (area.height.saturating_sub(6) as usize).max(1);
    let cols = lines.len().div_ceil(per_col).max(1);
    // Balance the columns instead of filling the first one.
    let per_col = lines.len().div_ceil(cols).max(1);
    let cols = cols as u16;
    let w = (cols * COL_W + 2).min(area.width);
    let h = (lines.len().min(per_col) as u16 + 4).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" keys · any key closes · remap in keys.toml ");
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    for (c, chunk) in lines.chunks(per_col).enumerate() {
        let x = inner.x + c as u16 * COL_W;
        if x >= inner.x + inner.width {
            break;
        }
        let col = Rect::new(
            x,
            inner.y,
            COL_W.min(inner.x + inner.width - x),
            inner.height,
        );
        let text: Vec<Line> = chunk
            .iter()
            .map(|(keys, what)| {
                Line::from(vec![
                    Span::styled(
                        format!("{:<KEY_W$}", fit(keys, KEY_W - 1)),
                        Style::new().fg(Color::Cyan),
                    ),
                    Span::raw(*what),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(text), col);
    }
    if inner.height >= 2 {
        let at = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
        let line = Line::from(vec![
            Span::styled("key map ", Style::new().fg(Color::Cyan)),
            Span::raw(keymap_line(app)),
        ]);
        frame.render_widget(Paragraph::new(fit_line(line, inner.width)), at);
    }
}

/// Where the user's key map is and how an entry looks (the README's "Key map" lists names).
fn keymap_line(app: &App) -> String {
    let file = app.keys_file.as_ref().map_or_else(
        || "<config dir>/keys.toml".to_string(),
        |p| crate::sanitize::inert_line(&p.display().to_string()).into_owned(),
    );
    format!(
        "{file}: [keys] \"f5\" = \"refresh\" (action names: README, Key map; ctrl-c always quits)"
    )
}

fn fit_line(line: Line<'static>, w: u16) -> Line<'static> {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if super::common::width(&text) <= w as usize {
        return line;
    }
    Line::from(fit(&text, w as usize))
}
