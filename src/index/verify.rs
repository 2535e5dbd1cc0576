//! Is the index whole? Every file of every committed segment must exist, be long enough to be a
//! tantivy file, and match the CRC32 that tantivy writes into its footer.
//!
//! Garbage in a fast-field file gives wrong times without any error, so it has to be caught
//! before an answer is served: every open runs the check. Checksumming a million-event index
//! reads all of it, though, so a file that passed is remembered in a sidecar
//! ([`super::verified`]) by its length, times and inode, and the next open checksums only the
//! files that changed since (segment files are immutable: normally only new ones). `verify`
//! and a failing command check everything, whatever the sidecar says.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;
use tantivy::directory::{Directory, META_LOCK};

use super::error::{IndexError, other};
use super::verified::{Stamp, Verified};

/// How much to trust what earlier checks remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Checksum only the files that changed since they last passed (every open).
    Changed,
    /// Checksum every file (`verify`, `reindex`, after a failed command).
    Full,
}

/// The smallest file tantivy can write: its footer ends in a length and a magic number.
const MIN_FILE_BYTES: u64 = 8;

/// The state of an index's committed segments.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// The index directory.
    pub index: PathBuf,
    /// Every segment of the last commit, in meta.json's order.
    pub segments: Vec<SegmentHealth>,
    /// Files whose checksum this check computed (the others had passed before, unchanged).
    pub files_checksummed: usize,
    /// Bytes those files hold.
    pub bytes_checksummed: u64,
}

/// One committed segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentHealth {
    /// The segment id, as its files are named (`<segment>.fast`, `<segment>.store`, …).
    pub segment: String,
    /// Events (live documents) it holds.
    pub events: u32,
    /// Its files and their bytes.
    pub files: usize,
    pub bytes: u64,
    /// What is wrong with it; empty when it is whole.
    pub problems: Vec<FileProblem>,
}

/// One damaged file.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    pub file: String,
    pub problem: String,
}

impl SegmentHealth {
    /// No problem found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Health {
    /// Every segment whole.
    pub fn is_whole(&self) -> bool {
        self.segments.iter().all(SegmentHealth::ok)
    }

    /// The damaged segments.
    pub fn damaged(&self) -> impl Iterator<Item = &SegmentHealth> {
        self.segments.iter().filter(|s| !s.ok())
    }

    /// Events in the damaged segments: what dropping them loses.
    pub fn events_at_risk(&self) -> u64 {
        self.damaged().map(|s| u64::from(s.events)).sum()
    }

    /// Events in the whole segments.
    pub fn events_intact(&self) -> u64 {
        self.segments
            .iter()
            .filter(|s| s.ok())
            .map(|s| u64::from(s.events))
            .sum()
    }

    /// One line naming each damaged segment and its bad files (the text of [`IndexError::Damaged`]).
    pub fn summary(&self) -> String {
        self.damaged()
            .map(|s| {
                let files: Vec<String> = s
                    .problems
                    .iter()
                    .map(|p| format!("file {} {}", p.file, p.problem))
                    .collect();
                format!(
                    "segment {} ({} events): {}",
                    s.segment,
                    s.events,
                    files.join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The error a command gets instead of answers from this index.
    pub(crate) fn into_error(self) -> IndexError {
        IndexError::Damaged {
            dir: self.index.clone(),
            summary: self.summary(),
            lost: self.events_at_risk(),
        }
    }
}

/// Check the committed segments of `index` (in `dir`). A file that passes, and has not been
/// touched in the last moments, is remembered so a later [`Depth::Changed`] check skips it.
pub(crate) fn check(
    index: &tantivy::Index,
    dir: &Path,
    depth: Depth,
) -> Result<Health, IndexError> {
    // Tantivy's garbage collector takes this lock before deleting files, and readers take it
    // while they open a commit's segments: holding it, the files of the commit read here
    // cannot vanish under the check (an ingest merging at the same moment is not damage).
    // A read-only index cannot be locked; it is checked all the same.
    let _lock = index.directory().acquire_lock(&META_LOCK).ok();
    let metas = index.load_metas().map_err(other)?;
    let all_files = metas.list_segment_files();
    let mut verified = match depth {
        Depth::Changed => Verified::load(dir),
        Depth::Full => Verified::default(),
    };
    let now = SystemTime::now();
    let mut health = Health {
        index: dir.to_path_buf(),
        segments: Vec::new(),
        files_checksummed: 0,
        bytes_checksummed: 0,
    };
    let mut living = Vec::new();
    for seg in &metas.segments {
        let id = seg.id().uuid_string();
        let mut files: Vec<&PathBuf> = all_files
            .iter()
            .filter(|f| belongs_to(f, &id, seg.delete_opstamp().is_some()))
            .collect();
        files.sort();
        let mut sh = SegmentHealth {
            segment: id,
            events: seg.num_docs(),
            files: files.len(),
            bytes: 0,
            problems: Vec::new(),
        };
        for f in files {
            let name = f.to_string_lossy().into_owned();
            living.push(name.clone());
            let problem = match std::fs::metadata(dir.join(f)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some("is missing".to_string())
                }
                Err(e) => Some(format!("cannot be read: {e}")),
                Ok(m) if m.len() < MIN_FILE_BYTES => Some(format!(
                    "is {} bytes long, too short to be a tantivy file",
                    m.len()
                )),
                Ok(m) => {
                    sh.bytes += m.len();
                    let stamp = Stamp::of(&m);
                    if verified.passed(&name, &stamp) {
                        None
                    } else {
                        health.files_checksummed += 1;
                        health.bytes_checksummed += m.len();
                        match index.directory().validate_checksum(f) {
                            Ok(true) => {
                                verified.record(&name, stamp, now);
                                None
                            }
                            Ok(false) => Some(
                                "fails its checksum (its bytes changed after tantivy wrote it)"
                                    .to_string(),
                            ),
                            Err(e) => Some(format!("cannot be checked: {e}")),
                        }
                    }
                }
            };
            if let Some(problem) = problem {
                sh.problems.push(FileProblem {
                    file: name,
                    problem,
                });
            }
        }
        health.segments.push(sh);
    }
    // Only a whole index's record is kept: a damaged one is refused anyway, and leaving its
    // sidecar alone keeps a refused command from changing anything in the directory.
    if health.is_whole() {
        verified.retain(&living);
        verified.save(dir);
    }
    Ok(health)
}

/// Is `file` one of the committed files of segment `id`? The list tantivy gives names a
/// delete file even for a segment without deletes, and a temp store only an ingest has.
fn belongs_to(file: &Path, id: &str, has_deletes: bool) -> bool {
    let name = file.to_string_lossy();
    let Some(ext) = name.strip_prefix(id).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    if ext.ends_with("store.temp") {
        return false;
    }
    has_deletes || !ext.ends_with("del")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_owns_its_files_but_not_an_absent_delete_file() {
        let id = "3f2a00000000000000000000000000aa";
        assert!(belongs_to(Path::new(&format!("{id}.fast")), id, false));
        assert!(!belongs_to(Path::new(&format!("{id}.0.del")), id, false));
        assert!(belongs_to(Path::new(&format!("{id}.12.del")), id, true));
        assert!(!belongs_to(
            Path::new(&format!("{id}.store.temp")),
            id,
            true
        ));
        assert!(!belongs_to(Path::new("ffff.fast"), id, false));
    }
}
