//! The inbound analytic over hand-built target-side events: what makes a session, what names
//! its source, and the look-alikes that must not.

mod inbound_support;

use huntbench::event::Event;
use huntbench::extended::{InboundRow, SidNames, inbound};
use inbound_support::*;

fn rows(events: &[Event]) -> Vec<InboundRow> {
    let refs: Vec<&Event> = events.iter().collect();
    inbound(&refs, &SidNames::default())
}

#[test]
fn one_session_with_every_kind_of_evidence_and_its_source() {
    let events = session();
    let got = rows(&events);
    assert_eq!(got.len(), 1, "{got:#?}");
    let r = &got[0];
    assert_eq!(r.computer, HOST);
    assert_eq!(r.user.as_deref(), Some(USER));
    assert_eq!(r.source.as_deref(), Some("WS-FIN-07"));
    assert_eq!(r.source_ip.as_deref(), Some("10.1.2.7"));
    assert_eq!(r.source_via.as_deref(), Some("4624 logon 0x3e1a"));
    assert_eq!(
        r.evidence,
        [
            "wsmprovhost start",
            "wsmprovhost child",
            "ServerRemoteHost 400",
            "4104 in wsmprovhost",
            "4624 network logon",
            "4672 admin logon",
            "Sysmon 3 WinRM connection",
        ]
    );
    assert_eq!(
        r.commands,
        [
            "whoami /groups; Get-Service",
            "\"C:\\Windows\\system32\\whoami.exe\" /groups",
            "powershell.exe -NoP -enc dwBoAG8AYQBtAGkA",
            "(decoded) whoami",
        ]
    );
    assert_eq!(r.count, 8);
    assert_eq!(r.events.len(), 8);
    assert_eq!((r.first, r.last), (at("10:00:00"), at("10:00:06")));
}

#[test]
fn two_logons_of_one_user_are_two_sessions_and_a_lost_logon_is_said() {
    let mut events = session();
    // Four minutes later (inside one quiet gap) alice opens a second session: another plugin
    // host, another logon, whose 4624 the log no longer holds.
    events.push(wsmprovhost(20, "10:04:00", 5150, "0x4f00"));
    events.push(child(
        21,
        "10:04:01",
        "net.exe",
        "net group \"domain admins\" /domain",
        5150,
        "0x4f00",
    ));
    let got = rows(&events);
    assert_eq!(got.len(), 2, "{got:#?}");
    let second = &got[1];
    assert_eq!(second.first, at("10:04:00"));
    assert_eq!(second.commands, ["net group \"domain admins\" /domain"]);
    assert_eq!(
        second.source, None,
        "the first session's logon is not this one's"
    );
    assert_eq!(
        second.source_via.as_deref(),
        Some("no 4624 of logon 0x4f00 in the index")
    );
    assert_eq!(second.evidence, ["wsmprovhost start", "wsmprovhost child"]);
}

#[test]
fn look_alikes_make_no_session() {
    let mut console = engine(1, "10:00:00", "ConsoleHost", Some(77));
    console.computer = "WS-FIN-07".into();
    let cases: Vec<(&str, Vec<Event>)> = vec![
        (
            "a network logon alone (every file share)",
            vec![logon(1, "10:00:00", USER, "0x1", "10.1.2.7", "WS-FIN-07")],
        ),
        ("a 4672 alone", vec![admin(1, "10:00:00", "0x1")]),
        (
            "a connection to WinRM's port alone",
            vec![connection(1, "10:00:00", "10.1.2.7", "5985")],
        ),
        ("a local console's engine start", vec![console]),
        (
            "a script block of a process no plugin host is known as",
            vec![block(1, "10:00:00", "Get-Process", 4242)],
        ),
        (
            "a grandchild of wsmprovhost (its parent is the child)",
            vec![process(
                1,
                "10:00:00",
                "conhost.exe",
                "conhost.exe 0xffffffff",
                "whoami.exe",
                9,
                "0x1",
            )],
        ),
        (
            "the WinRM client's own event 6 (the source side)",
            vec![winrm(1, "10:00:00", 6, &[("connection", "srv-db01/wsman")])],
        ),
        (
            "a connection to another port",
            vec![
                connection(1, "10:00:00", "10.1.2.7", "445"),
                logon(2, "10:00:00", USER, "0x1", "10.1.2.7", "WS-FIN-07"),
            ],
        ),
    ];
    for (what, events) in cases {
        let got = rows(&events);
        assert!(got.is_empty(), "{what}: {got:#?}");
    }
}

#[test]
fn a_reused_process_id_does_not_adopt_later_script_blocks() {
    let mut events = session();
    // An hour later another process got id 4242: its script blocks are no session's.
    events.push(block(30, "11:05:00", "Get-LocalUser", 4242));
    let got = rows(&events);
    assert_eq!(got.len(), 1);
    assert!(!got[0].commands.iter().any(|c| c.contains("Get-LocalUser")));
    assert_eq!(got[0].last, at("10:00:06"));
}

#[test]
fn another_users_logon_does_not_name_the_source() {
    let mut backup = logon(
        2,
        "09:59:58",
        "CORP\\svc-backup",
        "0x77",
        "10.9.9.9",
        "BACKUP01",
    );
    backup
        .data
        .insert("TargetUserSid".into(), "S-1-5-21-1-2-3-2201".into());
    let events = vec![
        winrm(
            1,
            "10:00:00",
            169,
            &[
                ("username", "CORP\\alice"),
                ("authenticationMechanism", "Kerberos"),
            ],
        ),
        backup,
    ];
    let got = rows(&events);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].evidence, ["WinRM 169 auth"]);
    assert_eq!(got[0].source, None);
    // The same user's logon does (the WinRM event names no logon id).
    let events = vec![
        winrm(1, "10:00:00", 169, &[("username", "corp.local\\ALICE")]),
        logon(2, "09:59:58", USER, "0x78", "10.1.2.7", "-"),
    ];
    let got = rows(&events);
    assert_eq!(got[0].source.as_deref(), Some("10.1.2.7"));
    assert_eq!(got[0].evidence, ["WinRM 169 auth", "4624 network logon"]);
}

#[test]
fn connections_from_several_addresses_name_no_source() {
    let events = vec![
        wsmprovhost(1, "10:00:02", 4242, "0x3e1a"),
        connection(2, "10:00:00", "10.1.2.7", "5985"),
        connection(3, "10:00:01", "10.1.2.8", "5986"),
    ];
    let got = rows(&events);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].source, None,
        "two addresses at once: none is guessed"
    );
    assert_eq!(got[0].source_ip, None);
    let one = vec![
        wsmprovhost(1, "10:00:02", 4242, "0x3e1a"),
        connection(2, "10:00:00", "10.1.2.7", "5985"),
    ];
    let got = rows(&one);
    assert_eq!(got[0].source.as_deref(), Some("10.1.2.7"));
    assert_eq!(got[0].source_via.as_deref(), Some("Sysmon 3 to port 5985"));
}

#[test]
fn a_loopback_logon_is_the_host_itself() {
    let events = vec![
        winrm(1, "10:00:00", 91, &[]),
        winrm(2, "10:00:00", 169, &[("username", USER)]),
        logon(3, "10:00:00", USER, "0x9", "::1", "-"),
    ];
    let got = rows(&events);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].source.as_deref(), Some(HOST));
    assert_eq!(got[0].source_ip.as_deref(), Some("::1"));
}

#[test]
fn events_naming_no_user_join_the_session_they_fall_into() {
    let events = vec![
        winrm(1, "10:00:00", 169, &[("username", USER)]),
        // The classic PowerShell log names no user and (in flat exports) no writer.
        engine(2, "10:00:02", "ServerRemoteHost", None),
        // Far from any session: its own row, user unknown.
        engine(3, "13:00:00", "ServerRemoteHost", None),
    ];
    let got = rows(&events);
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(got[0].evidence, ["WinRM 169 auth", "ServerRemoteHost 400"]);
    assert_eq!(got[1].user, None);
    assert_eq!(got[1].first, at("13:00:00"));
}
