//! Finding rule files and loading them into a [`RuleSet`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::{Listing, Rule, RuleSet, SigmaError, cache};

fn is_rule_file(p: &std::path::Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

fn folder_err(path: PathBuf, e: impl std::fmt::Display) -> SigmaError {
    SigmaError::Folder {
        path,
        message: e.to_string(),
    }
}

/// Every rule file under `paths` (a file given by name is taken whatever its extension),
/// sorted and without repeats. Symlinks are followed; a link back to an ancestor (a loop) is
/// skipped rather than walked forever.
pub(crate) fn rule_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SigmaError> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| folder_err(p.clone(), e))?;
        if meta.is_file() {
            files.push(p.clone());
            continue;
        }
        for entry in WalkDir::new(p).follow_links(true) {
            match entry {
                Ok(en) => {
                    if en.file_type().is_file() && is_rule_file(en.path()) {
                        files.push(en.into_path());
                    }
                }
                Err(e) if e.loop_ancestor().is_some() => continue,
                Err(e) => {
                    let at = e
                        .path()
                        .map(|x| x.to_path_buf())
                        .unwrap_or_else(|| p.clone());
                    return Err(folder_err(at, e));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn listing_of(r: &Rule) -> Listing {
    Listing {
        id: r.id.clone(),
        title: r.title.clone(),
        level: Some(r.level),
        status: r.status.clone(),
        path: r.path.clone(),
        reason: None,
    }
}

/// One rule file read: a rule, or why it is only listed.
enum Parsed {
    Rule(Box<Rule>),
    Listed(Listing),
}

/// The bytes of one rule file, or why it cannot be read.
fn read_bytes(f: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(f).map_err(|e| format!("cannot read: {e}"))
}

/// Parse one rule file's bytes.
fn parse_one(f: &Path, bytes: &Result<Vec<u8>, String>) -> Parsed {
    let text = match bytes {
        Ok(b) => match std::str::from_utf8(b) {
            Ok(t) => t,
            Err(_) => return Parsed::Listed(unreadable(f, "not UTF-8 text".into())),
        },
        Err(why) => return Parsed::Listed(unreadable(f, why.clone())),
    };
    match RuleSet::parse_one(f, text) {
        Ok(r) => Parsed::Rule(Box::new(r)),
        Err(l) => Parsed::Listed(l),
    }
}

/// `f` over every item on all cores, in the items' order, handed out `grain` at a time (a
/// worker per four grains at most). The whole public rule set takes a quarter of a second to
/// parse on one core, and it is paid before every ingest and hunt that names rules, while the
/// other cores wait: files are independent, so they are read and parsed in parallel.
pub(crate) fn par_map<I: Sync, T: Send>(
    items: &[I],
    grain: usize,
    f: impl Fn(&I) -> T + Sync,
) -> Vec<T> {
    let grain = grain.max(1);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().div_ceil(4 * grain))
        .max(1);
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let from = next.fetch_add(grain, std::sync::atomic::Ordering::Relaxed);
                        if from >= items.len() {
                            break mine;
                        }
                        for (i, x) in items.iter().enumerate().skip(from).take(grain) {
                            mine.push((i, f(x)));
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut all: Vec<(usize, T)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Fewer rule files than this are parsed every time (a few milliseconds) and never cached.
const CACHE_MIN_FILES: usize = 64;

/// Load the rule files under `paths`: from the cache when it holds a set built from these
/// very files (see `cache`), else parsed, and then saved there.
pub(crate) fn load(paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
    load_with(paths, Cache::Default)
}

/// Where `load_with` keeps the parsed set.
pub(crate) enum Cache<'a> {
    /// `cache::dir()`, for sets of `CACHE_MIN_FILES` files or more.
    Default,
    /// This folder, whatever the set's size (tests, the bench).
    At(&'a Path),
    /// Parse every file (the bench's cold figure).
    Off,
}

pub(crate) fn load_with(paths: &[PathBuf], cache: Cache) -> Result<RuleSet, SigmaError> {
    let files = rule_files(paths)?;
    // Small batches: rule files differ a hundredfold in size.
    let texts = par_map(&files, 16, |f| read_bytes(f));
    let dir = match cache {
        Cache::Default if files.len() >= CACHE_MIN_FILES => Some(cache::dir()),
        Cache::At(d) => Some(d.to_path_buf()),
        Cache::Default | Cache::Off => None,
    };
    let Some(dir) = dir else {
        return Ok(build(&files, &texts));
    };
    let key = cache::key(&files, &texts);
    if let Some(set) = cache::read(&dir, &key) {
        return Ok(set);
    }
    let set = build(&files, &texts);
    cache::write(&dir, &key, &set);
    Ok(set)
}

/// Parse every file into a rule set (no cache).
pub(crate) fn build(files: &[PathBuf], texts: &[Result<Vec<u8>, String>]) -> RuleSet {
    let mut set = RuleSet::default();
    // id → the path that has it first.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let pairs: Vec<(&PathBuf, &Result<Vec<u8>, String>)> = files.iter().zip(texts).collect();
    for (f, parsed) in files
        .iter()
        .zip(par_map(&pairs, 16, |(f, t)| parse_one(f, t)))
    {
        match parsed {
            Parsed::Rule(rule) => {
                let rule = *rule;
                if let Some(first) = seen.get(&rule.id) {
                    let mut l = listing_of(&rule);
                    l.reason = Some(format!("duplicate id (first in {})", first.display()));
                    set.listed.push(l);
                    continue;
                }
                seen.insert(rule.id.clone(), f.clone());
                set.listed.push(listing_of(&rule));
                set.rules.push(rule);
            }
            Parsed::Listed(l) => set.listed.push(l),
        }
    }
    set
}

fn unreadable(f: &std::path::Path, why: String) -> Listing {
    Listing {
        id: f.display().to_string(),
        title: String::new(),
        level: None,
        status: None,
        path: f.to_path_buf(),
        reason: Some(why),
    }
}
