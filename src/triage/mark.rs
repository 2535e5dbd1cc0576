//! The Mark: an analyst's verdict on one row, kept beside the index, never in it.

use serde::{Deserialize, Serialize};

use super::Status;

/// A verdict and note on one row of an analytic (or one edge), found again by its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Short stable id (`t1`, `t2`, …); a cleared id is never given out again.
    pub id: String,
    /// A saved-query id, or `edges` for an edge.
    pub analytic: String,
    /// Column → value: the row's identity (see [`super::identity`]).
    pub key: Vec<(String, String)>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The row's events when it was marked (a later count above this means it grew).
    pub count: u64,
    /// The row's first and last event when it was marked (microseconds, UTC).
    pub first: i64,
    pub last: i64,
    /// When it was made and last changed (RFC 3339, UTC).
    pub created: String,
    pub updated: String,
}

impl Mark {
    /// The key as one line: `Computer=ws01 user=CORP\bob`.
    pub fn key_text(&self) -> String {
        self.key
            .iter()
            .map(|(c, v)| format!("{c}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One row to mark: where it is, what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkTarget {
    pub analytic: String,
    pub key: Vec<(String, String)>,
    pub count: u64,
    pub first: i64,
    pub last: i64,
}
