//! A row's identity: what a mark is attached to, so it survives re-hunts, re-ingest and
//! restarts (uids and row positions do not).

use crate::analytics::{Group, SavedQuery, sha256_hex};

/// The analytic name marks of edges are stored under.
pub const EDGES: &str = "edges";

/// Values longer than this are stored as `sha256:<hex>` of the exact text: a script block can
/// be megabytes, and the file should stay one a person can read.
pub const MAX_PLAIN_VALUE: usize = 256;

/// Column → value pairs naming one row.
pub type Identity = Vec<(String, String)>;

/// A row of an analytic: its full by-clause key (`q.by` zipped with `g.key`).
pub fn identity(q: &SavedQuery, g: &Group) -> Identity {
    q.by.iter()
        .zip(&g.key)
        .map(|(column, value)| (column.clone(), stored_value(value)))
        .collect()
}

/// An edge: its source and target nodes.
pub fn edge_identity(source: &str, target: &str) -> Identity {
    vec![
        ("source".to_string(), stored_value(source)),
        ("target".to_string(), stored_value(target)),
    ]
}

/// A value as an identity holds it: the text itself, or `sha256:<hex>` of the exact text when
/// it is longer than [`MAX_PLAIN_VALUE`] bytes.
pub fn stored_value(v: &str) -> String {
    if v.len() > MAX_PLAIN_VALUE {
        format!("sha256:{}", sha256_hex(v))
    } else {
        v.to_string()
    }
}
