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
    // Three rows at the bottom (a blank one, then two) say where the key map is and how to
    // bind a key.
    let per_col = (area.height.saturating_sub(7) as usize).max(1);
    let cols = lines.len().div_ceil(per_col).max(1);
    // Balance the columns instead of filling the first one.
    let per_col = lines.len().div_ceil(cols).max(1);
    let cols = cols as u16;
    let w = (cols * COL_W + 2).min(area.width);
    let h = (lines.len().min(per_col) as u16 + 5).min(area.height);
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
                    // One cell of gap before the next column; a long text is cut with `…`.
                    Span::raw(fit(what, COL_W as usize - KEY_W - 1)),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(text), col);
    }
    if inner.height >= 3 {
        let key = Style::new().fg(Color::Cyan);
        let rows = [
            Line::from(vec![
                Span::styled("key map  ", key),
                Span::raw(fit(&keys_file(app), inner.width as usize - 9)),
            ]),
            Line::from(vec![
                Span::styled("bind     ", key),
                Span::raw(fit(
                    "[keys] \"f5\" = \"refresh\"  (key and action names: README, \"Key map\"; \
                     ctrl-c always quits)",
                    inner.width as usize - 9,
                )),
            ]),
        ];
        let at = Rect::new(inner.x, inner.y + inner.height - 2, inner.width, 2);
        frame.render_widget(Paragraph::new(rows.to_vec()), at);
    }
}

/// The user's key map file (merged over the defaults when it exists).
fn keys_file(app: &App) -> String {
    app.keys_file.as_ref().map_or_else(
        || "<config dir>/keys.toml".to_string(),
        |p| crate::sanitize::inert_line(&p.display().to_string()).into_owned(),
    )
}
