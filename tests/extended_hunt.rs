//! The extended hunt end to end: rows, escu flag, dropped events, SID names, edges, the TOML.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use huntbench::analytics::model::{QueryKind, SavedQuery};
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::extended::children::child_sessions;
use huntbench::extended::{
    Ends, HostMap, SidNames, edge_json, edges, hunt, is_candidate, row_json,
};

const T0: i64 = 1_717_243_200_000_000; // 2024-06-01T12:00:00Z
const SID: &str = "S-1-5-21-111-222-333-1104";

fn part(id: &str, n: u32, total: u32, text: &str, rid: u64, user: Option<&str>) -> Event {
    Event {
        time: T0 + rid as i64 * 1_000_000,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: "WS01.corp.local".into(),
        record_id: Some(rid),
        user_id: user.map(Into::into),
        script_block_text: Some(text.into()),
        script_block_id: Some(id.into()),
        message_number: Some(n),
        message_total: Some(total),
        ..Default::default()
    }
}

fn logon(rid: u64) -> Event {
    let mut e = Event {
        time: T0 - 60_000_000,
        event_code: 4624,
        channel: CHANNEL_SECURITY.into(),
        computer: "DC01.corp.local".into(),
        record_id: Some(rid),
        ..Default::default()
    };
    for (k, v) in [
        ("SubjectUserSid", "S-1-5-18"),
        ("SubjectUserName", "DC01$"),
        ("SubjectDomainName", "CORP"),
        ("TargetUserSid", SID),
        ("TargetUserName", "alice"),
        ("TargetDomainName", "CORP"),
    ] {
        e.data.insert(k.into(), v.into());
    }
    e
}

fn process(computer: &str, cmd: &str, parent: &str, secs: i64, rid: u64) -> Event {
    Event {
        time: T0 + secs * 1_000_000,
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: computer.into(),
        record_id: Some(rid),
        user: Some("CORP\\alice".into()),
        process: Some(cmd.into()),
        process_name: Some("powershell.exe".into()),
        parent_process_name: Some(parent.into()),
        ..Default::default()
    }
}

#[test]
fn sid_names_from_security_events_and_well_known() {
    let l = logon(1);
    let names = SidNames::from_events(&[&l]);
    assert_eq!(
        names.resolve(SID),
        Some(("CORP\\alice", "Security 4624 on DC01.corp.local"))
    );
    assert_eq!(
        names.resolve("s-1-5-18"),
        Some(("NT AUTHORITY\\SYSTEM", "well-known"))
    );
    assert_eq!(
        names.resolve("S-1-5-32-544"),
        Some(("BUILTIN\\Administrators", "well-known"))
    );
    assert_eq!(names.resolve("S-1-5-21-9-9-9-500"), None);
}

#[test]
fn split_block_is_found_by_extended_only_and_named() {
    // Neither part alone has both ESCU literals (nor does the block: it uses the alias).
    let a = part("b1", 1, 2, "icm -Comput", 1, Some(SID));
    let b = part("b1", 2, 2, "erName srv-db01 { whoami }", 2, Some(SID));
    // A block ESCU would also catch, without user_id: Splunk's stats drops it.
    let c = part(
        "b2",
        1,
        1,
        "Invoke-Command -ComputerName srv-app02 {1}",
        3,
        None,
    );
    // Incomplete block: part 2 of 3 missing; still detected on what is present.
    let d = part("b3", 1, 3, "Enter-PSSession -Cn ", 4, Some(SID));
    let e = part("b3", 3, 3, "srv-x {}", 6, Some(SID));
    // Benign text does not make a row.
    let f = part("b4", 1, 1, "Get-Service -ComputerName srv01", 7, Some(SID));
    let l = logon(9);
    let all = [&a, &b, &c, &d, &e, &f, &l];
    let names = SidNames::from_events(&all);
    let r = hunt(&all, &names);
    let summary: Vec<(&str, bool, Vec<String>, Option<&str>)> = r
        .rows
        .iter()
        .map(|x| {
            (
                x.technique.as_str(),
                x.escu,
                x.targets.clone(),
                x.user.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "enter-pssession:cn",
                false,
                vec!["srv-x".into()],
                Some("CORP\\alice")
            ),
            (
                "icm:computername",
                false,
                vec!["srv-db01".into()],
                Some("CORP\\alice")
            ),
            // ESCU's predicates match, but its stats drop the event (no user_id): listed as
            // dropped below, so not raised by ESCU.
            (
                "invoke-command:computername",
                false,
                vec!["srv-app02".into()],
                None
            ),
        ]
    );
    let split = &r.rows[1];
    assert_eq!(split.text, "icm -ComputerName srv-db01 { whoami }");
    assert_eq!(split.count, 1);
    assert_eq!((split.first, split.last), (a.time, b.time));
    let mut uids = vec![a.uid(), b.uid()];
    uids.sort();
    assert_eq!(split.events, uids);
    assert_eq!(split.block.as_deref(), Some("b1"));
    assert_eq!(
        split.user_source.as_deref(),
        Some("Security 4624 on DC01.corp.local")
    );
    assert!(split.complete);
    assert!(!r.rows[0].complete);
    assert_eq!(r.incomplete_blocks.len(), 1);
    assert_eq!(r.incomplete_blocks[0].missing, vec![2]);
    assert_eq!(r.dropped.len(), 1);
    assert_eq!(r.dropped[0].0, c.uid());
    assert!(r.dropped[0].1.contains("user_id"));

    let j = row_json(split, None);
    assert_eq!(j["technique"], "icm:computername");
    assert_eq!(j["escu"], false);
    assert_eq!(j["Computer"], "WS01.corp.local");
    assert_eq!(j["user"], "CORP\\alice");
    assert_eq!(j["user_id"], SID);
    assert_eq!(j["targets"][0], "srv-db01");
    assert_eq!(j["count"], 1);
    assert_eq!(j["firstTime"], "2024-06-01T12:00:01");
    assert_eq!(j["lastTime"], "2024-06-01T12:00:02");
    assert_eq!(serde_json::to_value(split).unwrap(), j);
}

#[test]
fn literals_straddling_parts_parity_misses_extended_finds() {
    let a = part("s1", 1, 2, "Invoke-Com", 1, Some(SID));
    let b = part("s1", 2, 2, "mand -ComputerName srv-z {}", 2, Some(SID));
    let r = hunt(&[&b, &a], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].technique, "invoke-command:computername");
    assert!(!r.rows[0].escu, "no single part holds both literals");
    assert_eq!(r.rows[0].text, "Invoke-Command -ComputerName srv-z {}");
    assert_eq!(r.rows[0].targets, vec!["srv-z".to_string()]);
    assert!(is_candidate(&a) && is_candidate(&b));
}

#[test]
fn same_text_twice_is_one_row_and_escu_is_per_event() {
    let a = part("x1", 1, 1, "icm -cn srv1 {1}", 1, Some(SID));
    let b = part("x2", 1, 1, "icm -cn srv1 {1}", 5, Some(SID));
    let r = hunt(&[&a, &b], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].count, 2);
    assert_eq!((r.rows[0].first, r.rows[0].last), (a.time, b.time));
    assert_eq!(r.rows[0].user, None);
}

#[test]
fn encoded_process_command_line_and_edges_with_target_evidence() {
    let script = "Invoke-Command -Cn srv-db01 { whoami }";
    let bytes: Vec<u8> = script
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let cmd = format!("powershell.exe -nop -enc {}", STANDARD.encode(bytes));
    let src = process("WS01.corp.local", &cmd, "explorer.exe", 0, 1);
    assert!(is_candidate(&src));
    // Target side: wsmprovhost child on the target within the window, one outside it, one on
    // another host, one not under wsmprovhost.
    let hit = process("SRV-DB01.corp.local", "whoami", "wsmprovhost.exe", 3, 2);
    let late = process("SRV-DB01.corp.local", "whoami", "wsmprovhost.exe", 900, 3);
    let other = process("SRV-APP01.corp.local", "whoami", "wsmprovhost.exe", 3, 4);
    let local = process("SRV-DB01.corp.local", "whoami", "cmd.exe", 3, 5);
    let all = [&src, &hit, &late, &other, &local];
    let r = hunt(&all, &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    let row = &r.rows[0];
    assert_eq!(row.technique, "invoke-command:cn+encoded");
    assert!(!row.escu);
    assert_eq!(row.text, script);
    assert_eq!(row.user.as_deref(), Some("CORP\\alice"));
    assert_eq!(row.user_source.as_deref(), Some("event"));
    let mut hosts = HostMap::new();
    for e in &all {
        hosts.learn_event(e);
    }
    let report = edges(&r.rows, &child_sessions(&all), &hosts);
    let es = &report.edges;
    assert_eq!(es.len(), 1);
    // The target is the node's fullest spelling: the FQDN its own logs give.
    assert_eq!(
        (es[0].source.as_str(), es[0].target.as_str()),
        ("WS01.corp.local", "SRV-DB01.corp.local")
    );
    assert_eq!(es[0].ends, Ends::Both);
    assert_eq!(es[0].count, 2, "the source row and the child");
    assert_eq!(
        es[0].techniques,
        vec![
            "inbound:wsmprovhost child".to_string(),
            "invoke-command:cn+encoded".to_string()
        ]
    );
    assert_eq!(es[0].evidence, vec![hit.uid()]);
    // The late child and the one on another host name no source and fit no edge.
    assert_eq!(report.sourceless, 2);
    let j = edge_json(&es[0], None);
    assert_eq!(j["source"], "WS01.corp.local");
    assert_eq!(j["target"], "SRV-DB01.corp.local");
    assert_eq!(j["ends"], "both");
    assert_eq!(j["users"][0], "CORP\\alice");
    assert_eq!(j["firstTime"], "2024-06-01T12:00:00");
    assert_eq!(j["techniques"][1], "invoke-command:cn+encoded");
    assert_eq!(
        j["note"],
        "target session names no source: joined on host and time"
    );
}

#[test]
fn process_command_lines_are_read_as_windows_argv() {
    let ps = process(
        "WS02",
        r#""C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -nop -w hidden icm srv-a { id }"#,
        "cmd.exe",
        0,
        1,
    );
    let mut winrs = process(
        "WS02",
        r#""C:\Windows\System32\winrs.exe" -r:srv-b.corp.local whoami"#,
        "cmd.exe",
        1,
        2,
    );
    winrs.process_name = Some("winrs.exe".into());
    let escu = process(
        "WS02",
        "powershell.exe -Command Invoke-Command -ComputerName srv-c { id }",
        "cmd.exe",
        2,
        3,
    );
    let r = hunt(&[&ps, &winrs, &escu], &SidNames::default());
    let got: Vec<(&str, bool, Vec<String>, &str)> = r
        .rows
        .iter()
        .map(|x| {
            (
                x.technique.as_str(),
                x.escu,
                x.targets.clone(),
                x.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "icm:positional",
                false,
                vec!["srv-a".into()],
                ps.process.as_deref().unwrap()
            ),
            (
                "invoke-command:computername",
                true,
                vec!["srv-c".into()],
                escu.process.as_deref().unwrap()
            ),
            (
                "winrs:remote",
                false,
                vec!["srv-b.corp.local".into()],
                winrs.process.as_deref().unwrap()
            ),
        ]
    );
}

#[test]
fn function_defined_in_one_block_and_called_in_another_is_deferred() {
    let def = part(
        "d1",
        1,
        1,
        "function Go-Remote { param($x) icm -cn srv-q { id } }",
        1,
        Some(SID),
    );
    let call = part("d2", 1, 1, "Go-Remote 5", 4, Some(SID));
    assert!(!is_candidate(&call), "the caller looks like nothing");
    // Near misses: a call on another host, and a call before the definition.
    let mut elsewhere = part("d3", 1, 1, "Go-Remote", 5, Some(SID));
    elsewhere.computer = "WS09".into();
    let r = hunt(&[&def, &call, &elsewhere], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    let row = &r.rows[0];
    assert_eq!(row.technique, "icm:cn+deferred");
    assert_eq!(row.targets, vec!["srv-q".to_string()]);
    assert_eq!((row.first, row.last), (def.time, call.time));
    let mut uids = vec![def.uid(), call.uid()];
    uids.sort();
    assert_eq!(row.events, uids);
    assert_eq!(row.text, def.script_block_text.clone().unwrap());

    let early = part("d4", 1, 1, "Go-Remote", 0, Some(SID));
    assert!(hunt(&[&def, &early], &SidNames::default()).rows.is_empty());
    assert!(hunt(&[&def], &SidNames::default()).rows.is_empty());
}

#[test]
fn interactive_session_created_in_one_block_and_used_in_the_next() {
    let create = part(
        "i1",
        1,
        1,
        "$s = New-PSSession -ComputerName srv-s",
        1,
        Some(SID),
    );
    let using = part(
        "i2",
        1,
        1,
        "Invoke-Command -Session $s { whoami }",
        3,
        Some(SID),
    );
    let r = hunt(&[&using, &create], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    let row = &r.rows[0];
    assert_eq!(row.technique, "invoke-command:session+deferred");
    assert_eq!(row.targets, vec!["srv-s".to_string()]);
    assert_eq!(row.text, "Invoke-Command -Session $s { whoami }");
    assert_eq!((row.first, row.last), (create.time, using.time));
    let mut uids = vec![create.uid(), using.uid()];
    uids.sort();
    assert_eq!(row.events, uids);
    assert!(!row.escu);
    // Near misses: the use comes first; the session was made on another host; another variable.
    let early = part(
        "i3",
        1,
        1,
        "Invoke-Command -Session $s { whoami }",
        0,
        Some(SID),
    );
    assert!(
        hunt(&[&early, &create], &SidNames::default())
            .rows
            .is_empty()
    );
    let mut other_host = create.clone();
    other_host.computer = "WS77".into();
    assert!(
        hunt(&[&using, &other_host], &SidNames::default())
            .rows
            .is_empty()
    );
    let other_var = part(
        "i4",
        1,
        1,
        "Invoke-Command -Session $t { whoami }",
        4,
        Some(SID),
    );
    assert!(
        hunt(&[&create, &other_var], &SidNames::default())
            .rows
            .is_empty()
    );
}

#[test]
fn analytic_toml_is_an_extended_saved_query() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/analytics/winrm_remoting_extended.toml");
    let q: SavedQuery = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(q.id, "winrm_remoting_extended");
    assert_eq!(q.kind, QueryKind::Extended);
    assert!(q.predicates.is_empty());
    let codes: Vec<u32> = q
        .selection
        .sources
        .iter()
        .flat_map(|s| s.event_codes.clone())
        .collect();
    assert_eq!(
        codes,
        vec![4104, 4103, 4104, 4103, 800, 400, 403, 600, 1, 4688]
    );
    assert_eq!(q.by[0], "technique");
}
