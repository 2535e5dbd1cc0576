//! The ingest prefilter: a cheap superset test of "could the extended hunt find something in
//! (or through) this event", so only tagged events need the tokenizer.

use super::encoded::has_candidate_flag;
use crate::event::Event;

/// Every name detect() can act on contains one of these once lowercased with backticks,
/// quotes, `+` and white space removed (so names split by backticks or built by concatenation
/// are whole again). At most 8 bytes each: `pssessio` stands for `pssession`.
const TRIGGERS: [(u64, u64); 14] = [
    pack(b"icm"),
    pack(b"invoke"),
    pack(b"pssessio"),
    pack(b"nsn"),
    pack(b"etsn"),
    pack(b"iex"),
    pack(b"powershe"),
    pack(b"pwsh"),
    pack(b"winrs"),
    pack(b"winrm"),
    // `& (gcm *ke-comm*)`: a wildcard name only Get-Command resolves.
    pack(b"gcm"),
    pack(b"get-comm"),
    // Aliases of Invoke-CimMethod and Receive-PSSession.
    pack(b"icim"),
    pack(b"rcsn"),
];

/// A trigger as (value, mask) over the last `len` bytes of the shift register.
const fn pack(t: &[u8]) -> (u64, u64) {
    let mut value = 0u64;
    let mut i = 0;
    while i < t.len() {
        value = (value << 8) | t[i] as u64;
        i += 1;
    }
    let mask = if t.len() == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * t.len())) - 1
    };
    (value, mask)
}

/// ASCII normalization for the prefilter: lower case, and 0 for characters it skips.
const ASCII: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = match c {
            b'\t'..=b'\r' | b' ' | b'`' | b'\'' | b'"' | b'+' => 0,
            b'A'..=b'Z' => c + 32,
            _ => c,
        };
        i += 1;
    }
    t
};

/// Bytes that end some trigger: only there is the register compared.
const LAST: [bool; 128] = {
    let mut t = [false; 128];
    let mut k = 0;
    while k < TRIGGERS.len() {
        t[(TRIGGERS[k].0 & 0xff) as usize] = true;
        k += 1;
    }
    t
};

/// One pass, no allocation: the last 8 normalized bytes live in a shift register; ASCII goes
/// through a table, other characters take the slow path (dash variants, quotes, lower case).
fn text_candidate(text: &str) -> bool {
    let hit = |reg: u64| TRIGGERS.iter().any(|&(v, m)| reg & m == v);
    let bytes = text.as_bytes();
    let mut reg = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let n = ASCII[b as usize];
            if n != 0 {
                reg = (reg << 8) | n as u64;
                if LAST[n as usize] && hit(reg) {
                    return true;
                }
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        if c.is_whitespace() || matches!(c, '\u{2018}'..='\u{201F}') {
            continue;
        }
        if super::lexer::is_dash(c) {
            // Typographic dashes read as `-` in names, as the tokenizer reads them.
            reg = (reg << 8) | b'-' as u64;
            if hit(reg) {
                return true;
            }
            continue;
        }
        for l in c.to_lowercase() {
            reg = (reg << 8) | if l.is_ascii() { l as u64 } else { 0 };
            if hit(reg) {
                return true;
            }
        }
    }
    false
}

/// Cheap superset prefilter: could the extended hunt find something in (or through) this event?
/// Multi-part 4104 parts always qualify (a name may straddle a part boundary).
pub fn is_candidate(e: &Event) -> bool {
    if e.is_script_block() {
        if e.message_total.unwrap_or(1) > 1 || e.message_number.unwrap_or(1) > 1 {
            return true;
        }
        return e.script_block_text.as_deref().is_some_and(text_candidate);
    }
    if e.is_process_creation() {
        let cmd = e.process.as_deref().unwrap_or("");
        return text_candidate(cmd)
            || has_candidate_flag(cmd)
            || e.decoded_command.as_deref().is_some_and(text_candidate);
    }
    false
}

/// `process_powershell`: the ESCU process analytic only looks at PowerShell hosts.
pub(crate) fn is_powershell(e: &Event) -> bool {
    const NAMES: &[&str] = &[
        "pwsh.exe",
        "sqlps.exe",
        "sqltoolsps.exe",
        "powershell.exe",
        "powershell_ise.exe",
    ];
    const ORIGINAL: &[&str] = &["pwsh.dll", "powershell.exe", "powershell_ise.exe"];
    let is = |v: &Option<String>, set: &[&str]| {
        v.as_deref()
            .is_some_and(|v| set.iter().any(|n| n.eq_ignore_ascii_case(v)))
    };
    is(&e.process_name, NAMES) || is(&e.original_file_name, ORIGINAL)
}
