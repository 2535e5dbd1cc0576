//! Messages into `update` and effects out of it: the only two ways state and the world meet.

use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use super::action::Action;
use super::app::{Results, ResultsKey};
use super::backend::{BackendStatus, FullText, IngestProgress};
use crate::analytics::model::{Exclusion, ExclusionOp, HuntResult};
use crate::event::Event;
use crate::extended::Edge;
use crate::index::SearchHits;
use crate::time::TimeRange;
use crate::timeline::{Timeline, TimelineRequest};

/// Something that happened: input, or a worker's answer (tagged with its generation).
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// An intent directly (tests, scripted runs).
    Action(Action),
    Resize(u16, u16),
    Status(BackendStatus),
    HuntDone {
        gen_id: u64,
        result: Result<Vec<HuntResult>, String>,
    },
    EventsDone {
        gen_id: u64,
        result: Result<Vec<Event>, String>,
    },
    SearchDone {
        gen_id: u64,
        query: String,
        result: Result<SearchHits, String>,
    },
    TextDone {
        gen_id: u64,
        result: Result<FullText, String>,
    },
    /// Rows built on a worker for a big result.
    Regrouped {
        gen_id: u64,
        key: ResultsKey,
        results: Box<Results>,
    },
    /// Activity histograms for some rows of one row set of one hunt.
    ActivityDone {
        hunt_gen: u64,
        key: ResultsKey,
        result: Result<Vec<(u32, Vec<u32>)>, String>,
    },
    EdgesDone {
        gen_id: u64,
        result: Result<Vec<Edge>, String>,
    },
    TimelineDone {
        gen_id: u64,
        result: Result<Timeline, String>,
    },
    /// SID names for the hunt of this generation: (sid, name, source).
    SidNamesDone {
        hunt_gen: u64,
        result: Result<Vec<(String, String, String)>, String>,
    },
    ExclusionsDone(Result<Vec<Exclusion>, String>),
    ExclusionAdded(Result<Exclusion, String>),
    /// An exclusion was toggled or removed; the string says what happened.
    ExclusionChanged(Result<String, String>),
    IngestProgress(IngestProgress),
    IngestDone(Result<String, String>),
    /// The triage marks (at start and after every change).
    MarksDone(Result<Vec<crate::triage::Mark>, String>),
    /// Marks were set; the string says what happened.
    MarksSet(Result<String, String>),
    /// A one-line outcome for the status line: a file written, a copy failed, a worker died.
    Outcome(Result<String, String>),
    /// SIGTERM or SIGHUP arrived: leave as `q` does, then exit with 128 + the signal.
    Signal(i32),
}

/// Work `update` asks for; the driver runs it on a worker thread (or, for the terminal, inline).
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Hunt {
        gen_id: u64,
        range: TimeRange,
    },
    LoadEvents {
        gen_id: u64,
        uids: Vec<u64>,
    },
    Search {
        gen_id: u64,
        query: String,
        range: TimeRange,
    },
    FullText {
        gen_id: u64,
        event: Box<Event>,
    },
    LoadExclusions,
    LoadEdges {
        gen_id: u64,
        range: TimeRange,
    },
    /// The timeline of a host or user around a time.
    LoadTimeline {
        gen_id: u64,
        request: TimelineRequest,
    },
    /// Names for SIDs, once per hunt (tagged with the hunt's generation).
    LoadSidNames {
        hunt_gen: u64,
    },
    /// Event times of these rows' events, bucketed over `span` for the sparklines.
    LoadActivity {
        hunt_gen: u64,
        key: ResultsKey,
        rows: Vec<(u32, Vec<u64>)>,
        span: (i64, i64),
        buckets: usize,
    },
    /// Build the rows of a big result off the UI thread.
    Regroup {
        gen_id: u64,
        key: ResultsKey,
        result: Arc<HuntResult>,
    },
    AddExclusion {
        analytic: String,
        field: String,
        op: ExclusionOp,
        note: Option<String>,
    },
    SetExclusionEnabled {
        id: String,
        enabled: bool,
    },
    RemoveExclusion {
        id: String,
    },
    /// Take back the last exclusion add or delete (the store records it).
    UndoExclusion,
    Ingest {
        paths: Vec<PathBuf>,
    },
    LoadMarks,
    /// Mark these rows (or edges) with one status and note.
    SetMarks {
        targets: Vec<crate::triage::MarkTarget>,
        status: crate::triage::Status,
        note: String,
    },
    WriteFile {
        path: PathBuf,
        contents: String,
    },
    /// Build the case report and write it to a new file (HTML for `.html`).
    WriteReport {
        path: PathBuf,
    },
    /// Put text on the terminal's clipboard (OSC 52, base64 payload).
    Clipboard(String),
    RefreshStatus,
    /// Write the prompt history (atomically, 0600).
    SaveHistory {
        path: PathBuf,
        history: Box<super::history::History>,
    },
}

impl Effect {
    /// A short name for messages (never the payload: a regroup carries a whole result).
    pub fn name(&self) -> &'static str {
        match self {
            Effect::Hunt { .. } => "hunt",
            Effect::LoadEvents { .. } => "loading events",
            Effect::Search { .. } => "search",
            Effect::FullText { .. } => "loading text",
            Effect::LoadExclusions => "loading exclusions",
            Effect::LoadEdges { .. } => "loading edges",
            Effect::LoadTimeline { .. } => "loading the timeline",
            Effect::LoadSidNames { .. } => "loading SID names",
            Effect::LoadActivity { .. } => "loading activity",
            Effect::Regroup { .. } => "grouping",
            Effect::AddExclusion { .. } => "adding an exclusion",
            Effect::SetExclusionEnabled { .. } => "switching an exclusion",
            Effect::RemoveExclusion { .. } => "deleting an exclusion",
            Effect::UndoExclusion => "undoing an exclusion change",
            Effect::Ingest { .. } => "ingest",
            Effect::LoadMarks => "loading marks",
            Effect::SetMarks { .. } => "marking",
            Effect::WriteFile { .. } => "writing a file",
            Effect::WriteReport { .. } => "writing the report",
            Effect::Clipboard(_) => "copy",
            Effect::RefreshStatus => "status",
            Effect::SaveHistory { .. } => "saving the prompt history",
        }
    }
}
