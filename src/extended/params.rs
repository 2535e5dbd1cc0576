//! Parameter tables of the remoting cmdlets, and PowerShell's prefix resolution over them.
//!
//! PowerShell binds `-Comp` to ComputerName because no other parameter of the cmdlet starts with
//! `comp`; `-Co` is ambiguous (ComputerName, ConfigurationName, ConnectionUri, ContainerId) and
//! the call fails, so it is not remoting. The lists are Windows PowerShell 5.1's plus
//! PowerShell 7's additions; a prefix counts when it is unique in either version.

/// One parameter: canonical name, aliases, whether it is a switch (takes no value), PS7-only.
pub struct Param {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub switch: bool,
    pub ps7: bool,
}

const fn p(name: &'static str, aliases: &'static [&'static str]) -> Param {
    Param {
        name,
        aliases,
        switch: false,
        ps7: false,
    }
}
const fn sw(name: &'static str, aliases: &'static [&'static str]) -> Param {
    Param {
        name,
        aliases,
        switch: true,
        ps7: false,
    }
}
const fn p7(name: &'static str, aliases: &'static [&'static str], switch: bool) -> Param {
    Param {
        name,
        aliases,
        switch,
        ps7: true,
    }
}

const COMMON: &[Param] = &[
    sw("Verbose", &["vb"]),
    sw("Debug", &["db"]),
    p("ErrorAction", &["ea"]),
    p("WarningAction", &["wa"]),
    p("InformationAction", &["infa"]),
    p("ErrorVariable", &["ev"]),
    p("WarningVariable", &["wv"]),
    p("InformationVariable", &["iv"]),
    p("OutVariable", &["ov"]),
    p("OutBuffer", &["ob"]),
    p("PipelineVariable", &["pv"]),
    p7("ProgressAction", &["proga"], false),
];

/// Invoke-Command (alias `icm`).
pub const INVOKE_COMMAND: &[Param] = &[
    sw("AllowRedirection", &[]),
    p("ApplicationName", &[]),
    p("ArgumentList", &["Args"]),
    sw("AsJob", &[]),
    p("Authentication", &[]),
    p("CertificateThumbprint", &[]),
    p("ComputerName", &["Cn"]),
    p("ConfigurationName", &[]),
    p("ConnectionUri", &["URI", "CU"]),
    p("ContainerId", &[]),
    p("Credential", &[]),
    sw("EnableNetworkAccess", &[]),
    p("FilePath", &["PSPath"]),
    sw("HideComputerName", &["HCN"]),
    sw("InDisconnectedSession", &["Disconnected"]),
    p("InputObject", &[]),
    p("JobName", &[]),
    sw("NoNewScope", &[]),
    p("Port", &[]),
    sw("RunAsAdministrator", &[]),
    p("ScriptBlock", &["Command"]),
    p("Session", &[]),
    p("SessionName", &[]),
    p("SessionOption", &[]),
    p("ThrottleLimit", &[]),
    sw("UseSSL", &[]),
    p("VMId", &["VMGuid"]),
    p("VMName", &[]),
    p7("HostName", &[], false),
    p7("KeyFilePath", &["IdentityFilePath"], false),
    sw("RemoteDebug", &[]),
    p7("SSHConnection", &[], false),
    p7("SSHTransport", &[], true),
    p7("Subsystem", &[], false),
    p7("UserName", &[], false),
    p7("ConnectingTimeout", &[], false),
    p7("Options", &[], false),
];

/// New-PSSession (alias `nsn`) and Enter-PSSession (alias `etsn`).
pub const PSSESSION: &[Param] = &[
    sw("AllowRedirection", &[]),
    p("ApplicationName", &[]),
    p("Authentication", &[]),
    p("CertificateThumbprint", &[]),
    p("ComputerName", &["Cn"]),
    p("ConfigurationName", &[]),
    p("ConnectionUri", &["URI", "CU"]),
    p("ContainerId", &[]),
    p("Credential", &[]),
    sw("EnableNetworkAccess", &[]),
    p("Id", &[]),
    p("InstanceId", &[]),
    p("Name", &[]),
    p("Port", &[]),
    sw("RunAsAdministrator", &[]),
    p("Session", &[]),
    p("SessionOption", &[]),
    p("ThrottleLimit", &[]),
    sw("UseSSL", &[]),
    p("VMId", &["VMGuid"]),
    p("VMName", &[]),
    p7("HostName", &[], false),
    p7("KeyFilePath", &["IdentityFilePath"], false),
    p7("SSHConnection", &[], false),
    p7("SSHTransport", &[], true),
    p7("Subsystem", &[], false),
    p7("UserName", &[], false),
    p7("UseWindowsPowerShell", &[], true),
    p7("ConnectingTimeout", &[], false),
    p7("Options", &[], false),
];

/// Invoke-CimMethod (alias `icim`); CIM sessions default to WS-Man, i.e. WinRM.
pub const CIM_METHOD: &[Param] = &[
    p("Arguments", &[]),
    p("CimClass", &[]),
    p("CimSession", &[]),
    p("ClassName", &["Class"]),
    p("ComputerName", &["Cn"]),
    p("InputObject", &["CimInstance"]),
    p("MethodName", &["Name"]),
    p("Namespace", &[]),
    p("OperationTimeoutSec", &["OT"]),
    p("Query", &[]),
    p("QueryDialect", &[]),
    p("ResourceUri", &[]),
    sw("WhatIf", &["wi"]),
    sw("Confirm", &["cf"]),
];

/// How a typed parameter name reached its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Exact,
    Alias,
    Prefix,
}

/// Resolve a typed name (no dash) as PowerShell does: exact name or alias first, then a prefix
/// that is unique among the cmdlet's parameters (in 5.1 or in 7). `None`: unknown or ambiguous.
pub fn resolve(table: &'static [Param], typed: &str) -> Option<(&'static Param, How)> {
    let all = || table.iter().chain(COMMON.iter());
    for q in all() {
        if q.name.eq_ignore_ascii_case(typed) {
            return Some((q, How::Exact));
        }
        if q.aliases.iter().any(|a| a.eq_ignore_ascii_case(typed)) {
            return Some((q, How::Alias));
        }
    }
    if typed.is_empty() {
        return None;
    }
    let lower = typed.to_ascii_lowercase();
    let starts = |q: &&Param| q.name.to_ascii_lowercase().starts_with(&lower);
    for include_ps7 in [false, true] {
        let mut hits = all().filter(|q| include_ps7 || !q.ps7).filter(starts);
        if let (Some(one), None) = (hits.next(), hits.next()) {
            return Some((one, How::Prefix));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        let name = |t| resolve(INVOKE_COMMAND, t).map(|(q, h)| (q.name, h));
        assert_eq!(name("Comp"), Some(("ComputerName", How::Prefix)));
        assert_eq!(name("computern"), Some(("ComputerName", How::Prefix)));
        assert_eq!(name("CN"), Some(("ComputerName", How::Alias)));
        assert_eq!(name("ComputerName"), Some(("ComputerName", How::Exact)));
        assert_eq!(name("Co"), None);
        assert_eq!(name("C"), None);
        assert_eq!(name("Conn"), Some(("ConnectionUri", How::Prefix)));
        assert_eq!(name("s"), None);
        assert_eq!(name("Sc"), Some(("ScriptBlock", How::Prefix)));
    }
}
