//! One node per host, whatever the spelling: `SRV-DB01`, `srv-db01.corp.local`,
//! `CORP\SRV-DB01$`, a truncated NetBIOS name, `localhost`, or an address the index names.
//!
//! The rules (each one a statement the logs make, never a guess):
//! - Case never matters; a trailing root dot, `DOMAIN\` and a machine account's `$` are
//!   spelling, not name.
//! - An FQDN is its own node. A short name stands for the one FQDN (or longer short name)
//!   whose first label it is, or whose first label it is the 15-character NetBIOS truncation
//!   of (`SRV-DATABASE-PR` for `srv-database-primary01.corp.local`).
//! - When a short name fits FQDNs in several domains, the one in the domain of the host that
//!   wrote it wins (Windows itself tries its primary DNS suffix first); when that does not
//!   decide, the short name stays a node of its own and says why.
//! - `localhost`, `.`, `127.0.0.1`, `::1` are the host that wrote them.
//! - An address is a host only when every name the index gives it is that one host; an
//!   address named for two hosts stays the address and says so.
//!
//! The display name of a node is its fullest spelling seen (the FQDN), as first written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use super::addresses::{address_pairs, parse_ip};
use crate::event::Event;

/// NetBIOS computer names are at most 15 characters: longer names are cut there.
const NETBIOS_LEN: usize = 15;

/// A host as the edges see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Identity: lower case, one per host.
    pub key: String,
    /// The fullest spelling seen.
    pub display: String,
    /// Why the spelling stayed as written (an ambiguous short name or address).
    pub note: Option<String>,
}

/// Host names and addresses learned from the index, resolving any spelling to a [`Node`].
#[derive(Debug, Clone, Default)]
pub struct HostMap {
    /// Every name seen (lower case) → its first spelling.
    names: HashMap<String, String>,
    /// A short spelling (first label, or its NetBIOS truncation) → fuller names it may mean.
    fuller: HashMap<String, BTreeSet<String>>,
    /// Address → (name, the host that logged it) pairs.
    addresses: BTreeMap<IpAddr, BTreeSet<(String, String)>>,
}

/// What a raw spelling is, before any lookup.
enum Spelling {
    /// The writing host itself.
    Loopback,
    Ip(IpAddr),
    /// A host name, lower case, with its spelling cleaned.
    Name(String, String),
    /// Anything else (kept as written).
    Other(String),
}

fn spelling(raw: &str) -> Option<Spelling> {
    let t = raw.trim().trim_matches(['"', '\'', '`']).trim();
    if t == "." {
        return Some(Spelling::Loopback);
    }
    let t = t.trim_start_matches('\\');
    let t = t.rsplit_once('\\').map_or(t, |(_, n)| n);
    let t = t.trim_end_matches('$').trim_end_matches('.');
    if t.is_empty() || t == "-" {
        return None;
    }
    let lower = t.to_lowercase();
    if lower == "localhost" || lower == "localhost.localdomain" {
        return Some(Spelling::Loopback);
    }
    let bare = t.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare
        .split_once('%')
        .map_or(bare, |(a, _)| a)
        .parse::<IpAddr>()
    {
        return Some(if ip.to_canonical().is_loopback() {
            Spelling::Loopback
        } else {
            parse_ip(bare).map_or(Spelling::Other(t.to_string()), Spelling::Ip)
        });
    }
    let hostname = t
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    Some(if hostname {
        Spelling::Name(lower, t.to_string())
    } else {
        Spelling::Other(t.to_string())
    })
}

fn first_label(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

fn domain(name: &str) -> Option<&str> {
    name.split_once('.').map(|(_, d)| d)
}

fn netbios(label: &str) -> Option<String> {
    (label.chars().count() > NETBIOS_LEN).then(|| label.chars().take(NETBIOS_LEN).collect())
}

impl HostMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learn a host name as written anywhere (System/Computer, a target, a source).
    pub fn learn_name(&mut self, raw: &str) {
        let Some(Spelling::Name(lower, clean)) = spelling(raw) else {
            return;
        };
        if self.names.contains_key(&lower) {
            return;
        }
        let label = first_label(&lower).to_string();
        if lower.contains('.') {
            self.fuller
                .entry(label.clone())
                .or_default()
                .insert(lower.clone());
        }
        if let Some(cut) = netbios(&label) {
            self.fuller.entry(cut).or_default().insert(lower.clone());
        }
        self.names.insert(lower, clean);
    }

    /// Learn that the host `context` logged `name` for `ip`.
    pub fn learn_address(&mut self, ip: IpAddr, name: &str, context: &str) {
        self.learn_name(name);
        self.addresses
            .entry(ip)
            .or_default()
            .insert((name.to_string(), context.to_string()));
    }

    /// Learn the host an event was logged on and the address → name pairs it states.
    pub fn learn_event(&mut self, e: &Event) {
        self.learn_name(&e.computer);
        for (ip, name) in address_pairs(e) {
            self.learn_address(ip, &name, &e.computer);
        }
    }

    /// The node a spelling written on (or about) host `context` stands for; none for an
    /// empty or `-` spelling.
    pub fn node(&self, raw: &str, context: &str) -> Option<Node> {
        match spelling(raw)? {
            Spelling::Loopback => match spelling(context) {
                Some(Spelling::Loopback) | None => Some(self.plain(raw)),
                _ => self.node(context, context),
            },
            Spelling::Ip(ip) => Some(self.address(ip)),
            Spelling::Name(lower, clean) => Some(self.name(&lower, &clean, context)),
            Spelling::Other(t) => Some(self.plain(&t)),
        }
    }

    /// A spelling kept as written.
    fn plain(&self, t: &str) -> Node {
        Node {
            key: t.to_lowercase(),
            display: t.to_string(),
            note: None,
        }
    }

    fn display(&self, key: &str, clean: &str) -> String {
        self.names
            .get(key)
            .cloned()
            .unwrap_or_else(|| clean.to_string())
    }

    fn name(&self, lower: &str, clean: &str, context: &str) -> Node {
        let node = |key: &str, note| Node {
            key: key.to_string(),
            display: self.display(key, clean),
            note,
        };
        if lower.contains('.') {
            return node(lower, None);
        }
        let mut keys: BTreeSet<String> = BTreeSet::new();
        for cand in self.fuller.get(lower).into_iter().flatten() {
            if cand == lower {
                continue;
            }
            if cand.contains('.') {
                keys.insert(cand.clone());
            } else {
                // A longer short name: whatever FQDN it stands for (its label is longer, so
                // this ends).
                keys.insert(self.name(cand, cand, context).key);
            }
        }
        if keys.len() > 1 {
            let home = self.home_domain(context);
            let local: Vec<&String> = keys
                .iter()
                .filter(|k| home.is_some() && domain(k) == home.as_deref())
                .collect();
            if let [one] = local[..] {
                return node(one, None);
            }
            let all: Vec<String> = keys.iter().map(|k| self.display(k, k)).collect();
            return node(
                lower,
                Some(format!(
                    "{clean} may be {}: kept as written",
                    all.join(" or ")
                )),
            );
        }
        match keys.into_iter().next() {
            Some(k) => node(&k, None),
            None => node(lower, None),
        }
    }

    /// The DNS domain of the host `context` (its FQDN's, once resolved), lower case.
    fn home_domain(&self, context: &str) -> Option<String> {
        let Some(Spelling::Name(lower, _)) = spelling(context) else {
            return None;
        };
        if let Some(d) = domain(&lower) {
            return Some(d.to_string());
        }
        // A short context: its FQDN when only one fits (no context of its own: no loop).
        let cands = self.fuller.get(&lower)?;
        match cands.iter().filter(|c| c.contains('.')).collect::<Vec<_>>()[..] {
            [one] => domain(one).map(str::to_string),
            _ => None,
        }
    }

    fn address(&self, ip: IpAddr) -> Node {
        let text = ip.to_string();
        let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
        for (name, context) in self.addresses.get(&ip).into_iter().flatten() {
            if let Some(n) = self.node(name, context) {
                nodes.entry(n.key.clone()).or_insert(n);
            }
        }
        match nodes.len() {
            0 => Node {
                key: text.clone(),
                display: text,
                note: None,
            },
            1 => {
                let mut n = nodes.into_values().next().expect("one node");
                n.note = None;
                n
            }
            _ => {
                let names: Vec<String> = nodes.into_values().map(|n| n.display).collect();
                Node {
                    key: text.clone(),
                    note: Some(format!(
                        "{text} is {} in the index: kept as the address",
                        names.join(" and ")
                    )),
                    display: text,
                }
            }
        }
    }

    /// Is this spelling an address the index gives no name at all (so any host may be it)?
    /// An address named for two hosts is not unnamed: it is one of those two.
    pub fn is_unnamed_address(&self, raw: &str) -> bool {
        matches!(spelling(raw), Some(Spelling::Ip(ip)) if !self.addresses.contains_key(&ip))
    }
}
