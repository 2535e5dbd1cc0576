//! Names for SIDs: 4104's user_id is a bare SID; Security events pair SIDs with account names.

use std::collections::HashMap;

use crate::event::{CHANNEL_SECURITY, Event};

/// SIDs every Windows host resolves the same way.
const WELL_KNOWN: &[(&str, &str)] = &[
    ("S-1-0-0", "NULL SID"),
    ("S-1-1-0", "Everyone"),
    ("S-1-5-7", "NT AUTHORITY\\ANONYMOUS LOGON"),
    ("S-1-5-11", "NT AUTHORITY\\Authenticated Users"),
    ("S-1-5-18", "NT AUTHORITY\\SYSTEM"),
    ("S-1-5-19", "NT AUTHORITY\\LOCAL SERVICE"),
    ("S-1-5-20", "NT AUTHORITY\\NETWORK SERVICE"),
    ("S-1-5-32-544", "BUILTIN\\Administrators"),
    ("S-1-5-32-545", "BUILTIN\\Users"),
    ("S-1-5-32-555", "BUILTIN\\Remote Desktop Users"),
    ("S-1-5-32-580", "BUILTIN\\Remote Management Users"),
];

/// Security events whose EventData pairs SIDs with names.
pub const PAIR_EVENTS: &[u32] = &[4624, 4625, 4634, 4648, 4672, 4688];

/// SID → (account name, where the name came from).
#[derive(Debug, Clone, Default)]
pub struct SidNames {
    map: HashMap<String, (String, String)>,
}

impl SidNames {
    /// Learn names from Security logon/privilege/process events; well-known SIDs always resolve.
    /// The first event (in time order) that names a SID wins, so results are reproducible.
    pub fn from_events(events: &[&Event]) -> SidNames {
        let mut map = HashMap::new();
        for (sid, name) in WELL_KNOWN {
            map.insert(
                sid.to_string(),
                (name.to_string(), "well-known".to_string()),
            );
        }
        let mut security: Vec<&&Event> = events
            .iter()
            .filter(|e| {
                e.channel.eq_ignore_ascii_case(CHANNEL_SECURITY)
                    && PAIR_EVENTS.contains(&e.event_code)
            })
            .collect();
        // Ties (two hosts logging one record number in the same microsecond) broken by the
        // event itself, not by where a store happened to keep it: every store names alike.
        security.sort_by_cached_key(|e| (e.time, e.record_id, e.uid()));
        for e in security {
            for side in ["Subject", "Target"] {
                let field = |f: &str| {
                    e.data
                        .get(&format!("{side}{f}"))
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty() && *s != "-")
                };
                let (Some(sid), Some(user)) = (field("UserSid"), field("UserName")) else {
                    continue;
                };
                if !sid.to_ascii_uppercase().starts_with("S-1-") || sid == "S-1-0-0" {
                    continue;
                }
                let name = match field("DomainName") {
                    Some(d) => format!("{d}\\{user}"),
                    None => user.to_string(),
                };
                let source = format!("Security {} on {}", e.event_code, e.computer);
                map.entry(sid.to_ascii_uppercase())
                    .or_insert((name, source));
            }
        }
        SidNames { map }
    }

    /// The account name of a SID and its source (`well-known` or `Security 4624 on DC01`).
    pub fn resolve(&self, sid: &str) -> Option<(&str, &str)> {
        self.map
            .get(&sid.trim().to_ascii_uppercase())
            .map(|(n, s)| (n.as_str(), s.as_str()))
    }

    /// These names, with `other`'s for the SIDs these lack.
    pub fn or(&self, other: &SidNames) -> SidNames {
        let mut map = other.map.clone();
        map.extend(self.map.iter().map(|(k, v)| (k.clone(), v.clone())));
        SidNames { map }
    }

    /// Every known (SID, account name, source), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.map
            .iter()
            .map(|(sid, (n, s))| (sid.as_str(), n.as_str(), s.as_str()))
    }

    /// Number of SIDs known.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is known (never after `from_events`, which adds well-known SIDs).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
