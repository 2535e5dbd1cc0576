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

/// A row of an analytic: the values of its identity columns
/// ([`SavedQuery::identity_columns`]: the by-clause unless the analytic names fewer).
pub fn identity(q: &SavedQuery, g: &Group) -> Identity {
    q.identity_columns()
        .iter()
        .map(|column| {
            let v = plain_value(q, g, column).unwrap_or_default();
            (column.clone(), stored_value(&v))
        })
        .collect()
}

/// The exact text of one identity column of a row: a by-field's value, or `firstTime` as
/// UTC ISO time (zone-free, so a mark holds whatever `--tz` shows).
pub fn plain_value(q: &SavedQuery, g: &Group, column: &str) -> Option<String> {
    if column == "firstTime" {
        return Some(crate::time::ctime(g.first, None));
    }
    let i = q.by.iter().position(|b| b == column)?;
    g.key.get(i).cloned()
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
