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

pub(crate) fn load(paths: &[PathBuf]) -> Result<RuleSet, SigmaError> {
    let mut set = RuleSet::default();
    // id → the path that has it first.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for f in rule_files(paths)? {
        let text = match std::fs::read(&f) {
            Ok(b) => match String::from_utf8(b) {
                Ok(t) => t,
                Err(_) => {
                    set.listed.push(unreadable(&f, "not UTF-8 text".into()));
                    continue;
                }
            },
            Err(e) => {
                set.listed.push(unreadable(&f, format!("cannot read: {e}")));
                continue;
            }
        };
        match RuleSet::parse_one(&f, &text) {
            Ok(rule) => {
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
            Err(l) => set.listed.push(l),
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
