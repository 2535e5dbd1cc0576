//! The properties every read must have, whatever the input: no panic (`parse_bytes` turns a
//! caught one into an "internal parser failure" error, which fails here), an event or an error
//! for any non-blank input, the same answer twice, and every event inert in every output format.

use huntbench::event::Event;
use huntbench::ingest::{IngestError, parse_bytes};
use huntbench::output::{Column, CsvMode, Fit, Layout, Table, csv_text, to_json_compact};
use huntbench::sanitize::inert_text;
use proptest::prelude::*;

use super::inert;

/// Everything a reader may say about one input that the properties check.
pub fn read(name: &str, bytes: &[u8]) -> Result<(Vec<Event>, Vec<IngestError>), TestCaseError> {
    let (events, errors) = parse_bytes(name, bytes);
    if let Some(p) = errors
        .iter()
        .find(|e| e.reason.starts_with("internal parser failure"))
    {
        return Err(TestCaseError::fail(format!("a reader panicked: {p}")));
    }
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        prop_assert!(
            !events.is_empty() || !errors.is_empty(),
            "a non-blank input gave neither an event nor an error"
        );
    }
    let again = parse_bytes(name, bytes);
    prop_assert_eq!(
        &(events.clone(), errors.clone()),
        &again,
        "two reads differ"
    );
    for e in &events {
        rendered_inert(e).map_err(TestCaseError::fail)?;
    }
    Ok((events, errors))
}

/// The attacker-controlled fields of an event as the CLI shows them (table in both layouts,
/// CSV in its safe mode, JSON, the TUI's text view) hold no control or bidi character but the
/// layout's own line ends.
pub fn rendered_inert(e: &Event) -> Result<(), String> {
    let summary = huntbench::analytics::event_summary(e);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        e.computer.clone(),
        e.channel.clone(),
        e.provider.clone(),
        opt(&e.user),
        opt(&e.user_id),
        opt(&e.process_name),
        opt(&e.decoded_command),
        summary.to_string(),
    ];
    let names = [
        "computer", "channel", "provider", "user", "user_id", "name", "decoded", "text",
    ];
    let mut table = Table::new(names.iter().map(|n| Column::new(n, Fit::Text)).collect());
    table.push(cells.iter());
    for (width, layout) in [
        (200, Layout::Auto),
        (60, Layout::Auto),
        (80, Layout::Expanded),
    ] {
        inert(&table.render(width, layout), &['\n'])?;
    }
    let csv = csv_text(&names, [cells.iter()], CsvMode::Safe).map_err(|x| x.to_string())?;
    inert(&csv, &['\r', '\n'])?;
    if csv.replace("\r\n", "").contains(['\r', '\n']) {
        return Err(format!("a CSV record spans lines: {csv:?}"));
    }
    inert(&to_json_compact(e).map_err(|x| x.to_string())?, &[])?;
    inert(&inert_text(&summary), &['\n'])
}
