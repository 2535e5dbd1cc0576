//! Where huntbench keeps its index, its state and the user's configuration.
//!
//! The platform directories (crate `directories`) are the defaults; `--index DIR` and the
//! `HUNTBENCH_INDEX` variable move the index, `HUNTBENCH_DATA` and `HUNTBENCH_CONFIG` move the
//! rest (tests and scripted runs use them to stay out of the user's real state).

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("dev", "huntbench", "huntbench")
}

/// The data directory: the default index (with its exclusions) and the demo.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUNTBENCH_DATA") {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".huntbench"))
}

/// The configuration directory: user saved queries (`analytics/*.toml`) and `keys.toml`.
pub fn config_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUNTBENCH_CONFIG") {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".huntbench/config"))
}

/// The index directory: `--index` wins, then `HUNTBENCH_INDEX`, then `<data dir>/index`.
pub fn index_dir(flag: Option<PathBuf>) -> PathBuf {
    explicit_index(flag).unwrap_or_else(default_index_dir)
}

/// The index named by `--index` or `HUNTBENCH_INDEX`, if any: the one the user pointed at.
pub fn explicit_index(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os("HUNTBENCH_INDEX").map(PathBuf::from))
}

/// `<data dir>/index`, the index used when none is named.
pub fn default_index_dir() -> PathBuf {
    data_dir().join("index")
}

/// The exclusions file of the index in `index_dir`. It lives inside that directory, so an
/// index's tuning travels with it and two indexes never share (or silently borrow) one;
/// tantivy only ever deletes the files it manages there.
pub fn exclusions_file(index_dir: &Path) -> PathBuf {
    index_dir.join(EXCLUSIONS_FILE)
}

/// Where exclusions lived before they belonged to an index: `<data dir>/exclusions.toml`,
/// the default index's (see `Workbench::open`, which moves it there once).
pub fn legacy_exclusions_file() -> PathBuf {
    data_dir().join(EXCLUSIONS_FILE)
}

const EXCLUSIONS_FILE: &str = "exclusions.toml";

/// `create_dir_all`, with every folder it makes private (0700): the data directory holds event
/// logs and tuning rules, so however it first comes to exist (`demo`, `ingest`, `bench`, the
/// exclusions store) nobody else may list or read it. A folder that already exists keeps the
/// mode its owner gave it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Where the user's own saved queries live.
pub fn user_analytics_dir() -> PathBuf {
    config_dir().join("analytics")
}

/// `~` and `~/…` as the user's home directory, as a shell reads them in a path typed into a
/// prompt; any other path (and `~user`) unchanged.
pub fn expand_home(path: &Path) -> PathBuf {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    expand_tilde(path, home.as_deref())
}

/// [`expand_home`] with the home directory given (`None`: left as typed).
pub fn expand_tilde(path: &Path, home: Option<&Path>) -> PathBuf {
    let Some(home) = home else {
        return path.to_path_buf();
    };
    let Some(s) = path.to_str() else {
        return path.to_path_buf();
    };
    if s == "~" {
        return home.to_path_buf();
    }
    match s.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_is_the_home_directory() {
        let home = Path::new("/home/ana");
        let e = |s: &str| expand_tilde(Path::new(s), Some(home));
        assert_eq!(e("~"), PathBuf::from("/home/ana"));
        assert_eq!(
            e("~/case/rows.csv"),
            PathBuf::from("/home/ana/case/rows.csv")
        );
        assert_eq!(e("~bob/x"), PathBuf::from("~bob/x"));
        assert_eq!(e("rows.csv"), PathBuf::from("rows.csv"));
        assert_eq!(e("/tmp/~/x"), PathBuf::from("/tmp/~/x"));
        assert_eq!(expand_tilde(Path::new("~/x"), None), PathBuf::from("~/x"));
    }
}
