//! Drawing: functions of `&App` that only read. Only visible rows are built.

mod common;
mod confirm;
mod detail;
mod edges;
mod events;
mod exclusions;
mod help;
mod main_screen;
mod marks;
mod notice;
/// Width of a triage mark cell (`benign+NN`), for the column plans.
pub const MARK_CELL: usize = marks::CELL;
/// Width of the `suppressed by` cell, for the column plans.
pub const SUPPRESSED_CELL: usize = suppressed::WIDTH;
mod suppressed;
mod text;
mod timeline;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::app::{App, Screen};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::sanitize::inert_line;

pub use common::fit;

/// Draw the whole UI for the app's current state.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if layout::too_small((area.width, area.height)) {
        let note = format!(
            "terminal too small: {}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(fit(&note, area.width as usize)).style(Style::new().fg(Color::Yellow)),
            area,
        );
        return;
    }
    // Laid out from the size the frame reports, so a resize not yet seen by `update` still fits.
    let areas = layout::areas_in(app, (area.width, area.height));
    header(frame, app, areas.header);
    match app.screen() {
        Screen::Main => main_screen::draw(frame, app, &areas),
        Screen::Events => events::draw(frame, app, areas.body),
        Screen::Text => text::draw(frame, app, areas.body),
        Screen::Exclusions => exclusions::draw(frame, app, areas.body),
        Screen::Edges => edges::draw(frame, app, areas.body),
        Screen::Timeline => timeline::draw(frame, app, areas.body),
        Screen::Detail => detail::draw(frame, app, areas.body),
    }
    if let Some(p) = &app.ingest {
        let mut label = if p.current.is_empty() {
            "ingesting".to_string()
        } else {
            format!("ingesting {}", inert_line(&p.current))
        };
        label += &format!(
            " · {}/{} files · {} events",
            p.files_done, p.files_total, p.events
        );
        if let Some(rate) = p.rate() {
            label += &format!(" · {rate} events/s");
        }
        frame.render_widget(
            Gauge::default()
                .gauge_style(Style::new().fg(Color::Cyan))
                .ratio(p.ratio())
                .label(fit(&label, areas.gauge.width as usize)),
            areas.gauge,
        );
    }
    status(frame, app, areas.status);
    if let Some(n) = &app.notice {
        notice::draw(frame, n, area);
    }
    confirm::draw(frame, app, area);
    if app.help {
        help::draw(frame, app, area);
    }
}

fn header(frame: &mut Frame, app: &App, area: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(" huntbench ", bold.fg(Color::Black).bg(Color::Cyan)),
        Span::styled("  range ", dim),
        Span::raw(crate::tui::time_range::label(app)),
    ];
    // What the evidence covers: offline logs are rarely from the last 24 hours.
    if let Some(span) = crate::tui::time_range::data_span(app) {
        spans.push(Span::styled("  data ", dim));
        spans.push(Span::raw(span));
    }
    if app.screen() == Screen::Main && !app.hunts.is_empty() && !app.show_welcome() {
        spans.push(Span::styled("  pivot ", dim));
        spans.push(Span::raw(app.pivot.label()));
        spans.push(Span::styled("  sort ", dim));
        spans.push(Span::raw(app.sort.label()));
        if !app.filter.is_empty() {
            spans.push(Span::styled("  filter ", dim));
            spans.push(Span::raw(inert_line(&app.filter).into_owned()));
        }
        if app.show_suppressed {
            spans.push(Span::styled("  +suppressed", Style::new().fg(Color::Red)));
        }
    }
    if app.hunting {
        spans.push(Span::styled("  hunting…", Style::new().fg(Color::Yellow)));
    }
    if app.regrouping.is_some() {
        spans.push(Span::styled("  grouping…", Style::new().fg(Color::Yellow)));
    }
    // The help hint gives way first when the range and the data span fill the line; what is
    // still too wide is cut with `…`.
    let used: usize = spans.iter().map(|s| common::width(&s.content)).sum();
    if used + 8 <= area.width as usize {
        spans.push(Span::styled("  ? help", dim));
    }
    let spans = common::fit_spans(spans, area.width as usize);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status(frame: &mut Frame, app: &App, area: Rect) {
    if let Some(p) = &app.prompt {
        let label = if p.kind == crate::tui::app::PromptKind::TimeRange {
            let (_, anchor) = crate::tui::time_range::anchor_at(app);
            format!(
                "time range from {} (e.g. -24h, 2024-10-21, a..b, all): ",
                anchor.label()
            )
        } else {
            p.kind.label().to_string()
        };
        let line = Line::from(vec![
            Span::styled(label, Style::new().fg(Color::Cyan)),
            Span::raw(inert_line(&p.input).into_owned()),
            Span::styled("▏", Style::new().fg(Color::Cyan)),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let right = format!(
        " {} events · {} · {} ",
        app.status.events,
        human_bytes(app.status.index_bytes),
        app.range.describe_in(app.tz)
    );
    let rw = common::width(&right);
    let left_w = (area.width as usize).saturating_sub(rw + 1);
    let style = if app.message_is_error {
        Style::new().fg(Color::Red)
    } else {
        Style::new()
    };
    let left = fit(&inert_line(&app.message), left_w);
    let pad = (area.width as usize).saturating_sub(common::width(&left) + rw);
    let line = Line::from(vec![
        Span::styled(left, style),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, Style::new().fg(Color::DarkGray)),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// `12.3 MB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}
