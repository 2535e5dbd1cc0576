//! The edges view: which source host reached which target, and how much the target logged.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, width};
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
    let title =
        format!(" edges (who reached whom) · {status} · enter: target-side evidence, esc: back ");
    let block = Block::default().borders(Borders::ALL).title(title);
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
                Line::from("with a literal target name; none was found in this time range."),
                Line::from("t changes the range."),
            ]
        };
        frame.render_widget(Paragraph::new(why).block(block), area);
        return;
    }
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ed.offset + shown).min(ed.items.len());
    // Host columns as wide as their longest name (edges are few), so techniques get the rest.
    let host_w = |f: &dyn Fn(&crate::extended::Edge) -> usize| {
        ed.items.iter().map(f).max().unwrap_or(0).clamp(8, 28)
    };
    let src_w = host_w(&|e| width(&e.source));
    let dst_w = host_w(&|e| width(&e.target) + 2);
    let tech_w = (area.width as usize)
        .saturating_sub(2 + 2 + src_w + dst_w + 6 + 19 + 19 + 8 + 7)
        .max(10);
    let rows = ed.items[ed.offset.min(end)..end].iter().map(|e| {
        let evidence = Cell::from(format!("{:>8}", e.evidence.len()));
        let style = if e.evidence.is_empty() {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        };
        Row::new(vec![
            Cell::from(cell(&e.source, src_w)),
            Cell::from(cell(&format!("→ {}", e.target), dst_w)),
            Cell::from(format!("{:>6}", e.count)),
            Cell::from(ctime(e.first, app.tz)),
            Cell::from(ctime(e.last, app.tz)),
            evidence,
            Cell::from(cell(&e.techniques.join(", "), tech_w)),
        ])
        .style(style)
    });
    let head = Row::new(
        [
            "source",
            "target",
            "count",
            "firstTime",
            "lastTime",
            "evidence",
            "techniques",
        ]
        .map(Cell::from),
    )
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(src_w as u16),
        Constraint::Length(dst_w as u16),
        Constraint::Length(6),
        Constraint::Length(19),
        Constraint::Length(19),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let mut state = TableState::default();
    state.select(Some(ed.selected.saturating_sub(ed.offset)));
    let table = Table::new(rows, widths)
        .header(head)
        .block(block)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
