//! The one CSV writer: RFC 4180 (the `csv` crate quotes; CRLF record ends), cells inert and
//! formula-guarded unless the caller asks for the exact text.

use std::borrow::Cow;

use ::csv::{QuoteStyle, Terminator, WriterBuilder};

use super::OutputError;
use crate::sanitize::inert_line;

/// How cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvMode {
    /// For people and spreadsheets: control and bidi characters in the visible form the tables
    /// and the TUI use (`␛`, `␇`, `<U+202E>`, a line break as `⏎`, a tab as a space), and a cell
    /// that a spreadsheet would run as a formula prefixed with `'` (OWASP's rule).
    #[default]
    Safe,
    /// For machine consumers (`--csv-exact`): every cell byte for byte as logged, quoted per
    /// RFC 4180 (a newline stays inside the quotes). No inert symbols, no formula guard.
    Exact,
}

/// Characters that make a spreadsheet read a cell as a formula when they lead it: OWASP's CSV
/// Injection list (`=`, `+`, `-`, `@`, tab, carriage return).
const FORMULA_LEAD: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// OWASP's rule: a cell that begins with a formula character is prefixed with a single quote,
/// which spreadsheets take as "this is text". Applied to every cell alike (a `-ComputerName`
/// value too: a spreadsheet cannot tell a parameter from a formula). Field separators and
/// quotes inside a cell are the CSV writer's quoting's job, so no cell can start mid-text.
pub fn formula_guard(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_LEAD) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A cell in `Safe` mode: inert first (the guard then sees what the spreadsheet will see).
pub fn safe_cell(s: &str) -> String {
    formula_guard(&inert_line(s)).into_owned()
}

fn cell(s: &str, mode: CsvMode) -> Cow<'_, str> {
    match mode {
        CsvMode::Safe => Cow::Owned(safe_cell(s)),
        CsvMode::Exact => Cow::Borrowed(s),
    }
}

/// A whole CSV document: the header, then one record per row (each as long as the header).
pub fn csv_text<R, S>(
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
    mode: CsvMode,
) -> Result<String, OutputError>
where
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .quote_style(QuoteStyle::Necessary)
        .from_writer(Vec::new());
    w.write_record(header.iter().map(|h| cell(h, mode).into_owned()))?;
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| cell(c.as_ref(), mode).into_owned())
            .collect();
        w.write_record(&cells)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| OutputError::Flush(e.error().to_string()))?;
    Ok(String::from_utf8(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owasp_leads_are_guarded_and_nothing_else() {
        for s in ["=1+2", "+cmd", "-ComputerName", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(formula_guard(s), format!("'{s}"));
        }
        for s in ["", "a=b", "'=x", " =x", "Invoke-Command"] {
            assert_eq!(formula_guard(s), s);
        }
    }

    #[test]
    fn safe_and_exact_documents() {
        let rows = [["=HYPERLINK(\"x\")", "a\u{1b}]0;t\u{7}\r\nb", "-1"]];
        let safe = csv_text(&["f", "g", "h"], rows, CsvMode::Safe).unwrap();
        assert_eq!(
            safe,
            "f,g,h\r\n\"'=HYPERLINK(\"\"x\"\")\",a␛]0;t␇⏎b,'-1\r\n"
        );
        let exact = csv_text(&["f", "g", "h"], rows, CsvMode::Exact).unwrap();
        assert_eq!(
            exact,
            "f,g,h\r\n\"=HYPERLINK(\"\"x\"\")\",\"a\u{1b}]0;t\u{7}\r\nb\",-1\r\n"
        );
    }
}
