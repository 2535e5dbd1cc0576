//! `decoded_command`: the text behind `powershell -EncodedCommand <base64 of UTF-16LE>` on a
//! command line, so analysts and the extended layer can read and match it.

use base64::Engine;

/// Dash characters PowerShell accepts in front of a parameter name (it also takes en dash, em
/// dash and horizontal bar, a known evasion), and `/` as powershell.exe does.
const DASHES: &[char] = &['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Decode the argument of `-EncodedCommand` (or an accepted abbreviation: `-e`, `-ec`, `-enc`,
/// …) in a command line. None when there is none or it is not base64 of UTF-16LE text.
pub(crate) fn decoded_command(cmdline: &str) -> Option<String> {
    let mut tokens = cmdline.split_whitespace();
    while let Some(tok) = tokens.next() {
        let Some(name) = tok.strip_prefix(DASHES) else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let is_enc = name == "ec" || (!name.is_empty() && "encodedcommand".starts_with(&name));
        if !is_enc {
            continue;
        }
        let arg = tokens.next()?.trim_matches(['"', '\'']);
        if let Some(text) = decode_utf16_b64(arg) {
            return Some(text);
        }
    }
    None
}

fn decode_utf16_b64(arg: &str) -> Option<String> {
    let cleaned = arg.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(cleaned)
        .ok()?;
    if bytes.len() < 2 || bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16_lossy(&units);
    // Script text is mostly printable ASCII even when it holds other scripts' letters;
    // base64 of arbitrary bytes read as UTF-16 is mostly not.
    let ascii = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
        .count();
    (ascii * 10 >= text.chars().count() * 6).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let bytes: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn decodes_encoded_command_and_its_abbreviations() {
        let payload = "Invoke-Command -ComputerName srv01 {whoami}";
        for flag in ["-EncodedCommand", "-enc", "-e", "-EC", "/enc", "\u{2013}en"] {
            let cmd = format!("powershell.exe -NoP {flag} {}", enc(payload));
            assert_eq!(decoded_command(&cmd).as_deref(), Some(payload), "{flag}");
        }
        assert_eq!(
            decoded_command(&format!(
                "pwsh -ExecutionPolicy Bypass -enc \"{}\"",
                enc("id")
            ))
            .as_deref(),
            Some("id")
        );
        assert_eq!(
            decoded_command("powershell.exe -ExecutionPolicy Bypass -File x.ps1"),
            None
        );
        assert_eq!(decoded_command("powershell.exe -enc not*base64"), None);
        // Base64 of bytes that are not UTF-16 text.
        assert_eq!(
            decoded_command("powershell.exe -enc AAECAwQFBgcICQ=="),
            None
        );
    }
}
