//! The known answers of the demo story: what each analytic must return, and what only the
//! extended layer can see. Filled by the story as it declares each scene, never by matching.

use std::collections::BTreeMap;

use crate::event::Event;

/// Output columns of the script-block analytic (SEMANTICS.md §1 A), in order.
pub const SCRIPT_BLOCK_COLUMNS: &[&str] = &["EventCode", "ScriptBlockText", "Computer", "user_id"];
/// Output columns of the process analytic (SEMANTICS.md §1 B), in order.
pub const PROCESS_COLUMNS: &[&str] = &[
    "dest",
    "user",
    "parent_process_name",
    "process_name",
    "process",
    "process_id",
    "parent_process_id",
];

/// One expected stats row: the by-field values (in column order), count and time bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedRow {
    /// By-field values in the analytic's column order; a missing process field is `null`.
    pub key: Vec<String>,
    pub count: u64,
    /// Microseconds, UTC.
    pub first_time: i64,
    pub last_time: i64,
}

/// Why a scene matters to the extended layer (parity misses it, or matches it wrongly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Evasion {
    /// `icm` alias with a positional computer name.
    Alias,
    /// `New-PSSession -ComputerName` in one block, `Invoke-Command -Session $s` in another.
    Session,
    /// `Enter-PSSession -ComputerName`.
    EnterSession,
    /// The literals fall in different parts of one long script block.
    SplitParts,
    /// `-EncodedCommand`: only the decoded text carries the literals.
    EncodedCommand,
    /// A local `Invoke-Command {..}` with `Get-Service -ComputerName` elsewhere: a parity FP.
    LocalFalsePositive,
    /// Both literals only in the parent command line of a non-PowerShell child (must not match).
    ParentOnly,
    /// `cmd.exe /c` carrying both literals (must not match: not PowerShell).
    NotPowerShell,
    /// Target side: a child of wsmprovhost.exe on a remoting target.
    WsmProvHostChild,
    /// `$targets = 'a','b'; Invoke-Command -ComputerName $targets`: the targets are only in
    /// the assignment (one case per target, same block).
    VariableTargets,
}

/// A scene parity misses or wrongly raises, for the extended layer's tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedCase {
    pub kind: Evasion,
    pub computer: String,
    /// The remote host the scene reaches, when there is one (short name as written).
    pub target: Option<String>,
    pub time: i64,
    /// ScriptBlockId for script blocks, process id (as logged) for processes.
    pub id: String,
}

/// One remoting session as its target logs it: what `winrm_remoting_inbound` must find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSession {
    /// The receiving host (System/Computer, FQDN).
    pub target: String,
    /// The remote account, `DOMAIN\name` (a machine account ends in `$`).
    pub user: String,
    /// The host the session came from (FQDN; the logs may spell it otherwise).
    pub source: String,
    /// The source's address, as the target's 4624 logs it.
    pub source_ip: String,
    /// Microseconds: the logon and the last evidence event.
    pub first: i64,
    pub last: i64,
    /// Evidence events the target logged for the session (Sysmon 3 not included).
    pub count: u64,
    /// The kinds of those events: (channel, event code), sorted.
    pub evidence: Vec<(String, u32)>,
    /// Command lines of the processes the session started, in time order.
    pub commands: Vec<String>,
    /// The intruder's session (else admin automation: the false-positive class).
    pub intruder: bool,
}

/// Everything a test or the workbench may assert about the generated corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// Rows of the script-block analytic, sorted by key.
    pub script_block_rows: Vec<ExpectedRow>,
    /// Rows of the process analytic, sorted by key.
    pub process_rows: Vec<ExpectedRow>,
    /// Matching 4104 events without a user_id: Splunk's stats drops them.
    pub dropped_script_block_events: usize,
    /// Events that match the script-block predicate (including dropped ones).
    pub script_block_matches: usize,
    /// Events that match the process predicate.
    pub process_matches: usize,
    /// The intruder's lateral-movement edges (source FQDN, target FQDN), in order of first use.
    pub intruder_path: Vec<(String, String)>,
    /// Every hop of the intrusion, seen from either end (source FQDN, target FQDN): one
    /// connected chain, including the hop only its target logged.
    pub chain: Vec<(String, String)>,
    /// Every remoting session the targets logged, in the order generated.
    pub inbound: Vec<InboundSession>,
    /// The names each chain host goes by across the corpus (FQDN first, then the other
    /// spellings: short, lower-case FQDN, machine account, IP address).
    pub spellings: Vec<(String, Vec<String>)>,
    /// Keys of script-block rows that are admin automation or other benign work (the FPs).
    pub benign_script_block_keys: Vec<Vec<String>>,
    /// Scenes for the extended layer.
    pub extended: Vec<ExtendedCase>,
    /// The intrusion window (microseconds, half-open).
    pub intrusion_window: (i64, i64),
    /// Total number of events the generator yields for these options.
    pub total_events: usize,
}

/// Accumulates rows while the story is declared.
#[derive(Default)]
pub(crate) struct RowSet(BTreeMap<Vec<String>, (u64, i64, i64)>);

impl RowSet {
    pub(crate) fn add(&mut self, key: Vec<String>, time: i64) {
        let e = self.0.entry(key).or_insert((0, time, time));
        e.0 += 1;
        e.1 = e.1.min(time);
        e.2 = e.2.max(time);
    }

    pub(crate) fn rows(&self) -> Vec<ExpectedRow> {
        self.0
            .iter()
            .map(|(k, &(count, first_time, last_time))| ExpectedRow {
                key: k.clone(),
                count,
                first_time,
                last_time,
            })
            .collect()
    }
}

/// The script-block row key of an event, or `None` when a by-field is missing (dropped).
pub fn script_block_key(e: &Event) -> Option<Vec<String>> {
    Some(vec![
        e.event_code.to_string(),
        e.script_block_text.clone()?,
        Some(e.computer.clone()).filter(|c| !c.is_empty())?,
        e.user_id.clone()?,
    ])
}

/// The process row key of an event; missing fields become `null` as tstats fills them.
pub fn process_key(e: &Event) -> Vec<String> {
    let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    vec![
        e.computer.clone(),
        f(&e.user),
        f(&e.parent_process_name),
        f(&e.process_name),
        f(&e.process),
        f(&e.process_id),
        f(&e.parent_process_id),
    ]
}
