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
