//! Which accounts an event names, and whether one is the account the analyst asked for.

use super::summary;
use crate::event::{CHANNEL_SECURITY, Event};
use crate::extended::SidNames;

/// Every account an event names: its `user`, its SID and the SID's name, a logon's Target and
/// Subject, WinRM's `username`, a classic engine event's `UserId=`.
pub fn event_accounts(e: &Event, names: &SidNames) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(e.user.clone());
    if let Some(sid) = e.user_sid() {
        out.push(sid.to_string());
        if let Some((n, _)) = names.resolve(sid) {
            out.push(n.to_string());
        }
    }
    for side in ["Target", "Subject"] {
        out.extend(summary::account(e, side));
        if let Some(sid) = e.data.get(&format!("{side}UserSid")) {
            out.push(sid.clone());
        }
    }
    for (k, v) in &e.data {
        if k.eq_ignore_ascii_case("username") || k.eq_ignore_ascii_case("User") {
            out.push(v.clone());
        } else if v.contains("UserId=")
            && let Some(u) = summary::context_value(v, "UserId")
        {
            out.push(u.to_string());
        }
    }
    out.retain(|a| {
        let a = a.trim();
        !a.is_empty() && a != "-"
    });
    out
}

/// Does account `have` (as an event names it) denote `want` (as the analyst typed it)?
/// Case-insensitive; `name` matches any domain's `name`; a domain matches its FQDN
/// (`THESHIRE` ~ `THESHIRE.LOCAL`); a SID matches only itself.
pub fn account_matches(want: &str, have: &str) -> bool {
    let (w, h) = (want.trim().to_lowercase(), have.trim().to_lowercase());
    if w == h {
        return true;
    }
    let split = |s: &str| match s.rsplit_once('\\') {
        Some((d, n)) => (Some(d.to_string()), n.to_string()),
        None => (None, s.to_string()),
    };
    let ((wd, wn), (hd, hn)) = (split(&w), split(&h));
    if wn != hn {
        return false;
    }
    let short = |d: &str| d.split('.').next().unwrap_or("").to_string();
    match (wd, hd) {
        (None, _) | (Some(_), None) => true,
        (Some(a), Some(b)) => short(&a) == short(&b),
    }
}

/// The account a line shows: the process's user (Sysmon's `User` for its other events), a
/// logon's target, the privileged subject, else the event's SID by name (the bare SID when no
/// name is known).
pub fn line_user(e: &Event, names: &SidNames) -> Option<String> {
    if let Some(u) = e.user.as_deref().filter(|u| !u.is_empty()) {
        return Some(u.to_string());
    }
    // Sysmon's other events name the process's user in EventData; their UserID is Sysmon's.
    if e.channel.eq_ignore_ascii_case(crate::event::CHANNEL_SYSMON)
        && let Some(u) = e
            .data
            .get("User")
            .map(|u| u.trim())
            .filter(|u| !u.is_empty())
    {
        return Some(u.to_string());
    }
    if e.channel.eq_ignore_ascii_case(CHANNEL_SECURITY) {
        let side = if matches!(e.event_code, 4672 | 4648) {
            "Subject"
        } else {
            "Target"
        };
        if let Some(a) = summary::account(e, side).or_else(|| summary::account(e, "Subject")) {
            return Some(a);
        }
    }
    if let Some(sid) = e.user_sid() {
        return Some(
            names
                .resolve(sid)
                .map_or_else(|| sid.to_string(), |(n, _)| n.to_string()),
        );
    }
    // Classic engine and pipeline events (800) name the user only in their context text.
    e.data
        .values()
        .filter(|v| v.contains("UserId="))
        .find_map(|v| summary::context_value(v, "UserId"))
        .map(str::to_string)
}
