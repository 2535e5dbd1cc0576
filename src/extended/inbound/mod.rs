//! The target side of a hop: remote PowerShell / WinRM sessions as the receiving host logs
//! them (the saved query `winrm_remoting_inbound`), for captures that hold only the victim's
//! logs or only one log per host.
//!
//! A session is the evidence of one user on one host with no gap longer than [`WINDOW`]
//! between its events. Events that name no user (the classic PowerShell log) join the session
//! of their plugin host's process, else the one they fall into on that host. Logons and
//! connections never open a session; they attach to one and name its source.

mod evidence;
mod session;

use serde::Serialize;

pub use evidence::{
    CHANNEL_WINDOWS_POWERSHELL, CHANNEL_WINRM, Evidence, HOST_WRITTEN, classify, context,
    host_pid as plugin_pid, is_host_written, parse_pid, writer,
};
pub use session::inbound;

/// Longest quiet gap inside one session, and how far a logon or connection may be from it.
pub const WINDOW: i64 = 5 * 60 * crate::time::MICROS;

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
    /// The source's IP address as the target logged it (4624 IpAddress, the WinRM
    /// connection's SourceIp).
    pub source_ip: Option<String>,
    /// Which event named the source (`4624 logon 0x1121f34`, `Sysmon 3 to port 5985`, …).
    pub source_via: Option<String>,
    /// Evidence events in the session (attached logons and connections included).
    pub count: u64,
    pub first: i64,
    pub last: i64,
    /// The evidence kinds present, sorted (see [`Evidence::label`]).
    pub evidence: Vec<String>,
    /// What ran in the session: the children's command lines (a decoded `-EncodedCommand`
    /// follows as `(decoded) …`) and the script blocks its plugin host ran, in time order,
    /// each once.
    pub commands: Vec<String>,
    /// uids of every event in the session, sorted.
    pub events: Vec<u64>,
}

/// A row as JSON (field names in README.md, "Inbound remoting"): times as ctime strings in
/// `tz` (UTC by default).
pub fn row_json(row: &InboundRow, tz: Option<chrono_tz::Tz>) -> serde_json::Value {
    use crate::time::ctime;
    serde_json::json!({
        "Computer": row.computer,
        "user": row.user,
        "source": row.source,
        "source_ip": row.source_ip,
        "source_via": row.source_via,
        "count": row.count,
        "firstTime": ctime(row.first, tz),
        "lastTime": ctime(row.last, tz),
        "evidence": row.evidence,
        "commands": row.commands,
    })
}
