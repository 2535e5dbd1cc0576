//! The fake backend's case report: the same report, built from the fake's own answers (its
//! hunt, edges and exclusions), written through the same no-overwrite path as the real one.

use std::collections::BTreeMap;
use std::path::Path;

use super::fake::FakeBackend;
use huntbench::event::Event;
use huntbench::extended::EdgeReport;
use huntbench::index::IndexStats;
use huntbench::report::Parts;
use huntbench::time::TimeRange;
use huntbench::tui::backend::Backend;

/// Build the report from the fake's answers and write it to `path` (which must not exist).
pub fn write(fake: &FakeBackend, path: &Path) -> Result<String, String> {
    let results = fake.hunt(TimeRange::ALL)?;
    let uids: Vec<u64> = results
        .iter()
        .flat_map(|r| r.dropped.iter().map(|d| d.uid))
        .collect();
    let dropped_events = fake
        .events(&uids)?
        .into_iter()
        .map(|e| (e.uid(), e))
        .collect();
    let edges = EdgeReport {
        edges: fake.edges(TimeRange::ALL)?,
        sourceless: 0,
    };
    let marks = huntbench::report::marked_rows(&fake.marks()?, &results, &edges);
    let parts = Parts {
        index: fake.status().index_dir.display().to_string(),
        generated: huntbench::time::now_micros(),
        tz: None,
        stats: stats(&fake.events),
        inputs: Some(Vec::new()),
        inputs_omitted: 0,
        results,
        edges,
        incomplete_blocks: Vec::new(),
        exclusions: fake.exclusions()?,
        dropped_events,
        marks: Some(marks),
    };
    huntbench::report::write_file(parts, path).map_err(|e| e.to_string())
}

/// What an index of these events would count.
fn stats(events: &[Event]) -> IndexStats {
    let mut s = IndexStats {
        events: events.len() as u64,
        ..Default::default()
    };
    let mut channels: BTreeMap<String, u64> = BTreeMap::new();
    for e in events {
        *channels.entry(e.channel.clone()).or_default() += 1;
        *s.hosts.entry(e.computer.clone()).or_default() += 1;
        s.first = Some(s.first.map_or(e.time, |f| f.min(e.time)));
        s.last = Some(s.last.map_or(e.time, |l| l.max(e.time)));
    }
    s.by_channel = channels;
    s
}
