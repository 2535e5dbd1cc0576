//! The sidecar of files whose checksum passed: `<index dir>/huntbench-verified.json`.
//!
//! A file is remembered with its length, modification and change times and inode; any write to
//! it changes one of them (the change time even when someone puts the old modification time
//! back), so an open re-checksums exactly the files that changed since they passed. Bit rot
//! changes none of them: that is what `huntbench verify`, which ignores this file, is for.
//! Tantivy only ever deletes the files it manages, so it leaves this one alone.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The sidecar's name inside the index directory.
pub(crate) const VERIFIED_FILE: &str = "huntbench-verified.json";

/// A file changed this recently may still be changed within the same tick of the file system's
/// clock without its times moving, so it is not remembered yet (git's "racy clean" rule): it is
/// checksummed again at the next open.
const SETTLE: Duration = Duration::from_secs(1);

/// What identifies one version of a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    len: u64,
    modified_ns: u128,
    changed_ns: u128,
    inode: u64,
}

impl Stamp {
    pub fn of(m: &fs::Metadata) -> Stamp {
        let modified_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        let (changed_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            let ns = i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec());
            (u128::try_from(ns).unwrap_or(0), m.ino())
        };
        #[cfg(not(unix))]
        let (changed_ns, inode) = (modified_ns, 0);
        Stamp {
            len: m.len(),
            modified_ns,
            changed_ns,
            inode,
        }
    }

    /// Has the file been left alone for [`SETTLE`] before `now`?
    fn settled(&self, now: SystemTime) -> bool {
        let latest = Duration::from_nanos(
            u64::try_from(self.modified_ns.max(self.changed_ns)).unwrap_or(u64::MAX),
        );
        now.duration_since(UNIX_EPOCH)
            .is_ok_and(|n| n.saturating_sub(latest) >= SETTLE)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Verified {
    files: BTreeMap<String, Stamp>,
    #[serde(skip)]
    changed: bool,
}

impl Verified {
    /// The remembered files; none when the sidecar is missing or unreadable (then everything is
    /// checked, which is slow but never wrong).
    pub fn load(dir: &Path) -> Verified {
        fs::read(dir.join(VERIFIED_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Did `file`, exactly as `stamp` describes it, pass before?
    pub fn passed(&self, file: &str, stamp: &Stamp) -> bool {
        self.files.get(file) == Some(stamp)
    }

    /// `file` passed now; remember it once it has settled.
    pub fn record(&mut self, file: &str, stamp: Stamp, now: SystemTime) {
        if stamp.settled(now) && self.files.get(file) != Some(&stamp) {
            self.files.insert(file.to_string(), stamp);
            self.changed = true;
        }
    }

    /// Forget files that are no longer part of the index (merged or dropped segments).
    pub fn retain(&mut self, living: &[String]) {
        let before = self.files.len();
        self.files.retain(|f, _| living.contains(f));
        self.changed |= self.files.len() != before;
    }

    /// Write the sidecar (temp file and rename) when it changed. A failure costs only speed
    /// (the next open checksums again), so it is not an error: a read-only index still opens.
    pub fn save(&self, dir: &Path) {
        if !self.changed {
            return;
        }
        let Ok(body) = serde_json::to_vec(self) else {
            return;
        };
        let tmp = dir.join(format!(".{VERIFIED_FILE}.{}", std::process::id()));
        if fs::write(&tmp, body).is_err() || fs::rename(&tmp, dir.join(VERIFIED_FILE)).is_err() {
            let _ = fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(len: u64, at_s: u64) -> Stamp {
        Stamp {
            len,
            modified_ns: u128::from(at_s) * 1_000_000_000,
            changed_ns: u128::from(at_s) * 1_000_000_000,
            inode: 7,
        }
    }

    #[test]
    fn a_file_passes_only_as_it_was_and_only_once_settled() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut v = Verified::default();
        // Changed in the last second: not remembered, checked again next time.
        v.record("a.fast", stamp(10, 1_000), now);
        assert!(!v.passed("a.fast", &stamp(10, 1_000)));
        v.record("a.fast", stamp(10, 990), now);
        assert!(v.passed("a.fast", &stamp(10, 990)));
        // Any other length, time or inode is another file.
        assert!(!v.passed("a.fast", &stamp(11, 990)));
        assert!(!v.passed("a.fast", &stamp(10, 991)));
        assert!(!v.passed(
            "a.fast",
            &Stamp {
                inode: 8,
                ..stamp(10, 990)
            }
        ));
        v.retain(&["b.fast".to_string()]);
        assert!(!v.passed("a.fast", &stamp(10, 990)));
    }

    #[test]
    fn the_sidecar_round_trips_and_a_broken_one_means_check_everything() {
        let dir = tempfile::tempdir().unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut v = Verified::default();
        v.record("a.store", stamp(99, 10), now);
        v.save(dir.path());
        assert!(Verified::load(dir.path()).passed("a.store", &stamp(99, 10)));
        fs::write(dir.path().join(VERIFIED_FILE), b"{not json").unwrap();
        assert!(!Verified::load(dir.path()).passed("a.store", &stamp(99, 10)));
    }
}
