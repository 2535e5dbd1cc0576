//! The ingest prefilter: a cheap superset test of "could the extended hunt find something in
//! (or through) this event", so only tagged events need the tokenizer.

use super::encoded::has_candidate_flag;
use super::pslogs::Form;
use crate::event::Event;

/// Every name detect() can act on contains one of these once lowercased with backticks,
/// quotes, `+` and white space removed (so names split by backticks or built by concatenation
/// are whole again). At most 8 bytes each: `pssessio` stands for `pssession`.
///
/// `Invoke-` alone would be a trigger for every `Invoke-WebRequest` and `Invoke-RestMethod`, the
/// commonest words of benign PowerShell; the detector knows only `Invoke-Command`,
/// `Invoke-CimMethod` and `Invoke-Expression`, so the triggers go one letter further.
///
/// The names of programs (`powershell`, `pwsh`) count only where a command name can start:
/// `Microsoft.PowerShell.Management`, the commonest module name of benign scripts, or
/// `WindowsPowerShell` are no call of the program, and the detector, which strips only a `\`
/// or `/` path from a name, would find nothing there.
const TRIGGERS: [Trigger; 16] = [
    Trigger::anywhere(b"icm"),
    Trigger::anywhere(b"invoke-c"),
    Trigger::anywhere(b"invoke-e"),
    // `New-CimSession -ComputerName`: a session like New-PSSession's.
    Trigger::anywhere(b"cimsessi"),
    Trigger::anywhere(b"pssessio"),
    Trigger::anywhere(b"nsn"),
    Trigger::anywhere(b"etsn"),
    Trigger::anywhere(b"iex"),
    Trigger::anywhere(b"winrs"),
    Trigger::anywhere(b"winrm"),
    // `& (gcm *ke-comm*)`: a wildcard name only Get-Command resolves.
    Trigger::anywhere(b"gcm"),
    Trigger::anywhere(b"get-comm"),
    // Aliases of Invoke-CimMethod and Receive-PSSession.
    Trigger::anywhere(b"icim"),
    Trigger::anywhere(b"rcsn"),
    Trigger::at_name_start(b"powershe"),
    Trigger::at_name_start(b"pwsh"),
];

/// A trigger as (value, mask) over the last `len` bytes of the shift register.
#[derive(Clone, Copy)]
struct Trigger {
    value: u64,
    mask: u64,
    len: u32,
    /// Counts only when its first byte is not glued to the raw character before it.
    at_name_start: bool,
}

impl Trigger {
    const fn anywhere(t: &[u8]) -> Self {
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
        Trigger {
            value,
            mask,
            len: t.len() as u32,
            at_name_start: false,
        }
    }

    const fn at_name_start(t: &[u8]) -> Self {
        Trigger {
            at_name_start: true,
            ..Self::anywhere(t)
        }
    }

    /// Does the register (with its glue bits) end with this trigger?
    fn ends(&self, reg: u64, glue: u64) -> bool {
        reg & self.mask == self.value && !(self.at_name_start && (glue >> (self.len - 1)) & 1 == 1)
    }
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

/// For each byte, the triggers it ends (bit k: `TRIGGERS[k]`): only those are compared, and
/// only after such a byte.
const BY_LAST: [u32; 128] = {
    let mut t = [0u32; 128];
    let mut k = 0;
    while k < TRIGGERS.len() {
        t[(TRIGGERS[k].value & 0xff) as usize] |= 1 << k;
        k += 1;
    }
    t
};

/// Every trigger, for the characters of the slow path.
const ALL: u32 = (1 << TRIGGERS.len()) - 1;

/// Does the register end with one of the triggers in `set` (a [`BY_LAST`] entry)?
fn hit(reg: u64, glue: u64, mut set: u32) -> bool {
    while set != 0 {
        let k = set.trailing_zeros() as usize;
        set &= set - 1;
        if TRIGGERS[k].ends(reg, glue) {
            return true;
        }
    }
    false
}

/// Raw characters that glue to the next one inside a dotted or plain name. Everything else
/// (white space, quotes, `+`, backtick, `\`, `/`, brackets, operators, non-ASCII) may end one
/// name, so what follows may be another: kept as a boundary, to stay a superset.
fn glues(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'_'
}

/// One pass, no allocation: the last 8 normalized bytes live in a shift register; ASCII goes
/// through a table, other characters take the slow path (dash variants, quotes, lower case).
/// A second register has one bit per normalized byte: was it glued to the raw character
/// before it (see [`Trigger::at_name_start`])?
fn text_candidate(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut reg, mut glue) = (0u64, 0u64);
    let mut glued = false; // the previous raw character glues to this one
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            let n = ASCII[b as usize];
            if n != 0 {
                reg = (reg << 8) | n as u64;
                glue = (glue << 1) | glued as u64;
                let set = BY_LAST[n as usize];
                if set != 0 && hit(reg, glue, set) {
                    return true;
                }
            }
            glued = glues(b);
            continue;
        }
        glued = false;
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
            glue <<= 1;
            if hit(reg, glue, ALL) {
                return true;
            }
            continue;
        }
        for l in c.to_lowercase() {
            reg = (reg << 8) | if l.is_ascii() { l as u64 } else { 0 };
            glue <<= 1;
            if hit(reg, glue, ALL) {
                return true;
            }
        }
    }
    false
}

/// Cheap superset prefilter: could the extended hunt find something in (or through) this event?
/// Multi-part 4104 parts always qualify (a name may straddle a part boundary). Besides 4104
/// and process starts, PowerShell's 4103 / 800 / 400 / 403 / 600 (see `pslogs`).
pub fn is_candidate(e: &Event) -> bool {
    if e.is_script_block() {
        if e.is_split_part() {
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
    // 4103 / 800: the command names are in the CommandInvocation records; 400 / 403 / 600:
    // the host's command line, as for a process. The target side of a session gives no text.
    if let Some(t) = super::pslogs::log_text(e) {
        return match t.form {
            Form::Bindings => text_candidate(&t.text),
            Form::HostApplication => text_candidate(&t.text) || has_candidate_flag(&t.text),
        };
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

#[cfg(test)]
mod tests {
    use super::text_candidate;

    #[test]
    fn a_program_name_counts_only_where_a_command_name_can_start() {
        for text in [
            "powershell -enc SQBFAFgA",
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -e SQBFAFgA",
            "Start-Process pwsh -ArgumentList '-c','x'",
            "& ('power'+'shell') -enc SQBFAFgA",
            "$p = \"pwsh.exe\"",
            "po`wer`shell -ec SQBFAFgA",
            "(powershell -c x)",
        ] {
            assert!(text_candidate(text), "{text}");
        }
        for text in [
            "Import-Module -Name Microsoft.PowerShell.Management",
            "try { Update-Help -Module Microsoft.PowerShell.Core } catch {}",
            "Get-ChildItem $env:windir\\System32\\WindowsPowerShell",
            "$PSHOME_pwsh = 1; Invoke-RestMethod -Uri $u; Invoke-WebRequest $v",
        ] {
            assert!(!text_candidate(text), "{text}");
        }
    }
}
