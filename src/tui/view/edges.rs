//! The edges view: which source host reached which target, and how much the target logged.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::common::{cell, fit, width};
use super::events::{day_note, table_block};
use crate::extended::Ends;
use crate::time::ctime;
use crate::tui::app::App;
use crate::tui::table_specs::{self, EdgeCol};

/// Draw the edges table into `area`; only the rows on screen are built.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let ed = &app.edges;
    let status = if ed.loading {
        "loading…".to_string()
    } else {
        format!("{} edges", ed.items.len())
    };
    let columns = table_specs::edges(app);
    let plan = columns.plan(table_specs::room(area.width), app.sideways.edges);
    let mut title = format!(
        " edges (who reached whom) · {status} · sort: {} ",
        ed.sort.label()
    );
    if let Some(first) = ed.items.iter().map(|e| e.first).min() {
        title.push_str(&day_note(&plan, app, first));
    }
    title.push_str("· enter: target-side evidence, v: row, o: sort, e: export, esc: back ");
    if ed.items.is_empty() {
        let inner = (area.width as usize).saturating_sub(2);
        let why = if ed.loading {
            vec![Line::from("running the extended hunt…")]
        } else {
            [
                format!("No edges in {}.", app.range.describe()),
                String::new(),
                "An edge needs remote execution (Invoke-Command, Enter-PSSession, WinRM…)".into(),
                "with a literal target name, or a session its target logged from a".into(),
                "named source; none was found in this time range.".into(),
                "t changes the range.".into(),
            ]
            .into_iter()
            .map(|l| Line::from(fit(&l, inner)))
            .collect()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(fit(&title, inner));
        frame.render_widget(Paragraph::new(why).block(block), area);
        return;
    }
    let mut block = table_block(&title, &plan.markers(), area);
    let shown = (area.height as usize).saturating_sub(3);
    let end = (ed.offset + shown).min(ed.items.len());
    // Under the table, for the selected edge: what its cells cut (techniques) and how it was
    // put together (a join, a spelling kept), both too long for a cell.
    let tech_col = columns.tags.iter().position(|t| *t == EdgeCol::Techniques);
    let tech_w = tech_col.and_then(|c| plan.get(c)).map_or(0, |p| p.width);
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
        let cells: Vec<Cell> = plan
            .shown
            .iter()
            .map(|p| {
                let w = p.width;
                if columns.tag(p.col) == EdgeCol::Mark {
                    return super::marks::edge_cell(app, &e.source, &e.target, e.count);
                }
                Cell::from(match columns.tag(p.col) {
                    EdgeCol::Mark => String::new(),
                    EdgeCol::Source => cell(&e.source, w),
                    EdgeCol::Target => cell(&format!("→ {}", e.target), w),
                    EdgeCol::Ends => e.ends.label().to_string(),
                    EdgeCol::Users => cell(&e.users.join(", "), w),
                    EdgeCol::Count => format!("{:>6}", e.count),
                    EdgeCol::First => p.form.apply(&ctime(e.first, app.tz)),
                    EdgeCol::Last => p.form.apply(&ctime(e.last, app.tz)),
                    EdgeCol::Evidence => format!("{:>8}", e.evidence.len()),
                    EdgeCol::Techniques => cell(&e.techniques.join(", "), w),
                })
            })
            .collect();
        Row::new(cells).style(style)
    });
    let head = super::common::plan_header(&columns, &plan);
    let widths = super::common::plan_widths(&plan);
    let mut state = TableState::default();
    state.select(Some(ed.selected.saturating_sub(ed.offset)));
    let table = Table::new(rows, widths)
        .header(head)
        .block(block)
        .column_spacing(1)
        .highlight_symbol("▶ ")
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(table, area, &mut state);
}
