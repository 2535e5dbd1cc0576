//! Small drawing helpers: display-width truncation and cell text.

use unicode_width::UnicodeWidthChar;

use crate::sanitize::inert_line;

/// Display width of a string (CJK counts two).
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Cut `s` to at most `max` display columns, ending with `…` when cut.
pub fn fit(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Attacker text for a table cell: only a prefix is sanitized (cells are short), then cut.
pub fn cell(s: &str, max: usize) -> String {
    let mut end = s.len().min(max * 4 + 16);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    fit(&inert_line(&s[..end]), max)
}

/// Skip `cols` display columns from the left of `s`.
pub fn skip_cols(s: &str, cols: usize) -> &str {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        if w >= cols {
            return &s[i..];
        }
        w += c.width().unwrap_or(0);
    }
    ""
}

/// Styled pieces cut to at most `max` display columns in all, the last piece shown ending in
/// `…` when something was cut (ratatui would cut silently).
pub fn fit_spans(
    spans: Vec<ratatui::text::Span<'static>>,
    max: usize,
) -> Vec<ratatui::text::Span<'static>> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= max {
        return spans;
    }
    let mut out = Vec::new();
    let mut left = max;
    for s in spans {
        let w = width(&s.content);
        if w < left {
            left -= w;
            out.push(s);
            continue;
        }
        let content = fit(&format!("{}…", s.content), left);
        out.push(ratatui::text::Span::styled(content, s.style));
        break;
    }
    out
}

/// The bold header row of a table laid out by the column plan (each name fitted to its width).
pub fn plan_header<T>(
    columns: &crate::tui::table_specs::Columns<T>,
    plan: &crate::tui::columns::Plan,
) -> ratatui::widgets::Row<'static> {
    ratatui::widgets::Row::new(
        plan.shown
            .iter()
            .map(|p| ratatui::widgets::Cell::from(columns.specs[p.col].header(p)))
            .collect::<Vec<_>>(),
    )
    .style(ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::BOLD))
}

/// The column widths of a table laid out by the column plan.
pub fn plan_widths(plan: &crate::tui::columns::Plan) -> Vec<ratatui::layout::Constraint> {
    plan.shown
        .iter()
        .map(|p| ratatui::layout::Constraint::Length(p.width as u16))
        .collect()
}
