//! The demo story's scenes: the intruder's path, target-side evidence, evasions, scale.

mod demo_support;

use std::collections::HashMap;

use demo_support::{has, proc_match, sb_match};
use huntbench::demo::{self, DemoOptions, Evasion, world};
use huntbench::event::Event;

fn opts(seed: u64) -> DemoOptions {
    DemoOptions { seed, events: 0 }
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
        // The victim's account, or (from SYSTEM on a server) the source's machine account.
        let sids = [world::VICTIM.sid(), world::machine_sid(src)];
        assert!(near.iter().any(|e| e.event_code == 4624
            && e.data["LogonType"] == "3"
            && sids.contains(&e.data["TargetUserSid"])));
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
    // whoami, hostname, net, ipconfig, ntdsutil, powershell -enc, csvde, repadmin.
    assert_eq!(children.len(), 8);
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
    assert_eq!(exp.script_block_rows.len(), 10 + 60);
    assert!((0.08..0.11).contains(&(sb as f64 / n as f64)));
    assert!((0.09..0.12).contains(&(pc as f64 / n as f64)));
}

/// The source side beyond 4104: the classic log's 400/600 with the process's command line as
/// HostApplication, the 800 pipeline details and the module-logging 4103 with its bindings,
/// for the classic `-Command` and the `-EncodedCommand` scenes.
#[test]
fn source_side_engine_records_name_the_target() {
    let events = demo::generate(&opts(8));
    let on_ws = |code: u32| -> Vec<&Event> {
        events
            .iter()
            .filter(|e| e.computer == world::WS_FIN && e.event_code == code)
            .collect()
    };
    let (starts, providers) = (on_ws(400), on_ws(600));
    assert_eq!((starts.len(), providers.len()), (2, 2));
    let apps: Vec<&str> = starts
        .iter()
        .map(|e| {
            let d = &e.data["Data_3"];
            let line = d
                .lines()
                .find(|l| l.starts_with("\tHostApplication="))
                .unwrap();
            line.trim_start_matches("\tHostApplication=")
                .trim_end_matches('\r')
        })
        .collect();
    assert!(apps[0].starts_with(
        "powershell.exe -NoProfile -Command \"Invoke-Command -ComputerName SRV-FILE02"
    ));
    assert!(apps[1].starts_with("powershell.exe -NoP -W Hidden -EncodedCommand "));
    for p in &providers {
        assert_eq!(
            (p.data["Data_1"].as_str(), p.data["Data_2"].as_str()),
            ("WSMan", "Started")
        );
        assert_eq!(p.pid, Some(0));
    }
    let modules = on_ws(4103);
    assert_eq!(modules.len(), 2);
    let bound: Vec<bool> = ["SRV-FILE02", "DC01"]
        .iter()
        .zip(&modules)
        .map(|(t, m)| {
            let want = format!(
                "ParameterBinding(Invoke-Command): name=\"ComputerName\"; value=\"{t}\"\r\n"
            );
            m.data["Payload"].contains(&want)
                && m.data["ContextInfo"].contains("Host Name = ConsoleHost\r\n")
        })
        .collect();
    assert_eq!(bound, [true, true]);
    // 4103 comes from the powershell.exe that was started with that command line.
    for (m, app) in modules.iter().zip(&apps) {
        let started = events
            .iter()
            .find(|e| e.computer == world::WS_FIN && e.process.as_deref() == Some(*app))
            .unwrap();
        assert_eq!(m.pid.map(|p| p.to_string()), started.process_id.clone());
    }
    let pipelines = on_ws(800);
    assert_eq!(pipelines.len(), 2);
    assert!(
        pipelines[1].data["Data_1"].starts_with("Invoke-Command -ComputerName DC01 -ScriptBlock")
    );
    assert!(pipelines[1].data["Data_2"].contains("\tUserId=CORP\\j.miller\r\n"));
}
