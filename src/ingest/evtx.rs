//! .evtx files through the `evtx` crate, rendered to JSON and mapped by the same code as
//! evtx_dump JSON files (so both agree). A bad record or chunk is reported and skipped.

use evtx::err::EvtxError;
use evtx::{EvtxParser, ParserSettings};
use serde_json::Value;

use super::json_evtx::raw_from_evtx_json;
use super::{IngestError, Sink};

/// Read every record of an opened .evtx parser.
pub(crate) fn parse_evtx<T: std::io::Read + std::io::Seek>(
    parser: EvtxParser<T>,
    file: &str,
    threads: usize,
    sink: &mut dyn Sink,
) {
    let settings = ParserSettings::new()
        .num_threads(threads.max(1))
        .validate_checksums(false);
    let mut parser = parser.with_configuration(settings);
    let mut last_id: Option<u64> = None;
    for rec in parser.records_json_value() {
        if sink.cancelled() {
            return;
        }
        match rec {
            Ok(rec) => {
                last_id = Some(rec.event_record_id);
                // Position by the logged EventRecordID (what analysts see), else the header's.
                let raw = match &rec.data {
                    Value::Object(o) => raw_from_evtx_json(o),
                    _ => Err("the record did not render to a JSON object".into()),
                };
                let id = raw
                    .as_ref()
                    .ok()
                    .and_then(|r| r.record_id)
                    .unwrap_or(rec.event_record_id);
                let pos = format!("record {id}");
                let result = raw.and_then(|raw| raw.into_event(format!("{file}:{pos}")));
                match result {
                    Ok(e) => sink.event(e),
                    Err(reason) => sink.error(IngestError::new(file, &pos, reason)),
                }
            }
            Err(err) => {
                let pos = error_position(&err, last_id);
                sink.error(IngestError::new(file, &pos, error_chain(&err)));
            }
        }
    }
}

/// Where a parser error happened, as precisely as the crate says.
fn error_position(err: &EvtxError, last_id: Option<u64>) -> String {
    match err {
        EvtxError::FailedToParseRecord { record_id, .. } => format!("record {record_id}"),
        EvtxError::FailedToReadRecordAt { chunk, offset, .. } => match chunk {
            Some(c) => format!("chunk {c} offset {offset:#x}"),
            None => format!("offset {offset:#x}"),
        },
        EvtxError::FailedToParseChunk { chunk_id, .. } => format!("chunk {chunk_id}"),
        _ => match last_id {
            Some(id) => format!("after record {id}"),
            None => "file header".to_string(),
        },
    }
}

/// The error and its causes on one line.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Size of the file header and of each chunk: an .evtx is always one header and whole chunks.
const HEADER: u64 = 4096;
const CHUNK: u64 = 65536;

/// Open an .evtx from any seekable reader, reporting a bad header as an error, and a file that
/// ends inside a chunk (a truncated copy), whose last records the crate skips silently.
pub(crate) fn open<T: std::io::Read + std::io::Seek>(
    mut r: T,
    file: &str,
    sink: &mut dyn Sink,
) -> Option<EvtxParser<T>> {
    use std::io::SeekFrom;
    let len = r.seek(SeekFrom::End(0)).and_then(|len| {
        r.seek(SeekFrom::Start(0))?;
        Ok(len)
    });
    if let Ok(len) = len
        && len > HEADER
        && !(len - HEADER).is_multiple_of(CHUNK)
    {
        let chunk = (len - HEADER) / CHUNK;
        sink.error(IngestError::new(
            file,
            &format!("chunk {chunk}"),
            format!(
                "the file ends {} bytes into this chunk (truncated copy?): its records are not read",
                (len - HEADER) % CHUNK
            ),
        ));
    }
    match EvtxParser::from_read_seek(r) {
        Ok(p) => Some(p),
        Err(e) => {
            sink.error(IngestError::new(file, "file header", error_chain(&e)));
            None
        }
    }
}
