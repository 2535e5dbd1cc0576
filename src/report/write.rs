//! Writing a report file: never over an existing file unless asked, never half a file left
//! looking complete.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a report was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{} already exists; the report was not written", .0.display())]
    Exists(PathBuf),
    #[error("writing {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Write `contents` to `path`. Without `replace`, an existing file is an error and is left
/// as it was (the file is created exclusively, so a file appearing meanwhile is not lost
/// either); with it, the file is replaced through a temporary file and a rename.
pub fn write_new(path: &Path, contents: &str, replace: bool) -> Result<(), WriteError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    if replace {
        let tmp = path.with_extension("huntbench-tmp");
        std::fs::write(&tmp, contents).map_err(io)?;
        return std::fs::rename(&tmp, path).map_err(io);
    }
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(WriteError::Exists(path.to_path_buf()));
        }
        Err(e) => return Err(io(e)),
    };
    if let Err(e) = f.write_all(contents.as_bytes()).and_then(|()| f.sync_all()) {
        // Ours alone (created exclusively above): a partial report must not stay behind.
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}
