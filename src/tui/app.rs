//! All UI state as plain data. Only `update` changes it; views only read it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono_tz::Tz;

use super::backend::{BackendStatus, IngestProgress};
use super::columns::Sideways;
use super::detail::DetailView;
use super::keymap::KeyMap;
pub use super::names::SidNames;
use super::rows::Row;
use super::timeline::TimelineView;
use crate::analytics::model::{Exclusion, HuntResult};
use crate::event::Event;
use crate::extended::Edge;
use crate::time::{Anchor, TimeRange};
use std::path::PathBuf;

/// Which full screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Main,
    Events,
    Text,
    Exclusions,
    Edges,
    Timeline,
    /// Every column of one table row in full (`v`).
    Detail,
}

/// Which pane of the main screen takes the arrow keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Analytics,
    Results,
}

/// How result rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pivot {
    /// The analytic's own Splunk by-clause.
    Full,
    Host,
    User,
    HostUser,
}

impl Pivot {
    /// The next pivot in the cycle.
    pub fn next(self) -> Pivot {
        match self {
            Pivot::Full => Pivot::Host,
            Pivot::Host => Pivot::User,
            Pivot::User => Pivot::HostUser,
            Pivot::HostUser => Pivot::Full,
        }
    }
    /// Header label.
    pub fn label(self) -> &'static str {
        match self {
            Pivot::Full => "by-clause",
            Pivot::Host => "host",
            Pivot::User => "user",
            Pivot::HostUser => "host+user",
        }
    }
}

/// Row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Most events first.
    Count,
    /// Earliest first seen first.
    First,
    /// Latest last seen first.
    Last,
    /// By key text.
    Name,
}

impl SortBy {
    /// The next order in the cycle.
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Count => SortBy::First,
            SortBy::First => SortBy::Last,
            SortBy::Last => SortBy::Name,
            SortBy::Name => SortBy::Count,
        }
    }
    /// Header label.
    pub fn label(self) -> &'static str {
        match self {
            SortBy::Count => "count ↓",
            SortBy::First => "first seen ↑",
            SortBy::Last => "last seen ↓",
            SortBy::Name => "name ↑",
        }
    }
}

/// What a text prompt is asking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Filter,
    TimeRange,
    Search,
    Ingest,
    ExcludePattern,
    Export,
    WriteText,
    TextSearch,
    Report,
    /// Triage: one letter picks the status of the row being marked.
    MarkStatus,
    /// Triage: the mark's note (prefilled with the existing one).
    MarkNote,
}

impl PromptKind {
    /// The label before the input.
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Filter => "filter rows: ",
            PromptKind::TimeRange => "time range (e.g. -24h, 2024-10-21, a..b, all): ",
            PromptKind::Search => "search: ",
            PromptKind::Ingest => "ingest path: ",
            PromptKind::ExcludePattern => "exclude field=pattern (* wildcard, \"…\" exact): ",
            PromptKind::Export => "export rows to (.csv / .json): ",
            PromptKind::WriteText => "write text to: ",
            PromptKind::TextSearch => "find in text: ",
            PromptKind::Report => "write the case report to (.md / .html): ",
            PromptKind::MarkStatus => {
                "mark as: b benign, s suspicious, m malicious, u untriaged (esc cancels) "
            }
            PromptKind::MarkNote => "note (enter saves the mark): ",
        }
    }
}

/// A one-line text input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
}

/// The result table of the selected analytic, grouped, filtered and sorted on arrival.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Key column names for the current pivot.
    pub columns: Vec<String>,
    /// Display width each key column needs (capped).
    pub widths: Vec<usize>,
    /// Columns holding one value in every row (more than one row).
    pub constant: Vec<bool>,
    pub rows: Vec<Row>,
    /// Indices into `rows` that pass the filter, in sort order.
    pub visible: Vec<u32>,
    /// Position in `visible`.
    pub selected: usize,
    /// First visible row on screen.
    pub offset: usize,
    /// Earliest and latest time over all rows: the timeline's scale.
    pub span: (i64, i64),
    /// All rows in each sort order asked for so far (sorting happens once per order).
    pub orders: Vec<(SortBy, Vec<u32>)>,
    /// The sort and lower-case filter `visible` was made with; typing more narrows it.
    pub applied: Option<(SortBy, String)>,
    /// Per row: event counts in equal time buckets over `span` (loaded for rows on screen).
    pub activity: HashMap<u32, Vec<u32>>,
    /// Rows asked for in the newest activity request.
    pub activity_pending: Vec<u32>,
    /// Width of the user_id column as displayed with SID names (`None`: no names, raw width).
    pub sid_width: Option<usize>,
}

/// Which rows a [`Results`] holds: analytic, pivot, suppressed shown.
pub type ResultsKey = (usize, Pivot, bool);

/// Where an event list came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventSource {
    #[default]
    None,
    Group(String),
    Search(String),
    /// An edge's target-side evidence (`source → target`).
    Edge(String),
    /// Events an analytic's stats dropped (the analytic's name).
    Dropped(String),
}

/// A list of events (a group's, or an ad-hoc search's).
#[derive(Debug, Clone, Default)]
pub struct EventList {
    pub source: EventSource,
    pub events: Vec<Event>,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    /// How many events match in all when `events` may be fewer (an ad-hoc search's cap).
    pub total: Option<u64>,
    /// Why each event was dropped (uid → reason); only for [`EventSource::Dropped`].
    pub reasons: HashMap<u64, String>,
}

/// The edges screen: who reached whom.
#[derive(Debug, Clone)]
pub struct EdgesView {
    /// In `sort` order.
    pub items: Vec<Edge>,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    pub sort: SortBy,
}

impl Default for EdgesView {
    /// By name: the order `huntbench edges` lists them in.
    fn default() -> Self {
        EdgesView {
            items: Vec::new(),
            selected: 0,
            offset: 0,
            loading: false,
            sort: SortBy::Name,
        }
    }
}

/// The full text of one event.
#[derive(Debug, Clone, Default)]
pub struct TextView {
    pub title: String,
    /// The exact text (what copy and write-to-file give out).
    pub raw: String,
    /// Sanitized display lines.
    pub lines: Vec<String>,
    pub part_info: Option<String>,
    /// Whose event, when its SID has a name: `S-1-… = CORP\\x (from Security 4624 on DC01)`.
    pub who: Option<String>,
    pub scroll: usize,
    pub hscroll: usize,
    pub wrap: bool,
    pub search: String,
    /// Line numbers that contain the search text.
    pub matches: Vec<usize>,
    pub match_idx: usize,
    pub loading: bool,
}

/// The exclusions screen.
#[derive(Debug, Clone, Default)]
pub struct ExclusionsView {
    pub items: Vec<Exclusion>,
    pub selected: usize,
}

/// Query generations: an answer whose number is not the latest is stale and dropped.
#[derive(Debug, Clone, Default)]
pub struct Generations {
    pub next: u64,
    pub hunt: u64,
    pub events: u64,
    pub search: u64,
    pub text: u64,
    pub regroup: u64,
    pub edges: u64,
    pub timeline: u64,
}

impl Generations {
    /// A fresh generation number.
    pub fn bump(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

/// Everything the TUI knows.
#[derive(Debug, Clone)]
pub struct App {
    pub keys: KeyMap,
    pub size: (u16, u16),
    /// Screens opened on top of the main one.
    pub stack: Vec<Screen>,
    pub focus: Focus,
    pub status: BackendStatus,
    pub status_known: bool,
    /// Shared so a worker can regroup a big result without copying it.
    pub hunts: Vec<Arc<HuntResult>>,
    /// Sigma rules the last hunt ran that matched nothing (left out of `hunts`).
    pub quiet_rules: usize,
    pub hunting: bool,
    /// Index into `hunts`.
    pub analytic: usize,
    pub pivot: Pivot,
    pub sort: SortBy,
    pub filter: String,
    pub show_suppressed: bool,
    pub results: Results,
    /// Row sets built earlier for this hunt, so pivoting back and forth is instant.
    pub results_cache: Vec<(ResultsKey, Results)>,
    /// What `results` holds.
    pub results_key: Option<ResultsKey>,
    /// A big regroup running on a worker; the table waits for it.
    pub regrouping: Option<ResultsKey>,
    pub events: EventList,
    pub text: TextView,
    pub exclusions: ExclusionsView,
    pub edges: EdgesView,
    pub timeline: TimelineView,
    /// The row-detail screen.
    pub detail: DetailView,
    /// How far each table is scrolled sideways.
    pub sideways: Sideways,
    /// Names for the SIDs in user_id cells (display only).
    pub sid_names: SidNames,
    /// Triage marks, matched with the hunts' groups; the status filter.
    pub triage: super::triage::TriageView,
    /// The index may hold names not yet fetched (start, after an ingest).
    pub sid_names_stale: bool,
    pub prompt: Option<Prompt>,
    /// An exclusion being drafted (note, preview, confirmation); nothing saved yet.
    pub draft: Option<super::confirm::ExcludeDraft>,
    /// A delete waiting for `y` / Enter.
    pub confirm_delete: Option<super::confirm::DeleteConfirm>,
    pub help: bool,
    pub range: TimeRange,
    pub tz: Option<Tz>,
    /// The last action's outcome, for the status line.
    pub message: String,
    pub message_is_error: bool,
    pub ingest: Option<IngestProgress>,
    pub gens: Generations,
    /// An exclusion just added: report what it suppresses once the hunt is back.
    pub pending_report: Option<String>,
    pub quit: bool,
    /// Bumped on every change, so the driver redraws only when something changed.
    pub rev: u64,
    /// Fixed "now" for tests; `None` reads the clock.
    pub now: Option<i64>,
    /// The range as typed (`-24h`, `2026-03-10`); empty when it came from the CLI as instants
    /// or is all time. Relative ends are read against `anchor` (see time_range.rs).
    pub range_text: String,
    /// What relative ranges count back from: the last event in the index unless switched.
    pub anchor: Anchor,
    /// Submitted prompt inputs, per kind (↑/↓ in a prompt).
    pub history: super::history::History,
    /// Where the history is saved; `None` keeps it for the session (tests).
    pub history_file: Option<PathBuf>,
    /// The walk through a prompt's history under way.
    pub walk: super::history::Walk,
    /// A panel that stays until a key dismisses it (an ingest's outcome, a key-map error).
    pub notice: Option<super::notice::Notice>,
    /// The signal (SIGTERM, SIGHUP) that ended the session, for the exit status.
    pub exit_signal: Option<i32>,
    /// The user's key map file, for the help's last line (`None`: not known, as in tests).
    pub keys_file: Option<PathBuf>,
}

impl App {
    /// A fresh app with a key map, a time range and a zone.
    pub fn new(keys: KeyMap, range: TimeRange, tz: Option<Tz>) -> App {
        App {
            keys,
            size: (120, 32),
            stack: Vec::new(),
            focus: Focus::Results,
            status: BackendStatus::default(),
            status_known: false,
            hunts: Vec::new(),
            quiet_rules: 0,
            hunting: false,
            analytic: 0,
            pivot: Pivot::Full,
            sort: SortBy::Count,
            filter: String::new(),
            show_suppressed: false,
            results: Results::default(),
            results_cache: Vec::new(),
            results_key: None,
            regrouping: None,
            events: EventList::default(),
            text: TextView {
                wrap: true,
                ..TextView::default()
            },
            exclusions: ExclusionsView::default(),
            edges: EdgesView::default(),
            timeline: TimelineView::default(),
            detail: DetailView::default(),
            sideways: Sideways::default(),
            sid_names: SidNames::default(),
            triage: Default::default(),
            sid_names_stale: true,
            prompt: None,
            draft: None,
            confirm_delete: None,
            help: false,
            range,
            tz,
            message: String::new(),
            message_is_error: false,
            ingest: None,
            gens: Generations::default(),
            pending_report: None,
            quit: false,
            rev: 0,
            now: None,
            range_text: String::new(),
            anchor: Anchor::LastEvent,
            history: Default::default(),
            history_file: None,
            walk: Default::default(),
            notice: None,
            exit_signal: None,
            keys_file: None,
        }
    }

    /// The screen on top.
    pub fn screen(&self) -> Screen {
        self.stack.last().copied().unwrap_or(Screen::Main)
    }

    /// The selected analytic's result.
    pub fn current(&self) -> Option<&HuntResult> {
        self.hunts.get(self.analytic).map(|h| h.as_ref())
    }

    /// The selected result row.
    pub fn selected_row(&self) -> Option<&Row> {
        let i = *self.results.visible.get(self.results.selected)?;
        self.results.rows.get(i as usize)
    }

    /// Is the index known to be empty?
    pub fn index_empty(&self) -> bool {
        self.status_known && self.status.events == 0
    }

    /// Does the main screen show the welcome (how to ingest) instead of results?
    pub fn show_welcome(&self) -> bool {
        self.index_empty() && self.hunts.iter().all(|h| h.groups.is_empty())
    }
}
