//! The demo's target-side sessions, read independently from the generated corpus: every
//! session `expected.rs` declares is there as declared (logon, privileges, WinRM, the plug-in
//! host and its children in the logon), its PowerShell records carry the wsmprovhost pid, and
//! the host spellings occur with one name per address.

mod demo_support;

use std::collections::{BTreeSet, HashMap};

use demo_support::{corpus, session_events, short};
use huntbench::demo::{InboundSession, world};
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

#[test]
fn every_expected_session_is_in_the_corpus_as_declared() {
    let (events, exp) = corpus();
    let intruder = exp.inbound.iter().filter(|s| s.intruder).count();
    let automation = exp.inbound.len() - intruder;
    // 12 intruder sessions; 288 health checks, 6 admin restarts, 6 WinRS patch scans.
    assert_eq!((intruder, automation), (12, 300));
    let sources: BTreeSet<(&str, &str)> = exp
        .inbound
        .iter()
        .filter(|s| !s.intruder)
        .map(|s| (s.source.as_str(), s.user.as_str()))
        .collect();
    assert_eq!(
        sources,
        BTreeSet::from([
            (world::MGMT, "CORP\\adm.kowalski"),
            (world::PATCH, "CORP\\svc_patch"),
            (world::MGMT, "CORP\\svc_sched"),
        ])
    );
    let kinds =
        |s: &InboundSession| -> BTreeSet<(String, u32)> { s.evidence.iter().cloned().collect() };
    for s in &exp.inbound {
        let near = session_events(&events, s);
        // The 4624 opens the session (after the connection it came in on, where Sysmon logs
        // one), from the source's address, for the session's user.
        let logon = near
            .iter()
            .filter(|e| e.event_code == 4624 && e.time >= s.first)
            .min_by_key(|e| e.time)
            .filter(|e| e.time - s.first < 1_000_000)
            .unwrap_or_else(|| panic!("no logon for {s:?}"));
        assert_eq!(logon.data["LogonType"], "3");
        assert_eq!(logon.data["IpAddress"], s.source_ip);
        let user = format!(
            "{}\\{}",
            logon.data["TargetDomainName"], logon.data["TargetUserName"]
        );
        assert_eq!(user, s.user);
        let logon_id = &logon.data["TargetLogonId"];
        assert!(
            near.iter()
                .any(|e| e.event_code == 4672 && &e.data["SubjectLogonId"] == logon_id)
        );
        // WinRM names the same user.
        assert!(
            near.iter()
                .any(|e| e.event_code == 169 && e.data["username"] == s.user)
        );
        // The declared kinds are among those present in the session's minutes; Sysmon 3
        // only as the connection the target accepted on WinRM's port.
        let present: BTreeSet<(String, u32)> = near
            .iter()
            .filter(|e| {
                !(e.channel == CHANNEL_SYSMON && e.event_code == 3)
                    || (e.computer == s.target
                        && e.data.get("Initiated").map(String::as_str) == Some("false")
                        && e.data.get("DestinationPort").map(String::as_str) == Some("5985"))
            })
            .map(|e| (e.channel.clone(), e.event_code))
            .collect();
        assert!(kinds(s).is_subset(&present), "{s:?}");
        // The plug-in host and its children run as the session's user.
        let host = near
            .iter()
            .find(|e| {
                e.process_name
                    .as_deref()
                    .is_some_and(|n| n == "wsmprovhost.exe" || n == "winrshost.exe")
            })
            .expect("a plug-in host");
        assert!(host.user.as_deref().unwrap().eq_ignore_ascii_case(&s.user));
        // The host runs in the network logon: Sysmon's LogonId, or the 4688's TargetLogonId
        // (created by SYSTEM for that logon); its children are created within it.
        let in_logon = |e: &Event, sysmon_key: &str, sec_key: &str| {
            e.data.get(sysmon_key).or(e.data.get(sec_key)) == Some(logon_id)
        };
        assert!(in_logon(host, "LogonId", "TargetLogonId"), "{host:?}");
        let children: Vec<&str> = near
            .iter()
            .filter(|e| e.parent_process_id == host.process_id && e.is_process_creation())
            .map(|e| e.process.as_deref().unwrap())
            .collect();
        assert_eq!(children, s.commands, "{s:?}");
        assert!(
            near.iter()
                .filter(|e| e.parent_process_id == host.process_id && e.is_process_creation())
                .all(|e| in_logon(e, "LogonId", "SubjectLogonId"))
        );
    }
    // The full kinds of an intruder session on a Sysmon host with script-block logging.
    let full = exp
        .inbound
        .iter()
        .find(|s| s.intruder && s.target == world::SRV_DB && !s.commands.is_empty())
        .unwrap();
    let want: BTreeSet<(String, u32)> = [
        (CHANNEL_SECURITY, 4624),
        (CHANNEL_SECURITY, 4672),
        ("Microsoft-Windows-WinRM/Operational", 91),
        ("Microsoft-Windows-WinRM/Operational", 169),
        (CHANNEL_SYSMON, 1),
        (CHANNEL_SYSMON, 3),
        ("Windows PowerShell", 400),
        ("Windows PowerShell", 403),
        (CHANNEL_POWERSHELL, 4104),
        (CHANNEL_POWERSHELL, 40961),
        (CHANNEL_POWERSHELL, 40962),
        (CHANNEL_POWERSHELL, 53504),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_string(), n))
    .collect();
    assert_eq!(kinds(full), want);
    // The 12 kinds, wsmprovhost.exe and its child both Sysmon 1, the accepted connection
    // Sysmon 3.
    assert_eq!(full.count, 13);
}

#[test]
fn target_side_powershell_records_carry_the_wsmprovhost_pid() {
    let (events, exp) = corpus();
    let mut checked = 0;
    for s in exp
        .inbound
        .iter()
        .filter(|s| s.evidence.iter().any(|(_, c)| *c == 53504))
    {
        let near = session_events(&events, s);
        let host = near
            .iter()
            .find(|e| e.process_name.as_deref() == Some("wsmprovhost.exe"))
            .unwrap();
        let pid = host.process_id.as_deref().unwrap();
        let pid: u32 = match pid.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16).unwrap(),
            None => pid.parse().unwrap(),
        };
        let ops: Vec<&&Event> = near
            .iter()
            .filter(|e| e.channel == CHANNEL_POWERSHELL)
            .collect();
        assert!(!ops.is_empty());
        for e in ops {
            assert_eq!(e.pid, Some(pid), "{} on {}", e.event_code, e.computer);
        }
        // 53504 names the pid in its data too; the 400 says ServerRemoteHost.
        let ipc = near.iter().find(|e| e.event_code == 53504).unwrap();
        assert_eq!(ipc.data["param1"], pid.to_string());
        let engine = near.iter().find(|e| e.event_code == 400).unwrap();
        assert_eq!(engine.pid, Some(0));
        let details = &engine.data["Data_3"];
        assert!(details.contains("\tHostName=ServerRemoteHost\r\n"));
        assert!(
            details.contains(
                "\tHostApplication=C:\\Windows\\system32\\wsmprovhost.exe -Embedding\r\n"
            )
        );
        checked += 1;
    }
    assert!(checked >= 15, "{checked}");
    // Source-side script blocks come from the user's console or the PowerShell process that
    // ran them, never from a wsmprovhost.exe.
    let pid_of = |e: &Event| {
        let p = e.process_id.as_deref()?;
        match p.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => p.parse().ok(),
        }
    };
    let ws_processes: BTreeSet<u32> = events
        .iter()
        .filter(|e| e.computer == world::WS_FIN && e.is_process_creation())
        .filter_map(pid_of)
        .collect();
    let ws_blocks: Vec<u32> = events
        .iter()
        .filter(|e| e.computer == world::WS_FIN && e.is_script_block())
        .filter(|e| e.user_id.as_deref() == Some(world::VICTIM.sid().as_str()))
        .filter(|e| {
            let t = e.script_block_text.as_deref().unwrap();
            t.contains("Invoke-Command -ComputerName") || t.contains("-PSSession")
        })
        .map(|e| e.pid.unwrap())
        .collect();
    let from_processes = ws_blocks
        .iter()
        .filter(|p| ws_processes.contains(p))
        .count();
    let consoles: BTreeSet<u32> = ws_blocks
        .iter()
        .filter(|p| !ws_processes.contains(p))
        .copied()
        .collect();
    // powershell.exe -Command and -EncodedCommand log their own blocks; the rest were typed.
    assert_eq!(from_processes, 2, "{ws_blocks:?}");
    assert_eq!(consoles.len(), 1, "{consoles:?}");
}

#[test]
fn spellings_occur_and_every_address_names_one_host() {
    let (events, exp) = corpus();
    let mut texts: Vec<String> = Vec::new();
    for e in &events {
        texts.extend(e.data.values().cloned());
        texts.extend(e.script_block_text.clone());
        texts.push(e.computer.clone());
    }
    let user_of = |e: &Event| -> Option<String> {
        (e.event_code == 4624).then(|| {
            format!(
                "{}\\{}",
                e.data["TargetDomainName"], e.data["TargetUserName"]
            )
        })
    };
    texts.extend(events.iter().filter_map(user_of));
    for (host, names) in &exp.spellings {
        for n in names {
            assert!(
                texts.iter().any(|t| t.contains(n.as_str())),
                "{host}: {n} never written"
            );
        }
    }
    let db: Vec<&str> = exp
        .spellings
        .iter()
        .find(|(h, _)| h == world::SRV_DB)
        .unwrap()
        .1
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        db,
        [
            "SRV-DB01.corp.local",
            "SRV-DB01",
            "10.20.1.21",
            "srv-db01.corp.local",
            "CORP\\SRV-DB01$"
        ]
    );
    // IP → name, from 4624 (IpAddress, WorkstationName) and Sysmon 3 (SourceIp,
    // SourceHostname): one name per address, so the index can map an address back.
    let mut names: HashMap<String, BTreeSet<String>> = HashMap::new();
    for e in &events {
        let pair = match (e.channel.as_str(), e.event_code) {
            (CHANNEL_SECURITY, 4624) => ("IpAddress", "WorkstationName"),
            (CHANNEL_SYSMON, 3) => ("SourceIp", "SourceHostname"),
            _ => continue,
        };
        let (Some(ip), Some(name)) = (e.data.get(pair.0), e.data.get(pair.1)) else {
            continue;
        };
        if ip == "-" || ip == "127.0.0.1" || name == "-" {
            continue;
        }
        names.entry(ip.clone()).or_default().insert(short(name));
    }
    for (ip, n) in &names {
        assert_eq!(n.len(), 1, "{ip} names {n:?}");
    }
    for host in [
        world::WS_FIN,
        world::SRV_FILE,
        world::SRV_DB,
        world::MGMT,
        world::PATCH,
    ] {
        let got = names
            .get(&world::ip(host))
            .unwrap_or_else(|| panic!("{host}"));
        assert_eq!(got, &BTreeSet::from([short(host)]));
    }
}
