//! The one table builder for the CLI (comfy-table draws it). Every cell is made inert on the
//! way in; numbers, ids and times are never cut; SIDs keep their RID; when not every column can
//! stay readable in the width, the table becomes one block per record (psql's expanded mode).

use comfy_table::{CellAlignment, ContentArrangement, TableStyle, presets::NOTHING};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::sid::compact_label;
use crate::sanitize::inert_line;

/// How a column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Free text: cut to one line ending in `…`, but never below `MIN_TEXT` columns.
    Text,
    /// Ids, times, codes: never cut.
    Whole,
    /// A count or other number: never cut, right-aligned.
    Number,
    /// A SID, maybe with its account name: elided in the middle (`S-1-5-21-…-1104`), never cut
    /// from the right. A cell that is no SID is cut like text.
    Sid,
}

/// One column: its header and how it fits.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub fit: Fit,
}

impl Column {
    /// A column named `name`.
    pub fn new(name: &str, fit: Fit) -> Column {
        Column {
            name: name.to_string(),
            fit,
        }
    }
}

/// Rows as a grid, or one block per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// A grid when every column stays readable in the width, else expanded.
    #[default]
    Auto,
    /// One block per record, every value whole (`--expanded` / `-x`).
    Expanded,
}

/// The narrowest a text column gets before the table switches to the expanded layout: enough
/// to read a host name's first label or a script's first cmdlet.
pub const MIN_TEXT: usize = 12;

/// Space between two columns.
const GAP: usize = 2;

/// Columns and rows of inert text.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns: columns
                .into_iter()
                .map(|c| Column {
                    name: inert_line(&c.name).into_owned(),
                    fit: c.fit,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row (missing cells are empty, extra ones dropped); each cell made inert.
    pub fn push<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.columns.len())
            .map(|c| inert_line(c.as_ref()).into_owned())
            .collect();
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
    }

    /// Rows added so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No rows?
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table in `width` terminal columns (lines end with `\n`, no trailing spaces).
    pub fn render(&self, width: usize, layout: Layout) -> String {
        if layout == Layout::Expanded || self.columns.is_empty() {
            return self.expanded();
        }
        let natural = self.widths(&self.rows);
        if line_width(&natural) <= width {
            return self.grid(&self.rows, &natural);
        }
        // Too wide: SIDs take their compact form, then each column its least readable width.
        let rows = self.compact_sids();
        let natural = self.widths(&rows);
        let least: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match c.fit {
                Fit::Text => natural[i].min(MIN_TEXT.max(c.name.width())),
                // A SID keeps its whole compact form; other text in the column may be cut.
                Fit::Sid => self
                    .rows
                    .iter()
                    .filter_map(|r| compact_label(&r[i]))
                    .map(|c| c.width())
                    .chain([natural[i].min(MIN_TEXT), c.name.width()])
                    .max()
                    .unwrap_or(0),
                Fit::Whole | Fit::Number => natural[i],
            })
            .collect();
        if line_width(&least) > width {
            return self.expanded();
        }
        let widths = share(&natural, &least, width);
        let cut: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().zip(&widths).map(|(c, w)| fit(c, *w)).collect())
            .collect();
        self.grid(&cut, &widths)
    }

    /// Natural width of each column: its widest cell or its header.
    fn widths(&self, rows: &[Vec<String>]) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                rows.iter()
                    .map(|r| r[i].width())
                    .chain([c.name.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    fn compact_sids(&self) -> Vec<Vec<String>> {
        let mut rows = self.rows.clone();
        for (i, c) in self.columns.iter().enumerate() {
            if c.fit == Fit::Sid {
                for r in &mut rows {
                    if let Some(short) = compact_label(&r[i]) {
                        r[i] = short;
                    }
                }
            }
        }
        rows
    }

    /// comfy-table draws the grid, each column as wide as its widest (already fitted) cell.
    fn grid(&self, rows: &[Vec<String>], widths: &[usize]) -> String {
        let mut t = comfy_table::Table::new();
        t.load_style(style());
        t.set_content_arrangement(ContentArrangement::Disabled);
        t.set_header(
            self.columns
                .iter()
                .zip(widths)
                .map(|(c, w)| fit(&c.name, *w)),
        );
        t.add_rows(rows.iter().cloned());
        let last = self.columns.len() - 1;
        for (i, c) in self.columns.iter().enumerate() {
            let Some(col) = t.column_mut(i) else { continue };
            col.set_padding((0, if i == last { 0 } else { GAP as u16 }));
            if c.fit == Fit::Number {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
        let mut out = String::new();
        for line in t.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// psql's expanded mode: `-[ RECORD n ]`, then `column | value` per column, values whole.
    fn expanded(&self) -> String {
        let name_w = self
            .columns
            .iter()
            .map(|c| c.name.width())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (n, r) in self.rows.iter().enumerate() {
            out.push_str(&format!("-[ RECORD {} ]", n + 1));
            out.push_str(&"-".repeat(name_w.saturating_sub(8)));
            out.push('\n');
            for (c, v) in self.columns.iter().zip(r) {
                let pad = " ".repeat(name_w - c.name.width());
                out.push_str(format!("{}{pad} | {v}", c.name).trim_end());
                out.push('\n');
            }
        }
        out
    }
}

/// No borders; a rule under the header.
fn style() -> TableStyle {
    NOTHING.header_separator(comfy_table::LineStyle::none().fill('─'))
}

/// Widths that fit `width`: every column at least its `least`, text columns capped at the
/// largest common width that still fits (the widest text gives way first).
fn share(natural: &[usize], least: &[usize], width: usize) -> Vec<usize> {
    let capped = |cap: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(least)
            .map(|(n, l)| (*n).min(cap).max(*l))
            .collect()
    };
    let (mut lo, mut hi) = (0usize, natural.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if line_width(&capped(mid)) <= width {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    capped(lo)
}

/// Cut to `w` display columns, ending with `…` when cut.
fn fit(s: &str, w: usize) -> String {
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// A line holding columns of these widths.
fn line_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + GAP * widths.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Table {
        let mut t = Table::new(vec![
            Column::new("Computer", Fit::Text),
            Column::new("user_id", Fit::Sid),
            Column::new("count", Fit::Number),
            Column::new("text", Fit::Text),
        ]);
        t.push([
            "mgmt01.corp.local",
            "S-1-5-21-3623811015-3361044348-30300820-1104 (CORP\\svc)",
            "144",
            "Invoke-Command -ComputerName srv01 { Get-Service }",
        ]);
        t.push(["ws\u{1b}]0;x\u{7}", "S-1-5-18", "2", "a\nb"]);
        t
    }

    #[test]
    fn grid_at_natural_width_and_fitted() {
        let wide = demo().render(200, Layout::Auto);
        print!("{wide}");
        let lines: Vec<&str> = wide.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].contains("S-1-5-21-3623811015-3361044348-30300820-1104 (CORP\\svc)"));
        assert!(lines[3].starts_with("ws␛]0;x␇"));
        let narrow = demo().render(80, Layout::Auto);
        print!("{narrow}");
        for l in narrow.lines() {
            assert!(l.width() <= 80, "{l}");
        }
        assert!(narrow.contains("S-1-5-21-…-1104 (CORP\\svc)"), "{narrow}");
        let lines: Vec<&str> = narrow.lines().collect();
        assert_eq!(lines.len(), 4, "one line per row: {narrow}");
        assert_eq!(
            lines[0],
            "Computer           user_id                     count  text"
        );
        assert!(
            lines[2].contains("(CORP\\svc)    144  Invoke-Command"),
            "{narrow}"
        );
        assert!(lines[2].ends_with('…'), "{narrow}");
        assert_eq!(lines[2].width(), 80, "{narrow}");
    }

    #[test]
    fn too_narrow_becomes_expanded() {
        let x = demo().render(40, Layout::Auto);
        print!("{x}");
        assert_eq!(x, demo().render(200, Layout::Expanded));
        assert!(
            x.contains("\nuser_id  | S-1-5-21-3623811015-3361044348-30300820-1104 (CORP\\svc)\n")
        );
        assert!(
            x.starts_with("-[ RECORD 1 ]\nComputer | mgmt01.corp.local\n"),
            "{x}"
        );
    }
}
