//! Errors of the on-disk index, worded for the analyst who has to act on them.

use std::path::PathBuf;

/// What can go wrong opening, writing or querying the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Another writer (normally another huntbench process) holds the index lock.
    #[error(
        "index {} is in use by another huntbench process (wait for it to finish, or use --index to pick another directory)",
        .0.display()
    )]
    InUse(PathBuf),
    /// A command that reads the index was pointed at a directory that holds none.
    #[error(
        "no huntbench index at {}: run `huntbench ingest FILE...` (or `huntbench demo`) first, or check --index / HUNTBENCH_INDEX",
        .0.display()
    )]
    Missing(PathBuf),
    /// The index on disk was built by a huntbench with another schema.
    #[error(
        "index {} has schema version {found}, this huntbench needs version {expected}: delete {} (keep a copy of its exclusions.toml to put back) or use --index to choose another directory, then ingest again",
        dir.display(),
        dir.display()
    )]
    SchemaMismatch {
        dir: PathBuf,
        found: u32,
        expected: u32,
    },
    /// A committed segment's file is missing, too short or fails its checksum: the index would
    /// answer wrongly, so it answers nothing and takes no new events.
    #[error(
        "index {} is damaged: {summary}. No answer was served from it and nothing was written to it. `huntbench verify --index {}` checks every file; `huntbench reindex --index {}` drops the damaged segment(s) into a new commit and keeps every intact event ({lost} events would be lost: ingest their original logs again to get them back, events still in the index are skipped as duplicates)",
        dir.display(),
        dir.display(),
        dir.display()
    )]
    Damaged {
        dir: PathBuf,
        summary: String,
        lost: u64,
    },
    /// The search text is not valid query syntax.
    #[error("bad query: {0}")]
    BadQuery(String),
    /// Reading or writing the index directory failed.
    #[error("index I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A remote store (ClickHouse) could not be reached or refused a statement; the message
    /// names the server.
    #[error("{0}")]
    Remote(String),
    /// Anything else the search engine reported.
    #[error("index error: {0}")]
    Other(String),
}

/// Wrap an engine error without letting its type leak out of this module.
pub(crate) fn other(e: impl std::fmt::Display) -> IndexError {
    IndexError::Other(e.to_string())
}
