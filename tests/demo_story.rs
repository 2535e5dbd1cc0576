//! The demo corpus: determinism, shape, field consistency and the story's known answers.

use std::collections::{BTreeMap, HashMap};

use huntbench::demo::{
    self, DemoOptions, Evasion, Expected, ExpectedRow, process_key, script_block_key, world,
};
use huntbench::event::{CHANNEL_POWERSHELL_CORE, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

fn opts(seed: u64) -> DemoOptions {
    DemoOptions { seed, events: 0 }
}

fn has(text: &str, needle: &str) -> bool {
    text.to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

/// An independent, naive reading of the two analytics, to check the declared answers.
fn sb_match(e: &Event) -> bool {
    e.is_script_block()
        && e.script_block_text
            .as_deref()
            .is_some_and(|t| has(t, "Invoke-Command") && has(t, "-ComputerName"))
}

fn proc_match(e: &Event) -> bool {
    let in_set = |v: &Option<String>, set: &[&str]| {
        v.as_deref()
            .is_some_and(|v| set.iter().any(|s| s.eq_ignore_ascii_case(v)))
    };
    let names = [
        "pwsh.exe",
        "sqlps.exe",
        "sqltoolsps.exe",
        "powershell.exe",
        "powershell_ise.exe",
    ];
    let powershell = in_set(&e.process_name, &names)
        || in_set(
            &e.original_file_name,
            &["pwsh.dll", "PowerShell.EXE", "powershell_ise.EXE"],
        );
    e.is_process_creation()
        && powershell
        && e.process
            .as_deref()
            .is_some_and(|t| has(t, "Invoke-Command") && has(t, "-ComputerName"))
}

fn naive_rows<'a>(
    events: impl Iterator<Item = &'a Event>,
    key: impl Fn(&Event) -> Option<Vec<String>>,
) -> Vec<ExpectedRow> {
    let mut m: BTreeMap<Vec<String>, (u64, i64, i64)> = BTreeMap::new();
    for e in events {
        if let Some(k) = key(e) {
            let r = m.entry(k).or_insert((0, e.time, e.time));
            r.0 += 1;
            r.1 = r.1.min(e.time);
            r.2 = r.2.max(e.time);
        }
    }
    m.into_iter()
        .map(|(key, (count, first_time, last_time))| ExpectedRow {
            key,
            count,
            first_time,
            last_time,
        })
        .collect()
}

fn check_answers(events: &[Event], exp: &Expected) {
    let sb = naive_rows(events.iter().filter(|e| sb_match(e)), script_block_key);
    assert_eq!(sb, exp.script_block_rows);
    let pr = naive_rows(events.iter().filter(|e| proc_match(e)), |e| {
        Some(process_key(e))
    });
    assert_eq!(pr, exp.process_rows);
    let dropped = events
        .iter()
        .filter(|e| sb_match(e) && e.user_id.is_none())
        .count();
    assert_eq!(dropped, exp.dropped_script_block_events);
    let sb_hits = events.iter().filter(|e| sb_match(e)).count();
    assert_eq!(sb_hits, exp.script_block_matches);
    let proc_hits = events.iter().filter(|e| proc_match(e)).count();
    assert_eq!(proc_hits, exp.process_matches);
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
    // The intruder's sessions: SRV-FILE02 x4, SRV-DB01 x3 (incl. New-PSSession), DC01 x2.
    let (lo, hi) = demo::expected(&opts(3)).intrusion_window;
    let targets = [world::SRV_FILE, world::SRV_DB, world::DC];
    let intruder_logons = count(&|e| {
        e.event_code == 4624
            && e.data.get("TargetUserSid") == Some(&world::VICTIM.sid())
            && e.data.get("LogonType").map(String::as_str) == Some("3")
            && targets.contains(&e.computer.as_str())
            && (lo..hi).contains(&e.time)
    });
    assert_eq!(intruder_logons, 9);
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

fn d<'a>(e: &'a Event, k: &str) -> Option<&'a str> {
    e.data.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

/// Every normalized field equals what a reader would map from the raw data (SEMANTICS.md §4).
fn assert_consistent(e: &Event) {
    let o = |v: &Option<String>| v.as_deref().map(str::to_string);
    let s = |v: Option<&str>| v.map(str::to_string);
    assert!(!e.computer.is_empty() && !e.provider.is_empty());
    if e.event_code == 4104 {
        assert!(e.is_script_block());
        assert_eq!(o(&e.script_block_text), s(d(e, "ScriptBlockText")));
        assert_eq!(o(&e.script_block_id), s(d(e, "ScriptBlockId")));
        assert_eq!(o(&e.path), s(d(e, "Path")));
        let num = e.message_number.map(|n| n.to_string());
        assert_eq!(num, s(d(e, "MessageNumber")));
        let total = e.message_total.map(|n| n.to_string());
        assert_eq!(total, s(d(e, "MessageTotal")));
    } else if e.event_code == 1 && e.channel == CHANNEL_SYSMON {
        assert_eq!(o(&e.process), s(d(e, "CommandLine")));
        assert_eq!(o(&e.process_path), s(d(e, "Image")));
        assert_eq!(e.process_name.as_deref(), d(e, "Image").map(basename));
        assert_eq!(o(&e.process_id), s(d(e, "ProcessId")));
        assert_eq!(o(&e.parent_process), s(d(e, "ParentCommandLine")));
        let parent = d(e, "ParentImage").map(basename);
        assert_eq!(e.parent_process_name.as_deref(), parent);
        assert_eq!(o(&e.parent_process_id), s(d(e, "ParentProcessId")));
        assert_eq!(o(&e.original_file_name), s(d(e, "OriginalFileName")));
        assert_eq!(o(&e.process_guid), s(d(e, "ProcessGuid")));
        assert_eq!(o(&e.user), s(d(e, "User")));
        assert!(e.process_id.as_deref().unwrap().parse::<u32>().is_ok());
    } else if e.event_code == 4688 {
        assert_eq!(o(&e.process), s(d(e, "CommandLine")));
        assert_eq!(o(&e.process_path), s(d(e, "NewProcessName")));
        let name = d(e, "NewProcessName").map(basename);
        assert_eq!(e.process_name.as_deref(), name);
        assert_eq!(o(&e.process_id), s(d(e, "NewProcessId")));
        assert!(e.process_id.as_deref().unwrap().starts_with("0x"));
        assert_eq!(o(&e.parent_process), s(d(e, "ParentProcessName")));
        let parent = d(e, "ParentProcessName").map(basename);
        assert_eq!(e.parent_process_name.as_deref(), parent);
        assert_eq!(o(&e.parent_process_id), s(d(e, "ProcessId")));
        assert_eq!(e.original_file_name, None);
        let (dom, name) = match d(e, "TargetUserName").filter(|v| *v != "-") {
            Some(n) => (d(e, "TargetDomainName").unwrap(), n),
            None => (
                d(e, "SubjectDomainName").unwrap(),
                d(e, "SubjectUserName").unwrap(),
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
        1
    );
}

#[test]
fn expected_answers_match_an_independent_reading() {
    let o = opts(5);
    let events = demo::generate(&o);
    let exp = demo::expected(&o);
    check_answers(&events, &exp);
    assert_eq!(exp.dropped_script_block_events, 1);
    // Script rows: intruder 5 (classic, PS7, renamed, encoded, hostile), health check,
    // admin restart, module part, help-desk FP. The second hop is dropped (no user_id).
    assert_eq!(exp.script_block_rows.len(), 9);
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
fn intruder_edges_are_literal_targets() {
    let events = demo::generate(&opts(2));
    let exp = demo::expected(&opts(2));
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        exp.intruder_path,
        vec![
            edge(world::WS_FIN, world::SRV_FILE),
            edge(world::WS_FIN, world::SRV_DB),
            edge(world::WS_FIN, world::DC),
            edge(world::SRV_DB, world::DC),
        ]
    );
    let (lo, hi) = exp.intrusion_window;
    for (src, dst) in &exp.intruder_path {
        let literal = format!("-ComputerName {}", world::short(dst));
        let texts: Vec<&Event> = events
            .iter()
            .filter(|e| e.computer == *src && sb_match(e))
            .filter(|e| has(e.script_block_text.as_deref().unwrap(), &literal))
            .collect();
        assert!(!texts.is_empty(), "{src} -> {dst}");
        assert!(texts.iter().all(|e| (lo..hi).contains(&e.time)));
        // Target side in the same minutes: a type-3 logon and wsmprovhost.exe.
        let t = texts[0].time;
        let near: Vec<&Event> = events
            .iter()
            .filter(|e| e.computer == *dst && (e.time - t).abs() < 5 * world::MINUTE)
            .collect();
        assert!(near.iter().any(|e| e.event_code == 4624
            && e.data["LogonType"] == "3"
            && e.data["TargetUserSid"] == world::VICTIM.sid()));
        let host = Some("wsmprovhost.exe");
        assert!(near.iter().any(|e| e.process_name.as_deref() == host));
    }
}

#[test]
fn sids_resolve_to_one_name() {
    let mut names: HashMap<String, String> = HashMap::new();
    let events = demo::generate(&opts(4));
    for e in events.iter().filter(|e| e.event_code == 4624) {
        let sid = e.data["TargetUserSid"].clone();
        let name = e.data["TargetUserName"].clone();
        let prev = names.insert(sid.clone(), name.clone());
        assert!(prev.is_none_or(|p| p == name), "{sid} has two names");
    }
    let name_of = |sid: String| names.get(&sid).cloned();
    assert_eq!(name_of(world::VICTIM.sid()).as_deref(), Some("j.miller"));
    assert_eq!(name_of(world::SVC.sid()).as_deref(), Some("svc_sched"));
}

#[test]
fn evasion_scenes_look_as_declared() {
    let events = demo::generate(&opts(6));
    let exp = demo::expected(&opts(6));
    let by_block = |id: &str| -> Vec<&Event> {
        let mut v: Vec<&Event> = events
            .iter()
            .filter(|e| e.script_block_id.as_deref() == Some(id))
            .collect();
        v.sort_by_key(|e| e.message_number);
        v
    };
    let case = |k: Evasion| {
        exp.extended
            .iter()
            .find(|c| c.kind == k)
            .unwrap_or_else(|| panic!("{k:?}"))
    };

    let parts = by_block(&case(Evasion::SplitParts).id);
    assert_eq!(parts.len(), 2);
    for p in &parts {
        let len = p.script_block_text.as_ref().unwrap().chars().count();
        assert!((10_000..20_000).contains(&len), "{len}");
        assert_eq!(p.message_total, Some(2));
        assert!(!sb_match(p));
    }
    let joined: String = parts
        .iter()
        .map(|p| p.script_block_text.clone().unwrap())
        .collect();
    assert!(joined.contains("Invoke-Command -ComputerName SRV-FILE02"));

    for k in [Evasion::Alias, Evasion::Session, Evasion::EnterSession] {
        let b = by_block(&case(k).id);
        assert_eq!(b.len(), 1);
        assert!(!sb_match(b[0]), "{k:?} must be a parity miss");
    }
    let fp = by_block(&case(Evasion::LocalFalsePositive).id);
    assert!(sb_match(fp[0]));

    let pid_event = |k: Evasion| {
        let c = case(k);
        events
            .iter()
            .find(|e| {
                e.computer == c.computer
                    && e.process_id.as_deref() == Some(c.id.as_str())
                    && e.time == c.time
            })
            .unwrap()
    };
    let enc = pid_event(Evasion::EncodedCommand);
    assert!(!proc_match(enc));
    assert!(enc.process.as_deref().unwrap().contains("-EncodedCommand "));
    let decoded = enc.decoded_command.as_deref().unwrap();
    assert!(decoded.starts_with("Invoke-Command -ComputerName DC01"));
    let conhost = pid_event(Evasion::ParentOnly);
    assert_eq!(conhost.process_name.as_deref(), Some("conhost.exe"));
    let parent = conhost.parent_process.as_deref().unwrap();
    assert!(has(parent, "Invoke-Command -ComputerName"));
    assert!(!proc_match(conhost));
    let cmd = pid_event(Evasion::NotPowerShell);
    assert_eq!(cmd.process_name.as_deref(), Some("cmd.exe"));
    assert!(has(
        cmd.process.as_deref().unwrap(),
        "Invoke-Command -ComputerName"
    ));
    assert!(!proc_match(cmd));
    let renamed = events
        .iter()
        .find(|e| e.process_name.as_deref() == Some("svchost-upd.exe"))
        .unwrap();
    let ofn = renamed.original_file_name.as_deref();
    assert_eq!(ofn, Some("PowerShell.EXE"));
    assert!(proc_match(renamed));

    let children: Vec<_> = exp
        .extended
        .iter()
        .filter(|c| c.kind == Evasion::WsmProvHostChild)
        .collect();
    // whoami, hostname, net, ipconfig, csvde, repadmin.
    assert_eq!(children.len(), 6);
    for c in children {
        let e = events
            .iter()
            .find(|e| {
                e.computer == c.computer
                    && e.process_id.as_deref() == Some(c.id.as_str())
                    && e.time == c.time
            })
            .unwrap();
        assert_eq!(e.parent_process_name.as_deref(), Some("wsmprovhost.exe"));
    }

    let hostile = events
        .iter()
        .find(|e| {
            e.script_block_text
                .as_deref()
                .is_some_and(|t| t.contains('\u{202e}'))
        })
        .unwrap();
    let t = hostile.script_block_text.as_deref().unwrap();
    assert!(t.contains('\u{1b}') && t.contains('\u{7}') && sb_match(hostile));
    let dropped: Vec<_> = events
        .iter()
        .filter(|e| e.is_script_block() && e.user_id.is_none())
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].computer, world::SRV_DB);
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
fn scaled_corpus_streams_with_the_story_and_fleet_matches() {
    let o = DemoOptions {
        seed: 21,
        events: 120_000,
    };
    let exp = demo::expected(&o);
    let (mut n, mut sb, mut pc, mut sb_hits, mut proc_hits) = (0, 0, 0, 0, 0);
    for e in demo::generate_iter(&o) {
        n += 1;
        sb += e.is_script_block() as usize;
        pc += e.is_process_creation() as usize;
        sb_hits += sb_match(&e) as usize;
        proc_hits += proc_match(&e) as usize;
    }
    assert_eq!(n, 120_000);
    assert_eq!(exp.total_events, 120_000);
    let runs = (120_000 - demo::DEFAULT_EVENTS) / 330;
    assert_eq!(exp.process_matches, runs + 6);
    assert_eq!(proc_hits, exp.process_matches);
    assert_eq!(sb_hits, exp.script_block_matches);
    // Every fleet host runs the same inventory text: one row per host.
    assert_eq!(exp.script_block_rows.len(), 9 + 60);
    assert!((0.08..0.11).contains(&(sb as f64 / n as f64)));
    assert!((0.09..0.12).contains(&(pc as f64 / n as f64)));
}
