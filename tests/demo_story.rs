//! The demo corpus: determinism, shape, field consistency and the story's known answers.

mod demo_support;

use std::collections::HashMap;

use demo_support::{check_answers, sb_match};
use huntbench::demo::{self, DemoOptions, world};
use huntbench::event::{CHANNEL_POWERSHELL_CORE, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

fn opts(seed: u64) -> DemoOptions {
    DemoOptions { seed, events: 0 }
}

#[test]
fn same_seed_same_corpus_other_seed_differs() {
    let a = demo::generate(&opts(7));
    let b = demo::generate(&opts(7));
    assert_eq!(a, b);
    let c = demo::generate(&opts(8));
    assert_eq!(c.len(), a.len());
    assert_ne!(a, c);
    assert_eq!(demo::expected(&opts(7)), demo::expected(&opts(7)));
    assert_ne!(demo::expected(&opts(7)), demo::expected(&opts(8)));
}

#[test]
fn default_size_order_and_record_ids() {
    let events = demo::generate(&opts(1));
    assert_eq!(events.len(), demo::DEFAULT_EVENTS);
    assert_eq!(demo::expected(&opts(1)).total_events, demo::DEFAULT_EVENTS);
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
    let mut last: HashMap<(String, String), u64> = HashMap::new();
    for e in &events {
        let rid = e.record_id.expect("every event has a record id");
        let prev = last.insert((e.computer.clone(), e.channel.clone()), rid);
        assert!(
            prev.is_none_or(|p| p < rid),
            "record ids must increase per log"
        );
    }
    let first = events.first().unwrap().time;
    let last_t = events.last().unwrap().time;
    assert!(first >= world::START && last_t < world::START + world::SPAN);
    assert_eq!(
        huntbench::time::iso_micros(world::START),
        "2026-03-09T00:00:00.000000Z"
    );
}

#[test]
fn counts_by_channel_and_code_as_designed() {
    let events = demo::generate(&opts(3));
    let count = |f: &dyn Fn(&Event) -> bool| events.iter().filter(|e| f(e)).count();
    // The scheduled health check: 144 runs, same script from MGMT01.
    let health = count(&|e| {
        e.is_script_block()
            && e.computer == world::MGMT
            && e.path.as_deref() == Some("C:\\Scripts\\Check-ServerHealth.ps1")
    });
    assert_eq!(health, 144);
    // Its target side: one network logon per run on each of the two servers, and one
    // wsmprovhost.exe start per logon, all from MGMT01.
    let svc_logons = count(&|e| {
        e.event_code == 4624
            && e.data.get("TargetUserName").map(String::as_str) == Some("svc_sched")
            && e.data.get("LogonType").map(String::as_str) == Some("3")
            && e.data.get("WorkstationName").map(String::as_str) == Some("MGMT01")
    });
    assert_eq!(svc_logons, 288);
    let svc_hosts = count(&|e| {
        e.process_name.as_deref() == Some("wsmprovhost.exe")
            && e.user.as_deref() == Some("CORP\\svc_sched")
    });
    assert_eq!(svc_hosts, 288);
    // The intruder's sessions: SRV-FILE02 x5, SRV-DB01 x4 (incl. New-PSSession by address and
    // the variable target list), DC01 x3 (one from SRV-FILE02, one as SRV-DB01's machine
    // account); each starts with a type-3 logon from the source's address.
    let exp = demo::expected(&opts(3));
    let (lo, hi) = exp.intrusion_window;
    let intruder: Vec<_> = exp.inbound.iter().filter(|s| s.intruder).collect();
    let on = |h: &str| intruder.iter().filter(|s| s.target == h).count();
    assert_eq!(
        (on(world::SRV_FILE), on(world::SRV_DB), on(world::DC)),
        (5, 4, 3)
    );
    for s in &intruder {
        assert!((lo..hi).contains(&s.first));
        let logon = count(&|e| {
            e.event_code == 4624
                // The session opens with it (or with the connection it came in on, 60 ms
                // before, where the target runs Sysmon).
                && (s.first..=s.first + 60_000).contains(&e.time)
                && e.computer == s.target
                && e.data.get("LogonType").map(String::as_str) == Some("3")
                && e.data.get("IpAddress") == Some(&s.source_ip)
        });
        assert_eq!(logon, 1, "{s:?}");
    }
    // Domain controllers run no Sysmon: their process starts are 4688s.
    let dc_sysmon = count(&|e| e.computer.starts_with("DC") && e.channel == CHANNEL_SYSMON);
    assert_eq!(dc_sysmon, 0);
    // PowerShell 7 logs to its own channel; the intruder's pwsh block is there.
    let core_hits = count(&|e| e.channel == CHANNEL_POWERSHELL_CORE && sb_match(e));
    assert_eq!(core_hits, 1);
    // Proportions: 4104 ~8–10 %, process creation ~10 %, the rest Security/Sysmon/System.
    let n = events.len() as f64;
    let sb = count(&|e| e.is_script_block()) as f64 / n;
    let pc = count(&|e| e.is_process_creation()) as f64 / n;
    assert!((0.08..0.14).contains(&sb), "4104 share {sb}");
    assert!((0.08..0.18).contains(&pc), "process share {pc}");
    for (channel, code) in [
        (CHANNEL_SECURITY, 4624),
        (CHANNEL_SECURITY, 4634),
        (CHANNEL_SECURITY, 4672),
        (CHANNEL_SECURITY, 4688),
        (CHANNEL_SYSMON, 1),
        (CHANNEL_SYSMON, 3),
        (CHANNEL_SYSMON, 11),
        ("System", 7036),
        ("System", 7040),
    ] {
        let c = count(&|e| e.channel == channel && e.event_code == code);
        assert!(c > 10, "{channel} {code}: {c}");
    }
}

fn basename(p: &str) -> &str {
    p.rsplit('\\').next().unwrap()
}

fn d<'a>(raw: &'a std::collections::BTreeMap<String, String>, k: &str) -> Option<&'a str> {
    raw.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// Every normalized field equals what a reader would map from the raw data (SEMANTICS.md §4).
fn assert_consistent(e: &Event) {
    let raw = huntbench::demo::raw_event_data(e);
    let o = |v: &Option<String>| v.as_deref().map(str::to_string);
    let s = |v: Option<&str>| v.map(str::to_string);
    assert!(!e.computer.is_empty() && !e.provider.is_empty());
    if e.event_code == 4104 {
        assert!(e.is_script_block());
        assert_eq!(o(&e.script_block_text), s(d(&raw, "ScriptBlockText")));
        assert_eq!(o(&e.script_block_id), s(d(&raw, "ScriptBlockId")));
        assert_eq!(o(&e.path), s(d(&raw, "Path")));
        let num = e.message_number.map(|n| n.to_string());
        assert_eq!(num, s(d(&raw, "MessageNumber")));
        let total = e.message_total.map(|n| n.to_string());
        assert_eq!(total, s(d(&raw, "MessageTotal")));
    } else if e.event_code == 1 && e.channel == CHANNEL_SYSMON {
        assert_eq!(o(&e.process), s(d(&raw, "CommandLine")));
        assert_eq!(o(&e.process_path), s(d(&raw, "Image")));
        assert_eq!(e.process_name.as_deref(), d(&raw, "Image").map(basename));
        assert_eq!(o(&e.process_id), s(d(&raw, "ProcessId")));
        assert_eq!(o(&e.parent_process), s(d(&raw, "ParentCommandLine")));
        let parent = d(&raw, "ParentImage").map(basename);
        assert_eq!(e.parent_process_name.as_deref(), parent);
        assert_eq!(o(&e.parent_process_id), s(d(&raw, "ParentProcessId")));
        assert_eq!(o(&e.original_file_name), s(d(&raw, "OriginalFileName")));
        assert_eq!(o(&e.process_guid), s(d(&raw, "ProcessGuid")));
        assert_eq!(o(&e.user), s(d(&raw, "User")));
        assert!(e.process_id.as_deref().unwrap().parse::<u32>().is_ok());
    } else if e.event_code == 4688 {
        assert_eq!(o(&e.process), s(d(&raw, "CommandLine")));
        assert_eq!(o(&e.process_path), s(d(&raw, "NewProcessName")));
        let name = d(&raw, "NewProcessName").map(basename);
        assert_eq!(e.process_name.as_deref(), name);
        assert_eq!(o(&e.process_id), s(d(&raw, "NewProcessId")));
        assert!(e.process_id.as_deref().unwrap().starts_with("0x"));
        assert_eq!(o(&e.parent_process), s(d(&raw, "ParentProcessName")));
        let parent = d(&raw, "ParentProcessName").map(basename);
        assert_eq!(e.parent_process_name.as_deref(), parent);
        assert_eq!(o(&e.parent_process_id), s(d(&raw, "ProcessId")));
        assert_eq!(e.original_file_name, None);
        let (dom, name) = match d(&raw, "TargetUserName").filter(|v| *v != "-") {
            Some(n) => (d(&raw, "TargetDomainName").unwrap(), n),
            None => (
                d(&raw, "SubjectDomainName").unwrap(),
                d(&raw, "SubjectUserName").unwrap(),
            ),
        };
        assert_eq!(e.user.as_deref(), Some(format!("{dom}\\{name}").as_str()));
    } else {
        assert!(e.process.is_none() && e.process_name.is_none());
        assert!(e.script_block_text.is_none() && e.user.is_none());
    }
    let decoded = e.process.as_deref().and_then(demo::decode_encoded_command);
    assert_eq!(e.decoded_command, decoded);
}

#[test]
fn normalized_fields_match_raw_data() {
    let events = demo::generate(&opts(11));
    for e in &events {
        assert_consistent(e);
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e.decoded_command.is_some())
            .count(),
        2
    );
}

/// System/Execution/@ProcessID on every event, as in a real log: one logging service per host
/// and channel (Sysmon, lsass, services.exe, WinRM's svchost), 0 for the classic Windows
/// PowerShell log, the host process for PowerShell/Operational.
#[test]
fn every_event_names_the_process_that_wrote_it() {
    let events = demo::generate(&opts(12));
    let mut by_log: HashMap<(String, String), std::collections::BTreeSet<u32>> = HashMap::new();
    for e in &events {
        let pid = e.pid.unwrap_or_else(|| panic!("no pid: {e:?}"));
        by_log
            .entry((e.computer.clone(), e.channel.clone()))
            .or_default()
            .insert(pid);
    }
    let services = [
        CHANNEL_SYSMON,
        CHANNEL_SECURITY,
        "System",
        "Microsoft-Windows-WinRM/Operational",
    ];
    for ((host, channel), pids) in &by_log {
        if services.contains(&channel.as_str()) {
            assert_eq!(pids.len(), 1, "{host} {channel}: {pids:?}");
            assert!(pids.iter().all(|p| *p > 4 && p % 4 == 0));
        } else if channel == "Windows PowerShell" {
            assert_eq!(pids.iter().collect::<Vec<_>>(), [&0]);
        }
    }
    // A host's Sysmon and its lsass are different processes.
    let pid = |c: &str| by_log[&(world::SRV_DB.to_string(), c.to_string())].clone();
    assert_ne!(pid(CHANNEL_SYSMON), pid(CHANNEL_SECURITY));
    // PowerShell 7's blocks come from the pwsh process, PowerShell 5's from many hosts.
    let ps = &by_log[&(
        world::MGMT.to_string(),
        huntbench::event::CHANNEL_POWERSHELL.to_string(),
    )];
    assert!(ps.len() > 100, "{}", ps.len());
}

#[test]
fn expected_answers_match_an_independent_reading() {
    let o = opts(5);
    let events = demo::generate(&o);
    let exp = demo::expected(&o);
    check_answers(&events, &exp);
    assert_eq!(exp.dropped_script_block_events, 1);
    // Script rows: intruder 6 (classic, PS7, renamed, encoded, hostile, the variable target
    // list), health check, admin restart, module part, help-desk FP. The second hop is
    // dropped (no user_id).
    assert_eq!(exp.script_block_rows.len(), 10);
    let health = exp
        .script_block_rows
        .iter()
        .find(|r| r.key[2] == world::MGMT && r.count == 144)
        .expect("the health check is one row of 144");
    assert!(exp.benign_script_block_keys.contains(&health.key));
    assert_eq!(exp.benign_script_block_keys.len(), 4);
    // Process rows: intruder powershell, pwsh (4688), renamed copy; 3 admin runs.
    assert_eq!(exp.process_rows.len(), 6);
    let pwsh = exp
        .process_rows
        .iter()
        .find(|r| r.key[3] == "pwsh.exe")
        .unwrap();
    assert!(pwsh.key[5].starts_with("0x"));
    assert!(
        exp.process_rows
            .iter()
            .any(|r| r.key[3] == "svchost-upd.exe")
    );
}

#[test]
fn benign_script_blocks_have_realistic_sizes() {
    let events = demo::generate(&opts(9));
    let sizes: Vec<usize> = events
        .iter()
        .filter(|e| e.is_script_block() && e.message_total == Some(1))
        .map(|e| e.script_block_text.as_ref().map_or(0, String::len))
        .collect();
    let max = sizes.iter().max().copied();
    assert!(sizes.iter().all(|&s| (20..=4_300).contains(&s)), "{max:?}");
    let mut sorted = sizes.clone();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    assert!((200..2_000).contains(&median), "median {median}");
}

#[test]
fn a_small_request_still_yields_the_whole_story() {
    let o = DemoOptions {
        seed: 2,
        events: 100,
    };
    let events = demo::generate(&o);
    let exp = demo::expected(&o);
    assert!(events.len() > 900, "{}", events.len());
    assert_eq!(exp.total_events, events.len());
    let full = demo::expected(&opts(2));
    assert_eq!(exp.script_block_rows, full.script_block_rows);
    assert_eq!(exp.process_rows, full.process_rows);
    check_answers(&events, &exp);
}
