//! Runs effects against the backend on worker threads; answers come back as `Msg`s over the one
//! channel the UI loop waits on.

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};

use super::backend::Backend;
use super::msg::{Effect, Msg};

/// Run one effect to completion, sending every message it produces. Blocking; used directly by
/// tests and on a worker thread by [`spawn`]. `Clipboard` is the terminal's job and sends nothing.
pub fn run_effect(backend: &dyn Backend, effect: Effect, send: &dyn Fn(Msg)) {
    match effect {
        Effect::Hunt { gen_id, range } => send(Msg::HuntDone {
            gen_id,
            result: backend.hunt(range),
        }),
        Effect::LoadEvents { gen_id, uids } => send(Msg::EventsDone {
            gen_id,
            result: backend.events(&uids),
        }),
        Effect::Search {
            gen_id,
            query,
            range,
        } => {
            let result = backend.search(&query, range);
            send(Msg::SearchDone {
                gen_id,
                query,
                result,
            })
        }
        Effect::FullText { gen_id, event } => send(Msg::TextDone {
            gen_id,
            result: backend.full_text(&event),
        }),
        Effect::Regroup {
            gen_id,
            key,
            result,
        } => send(Msg::Regrouped {
            gen_id,
            key,
            results: Box::new(super::rows::build_results(&result, key.1, key.2)),
        }),
        Effect::LoadActivity {
            hunt_gen,
            key,
            rows,
            span,
            buckets,
        } => {
            let result = rows
                .into_iter()
                .map(|(row, uids)| {
                    let times = backend.event_times(&uids)?;
                    Ok((row, super::rows::histogram(&times, span, buckets)))
                })
                .collect();
            send(Msg::ActivityDone {
                hunt_gen,
                key,
                result,
            })
        }
        Effect::LoadExclusions => send(Msg::ExclusionsDone(backend.exclusions())),
        Effect::LoadEdges { gen_id, range } => send(Msg::EdgesDone {
            gen_id,
            result: backend.edges(range),
        }),
        Effect::LoadTimeline { gen_id, request } => send(Msg::TimelineDone {
            gen_id,
            result: backend.timeline(request),
        }),
        Effect::LoadSidNames { hunt_gen } => send(Msg::SidNamesDone {
            hunt_gen,
            result: backend.sid_names(),
        }),
        Effect::AddExclusion {
            analytic,
            field,
            op,
            note,
        } => send(Msg::ExclusionAdded(
            backend.add_exclusion(&analytic, &field, op, note),
        )),
        Effect::SetExclusionEnabled { id, enabled } => {
            let r = backend
                .set_exclusion_enabled(&id, enabled)
                .map(|()| format!("{id} turned {}", if enabled { "on" } else { "off" }));
            send(Msg::ExclusionChanged(r))
        }
        Effect::RemoveExclusion { id } => {
            let r = backend
                .remove_exclusion(&id)
                .map(|()| format!("{id} deleted"));
            send(Msg::ExclusionChanged(r))
        }
        Effect::UndoExclusion => send(Msg::ExclusionChanged(backend.undo_exclusion())),
        Effect::Ingest { paths } => {
            let progress = |p| send(Msg::IngestProgress(p));
            // `~/case` as typed in the prompt, as a shell would read it.
            let paths = paths.iter().map(|p| crate::paths::expand_home(p)).collect();
            let r = backend.ingest(paths, &progress);
            send(Msg::IngestDone(r))
        }
        Effect::WriteFile { path, contents } => {
            let asked = crate::paths::expand_home(&path);
            let r = super::write_new::write_new(&asked, &contents)
                .map(|written| super::write_new::outcome(&asked, &written, contents.len()))
                .map_err(|e| format!("writing {}: {e}", asked.display()));
            send(Msg::Outcome(r))
        }
        Effect::WriteReport { path } => send(Msg::Outcome(backend.write_report(&path))),
        Effect::LoadMarks => send(Msg::MarksDone(backend.marks())),
        Effect::SetMarks {
            targets,
            status,
            note,
        } => {
            let r = backend
                .set_marks(&targets, status, &note)
                .map(|marks| format!("marked {} row(s) {status}", marks.len()));
            send(Msg::MarksSet(r))
        }
        Effect::RefreshStatus => send(Msg::Status(backend.status())),
        Effect::SaveHistory { path, history } => {
            if let Err(e) = history.save(&path) {
                send(Msg::Outcome(Err(format!(
                    "saving the prompt history to {}: {e}",
                    path.display()
                ))))
            }
        }
        Effect::Clipboard(_) => {}
    }
}

/// Name of worker threads (the panic hook leaves the terminal alone for them).
pub const THREAD_NAME: &str = "huntbench-worker";

/// One job at a time for one kind of query; a newer request replaces the one still waiting, so
/// stale work never piles up while the analyst types (gitui's AsyncSingleJob).
struct Lane {
    slot: Mutex<Option<Effect>>,
    wake: Condvar,
}

/// Runs effects: queries in single-job lanes, everything else (ingest, exclusion changes,
/// writes) on a thread of its own. Answers go to the UI loop's channel.
pub struct Workers {
    backend: Arc<dyn Backend>,
    tx: Sender<Msg>,
    lanes: HashMap<&'static str, Arc<Lane>>,
}

impl Workers {
    /// Workers answering on `tx`.
    pub fn new(backend: Arc<dyn Backend>, tx: Sender<Msg>) -> Workers {
        Workers {
            backend,
            tx,
            lanes: HashMap::new(),
        }
    }

    /// Start an effect. `Clipboard` is the terminal's job and is ignored here.
    pub fn run(&mut self, effect: Effect) {
        let lane = match &effect {
            Effect::Hunt { .. } => "hunt",
            Effect::Search { .. } => "search",
            Effect::LoadEvents { .. } => "events",
            Effect::FullText { .. } => "text",
            Effect::Regroup { .. } => "regroup",
            Effect::LoadActivity { .. } => "activity",
            Effect::LoadEdges { .. } => "edges",
            Effect::LoadTimeline { .. } => "timeline",
            Effect::LoadSidNames { .. } => "names",
            // The newest history replaces a save still waiting, so saves never land out of order.
            Effect::SaveHistory { .. } => "history",
            Effect::Clipboard(_) => return,
            _ => {
                spawn(self.backend.clone(), effect, self.tx.clone());
                return;
            }
        };
        let lane = match self.lanes.get(lane) {
            Some(l) => l.clone(),
            None => {
                let l = Arc::new(Lane {
                    slot: Mutex::new(None),
                    wake: Condvar::new(),
                });
                start_lane(l.clone(), self.backend.clone(), self.tx.clone());
                self.lanes.insert(lane, l.clone());
                l
            }
        };
        if let Ok(mut slot) = lane.slot.lock() {
            *slot = Some(effect);
        }
        lane.wake.notify_one();
    }
}

fn start_lane(lane: Arc<Lane>, backend: Arc<dyn Backend>, tx: Sender<Msg>) {
    let err_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || {
            loop {
                let job = {
                    let Ok(mut slot) = lane.slot.lock() else {
                        return;
                    };
                    loop {
                        if let Some(job) = slot.take() {
                            break job;
                        }
                        slot = match lane.wake.wait(slot) {
                            Ok(s) => s,
                            Err(_) => return,
                        };
                    }
                };
                if !run_caught(backend.as_ref(), job, &tx) {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        let _ = err_tx.send(Msg::Outcome(Err(format!("cannot start a worker: {e}"))));
    }
}

/// Run one effect, turning a panic into an error message. False when the UI has gone.
fn run_caught(backend: &dyn Backend, effect: Effect, tx: &Sender<Msg>) -> bool {
    let alive = std::cell::Cell::new(true);
    let send = |m: Msg| {
        if tx.send(m).is_err() {
            alive.set(false);
        }
    };
    let what = effect.name();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_effect(backend, effect, &send)
    }));
    if let Err(payload) = r {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        send(Msg::Outcome(Err(format!(
            "{what} failed: the worker panicked: {why}"
        ))));
    }
    alive.get()
}

/// Run an effect on a thread of its own.
pub fn spawn(backend: Arc<dyn Backend>, effect: Effect, tx: Sender<Msg>) {
    let err_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .spawn(move || {
            run_caught(backend.as_ref(), effect, &tx);
        });
    if let Err(e) = spawned {
        let _ = err_tx.send(Msg::Outcome(Err(format!("cannot start a worker: {e}"))));
    }
}
