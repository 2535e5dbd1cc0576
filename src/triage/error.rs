//! What can go wrong with the triage store: every variant names the file or mark at fault.

use std::path::PathBuf;

/// A triage store failure.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// Reading or writing the file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML; it is left as it is.
    #[error("{file}:{line}: {message} (the file is left as it is: fix or move it)")]
    Toml {
        file: String,
        line: usize,
        message: String,
    },
    /// The file is TOML but not a valid triage file; it is left as it is.
    #[error("{file}: {message}")]
    Store { file: String, message: String },
    /// No mark has this id.
    #[error("no mark with id `{0}`")]
    UnknownMark(String),
}
