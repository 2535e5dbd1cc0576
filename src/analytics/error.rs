//! The one error type of the analytics module: every variant names the file or item at fault.

use std::path::PathBuf;

/// What can go wrong loading saved queries, storing exclusions or parsing a search.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// A saved-query definition is invalid: which file, which field, why.
    #[error("{file}: field `{field}`: {message}")]
    Definition {
        file: String,
        field: String,
        message: String,
    },
    /// A TOML file does not parse.
    #[error("{file}:{line}: {message}")]
    Toml {
        file: String,
        line: usize,
        message: String,
    },
    /// Two saved queries share an id.
    #[error("duplicate saved query id `{id}` in {first} and {second}")]
    DuplicateId {
        id: String,
        first: String,
        second: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The exclusions file is readable TOML but not a valid exclusions file.
    #[error("{file}: {message}")]
    Store { file: String, message: String },
    /// An exclusion names an analytic that is not loaded.
    #[error("unknown analytic `{0}`")]
    UnknownAnalytic(String),
    /// An exclusion names a field that is not an output column of its analytic.
    #[error("`{field}` is not an output column of {analytic} (columns: {columns})")]
    UnknownColumn {
        analytic: String,
        field: String,
        columns: String,
    },
    /// `undo` found no recorded add or delete.
    #[error("nothing to undo: {0}")]
    NothingToUndo(String),
    /// No exclusion has this id.
    #[error("no exclusion with id `{0}`")]
    UnknownExclusion(String),
    /// An exclusion pattern is unusable (e.g. a sha256 that is not 64 hex digits).
    #[error("bad exclusion pattern: {0}")]
    BadPattern(String),
    /// An ad-hoc search does not parse.
    #[error("bad search: {0}")]
    Search(String),
}

impl AnalyticsError {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AnalyticsError::Io {
            path: path.into(),
            source,
        }
    }

    /// A TOML parse error with its 1-based line, computed from the error's byte span.
    pub fn toml(file: impl Into<String>, text: &str, err: &toml::de::Error) -> Self {
        let line = crate::state_file::toml_error_line(text, err);
        AnalyticsError::Toml {
            file: file.into(),
            line,
            message: err.message().to_string(),
        }
    }
}
