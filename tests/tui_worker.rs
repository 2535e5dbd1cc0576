//! The worker seam: effects run against a backend and answer over the channel; a query lane
//! keeps only the newest waiting request.

mod tui_support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use huntbench::analytics::model::{Exclusion, ExclusionOp, HuntResult};
use huntbench::event::Event;
use huntbench::time::TimeRange;
use huntbench::tui::worker::Workers;
use huntbench::tui::{Backend, BackendStatus, Effect, FullText, IngestProgress, Msg};
use tui_support::fake::FakeBackend;

/// A fake whose hunt waits for the test's go-ahead, so the test controls what overlaps.
struct Gated {
    inner: FakeBackend,
    started: Mutex<Sender<()>>,
    go: Mutex<Receiver<()>>,
    hunts: AtomicUsize,
}

impl Backend for Gated {
    fn hunt(&self, range: TimeRange) -> Result<Vec<HuntResult>, String> {
        self.hunts.fetch_add(1, Ordering::SeqCst);
        self.started.lock().unwrap().send(()).unwrap();
        self.go.lock().unwrap().recv().unwrap();
        self.inner.hunt(range)
    }
    fn events(&self, uids: &[u64]) -> Result<Vec<Event>, String> {
        self.inner.events(uids)
    }
    fn search(&self, q: &str, range: TimeRange) -> Result<huntbench::index::SearchHits, String> {
        self.inner.search(q, range)
    }
    fn exclusions(&self) -> Result<Vec<Exclusion>, String> {
        self.inner.exclusions()
    }
    fn add_exclusion(
        &self,
        a: &str,
        f: &str,
        op: ExclusionOp,
        note: Option<String>,
    ) -> Result<Exclusion, String> {
        self.inner.add_exclusion(a, f, op, note)
    }
    fn set_exclusion_enabled(&self, id: &str, on: bool) -> Result<(), String> {
        self.inner.set_exclusion_enabled(id, on)
    }
    fn remove_exclusion(&self, id: &str) -> Result<(), String> {
        self.inner.remove_exclusion(id)
    }
    fn ingest(&self, p: Vec<PathBuf>, progress: &dyn Fn(IngestProgress)) -> Result<String, String> {
        self.inner.ingest(p, progress)
    }
    fn status(&self) -> BackendStatus {
        self.inner.status()
    }
    fn full_text(&self, e: &Event) -> Result<FullText, String> {
        if e.record_id == Some(666) {
            panic!("backend bug");
        }
        self.inner.full_text(e)
    }
}

fn hunt(gen_id: u64) -> Effect {
    Effect::Hunt {
        gen_id,
        range: TimeRange::ALL,
    }
}

#[test]
fn a_newer_hunt_replaces_the_waiting_one() {
    let (started_tx, started) = channel();
    let (go, go_rx) = channel();
    let backend = Arc::new(Gated {
        inner: FakeBackend::new(),
        started: Mutex::new(started_tx),
        go: Mutex::new(go_rx),
        hunts: AtomicUsize::new(0),
    });
    let (tx, rx) = channel();
    let mut workers = Workers::new(backend.clone(), tx);
    workers.run(hunt(1));
    started.recv().unwrap(); // hunt 1 is running and holds the lane
    workers.run(hunt(2));
    workers.run(hunt(3)); // replaces 2 while it waits
    go.send(()).unwrap();
    started.recv().unwrap();
    go.send(()).unwrap();
    let gens: Vec<u64> = (0..2)
        .map(|_| match rx.recv().unwrap() {
            Msg::HuntDone { gen_id, result } => {
                assert_eq!(result.unwrap().len(), 3);
                gen_id
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(gens, vec![1, 3]);
    assert_eq!(backend.hunts.load(Ordering::SeqCst), 2);
}

#[test]
fn a_panicking_backend_call_becomes_a_message() {
    let (started_tx, _started) = channel();
    let (_go, go_rx) = channel();
    let backend = Arc::new(Gated {
        inner: FakeBackend::new(),
        started: Mutex::new(started_tx),
        go: Mutex::new(go_rx),
        hunts: AtomicUsize::new(0),
    });
    let (tx, rx) = channel();
    let mut workers = Workers::new(backend, tx);
    let bad = Event {
        record_id: Some(666),
        ..Default::default()
    };
    workers.run(Effect::FullText {
        gen_id: 7,
        event: Box::new(bad),
    });
    match rx.recv().unwrap() {
        Msg::Outcome(Err(e)) => {
            assert_eq!(e, "loading text failed: the worker panicked: backend bug")
        }
        other => panic!("{other:?}"),
    }
    // The lane survives and answers the next request.
    let good = tui_support::fake::fixture_events().remove(0);
    workers.run(Effect::FullText {
        gen_id: 8,
        event: Box::new(good),
    });
    match rx.recv().unwrap() {
        Msg::TextDone { gen_id, result } => {
            assert_eq!(gen_id, 8);
            assert!(result.unwrap().text.starts_with("Invoke-Command"));
        }
        other => panic!("{other:?}"),
    }
}
