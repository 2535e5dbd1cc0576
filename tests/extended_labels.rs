//! Labels of the extended rows that must tell the truth: `escu` only where ESCU itself raises
//! the event in a row (never together with "dropped"), and a process's user is the process's
//! own, never the logging service's account from System/Security/@UserID.

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::extended::{SidNames, hunt};

const T0: i64 = 1_717_243_200_000_000; // 2024-06-01T12:00:00Z
const ALICE_SID: &str = "S-1-5-21-111-222-333-1104";

fn block(id: &str, text: &str, computer: &str, user_id: Option<&str>, rid: u64) -> Event {
    Event {
        time: T0 + rid as i64 * 1_000_000,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: computer.into(),
        record_id: Some(rid),
        user_id: user_id.map(Into::into),
        script_block_text: Some(text.into()),
        script_block_id: Some(id.into()),
        message_number: Some(1),
        message_total: Some(1),
        ..Default::default()
    }
}

fn sysmon(cmd: &str, user: Option<&str>, rid: u64) -> Event {
    Event {
        time: T0 + rid as i64 * 1_000_000,
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: "WS01.corp.local".into(),
        record_id: Some(rid),
        // What Sysmon's System/Security/@UserID holds: its own service account.
        user_id: Some("S-1-5-18".into()),
        user: user.map(Into::into),
        process: Some(cmd.into()),
        process_name: Some("powershell.exe".into()),
        parent_process_name: Some("explorer.exe".into()),
        ..Default::default()
    }
}

#[test]
fn escu_is_true_only_for_events_its_stats_keep_and_dropped_ones_are_listed() {
    let text = "Invoke-Command -ComputerName srv-app02 { hostname }";
    let kept = block("k1", text, "WS01.corp.local", Some(ALICE_SID), 1);
    let no_user = block("d1", text, "WS02.corp.local", None, 2);
    let empty_user = block("d2", text, "WS03.corp.local", Some(""), 3);
    let no_host = block("d3", text, "", Some(ALICE_SID), 4);
    // Extended-only (alias): ESCU's search never finds it, so its stats cannot drop it.
    let alias = block(
        "a1",
        "icm -cn srv-app02 { hostname }",
        "WS04.corp.local",
        None,
        5,
    );
    let all = [&kept, &no_user, &empty_user, &no_host, &alias];
    let r = hunt(&all, &SidNames::default());

    let escu_of = |computer: &str| -> Vec<bool> {
        r.rows
            .iter()
            .filter(|x| x.computer == computer)
            .map(|x| x.escu)
            .collect()
    };
    assert_eq!(escu_of("WS01.corp.local"), vec![true]);
    assert_eq!(escu_of("WS02.corp.local"), vec![false]);
    assert_eq!(escu_of("WS03.corp.local"), vec![false]);
    assert_eq!(escu_of(""), vec![false]);
    assert_eq!(escu_of("WS04.corp.local"), vec![false]);

    let mut want = vec![
        (
            no_user.uid(),
            "no user_id: Splunk's stats by user_id drops it",
        ),
        (
            empty_user.uid(),
            "no user_id: Splunk's stats by user_id drops it",
        ),
        (
            no_host.uid(),
            "no Computer: Splunk's stats by Computer drops it",
        ),
    ];
    want.sort();
    let got: Vec<(u64, &str)> = r.dropped.iter().map(|(u, s)| (*u, s.as_str())).collect();
    assert_eq!(got, want);
    // Never both: a row whose events are all dropped is not raised by ESCU.
    for row in &r.rows {
        let all_dropped = row
            .events
            .iter()
            .all(|u| r.dropped.iter().any(|(d, _)| d == u));
        assert!(!(row.escu && all_dropped), "{row:?}");
    }
}

#[test]
fn a_dropped_part_does_not_make_its_block_raised_but_a_kept_part_does() {
    let text = "Invoke-Command -ComputerName srv9 {1}";
    let mut p1 = block("s1", text, "WS01.corp.local", None, 1);
    p1.message_total = Some(2);
    let mut p2 = block(
        "s1",
        "Invoke-Command -ComputerName srv9 {2}",
        "WS01.corp.local",
        Some(ALICE_SID),
        2,
    );
    (p2.message_number, p2.message_total) = (Some(2), Some(2));
    let r = hunt(&[&p1, &p2], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    assert!(r.rows[0].escu, "part 2 is matched and kept by ESCU");
    assert_eq!(r.dropped.len(), 1);
    assert_eq!(r.dropped[0].0, p1.uid());

    // With only the dropped part matching, the block is not raised.
    let p2 = {
        let mut p = p2.clone();
        p.script_block_text = Some(" and more".into());
        p
    };
    let r = hunt(&[&p1, &p2], &SidNames::default());
    assert_eq!(r.rows.len(), 1);
    assert!(!r.rows[0].escu);
    assert_eq!(r.dropped.len(), 1);
}

#[test]
fn a_process_row_names_the_process_user_never_the_sysmon_account() {
    let cmd = "powershell.exe -c Invoke-Command -ComputerName srv-db01 { whoami }";
    let with_user = sysmon(cmd, Some(r"CORP\alice"), 1);
    let without_user = sysmon(&cmd.replace("srv-db01", "srv-db02"), None, 2);
    let names = SidNames::from_events(&[]);
    // S-1-5-18 resolves (well-known) to SYSTEM: exactly the name that must not appear.
    assert!(names.resolve("S-1-5-18").is_some());
    let r = hunt(&[&with_user, &without_user], &names);
    type Who<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let mut rows: Vec<Who> = r
        .rows
        .iter()
        .map(|x| {
            (
                x.targets[0].as_str(),
                x.user.as_deref(),
                x.user_source.as_deref(),
                x.user_id.as_deref(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("srv-db01", Some(r"CORP\alice"), Some("event"), None),
            ("srv-db02", None, None, None),
        ]
    );
    assert!(r.rows.iter().all(|x| x.escu), "tstats keeps every event");
    assert!(r.dropped.is_empty());
}

#[test]
fn a_4688_row_has_the_target_or_subject_user_and_a_4104_keeps_its_sid() {
    let mut p = sysmon(
        "powershell.exe -c icm -cn srv-app01 { 1 }",
        Some(r"CORP\bob"),
        1,
    );
    // Should a forwarder stamp a UserID on it, it is still not the process's user.
    (p.event_code, p.channel) = (4688, CHANNEL_SECURITY.into());
    let sb = block(
        "b1",
        "icm -cn srv-app01 { 1 }",
        "WS01.corp.local",
        Some("S-1-5-18"),
        2,
    );
    let r = hunt(&[&p, &sb], &SidNames::from_events(&[]));
    assert_eq!(r.rows.len(), 2);
    let proc_row = r.rows.iter().find(|x| x.block.is_none()).unwrap();
    assert_eq!(proc_row.user.as_deref(), Some(r"CORP\bob"));
    assert_eq!(proc_row.user_id, None);
    // A script block run as SYSTEM is SYSTEM's: its SID is the user there.
    let sb_row = r.rows.iter().find(|x| x.block.is_some()).unwrap();
    assert_eq!(sb_row.user_id.as_deref(), Some("S-1-5-18"));
    assert_eq!(sb_row.user.as_deref(), Some(r"NT AUTHORITY\SYSTEM"));
    assert_eq!(sb_row.user_source.as_deref(), Some("well-known"));
}
