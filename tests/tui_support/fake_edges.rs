//! The fake backend's extended side: target-side evidence on the servers the fixture story
//! reaches, names for its SIDs, and edges computed by the real extended code.

use huntbench::event::{CHANNEL_SYSMON, Event};
use huntbench::extended::{self, Edge, SidNames};
use huntbench::time::{TimeRange, parse_timestamp};

/// A process `wsmprovhost.exe` started on a target (what WinRM leaves in the target's logs).
pub fn winrm_child(rid: u64, time: &str, host: &str, image: &str, cmd: &str) -> Event {
    Event {
        time: parse_timestamp(time).unwrap_or(0),
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: host.into(),
        record_id: Some(rid),
        user: Some(r"CORP\alice".into()),
        process: Some(cmd.into()),
        process_name: Some(image.into()),
        process_path: Some(format!(r"C:\Windows\System32\{image}")),
        process_id: Some((7000 + rid).to_string()),
        parent_process: Some(r"C:\Windows\System32\wsmprovhost.exe -Embedding".into()),
        parent_process_name: Some("wsmprovhost.exe".into()),
        parent_process_id: Some("6100".into()),
        ..Default::default()
    }
}

/// srv01's own record of ws01's visits: two `whoami` and one `ipconfig` under wsmprovhost.
/// srv03 logged nothing, so its edge has no evidence.
pub fn target_side_events() -> Vec<Event> {
    vec![
        winrm_child(
            31,
            "2024-10-21T09:00:02Z",
            "srv01.corp.local",
            "whoami.exe",
            r#""C:\Windows\system32\whoami.exe""#,
        ),
        winrm_child(
            32,
            "2024-10-21T09:05:03Z",
            "srv01.corp.local",
            "whoami.exe",
            r#""C:\Windows\system32\whoami.exe""#,
        ),
        winrm_child(
            33,
            "2024-10-21T10:00:04Z",
            "srv01.corp.local",
            "ipconfig.exe",
            r#""C:\Windows\system32\ipconfig.exe""#,
        ),
    ]
}

/// Names for the fixture's SIDs, as a domain controller's Security log would give them.
pub fn fixture_sid_names() -> Vec<(String, String, String)> {
    [
        (
            "S-1-5-21-1-1104",
            r"CORP\alice",
            "Security 4624 on dc01.corp.local",
        ),
        (
            "S-1-5-21-1-1105",
            r"CORP\bob",
            "Security 4624 on dc01.corp.local",
        ),
        ("S-1-5-18", r"NT AUTHORITY\SYSTEM", "well-known"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect()
}

/// Edges of `events` in `range` (the real extended hunt and edge joining), the target side
/// from `target_side` (its WinRM children as sessions, as the workbench reads them).
pub fn edges(events: &[Event], target_side: &[Event], range: TimeRange) -> Vec<Edge> {
    let refs: Vec<&Event> = events.iter().filter(|e| range.contains(e.time)).collect();
    let result = extended::hunt(&refs, &SidNames::default());
    let side: Vec<&Event> = target_side
        .iter()
        .filter(|e| range.contains(e.time))
        .collect();
    let mut hosts = extended::HostMap::new();
    for e in events.iter().chain(target_side) {
        hosts.learn_event(e);
    }
    let sessions = extended::children::child_sessions(&side);
    extended::edges(&result.rows, &sessions, &hosts).edges
}
