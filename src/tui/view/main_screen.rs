//! The main screen: the analytics pane over the selected analytic's result table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, fit};
use super::suppressed;
use crate::analytics::model::QueryKind;
use crate::time::ctime;
use crate::tui::app::{App, Focus};
use crate::tui::layout::Areas;
use crate::tui::rows::{sparkline, text_field, timeline};

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

fn focus_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(title)
}

fn analytics(frame: &mut Frame, app: &App, area: Rect, shown: usize) {
    let first = (app.analytic + 1).saturating_sub(shown);
    let name_w = (area.width as usize).saturating_sub(59).max(10);
    let rows = app
        .hunts
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, h)| {
            let kind = match h.query.kind {
                QueryKind::Parity => Span::styled("parity  ", Style::new().fg(Color::Green)),
                QueryKind::Extended => Span::styled("extended", Style::new().fg(Color::Magenta)),
                QueryKind::Inbound => Span::styled("inbound ", Style::new().fg(Color::Cyan)),
            };
            let sel = if i == app.analytic { "▶ " } else { "  " };
            // Dropped events are never silent: their count rides on the name, D lists them.
            let name = if h.dropped.is_empty() {
                cell(&h.query.name, name_w)
            } else {
                let note = format!(" · {} dropped (D)", h.dropped.len());
                let w = name_w.saturating_sub(note.chars().count());
                format!("{}{note}", cell(&h.query.name, w))
            };
            Row::new(vec![
                Cell::from(format!("{sel}{name}")),
                Cell::from(kind),
                Cell::from(format!("{:>7} rows", h.rows())),
                Cell::from(format!("{:>8} events", h.events())),
                Cell::from(format!("{:>5} suppressed", h.suppressed_rows())),
            ])
        });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(15),
        Constraint::Length(16),
    ];
    let mut state = TableState::default();
    state.select(Some(app.analytic - first));
    let table = Table::new(rows, widths)
        .block(focus_block(
            format!(" analytics ({}) ", app.hunts.len()),
            app.focus == Focus::Analytics,
        ))
        .row_highlight_style(Style::new().add_modifier(Modifier::BOLD));
    frame.render_stateful_widget(table, area, &mut state);
}

/// Widths for the key columns in `room` cells: what each needs when it fits; otherwise the text
/// column keeps up to half the room and the others share the rest by need.
fn key_widths(need: &[usize], text: Option<usize>, room: usize) -> Vec<usize> {
    let total: usize = need.iter().sum();
    let mut w = need.to_vec();
    if total <= room {
        // Spare room goes to the text column, else the last key column.
        if let Some(t) = text.or(w.len().checked_sub(1)) {
            w[t] += room - total;
        }
        return w;
    }
    // The text column takes what the others leave, but keeps at least half when they are wide.
    let text_w = text
        .map(|t| {
            let others = total - need[t];
            if others + 12 <= room / 2 * 2 && others <= room / 2 {
                room - others
            } else {
                need[t].min((room / 2).max(12))
            }
        })
        .unwrap_or(0);
    let rest = room.saturating_sub(text_w);
    let others: usize = total - text.map(|t| need[t]).unwrap_or(0);
    for (i, x) in w.iter_mut().enumerate() {
        *x = if Some(i) == text {
            text_w
        } else if others <= rest {
            *x
        } else {
            (*x * rest / others.max(1)).max(4)
        };
    }
    w
}

fn results(frame: &mut Frame, app: &App, area: Rect, shown: usize) {
    let r = &app.results;
    let mark = app.show_suppressed;
    // Columns with one value in every row are said once in the title instead of repeated.
    let cols: Vec<usize> = (0..r.columns.len())
        .filter(|&i| !r.constant.get(i).copied().unwrap_or(false))
        .collect();
    let names: Vec<String> = cols.iter().map(|&i| r.columns[i].clone()).collect();
    let text_col = text_field(&names);
    // A user_id column shows `SID (name)` once names are in; display only, the key stays the SID.
    let is_sid = |c: &str| c.eq_ignore_ascii_case("user_id") && !app.sid_names.map.is_empty();
    let need: Vec<usize> = cols
        .iter()
        .map(|&i| match r.sid_width {
            Some(w) if is_sid(&r.columns[i]) => w,
            _ => r.widths[i],
        })
        .collect();
    // Borders 2, highlight symbol 2, one space between columns.
    let n_cols = cols.len() + 4 + usize::from(mark);
    let mark_w = if mark { suppressed::WIDTH } else { 0 };
    let fixed = 6 + 19 + 19 + TIMELINE + mark_w + 4 + n_cols.saturating_sub(1);
    let room = (area.width as usize).saturating_sub(fixed);
    let col_w = key_widths(&need, text_col, room);
    let mut widths: Vec<Constraint> = Vec::new();
    if mark {
        widths.push(Constraint::Length(mark_w as u16));
    }
    widths.extend(col_w.iter().map(|w| Constraint::Length(*w as u16)));
    widths.extend([
        Constraint::Length(6),
        Constraint::Length(19),
        Constraint::Length(19),
        Constraint::Length(TIMELINE as u16),
    ]);
    let mut head: Vec<Cell> = Vec::new();
    if mark {
        head.push(Cell::from("suppressed by"));
    }
    head.extend(
        names
            .iter()
            .zip(&col_w)
            .map(|(c, w)| Cell::from(fit(c, *w))),
    );
    head.extend(["count", "firstTime", "lastTime", "activity"].map(Cell::from));
    let end = (r.offset + shown).min(r.visible.len());
    let rows = r.visible[r.offset.min(end)..end].iter().map(|&i| {
        let row = &r.rows[i as usize];
        let mut cells: Vec<Cell> = Vec::new();
        if mark {
            // Which exclusion hid the row, in a visible cell (id and what it tests).
            let by = suppressed::label(app, &row.suppressed_by);
            cells.push(Cell::from(cell(&by, mark_w)));
        }
        for (c, w) in cols.iter().zip(&col_w) {
            let v = row.key.get(*c).map_or("", |k| k);
            if is_sid(&r.columns[*c]) {
                cells.push(Cell::from(cell(&app.sid_names.display(v), *w)));
            } else {
                cells.push(Cell::from(cell(v, *w)));
            }
        }
        cells.push(Cell::from(format!("{:>6}", row.count)));
        cells.push(Cell::from(ctime(row.first, app.tz)));
        cells.push(Cell::from(ctime(row.last, app.tz)));
        // The sparkline once the row's event times are in; until then the first..last bar.
        let activity = match r.activity.get(&i) {
            Some(h) if !h.is_empty() => sparkline(h),
            _ => timeline(row.first, row.last, r.span, TIMELINE),
        };
        cells.push(Cell::from(Span::styled(
            activity,
            Style::new().fg(Color::Cyan),
        )));
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
    if r.visible.is_empty() {
        let why = if app.regrouping.is_some() {
            "grouping…"
        } else if !app.filter.is_empty() {
            "no row matches the filter (esc clears it)"
        } else if app.current().is_some_and(|h| h.suppressed_rows() > 0) && !app.show_suppressed {
            "every row is suppressed by an exclusion (x shows them, E lists exclusions)"
        } else {
            "no rows in this time range (t changes it)"
        };
        frame.render_widget(
            Paragraph::new(why).block(focus_block(title, app.focus == Focus::Results)),
            area,
        );
        return;
    }
    let mut state = TableState::default();
    state.select(Some(r.selected.saturating_sub(r.offset)));
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(Style::new().add_modifier(Modifier::BOLD)))
        .block(focus_block(title, app.focus == Focus::Results))
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
