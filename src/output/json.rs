//! The one JSON writer: serde_json, with every control and bidi character escaped as `\uXXXX`.
//!
//! serde_json escapes only C0 controls; DEL, C1 controls (U+009B is a one-character CSI to some
//! terminals) and bidi overrides would reach a terminal raw. Escaped, the JSON still decodes to
//! the exact text.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};

use super::OutputError;
use crate::sanitize::is_hazard;

/// A formatter that escapes hazards inside strings and otherwise defers to `F`.
struct Inert<F>(F);

macro_rules! delegate {
    ($($name:ident($($arg:ident: $t:ty),*);)*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W $(, $arg: $t)*) -> io::Result<()> {
            self.0.$name(w $(, $arg)*)
        }
    )*};
}

impl<F: Formatter> Formatter for Inert<F> {
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        end_object_key();
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            if is_hazard(c) {
                w.write_all(&s.as_bytes()[start..i])?;
                // Every hazard is in the Basic Multilingual Plane: one `\uXXXX` each.
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&s.as_bytes()[start..])
    }
}

fn write<T: Serialize + ?Sized, F: Formatter>(v: &T, f: F) -> Result<String, OutputError> {
    let mut out = Vec::new();
    v.serialize(&mut Serializer::with_formatter(&mut out, Inert(f)))?;
    Ok(String::from_utf8(out)?)
}

/// Indented JSON (what the CLI prints), hazards escaped.
pub fn to_json_pretty<T: Serialize + ?Sized>(v: &T) -> Result<String, OutputError> {
    write(v, PrettyFormatter::new())
}

/// One-line JSON, hazards escaped (also a valid YAML double-quoted scalar for a string).
pub fn to_json_compact<T: Serialize + ?Sized>(v: &T) -> Result<String, OutputError> {
    write(v, CompactFormatter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazards_are_escaped_and_decode_exactly() {
        let text = "a\u{1b}]0;x\u{7}\u{7f}\u{9b}2J\u{202e}é\n";
        let json = to_json_pretty(&serde_json::json!({ "t": text })).unwrap();
        assert_eq!(
            json,
            "{\n  \"t\": \"a\\u001b]0;x\\u0007\\u007f\\u009b2J\\u202eé\\n\"\n}"
        );
        assert!(!json.chars().any(|c| is_hazard(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["t"], text);
        assert_eq!(to_json_compact(&[1, 2]).unwrap(), "[1,2]");
    }
}
