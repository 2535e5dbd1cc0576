//! A small .evtx writer for tests that must run without ../shared/datasets: the file header,
//! 64 KiB chunks, and records of plain BinXML (elements, attributes and text, names stored
//! inline at first use, no templates), enough for the evtx crate to render PowerShell 4104
//! events. Chunk string and template tables are left empty, as the crate allows.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

pub const HEADER: usize = 4096;
pub const CHUNK: usize = 65536;

/// One 4104 event.
pub struct Rec {
    pub id: u64,
    /// Seconds since the Unix epoch.
    pub unix: u64,
    pub computer: String,
    pub script: String,
}

/// BinXML of one record, written at chunk offset `base` (names point into the chunk).
struct Bx {
    out: Vec<u8>,
    base: usize,
}

impl Bx {
    fn u16(&mut self, v: u16) {
        self.out.extend(v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.out.extend(v.to_le_bytes());
    }
    fn utf16(&mut self, s: &str) {
        let units: Vec<u16> = s.encode_utf16().collect();
        self.u16(units.len() as u16);
        for u in units {
            self.u16(u);
        }
    }
    /// A name reference to the name stored right after it.
    fn name(&mut self, name: &str) {
        let at = self.base + self.out.len() + 4;
        self.u32(at as u32);
        self.u32(0); // next string in the chain
        self.u16(0); // hash
        self.utf16(name);
        self.u16(0);
    }
    fn text(&mut self, v: &str) {
        self.out.extend([0x05, 0x01]);
        self.utf16(v);
    }
    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push(if attrs.is_empty() { 0x01 } else { 0x41 });
        self.u32(0); // element size: not read
        self.name(name);
        if !attrs.is_empty() {
            self.u32(0); // attribute list size: not read
            for (i, (k, v)) in attrs.iter().enumerate() {
                self.out.push(if i + 1 < attrs.len() { 0x46 } else { 0x06 });
                self.name(k);
                self.text(v);
            }
        }
    }
    fn element(&mut self, name: &str, attrs: &[(&str, &str)], text: Option<&str>) {
        self.open(name, attrs);
        match text {
            Some(t) => {
                self.out.push(0x02);
                self.text(t);
                self.out.push(0x04);
            }
            None => self.out.push(0x03),
        }
    }
}

/// `unix` seconds as the ISO text of TimeCreated/@SystemTime.
fn iso(unix: u64) -> String {
    let days = unix / 86400;
    let secs = unix % 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.0000000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The whole record (header, BinXML, size copy) for chunk offset `at`.
fn record(r: &Rec, at: usize) -> Vec<u8> {
    let mut bx = Bx {
        out: vec![0x0f, 1, 1, 0],
        base: at + 24,
    };
    let time = iso(r.unix);
    let id = r.id.to_string();
    bx.open("Event", &[]);
    bx.out.push(0x02);
    bx.open("System", &[]);
    bx.out.push(0x02);
    bx.element(
        "Provider",
        &[("Name", "Microsoft-Windows-PowerShell")],
        None,
    );
    bx.element("EventID", &[], Some("4104"));
    bx.element("TimeCreated", &[("SystemTime", &time)], None);
    bx.element("EventRecordID", &[], Some(&id));
    bx.element(
        "Channel",
        &[],
        Some("Microsoft-Windows-PowerShell/Operational"),
    );
    bx.element("Computer", &[], Some(&r.computer));
    bx.element("Security", &[("UserID", "S-1-5-21-1-2-3-1104")], None);
    bx.out.push(0x04);
    bx.open("EventData", &[]);
    bx.out.push(0x02);
    bx.element("Data", &[("Name", "ScriptBlockText")], Some(&r.script));
    bx.out.push(0x04);
    bx.out.push(0x04);
    bx.out.push(0x00);
    let size = (24 + bx.out.len() + 4) as u32;
    let filetime = (r.unix + 11_644_473_600) * 10_000_000;
    let mut out = b"**\0\0".to_vec();
    out.extend(size.to_le_bytes());
    out.extend(r.id.to_le_bytes());
    out.extend(filetime.to_le_bytes());
    out.extend(bx.out);
    out.extend(size.to_le_bytes());
    out
}

/// A chunk holding `recs` (they must fit).
fn chunk(recs: &[Rec]) -> Vec<u8> {
    let mut c = vec![0u8; CHUNK];
    let mut pos = 512;
    let mut last = pos;
    for r in recs {
        let bytes = record(r, pos);
        assert!(pos + bytes.len() <= CHUNK, "records fit in the chunk");
        c[pos..pos + bytes.len()].copy_from_slice(&bytes);
        last = pos;
        pos += bytes.len();
    }
    let put = |c: &mut Vec<u8>, at: usize, b: &[u8]| c[at..at + b.len()].copy_from_slice(b);
    let (first_id, last_id) = (recs[0].id, recs[recs.len() - 1].id);
    put(&mut c, 0, b"ElfChnk\0");
    put(&mut c, 8, &first_id.to_le_bytes());
    put(&mut c, 16, &last_id.to_le_bytes());
    put(&mut c, 24, &first_id.to_le_bytes());
    put(&mut c, 32, &last_id.to_le_bytes());
    put(&mut c, 40, &128u32.to_le_bytes());
    put(&mut c, 44, &(last as u32).to_le_bytes());
    put(&mut c, 48, &(pos as u32).to_le_bytes());
    c
}

/// An .evtx file of one chunk per slice of `chunks`.
/// `chunks` chunks of `per_chunk` records each, record IDs from 1 in order, each made by
/// `rec(chunk, id)`.
pub fn numbered(chunks: u64, per_chunk: u64, rec: impl Fn(u64, u64) -> Rec) -> Vec<Vec<Rec>> {
    (0..chunks)
        .map(|c| (1..=per_chunk).map(|i| rec(c, c * per_chunk + i)).collect())
        .collect()
}

pub fn evtx(chunks: &[Vec<Rec>]) -> Vec<u8> {
    let mut f = vec![0u8; HEADER];
    let put = |f: &mut Vec<u8>, at: usize, b: &[u8]| f[at..at + b.len()].copy_from_slice(b);
    let next = chunks.iter().flatten().map(|r| r.id).max().unwrap_or(0) + 1;
    put(&mut f, 0, b"ElfFile\0");
    put(&mut f, 8, &0u64.to_le_bytes());
    put(&mut f, 16, &(chunks.len() as u64 - 1).to_le_bytes());
    put(&mut f, 24, &next.to_le_bytes());
    put(&mut f, 32, &128u32.to_le_bytes());
    put(&mut f, 36, &1u16.to_le_bytes());
    put(&mut f, 38, &3u16.to_le_bytes());
    put(&mut f, 40, &(HEADER as u16).to_le_bytes());
    put(&mut f, 42, &(chunks.len() as u16).to_le_bytes());
    for recs in chunks {
        f.extend(chunk(recs));
    }
    f
}

/// Offsets (in the file) of chunk `n`'s records, walked by size.
pub fn record_offsets(file: &[u8], n: usize) -> Vec<usize> {
    let at = HEADER + n * CHUNK;
    let free = u32::from_le_bytes(file[at + 48..at + 52].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut pos = at + 512;
    while pos < at + free {
        out.push(pos);
        pos += u32::from_le_bytes(file[pos + 4..pos + 8].try_into().unwrap()) as usize;
    }
    out
}
