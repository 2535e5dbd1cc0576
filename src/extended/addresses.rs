//! Address → host-name pairs the logs state about the network: what [`super::HostMap`] learns
//! IP addresses from, and what the ingest tags (so `edges` reads only these events).
//!
//! Only statements, never inferences: a 4624 names the workstation (or the machine account)
//! behind its `IpAddress`, Sysmon 3 names the ends of one connection, a DNS answer names an
//! address. Whether an address then stands for one host is the map's decision, not ours.

use std::net::IpAddr;

use crate::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

/// The DNS client's own log (3008: query completed, 3020: query response).
pub const CHANNEL_DNS_CLIENT: &str = "Microsoft-Windows-DNS-Client/Operational";

/// Does this kind of event state address → name pairs? (Cheap: channel and code only.)
pub fn names_addresses(e: &Event) -> bool {
    let ch = e.channel.as_str();
    (ch.eq_ignore_ascii_case(CHANNEL_SECURITY) && e.event_code == 4624)
        || (ch.eq_ignore_ascii_case(CHANNEL_SYSMON) && matches!(e.event_code, 3 | 22))
        || (ch.eq_ignore_ascii_case(CHANNEL_DNS_CLIENT) && matches!(e.event_code, 3008 | 3020))
}

/// The (address, name) pairs one event states, the address in canonical form
/// (`::ffff:10.0.0.5` is `10.0.0.5`). Loopback, unspecified and multicast addresses say
/// nothing about a host and are left out.
pub fn address_pairs(e: &Event) -> Vec<(IpAddr, String)> {
    if !names_addresses(e) {
        return Vec::new();
    }
    let get = |k: &str| {
        e.data
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty() && *v != "-")
    };
    let mut out = Vec::new();
    let mut push = |ip: Option<&str>, name: Option<&str>| {
        if let (Some(ip), Some(name)) = (ip.and_then(parse_ip), name) {
            out.push((ip, name.trim_end_matches('.').to_string()));
        }
    };
    if e.channel.eq_ignore_ascii_case(CHANNEL_SECURITY) {
        // The workstation a network logon came from; NTLM fills WorkstationName, Kerberos
        // often leaves it `-`, but a machine account (`WS05$`) is then the source itself.
        let machine = get("TargetUserName").filter(|u| u.len() > 1 && u.ends_with('$'));
        push(get("IpAddress"), get("WorkstationName").or(machine));
    } else if e.event_code == 3 {
        push(get("SourceIp"), get("SourceHostname"));
        push(get("DestinationIp"), get("DestinationHostname"));
        // The local end of a TCP connection is the logging host's own address. Not UDP:
        // Sysmon logs a DNS server's answer (local port 53 as the source) with
        // `Initiated: false` (the covenant capture's DC), which would give the client's
        // address to the server.
        let tcp = get("Protocol").is_some_and(|p| p.eq_ignore_ascii_case("tcp"));
        let local = match get("Initiated").map(str::to_ascii_lowercase).as_deref() {
            Some("true") if tcp => get("SourceIp"),
            Some("false") if tcp => get("DestinationIp"),
            _ => None,
        };
        push(local, Some(e.computer.as_str()).filter(|c| !c.is_empty()));
    } else if let Some(query) = get("QueryName") {
        for ip in answer_addresses(query, get("QueryResults").unwrap_or("")) {
            out.push(ip);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The addresses a DNS answer gives, with the name they belong to: the query name, or the
/// last CNAME of the chain (`type: 5 x.y;10.0.0.5;`: the address is x.y's). An answer that
/// holds other record types (SRV `type: 33`, PTR) gives addresses of names it does not
/// spell out, so it gives nothing; so does a service name (`_ldap._tcp…`).
fn answer_addresses(query: &str, results: &str) -> Vec<(IpAddr, String)> {
    let mut name = query.trim().trim_end_matches('.').to_string();
    if name.starts_with('_') || name.contains('*') {
        return Vec::new();
    }
    let mut ips = Vec::new();
    for part in results.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(rest) = part.strip_prefix("type:") {
            let mut words = rest.split_whitespace();
            match (words.next(), words.next()) {
                (Some("5"), Some(alias)) => name = alias.trim_end_matches('.').to_string(),
                _ => return Vec::new(),
            }
        } else if let Some(ip) = parse_ip(part) {
            ips.push(ip);
        }
    }
    ips.into_iter().map(|ip| (ip, name.clone())).collect()
}

/// An address as logged (`10.0.0.5`, `::ffff:10.0.0.5`, `fe80::1%12`, `[::1]`), canonical;
/// none for anything else and for addresses that name no particular host.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_start_matches('[').trim_end_matches(']');
    let s = s.split_once('%').map_or(s, |(a, _)| a);
    let ip = s.parse::<IpAddr>().ok()?.to_canonical();
    (!ip.is_loopback() && !ip.is_unspecified() && !ip.is_multicast()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn pairs(e: &Event) -> Vec<(String, String)> {
        address_pairs(e)
            .into_iter()
            .map(|(ip, n)| (ip.to_string(), n))
            .collect()
    }

    fn p(ip: &str, n: &str) -> (String, String) {
        (ip.to_string(), n.to_string())
    }

    #[test]
    fn logons_name_their_workstation_or_machine_account() {
        let ntlm = ev(
            "Security",
            4624,
            "SRV01.corp.local",
            &[
                ("IpAddress", "10.0.0.5"),
                ("WorkstationName", "WS05"),
                ("TargetUserName", "alice"),
            ],
        );
        assert_eq!(pairs(&ntlm), vec![p("10.0.0.5", "WS05")]);
        let machine = ev(
            "security",
            4624,
            "DC01",
            &[
                ("IpAddress", "::ffff:172.18.39.5"),
                ("WorkstationName", "-"),
                ("TargetUserName", "WORKSTATION5$"),
            ],
        );
        assert_eq!(pairs(&machine), vec![p("172.18.39.5", "WORKSTATION5$")]);
        let kerberos_user = ev(
            "Security",
            4624,
            "DC01",
            &[("IpAddress", "10.0.0.5"), ("TargetUserName", "alice")],
        );
        assert!(pairs(&kerberos_user).is_empty());
        let local = ev(
            "Security",
            4624,
            "DC01",
            &[("IpAddress", "::1"), ("TargetUserName", "DC01$")],
        );
        assert!(pairs(&local).is_empty(), "loopback names no host");
    }

    #[test]
    fn connections_name_both_ends_and_the_local_one() {
        let e = ev(
            CHANNEL_SYSMON,
            3,
            "WS05.corp.local",
            &[
                ("Initiated", "true"),
                ("Protocol", "tcp"),
                ("SourceIp", "10.0.0.5"),
                ("SourceHostname", "-"),
                ("DestinationIp", "10.0.0.20"),
                ("DestinationHostname", "srv01.corp.local"),
            ],
        );
        assert_eq!(
            pairs(&e),
            vec![
                p("10.0.0.5", "WS05.corp.local"),
                p("10.0.0.20", "srv01.corp.local")
            ]
        );
        let inbound = ev(
            CHANNEL_SYSMON,
            3,
            "SRV01",
            &[
                ("Initiated", "false"),
                ("Protocol", "tcp"),
                ("SourceIp", "10.0.0.5"),
                ("SourceHostname", "ws05.corp.local."),
                ("DestinationIp", "10.0.0.20"),
            ],
        );
        assert_eq!(
            pairs(&inbound),
            vec![p("10.0.0.5", "ws05.corp.local"), p("10.0.0.20", "SRV01")]
        );
        // A DNS server's UDP answer as Sysmon logs it (covenant capture, MORDORDC): the
        // "destination" of an uninitiated event is the client, not the logging host.
        let udp = ev(
            CHANNEL_SYSMON,
            3,
            "MORDORDC.theshire.local",
            &[
                ("Initiated", "false"),
                ("Protocol", "udp"),
                ("SourceIp", "172.18.38.5"),
                ("SourcePort", "53"),
                ("DestinationIp", "172.18.39.5"),
            ],
        );
        assert!(pairs(&udp).is_empty());
    }

    #[test]
    fn dns_answers_name_addresses_through_cnames_only() {
        let a = ev(
            CHANNEL_SYSMON,
            22,
            "WS05",
            &[
                ("QueryName", "srv01.corp.local"),
                ("QueryResults", "::ffff:10.0.0.20;"),
            ],
        );
        assert_eq!(pairs(&a), vec![p("10.0.0.20", "srv01.corp.local")]);
        let cname = ev(
            CHANNEL_SYSMON,
            22,
            "WS05",
            &[
                ("QueryName", "files.corp.local"),
                (
                    "QueryResults",
                    "type:  5 srv02.corp.local;::ffff:10.0.0.21;10.0.0.22;",
                ),
            ],
        );
        assert_eq!(
            pairs(&cname),
            vec![
                p("10.0.0.21", "srv02.corp.local"),
                p("10.0.0.22", "srv02.corp.local")
            ]
        );
        // Security-Datasets' covenant capture: an SRV answer's address is the DC's, not the
        // service name's.
        let srv = ev(
            CHANNEL_SYSMON,
            22,
            "WORKSTATION5.theshire.local",
            &[
                (
                    "QueryName",
                    "_kerberos._tcp.Default-First-Site-Name._sites.dc._msdcs.theshire.local.",
                ),
                ("QueryResults", "type:  33 ;172.18.38.5;"),
            ],
        );
        assert!(pairs(&srv).is_empty());
        let client = ev(
            CHANNEL_DNS_CLIENT,
            3008,
            "WS05",
            &[
                ("QueryName", "srv03.corp.local"),
                ("QueryResults", "10.0.0.23;"),
            ],
        );
        assert_eq!(pairs(&client), vec![p("10.0.0.23", "srv03.corp.local")]);
        let response = ev(
            CHANNEL_DNS_CLIENT,
            3020,
            "WS05",
            &[
                ("QueryName", "srv04"),
                ("QueryResults", "fe80::4%12;10.0.0.24;"),
            ],
        );
        assert_eq!(
            pairs(&response),
            vec![p("10.0.0.24", "srv04"), p("fe80::4", "srv04")]
        );
        let other = ev(
            "System",
            3008,
            "WS05",
            &[("QueryName", "x"), ("QueryResults", "1.2.3.4")],
        );
        assert!(pairs(&other).is_empty());
    }
}
