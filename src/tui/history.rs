//! Prompt history: what was submitted in each kind of prompt (time, search, patterns, paths),
//! most recent first, without duplicates, bounded; ↑/↓ in a prompt walk it. It persists in the
//! data directory (`prompt-history.json`, written atomically, 0600: queries name hosts and
//! users from the evidence).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::app::{App, PromptKind};

/// Entries kept per prompt kind.
pub const MAX_ENTRIES: usize = 50;

/// The file's format version.
const VERSION: u32 = 1;

/// Submitted prompt inputs per kind, most recent first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    #[serde(default)]
    pub version: u32,
    /// Keyed by the prompt kind's name (`TimeRange`, `Search`, …).
    #[serde(default)]
    pub prompts: BTreeMap<String, Vec<String>>,
}

fn key(kind: PromptKind) -> String {
    format!("{kind:?}")
}

impl History {
    /// This kind's entries, most recent first.
    pub fn entries(&self, kind: PromptKind) -> &[String] {
        self.prompts.get(&key(kind)).map_or(&[], |v| v.as_slice())
    }

    /// The most recent entry of a kind.
    pub fn last(&self, kind: PromptKind) -> Option<&str> {
        self.entries(kind).first().map(String::as_str)
    }

    /// Put `input` first (moving it up when it was there already); false when nothing changed.
    pub fn record(&mut self, kind: PromptKind, input: &str) -> bool {
        let input = input.trim();
        if input.is_empty() {
            return false;
        }
        let list = self.prompts.entry(key(kind)).or_default();
        if list.first().is_some_and(|s| s == input) {
            return false;
        }
        list.retain(|s| s != input);
        list.insert(0, input.to_string());
        list.truncate(MAX_ENTRIES);
        true
    }

    /// Read the file; a missing file is an empty history.
    pub fn load(path: &Path) -> Result<History, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let mut h: History =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for list in h.prompts.values_mut() {
            list.truncate(MAX_ENTRIES);
        }
        Ok(h)
    }

    /// Write the file atomically (a temp file beside it, then rename), private to the user.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        crate::paths::create_private_dir(dir)?;
        let body = serde_json::to_string_pretty(&History {
            version: VERSION,
            prompts: self.prompts.clone(),
        })
        .map_err(std::io::Error::other)?;
        // tempfile creates the file 0600 and removes it when the rename never happens.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        tmp.write_all(body.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Where the history lives: `<data dir>/prompt-history.json`.
pub fn default_file() -> PathBuf {
    crate::paths::data_dir().join("prompt-history.json")
}

/// A walk through one prompt's history: which entry is shown and what was typed before it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    kind: Option<PromptKind>,
    /// Index of the entry shown; `None` while the typed text is shown.
    pos: Option<usize>,
    /// What the analyst had typed when the walk began.
    draft: String,
    /// What the walk last put in the prompt: any other input means the analyst typed since.
    shown: String,
}

/// ↑ (`older`) or ↓ in the open prompt: show the next older or newer entry of its kind; ↓ past
/// the newest brings back what was typed.
pub fn step(app: &mut App, older: bool) {
    let Some(p) = app.prompt.as_mut() else {
        return;
    };
    let w = &mut app.walk;
    if w.kind != Some(p.kind) || w.shown != p.input {
        *w = Walk {
            kind: Some(p.kind),
            pos: None,
            draft: p.input.clone(),
            shown: p.input.clone(),
        };
    }
    // The prefilled text is usually the newest entry: skip what is already shown.
    let entries: Vec<&String> = app
        .history
        .entries(p.kind)
        .iter()
        .filter(|e| **e != w.draft)
        .collect();
    let pos = match (w.pos, older) {
        (None, true) if !entries.is_empty() => Some(0),
        (None, _) => None,
        (Some(i), true) => Some((i + 1).min(entries.len().saturating_sub(1))),
        (Some(0), false) => None,
        (Some(i), false) => Some(i - 1),
    };
    w.pos = pos;
    p.input = match pos {
        Some(i) => entries[i].clone(),
        None => w.draft.clone(),
    };
    w.shown = p.input.clone();
}

/// A prompt was submitted: remember its input; the effect that saves the file, when it changed.
pub fn submitted(app: &mut App, kind: PromptKind, input: &str) -> Option<super::msg::Effect> {
    if !app.history.record(kind, input) {
        return None;
    }
    app.history_file
        .clone()
        .map(|path| super::msg::Effect::SaveHistory {
            path,
            history: Box::new(app.history.clone()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_recent_first_no_duplicates_bounded() {
        let mut h = History::default();
        assert!(h.record(PromptKind::Search, "a"));
        assert!(h.record(PromptKind::Search, "b"));
        assert!(h.record(PromptKind::Search, "a"));
        assert!(!h.record(PromptKind::Search, "a"), "already the newest");
        assert!(!h.record(PromptKind::Search, "  "));
        assert_eq!(h.entries(PromptKind::Search), ["a", "b"]);
        assert!(h.entries(PromptKind::TimeRange).is_empty());
        for i in 0..70 {
            h.record(PromptKind::TimeRange, &format!("-{i}h"));
        }
        assert_eq!(h.entries(PromptKind::TimeRange).len(), MAX_ENTRIES);
        assert_eq!(h.last(PromptKind::TimeRange), Some("-69h"));
    }

    #[test]
    fn saved_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/prompt-history.json");
        let mut h = History::default();
        h.record(PromptKind::Search, "event_code:4104");
        h.save(&path).unwrap();
        let back = History::load(&path).unwrap();
        assert_eq!(back.entries(PromptKind::Search), ["event_code:4104"]);
        assert_eq!(back.version, VERSION);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            History::load(&dir.path().join("none.json")).unwrap(),
            History::default()
        );
        std::fs::write(&path, "{oops").unwrap();
        assert!(
            History::load(&path)
                .unwrap_err()
                .contains("prompt-history.json")
        );
    }
}
