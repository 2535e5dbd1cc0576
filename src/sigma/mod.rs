//! Sigma rules (https://sigmahq.io/docs/basics/rules.html) as saved queries.
//!
//! A rule file is parsed into a [`Rule`]: its metadata, the log-source conditions the mapping
//! file (`assets/sigma/mapping.toml`) gives its `logsource`, and its detection compiled for
//! repeated matching over an [`Event`]. A rule that uses something this evaluator does not
//! support (an unknown modifier, a correlation, a log source with no mapping) is never matched
//! and never dropped silently: it is listed with the reason ([`Listing`]).
//!
//! This module owns the YAML parser and the regex engine of the `re` modifier.
//!
//! Files: `rule` (YAML → rule), `detection` (search identifiers and their evaluation),
//! `value` (values and modifiers → matchers), `condition` (the condition expression),
//! `mapping` (log sources and field names, from the mapping file), `prefilter` (which rules
//! an event can match, from the literals they need), `load` (folders), `cache` (the loaded
//! set kept between runs).

mod cache;
mod condition;
mod detection;
mod load;
mod mapping;
mod prefilter;
mod rule;
mod value;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::event::Event;

pub use detection::EvalCache;
pub use mapping::{MAPPING_TOML, MAPPING_VERSION};
pub use prefilter::{Automata, Prefilter, Scratch};

/// Severity as Sigma spells it; ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// One rule file as `huntbench rules` lists it, supported or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub status: Option<String>,
    pub path: PathBuf,
    // The compiled detection and log-source conditions.
    pub(crate) sources: Vec<mapping::CompiledSource>,
    pub(crate) searches: Vec<detection::Search>,
    pub(crate) cond: condition::Cond,
    pub(crate) fingerprint: u64,
    pub(crate) logsource_key: String,
}

impl Rule {
    /// Does the event come from the rule's log source and satisfy its condition?
    pub fn matches(&self, e: &Event) -> bool {
        self.matches_cached(&EvalCache::new(e))
    }

    /// [`Rule::matches`] with a cache shared by every rule evaluated on one event (field
    /// values are looked up and lowercased once per event, not once per rule).
    pub fn matches_cached(&self, c: &EvalCache) -> bool {
        let src = if self.sources.is_empty() {
            0
        } else {
            match self.sources.iter().position(|s| s.accepts(c.event)) {
                Some(i) => i,
                None => return false,
            }
        };
        self.cond.eval(&self.searches, c, src)
    }

    /// The event codes the detection itself allows (`EventID: 4688`), when its log source
    /// does not narrow them: the matcher then asks the rule only about events of those codes.
    pub fn detection_codes(&self) -> Option<Vec<u32>> {
        prefilter::detection_codes(self)
    }

    /// Where the rule's events can come from (for the store's candidate narrowing).
    pub fn sources(&self) -> Sources {
        Sources {
            channels: self
                .sources
                .iter()
                .map(|s| (s.channel.clone(), s.codes.clone()))
                .collect(),
        }
    }

    /// The log source for display: the category (`process_creation`), `service:<name>`, or
    /// `windows` for a rule that names only the product.
    pub fn logsource_key(&self) -> String {
        self.logsource_key.clone()
    }

    /// The Sigma field names the detection reads (sorted, without repeats; keyword searches
    /// read no named field).
    pub fn references_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.searches {
            s.fields(&mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    /// Stable 16-hex-digit hash of what decides matching (the detection, the log source and
    /// the mapping's version): a changed rule changes it, so a stale ingest tag is recognised.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", self.fingerprint)
    }
}

/// Every rule file found under some folders.
#[derive(Debug, Default, Serialize, Deserialize)]
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
    /// A set of many files is read back from `<data dir>/cache/sigma` when it was parsed
    /// before from the very same bytes (see the `cache` module).
    pub fn load(paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
        load::load(paths)
    }

    /// As [`RuleSet::load`], parsing every file even when the rule-set cache holds them (the
    /// bench's cold figure).
    pub fn load_uncached(paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
        load::load_with(paths, load::Cache::Off)
    }

    /// As [`RuleSet::load`], with the cache in `dir` whatever the set's size (the bench keeps
    /// it in its scratch data folder, where the runs it times look).
    pub fn load_cached_in(paths: &[PathBuf], dir: &Path) -> Result<RuleSet, SigmaError> {
        load::load_with(paths, load::Cache::At(dir))
    }

    /// The folder the cache of `RuleSet::load` lives in, under a data directory.
    pub fn cache_dir_under(data_dir: &Path) -> PathBuf {
        cache::dir_under(data_dir)
    }

    /// Parse one rule from text (tests, and `load` for each file).
    // The listing is the documented error value (the API returns it whole, not boxed).
    #[allow(clippy::result_large_err)]
    pub fn parse_one(path: &Path, text: &str) -> Result<Rule, Listing> {
        rule::parse(path, text)
    }

    /// Hash of every supported rule's fingerprint, in order: the ingest-time fingerprint of
    /// the whole set.
    pub fn fingerprint(&self) -> String {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for r in &self.rules {
            h.update(&r.fingerprint.to_le_bytes());
        }
        format!("{:016x}", h.digest())
    }

    /// The supported rules that match this event, in path order (one evaluation cache for
    /// all of them).
    pub fn matching(&self, e: &Event) -> Vec<&Rule> {
        let c = EvalCache::new(e);
        self.rules.iter().filter(|r| r.matches_cached(&c)).collect()
    }
}

#[cfg(test)]
mod tests;
