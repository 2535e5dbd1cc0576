//! Files huntbench writes beside an index (exclusions, triage marks): one atomic, private
//! write and the small helpers their readers share.
//!
//! Why one place: both stores are edited by the CLI and the TUI at once and hold what an
//! analyst decided; each must be replaced whole (temp file + rename, never half a file), stay
//! private, and keep a symbolic link a link. Two copies of that would drift.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A failed write: the file it concerns and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Write `text` to `path` via a temp file in the same directory, then rename over the target.
///
/// The file stays private and in place: a new file is 0600, an existing one keeps its mode (a
/// user's `chmod 600` survives), a missing folder is made 0700, and when `path` is a symbolic
/// link the file it points to is written, so the link is never silently replaced by a plain
/// file.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), WriteError> {
    use std::io::Write;
    let target = resolve_link(path)?;
    let path = target.as_path();
    let fail = |at: &Path, source| WriteError {
        path: at.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::paths::create_private_dir(dir).map_err(|e| fail(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.toml".into());
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let mode = existing_mode(path).unwrap_or(0o600);
    // A temp file left by a killed writer with the same pid would block `create_new`.
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = create_with_mode(&tmp, mode)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(path, e));
    }
    Ok(())
}

/// The 1-based line of a TOML parse error, from its byte span (0 when it has none).
pub fn toml_error_line(text: &str, err: &toml::de::Error) -> usize {
    err.span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
        .unwrap_or(0)
}

/// The line of each `id = "<id>"` entry (the first, when an id repeats), for error messages.
pub fn id_lines(text: &str) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    for (i, l) in text.lines().enumerate() {
        let Some(rest) = l.trim_start().strip_prefix("id") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim();
        if let Some(id) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            out.entry(id).or_insert(i + 1);
        }
    }
    out
}

/// The file a (chain of) symbolic link(s) at `path` ends in; `path` itself when it is no link.
/// A dangling link is followed too: writing creates the file it names.
fn resolve_link(path: &Path) -> Result<PathBuf, WriteError> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&at).map_err(|source| WriteError {
                    path: at.clone(),
                    source,
                })?;
                at = match at.parent() {
                    Some(parent) if to.is_relative() => parent.join(to),
                    _ => to,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(WriteError {
        path: path.to_path_buf(),
        source: std::io::Error::other("too many levels of symbolic links; not written"),
    })
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn existing_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn create_with_mode(path: &Path, mode: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    // The umask may have taken bits away from `mode`; the file gets exactly `mode`.
    f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(f)
}

#[cfg(not(unix))]
fn create_with_mode(path: &Path, _mode: u32) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}
