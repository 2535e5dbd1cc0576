//! The fake backend's timeline: its events (hunted and target-side) filtered by host spelling,
//! user and window, then summarized by the real timeline code.

use huntbench::event::Event;
use huntbench::extended::SidNames;
use huntbench::timeline::{
    Timeline, TimelineError, TimelineRequest, account_matches, event_accounts, host_spellings,
    near_spellings,
};

/// The timeline the real workbench would answer over these events (newest `cap` kept).
pub fn timeline(events: &[&Event], request: TimelineRequest) -> Result<Timeline, String> {
    if request.host.is_none() && request.user.is_none() {
        return Err(TimelineError::NoSubject.to_string());
    }
    let known = || events.iter().map(|e| e.computer.as_str());
    let spellings = match request.host.as_deref() {
        None => Vec::new(),
        Some(h) => {
            let s = host_spellings(h, known());
            if s.is_empty() {
                let near = near_spellings(h, known());
                return Err(TimelineError::UnknownHost {
                    host: h.into(),
                    near,
                }
                .to_string());
            }
            s
        }
    };
    let names = SidNames::from_events(events);
    let range = request.range();
    let mut hits: Vec<Event> = events
        .iter()
        .filter(|e| range.contains(e.time))
        .filter(|e| spellings.is_empty() || spellings.contains(&e.computer))
        .filter(|e| match request.user.as_deref() {
            None => true,
            Some(want) => event_accounts(e, &names)
                .iter()
                .any(|have| account_matches(want, have)),
        })
        .map(|e| (*e).clone())
        .collect();
    let total = hits.len() as u64;
    hits.sort_by_key(|e| std::cmp::Reverse(e.time));
    hits.truncate(request.cap);
    Ok(Timeline::build(request, spellings, hits, total, &names))
}
