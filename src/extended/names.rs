//! Command names: which remoting cmdlet (or WinRM client) a name denotes, through aliases,
//! module qualification and `Get-Command` wildcards.

/// What a command is, for detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmdlet {
    Invoke,
    NewSession,
    EnterSession,
    Iex,
    PowerShell,
    /// `winrs.exe -r:host cmd` (Windows Remote Shell, a WinRM client).
    Winrs,
    /// `evil-winrm -i host` (a non-PowerShell WinRM client).
    EvilWinrm,
    /// `Connect-PSSession` / `Receive-PSSession`: reattach to a (disconnected) remote session.
    Reconnect,
    /// `Invoke-CimMethod Win32_Process Create` over a WS-Man CIM session (WinRM).
    Cim,
    /// `Set-Alias` / `New-Alias`: defines a name for a command.
    AliasDef,
}

/// Canonical lower-case names the detector knows, with their kind and technique label.
const KNOWN: &[(&str, Cmdlet, &str)] = &[
    ("invoke-command", Cmdlet::Invoke, "invoke-command"),
    ("icm", Cmdlet::Invoke, "icm"),
    ("new-pssession", Cmdlet::NewSession, "new-pssession"),
    ("nsn", Cmdlet::NewSession, "new-pssession"),
    ("enter-pssession", Cmdlet::EnterSession, "enter-pssession"),
    ("etsn", Cmdlet::EnterSession, "etsn"),
    ("invoke-expression", Cmdlet::Iex, "iex"),
    ("iex", Cmdlet::Iex, "iex"),
    ("powershell", Cmdlet::PowerShell, "powershell"),
    ("pwsh", Cmdlet::PowerShell, "powershell"),
    ("powershell_ise", Cmdlet::PowerShell, "powershell"),
    ("connect-pssession", Cmdlet::Reconnect, "connect-pssession"),
    ("cnsn", Cmdlet::Reconnect, "connect-pssession"),
    ("receive-pssession", Cmdlet::Reconnect, "receive-pssession"),
    ("rcsn", Cmdlet::Reconnect, "receive-pssession"),
    ("invoke-cimmethod", Cmdlet::Cim, "invoke-cimmethod"),
    ("icim", Cmdlet::Cim, "icim"),
    ("new-cimsession", Cmdlet::NewSession, "new-cimsession"),
    ("winrs", Cmdlet::Winrs, "winrs"),
    ("evil-winrm", Cmdlet::EvilWinrm, "evil-winrm"),
    ("set-alias", Cmdlet::AliasDef, "alias"),
    ("new-alias", Cmdlet::AliasDef, "alias"),
    ("sal", Cmdlet::AliasDef, "alias"),
    ("nal", Cmdlet::AliasDef, "alias"),
];

/// Lower-case, without module qualifier, path, `.exe` / `.rb` suffix, or normalized dashes.
pub fn normalize(name: &str) -> String {
    // One allocation for the usual ASCII name: this runs on every command word of every
    // script analyzed at ingest.
    let base = name.rsplit(['\\', '/']).next().unwrap_or(name);
    let mut out = if base.is_ascii() {
        base.to_ascii_lowercase()
    } else {
        base.replace(super::lexer::is_dash, "-").to_lowercase()
    };
    if let Some(n) = [".exe", ".rb"]
        .iter()
        .find_map(|s| out.strip_suffix(s).map(str::len))
    {
        out.truncate(n);
    }
    out
}

/// The kind and label of a normalized name.
pub fn lookup(name: &str) -> Option<(Cmdlet, &'static str)> {
    KNOWN
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|&(_, k, l)| (k, l))
}

/// `Get-Command` semantics for a pattern: the first remoting cmdlet name it matches.
/// Wildcards `*` and `?` are honoured (`gcm *ke-Comm*`); aliases are not commands here.
pub fn get_command(pattern: &str) -> Option<String> {
    let p = normalize(pattern);
    const CMDLETS: &[&str] = &[
        "invoke-command",
        "new-pssession",
        "enter-pssession",
        "invoke-expression",
    ];
    if !p.contains(['*', '?']) {
        return Some(p);
    }
    CMDLETS
        .iter()
        .find(|c| glob(p.as_bytes(), c.as_bytes()))
        .map(|c| c.to_string())
}

/// Wildcard match, linear-time (greedy with one backtrack point).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            normalize("Microsoft.PowerShell.Core\\Invoke\u{2013}Command"),
            "invoke-command"
        );
        assert_eq!(normalize("C:\\Windows\\System32\\winrs.exe"), "winrs");
        assert_eq!(get_command("*ke-Comm*").as_deref(), Some("invoke-command"));
        assert_eq!(get_command("Ent?r-PS*").as_deref(), Some("enter-pssession"));
        assert_eq!(get_command("*-Service"), None);
        assert_eq!(get_command("icm").as_deref(), Some("icm"));
    }
}
