//! Input discovery: paths as given, folders walked recursively in name order.

use std::path::{Path, PathBuf};

use super::IngestError;
use super::parallel::FileJob;

/// Folders deeper than this are not walked (symlink loops).
const MAX_DEPTH: usize = 32;

/// The files to read, and the paths that could not be used.
pub(crate) fn discover(paths: &[PathBuf]) -> (Vec<FileJob>, Vec<IngestError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        walk(p, 0, &mut files, &mut errors);
    }
    (files, errors)
}

fn walk(p: &Path, depth: usize, files: &mut Vec<FileJob>, errors: &mut Vec<IngestError>) {
    let label = p.display().to_string();
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            errors.push(IngestError::new(
                &label,
                "path",
                format!("cannot open: {e}"),
            ));
            return;
        }
    };
    if meta.is_file() {
        files.push(FileJob {
            path: p.to_path_buf(),
            label,
        });
        return;
    }
    if !meta.is_dir() {
        errors.push(IngestError::new(
            &label,
            "path",
            "not a file or folder".into(),
        ));
        return;
    }
    if depth >= MAX_DEPTH {
        errors.push(IngestError::new(
            &label,
            "path",
            "folders nested too deeply".into(),
        ));
        return;
    }
    let entries = match std::fs::read_dir(p) {
        Ok(rd) => rd,
        Err(e) => {
            errors.push(IngestError::new(
                &label,
                "path",
                format!("cannot list folder: {e}"),
            ));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for c in children {
        walk(&c, depth + 1, files, errors);
    }
}
