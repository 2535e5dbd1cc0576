//! The main screen: the analytics pane over the selected analytic's result table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, fit, width};
use crate::analytics::model::QueryKind;
use crate::time::ctime;
use crate::tui::app::{App, Focus};
use crate::tui::columns::{Role, Spec, plan};
use crate::tui::layout::Areas;
use crate::tui::rows::{sparkline, timeline};
use crate::tui::table_specs::{self, ResultCol};

use crate::tui::layout::TIMELINE;

/// Draw the main screen into its areas.
pub fn draw(frame: &mut Frame, app: &App, areas: &Areas) {
    if app.show_welcome() {
        return empty(frame, areas.body);
    }
    if app.hunts.is_empty() {
        let msg = if app.hunting {
            "running the saved queries…"
        } else {
            "no saved queries returned results (press r to re-run, t to change the time range)"
        };
        frame.render_widget(
            Paragraph::new(msg).block(Block::default().borders(Borders::ALL)),
            areas.body,
        );
        return;
    }
    analytics(frame, app, areas.analytics, areas.analytics_rows());
    results(frame, app, areas.body, areas.body_rows(true));
}

fn empty(frame: &mut Frame, area: Rect) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let key = Style::new().fg(Color::Cyan);
    let lines = vec![
        Line::from(Span::styled("The index is empty.", bold)),
        Line::from(""),
        Line::from("Get some events in to hunt:"),
        Line::from(vec![
            Span::raw("  • press "),
            Span::styled("i", key),
            Span::raw(" and give a file or directory (EVTX, Splunk XML, JSON)"),
        ]),
        Line::from(vec![
            Span::raw("  • or run "),
            Span::styled("huntbench ingest PATH", key),
            Span::raw(" in a shell"),
        ]),
        Line::from(vec![
            Span::raw("  • or run "),
            Span::styled("huntbench demo", key),
            Span::raw(" for a generated corpus with known answers"),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::raw("Press "),
            Span::styled("?", key),
            Span::raw(" for every key, "),
            Span::styled("q", key),
            Span::raw(" to quit."),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" welcome ")),
        area,
    );
}

/// A pane's block: the focused one has a bright border and, for terminals without colour, a
/// `▶` before its title.
fn focus_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    let title = if focused {
        format!(" ▶{title}")
    } else {
        title
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}

/// The analytics pane's columns: the name is cut (with `…`), the counts give way from the right.
fn analytics_columns(triaged: bool) -> Vec<Spec> {
    let mut specs = vec![
        // The name takes whatever room the counts leave.
        Spec::new("name", Role::Text, 1000),
        Spec::new("kind", Role::Fixed, 8),
        Spec::new("rows", Role::Fixed, 12),
        Spec::new("events", Role::Fixed, 15),
        Spec::new("suppressed", Role::Fixed, 16),
    ];
    // Counts per status ride beside each analytic once anything is marked.
    if triaged {
        specs.push(Spec::new("triage", Role::Fixed, 12));
    }
    specs
}

fn analytics(frame: &mut Frame, app: &App, area: Rect, shown: usize) {
    let first = (app.analytic + 1).saturating_sub(shown);
    let triaged = !app.triage.marks.list().is_empty();
    let plan = plan(
        &analytics_columns(triaged),
        (area.width as usize).saturating_sub(2),
        0,
    );
    let rows = app
        .hunts
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, h)| {
            let mut cells = Vec::new();
            for p in &plan.shown {
                let w = p.width;
                cells.push(match p.col {
                    0 => {
                        let sel = if i == app.analytic { "▶ " } else { "  " };
                        let room = w.saturating_sub(2);
                        // Dropped events are never silent: their count rides on the name, D lists them.
                        let name = if h.dropped.is_empty() {
                            cell(&h.query.name, room)
                        } else {
                            let mut note = format!(" · {} dropped (D)", h.dropped.len());
                            // Narrow: the short note, so the name keeps some room.
                            if room < note.chars().count() + 16 {
                                note = format!(" ({} D)", h.dropped.len());
                            }
                            let nw = room.saturating_sub(note.chars().count());
                            fit(&format!("{}{note}", cell(&h.query.name, nw)), room)
                        };
                        Cell::from(format!("{sel}{name}"))
                    }
                    1 => Cell::from(match h.query.kind {
                        QueryKind::Parity => {
                            Span::styled("parity  ", Style::new().fg(Color::Green))
                        }
                        QueryKind::Extended => {
                            Span::styled("extended", Style::new().fg(Color::Magenta))
                        }
                        QueryKind::Inbound => {
                            Span::styled("inbound ", Style::new().fg(Color::Cyan))
                        }
                        QueryKind::Sigma => sigma_level_span(&h.query),
                    }),
                    2 => Cell::from(format!("{:>7} rows", h.rows())),
                    3 => Cell::from(format!("{:>8} events", h.events())),
                    4 => Cell::from(format!("{:>5} suppressed", h.suppressed_rows())),
                    _ => {
                        let c = app.triage.counts.get(i).copied().unwrap_or_default();
                        Cell::from(format!("{:>11}", c.compact()))
                    }
                });
            }
            Row::new(cells)
        });
    let widths: Vec<Constraint> = plan
        .shown
        .iter()
        .map(|p| Constraint::Length(p.width as u16))
        .collect();
    let mut state = TableState::default();
    state.select(Some(app.analytic - first));
    let title = format!(" analytics ({}) ", app.hunts.len());
    let table = Table::new(rows, widths)
        .block(focus_block(title, app.focus == Focus::Analytics))
        .row_highlight_style(Style::new().add_modifier(Modifier::BOLD));
    frame.render_stateful_widget(table, area, &mut state);
}

fn results(frame: &mut Frame, app: &App, area: Rect, shown: usize) {
    let r = &app.results;
    let columns = table_specs::results(app);
    let plan = columns.plan(table_specs::room(area.width), app.sideways.results);
    // A user_id column shows `SID (name)` once names are in; display only, the key stays the SID.
    let is_sid = |c: &str| c.eq_ignore_ascii_case("user_id") && !app.sid_names.map.is_empty();
    let widths: Vec<Constraint> = plan
        .shown
        .iter()
        .map(|p| Constraint::Length(p.width as u16))
        .collect();
    let head: Vec<Cell> = plan
        .shown
        .iter()
        .map(|p| Cell::from(columns.specs[p.col].header(p)))
        .collect();
    let end = (r.offset + shown).min(r.visible.len());
    let rows = r.visible[r.offset.min(end)..end].iter().map(|&i| {
        let row = &r.rows[i as usize];
        let cells: Vec<Cell> = plan
            .shown
            .iter()
            .map(|p| match columns.tag(p.col) {
                ResultCol::Triage => super::marks::row_cell(app, row),
                // Which exclusion hid the row, in a visible cell (id and what it tests).
                ResultCol::Mark => Cell::from(cell(
                    &super::suppressed::label(app, &row.suppressed_by),
                    p.width,
                )),
                ResultCol::Key(c) => {
                    let v = row.key.get(c).map_or("", |k| k);
                    if is_sid(&r.columns[c]) {
                        Cell::from(cell(&app.sid_names.display(v), p.width))
                    } else {
                        Cell::from(cell(v, p.width))
                    }
                }
                ResultCol::Count => Cell::from(format!("{:>6}", row.count)),
                ResultCol::First => Cell::from(p.form.apply(&ctime(row.first, app.tz))),
                ResultCol::Last => Cell::from(p.form.apply(&ctime(row.last, app.tz))),
                // The sparkline once the row's event times are in; until then the first..last bar.
                ResultCol::Activity => {
                    let activity = match r.activity.get(&i) {
                        Some(h) if !h.is_empty() => sparkline(h),
                        _ => timeline(row.first, row.last, r.span, TIMELINE),
                    };
                    Cell::from(Span::styled(activity, Style::new().fg(Color::Cyan)))
                }
            })
            .collect();
        let style = if row.suppressed_by.is_empty() {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM)
        };
        Row::new(cells).style(style)
    });
    let name = app.current().map(|h| h.query.name.as_str()).unwrap_or("");
    let mut title = match app.current() {
        Some(h) if app.regrouping.is_some() => format!(
            " {} · grouping {} rows by {}… ",
            fit(&crate::sanitize::inert_line(name), 60),
            h.groups.len(),
            app.pivot.label()
        ),
        _ => format!(
            " {} · {} of {} rows ",
            fit(&crate::sanitize::inert_line(name), 60),
            r.visible.len(),
            r.rows.len()
        ),
    };
    if let Some(s) = app.triage.filter {
        title.push_str(&format!("· status: {} (F) ", s.label()));
    }
    // Times shown without their date: the day is said once, before the constant columns.
    title.push_str(&super::events::day_note(&plan, app, r.span.0));
    for (i, c) in r.columns.iter().enumerate() {
        if r.constant.get(i).copied().unwrap_or(false)
            && let Some(v) = r.rows.first().and_then(|row| row.key.get(i))
        {
            let (v, max) = if is_sid(c) {
                (app.sid_names.display(v), 48)
            } else {
                (v.clone(), 30)
            };
            title.push_str(&format!("· {}={} ", cell(c, 20), cell(&v, max)));
        }
    }
    let focused = app.focus == Focus::Results;
    let inner = (area.width as usize).saturating_sub(2);
    let markers = plan.markers();
    let marker_w = if markers.is_empty() {
        0
    } else {
        width(&markers) + 3
    };
    // The marker costs two cells; the title keeps what the scroll markers leave.
    let title = fit(
        &title,
        inner.saturating_sub(marker_w + if focused { 2 } else { 0 }),
    );
    let mut block = focus_block(title, focused);
    if !markers.is_empty() {
        block = block.title(Line::from(format!(" {markers} ")).right_aligned());
    }
    if r.visible.is_empty() {
        let status_why;
        let why = if app.regrouping.is_some() {
            "grouping…"
        } else if let Some(s) = app.triage.filter {
            status_why = format!("no {} row here (F shows the next status)", s.label());
            status_why.as_str()
        } else if !app.filter.is_empty() {
            "no row matches the filter (esc clears it)"
        } else if app.current().is_some_and(|h| h.suppressed_rows() > 0) && !app.show_suppressed {
            "every row is suppressed by an exclusion (x shows them, E lists exclusions)"
        } else {
            "no rows in this time range (t changes it)"
        };
        frame.render_widget(Paragraph::new(fit(why, inner)).block(block), area);
        return;
    }
    let mut state = TableState::default();
    state.select(Some(r.selected.saturating_sub(r.offset)));
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(block)
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The kind cell of a Sigma rule: its level, coloured by severity, in the width of the others.
fn sigma_level_span(q: &crate::analytics::SavedQuery) -> Span<'static> {
    use crate::sigma::Level;
    let (text, color) = match crate::analytics::level_of(q) {
        Some(Level::Critical) => ("critical", Color::LightRed),
        Some(Level::High) => ("high    ", Color::Red),
        Some(Level::Medium) => ("medium  ", Color::Yellow),
        Some(Level::Low) => ("low     ", Color::Blue),
        Some(Level::Informational) | None => ("info    ", Color::Gray),
    };
    Span::styled(text, Style::new().fg(color))
}
