//! Output that is safe and exact in every format: one CSV writer, one table builder and one JSON
//! writer for every command. The only module that imports `csv` and `comfy-table`.
//!
//! The rules (README "Output formats"): tables and CSV never carry a raw control or bidi
//! character (they show the same inert form as the TUI, `crate::sanitize::inert_line`); CSV cells
//! a spreadsheet would run as a formula get OWASP's `'` guard; `--csv-exact` opts out of both for
//! machine consumers; JSON is exact, with those characters escaped as `\uXXXX`.

pub mod csv;
pub mod json;
pub mod sid;
pub mod table;

pub use self::csv::{CsvMode, csv_text, formula_guard, safe_cell};
pub use self::json::{to_json_compact, to_json_pretty};
pub use self::sid::{compact_sid, sid_label};
pub use self::table::{Column, Fit, Layout, Table};

/// What can go wrong while writing output (into memory: only a malformed record).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("output is not UTF-8: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
    #[error("CSV buffer: {0}")]
    Flush(String),
}
