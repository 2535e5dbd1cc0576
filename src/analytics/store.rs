//! The exclusions file: human-readable TOML (`version = 1`, one `[[exclusion]]` table each).
//!
//! Why re-read before every write: the CLI and the TUI may both edit the file; each change is
//! applied to what is on disk now and written atomically (temp file + rename), so neither clobbers
//! the other's additions and a crash never leaves half a file. A corrupt file is reported with its
//! line and never overwritten.
//!
//! ```toml
//! version = 1
//! next_id = 3            # ids are x1, x2, ...; a removed id is never given out again
//!
//! [[exclusion]]
//! id = "x1"
//! analytic = "remote_process_instantiation_via_winrm_and_powershell_script_block"
//! field = "Computer"     # an output column of the analytic
//! op = "equals"          # equals | wildcard | one_of | sha256
//! value = "mgmt01.corp.local"   # one_of takes a list: ["a", "b"]
//! note = "jump host"
//! enabled = true
//! created = "2024-10-21T11:31:57Z"
//!
//! [last_change]          # what `exclusions undo` (the workbench's `z`) takes back
//! kind = "add"           # add (undo deletes `id`) | delete (undo puts `exclusion` back)
//! id = "x2"
//! ```
//!
//! Why the last change lives in the file: undo then works across processes (an add in the
//! workbench, undone from the shell) and after a restart. Older huntbench versions ignore it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::AnalyticsError;
use super::exclusions::validate_op;
use super::load::builtin_queries;
use super::model::{Exclusion, ExclusionOp, SavedQuery};

const VERSION: u32 = 1;
const HEADER: &str = "# huntbench exclusions: tuning rules applied after the stats, like an ESCU `_filter` macro.\n\
# Edit with `huntbench exclusions` or by hand; ids are never reused.\n\n";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    /// The number of the next id (`x<next_id>`); only grows.
    #[serde(default)]
    next_id: u64,
    #[serde(default, rename = "exclusion")]
    exclusions: Vec<Exclusion>,
    /// The last add or delete, until it is undone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_change: Option<LastChange>,
}

/// Which kind of change [`LastChange`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Add,
    Delete,
}

/// The last add or delete, as the file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastChange {
    pub kind: ChangeKind,
    /// The exclusion added or deleted.
    pub id: String,
    /// A deleted exclusion's place in the list, so undo puts it back where it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// A deleted exclusion, whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<Exclusion>,
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// An add taken back: the exclusion is gone (its id is not given out again).
    Add(Exclusion),
    /// A delete taken back: the exclusion is back, with its id.
    Delete(Exclusion),
}

impl Undone {
    /// `undid the add of x3: removed` / `undid the delete of x2: restored x2`.
    pub fn line(&self) -> String {
        match self {
            Undone::Add(x) => format!("undid the add of {}: removed it", x.id),
            Undone::Delete(x) => format!("undid the delete of {0}: {0} is back", x.id),
        }
    }
}

/// The exclusions of every analytic, backed by one file.
#[derive(Debug, Clone)]
pub struct ExclusionStore {
    path: PathBuf,
    data: StoreFile,
    queries: Vec<SavedQuery>,
}

impl ExclusionStore {
    /// Open the file (missing = empty). Validates against the built-in analytics; use
    /// [`ExclusionStore::with_queries`] to include the user's.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, AnalyticsError> {
        let path = path.as_ref().to_path_buf();
        let data = read(&path)?;
        Ok(ExclusionStore {
            path,
            data,
            queries: builtin_queries(),
        })
    }

    /// The saved queries `add` validates against.
    pub fn with_queries(mut self, queries: Vec<SavedQuery>) -> Self {
        self.queries = queries;
        self
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All exclusions, in the order they were added.
    pub fn list(&self) -> &[Exclusion] {
        &self.data.exclusions
    }

    /// Exclusions that can never match with the loaded queries (unknown analytic, or a field
    /// that is not one of its output columns, e.g. after a hand edit), one message each.
    pub fn problems(&self) -> Vec<String> {
        self.data
            .exclusions
            .iter()
            .filter_map(|x| match self.queries.iter().find(|q| q.id == x.analytic) {
                None => Some(format!("{}: unknown analytic `{}`", x.id, x.analytic)),
                Some(q) if !q.columns.contains(&x.field) => Some(format!(
                    "{}: `{}` is not an output column of {}",
                    x.id, x.field, x.analytic
                )),
                Some(_) => None,
            })
            .collect()
    }

    /// Re-read the file (another process may have changed it).
    pub fn reload(&mut self) -> Result<(), AnalyticsError> {
        self.data = read(&self.path)?;
        Ok(())
    }

    /// Check what [`ExclusionStore::add`] checks, saving nothing (a dry run): the analytic is
    /// loaded, `field` is one of its output columns, the pattern is usable.
    pub fn check(
        &self,
        analytic: &str,
        field: &str,
        op: &ExclusionOp,
    ) -> Result<(), AnalyticsError> {
        let q = self
            .queries
            .iter()
            .find(|q| q.id == analytic)
            .ok_or_else(|| AnalyticsError::UnknownAnalytic(analytic.to_string()))?;
        if !q.columns.iter().any(|c| c == field) {
            return Err(AnalyticsError::UnknownColumn {
                analytic: analytic.to_string(),
                field: field.to_string(),
                columns: q.columns.join(", "),
            });
        }
        validate_op(op).map_err(AnalyticsError::BadPattern)
    }

    /// Add an enabled exclusion; `field` must be an output column of `analytic`.
    pub fn add(
        &mut self,
        analytic: &str,
        field: &str,
        op: ExclusionOp,
        note: Option<&str>,
    ) -> Result<Exclusion, AnalyticsError> {
        self.check(analytic, field, &op)?;
        self.reload()?;
        let n = next_id(&self.path, &self.data)?;
        let x = Exclusion {
            id: format!("x{n}"),
            analytic: analytic.to_string(),
            field: field.to_string(),
            op,
            note: note.filter(|s| !s.trim().is_empty()).map(String::from),
            enabled: true,
            created: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        };
        // `n` is below u64::MAX (next_id says so), so this cannot wrap.
        self.data.next_id = n + 1;
        self.data.exclusions.push(x.clone());
        self.data.last_change = Some(LastChange {
            kind: ChangeKind::Add,
            id: x.id.clone(),
            position: None,
            exclusion: None,
        });
        self.write()?;
        Ok(x)
    }

    /// Enable or disable an exclusion.
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<(), AnalyticsError> {
        self.reload()?;
        let x = self
            .data
            .exclusions
            .iter_mut()
            .find(|x| x.id == id)
            .ok_or_else(|| AnalyticsError::UnknownExclusion(id.to_string()))?;
        x.enabled = enabled;
        self.write()
    }

    /// Delete an exclusion; its id is not given out again.
    pub fn remove(&mut self, id: &str) -> Result<Exclusion, AnalyticsError> {
        self.reload()?;
        let i = self
            .data
            .exclusions
            .iter()
            .position(|x| x.id == id)
            .ok_or_else(|| AnalyticsError::UnknownExclusion(id.to_string()))?;
        let next = next_id(&self.path, &self.data)?;
        let x = self.data.exclusions.remove(i);
        self.data.next_id = next;
        self.data.last_change = Some(LastChange {
            kind: ChangeKind::Delete,
            id: x.id.clone(),
            position: Some(i),
            exclusion: Some(x.clone()),
        });
        self.write()?;
        Ok(x)
    }

    /// The last add or delete not yet undone.
    pub fn last_change(&self) -> Option<&LastChange> {
        self.data.last_change.as_ref()
    }

    /// Take back the last add (the exclusion is deleted; its id stays used) or delete (the
    /// exclusion is back with the same id, in its place). Once: an undo is not itself undone.
    pub fn undo(&mut self) -> Result<Undone, AnalyticsError> {
        self.reload()?;
        let file = self.path.display().to_string();
        let bad = |message: String| AnalyticsError::Store {
            file: file.clone(),
            message,
        };
        let Some(change) = self.data.last_change.take() else {
            return Err(AnalyticsError::NothingToUndo(
                "no add or delete is recorded since the last undo".into(),
            ));
        };
        let at = self.data.exclusions.iter().position(|x| x.id == change.id);
        let done = match (change.kind, at) {
            (ChangeKind::Add, Some(i)) => {
                let next = next_id(&self.path, &self.data)?;
                self.data.next_id = next;
                Undone::Add(self.data.exclusions.remove(i))
            }
            (ChangeKind::Add, None) => {
                return Err(bad(format!(
                    "cannot undo the add of {}: it is no longer in the file",
                    change.id
                )));
            }
            (ChangeKind::Delete, Some(_)) => {
                return Err(bad(format!(
                    "cannot undo the delete of {0}: an exclusion {0} is in the file again",
                    change.id
                )));
            }
            (ChangeKind::Delete, None) => {
                let Some(x) = change.exclusion.filter(|x| x.id == change.id) else {
                    return Err(bad(format!(
                        "cannot undo the delete of {}: the file does not hold what was deleted",
                        change.id
                    )));
                };
                validate_op(&x.op).map_err(|m| bad(format!("{}: {m}", x.id)))?;
                let i = change
                    .position
                    .unwrap_or(usize::MAX)
                    .min(self.data.exclusions.len());
                self.data.exclusions.insert(i, x.clone());
                Undone::Delete(x)
            }
        };
        self.write()?;
        Ok(done)
    }

    fn write(&self) -> Result<(), AnalyticsError> {
        let body = toml::to_string(&self.data).map_err(|e| AnalyticsError::Store {
            file: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        write_atomic(&self.path, &format!("{HEADER}{body}"))
    }
}

/// The largest `x<N>` number in use (0 when none).
fn max_id(xs: &[Exclusion]) -> u64 {
    xs.iter()
        .filter_map(|x| x.id.strip_prefix('x')?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

/// The number the next id gets: past every id in use and past `next_id`. An error, never a
/// wrapped number, when the ids are used up (a hand-edited file near the 64-bit limit): a
/// wrapped id would repeat one in use, and a store with a duplicate id cannot be read back.
fn next_id(path: &Path, data: &StoreFile) -> Result<u64, AnalyticsError> {
    let past_max = max_id(&data.exclusions).checked_add(1);
    match past_max.map(|m| m.max(data.next_id).max(1)) {
        Some(n) if n < u64::MAX => Ok(n),
        _ => Err(AnalyticsError::Store {
            file: path.display().to_string(),
            message: format!(
                "no exclusion id is left after x{}: renumber the ids (and next_id) to smaller \
                 numbers",
                max_id(&data.exclusions).max(data.next_id.saturating_sub(1))
            ),
        }),
    }
}

fn read(path: &Path) -> Result<StoreFile, AnalyticsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(StoreFile {
                version: VERSION,
                next_id: 1,
                exclusions: Vec::new(),
                last_change: None,
            });
        }
        Err(e) => return Err(AnalyticsError::io(path, e)),
    };
    let file = path.display().to_string();
    let data: StoreFile =
        toml::from_str(&text).map_err(|e| AnalyticsError::toml(&file, &text, &e))?;
    let bad = |message: String| AnalyticsError::Store {
        file: file.clone(),
        message,
    };
    if data.version != VERSION {
        return Err(bad(format!(
            "unsupported version {} (this huntbench reads version {VERSION})",
            data.version
        )));
    }
    // One pass over the lines and a set of ids: reading stays linear in the file's size
    // (a store of 20,000 entries used to take most of a minute).
    let lines = crate::state_file::id_lines(&text);
    let mut ids = std::collections::HashSet::with_capacity(data.exclusions.len());
    for x in &data.exclusions {
        let line = lines.get(x.id.as_str()).copied().unwrap_or(0);
        let at = format!("exclusion {} (line {line})", x.id);
        if x.id
            .strip_prefix('x')
            .and_then(|n| n.parse::<u64>().ok())
            .is_none()
        {
            return Err(bad(format!("{at}: id must look like x1, x2, ...")));
        }
        if !ids.insert(x.id.as_str()) {
            return Err(bad(format!("{at}: duplicate id")));
        }
        validate_op(&x.op).map_err(|m| bad(format!("{at}: {m}")))?;
    }
    Ok(data)
}

/// Write via a temp file in the same directory, then rename over the target (see
/// [`crate::state_file::write_atomic`]: private, in place, links kept).
fn write_atomic(path: &Path, text: &str) -> Result<(), AnalyticsError> {
    crate::state_file::write_atomic(path, text).map_err(|e| AnalyticsError::io(e.path, e.source))
}
