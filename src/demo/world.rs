//! The fictional network the demo story happens in: hosts, accounts, SIDs and the time line.
//!
//! Everything the story and the expected answers use comes from here, so the two cannot drift.

/// Domain part of every CORP account SID.
pub const DOMAIN_SID: &str = "S-1-5-21-3471920647-2189324781-1592864017";
/// NetBIOS domain name.
pub const DOMAIN: &str = "CORP";

/// 2026-03-09T00:00:00Z in microseconds: the corpus starts here.
pub const START: i64 = 1_773_014_400_000_000;
/// The corpus spans three days.
pub const SPAN: i64 = 3 * 86_400 * 1_000_000;
/// 2026-03-10T14:00:00Z: the intrusion starts here and lasts about 90 minutes.
pub const INTRUSION_START: i64 = START + 86_400_000_000 + 14 * 3_600_000_000;
/// Minutes to microseconds.
pub const MINUTE: i64 = 60_000_000;

/// The intruder's foothold.
pub const WS_FIN: &str = "WS-FIN-07.corp.local";
/// The management host that runs scheduled admin automation (the known false positive).
pub const MGMT: &str = "MGMT01.corp.local";
/// Database server (intrusion target, admin target).
pub const SRV_DB: &str = "SRV-DB01.corp.local";
/// File server (intrusion target, admin target).
pub const SRV_FILE: &str = "SRV-FILE02.corp.local";
/// The patch-compliance server: a compiled WinRM client that opens WinRS shells on the DCs.
pub const PATCH: &str = "SRV-PATCH01.corp.local";
/// Domain controller (final target; logs 4688, no Sysmon).
pub const DC: &str = "DC01.corp.local";
/// A help-desk workstation with the classic ESCU false positive.
pub const WS_HR: &str = "WS-HR-03.corp.local";

/// A domain account.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// sAMAccountName.
    pub name: &'static str,
    /// Relative id; the SID is DOMAIN_SID-rid.
    pub rid: u32,
}

impl Account {
    /// The account's SID.
    pub fn sid(&self) -> String {
        format!("{DOMAIN_SID}-{}", self.rid)
    }
    /// `CORP\name`, as Sysmon's User field and Splunk's `user` show it.
    pub fn qualified(&self) -> String {
        format!("{DOMAIN}\\{}", self.name)
    }
}

/// The finance clerk whose workstation the intruder controls.
pub const VICTIM: Account = Account {
    name: "j.miller",
    rid: 1104,
};
/// The server administrator (interactive admin work from MGMT01).
pub const ADMIN: Account = Account {
    name: "adm.kowalski",
    rid: 1107,
};
/// The service account of the scheduled health check.
pub const SVC: Account = Account {
    name: "svc_sched",
    rid: 1120,
};
/// Help-desk user of WS-HR-03.
pub const HELPDESK: Account = Account {
    name: "h.nguyen",
    rid: 1131,
};

/// The patch-compliance service account: a compiled WinRS client on MGMT01, no PowerShell.
pub const SVC_PATCH: Account = Account {
    name: "svc_patch",
    rid: 1121,
};

/// A host's machine account as a network logon names it: `SRV-DB01.corp.local` → `SRV-DB01$`.
pub fn machine_account(fqdn: &str) -> String {
    format!("{}$", short(fqdn))
}

/// A machine account's SID (stable per host, in the RIDs computer objects got at join time).
pub fn machine_sid(fqdn: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(short(fqdn).to_lowercase().as_bytes());
    format!("{DOMAIN_SID}-{}", 2_600 + h % 400)
}

/// Whether a host has script-block logging (4104) turned on. SRV-FILE02 does not: its
/// sessions show in the Windows PowerShell and WinRM logs, never as script blocks, and a hop
/// onward from it leaves no source-side record.
pub fn logs_script_blocks(fqdn: &str) -> bool {
    !fqdn.eq_ignore_ascii_case(SRV_FILE)
}

/// LocalSystem.
pub const SYSTEM_SID: &str = "S-1-5-18";

/// Ordinary users that show up in background noise.
pub const NOISE_USERS: &[Account] = &[
    Account {
        name: "a.schmidt",
        rid: 1111,
    },
    Account {
        name: "b.okafor",
        rid: 1112,
    },
    Account {
        name: "c.dubois",
        rid: 1113,
    },
    Account {
        name: "d.rossi",
        rid: 1114,
    },
    Account {
        name: "e.larsen",
        rid: 1115,
    },
    Account {
        name: "f.yamamoto",
        rid: 1116,
    },
    Account {
        name: "g.patel",
        rid: 1117,
    },
    Account {
        name: "h.nguyen",
        rid: 1131,
    },
    Account {
        name: "i.novak",
        rid: 1132,
    },
    Account {
        name: "k.mueller",
        rid: 1133,
    },
    Account {
        name: "l.garcia",
        rid: 1134,
    },
    Account {
        name: "m.kim",
        rid: 1135,
    },
    Account {
        name: "j.miller",
        rid: 1104,
    },
];

/// Hosts that only produce background noise (plus the story hosts below).
pub const NOISE_HOSTS: &[&str] = &[
    "WS-FIN-01.corp.local",
    "WS-FIN-02.corp.local",
    "WS-FIN-05.corp.local",
    "WS-FIN-07.corp.local",
    "WS-HR-01.corp.local",
    "WS-HR-03.corp.local",
    "WS-ENG-04.corp.local",
    "WS-ENG-11.corp.local",
    "WS-ENG-12.corp.local",
    "WS-ENG-19.corp.local",
    "WS-SALES-02.corp.local",
    "WS-SALES-08.corp.local",
    "MGMT01.corp.local",
    "SRV-DB01.corp.local",
    "SRV-FILE02.corp.local",
    "SRV-APP01.corp.local",
    "SRV-APP02.corp.local",
    "SRV-WEB01.corp.local",
    "SRV-PRINT01.corp.local",
    "DC01.corp.local",
    "DC02.corp.local",
];

/// Every named host's IPv4 address: one address per host, so a 4624 IpAddress or a Sysmon 3
/// SourceIp anywhere in the corpus maps back to exactly one name (the normalization the edges
/// rely on). Agrees with the peers in catalog.rs.
const ADDRESSES: &[(&str, &str)] = &[
    ("DC01.corp.local", "10.20.0.10"),
    ("DC02.corp.local", "10.20.0.11"),
    ("MGMT01.corp.local", "10.20.0.20"),
    ("SRV-PATCH01.corp.local", "10.20.0.30"),
    ("SRV-FILE02.corp.local", "10.20.1.40"),
    ("SRV-DB01.corp.local", "10.20.1.21"),
    ("SRV-PRINT01.corp.local", "10.20.1.60"),
    ("SRV-WEB01.corp.local", "10.20.1.80"),
    ("SRV-APP01.corp.local", "10.20.6.1"),
    ("SRV-APP02.corp.local", "10.20.6.2"),
    ("WS-FIN-01.corp.local", "10.20.3.51"),
    ("WS-FIN-02.corp.local", "10.20.3.52"),
    ("WS-FIN-05.corp.local", "10.20.3.55"),
    ("WS-FIN-07.corp.local", "10.20.3.57"),
    ("WS-HR-01.corp.local", "10.20.4.31"),
    ("WS-HR-03.corp.local", "10.20.4.33"),
    ("WS-ENG-04.corp.local", "10.20.5.104"),
    ("WS-ENG-11.corp.local", "10.20.5.111"),
    ("WS-ENG-12.corp.local", "10.20.5.112"),
    ("WS-ENG-19.corp.local", "10.20.5.119"),
    ("WS-SALES-02.corp.local", "10.20.2.62"),
    ("WS-SALES-08.corp.local", "10.20.2.68"),
];

/// The IPv4 address of a host of the network (fleet servers `SRV-APPnn`: `10.20.6.nn`).
pub fn ip(fqdn: &str) -> String {
    if let Some((_, ip)) = ADDRESSES.iter().find(|(h, _)| h.eq_ignore_ascii_case(fqdn)) {
        return ip.to_string();
    }
    let n: u32 = short(fqdn)
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(0);
    format!("10.20.6.{}", n % 250)
}

/// The short (first-label) name of a host: `SRV-DB01.corp.local` → `SRV-DB01`.
pub fn short(fqdn: &str) -> &str {
    fqdn.split('.').next().unwrap_or(fqdn)
}

/// Name of the n-th (1-based) application server of the fleet used by the scaled corpus.
pub fn fleet_host(n: usize) -> String {
    format!("SRV-APP{n:02}.corp.local")
}

/// Basename of a Windows path (`C:\x\powershell.exe` → `powershell.exe`).
pub fn basename(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}
