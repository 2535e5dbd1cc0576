//! The triage file: `<index dir>/triage.toml`, human-readable TOML (`version = 1`, one
//! `[[mark]]` table each).
//!
//! Like the exclusions file, it is re-read before every write (the CLI and the TUI may both
//! edit it) and written atomically (temp file + rename); a corrupt file is reported with its
//! line and never overwritten.
//!
//! ```toml
//! version = 1
//! next_id = 3            # ids are t1, t2, ...; a cleared id is never given out again
//!
//! [[mark]]
//! id = "t1"
//! analytic = "winrm_remoting_extended"
//! key = [["Computer", "ws-hr-03.corp.local"], ["user", "CORP\\j.miller"]]
//! status = "malicious"   # untriaged | benign | suspicious | malicious
//! note = "the intruder's first hop"
//! count = 12             # the row's events, first and last (µs UTC) when marked
//! first = 1773151888000000
//! last = 1773152188000000
//! created = "2026-03-12T09:14:02Z"
//! updated = "2026-03-12T09:14:02Z"
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::TriageError;
use super::mark::{Mark, MarkTarget};
use super::status::Status;
use crate::state_file;

const VERSION: u32 = 1;
const HEADER: &str = "# huntbench triage: a verdict and note per row (or edge), matched by the row's identity.\n\
# Edit with `huntbench triage`, the workbench's `m`, or by hand; ids are never reused.\n\n";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoreFile {
    version: u32,
    /// The number of the next id (`t<next_id>`); only grows.
    #[serde(default)]
    next_id: u64,
    #[serde(default, rename = "mark")]
    marks: Vec<Mark>,
}

/// The marks of one index, backed by one file.
#[derive(Debug, Clone)]
pub struct TriageStore {
    path: PathBuf,
    data: StoreFile,
}

impl TriageStore {
    /// Open the file (missing = no marks yet; nothing is created until a mark is set).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TriageError> {
        let path = path.as_ref().to_path_buf();
        let data = read(&path)?;
        Ok(TriageStore { path, data })
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All marks, in the order they were made.
    pub fn list(&self) -> &[Mark] {
        &self.data.marks
    }

    /// The mark of this row, if any (identities compare exactly, long values by their hash).
    pub fn find(&self, analytic: &str, identity: &[(String, String)]) -> Option<&Mark> {
        self.data
            .marks
            .iter()
            .find(|m| m.analytic == analytic && m.key == identity)
    }

    /// Re-read the file (another process may have changed it).
    pub fn reload(&mut self) -> Result<(), TriageError> {
        self.data = read(&self.path)?;
        Ok(())
    }

    /// Mark one row: a new mark, or the existing mark of the same identity updated (same id).
    /// `note: None` keeps an existing note, `Some("")` removes it.
    #[allow(clippy::too_many_arguments)] // the spec'd shape; `set_many` takes a struct
    pub fn set(
        &mut self,
        analytic: &str,
        identity: Vec<(String, String)>,
        status: Status,
        note: Option<&str>,
        count: u64,
        first: i64,
        last: i64,
    ) -> Result<Mark, TriageError> {
        let target = MarkTarget {
            analytic: analytic.to_string(),
            key: identity,
            count,
            first,
            last,
        };
        let mut marks = self.set_many(&[target], status, note)?;
        Ok(marks.remove(0))
    }

    /// Mark several rows with one status and note in one write (a pivoted row is many
    /// groups); the marks in `targets` order. Each row's count and times become the new
    /// baseline that "grew since marked" compares with.
    pub fn set_many(
        &mut self,
        targets: &[MarkTarget],
        status: Status,
        note: Option<&str>,
    ) -> Result<Vec<Mark>, TriageError> {
        self.reload()?;
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut out = Vec::with_capacity(targets.len());
        for t in targets {
            let key: Vec<(String, String)> = t
                .key
                .iter()
                .map(|(c, v)| (c.clone(), super::identity::stored_value(v)))
                .collect();
            let existing = self
                .data
                .marks
                .iter()
                .position(|m| m.analytic == t.analytic && m.key == key);
            let i = match existing {
                Some(i) => i,
                None => {
                    let n = next_id(&self.path, &self.data)?;
                    self.data.next_id = n + 1;
                    self.data.marks.push(Mark {
                        id: format!("t{n}"),
                        analytic: t.analytic.clone(),
                        key,
                        status,
                        note: None,
                        count: 0,
                        first: 0,
                        last: 0,
                        created: now.clone(),
                        updated: now.clone(),
                    });
                    self.data.marks.len() - 1
                }
            };
            let m = &mut self.data.marks[i];
            m.status = status;
            if let Some(note) = note {
                m.note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
            }
            m.count = t.count;
            m.first = t.first;
            m.last = t.last;
            m.updated = now.clone();
            out.push(m.clone());
        }
        self.write()?;
        Ok(out)
    }

    /// Remove the marks with these ids (`None`: every mark); the removed marks. An unknown
    /// id removes nothing and is an error. Ids are not given out again.
    pub fn clear(&mut self, ids: Option<&[String]>) -> Result<Vec<Mark>, TriageError> {
        self.reload()?;
        if let Some(ids) = ids
            && let Some(unknown) = ids
                .iter()
                .find(|id| !self.data.marks.iter().any(|m| &m.id == *id))
        {
            return Err(TriageError::UnknownMark(unknown.clone()));
        }
        let next = next_id(&self.path, &self.data)?;
        let (gone, kept) = std::mem::take(&mut self.data.marks)
            .into_iter()
            .partition(|m| ids.is_none_or(|ids| ids.contains(&m.id)));
        self.data.marks = kept;
        self.data.next_id = next;
        self.write()?;
        Ok(gone)
    }

    fn write(&self) -> Result<(), TriageError> {
        let body = toml::to_string(&self.data).map_err(|e| TriageError::Store {
            file: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        state_file::write_atomic(&self.path, &format!("{HEADER}{body}")).map_err(|e| {
            TriageError::Io {
                path: e.path,
                source: e.source,
            }
        })
    }
}

/// The number of a `t<N>` id.
fn id_number(id: &str) -> Option<u64> {
    id.strip_prefix('t')?.parse().ok()
}

/// The number the next id gets: past every id in use and past `next_id`; an error, never a
/// wrapped number, when the ids are used up (a wrapped id would repeat one in use).
fn next_id(path: &Path, data: &StoreFile) -> Result<u64, TriageError> {
    let max = data
        .marks
        .iter()
        .filter_map(|m| id_number(&m.id))
        .max()
        .unwrap_or(0);
    match max.checked_add(1).map(|m| m.max(data.next_id).max(1)) {
        Some(n) if n < u64::MAX => Ok(n),
        _ => Err(TriageError::Store {
            file: path.display().to_string(),
            message: format!("no mark id is left after t{max}: renumber the ids (and next_id)"),
        }),
    }
}

fn read(path: &Path) -> Result<StoreFile, TriageError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(StoreFile {
                version: VERSION,
                next_id: 1,
                marks: Vec::new(),
            });
        }
        Err(source) => {
            return Err(TriageError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file = path.display().to_string();
    let data: StoreFile = toml::from_str(&text).map_err(|e| TriageError::Toml {
        file: file.clone(),
        line: state_file::toml_error_line(&text, &e),
        message: e.message().to_string(),
    })?;
    let bad = |message: String| TriageError::Store {
        file: file.clone(),
        message,
    };
    if data.version != VERSION {
        return Err(bad(format!(
            "unsupported version {} (this huntbench reads version {VERSION})",
            data.version
        )));
    }
    let lines = state_file::id_lines(&text);
    let mut ids = HashSet::with_capacity(data.marks.len());
    let mut rows = HashSet::with_capacity(data.marks.len());
    for m in &data.marks {
        let line = lines.get(m.id.as_str()).copied().unwrap_or(0);
        let at = format!("mark {} (line {line})", m.id);
        if id_number(&m.id).is_none() {
            return Err(bad(format!("{at}: id must look like t1, t2, ...")));
        }
        if !ids.insert(m.id.as_str()) {
            return Err(bad(format!("{at}: duplicate id")));
        }
        // Two marks on one row would disagree about it: which one is meant is the analyst's
        // call, so the file is refused until one is removed.
        if !rows.insert((m.analytic.as_str(), &m.key)) {
            return Err(bad(format!(
                "{at}: a second mark of the same row ({} {})",
                m.analytic,
                m.key_text()
            )));
        }
    }
    Ok(data)
}
