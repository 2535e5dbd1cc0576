//! Whole JSON documents (`[…]`, pretty-printed objects, objects concatenated across lines) in
//! bounded memory. A document up to the record cap is parsed in one piece, as always. A larger
//! one is cut into its top-level values, and a top-level array into its elements, each parsed
//! on its own: a 2 GB array of small events needs no more memory than one of them. So are the
//! two arrays wrapped in an object that `json.rs` reads as lists of events: a Splunk export's
//! `{"results":[…]}` and xmltodict's `{"Events":{"Event":[…]}}` (their other keys are not
//! events and are passed over, as `emit_value` does).
//!
//! Why a small byte scanner rather than serde_json's `SeqAccess`: an element over the cap must
//! be *skipped* and the elements after it still read, which a deserializer that has failed
//! half-way through a value cannot do; the scanner only tracks strings, escapes and nesting
//! depth, so it can drop an element's bytes and find where it ends, and it knows the line each
//! value starts on for free. Each element is then parsed by the same code as an NDJSON line.

use std::io::Read;

use super::json::parse_json_text;
use super::limits::human;
use super::text::{CHUNK, parse_json_whole};
use super::{IngestError, Sink};

/// Read a whole-document JSON input from `r`.
pub(crate) fn read_json_whole(
    file: &str,
    r: &mut dyn Read,
    max_record: usize,
    sink: &mut dyn Sink,
) -> std::io::Result<()> {
    let mut first = Vec::new();
    r.take(max_record as u64 + 1).read_to_end(&mut first)?;
    if first.len() <= max_record {
        parse_json_whole(file, &first, sink);
        return Ok(());
    }
    let mut doc = Doc {
        file,
        max: max_record as u64,
        sink,
        depth: 0,
        in_str: false,
        esc: false,
        line: 1,
        top: None,
        cur: None,
        str_start: None,
        last_str: None,
        key: None,
        in_events: false,
    };
    doc.feed(&first);
    drop(first);
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        if doc.sink.cancelled() {
            return Ok(());
        }
        buf.clear();
        if r.take(CHUNK as u64).read_to_end(&mut buf)? == 0 {
            break;
        }
        doc.feed(&buf);
    }
    doc.end();
    Ok(())
}

/// The scanner's state between reads.
struct Doc<'a> {
    file: &'a str,
    max: u64,
    sink: &'a mut dyn Sink,
    /// Open arrays and objects, the top-level array included.
    depth: usize,
    in_str: bool,
    esc: bool,
    line: u64,
    /// The array whose elements are read one by one.
    top: Option<Streamed>,
    cur: Option<Value>,
    /// Only while a top-level object is collected, to find `results` / `Events.Event`: where
    /// the open string started in this read, the last short string closed (its depth and
    /// bytes), the key of the value about to start, and whether `Events` is open.
    str_start: Option<usize>,
    last_str: Option<(usize, Vec<u8>)>,
    key: Option<(usize, Vec<u8>)>,
    in_events: bool,
}

/// An array read element by element: the line of the value it belongs to (the document's
/// position, as `emit_value` names it), what its items are called there, their count so far,
/// and `depth` inside it.
struct Streamed {
    line: u64,
    label: &'static str,
    n: u64,
    depth: usize,
}

/// The value being collected (a top-level value, or one element of the top-level array).
struct Value {
    /// The line it starts on.
    line: u64,
    pos: String,
    /// `depth` outside the value: it ends when a bracket brings `depth` back to this.
    base: usize,
    shape: Shape,
    buf: Vec<u8>,
    bytes: u64,
    /// Over the cap: counted, not kept.
    skipping: bool,
    /// Where in the current read its not yet collected bytes start.
    from: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Container,
    Quoted,
    /// A number, `true`, or junk: ends at white space or a delimiter.
    Bare,
}

impl Doc<'_> {
    fn feed(&mut self, data: &[u8]) {
        if let Some(v) = &mut self.cur {
            v.from = 0;
        }
        self.str_start = None;
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if b == b'\\' {
                    self.esc = true;
                } else if b == b'"' {
                    self.in_str = false;
                    if let Some(s) = self.str_start.take() {
                        // A key cut by a read is not seen: the object is then read whole.
                        self.last_str =
                            (i - s <= 16).then(|| (self.depth, data[s + 1..i].to_vec()));
                    }
                    if self.cur_is(Shape::Quoted) {
                        self.finish(data, i + 1);
                    }
                } else {
                    // Jump over the string's plain bytes.
                    i += memchr::memchr2(b'"', b'\\', &data[i..]).unwrap_or(data.len() - i);
                    continue;
                }
                i += 1;
                continue;
            }
            let delimiter = b.is_ascii_whitespace() || matches!(b, b',' | b']' | b'}');
            if delimiter && self.cur_is(Shape::Bare) {
                self.finish(data, i);
            }
            if b == b'\n' {
                self.line += 1;
            }
            let in_items = self.top.as_ref().is_some_and(|t| t.depth == self.depth);
            let starts = self.cur.is_none()
                && !b.is_ascii_whitespace()
                && (self.depth == 0 || in_items)
                && !(in_items && matches!(b, b',' | b']'));
            let wrapper = self
                .cur
                .as_ref()
                .is_some_and(|v| v.base == 0 && v.shape == Shape::Container);
            match b {
                b'"' => {
                    if starts {
                        self.start(i, Shape::Quoted);
                    }
                    self.in_str = true;
                    if wrapper && self.depth <= 2 {
                        self.str_start = Some(i);
                        self.last_str = None;
                    }
                }
                b':' if wrapper => self.key = self.last_str.take().filter(|k| k.0 == self.depth),
                b'[' if starts && self.depth == 0 => {
                    self.stream("element");
                    self.depth = 1;
                }
                b'{' | b'[' => {
                    if starts {
                        self.start(i, Shape::Container);
                    } else if wrapper {
                        self.wrapped_value(b);
                    }
                    self.depth += 1;
                }
                b'}' | b']' if self.depth > 0 && !starts => {
                    self.depth -= 1;
                    if self.top.as_ref().is_some_and(|t| self.depth < t.depth) {
                        self.top = None;
                    }
                    if self.depth < 2 {
                        self.in_events = false;
                    }
                    if self.cur.as_ref().is_some_and(|v| v.base == self.depth) {
                        self.finish(data, i + 1);
                    }
                }
                _ if starts => self.start(i, Shape::Bare),
                _ => {}
            }
            i += 1;
        }
        if let Some(v) = &mut self.cur {
            let from = v.from;
            collect(v, &data[from..], self.max);
        }
    }

    /// The elements of the array opening here are read one by one.
    fn stream(&mut self, label: &'static str) {
        let line = self.cur.take().map_or(self.line, |v| v.line);
        self.top = Some(Streamed {
            line,
            label,
            n: 0,
            depth: self.depth + 1,
        });
    }

    /// A value opens (`b`) inside the top-level object being collected: is it one of the
    /// arrays of events `emit_value` reads out of such an object?
    fn wrapped_value(&mut self, b: u8) {
        let key = self.key.take();
        let named = |k: &[u8]| key.as_ref().is_some_and(|(_, got)| got == k);
        match (self.depth, b) {
            (1, b'[') if named(b"results") => self.stream("result"),
            (1, b'{') if named(b"Events") => self.in_events = true,
            (2, b'[') if self.in_events && named(b"Event") => self.stream("element"),
            _ => {}
        }
    }

    fn cur_is(&self, shape: Shape) -> bool {
        self.cur
            .as_ref()
            .is_some_and(|v| v.shape == shape && v.base == self.depth)
    }

    fn start(&mut self, at: usize, shape: Shape) {
        let pos = match &mut self.top {
            Some(t) => {
                t.n += 1;
                format!("line {} {} {}", t.line, t.label, t.n)
            }
            None => format!("line {}", self.line),
        };
        self.cur = Some(Value {
            line: self.line,
            pos,
            base: self.depth,
            shape,
            buf: Vec::new(),
            bytes: 0,
            skipping: false,
            from: at,
        });
    }

    /// The current value ends before `end` of this read.
    fn finish(&mut self, data: &[u8], end: usize) {
        let Some(mut v) = self.cur.take() else { return };
        let from = v.from;
        collect(&mut v, &data[from..end], self.max);
        self.emit(v, false);
    }

    fn emit(&mut self, v: Value, to_eof: bool) {
        if v.skipping {
            let what = if self.top.is_some() {
                "array element"
            } else {
                "JSON value (a document that is not a list of events is read as one record)"
            };
            let tail = if to_eof {
                ", to the end of the input (it never ends)"
            } else {
                ""
            };
            self.sink.error(IngestError::new(
                self.file,
                &v.pos,
                format!(
                    "record too large: {} bytes of this {what} skipped{tail}; the limit is {} \
                     (raise it with --max-record-size)",
                    v.bytes,
                    human(self.max)
                ),
            ));
        } else {
            parse_json_text(&v.buf, self.file, &v.pos, self.sink);
        }
    }

    /// The input ended.
    fn end(&mut self) {
        if let Some(v) = self.cur.take() {
            self.emit(v, true);
        } else if let Some(Streamed { line, .. }) = self.top {
            self.sink.error(IngestError::new(
                self.file,
                &format!("line {line}"),
                "invalid JSON: the input ends inside the array that opens here".to_string(),
            ));
        }
    }
}

/// Add a value's bytes, or only count them once it is over the cap (and free what was kept).
fn collect(v: &mut Value, piece: &[u8], max: u64) {
    v.bytes += piece.len() as u64;
    if v.skipping {
        return;
    }
    if v.bytes > max {
        v.skipping = true;
        v.buf = Vec::new();
    } else {
        v.buf.extend_from_slice(piece);
    }
}
