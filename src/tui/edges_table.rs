//! The edges table's own keys: sort (the main table's orders: count, first, last, name) and
//! export (CSV or JSON, the same columns and fields as `huntbench edges`).

use std::path::PathBuf;

use super::app::{App, EdgesView, SortBy};
use super::msg::Effect;
use super::update::say;
use crate::extended::{EDGE_COLUMNS, Edge, edge_cells, edge_json};

/// Order the edges by `by` (ties keep the delivered order: source, then target), the
/// selection staying on the same edge.
pub fn sort(ed: &mut EdgesView, by: SortBy) {
    let key = |e: &Edge| (e.source.to_lowercase(), e.target.to_lowercase());
    let chosen = ed.items.get(ed.selected).map(key);
    ed.sort = by;
    // Name order first, so every other order breaks its ties the same way.
    ed.items.sort_by_key(key);
    ed.items.sort_by_key(|e| e.is_unresolved());
    match by {
        SortBy::Count => ed.items.sort_by_key(|e| std::cmp::Reverse(e.count)),
        SortBy::First => ed.items.sort_by_key(|e| e.first),
        SortBy::Last => ed.items.sort_by_key(|e| std::cmp::Reverse(e.last)),
        SortBy::Name => {}
    }
    if let Some(k) = chosen {
        ed.selected = ed.items.iter().position(|e| key(e) == k).unwrap_or(0);
    }
}

/// The next order, announced on the status line.
pub fn next_sort(app: &mut App) {
    let by = app.edges.sort.next();
    sort(&mut app.edges, by);
    let rows = super::layout::areas(app).body_rows(true);
    app.edges.offset = super::input::keep_in_view(app.edges.selected, app.edges.offset, rows);
    say(app, format!("sort edges: {}", by.label()));
}

/// The edges as shown (in this order), as a file: JSON like `edges --format json`, else CSV
/// like `edges --format csv` (inert, formula-guarded cells: a spreadsheet opens it).
pub fn export(app: &App, path: PathBuf) -> Effect {
    let json = path
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("json"));
    let items = &app.edges.items;
    let contents = if json {
        let v: Vec<serde_json::Value> = items.iter().map(|e| edge_json(e, app.tz)).collect();
        crate::output::to_json_pretty(&v).unwrap_or_default() + "\n"
    } else {
        let rows = items.iter().map(|e| edge_cells(e, app.tz, ";"));
        crate::output::csv_text(&EDGE_COLUMNS, rows, crate::output::CsvMode::Safe)
            .unwrap_or_default()
    };
    Effect::WriteFile { path, contents }
}
