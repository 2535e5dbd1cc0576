//! Where huntbench keeps its index, its state and the user's configuration.
//!
//! The platform directories (crate `directories`) are the defaults; `--index DIR` and the
//! `HUNTBENCH_INDEX` variable move the index, `HUNTBENCH_DATA` and `HUNTBENCH_CONFIG` move the
//! rest (tests and scripted runs use them to stay out of the user's real state).

use std::path::PathBuf;

use directories::ProjectDirs;

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("dev", "huntbench", "huntbench")
}

/// The data directory: exclusions, the demo corpus and (by default) the index.
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
    flag.or_else(|| std::env::var_os("HUNTBENCH_INDEX").map(PathBuf::from))
        .unwrap_or_else(|| data_dir().join("index"))
}

/// The exclusions file.
pub fn exclusions_file() -> PathBuf {
    data_dir().join("exclusions.toml")
}

/// Where the user's own saved queries live.
pub fn user_analytics_dir() -> PathBuf {
    config_dir().join("analytics")
}
