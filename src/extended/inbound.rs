//! The target side of a hop: remote PowerShell / WinRM sessions as the receiving host logs
//! them (the saved query `winrm_remoting_inbound`), for captures that hold only the victim's
//! logs or only one log per host.

use serde::Serialize;

use crate::event::Event;

/// One inbound session: one target host, one user, one source, the minutes it lasted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundRow {
    /// The receiving host (System/Computer as logged).
    pub computer: String,
    /// The remote user, `DOMAIN\name` as logged (or a SID when only that is known).
    pub user: Option<String>,
    /// The source host: a name where the logs give one (4624 WorkstationName, an IP the
    /// index maps to a name), else the IP address; none when nothing names it.
    pub source: Option<String>,
    /// The source's IP address as the target logged it (4624 IpAddress).
    pub source_ip: Option<String>,
    /// Evidence events in the session.
    pub count: u64,
    pub first: i64,
    pub last: i64,
    /// The evidence kinds present, sorted (see [`Evidence::label`]).
    pub evidence: Vec<String>,
    /// What ran in the session: the children's command lines (decoded `-EncodedCommand`
    /// appended), in time order, each once.
    pub commands: Vec<String>,
    /// uids of every event in the session, sorted.
    pub events: Vec<u64>,
}

/// What kind of target-side evidence an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// A process started by `wsmprovhost.exe` (PowerShell remoting's plugin host).
    WsmprovhostChild,
    /// A process started by `winrshost.exe` (WinRS's shell host).
    WinrshostChild,
}

impl Evidence {
    /// The label rows carry.
    pub fn label(self) -> &'static str {
        match self {
            Evidence::WsmprovhostChild => "wsmprovhost child",
            Evidence::WinrshostChild => "winrshost child",
        }
    }
}

/// Inbound sessions among `events` (any mix: evidence, logons, everything else skipped).
pub fn inbound(events: &[&Event]) -> Vec<InboundRow> {
    let _ = events;
    Vec::new()
}
