//! Edges joined from both ends of a hop: source-side extended rows and target-side inbound
//! sessions, built by hand, over one HostMap.

use huntbench::event::{CHANNEL_SECURITY, Event};
use huntbench::extended::{
    Edge, EdgeReport, Ends, ExtendedRow, HostMap, InboundRow, edge_json, edges,
};

const T0: i64 = 1_717_243_200_000_000; // 2024-06-01T12:00:00Z
const MIN: i64 = 60_000_000;

fn row(computer: &str, user: &str, targets: &[&str], at: i64, count: u64) -> ExtendedRow {
    ExtendedRow {
        technique: "invoke-command:computername".into(),
        log: "4104 script block".into(),
        escu: true,
        computer: computer.into(),
        user_id: None,
        user: Some(user.into()),
        user_source: Some("event".into()),
        targets: targets.iter().map(|t| t.to_string()).collect(),
        count,
        first: at,
        last: at,
        text: format!("Invoke-Command -ComputerName {}", targets.join(",")),
        events: vec![at as u64],
        block: None,
        complete: true,
    }
}

fn session(
    computer: &str,
    user: Option<&str>,
    source: Option<&str>,
    at: i64,
    uid: u64,
) -> InboundRow {
    InboundRow {
        computer: computer.into(),
        user: user.map(Into::into),
        source: source.map(Into::into),
        source_ip: None,
        source_via: None,
        count: 2,
        first: at,
        last: at + 10_000_000,
        evidence: vec!["4624 type 3".into(), "wsmprovhost child".into()],
        commands: vec!["whoami".into()],
        events: vec![uid, uid + 1],
    }
}

fn hosts(names: &[&str]) -> HostMap {
    let mut m = HostMap::new();
    for n in names {
        m.learn_name(n);
    }
    m
}

/// (source, target, ends) of every edge.
fn shape(r: &EdgeReport) -> Vec<(&str, &str, Ends)> {
    r.edges
        .iter()
        .map(|e| (e.source.as_str(), e.target.as_str(), e.ends))
        .collect()
}

fn only(r: &EdgeReport) -> &Edge {
    assert_eq!(r.edges.len(), 1, "{:#?}", r.edges);
    &r.edges[0]
}

#[test]
fn source_side_only() {
    let rows = [row(
        "WS01.corp.local",
        r"CORP\alice",
        &["srv01", "localhost"],
        T0,
        3,
    )];
    let r = edges(&rows, &[], &hosts(&["SRV01.corp.local"]));
    assert_eq!(
        shape(&r),
        vec![
            ("WS01.corp.local", "SRV01.corp.local", Ends::Source),
            ("WS01.corp.local", "WS01.corp.local", Ends::Source),
        ]
    );
    let e = &r.edges[0];
    assert_eq!((e.count, e.first, e.last), (3, T0, T0));
    assert_eq!(e.users, vec![r"CORP\alice"]);
    assert_eq!(e.techniques, vec!["invoke-command:computername"]);
    assert!(e.evidence.is_empty() && e.notes.is_empty());
    assert_eq!(r.sourceless, 0);
}

#[test]
fn target_side_only_by_name_or_by_an_address_the_index_names() {
    let mut map = hosts(&["ws01.corp.local"]);
    map.learn_event(&Event {
        channel: CHANNEL_SECURITY.into(),
        event_code: 4624,
        computer: "DC01.corp.local".into(),
        data: [("IpAddress", "10.0.0.7"), ("WorkstationName", "WS07")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    });
    let by_name = session(
        "SRV01.corp.local",
        Some(r"CORP\alice"),
        Some("WS01"),
        T0,
        10,
    );
    let mut by_ip = session("SRV01.corp.local", Some(r"CORP\bob"), None, T0, 20);
    by_ip.source_ip = Some("10.0.0.7".into());
    let mut unnamed = session("SRV01.corp.local", Some(r"CORP\carol"), None, T0, 30);
    unnamed.source_ip = Some("10.0.0.99".into());
    let r = edges(&[], &[by_name, by_ip, unnamed], &map);
    assert_eq!(
        shape(&r),
        vec![
            ("10.0.0.99", "SRV01.corp.local", Ends::Target),
            ("ws01.corp.local", "SRV01.corp.local", Ends::Target),
            ("WS07", "SRV01.corp.local", Ends::Target),
        ]
    );
    let e = &r.edges[1];
    assert_eq!(e.count, 2);
    assert_eq!(e.evidence, vec![10, 11]);
    assert_eq!(
        e.techniques,
        vec!["inbound:4624 type 3", "inbound:wsmprovhost child"]
    );
    assert_eq!(e.users, vec![r"CORP\alice"]);
    assert_eq!((e.first, e.last), (T0, T0 + 10_000_000));
}

#[test]
fn both_ends_of_one_hop_are_one_edge_whatever_the_spelling() {
    let rows = [row("mgmt01", r"CORP\alice", &["ws003"], T0, 1)];
    let inbound = [session(
        "ws003.corp.example",
        Some(r"corp\Alice"),
        Some(r"CORP\MGMT01$"),
        T0 + 20 * MIN, // far apart in time: the source names it, no window needed
        40,
    )];
    let r = edges(&rows, &inbound, &hosts(&["MGMT01.corp.example"]));
    let e = only(&r);
    assert_eq!(
        (e.source.as_str(), e.target.as_str(), e.ends),
        ("MGMT01.corp.example", "ws003.corp.example", Ends::Both)
    );
    assert_eq!(e.users, vec![r"CORP\alice"], "one spelling per account");
    assert_eq!(e.count, 3);
    assert_eq!((e.first, e.last), (T0, T0 + 20 * MIN + 10_000_000));
    assert_eq!(
        e.techniques,
        vec![
            "inbound:4624 type 3",
            "inbound:wsmprovhost child",
            "invoke-command:computername"
        ]
    );
    assert_eq!(e.evidence, vec![40, 41]);
    let j = edge_json(e, None);
    assert_eq!(j["ends"], "both");
    assert_eq!(j["users"], serde_json::json!([r"CORP\alice"]));
    assert_eq!(j["count"], 3);
    assert_eq!(j["note"], serde_json::Value::Null);
}

#[test]
fn a_chain_across_mixed_spellings_holds_together() {
    let rows = [
        row("WS01.corp.local", r"CORP\alice", &["SRV-DB01"], T0, 1),
        row("SRV-DB01.corp.local", r"CORP\alice", &["dc01"], T0 + MIN, 1),
    ];
    let inbound = [session(
        "DC01.CORP.LOCAL",
        Some(r"CORP\alice"),
        Some("srv-db01$"),
        T0 + MIN,
        50,
    )];
    let r = edges(&rows, &inbound, &HostMap::new());
    assert_eq!(
        shape(&r),
        vec![
            ("SRV-DB01.corp.local", "DC01.CORP.LOCAL", Ends::Both),
            ("WS01.corp.local", "SRV-DB01.corp.local", Ends::Source),
        ]
    );
    // Hop 1's target is hop 2's source: one node.
    assert_eq!(r.edges[1].target, r.edges[0].source);
}

#[test]
fn an_unresolved_target_joins_the_same_users_session_within_the_window() {
    let rows = [row("WS01.corp.local", r"CORP\alice", &["?$targets"], T0, 1)];
    let inbound = [
        session(
            "SRV05.corp.local",
            Some(r"corp\ALICE"),
            None,
            T0 + 2 * MIN,
            60,
        ),
        // From the row's own host, by name: joins too.
        session(
            "SRV06.corp.local",
            Some(r"CORP\alice"),
            Some("ws01"),
            T0 + 30_000_000,
            70,
        ),
    ];
    let r = edges(&rows, &inbound, &HostMap::new());
    assert_eq!(
        shape(&r),
        vec![
            ("WS01.corp.local", "SRV05.corp.local", Ends::Both),
            ("WS01.corp.local", "SRV06.corp.local", Ends::Both),
        ]
    );
    assert_eq!(
        r.edges[0].notes,
        vec![r"?$targets joined on user CORP\alice, 2 min apart"]
    );
    assert_eq!(
        r.edges[1].notes,
        vec![r"?$targets joined on user CORP\alice, 30 s apart"]
    );
    assert_eq!(r.edges[0].evidence, vec![60, 61]);
    assert_eq!(r.sourceless, 0);
}

#[test]
fn a_session_from_an_address_nothing_names_becomes_the_joined_hop() {
    let rows = [row("WS01.corp.local", r"CORP\alice", &["?$s"], T0, 1)];
    let mut s = session("SRV05.corp.local", Some(r"CORP\alice"), None, T0 + MIN, 80);
    s.source_ip = Some("10.9.9.9".into());
    let r = edges(&rows, &[s], &HostMap::new());
    let e = only(&r);
    assert_eq!(
        (e.source.as_str(), e.target.as_str(), e.ends),
        ("WS01.corp.local", "SRV05.corp.local", Ends::Both)
    );
    assert_eq!(
        e.note(),
        r"?$s joined on user CORP\alice, 1 min apart (the session came from 10.9.9.9)"
    );
}

#[test]
fn an_unresolved_target_is_never_guessed() {
    let rows = [row("WS01.corp.local", r"CORP\alice", &["?$targets"], T0, 1)];
    let cases = [
        (
            "another user",
            session("SRV05", Some(r"CORP\bob"), None, T0 + MIN, 1),
        ),
        (
            "outside the window",
            session("SRV05", Some(r"CORP\alice"), None, T0 + 6 * MIN, 1),
        ),
        ("no user", session("SRV05", None, None, T0 + MIN, 1)),
        (
            "another source",
            session("SRV05", Some(r"CORP\alice"), Some("WS09"), T0 + MIN, 1),
        ),
    ];
    for (why, s) in cases {
        let named = s.source.is_some();
        let r = edges(&rows, &[s], &HostMap::new());
        let unresolved: Vec<&Edge> = r.edges.iter().filter(|e| e.is_unresolved()).collect();
        assert_eq!(unresolved.len(), 1, "{why}: {:#?}", r.edges);
        let e = unresolved[0];
        assert_eq!(
            (e.source.as_str(), e.target.as_str(), e.ends),
            ("WS01.corp.local", "?$targets", Ends::Source),
            "{why}"
        );
        assert_eq!(
            e.note(),
            "unresolved: no session of the same user on any target within 5 min",
            "{why}"
        );
        assert!(e.evidence.is_empty(), "{why}");
        // The session stays as it was: its own edge when it names a source, else counted.
        assert_eq!(r.sourceless, usize::from(!named), "{why}");
        assert_eq!(r.edges.len(), 1 + usize::from(named), "{why}");
    }
}

#[test]
fn a_session_naming_no_source_makes_no_edge_unless_one_edge_fits() {
    let alone = [session(
        "SRV01.corp.local",
        Some(r"CORP\alice"),
        None,
        T0,
        1,
    )];
    let r = edges(&[], &alone, &HostMap::new());
    assert!(r.edges.is_empty());
    assert_eq!(r.sourceless, 1);

    // Two sources reach SRV01 in the same minutes: the user decides.
    let rows = [
        row("WS01.corp.local", r"CORP\alice", &["srv01"], T0, 1),
        row(
            "MGMT01.corp.local",
            r"CORP\svc_patch",
            &["SRV01.corp.local"],
            T0,
            1,
        ),
    ];
    let alice = session("SRV01.corp.local", Some(r"corp\alice"), None, T0 + MIN, 90);
    let r = edges(&rows, &[alice], &HostMap::new());
    assert_eq!(
        shape(&r),
        vec![
            ("MGMT01.corp.local", "SRV01.corp.local", Ends::Source),
            ("WS01.corp.local", "SRV01.corp.local", Ends::Both),
        ]
    );
    assert_eq!(
        r.edges[1].notes,
        vec!["target session names no source: joined on host and time"]
    );
    assert_eq!(r.sourceless, 0);
    // With no user, nothing decides between them: no edge takes it.
    let nobody = session("SRV01.corp.local", None, None, T0 + MIN, 90);
    let r = edges(&rows, &[nobody], &HostMap::new());
    assert!(r.edges.iter().all(|e| e.ends == Ends::Source));
    assert_eq!(r.sourceless, 1);
    // Out of the window: no edge takes it either.
    let late = session(
        "SRV01.corp.local",
        Some(r"CORP\alice"),
        None,
        T0 + 6 * MIN,
        90,
    );
    assert_eq!(edges(&rows, &[late], &HostMap::new()).sourceless, 1);
}

#[test]
fn covenant_shape_workstation5_800_to_workstation6_inbound() {
    // Security-Datasets covenant_psremoting_command: WORKSTATION5's Windows PowerShell 800
    // names WORKSTATION6; WORKSTATION6 logs the session (4624 type 3, wsmprovhost) with the
    // source's address only; the DC's 4624 of the machine account WORKSTATION5$ names it.
    let mut map = HostMap::new();
    map.learn_event(&Event {
        channel: CHANNEL_SECURITY.into(),
        event_code: 4624,
        computer: "MORDORDC.theshire.local".into(),
        data: [
            ("IpAddress", "172.18.39.5"),
            ("WorkstationName", "-"),
            ("TargetUserName", "WORKSTATION5$"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Default::default()
    });
    let mut source = row(
        "WORKSTATION5.theshire.local",
        r"THESHIRE\pgustavo",
        &["WORKSTATION6"],
        T0,
        1,
    );
    source.technique = "invoke-command:computername".into();
    let mut target = session(
        "WORKSTATION6.theshire.local",
        Some(r"THESHIRE\pgustavo"),
        None,
        T0 + 1_000_000,
        100,
    );
    target.source_ip = Some("172.18.39.5".into());
    let r = edges(&[source], &[target], &map);
    let e = only(&r);
    assert_eq!(
        (e.source.as_str(), e.target.as_str(), e.ends),
        (
            "WORKSTATION5.theshire.local",
            "WORKSTATION6.theshire.local",
            Ends::Both
        )
    );
    assert_eq!(e.users, vec![r"THESHIRE\pgustavo"]);
    assert_eq!(e.evidence, vec![100, 101]);
    assert!(e.notes.is_empty(), "the address is named: nothing inferred");
}

#[test]
fn an_ambiguous_spelling_keeps_its_note_on_the_edge() {
    let rows = [row("dev01", r"CORP\alice", &["srv01"], T0, 1)];
    let r = edges(&rows, &[], &hosts(&["srv01.corp.local", "srv01.lab.local"]));
    let e = only(&r);
    assert_eq!(e.target, "srv01");
    assert_eq!(
        e.note(),
        "srv01 may be srv01.corp.local or srv01.lab.local: kept as written"
    );
}

#[test]
fn a_sid_and_a_name_neither_match_nor_differ() {
    // A script block's user unnamed (only its SID), the child's process user by name: the
    // session still joins the one edge that fits; a different SID would differ.
    let mut r = row("WS01.corp.local", "", &["srv01"], T0, 1);
    r.user = None;
    r.user_id = Some("S-1-5-21-1-1104".into());
    let named = session("SRV01", Some(r"CORP\alice"), None, T0 + MIN, 5);
    let report = edges(std::slice::from_ref(&r), &[named], &HostMap::new());
    let e = only(&report);
    assert_eq!(e.ends, Ends::Both);
    assert_eq!(e.users, vec![r"CORP\alice", "S-1-5-21-1-1104"]);
    let other_sid = session("SRV01", Some("S-1-5-21-1-1105"), None, T0 + MIN, 5);
    let report = edges(&[r], &[other_sid], &HostMap::new());
    assert_eq!(only(&report).ends, Ends::Source);
    assert_eq!(report.sourceless, 1);
}
