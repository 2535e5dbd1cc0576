//! Sigma rules (https://sigmahq.io/docs/basics/rules.html) as saved queries.
//!
//! A rule file is parsed into a [`Rule`]: its metadata, the log-source conditions the mapping
//! file (`assets/sigma/mapping.toml`) gives its `logsource`, and its detection compiled for
//! repeated matching over an [`Event`]. A rule that uses something this evaluator does not
//! support (an unknown modifier, a correlation, a log source with no mapping) is never matched
//! and never dropped silently: it is listed with the reason ([`Listing`]).
//!
//! This module owns the YAML parser and the regex engine of the `re` modifier.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::event::Event;

/// Severity as Sigma spells it; ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// One rule file as `huntbench rules` lists it, supported or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// The rule's `id` (a UUID); for a file that has none, its path.
    pub id: String,
    pub title: String,
    pub level: Option<Level>,
    pub status: Option<String>,
    pub path: PathBuf,
    /// Why the rule is not evaluated; `None` for a supported rule.
    pub reason: Option<String>,
}

/// The events a rule's log source can come from: a superset the store narrows to before the
/// detection runs. An empty `channels` list means any channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    /// (channel, event codes; empty = any code of that channel).
    pub channels: Vec<(String, Vec<u32>)>,
}

/// A supported rule, compiled.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub status: Option<String>,
    pub path: PathBuf,
    // The compiled detection and log-source conditions live in private fields.
}

impl Rule {
    /// Does the event come from the rule's log source and satisfy its condition?
    pub fn matches(&self, _e: &Event) -> bool {
        unimplemented!("sigma engine")
    }

    /// Where the rule's events can come from (for the store's candidate narrowing).
    pub fn sources(&self) -> Sources {
        unimplemented!("sigma engine")
    }

    /// Stable 16-hex-digit hash of what decides matching (the detection, the log source and
    /// the mapping's version): a changed rule changes it, so a stale ingest tag is recognised.
    pub fn fingerprint(&self) -> String {
        unimplemented!("sigma engine")
    }
}

/// Every rule file found under some folders.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// The supported rules, in path order.
    pub rules: Vec<Rule>,
    /// Every rule file, supported or not, in path order.
    pub listed: Vec<Listing>,
}

/// A folder that cannot be read at all (a rule file that cannot be parsed is a [`Listing`]
/// with a reason instead).
#[derive(Debug, thiserror::Error)]
pub enum SigmaError {
    #[error("{path}: {message}")]
    Folder { path: PathBuf, message: String },
}

impl RuleSet {
    /// Load every `.yml`/`.yaml` file under these folders (or files), recursively, in sorted
    /// path order; a rule id seen twice keeps the first file and lists the second with a reason.
    pub fn load(_paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
        unimplemented!("sigma engine")
    }

    /// Parse one rule from text (tests, and `load` for each file).
    pub fn parse_one(_path: &Path, _text: &str) -> Result<Rule, Listing> {
        unimplemented!("sigma engine")
    }

    /// Hash of every supported rule's fingerprint, in order: the ingest-time fingerprint of
    /// the whole set.
    pub fn fingerprint(&self) -> String {
        unimplemented!("sigma engine")
    }
}
