//! The analytics vocabulary: SavedQuery, Group, Exclusion, HuntResult.
//!
//! These types are shared by the CLI, the TUI and the extended layer; behaviour lives in the
//! sibling modules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Whether a saved query reproduces an ESCU analytic exactly or is huntbench's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// Row for row what Splunk ESCU returns.
    #[default]
    Parity,
    /// Beyond ESCU: always labelled and kept apart from parity rows.
    Extended,
    /// The target side of a hop (huntbench's own, like `Extended`): sessions on the
    /// receiving host.
    Inbound,
    /// A Sigma rule from a folder the user named (`--sigma DIR`, the config's `sigma` list):
    /// matched by `crate::sigma`, rows by `Computer` and `user`.
    Sigma,
}

impl QueryKind {
    /// Matched event by event (by [`crate::analytics::Matcher`]) and tagged at ingest, so a
    /// hunt is a term lookup: the ESCU parity analytics and Sigma rules.
    pub fn is_matched(self) -> bool {
        matches!(self, QueryKind::Parity | QueryKind::Sigma)
    }
}

/// The compiled Sigma rule behind a [`QueryKind::Sigma`] query. Two are equal when they
/// decide matching alike (same id and fingerprint), so a query stays comparable.
#[derive(Debug, Clone)]
pub struct SigmaRule(pub std::sync::Arc<crate::sigma::Rule>);

impl PartialEq for SigmaRule {
    fn eq(&self, other: &Self) -> bool {
        self.0.id == other.0.id && self.0.fingerprint() == other.0.fingerprint()
    }
}

impl Eq for SigmaRule {}

/// How a group treats an event that lacks a by-field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Splunk `stats ... by`: the event is dropped from the rows (and reported, never silent).
    #[default]
    Drop,
    /// `tstats` with `fillnull_value=null`: the field becomes the string `null`.
    FillNull,
}

/// One (channel, event codes) pair an analytic reads; channel compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSel {
    pub channel: String,
    pub event_codes: Vec<u32>,
}

/// A whole-value, case-insensitive membership test (`process_name IN (...)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIn {
    pub field: String,
    pub values: Vec<String>,
}

/// Which events an analytic looks at, before its predicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Selection {
    /// The event must come from one of these (e.g. the `powershell` macro's channels + 4104).
    pub sources: Vec<SourceSel>,
    /// When not empty, at least one must hold (the `process_powershell` macro).
    #[serde(default)]
    pub any_of: Vec<FieldIn>,
}

/// `field="pattern"` with Splunk wildcards: `*` any run, case-insensitive, whole value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Predicate {
    pub field: String,
    pub pattern: String,
}

/// A saved query: an analytic as data (assets/analytics/*.toml or the user's config dir).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedQuery {
    /// The ESCU snake name, e.g. `remote_process_instantiation_via_winrm_and_powershell`.
    pub id: String,
    pub name: String,
    /// A short label that tells the analytics apart in any width (`ESCU 4104 script block`,
    /// `ESCU process creation`, `extended`, `inbound`); the id when none is given.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub escu_id: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub mitre: Vec<String>,
    #[serde(default)]
    pub risk: Option<u32>,
    #[serde(default)]
    pub kind: QueryKind,
    pub selection: Selection,
    /// All must hold.
    #[serde(default)]
    pub predicates: Vec<Predicate>,
    /// Splunk by-field names, in order.
    pub by: Vec<String>,
    /// Output columns, Splunk names, in order (by-fields then count, firstTime, lastTime).
    pub columns: Vec<String>,
    #[serde(default)]
    pub missing: MissingPolicy,
    /// The columns that name a row for triage marks: by-fields whose value never changes as
    /// more evidence arrives, and `firstTime`. Empty: every by-field. Why not always the
    /// by-clause: an inbound session's `evidence` and `source` grow with the data, and an
    /// extended row's resolved `user` name appears once the Security log is in; a mark keyed
    /// on them would be lost on the next ingest instead of saying that its row grew.
    #[serde(default)]
    pub identity: Vec<String>,
    /// The Sigma rule a [`QueryKind::Sigma`] query runs (never serialized: rules are read
    /// from their folders on every start).
    #[serde(skip)]
    pub sigma: Option<SigmaRule>,
}

impl SavedQuery {
    /// The columns a triage mark names a row by (see [`SavedQuery::identity`]).
    pub fn identity_columns(&self) -> &[String] {
        if self.identity.is_empty() {
            &self.by
        } else {
            &self.identity
        }
    }

    /// The short label, else the id.
    pub fn short_label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.id)
    }
}

/// One result row: the events that share the analytic's by-field values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The saved query's id.
    pub analytic: String,
    /// By-field values in the query's `by` order (`null` where FillNull filled one).
    pub key: Vec<String>,
    pub count: u64,
    /// Earliest and latest event time (microseconds).
    pub first: i64,
    pub last: i64,
    /// uids of the events in this group, in time order.
    pub events: Vec<u64>,
    /// Ids of the enabled exclusions that match this row; empty means the row is kept.
    #[serde(default)]
    pub suppressed_by: Vec<String>,
}

impl Group {
    /// Is the row shown (no enabled exclusion matched)?
    pub fn is_kept(&self) -> bool {
        self.suppressed_by.is_empty()
    }
}

/// A matching event that Splunk's stats leaves out of the rows, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    pub uid: u64,
    pub reason: String,
}

/// How an exclusion tests its column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "snake_case")]
pub enum ExclusionOp {
    /// Whole value, case-insensitive.
    Equals(String),
    /// Splunk wildcard (`*`), case-insensitive, whole value.
    Wildcard(String),
    /// One of a list, whole value, case-insensitive.
    OneOf(Vec<String>),
    /// SHA-256 (lowercase hex) of the column's text (script text or command line).
    Sha256(String),
}

/// A tuning rule of one analytic, applied after the stats like an ESCU `_filter` macro.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// Short stable id, e.g. `x1`.
    pub id: String,
    pub analytic: String,
    /// An output column of the analytic (Splunk name).
    pub field: String,
    #[serde(flatten)]
    pub op: ExclusionOp,
    #[serde(default)]
    pub note: Option<String>,
    pub enabled: bool,
    /// When it was added (ISO 8601).
    #[serde(default)]
    pub created: String,
}

/// What one exclusion removed in one hunt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub rows: u64,
    pub events: u64,
}

/// Everything one saved query returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuntResult {
    pub query: SavedQuery,
    /// All rows, kept and suppressed, sorted by the by-field key.
    pub groups: Vec<Group>,
    /// Matching events that the stats dropped (missing by-field).
    pub dropped: Vec<Dropped>,
    /// Per exclusion id: what it suppressed in this hunt.
    pub suppressed: BTreeMap<String, Suppression>,
}

impl HuntResult {
    /// Rows that no exclusion suppressed.
    pub fn kept(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(|g| g.is_kept())
    }
    /// Number of kept rows.
    pub fn rows(&self) -> usize {
        self.kept().count()
    }
    /// Number of events in kept rows.
    pub fn events(&self) -> u64 {
        self.kept().map(|g| g.count).sum()
    }
    /// Number of suppressed rows.
    pub fn suppressed_rows(&self) -> usize {
        self.groups.len() - self.rows()
    }
}
