//! The TUI's backend seam implemented with the real index (the workbench facade).

use std::path::PathBuf;

use crate::analytics::{Exclusion, ExclusionOp, HuntResult};
use crate::event::Event;
use crate::extended::Edge;
use crate::index::SearchHits;
use crate::pipeline::{self, IngestOptions};
use crate::time::TimeRange;
use crate::tui::{Backend, BackendStatus, FullText, IngestProgress};
use crate::workbench::Workbench;

/// Events of an ad-hoc search the workbench lists (the total counts every match).
pub const SEARCH_CAP: usize = 5_000;

fn text_err(e: impl std::fmt::Display) -> String {
    format!("{e:#}")
}

impl Backend for Workbench {
    fn hunt(&self, range: TimeRange) -> Result<Vec<HuntResult>, String> {
        Workbench::hunt(self, &[], range, true).map_err(text_err)
    }

    fn events(&self, uids: &[u64]) -> Result<Vec<Event>, String> {
        let mut events = Workbench::events(self, uids).map_err(text_err)?;
        events.sort_by_key(|e| (e.time, e.record_id));
        Ok(events)
    }

    fn search(&self, query: &str, range: TimeRange) -> Result<SearchHits, String> {
        Workbench::search(self, query, range, SEARCH_CAP).map_err(text_err)
    }

    fn exclusions(&self) -> Result<Vec<Exclusion>, String> {
        Ok(Workbench::exclusions(self)
            .map_err(text_err)?
            .list()
            .to_vec())
    }

    fn add_exclusion(
        &self,
        analytic: &str,
        field: &str,
        op: ExclusionOp,
        note: Option<String>,
    ) -> Result<Exclusion, String> {
        let mut store = Workbench::exclusions(self).map_err(text_err)?;
        store
            .add(analytic, field, op, note.as_deref())
            .map_err(text_err)
    }

    fn set_exclusion_enabled(&self, id: &str, enabled: bool) -> Result<(), String> {
        let mut store = Workbench::exclusions(self).map_err(text_err)?;
        store.set_enabled(id, enabled).map_err(text_err)
    }

    fn remove_exclusion(&self, id: &str) -> Result<(), String> {
        let mut store = Workbench::exclusions(self).map_err(text_err)?;
        store.remove(id).map(|_| ()).map_err(text_err)
    }

    fn undo_exclusion(&self) -> Result<String, String> {
        let mut store = Workbench::exclusions(self).map_err(text_err)?;
        store.undo().map(|u| u.line()).map_err(text_err)
    }

    fn ingest(
        &self,
        paths: Vec<PathBuf>,
        progress: &dyn Fn(IngestProgress),
    ) -> Result<String, String> {
        let started = std::time::Instant::now();
        let mut on_progress = |p: &pipeline::Progress| {
            progress(IngestProgress {
                files_done: p.files_done,
                files_total: p.files,
                bytes_done: p.bytes,
                bytes_total: p.total_bytes,
                events: p.events_read,
                current: String::new(),
                elapsed_ms: started.elapsed().as_millis() as u64,
            })
        };
        let s = Workbench::ingest(
            self,
            paths,
            // The TUI refreshes its hunt when the ingest commits; no separate first answer.
            &IngestOptions {
                live: false,
                ..IngestOptions::default()
            },
            &mut on_progress,
            &mut |_| {},
        )
        .map_err(text_err)?;
        Ok(ingest_outcome(&s))
    }

    fn status(&self) -> BackendStatus {
        BackendStatus {
            events: self.store().num_events(),
            index_bytes: self.store().size_bytes(),
            index_dir: std::path::PathBuf::from(self.store().location()),
            // A damaged index says so on the next query; the header then shows no span.
            span: self.store().time_span().ok().flatten(),
        }
    }

    fn write_report(&self, path: &std::path::Path) -> Result<String, String> {
        let index = self.store().location();
        let parts = crate::report::gather(self, &index, None).map_err(text_err)?;
        crate::report::write_file(parts, path).map_err(text_err)
    }

    fn full_text(&self, event: &Event) -> Result<FullText, String> {
        let (text, part_info) = Workbench::full_text(self, event).map_err(text_err)?;
        Ok(FullText { text, part_info })
    }

    fn edges(&self, range: TimeRange) -> Result<Vec<Edge>, String> {
        Workbench::edges(self, range)
            .map(|r| r.edges)
            .map_err(text_err)
    }

    fn timeline(
        &self,
        request: crate::timeline::TimelineRequest,
    ) -> Result<crate::timeline::Timeline, String> {
        Workbench::timeline(self, request).map_err(text_err)
    }

    fn marks(&self) -> Result<Vec<crate::triage::Mark>, String> {
        Ok(Workbench::triage(self).map_err(text_err)?.list().to_vec())
    }

    fn set_marks(
        &self,
        targets: &[crate::triage::MarkTarget],
        status: crate::triage::Status,
        note: &str,
    ) -> Result<Vec<crate::triage::Mark>, String> {
        let mut store = Workbench::triage(self).map_err(text_err)?;
        store
            .set_many(targets, status, Some(note))
            .map_err(text_err)
    }

    fn sid_names(&self) -> Result<Vec<(String, String, String)>, String> {
        let names = Workbench::sid_names(self).map_err(text_err)?;
        Ok(names
            .iter()
            .map(|(sid, name, source)| (sid.to_string(), name.to_string(), source.to_string()))
            .collect())
    }
}

/// An ingest's outcome as the TUI shows it until dismissed: `done: N events …, rejected R,
/// unreadable U`, then the unreadable inputs and the first error.
pub fn ingest_outcome(s: &pipeline::IngestSummary) -> String {
    let mut text = format!(
        "done: {} events indexed from {} files ({} read, {} duplicates), rejected {}, \
         unreadable {}",
        s.indexed,
        s.files,
        s.events_read,
        s.duplicates,
        s.rejected,
        s.unreadable.len()
    );
    if !s.unreadable.is_empty() {
        text += &format!("\nno event read from: {}", s.unreadable.join(", "));
    }
    if let Some(e) = s.errors.first() {
        text += &format!("\nfirst error: {e}");
        if s.errors.len() > 1 {
            text += &format!(" (and {} more)", s.errors.len() - 1);
        }
    }
    text
}
