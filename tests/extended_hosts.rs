//! HostMap: one node per host whatever the spelling, and addresses only where the index
//! names them (and names them once).

use huntbench::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::extended::HostMap;
use huntbench::extended::addresses::CHANNEL_DNS_CLIENT;

fn ev(channel: &str, code: u32, computer: &str, data: &[(&str, &str)]) -> Event {
    Event {
        channel: channel.into(),
        event_code: code,
        computer: computer.into(),
        data: data
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn map(names: &[&str]) -> HostMap {
    let mut m = HostMap::new();
    for n in names {
        m.learn_name(n);
    }
    m
}

/// (key, display) of a spelling written on `ctx`.
fn node(m: &HostMap, raw: &str, ctx: &str) -> (String, String) {
    let n = m.node(raw, ctx).expect("a node");
    (n.key, n.display)
}

fn key(m: &HostMap, raw: &str) -> String {
    node(m, raw, "ws01.corp.local").0
}

#[test]
fn case_fqdn_and_short_names_are_one_node_shown_by_the_fqdn() {
    let m = map(&["srv-db01", "SRV-DB01.corp.local", "ws01.corp.local"]);
    for spelling in [
        "SRV-DB01",
        "srv-db01",
        "srv-db01.CORP.LOCAL",
        "SRV-DB01.corp.local.",
        "\"srv-db01\"",
    ] {
        assert_eq!(
            node(&m, spelling, "ws01.corp.local"),
            (
                "srv-db01.corp.local".to_string(),
                "SRV-DB01.corp.local".to_string()
            ),
            "{spelling}"
        );
    }
    // A prefix is no short name of it; an unknown short name is its own node.
    assert_eq!(key(&m, "srv-db0"), "srv-db0");
    assert_eq!(
        node(&m, "SRV-APP09", "x"),
        ("srv-app09".into(), "SRV-APP09".into())
    );
}

#[test]
fn netbios_spellings_machine_accounts_and_the_15_character_cut() {
    let m = map(&["srv-database-primary01.corp.local", "SRV-DB01.corp.local"]);
    assert_eq!(key(&m, r"CORP\SRV-DB01$"), "srv-db01.corp.local");
    assert_eq!(key(&m, "SRV-DB01$"), "srv-db01.corp.local");
    assert_eq!(key(&m, r"\\SRV-DB01"), "srv-db01.corp.local");
    assert_eq!(
        node(&m, "SRV-DATABASE-PR", "ws01"),
        (
            "srv-database-primary01.corp.local".to_string(),
            "srv-database-primary01.corp.local".to_string()
        )
    );
    assert_eq!(
        key(&m, r"CORP\SRV-DATABASE-PR$"),
        "srv-database-primary01.corp.local"
    );
    // Fewer than 15 characters is no truncation.
    assert_eq!(key(&m, "SRV-DATABASE-P"), "srv-database-p");
    // Without any FQDN, the cut still finds the whole short name.
    let short = map(&["SRV-DATABASE-PRIMARY01"]);
    assert_eq!(
        node(&short, "srv-database-pr", "x"),
        (
            "srv-database-primary01".to_string(),
            "SRV-DATABASE-PRIMARY01".to_string()
        )
    );
}

#[test]
fn loopback_spellings_are_the_writing_host() {
    let m = map(&["WS01.corp.local"]);
    for spelling in [
        "localhost",
        "LOCALHOST",
        ".",
        "127.0.0.1",
        "::1",
        "[::1]",
        "127.0.0.2",
    ] {
        assert_eq!(
            node(&m, spelling, "ws01"),
            ("ws01.corp.local".to_string(), "WS01.corp.local".to_string()),
            "{spelling}"
        );
    }
    assert!(m.node("-", "ws01").is_none());
    assert!(m.node("  ", "ws01").is_none());
}

#[test]
fn same_first_label_in_two_domains_the_rule() {
    let m = map(&[
        "srv01.corp.local",
        "srv01.lab.local",
        "ws01.corp.local",
        "dev01",
    ]);
    // Two FQDNs are two nodes.
    assert_ne!(key(&m, "srv01.corp.local"), key(&m, "srv01.lab.local"));
    // The short name written on a corp host is the corp one (the writer's DNS suffix)...
    assert_eq!(node(&m, "SRV01", "ws01.corp.local").0, "srv01.corp.local");
    // ...also when the writer is spelled short but has one FQDN.
    assert_eq!(node(&m, "SRV01", "WS01").0, "srv01.corp.local");
    assert_eq!(node(&m, "srv01", "jump.lab.local").0, "srv01.lab.local");
    // Written where the suffix decides nothing: kept as written, and said so.
    let n = m.node("SRV01", "dev01").unwrap();
    assert_eq!((n.key.as_str(), n.display.as_str()), ("srv01", "SRV01"));
    assert_eq!(
        n.note.as_deref(),
        Some("SRV01 may be srv01.corp.local or srv01.lab.local: kept as written")
    );
    let n = m.node("srv01", "ws09.other.local").unwrap();
    assert_eq!(n.key, "srv01");
    // A short name only one FQDN fits is that FQDN, whatever domain the writer is in.
    let one = map(&["srv02.lab.local"]);
    assert_eq!(node(&one, "srv02", "ws01.corp.local").0, "srv02.lab.local");
}

#[test]
fn addresses_are_names_only_where_the_index_maps_them() {
    let mut m = HostMap::new();
    // Security 4624 on a target, about its source: WorkstationName...
    m.learn_event(&ev(
        CHANNEL_SECURITY,
        4624,
        "SRV01.corp.local",
        &[("IpAddress", "10.0.0.5"), ("WorkstationName", "WS05")],
    ));
    // ...or the machine account of a Kerberos logon.
    m.learn_event(&ev(
        CHANNEL_SECURITY,
        4624,
        "DC01.corp.local",
        &[
            ("IpAddress", "::ffff:10.0.0.6"),
            ("WorkstationName", "-"),
            ("TargetUserName", "WS06$"),
        ],
    ));
    // Sysmon 3: a connection's named destination.
    m.learn_event(&ev(
        CHANNEL_SYSMON,
        3,
        "WS05.corp.local",
        &[
            ("SourceIp", "10.0.0.5"),
            ("DestinationIp", "10.0.0.20"),
            ("DestinationHostname", "srv01.corp.local"),
        ],
    ));
    // Sysmon 22 through a CNAME, and the DNS client's 3008.
    m.learn_event(&ev(
        CHANNEL_SYSMON,
        22,
        "WS05.corp.local",
        &[
            ("QueryName", "files.corp.local"),
            (
                "QueryResults",
                "type:  5 srv02.corp.local;::ffff:10.0.0.21;",
            ),
        ],
    ));
    m.learn_event(&ev(
        CHANNEL_DNS_CLIENT,
        3008,
        "WS05.corp.local",
        &[
            ("QueryName", "srv03.corp.local"),
            ("QueryResults", "10.0.0.23;"),
        ],
    ));
    m.learn_name("ws06.corp.local");
    let at = |ip: &str| node(&m, ip, "SRV01.corp.local");
    assert_eq!(
        at("10.0.0.5"),
        ("ws05.corp.local".into(), "WS05.corp.local".into())
    );
    assert_eq!(at("10.0.0.6").0, "ws06.corp.local");
    assert_eq!(at("::ffff:10.0.0.6").0, "ws06.corp.local");
    assert_eq!(at("10.0.0.20").0, "srv01.corp.local");
    assert_eq!(at("10.0.0.21").0, "srv02.corp.local");
    assert_eq!(at("10.0.0.23").0, "srv03.corp.local");
    // An address nothing names stays the address.
    assert_eq!(at("10.0.0.99"), ("10.0.0.99".into(), "10.0.0.99".into()));
    assert!(m.is_unnamed_address("10.0.0.99"));
    assert!(!m.is_unnamed_address("10.0.0.5"));
}

#[test]
fn an_address_named_for_two_hosts_stays_the_address_and_says_so() {
    let mut m = HostMap::new();
    for (ws, host) in [
        ("WS05", "SRV01.corp.local"),
        ("ws07.corp.local", "SRV02.corp.local"),
    ] {
        m.learn_event(&ev(
            CHANNEL_SECURITY,
            4624,
            host,
            &[("IpAddress", "10.0.0.9"), ("WorkstationName", ws)],
        ));
    }
    // Two spellings of one host are one name, not a conflict.
    for name in ["WS08", "ws08.corp.local"] {
        m.learn_event(&ev(
            CHANNEL_SECURITY,
            4624,
            "SRV01.corp.local",
            &[("IpAddress", "10.0.0.8"), ("WorkstationName", name)],
        ));
    }
    let n = m.node("10.0.0.9", "SRV01.corp.local").unwrap();
    assert_eq!(
        (n.key.as_str(), n.display.as_str()),
        ("10.0.0.9", "10.0.0.9")
    );
    assert_eq!(
        n.note.as_deref(),
        Some("10.0.0.9 is WS05 and ws07.corp.local in the index: kept as the address")
    );
    assert!(
        !m.is_unnamed_address("10.0.0.9"),
        "it is one of two, not anyone"
    );
    let n = m.node("10.0.0.8", "SRV01.corp.local").unwrap();
    assert_eq!((n.key.as_str(), n.note), ("ws08.corp.local", None));
}
