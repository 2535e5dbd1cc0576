//! What huntbench keeps beside tantivy's own files: the schema version file and the commit payload.
//!
//! The version file is written when the index is created, so a mismatch is caught before tantivy
//! opens anything. The commit payload travels atomically with each commit, so the record of which
//! saved-query version tagged the events can never disagree with the events themselves.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::IndexError;

/// File in the index directory that names the schema version.
pub(crate) const VERSION_FILE: &str = "huntbench-index.json";

/// Fingerprint recorded when one analytic was tagged by two different versions.
pub const MIXED: &str = "mixed";

#[derive(Debug, Serialize, Deserialize)]
struct VersionFile {
    schema: u32,
}

/// Read the schema version of an existing index (0 when the file is missing or unreadable,
/// which can only mean an index from before versioning or a foreign one).
pub(crate) fn read_version(dir: &Path) -> u32 {
    fs::read(dir.join(VERSION_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<VersionFile>(&b).ok())
        .map(|v| v.schema)
        .unwrap_or(0)
}

/// Write the version file atomically (temp file + rename).
pub(crate) fn write_version(dir: &Path, schema: u32) -> Result<(), IndexError> {
    let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
    let body = serde_json::to_vec(&VersionFile { schema }).map_err(super::error::other)?;
    let mut f = fs::File::create(&tmp)?;
    f.write_all(&body)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(VERSION_FILE))?;
    Ok(())
}

/// The JSON meta stored as the payload of every commit.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommitMeta {
    pub schema: u32,
    #[serde(default)]
    pub tag_fingerprints: BTreeMap<String, String>,
}

impl CommitMeta {
    /// Parse a payload; a missing or foreign payload yields an empty meta.
    pub fn parse(payload: Option<&str>) -> CommitMeta {
        payload
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default()
    }

    /// Merge the fingerprints of one more commit: a new analytic records its fingerprint, a known
    /// one with another fingerprint becomes `mixed` (its tags no longer come from one version).
    pub fn merge(&mut self, schema: u32, fingerprints: &BTreeMap<String, String>) {
        self.schema = schema;
        for (id, fp) in fingerprints {
            match self.tag_fingerprints.get_mut(id) {
                None => {
                    self.tag_fingerprints.insert(id.clone(), fp.clone());
                }
                Some(old) if old == fp => {}
                Some(old) => *old = MIXED.to_string(),
            }
        }
    }

    /// The payload text.
    pub fn to_payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fps(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn merge_records_first_and_marks_conflicts_mixed() {
        let mut m = CommitMeta::default();
        m.merge(1, &fps(&[("a", "f1"), ("b", "g1")]));
        m.merge(1, &fps(&[("a", "f1"), ("c", "h1")]));
        assert_eq!(
            m.tag_fingerprints,
            fps(&[("a", "f1"), ("b", "g1"), ("c", "h1")])
        );
        m.merge(1, &fps(&[("b", "g2")]));
        assert_eq!(m.tag_fingerprints["b"], MIXED);
        // Once mixed, always mixed, even when the original fingerprint comes back.
        m.merge(1, &fps(&[("b", "g1")]));
        assert_eq!(m.tag_fingerprints["b"], MIXED);
        let back = CommitMeta::parse(Some(&m.to_payload()));
        assert_eq!(back, m);
        assert_eq!(CommitMeta::parse(Some("not json")), CommitMeta::default());
    }

    #[test]
    fn version_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_version(dir.path()), 0);
        write_version(dir.path(), 7).unwrap();
        assert_eq!(read_version(dir.path()), 7);
    }
}
