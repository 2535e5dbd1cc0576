//! `decoded_command`: the text behind `powershell -EncodedCommand <base64 of UTF-16LE>` on a
//! command line, so analysts and the extended layer can read and match it.

/// Decode the argument of `-EncodedCommand` (or an accepted abbreviation) in a command line.
/// The rule lives in one place, the extended layer, so readers, pipeline and hunt agree.
pub(crate) fn decoded_command(cmdline: &str) -> Option<String> {
    crate::extended::decode_encoded_command(cmdline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

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
