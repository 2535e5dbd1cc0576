//! The script a `powershell.exe` / `pwsh` command line runs.
//!
//! A process command line is Windows argv text, not PowerShell: `powershell.exe -nop icm srv {…}`
//! runs `icm srv {…}`, and `"C:\…\powershell.exe" -Command "…"` runs the quoted text. This
//! finds the PowerShell host among the words (also after `cmd /c`), skips its own switches and
//! returns the rest, which detect() then reads as PowerShell.

use super::lexer::is_dash;

/// Words of a Windows command line with their byte offsets; double quotes group.
fn words(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match (start, c) {
            (None, c) if c.is_whitespace() => {}
            (None, _) => {
                start = Some(i);
                quoted = c == '"';
            }
            (Some(_), '"') => quoted = !quoted,
            (Some(s), c) if c.is_whitespace() && !quoted => {
                out.push((s, &line[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

fn is_powershell_host(word: &str) -> bool {
    let w = word.trim_matches('"').to_ascii_lowercase();
    let base = w.rsplit(['\\', '/']).next().unwrap_or(&w);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    matches!(base, "powershell" | "pwsh" | "powershell_ise")
}

/// Is `typed` an accepted abbreviation of `full` (at least `min` characters)?
fn abbrev(typed: &str, full: &str, min: usize) -> bool {
    typed.len() >= min && full.starts_with(typed)
}

enum Flag {
    /// The script follows.
    Command,
    /// No inline script: `-File`, `-EncodedCommand` (decoded elsewhere).
    Stop,
    /// A switch with a value to skip.
    WithValue,
    Switch,
}

fn flag(name: &str) -> Flag {
    let n = name.to_ascii_lowercase();
    let n = n.as_str();
    if n == "c" || abbrev(n, "command", 3) {
        return Flag::Command;
    }
    if n == "ec" || abbrev(n, "encodedcommand", 1) || n == "f" || abbrev(n, "file", 2) {
        return Flag::Stop;
    }
    let with_value = n == "ep"
        || abbrev(n, "executionpolicy", 2)
        || abbrev(n, "windowstyle", 1)
        || abbrev(n, "version", 1)
        || abbrev(n, "inputformat", 3)
        || abbrev(n, "outputformat", 1)
        || abbrev(n, "configurationname", 4)
        || n == "wd"
        || abbrev(n, "workingdirectory", 4)
        || abbrev(n, "psconsolefile", 2)
        || abbrev(n, "settingsfile", 2)
        || abbrev(n, "custompipename", 2)
        || n == "ea"
        || abbrev(n, "encodedarguments", 8);
    if with_value {
        Flag::WithValue
    } else {
        Flag::Switch
    }
}

/// The inline script of the first PowerShell host on the command line, if it has one.
pub fn command_line_script(cmdline: &str) -> Option<String> {
    let ws = words(cmdline);
    let host = ws.iter().position(|(_, w)| is_powershell_host(w))?;
    let mut i = host + 1;
    while i < ws.len() {
        let (at, w) = ws[i];
        let mut chars = w.chars();
        let first = chars.next().unwrap_or(' ');
        if !(is_dash(first) || first == '/') || w.len() == 1 {
            return Some(script_from(&cmdline[at..]));
        }
        match flag(chars.as_str()) {
            Flag::Command => {
                let (at, _) = *ws.get(i + 1)?;
                return Some(script_from(&cmdline[at..]));
            }
            Flag::Stop => return None,
            Flag::WithValue => i += 2,
            Flag::Switch => i += 1,
        }
    }
    None
}

/// A single quoted argument loses its quotes; `\"` is a literal quote (CommandLineToArgvW).
fn script_from(rest: &str) -> String {
    let rest = rest.trim_end();
    let unquoted = match rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.replace("\\\"", "").contains('"') => inner,
        _ => rest,
    };
    unquoted.replace("\\\"", "\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        let s = |c| command_line_script(c);
        assert_eq!(
            s("powershell.exe -nop -w hidden icm srv {id}").as_deref(),
            Some("icm srv {id}")
        );
        assert_eq!(
            s(r#""C:\W\powershell.exe" -ExecutionPolicy Bypass -Command "icm -cn \"a\" {1}""#)
                .as_deref(),
            Some(r#"icm -cn "a" {1}"#)
        );
        assert_eq!(s("cmd /c pwsh -c whoami").as_deref(), Some("whoami"));
        assert_eq!(s("powershell -File x.ps1 icm"), None);
        assert_eq!(s("powershell -enc AAAA"), None);
        assert_eq!(s("notepad.exe icm srv {}"), None);
    }
}
