//! Which Sigma folders a run loads: `--sigma DIR` (repeatable) when given, else the `sigma`
//! list of the config file (`<config dir>/config.toml`), else none.
//!
//! The binary sets the flag's folders once at start ([`set_sigma_dirs`]); every workbench the
//! run opens (hunt, TUI, ingest, exclusions, triage, report) then runs the same rules, so an
//! exclusion or a mark on a rule's row finds its rule whichever command asks. The rule set is
//! parsed once per run and shared.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde::Deserialize;

use super::model::SavedQuery;
use crate::sigma::RuleSet;

/// The folders named on the command line (`None`: not given, use the config file).
static FLAG: Mutex<Option<Vec<PathBuf>>> = Mutex::new(None);
/// The rules loaded for the folders in the key, kept for the rest of the run.
type Loaded = (Vec<PathBuf>, Arc<(Vec<SavedQuery>, RuleSet)>);
static LOADED: Mutex<Option<Loaded>> = Mutex::new(None);

/// Use these folders instead of the config file's (`--sigma`); an empty list clears the flag.
pub fn set_sigma_dirs(dirs: Vec<PathBuf>) {
    *FLAG.lock().unwrap_or_else(|e| e.into_inner()) = (!dirs.is_empty()).then_some(dirs);
}

/// The config file: `<config dir>/config.toml`.
pub fn config_file() -> PathBuf {
    crate::paths::config_dir().join("config.toml")
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Folders (or files) of Sigma rules, `~` allowed.
    #[serde(default)]
    sigma: Vec<PathBuf>,
}

/// The Sigma folders of this run: the flag's, else the config file's (a missing file names
/// none; a broken one is an error naming it and the line).
pub fn sigma_dirs() -> Result<Vec<PathBuf>> {
    if let Some(dirs) = FLAG.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(dirs);
    }
    config_sigma_dirs(&config_file())
}

/// The `sigma` list of one config file.
pub fn config_sigma_dirs(path: &Path) -> Result<Vec<PathBuf>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", path.display())),
    };
    let cfg: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = crate::state_file::toml_error_line(&text, &e);
        anyhow::anyhow!("{}:{line}: {}", path.display(), e.message())
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(cfg
        .sigma
        .iter()
        .map(|p| {
            let p = crate::paths::expand_home(p);
            // Relative to the config file, as a reader of the file would take it.
            if p.is_relative() { base.join(p) } else { p }
        })
        .collect())
}

/// The saved queries and rule set of this run's Sigma folders (empty when none are named),
/// parsed once and shared.
pub fn run_sigma() -> Result<Arc<(Vec<SavedQuery>, RuleSet)>> {
    let dirs = sigma_dirs()?;
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((key, set)) = loaded.as_ref()
        && *key == dirs
    {
        return Ok(Arc::clone(set));
    }
    let set = Arc::new(if dirs.is_empty() {
        (Vec::new(), RuleSet::default())
    } else {
        super::load_sigma(&dirs)?
    });
    *loaded = Some((dirs, Arc::clone(&set)));
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_folders_are_read_relative_to_the_file_and_a_bad_file_names_its_line() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("config.toml");
        assert!(
            config_sigma_dirs(&file).unwrap().is_empty(),
            "no file: none"
        );
        std::fs::write(&file, "sigma = [\"rules\", \"/opt/sigma\"]\n").unwrap();
        assert_eq!(
            config_sigma_dirs(&file).unwrap(),
            vec![tmp.path().join("rules"), PathBuf::from("/opt/sigma")]
        );
        std::fs::write(&file, "\nsigmas = [\"x\"]\n").unwrap();
        let err = config_sigma_dirs(&file).unwrap_err().to_string();
        assert!(err.contains("config.toml:2"), "{err}");
    }
}
