//! Line-oriented inputs (NDJSON, XmlWinEventLog): parsing one chunk (`split.rs` cuts a stream
//! into chunks that workers parse independently). Positions are 1-based line numbers.

use memchr::memmem;

use super::json::{emit_value, parse_json_text};
use super::xml::raw_from_xml;
use super::{IngestError, Sink};

/// How the lines of a chunk are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    JsonLines,
    Xml,
}

/// Target chunk size handed to one worker.
pub(crate) const CHUNK: usize = 4 * 1024 * 1024;

/// True when a chunk holds something its parser will turn into an event, an error or a skip
/// (an `<Event>` element; a line that is more than whitespace and empty arrays). Cheap: it stops
/// at the first such byte, which in a real log is the first record.
pub(crate) fn has_record(kind: TextKind, chunk: &[u8]) -> bool {
    match kind {
        TextKind::Xml => find_event_start(chunk, 0).is_some(),
        TextKind::JsonLines => chunk
            .iter()
            .any(|b| !b.is_ascii_whitespace() && !matches!(b, b'[' | b']' | b',')),
    }
}

/// Parse one chunk whose first byte is on line `first_line`.
pub(crate) fn parse_chunk(
    kind: TextKind,
    file: &str,
    first_line: u64,
    chunk: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
    sink: &mut dyn Sink,
) {
    match kind {
        TextKind::JsonLines => parse_json_lines(file, first_line, chunk, keep, sink),
        TextKind::Xml => parse_xml_events(file, first_line, chunk, keep, sink),
    }
}

/// A line that looks like one whole JSON value: only such lines may be skipped, so a
/// truncated or garbled line still reaches the parser and is reported.
fn looks_whole(piece: &[u8]) -> bool {
    matches!(
        (piece.first(), piece.last()),
        (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']'))
    )
}

fn parse_json_lines(
    file: &str,
    first_line: u64,
    chunk: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
    sink: &mut dyn Sink,
) {
    let mut start = 0usize;
    let mut skipped = 0u64;
    let ends = memchr::memchr_iter(b'\n', chunk).chain(std::iter::once(chunk.len()));
    for (line, end) in (first_line..).zip(ends) {
        let piece = chunk[start..end].trim_ascii();
        start = (end + 1).min(chunk.len());
        if piece.is_empty() || sink.cancelled() {
            continue;
        }
        if looks_whole(piece) && !keep(piece) {
            skipped += 1;
            continue;
        }
        parse_json_text(piece, file, &format!("line {line}"), sink);
    }
    if skipped > 0 {
        sink.skipped(skipped);
    }
}

/// Find `<Event` followed by whitespace, `>` or `/` (not `<Events>`), from `from`.
pub(crate) fn find_event_start(chunk: &[u8], from: usize) -> Option<usize> {
    let finder = memmem::Finder::new(b"<Event");
    let mut at = from;
    while let Some(i) = finder.find(&chunk[at..]) {
        let s = at + i;
        match chunk.get(s + 6) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') => return Some(s),
            None => return None,
            _ => at = s + 6,
        }
    }
    None
}

fn parse_xml_events(
    file: &str,
    first_line: u64,
    chunk: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
    sink: &mut dyn Sink,
) {
    let mut skipped = 0u64;
    parse_xml_records(file, first_line, chunk, keep, &mut skipped, sink);
    if skipped > 0 {
        sink.skipped(skipped);
    }
}

fn parse_xml_records(
    file: &str,
    first_line: u64,
    chunk: &[u8],
    keep: &dyn Fn(&[u8]) -> bool,
    skipped: &mut u64,
    sink: &mut dyn Sink,
) {
    let end_tag = memmem::Finder::new(b"</Event>");
    let mut line = first_line;
    let mut pos = 0usize; // bytes before `pos` are accounted for in `line`
    let advance = |line: &mut u64, pos: &mut usize, to: usize| {
        *line += memchr::memchr_iter(b'\n', &chunk[*pos..to]).count() as u64;
        *pos = to;
    };
    let mut cursor = 0usize;
    loop {
        if sink.cancelled() {
            return;
        }
        let start = find_event_start(chunk, cursor);
        let gap_end = start.unwrap_or(chunk.len());
        if let Some(off) = junk_offset(&chunk[cursor..gap_end]) {
            advance(&mut line, &mut pos, cursor + off);
            sink.error(IngestError::new(
                file,
                &format!("line {line}"),
                "text outside any <Event> element".to_string(),
            ));
        }
        let Some(start) = start else { return };
        advance(&mut line, &mut pos, start);
        let next_start = find_event_start(chunk, start + 6);
        let end = end_tag.find(&chunk[start..]).map(|i| start + i + 8);
        let pos_text = format!("line {line}");
        match end {
            Some(end) if next_start.is_none_or(|n| n > end) && !keep(&chunk[start..end]) => {
                *skipped += 1;
                cursor = end;
            }
            Some(end) if next_start.is_none_or(|n| n > end) => {
                let bytes = &chunk[start..end];
                let text = String::from_utf8_lossy(bytes);
                match raw_from_xml(&text).and_then(|r| r.into_event(format!("{file}:{pos_text}"))) {
                    Ok(e) => sink.event(e),
                    Err(reason) => sink.error(IngestError::new(file, &pos_text, reason)),
                }
                cursor = end;
            }
            _ => {
                sink.error(IngestError::new(
                    file,
                    &pos_text,
                    "the <Event> element is not closed before the next one".to_string(),
                ));
                match next_start {
                    Some(n) => cursor = n,
                    None => return,
                }
            }
        }
    }
}

/// Offset of the first byte in a gap between events that is not whitespace, an XML
/// declaration, a comment, or the `<Events>` wrapper.
fn junk_offset(gap: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < gap.len() {
        let rest = &gap[i..];
        if rest[0].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let skip_to = |open: &[u8], close: &[u8]| -> Option<usize> {
            if rest.starts_with(open) {
                memmem::find(rest, close).map(|j| j + close.len())
            } else {
                None
            }
        };
        let skipped = skip_to(b"<?", b"?>")
            .or_else(|| skip_to(b"<!--", b"-->"))
            .or_else(|| skip_to(b"</Events>", b">"))
            .or_else(|| {
                if rest.starts_with(b"<Events")
                    && matches!(rest.get(7), Some(b'>' | b' ' | b'\t' | b'\r' | b'\n'))
                {
                    memchr::memchr(b'>', rest).map(|j| j + 1)
                } else {
                    None
                }
            });
        match skipped {
            Some(n) => i += n,
            None => return Some(i),
        }
    }
    None
}

/// A whole JSON document: a pretty-printed object, an array, or objects concatenated across
/// lines. Positions are the line each value starts on.
pub(crate) fn parse_json_whole(file: &str, bytes: &[u8], sink: &mut dyn Sink) {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Lone surrogate escapes become U+FFFD before parsing: a stream cannot retry one value.
    let repaired = super::surrogates::repair_lone_surrogates(text);
    let text = repaired.as_deref().unwrap_or(text);
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let mut line: u64 = 1;
    let mut counted = 0usize;
    loop {
        // The next value starts after the whitespace following the previous one.
        let offset = stream.byte_offset();
        let start = offset
            + text[offset..]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(text.len() - offset);
        line += text[counted..start].matches('\n').count() as u64;
        counted = start;
        match stream.next() {
            None => return,
            Some(Ok(v)) => emit_value(&v, file, &format!("line {line}"), sink),
            Some(Err(e)) => {
                sink.error(IngestError::new(
                    file,
                    &format!("line {}", e.line()),
                    format!("invalid JSON: {e}"),
                ));
                return;
            }
        }
    }
}
