//! Runs effects against the backend on worker threads; answers come back as `Msg`s over the one
//! channel the UI loop waits on.

use std::sync::Arc;
use std::sync::mpsc::Sender;

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
        Effect::LoadExclusions => send(Msg::ExclusionsDone(backend.exclusions())),
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
        Effect::Ingest { paths } => {
            let progress = |p| send(Msg::IngestProgress(p));
            let r = backend.ingest(paths, &progress);
            send(Msg::IngestDone(r))
        }
        Effect::WriteFile { path, contents } => {
            let r = write_atomic(&path, &contents)
                .map(|()| format!("wrote {} bytes to {}", contents.len(), path.display()))
                .map_err(|e| format!("writing {}: {e}", path.display()));
            send(Msg::Outcome(r))
        }
        Effect::RefreshStatus => send(Msg::Status(backend.status())),
        Effect::Clipboard(_) => {}
    }
}

/// Write through a temp file and rename, so a half-written export never looks complete.
fn write_atomic(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("huntbench-tmp");
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

/// Name of worker threads (the panic hook leaves the terminal alone for them).
pub const THREAD_NAME: &str = "huntbench-worker";

/// Run an effect on its own thread. A panic in the backend becomes an error message.
pub fn spawn(backend: Arc<dyn Backend>, effect: Effect, tx: Sender<Msg>) {
    let builder = std::thread::Builder::new().name(THREAD_NAME.into());
    let spawned = builder.spawn(move || {
        let send = |m: Msg| {
            // The UI may have quit; nothing to tell it then.
            let _ = tx.send(m);
        };
        let what = format!("{effect:?}").chars().take(40).collect::<String>();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_effect(backend.as_ref(), effect, &send)
        }));
        if r.is_err() {
            send(Msg::Outcome(Err(format!("worker failed: {what}…"))));
        }
    });
    if let Err(e) = spawned {
        eprintln!("huntbench: cannot start a worker thread: {e}");
    }
}
