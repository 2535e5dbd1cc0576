//! Input discovery: paths as given, folders walked recursively in name order (`walkdir`).
//!
//! A triage package comes from a network an attacker controls, so the walk must stay finite and
//! read each file once whatever links it holds: symbolic links are followed, but a link back to a
//! folder being walked (a loop) is reported and not followed, a folder reached a second time by
//! another route is not walked again, and a file reached through several paths (links, hard
//! links) is read once, under the first path in name order. "The same" means the same device
//! and inode, not the same spelling.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::IngestError;
use super::parallel::FileJob;

/// Folders deeper than this are not walked.
const MAX_DEPTH: usize = 32;

/// The files to read, and the paths that could not be used.
pub(crate) fn discover(paths: &[PathBuf]) -> (Vec<FileJob>, Vec<IngestError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = Seen::default();
    for p in paths {
        walk(p, &mut seen, &mut files, &mut errors);
    }
    (files, errors)
}

/// Files and folders already met in this discovery, by identity.
#[derive(Default)]
struct Seen {
    files: HashSet<FileId>,
    dirs: HashSet<FileId>,
}

fn walk(root: &Path, seen: &mut Seen, files: &mut Vec<FileJob>, errors: &mut Vec<IngestError>) {
    let mut it = WalkDir::new(root)
        .follow_links(true)
        .follow_root_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(walk_error(root, &e));
                continue;
            }
        };
        let label = entry.path().display().to_string();
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                errors.push(IngestError::new(
                    &label,
                    "path",
                    format!("cannot open: {e}"),
                ));
                continue;
            }
        };
        let id = FileId::of(entry.path(), &meta);
        if meta.is_dir() {
            if entry.depth() >= MAX_DEPTH {
                errors.push(IngestError::new(
                    &label,
                    "path",
                    "folders nested too deeply".into(),
                ));
                it.skip_current_dir();
            } else if !seen.dirs.insert(id) {
                // Reached again by another route (a link to a sibling folder): its files are
                // already on the list.
                it.skip_current_dir();
            }
            continue;
        }
        if !meta.is_file() {
            errors.push(IngestError::new(
                &label,
                "path",
                "not a file or folder".into(),
            ));
            continue;
        }
        if seen.files.insert(id) {
            files.push(FileJob {
                path: entry.into_path(),
                label,
            });
        }
    }
}

/// A walk error in words: a symlink loop names the link and the folder it points back to.
fn walk_error(root: &Path, e: &walkdir::Error) -> IngestError {
    let at = e.path().unwrap_or(root).display().to_string();
    if let Some(ancestor) = e.loop_ancestor() {
        return IngestError::new(
            &at,
            "path",
            format!(
                "symbolic link loop: it leads back to {}, which is being read; not followed",
                ancestor.display()
            ),
        );
    }
    let reason = match e.io_error() {
        Some(io) if e.depth() == 0 => format!("cannot open: {io}"),
        Some(io) => format!("cannot list folder: {io}"),
        None => e.to_string(),
    };
    IngestError::new(&at, "path", reason)
}

/// What makes two paths the same file: device and inode where the platform has them, else
/// the canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileId {
    #[cfg_attr(not(unix), allow(dead_code))]
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

impl FileId {
    #[cfg(unix)]
    fn of(_path: &Path, meta: &std::fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId::Inode(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _meta: &std::fs::Metadata) -> FileId {
        FileId::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}
