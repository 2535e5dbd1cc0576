//! With suppressed rows shown (`x`), the cell that says which exclusion suppressed a row: its
//! id and a short description (`x2 Computer = "MGMT01.corp.local"`).

use crate::tui::app::App;

/// Width of the `suppressed by` column.
pub const WIDTH: usize = 24;

/// The text of a row's `suppressed by` cell: empty for a kept row; the first exclusion's id and
/// description, the others' ids after a `+` (`x1+x3 Computer = "…"`).
pub fn label(app: &App, ids: &[String]) -> String {
    let Some(first) = ids.first() else {
        return String::new();
    };
    let what = app
        .exclusions
        .items
        .iter()
        .find(|x| &x.id == first)
        .map(|x| crate::analytics::describe_with(x, |v| app.sid_names.display(v)));
    let ids = ids.join("+");
    match what {
        Some(w) => format!("{ids} {w}"),
        None => ids,
    }
}
