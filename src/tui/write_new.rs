//! Writing a file the analyst named (`W` text, `e` rows) without ever replacing one: when the
//! name is taken the next free `name-1.ext`, `name-2.ext`, … is used, and the status line says
//! which. The file appears whole or not at all (a temp file beside it, linked in place only
//! where no file exists, so a file created meanwhile is not overwritten either).

use std::io::Write;
use std::path::{Path, PathBuf};

/// Names tried before giving up.
const MAX_TRIES: usize = 1000;

/// `rows.csv`, then `rows-1.csv`, `rows-2.csv`, … (`notes` → `notes-1`).
pub fn candidate(path: &Path, n: usize) -> PathBuf {
    if n == 0 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// Write `contents` to `path`, or to the first free candidate name when it exists; returns the
/// path written.
pub fn write_new(path: &Path, contents: &str) -> std::io::Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(contents.as_bytes())?;
    tmp.as_file().sync_all()?;
    for n in 0..MAX_TRIES {
        let target = candidate(path, n);
        match tmp.persist_noclobber(&target) {
            Ok(_) => return Ok(target),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => tmp = e.file,
            Err(e) => return Err(e.error),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{} and {MAX_TRIES} numbered names exist", path.display()),
    ))
}

/// The status line after a write: the full path written, and why it is not the one asked for.
pub fn outcome(asked: &Path, written: &Path, bytes: usize) -> String {
    let shown = std::path::absolute(written).unwrap_or_else(|_| written.to_path_buf());
    if asked == written {
        format!("wrote {bytes} bytes to {}", shown.display())
    } else {
        format!(
            "wrote {bytes} bytes to {} ({} exists, left as it was)",
            shown.display(),
            asked.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_gets_a_unique_name_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        let rows = dir.path().join("rows.csv");
        assert_eq!(write_new(&rows, "first").unwrap(), rows);
        let second = write_new(&rows, "second").unwrap();
        assert_eq!(second, dir.path().join("rows-1.csv"));
        let third = write_new(&rows, "third").unwrap();
        assert_eq!(third, dir.path().join("rows-2.csv"));
        assert_eq!(std::fs::read_to_string(&rows).unwrap(), "first");
        assert_eq!(std::fs::read_to_string(&second).unwrap(), "second");
        let msg = outcome(&rows, &second, 6);
        assert!(msg.contains("rows-1.csv ("), "{msg}");
        assert!(msg.contains("rows.csv exists"), "{msg}");
        let plain = dir.path().join("notes");
        write_new(&plain, "a").unwrap();
        assert_eq!(write_new(&plain, "b").unwrap(), dir.path().join("notes-1"));
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 5);
    }
}
