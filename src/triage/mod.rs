//! Triage: a verdict (status) and note per row, kept beside the index in `triage.toml` and
//! matched by the row's identity, so the review leaves a record that outlives re-hunts,
//! re-ingest and restarts.

mod error;
mod identity;
mod mark;
mod select;
mod state;
mod status;
mod store;

use std::path::{Path, PathBuf};

pub use error::TriageError;
pub use identity::{EDGES, Identity, MAX_PLAIN_VALUE, edge_identity, identity, stored_value};
pub use mark::{Mark, MarkTarget};
pub use select::{group_targets, select_edges, select_rows};
pub use state::{MarkState, Marks, Rows, StatusCounts};
pub use status::Status;
pub use store::TriageStore;

/// The triage file of the index in `index_dir`, next to its `exclusions.toml`.
pub fn triage_path(index_dir: &Path) -> PathBuf {
    index_dir.join("triage.toml")
}
