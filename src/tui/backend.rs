//! The seam between the TUI and the index: a small synchronous trait the TUI calls on worker
//! threads. The binary implements it with the real index; the TUI tests use an in-memory fake
//! (`tests/tui_support/fake.rs`).

use std::path::PathBuf;

use crate::analytics::model::{Exclusion, ExclusionOp, HuntResult};
use crate::event::Event;
use crate::extended::Edge;
use crate::index::SearchHits;
use crate::time::TimeRange;
use crate::timeline::{Timeline, TimelineRequest};

/// The whole text of an event as the analyst reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FullText {
    /// The script block (all parts joined when it was split) or the command line.
    pub text: String,
    /// Set when the text was reassembled, e.g. `parts 1-3 of 3, complete`.
    pub part_info: Option<String>,
}

/// Progress of a running ingest, reported by the backend as it goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestProgress {
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub events: u64,
    /// The file being read now.
    pub current: String,
    /// Time since the ingest started, for the rate (0: not measured).
    pub elapsed_ms: u64,
}

impl IngestProgress {
    /// Fraction done in 0..=1: by bytes when known, else by files.
    pub fn ratio(&self) -> f64 {
        let (done, total) = if self.bytes_total > 0 {
            (self.bytes_done, self.bytes_total)
        } else {
            (self.files_done, self.files_total)
        };
        if total == 0 {
            0.0
        } else {
            (done as f64 / total as f64).clamp(0.0, 1.0)
        }
    }

    /// Events per second so far, when the time is known.
    pub fn rate(&self) -> Option<u64> {
        (self.elapsed_ms > 0).then(|| self.events * 1000 / self.elapsed_ms)
    }
}

/// What the status line shows about the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendStatus {
    pub events: u64,
    pub index_bytes: u64,
    pub index_dir: PathBuf,
    /// Times of the oldest and newest event (`None` for an empty index): the header shows it
    /// and relative ranges count back from its end.
    pub span: Option<(i64, i64)>,
}

/// Everything the TUI asks of the index. Calls block; the TUI makes them on worker threads.
pub trait Backend: Send + Sync + 'static {
    /// Run every saved query; exclusions applied, suppressed groups included and marked.
    fn hunt(&self, range: TimeRange) -> Result<Vec<HuntResult>, String>;
    /// The events with these uids, in time order.
    fn events(&self, uids: &[u64]) -> Result<Vec<Event>, String>;
    /// An ad-hoc search in the `huntbench search` query language: how many events match in
    /// all, and the newest of them up to the backend's cap.
    fn search(&self, query: &str, range: TimeRange) -> Result<SearchHits, String>;
    /// All exclusions, enabled or not.
    fn exclusions(&self) -> Result<Vec<Exclusion>, String>;
    /// Add an enabled exclusion and return it (with its new id).
    fn add_exclusion(
        &self,
        analytic: &str,
        field: &str,
        op: ExclusionOp,
        note: Option<String>,
    ) -> Result<Exclusion, String>;
    /// Switch an exclusion on or off.
    fn set_exclusion_enabled(&self, id: &str, enabled: bool) -> Result<(), String>;
    /// Delete an exclusion.
    fn remove_exclusion(&self, id: &str) -> Result<(), String>;
    /// Take back the last add or delete; says what it did (`undid the delete of x2: x2 is
    /// back`).
    fn undo_exclusion(&self) -> Result<String, String> {
        Err("this backend cannot undo".into())
    }
    /// Ingest files or directories; returns a one-line summary.
    fn ingest(
        &self,
        paths: Vec<PathBuf>,
        progress: &dyn Fn(IngestProgress),
    ) -> Result<String, String>;
    /// Size and place of the index.
    fn status(&self) -> BackendStatus;
    /// The full text of an event (script-block parts joined when it was split).
    fn full_text(&self, event: &Event) -> Result<FullText, String>;
    /// The times of these events, for the activity sparklines. The default loads the events;
    /// an index can answer from a fast field instead.
    fn event_times(&self, uids: &[u64]) -> Result<Vec<i64>, String> {
        Ok(self.events(uids)?.into_iter().map(|e| e.time).collect())
    }
    /// Source → target edges of remote execution in the range, with target-side evidence.
    fn edges(&self, _range: TimeRange) -> Result<Vec<Edge>, String> {
        Ok(vec![])
    }
    /// Every event on a host or by a user around a time, one summarized line each.
    fn timeline(&self, _request: TimelineRequest) -> Result<Timeline, String> {
        Err("this backend has no timeline".into())
    }
    /// Build the case report and write it to `path`, a file that must not exist yet (HTML
    /// for `.html`, else Markdown); says where it wrote.
    fn write_report(&self, _path: &std::path::Path) -> Result<String, String> {
        Err("this backend writes no report".into())
    }
    /// Every triage mark of the index.
    fn marks(&self) -> Result<Vec<crate::triage::Mark>, String> {
        Ok(vec![])
    }
    /// Mark rows (or edges) with one status and note (`""` removes a note); the marks set.
    fn set_marks(
        &self,
        _targets: &[crate::triage::MarkTarget],
        _status: crate::triage::Status,
        _note: &str,
    ) -> Result<Vec<crate::triage::Mark>, String> {
        Err("this backend keeps no marks".into())
    }
    /// Names for SIDs: (sid, account name, where the name came from).
    fn sid_names(&self) -> Result<Vec<(String, String, String)>, String> {
        Ok(vec![])
    }
}
