//! The edges view: which source host reached which target, and how much the target logged.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, width};
use crate::extended::{Edge, Ends};
use crate::sanitize::inert_line;
use crate::time::ctime;
use crate::tui::app::App;

/// Draw the edges table into `area`; only the rows on screen are built.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let ed = &app.edges;
    let status = if ed.loading {
        "loading…".to_string()
    } else {
        format!("{} edges", ed.items.len())
    };
    let title = format!(
        " edges (who reached whom) · {status} · sort: {} · enter: target-side evidence, o: sort, e: export, esc: back ",
        ed.sort.label()
    );
    let mut block = Block::default().borders(Borders::ALL).title(title);
    if ed.items.is_empty() {
        let why = if ed.loading {
            vec![Line::from("running the extended hunt…")]
        } else {
            vec![
                Line::from(format!("No edges in {}.", app.range.describe())),
                Line::from(""),
                Line::from(
                    "An edge needs remote execution (Invoke-Command, Enter-PSSession, WinRM…)",
                ),
                Line::from("with a literal target name, or a session its target logged from a"),
                Line::from("named source; none was found in this time range."),
                Line::from("t changes the range."),
            ]
        };
        frame.render_widget(Paragraph::new(why).block(block), area);
        return;
    }
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ed.offset + shown).min(ed.items.len());
    // Host and user columns as wide as their longest value (edges are few), capped, so
    // techniques get the rest; lastTime only where it leaves them room.
    let widest = |f: &dyn Fn(&Edge) -> usize, cap: usize| {
        ed.items.iter().map(f).max().unwrap_or(0).clamp(5, cap)
    };
    // Measured as shown: a control character takes the room of its inert symbol.
    let as_shown = |s: &str| width(&inert_line(s));
    let src_w = widest(&|e| as_shown(&e.source), 24);
    let dst_w = widest(&|e| as_shown(&e.target) + 2, 24);
    let users_w = widest(&|e| as_shown(&e.users.join(", ")), 16);
    let with_last = area.width >= 150;
    let mut cols: Vec<(&str, u16)> = vec![
        ("source", src_w as u16),
        ("target", dst_w as u16),
        ("ends", 6),
        ("users", users_w as u16),
        ("count", 6),
        ("firstTime", 19),
    ];
    if with_last {
        cols.push(("lastTime", 19));
    }
    cols.push(("evidence", 8));
    // A mark column once any edge is marked.
    let marked = app
        .triage
        .marks
        .list()
        .iter()
        .any(|m| m.analytic == crate::triage::EDGES);
    if marked {
        cols.insert(0, ("mark", super::marks::CELL as u16));
    }
    let fixed: usize = cols.iter().map(|(_, w)| *w as usize + 1).sum();
    let tech_w = (area.width as usize).saturating_sub(fixed + 4).max(10);
    // Under the table, for the selected edge: what its cells cut (techniques) and how it was
    // put together (a join, a spelling kept), both too long for a cell.
    if let Some(e) = ed.items.get(ed.selected) {
        let techniques = e.techniques.join(", ");
        let mut parts = Vec::new();
        if width(&techniques) > tech_w {
            parts.push(techniques);
        }
        if !e.notes.is_empty() {
            parts.push(e.note());
        }
        if !parts.is_empty() {
            let room = (area.width as usize).saturating_sub(6);
            block = block.title_bottom(format!(" {} ", cell(&parts.join(" · "), room)));
        }
    }
    let rows = ed.items[ed.offset.min(end)..end].iter().map(|e| {
        let style = match e.ends {
            _ if e.is_unresolved() => Style::new().fg(Color::Yellow),
            Ends::Source if e.evidence.is_empty() => Style::new().fg(Color::DarkGray),
            _ => Style::new(),
        };
        let mut cells = Vec::new();
        if marked {
            cells.push(super::marks::edge_cell(app, &e.source, &e.target, e.count));
        }
        cells.extend([
            Cell::from(cell(&e.source, src_w)),
            Cell::from(cell(&format!("→ {}", e.target), dst_w)),
            Cell::from(e.ends.label()),
            Cell::from(cell(&e.users.join(", "), users_w)),
            Cell::from(format!("{:>6}", e.count)),
            Cell::from(ctime(e.first, app.tz)),
        ]);
        if with_last {
            cells.push(Cell::from(ctime(e.last, app.tz)));
        }
        cells.push(Cell::from(format!("{:>8}", e.evidence.len())));
        cells.push(Cell::from(cell(&e.techniques.join(", "), tech_w)));
        Row::new(cells).style(style)
    });
    let head = Row::new(
        cols.iter()
            .map(|(name, _)| Cell::from(*name))
            .chain([Cell::from("techniques")]),
    )
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|(_, w)| Constraint::Length(*w))
        .chain([Constraint::Fill(1)])
        .collect();
    let mut state = TableState::default();
    state.select(Some(ed.selected.saturating_sub(ed.offset)));
    let table = Table::new(rows, widths)
        .header(head)
        .block(block)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
