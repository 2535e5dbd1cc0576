//! Processes WinRM started on a target, as target-side sessions of their own: the evidence
//! any Sysmon 1 / 4688 capture holds, whatever else the inbound analytic reads.

use super::inbound::{Evidence, InboundRow};
use crate::event::Event;

/// The shell hosts WinRM runs remote commands under, with the evidence kind of a child.
const HOSTS: [(&str, Evidence); 2] = [
    ("wsmprovhost.exe", Evidence::WsmprovhostChild),
    ("winrshost.exe", Evidence::WinrshostChild),
];

fn kind(e: &Event) -> Option<Evidence> {
    if !e.is_process_creation() {
        return None;
    }
    let parent = e.parent_process_name.as_deref()?;
    HOSTS
        .iter()
        .find(|(name, _)| parent.eq_ignore_ascii_case(name))
        .map(|(_, k)| *k)
}

/// Is this a process started by wsmprovhost.exe (PowerShell remoting's plugin host)?
pub fn is_wsmprovhost_child(e: &Event) -> bool {
    kind(e) == Some(Evidence::WsmprovhostChild)
}

/// One session per child: its host, its user, no source (a process start does not say who
/// connected), in time order.
pub fn child_sessions(events: &[&Event]) -> Vec<InboundRow> {
    let mut out: Vec<InboundRow> = events
        .iter()
        .filter_map(|e| {
            let k = kind(e)?;
            Some(InboundRow {
                computer: e.computer.clone(),
                // The process's own user: a Sysmon event's UserID is Sysmon's (SYSTEM).
                user: e.user.clone(),
                source: None,
                source_ip: None,
                count: 1,
                first: e.time,
                last: e.time,
                evidence: vec![k.label().to_string()],
                commands: e.process.iter().cloned().collect(),
                events: vec![e.uid()],
            })
        })
        .collect();
    out.sort_by_key(|s| (s.first, s.events[0]));
    out
}
