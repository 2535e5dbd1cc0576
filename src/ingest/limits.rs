//! How much of one input is held at once: the caps that keep memory bounded whatever the
//! input (a 4 MB .gz that expands to gigabytes of one record, a member with no record end).
//!
//! Two sizes, both raisable on the command line:
//! - a **record** (an NDJSON line, an `<Event>` element, one element of a JSON array or of a
//!   Splunk `results` / xmltodict `Events.Event` list, any other JSON document, an EvtxECmd CSV
//!   row) is held whole in memory to be parsed.
//!   An .evtx record is < 64 KiB and a 4104 script block part ≤ ~32 K UTF-16 characters, so
//!   even verbose renderings of one event stay far below the 16 MiB default; a record over the
//!   cap is skipped up to the next record boundary and reported with where it starts.
//! - a **document** (an .evtx or a zip found inside a .gz or a zip, which the readers need to
//!   seek in) is spooled to an anonymous temporary file, never to memory. The 1 GiB default
//!   is above any single .evtx Windows writes by default (the Security log's default maximum
//!   is 20 MiB; admins raise it to a few GiB at most) while bounding the disk a bomb can take.

/// The caps of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest record held whole in memory, in bytes.
    pub max_record: u64,
    /// Largest nested document spooled to disk, in bytes.
    pub max_document: u64,
}

/// 16 MiB: see the module notes.
pub const DEFAULT_MAX_RECORD: u64 = 16 << 20;
/// 1 GiB: see the module notes.
pub const DEFAULT_MAX_DOCUMENT: u64 = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record: DEFAULT_MAX_RECORD,
            max_document: DEFAULT_MAX_DOCUMENT,
        }
    }
}

impl Limits {
    /// The record cap as a buffer length.
    pub(crate) fn record(&self) -> usize {
        usize::try_from(self.max_record).unwrap_or(usize::MAX)
    }
}

/// A size as typed on the command line: `64M`, `16MiB`, `1G`, `512k`, `1048576`. Units are
/// binary (`M` = MiB), as for memory; no size below 1 KiB is accepted (it would reject real
/// records and say nothing useful).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let n = parse_size::Config::new()
        .with_binary()
        .parse_size(text.trim())
        .map_err(|e| format!("{text:?} is not a size ({e}); write e.g. 64M, 2G, 512K"))?;
    if n < 1024 {
        return Err(format!("{text:?} is below the smallest limit, 1K"));
    }
    Ok(n)
}

/// A size for messages: `16 MiB`, `1 GiB`, `300 KiB`, else bytes.
pub fn human(n: u64) -> String {
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        if n >= 1 << shift && n.is_multiple_of(1 << shift) {
            return format!("{} {unit}", n >> shift);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert!(parse_size("12").unwrap_err().contains("smallest"));
        assert!(parse_size("lots").unwrap_err().contains("not a size"));
        assert_eq!(human(16 << 20), "16 MiB");
        assert_eq!(human(1 << 30), "1 GiB");
        assert_eq!(human(1500), "1500 bytes");
    }
}
