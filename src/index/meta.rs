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

/// Inputs an index remembers by name: enough for a case report's "sources of the evidence",
/// bounded so that ingesting a folder of a million small files cannot grow every commit's
/// payload without end (the oldest names give way and are counted).
pub const MAX_INPUTS: usize = 1000;

/// One input file read into the index, as the readers name it (`case.zip!Security.evtx`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub file: String,
    /// Events read from it by the latest ingest that read it (duplicates included).
    pub events: u64,
    /// When that ingest committed (ISO 8601, UTC).
    pub ingested: String,
}

/// The JSON meta stored as the payload of every commit.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitMeta {
    pub schema: u32,
    #[serde(default)]
    pub tag_fingerprints: BTreeMap<String, String>,
    /// The files ingested, oldest first, at most [`MAX_INPUTS`]; absent in indexes built
    /// before huntbench recorded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<InputRecord>>,
    /// Input names left out to keep [`MAX_INPUTS`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inputs_omitted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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

    /// Remember files read since the last commit: a file read again moves to the end with
    /// its new count; past [`MAX_INPUTS`] the oldest names are dropped and counted.
    pub fn record_inputs(&mut self, done: &[(String, u64)], now: &str) {
        let inputs = self.inputs.get_or_insert_with(Vec::new);
        for (file, events) in done {
            inputs.retain(|r| &r.file != file);
            inputs.push(InputRecord {
                file: file.clone(),
                events: *events,
                ingested: now.to_string(),
            });
        }
        if inputs.len() > MAX_INPUTS {
            let extra = inputs.len() - MAX_INPUTS;
            inputs.drain(..extra);
            self.inputs_omitted += extra as u64;
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
    fn inputs_are_remembered_once_each_and_bounded() {
        let mut m = CommitMeta::default();
        assert_eq!(m.inputs, None, "an old index records none");
        m.record_inputs(&[("a.evtx".into(), 3), ("b.jsonl".into(), 5)], "t1");
        m.record_inputs(&[("a.evtx".into(), 4)], "t2");
        let files: Vec<(&str, u64, &str)> = m
            .inputs
            .iter()
            .flatten()
            .map(|r| (r.file.as_str(), r.events, r.ingested.as_str()))
            .collect();
        assert_eq!(files, [("b.jsonl", 5, "t1"), ("a.evtx", 4, "t2")]);
        let many: Vec<(String, u64)> = (0..MAX_INPUTS + 5).map(|i| (format!("f{i}"), 1)).collect();
        m.record_inputs(&many, "t3");
        let kept = m.inputs.as_ref().unwrap();
        assert_eq!(kept.len(), MAX_INPUTS);
        assert_eq!(m.inputs_omitted, 7);
        assert_eq!(kept[0].file, "f5");
        let back = CommitMeta::parse(Some(&m.to_payload()));
        assert_eq!(back, m);
    }

    #[test]
    fn version_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_version(dir.path()), 0);
        write_version(dir.path(), 7).unwrap();
        assert_eq!(read_version(dir.path()), 7);
    }
}
