//! Processes WinRM started on a target, as target-side sessions of their own: the evidence
//! any Sysmon 1 / 4688 capture holds, whatever else the inbound analytic reads.

use super::inbound::{Evidence, InboundRow};
use crate::event::Event;

/// A child of one of the shell hosts WinRM runs remote commands under, as the inbound
/// analytic classifies it.
fn kind(e: &Event) -> Option<Evidence> {
    super::inbound::classify(e)
        .filter(|k| matches!(k, Evidence::WsmprovhostChild | Evidence::WinrshostChild))
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
                source_via: None,
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
