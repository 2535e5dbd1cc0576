//! Input format detection by content (magic bytes and the first characters), never by name.

use std::io::Read;

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Evtx,
    Gzip,
    Zip,
    /// `<Event>` elements (one per line or spanning lines, with or without `<Events>`).
    Xml,
    /// One JSON value per line.
    JsonLines,
    /// One pretty-printed JSON value, a JSON array, or values concatenated across lines.
    JsonWhole,
    /// EvtxECmd CSV (a header row naming `EventRecordId`, `EventId`, `TimeCreated`…).
    EvtxECmdCsv,
    /// Text in UTF-16 (little / big endian), announced by its BOM: transcoded, then detected.
    Utf16Le,
    Utf16Be,
    Empty,
    Unknown,
}

/// Bytes to look at before deciding (enough for the first line of a typical NDJSON file).
pub(crate) const PEEK: usize = 64 * 1024;

/// Decide the format from the first bytes of an input.
pub(crate) fn detect(head: &[u8]) -> Format {
    if head.starts_with(b"ElfFile\0") {
        return Format::Evtx;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Format::Gzip;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Format::Utf16Le;
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Format::Utf16Be;
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(start) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Format::Empty;
    };
    let body = &body[start..];
    match body[0] {
        b'<' => Format::Xml,
        b'[' => Format::JsonWhole,
        b'{' => {
            // NDJSON when the first line is a whole object; a pretty-printed object opens
            // with a line like `{` that does not end with `}`.
            match memchr::memchr(b'\n', body) {
                None => Format::JsonLines,
                Some(nl) => {
                    let first = body[..nl].trim_ascii();
                    if first.len() > 1 && first.ends_with(b"}") {
                        Format::JsonLines
                    } else {
                        Format::JsonWhole
                    }
                }
            }
        }
        _ => {
            let first = &body[..memchr::memchr(b'\n', body).unwrap_or(body.len())];
            if super::evtxecmd::is_csv_header(first) {
                Format::EvtxECmdCsv
            } else {
                Format::Unknown
            }
        }
    }
}

/// Read the first [`PEEK`] bytes, and past them while all that was read is whitespace (a file
/// may open with any amount of it). Skipped whitespace is kept as its newlines only, so line
/// numbers stay right; they are counted, not kept (the second value), so a gigabyte of them
/// costs no memory. A UTF-8 BOM is dropped: every reader below sees plain UTF-8.
pub(crate) fn read_head(r: &mut dyn Read) -> std::io::Result<(Vec<u8>, u64)> {
    let mut head = Vec::with_capacity(PEEK);
    r.take(PEEK as u64).read_to_end(&mut head)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    let mut newlines = 0u64;
    while !head.is_empty() && head.iter().all(u8::is_ascii_whitespace) {
        newlines += memchr::memchr_iter(b'\n', &head).count() as u64;
        head.clear();
        if r.take(PEEK as u64).read_to_end(&mut head)? == 0 {
            break;
        }
    }
    Ok((head, newlines))
}

/// A short, inert picture of how an input starts, for "not recognized" messages.
pub(crate) fn preview(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(&head[..head.len().min(48)]);
    // Debug formatting escapes control characters: nothing here can drive a terminal.
    format!("{:?}", text.trim_start())
}

/// What a format is called in messages.
pub(crate) fn name(f: Format) -> &'static str {
    match f {
        Format::Evtx => "EVTX",
        Format::Gzip => "gzip",
        Format::Zip => "zip",
        Format::Xml => "XML (XmlWinEventLog)",
        Format::JsonLines => "JSON lines",
        Format::JsonWhole => "JSON",
        Format::EvtxECmdCsv => "EvtxECmd CSV",
        Format::Utf16Le => "UTF-16LE text",
        Format::Utf16Be => "UTF-16BE text",
        Format::Empty => "empty",
        Format::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b"ElfFile\0rest"), Format::Evtx);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0]), Format::Gzip);
        assert_eq!(detect(b"PK\x03\x04...."), Format::Zip);
        assert_eq!(detect(b"\xEF\xBB\xBF <Event xmlns='x'>"), Format::Xml);
        assert_eq!(detect(b"{\"a\":1}\n{\"a\":2}\n"), Format::JsonLines);
        assert_eq!(detect(b"{\n  \"Event\": {}\n}\n"), Format::JsonWhole);
        assert_eq!(detect(b"[{\"a\":1}]"), Format::JsonWhole);
        assert_eq!(detect(b"  \n "), Format::Empty);
        assert_eq!(detect(b"Hello, this is a README"), Format::Unknown);
        assert_eq!(
            detect(b"\xEF\xBB\xBFRecordNumber,EventRecordId,TimeCreated,EventId,Payload\r\n1,2"),
            Format::EvtxECmdCsv
        );
        assert_eq!(detect(b"\xFF\xFE<\0"), Format::Utf16Le);
        assert_eq!(detect(b"\xFE\xFF\0<"), Format::Utf16Be);
    }
}
