//! `huntbench demo` and `huntbench tui`: open the workbench.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::cli::{SummaryFormat, TimeArgs, emit, stdout_is_terminal};
use crate::demo::{self, DemoOptions};
use crate::pipeline::IngestOptions;
use crate::workbench::Workbench;

/// Generate the demo corpus as files, ingest them into the demo index (or the `--store`
/// named), open the workbench.
pub fn run(
    index: Option<PathBuf>,
    store: Option<crate::store::Location>,
    events: usize,
    seed: u64,
    no_tui: bool,
    out: &super::Output,
) -> Result<ExitCode> {
    let base = crate::paths::data_dir().join("demo");
    let index_dir = store.unwrap_or_else(|| {
        crate::store::Location::Index(index.unwrap_or_else(|| base.join("index")))
    });
    let corpus_dir = base.join(format!("corpus-{seed}-{events}"));
    let opts = DemoOptions { seed, events };
    // The index first: a damaged one is refused before anything is generated or written.
    let wb = Workbench::create_or_open(&index_dir)?;
    let files = write_corpus(&corpus_dir, &opts)?;
    let summary = super::ingest::ingest_with_progress(
        &wb,
        files,
        // The demo shows the rows itself (TUI or printed hunt): no separate first answer.
        &IngestOptions {
            live: false,
            ..IngestOptions::default()
        },
        SummaryFormat::Text,
        out,
    )?;
    if no_tui || !stdout_is_terminal() {
        emit(&format!(
            "demo corpus: {} ({} events read, {} new in {})\n",
            corpus_dir.display(),
            summary.events_read,
            summary.indexed,
            index_dir
        ));
        let results = wb.hunt(&[], crate::time::TimeRange::ALL, true)?;
        let names = wb.sid_names()?;
        let sid_name = |sid: &str| names.resolve(sid).map(|(n, _)| n.to_string());
        let opts = crate::analytics::TableOptions {
            width: out.width,
            layout: out.layout,
            sid_name: &sid_name,
        };
        emit(&crate::analytics::render_table(&results, None, &opts));
        return Ok(ExitCode::SUCCESS);
    }
    let ended_by = crate::tui::run(Arc::new(wb), crate::tui::TuiOptions::default())?;
    Ok(signal_status(ended_by))
}

/// The demo corpus in two real formats (so the demo exercises the real readers).
fn write_corpus(dir: &Path, opts: &DemoOptions) -> Result<Vec<PathBuf>> {
    // The data directory may be born here: private, as when an ingest creates it.
    crate::paths::create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let events = demo::generate(opts);
    let half = events.len() / 2;
    let xml = dir.join("forwarded.xmlwineventlog.log");
    let json = dir.join("collected.evtx_dump.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&xml)?);
    demo::write_xml_lines(&events[..half], &mut w)?;
    drop(w);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&json)?);
    demo::write_ndjson_evtx_dump(&events[half..], &mut w)?;
    Ok(vec![xml, json])
}

/// Open the workbench on an existing index.
pub fn open_tui(dir: &crate::store::Location, t: &TimeArgs) -> Result<ExitCode> {
    let wb = Workbench::open(dir)?;
    let (range, tz) = super::time_args_in(t, Some(&wb))?;
    let (range_text, anchor) = super::tui_range(t);
    let opts = crate::tui::TuiOptions {
        range,
        range_text,
        anchor,
        tz,
    };
    let ended_by = crate::tui::run(Arc::new(wb), opts)?;
    Ok(signal_status(ended_by))
}

/// The exit status after the workbench: 0, or 128 + the signal that ended it (143 for
/// SIGTERM, 129 for SIGHUP), as a shell reports a process killed by it.
fn signal_status(ended_by: Option<i32>) -> ExitCode {
    match ended_by {
        Some(sig) => ExitCode::from(u8::try_from(128 + sig).unwrap_or(u8::MAX)),
        None => ExitCode::SUCCESS,
    }
}
