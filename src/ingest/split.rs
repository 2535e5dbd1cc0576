//! Cutting a line-oriented stream (NDJSON, XmlWinEventLog) into chunks at record boundaries,
//! in bounded memory: never more than about one record cap plus one chunk is held. A record
//! longer than the cap is not kept: it is dropped up to the next record boundary and reported
//! once, with the line it starts on and the bytes skipped, and every record after it is read.

use std::io::Read;

use memchr::memmem;

use super::text::{CHUNK, TextKind, find_event_start};

/// What the splitter hands on, in stream order.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Whole records (and the blanks or junk between them) whose first byte is on `line`.
    Chunk { line: u64, data: Vec<u8> },
    /// A record longer than the cap, starting on `line`, of which `bytes` were skipped
    /// (without its line end). `to_eof`: no boundary came before the end of the input.
    TooLarge { line: u64, bytes: u64, to_eof: bool },
}

/// Bytes kept from one read to the next while skipping, so an end tag (`</Event>`, 8 bytes)
/// or a start (`<Event` + one byte) cut by a read is still found.
const CARRY: usize = 7;

/// Read `r` to its end, handing every piece to `emit`. `cancelled` lets the caller stop early.
pub(crate) fn split_stream(
    kind: TextKind,
    r: &mut dyn Read,
    max_record: usize,
    emit: &mut dyn FnMut(Piece),
    cancelled: &dyn Fn() -> bool,
) -> std::io::Result<()> {
    let mut s = Splitter {
        kind,
        max_record: max_record.max(64),
        pending: Vec::with_capacity(CHUNK + 64 * 1024),
        line: 1,
        rec_start: 0,
        scanned: 0,
    };
    loop {
        if cancelled() {
            return Ok(());
        }
        // `take` + `read_to_end` fills without zeroing the buffer first.
        let eof = match r.take(CHUNK as u64).read_to_end(&mut s.pending) {
            Ok(n) => n < CHUNK,
            Err(e) => {
                let all = s.pending.len();
                s.emit_until(all, emit);
                return Err(e);
            }
        };
        s.scan(emit);
        if eof {
            s.finish(emit);
            return Ok(());
        }
        s.emit_until(s.rec_start, emit);
        if s.pending.len() > s.max_record {
            if record_offset(kind, &s.pending) == s.pending.len() {
                // Only white space so far (no record has started): nothing to keep.
                let all = s.pending.len();
                s.emit_until(all, emit);
            } else {
                s.skip(r, emit, cancelled)?;
            }
        }
    }
}

struct Splitter {
    kind: TextKind,
    max_record: usize,
    /// Bytes not yet handed on; `pending[0]` is on line `line`.
    pending: Vec<u8>,
    line: u64,
    /// Where the record not yet known to be whole starts (the end of the last boundary).
    rec_start: usize,
    /// How far boundaries were looked for.
    scanned: usize,
}

impl Splitter {
    /// Hand on `pending[..k]` as one chunk.
    fn emit_until(&mut self, k: usize, emit: &mut dyn FnMut(Piece)) {
        if k == 0 {
            return;
        }
        // Hand over the big buffer and copy the (short) rest, not the other way round.
        let rest = self.pending.split_off(k);
        let data = std::mem::replace(&mut self.pending, rest);
        let line = self.line;
        self.line += newlines(&data);
        self.rec_start = self.rec_start.saturating_sub(k);
        self.scanned = self.scanned.saturating_sub(k);
        emit(Piece::Chunk { line, data });
    }

    /// Find the records completed by the last read; drop (and report) those over the cap.
    fn scan(&mut self, emit: &mut dyn FnMut(Piece)) {
        let back = if self.kind == TextKind::Xml { CARRY } else { 0 };
        let mut from = self.rec_start.max(self.scanned.saturating_sub(back));
        while let Some(end) = record_end(self.kind, &self.pending, from) {
            let start =
                self.rec_start + record_offset(self.kind, &self.pending[self.rec_start..end]);
            let bytes = self.record_bytes(start, end);
            if bytes > self.max_record {
                // An unclosed `<Event>` ends where the next one starts: that one is kept.
                let end = match self.kind {
                    TextKind::Xml => find_event_start(&self.pending, start + 6)
                        .filter(|&n| n < end)
                        .unwrap_or(end),
                    TextKind::JsonLines => end,
                };
                let bytes = self.record_bytes(start, end);
                self.emit_until(start, emit);
                let line = self.line;
                self.line += newlines(&self.pending[..end - start]);
                self.pending.drain(..end - start);
                self.rec_start = 0;
                from = 0;
                emit(Piece::TooLarge {
                    line,
                    bytes: bytes as u64,
                    to_eof: false,
                });
            } else {
                self.rec_start = end;
                from = end;
            }
        }
        self.scanned = self.pending.len();
    }

    /// A record's length without its line end (NDJSON: the newline is the boundary).
    fn record_bytes(&self, start: usize, end: usize) -> usize {
        let lf = self.kind == TextKind::JsonLines && self.pending[..end].ends_with(b"\n");
        (end - start).saturating_sub(usize::from(lf))
    }

    /// The input ended: its last record ends there too.
    fn finish(mut self, emit: &mut dyn FnMut(Piece)) {
        let tail = &self.pending[self.rec_start..];
        let off = record_offset(self.kind, tail);
        let bytes = tail[off..].trim_ascii_end().len();
        if bytes > self.max_record {
            let start = self.rec_start + off;
            self.emit_until(start, emit);
            emit(Piece::TooLarge {
                line: self.line,
                bytes: bytes as u64,
                to_eof: true,
            });
        } else {
            let all = self.pending.len();
            self.emit_until(all, emit);
        }
    }

    /// `pending` holds only the start of one record, already over the cap, with no boundary:
    /// read on, keeping nothing but a few bytes, until the record ends.
    fn skip(
        &mut self,
        r: &mut dyn Read,
        emit: &mut dyn FnMut(Piece),
        cancelled: &dyn Fn() -> bool,
    ) -> std::io::Result<()> {
        let off = record_offset(self.kind, &self.pending);
        self.line += newlines(&self.pending[..off]);
        self.pending.drain(..off);
        let line = self.line;
        let carry = if self.kind == TextKind::Xml { CARRY } else { 0 };
        let mut bytes = 0u64;
        let mut buf = std::mem::take(&mut self.pending);
        let mut eof = false;
        // The record's own `<Event` is at 0: look for the next one past it.
        let mut from = 1;
        let end = loop {
            if let Some(p) = skip_end(self.kind, &buf, from) {
                break Some(p);
            }
            from = 0;
            let drop = if eof {
                buf.len()
            } else {
                buf.len().saturating_sub(carry)
            };
            self.line += newlines(&buf[..drop]);
            bytes += drop as u64;
            buf.drain(..drop);
            if eof || cancelled() {
                break None;
            }
            match r.take(CHUNK as u64).read_to_end(&mut buf) {
                Ok(n) => eof = n < CHUNK,
                Err(e) => {
                    bytes += buf.len() as u64;
                    emit(Piece::TooLarge {
                        line,
                        bytes,
                        to_eof: true,
                    });
                    return Err(e);
                }
            }
        };
        if let Some(p) = end {
            let lf = self.kind == TextKind::JsonLines;
            bytes += (p - usize::from(lf)) as u64;
            self.line += newlines(&buf[..p]);
            buf.drain(..p);
        }
        emit(Piece::TooLarge {
            line,
            bytes,
            to_eof: end.is_none(),
        });
        self.pending = buf;
        self.rec_start = 0;
        self.scanned = 0;
        Ok(())
    }
}

fn newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// End (exclusive) of the first record boundary at or after `from`.
fn record_end(kind: TextKind, buf: &[u8], from: usize) -> Option<usize> {
    let rest = &buf[from..];
    match kind {
        TextKind::JsonLines => memchr::memchr(b'\n', rest).map(|i| from + i + 1),
        TextKind::Xml => memmem::find(rest, b"</Event>").map(|i| from + i + 8),
    }
}

/// Where a record begins inside a segment between boundaries: its `<Event`, or its first
/// byte that is not white space.
fn record_offset(kind: TextKind, seg: &[u8]) -> usize {
    let first = seg
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(seg.len());
    match kind {
        TextKind::JsonLines => first,
        TextKind::Xml => find_event_start(seg, 0).unwrap_or(first),
    }
}

/// Where a record being skipped ends: after its newline or `</Event>`, or where the next
/// `<Event` starts (an unclosed element must not swallow the good one after it).
fn skip_end(kind: TextKind, buf: &[u8], from: usize) -> Option<usize> {
    match kind {
        TextKind::JsonLines => memchr::memchr(b'\n', buf).map(|i| i + 1),
        TextKind::Xml => {
            let close = memmem::find(buf, b"</Event>").map(|i| i + 8);
            let next = find_event_start(buf, from.min(buf.len()));
            match (close, next) {
                (Some(c), Some(n)) => Some(c.min(n)),
                (c, n) => c.or(n),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(kind: TextKind, input: &[u8], cap: usize) -> Vec<Piece> {
        let mut out = Vec::new();
        split_stream(kind, &mut &input[..], cap, &mut |p| out.push(p), &|| false).unwrap();
        out
    }

    #[test]
    fn a_long_line_is_skipped_and_the_next_read() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend(b"\n{\"b\":2}\n");
        let got = pieces(TextKind::JsonLines, &input, 1000);
        assert_eq!(
            got,
            vec![
                Piece::Chunk {
                    line: 1,
                    data: b"{\"a\":1}\n".to_vec()
                },
                Piece::TooLarge {
                    line: 2,
                    bytes: 10_000,
                    to_eof: false
                },
                Piece::Chunk {
                    line: 3,
                    data: b"{\"b\":2}\n".to_vec()
                },
            ]
        );
    }

    #[test]
    fn an_end_tag_cut_by_a_read_still_ends_the_skipped_record() {
        // `</Event>` starts 3 bytes before the second read's end: only the carry finds it.
        let end_at = 2 * CHUNK - 3;
        let mut input = b"<Event>".to_vec();
        input.resize(end_at, b'x');
        input.extend(b"</Event>\n<Event>ok</Event>\n");
        let got = pieces(TextKind::Xml, &input, 1000);
        assert_eq!(
            got,
            vec![
                Piece::TooLarge {
                    line: 1,
                    bytes: (end_at + 8) as u64,
                    to_eof: false
                },
                Piece::Chunk {
                    line: 1,
                    data: b"\n<Event>ok</Event>\n".to_vec()
                },
            ]
        );
    }
}
