//! Finding rule files and loading them into a [`RuleSet`].

use std::collections::HashMap;
use std::path::PathBuf;

use walkdir::WalkDir;

use super::{Listing, Rule, RuleSet, SigmaError};

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

/// Read and parse one rule file.
fn read_one(f: &std::path::Path) -> Parsed {
    let text = match std::fs::read(f) {
        Ok(b) => match String::from_utf8(b) {
            Ok(t) => t,
            Err(_) => return Parsed::Listed(unreadable(f, "not UTF-8 text".into())),
        },
        Err(e) => return Parsed::Listed(unreadable(f, format!("cannot read: {e}"))),
    };
    match RuleSet::parse_one(f, &text) {
        Ok(r) => Parsed::Rule(Box::new(r)),
        Err(l) => Parsed::Listed(l),
    }
}

/// Parse every file on all cores. The whole public rule set takes a quarter of a second on
/// one, and it is paid before every ingest and hunt that names rules, while the other cores
/// wait: files are independent, so they are parsed in parallel and kept in path order.
fn read_all(files: &[PathBuf]) -> Vec<Parsed> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len().div_ceil(64))
        .max(1);
    if workers == 1 {
        return files.iter().map(|f| read_one(f)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, Parsed)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        // Small batches: rule files differ a hundredfold in size.
                        let from = next.fetch_add(16, std::sync::atomic::Ordering::Relaxed);
                        if from >= files.len() {
                            break mine;
                        }
                        for (i, f) in files.iter().enumerate().skip(from).take(16) {
                            mine.push((i, read_one(f)));
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
    let mut all: Vec<(usize, Parsed)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

pub(crate) fn load(paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
    let mut set = RuleSet::default();
    // id → the path that has it first.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let files = rule_files(paths)?;
    for (f, parsed) in files.iter().zip(read_all(&files)) {
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
    Ok(set)
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
