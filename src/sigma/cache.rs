//! The loaded rule set kept between runs, under a key of everything it was built from.
//!
//! Parsing the public rule set's 2,400 YAML files and compiling their detections is a fixed
//! cost that every command naming rules pays before it starts (ingest, hunt, the TUI,
//! `rules`), a quarter of a second of CPU on two cores. Read back from here the same set
//! takes a small part of that. The key is a hash of this build's version, the mapping, and
//! every rule file's path and bytes, so any change to a rule (or to the engine's version)
//! is a miss and a fresh parse: the files are read on every run, only their parse is
//! saved. A cache that cannot be read or written is passed over, never an error: it only
//! ever saves time.

use std::path::{Path, PathBuf};

use super::RuleSet;
use super::mapping::{MAPPING_VERSION, mapping_hash};

/// Bumped when what is written changes shape (serde on the rule types).
const FORMAT: &str = "huntbench-sigma-cache-1";

/// Rule sets kept; the oldest beyond this are removed when one is written (each folder set
/// and each edit of it makes a new key; a few MB each).
pub(crate) const KEEP: usize = 6;

/// The folder the cache lives in: `<data dir>/cache/sigma`.
pub(crate) fn dir() -> PathBuf {
    dir_under(&crate::paths::data_dir())
}

pub(crate) fn dir_under(data_dir: &Path) -> PathBuf {
    data_dir.join("cache").join("sigma")
}

/// The key of a rule set: this build, the mapping, and each file's path and contents (or why
/// it could not be read), in load order.
pub(crate) fn key(files: &[PathBuf], texts: &[Result<Vec<u8>, String>]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for part in [FORMAT, env!("CARGO_PKG_VERSION"), MAPPING_VERSION] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.update(&mapping_hash().to_le_bytes());
    for (f, t) in files.iter().zip(texts) {
        let p = f.as_os_str().as_encoded_bytes();
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
        let (tag, body) = match t {
            Ok(b) => (0u8, b.as_slice()),
            Err(e) => (1u8, e.as_bytes()),
        };
        h.update(&[tag]);
        h.update(&(body.len() as u64).to_le_bytes());
        h.update(body);
    }
    format!("{:032x}", h.digest128())
}

fn file_of(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.bin"))
}

/// What is written: the listing whole, the rules in parts of `PART` rules, each read back
/// on its own core (reading a rule compiles its regexes and builds its substring searchers
/// again, most of the time a read takes).
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    listed: Vec<super::Listing>,
    parts: Vec<Vec<u8>>,
}

const PART: usize = 64;

/// The rule set saved under `key`, if there is one that reads back whole.
pub(crate) fn read(dir: &Path, key: &str) -> Option<RuleSet> {
    let bytes = std::fs::read(file_of(dir, key)).ok()?;
    let saved: Saved = postcard::from_bytes(&bytes).ok()?;
    let parts = super::load::par_map(&saved.parts, 1, |p| {
        postcard::from_bytes::<Vec<super::Rule>>(p).ok()
    });
    let mut rules = Vec::new();
    for p in parts {
        rules.extend(p?);
    }
    Some(RuleSet {
        rules,
        listed: saved.listed,
    })
}

/// Save `set` under `key` (atomically: a reader sees the old file or the new one), and
/// remove the oldest sets beyond `KEEP`. Failures are ignored.
pub(crate) fn write(dir: &Path, key: &str, set: &RuleSet) {
    let parts: Option<Vec<Vec<u8>>> = set
        .rules
        .chunks(PART)
        .map(|c| postcard::to_allocvec(c).ok())
        .collect();
    let Some(parts) = parts else {
        return;
    };
    let saved = Saved {
        listed: set.listed.clone(),
        parts,
    };
    let Ok(bytes) = postcard::to_allocvec(&saved) else {
        return;
    };
    if crate::paths::create_private_dir(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    use std::io::Write as _;
    if tmp.write_all(&bytes).is_err() || tmp.persist(file_of(dir, key)).is_err() {
        return;
    }
    prune(dir);
}

fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut sets: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "bin"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    sets.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (_, old) in sets.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(old);
    }
}
