//! EvtxECmd (Eric Zimmerman's, KAPE's standard EVTX output), as CSV or JSON lines. One row per
//! record: `EventRecordId`, `TimeCreated`, `EventId`, `Provider`, `Channel`, `Computer`,
//! `UserId` (the SID), and the full EventData as xmltodict-style JSON in `Payload`. Its
//! derived columns (`MapDescription`, `PayloadData1..6`, `UserName`…) are EvtxECmd's own
//! reading of the payload, not logged data: they are left out so the event equals the one
//! read from the .evtx.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::json_evtx::scalar_text;
use super::json_xmltodict::read_payload;
use super::mapping::Raw;
use super::{IngestError, Sink};

/// True for an EvtxECmd JSON record.
pub(crate) fn is_evtxecmd_shape(o: &Map<String, Value>) -> bool {
    o.contains_key("EventRecordId") && o.contains_key("EventId")
}

/// True when `line` (the first line of a text input) is an EvtxECmd CSV header.
pub(crate) fn is_csv_header(line: &[u8]) -> bool {
    let has = |name: &[u8]| memchr::memmem::find(line, name).is_some();
    line.contains(&b',') && has(b"EventRecordId") && has(b"EventId") && has(b"TimeCreated")
}

/// Map one row, whatever it came in: `get` gives a column's text.
fn raw_from_row<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Raw, String> {
    let text = |k: &str| get(k).map(str::trim).unwrap_or_default().to_owned();
    let mut raw = Raw {
        event_code: get("EventId").and_then(|c| c.trim().parse().ok()),
        record_id: get("EventRecordId").and_then(|c| c.trim().parse().ok()),
        time: get("TimeCreated").and_then(crate::time::parse_timestamp),
        channel: text("Channel"),
        computer: text("Computer"),
        provider: text("Provider"),
        pid: get("ProcessId").and_then(|p| p.trim().parse().ok()),
        user_id: get("UserId")
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned),
        ..Default::default()
    };
    if let Some(payload) = get("Payload").filter(|p| !p.trim().is_empty()) {
        match serde_json::from_str::<Value>(payload) {
            Ok(Value::Object(p)) => read_payload(&p, &mut raw),
            Ok(_) => return Err("the Payload column is not a JSON object".into()),
            Err(e) => return Err(format!("the Payload column is not valid JSON: {e}")),
        }
    }
    Ok(raw)
}

/// Map an EvtxECmd JSON record.
pub(crate) fn raw_from_evtxecmd_json(o: &Map<String, Value>) -> Result<Raw, String> {
    // Scalars as text once, so JSON and CSV rows share one mapping.
    let cols: Map<String, Value> = o
        .iter()
        .filter_map(|(k, v)| scalar_text(v).map(|t| (k.clone(), Value::String(t))))
        .collect();
    raw_from_row(|k| cols.get(k).and_then(Value::as_str))
}

/// Remembers where a CRLF's LF is. Why: the csv crate ends a record at the CR and counts the
/// LF as the start of the next one, so its line number for a record after a CRLF is one short.
struct CrlfMarks<R> {
    inner: R,
    pos: u64,
    last_was_cr: bool,
    lfs: Rc<RefCell<VecDeque<u64>>>,
}

impl<R: Read> Read for CrlfMarks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        let mut lfs = self.lfs.borrow_mut();
        for i in memchr::memchr_iter(b'\n', got) {
            let cr_before = if i == 0 {
                self.last_was_cr
            } else {
                got[i - 1] == b'\r'
            };
            if cr_before {
                lfs.push_back(self.pos + i as u64);
            }
        }
        if let Some(&last) = got.last() {
            self.last_was_cr = last == b'\r';
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// The 1-based line a record starting at `p` is on.
fn line_of(p: &csv::Position, lfs: &RefCell<VecDeque<u64>>) -> u64 {
    let mut lfs = lfs.borrow_mut();
    while lfs.front().is_some_and(|&b| b < p.byte()) {
        lfs.pop_front();
    }
    p.line() + u64::from(lfs.front() == Some(&p.byte()))
}

/// Read an EvtxECmd CSV stream record by record (a quoted Payload may span lines).
/// Positions are the line a record starts on. A record over `max_record` bytes is reported
/// with its line and skipped; the records after it are read.
pub(crate) fn parse_csv(file: &str, r: &mut dyn Read, max_record: u64, sink: &mut dyn Sink) {
    let lfs = Rc::new(RefCell::new(VecDeque::new()));
    let flags = Rc::new(RefCell::new(VecDeque::new()));
    let capped = RecordCap {
        inner: r,
        max: max_record,
        in_quotes: false,
        len: 0,
        dropping: false,
        out: 0,
        rec_start: 0,
        last_was_cr: false,
        flags: Rc::clone(&flags),
        input: vec![0; 64 * 1024],
        at: 0,
        filled: 0,
    };
    let marked = CrlfMarks {
        inner: capped,
        pos: 0,
        last_was_cr: false,
        lfs: Rc::clone(&lfs),
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(marked);
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_owned())
            .collect(),
        Err(e) => {
            sink.error(IngestError::new(
                file,
                "line 1",
                format!("bad CSV header: {e}"),
            ));
            return;
        }
    };
    let mut rec = csv::ByteRecord::new();
    // Over-long records seen, reported once their skipped length is known: (line, flag).
    let mut too_long: Vec<(u64, usize)> = Vec::new();
    let mut flags_seen = 0usize;
    let mut shift = Shift {
        flags: &flags,
        counted: 0,
        lines: 0,
    };
    let report = |too_long: &mut Vec<(u64, usize)>, sink: &mut dyn Sink, all: bool| {
        let flags = flags.borrow();
        too_long.retain(|&(line, i)| {
            let f = &flags[i];
            if !(f.done || all) {
                return true;
            }
            sink.error(IngestError::new(
                file,
                &format!("line {line}"),
                format!(
                    "record too large: {} bytes skipped up to the next record; the limit is {} \
                     (raise it with --max-record-size)",
                    f.bytes,
                    super::limits::human(max_record)
                ),
            ));
            false
        });
    };
    loop {
        report(&mut too_long, sink, false);
        if sink.cancelled() {
            return;
        }
        let line = line_of(rdr.position(), &lfs) + shift.get(flags_seen);
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => return report(&mut too_long, sink, true),
            Ok(true) => {}
            Err(e) => {
                let pos = e
                    .position()
                    .map_or(line, |p| line_of(p, &lfs) + shift.get(flags_seen));
                sink.error(IngestError::new(
                    file,
                    &format!("line {pos}"),
                    format!("bad CSV: {e}"),
                ));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return;
                }
                continue;
            }
        }
        let rec_line = rec
            .position()
            .map_or(line, |p| line_of(p, &lfs) + shift.get(flags_seen));
        // The record cut short by `RecordCap` is not read: its text is not all there.
        let end = rdr.position().byte();
        if flags
            .borrow()
            .get(flags_seen)
            .is_some_and(|f| f.start < end)
        {
            too_long.push((rec_line, flags_seen));
            flags_seen += 1;
            continue;
        }
        let pos = format!("line {rec_line}");
        let cells: Vec<std::borrow::Cow<str>> = rec.iter().map(String::from_utf8_lossy).collect();
        let get = |k: &str| {
            headers
                .iter()
                .position(|h| h == k)
                .and_then(|i| cells.get(i))
                .map(|c| c.as_ref())
        };
        match raw_from_row(get).and_then(|raw| raw.into_event(format!("{file}:{pos}"))) {
            Ok(e) => sink.event(e),
            Err(reason) => sink.error(IngestError::new(file, &pos, reason)),
        }
    }
}

/// Line ends inside the over-long records already passed, which the csv reader never saw.
struct Shift<'a> {
    flags: &'a RefCell<VecDeque<Flag>>,
    counted: usize,
    lines: u64,
}

impl Shift<'_> {
    /// The shift for a record after the first `seen` flagged ones (counted once each).
    fn get(&mut self, seen: usize) -> u64 {
        let flags = self.flags.borrow();
        while self.counted < seen && flags[self.counted].done {
            self.lines += flags[self.counted].newlines;
            self.counted += 1;
        }
        self.lines
    }
}

/// A record `RecordCap` cut short: where it starts in the stream the csv reader sees, and
/// how many bytes it had in all (final once `done`).
struct Flag {
    start: u64,
    bytes: u64,
    /// Line ends inside it that the csv reader did not see (its line numbers are that short).
    newlines: u64,
    done: bool,
}

/// Passes a CSV stream through, but never more than `max` bytes of one record: the rest of
/// an over-long record is dropped up to its line end (a quote is closed first so that ends
/// the record) and the record is flagged with the line ends dropped, so the csv reader's
/// ByteRecord never grows past the cap and line numbers can be put right. Records end at a newline outside quotes
/// (RFC 4180: `""` inside quotes toggles twice, so counting quotes is enough).
struct RecordCap<R> {
    inner: R,
    max: u64,
    in_quotes: bool,
    /// Bytes of the current record so far.
    len: u64,
    dropping: bool,
    /// Bytes handed to the csv reader so far, and where its current record starts.
    out: u64,
    rec_start: u64,
    last_was_cr: bool,
    flags: Rc<RefCell<VecDeque<Flag>>>,
    input: Vec<u8>,
    at: usize,
    filled: usize,
}

impl<R: Read> Read for RecordCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.at == self.filled {
                if n > 0 {
                    break;
                }
                self.at = 0;
                self.filled = self.inner.read(&mut self.input)?;
                if self.filled == 0 {
                    if let Some(f) = self.flags.borrow_mut().back_mut() {
                        f.done = true;
                    }
                    return Ok(0);
                }
            }
            let b = self.input[self.at];
            self.at += 1;
            let was_in = self.in_quotes;
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            let ends = b == b'\n' && !self.in_quotes;
            let after_cr = std::mem::replace(&mut self.last_was_cr, b == b'\r');
            if self.dropping {
                if ends {
                    self.dropping = false;
                    self.len = 0;
                    if let Some(f) = self.flags.borrow_mut().back_mut() {
                        // The record's size, like its text, leaves out its line end.
                        f.bytes -= u64::from(after_cr);
                        f.done = true;
                    }
                } else {
                    if let Some(f) = self.flags.borrow_mut().back_mut() {
                        f.bytes += 1;
                        f.newlines += u64::from(b == b'\n');
                    }
                    continue;
                }
            } else if ends {
                self.len = 0;
            } else {
                self.len += 1;
                if self.len > self.max {
                    self.dropping = true;
                    self.flags.borrow_mut().push_back(Flag {
                        start: self.rec_start,
                        bytes: self.len,
                        newlines: 0,
                        done: false,
                    });
                    // Everything before this byte was handed on: the csv reader is inside
                    // quotes exactly when the stream was before it.
                    if !was_in {
                        continue;
                    }
                    // Close the quoted field for the csv reader (this byte is dropped).
                    buf[n] = b'"';
                    n += 1;
                    self.out += 1;
                    continue;
                }
            }
            buf[n] = b;
            n += 1;
            self.out += 1;
            if ends {
                self.rec_start = self.out;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_row_mapping() {
        assert!(is_csv_header(
            b"RecordNumber,EventRecordId,TimeCreated,EventId,Level,Provider,Channel,Payload"
        ));
        assert!(!is_csv_header(b"{\"EventRecordId\":1,\"EventId\":2}"));
        let v = serde_json::json!({"EventRecordId": "12", "EventId": 4104,
            "TimeCreated": "2024-10-21T11:31:56.6587087+00:00", "Channel": "c",
            "Computer": "h", "Provider": "p", "UserId": "S-1-5-18", "MapDescription": "x",
            "Payload": "{\"EventData\":{\"Data\":[{\"@Name\":\"ScriptBlockText\",\"#text\":\"a\\r\\nb\"}]}}"});
        let o = v.as_object().unwrap();
        assert!(is_evtxecmd_shape(o));
        let r = raw_from_evtxecmd_json(o).unwrap();
        assert_eq!((r.record_id, r.event_code), (Some(12), Some(4104)));
        assert_eq!(
            r.time,
            crate::time::parse_timestamp("2024-10-21T11:31:56.658708Z")
        );
        assert_eq!(r.user_id.as_deref(), Some("S-1-5-18"));
        assert_eq!(
            r.data.get("ScriptBlockText").map(String::as_str),
            Some("a\r\nb")
        );
        assert!(!r.data.contains_key("MapDescription"));
    }
}
