//! The joins no single end states: a source's unresolved target (`?$x`) with the session
//! its user opened on some target, and a session that names no source with the one
//! source-side edge to its host. Both only within [`WINDOW`], both said in the edge's notes.

use std::collections::{BTreeSet, HashMap};

use super::edges::{Builder, Key, WINDOW, describe_gap, gap, is_sid, row_user, user_key};
use super::hosts::{HostMap, Node};
use crate::time::MICROS;

/// `?$x` on host H by user U: the sessions of U within the window whose source is H or
/// unknown are where it went.
pub(super) fn join_unresolved(
    b: &mut Builder<'_>,
    hosts: &HostMap,
    ends: &[(Node, Option<Node>)],
    placed: &mut [bool],
) {
    let (rows, inbound) = (b.rows, b.inbound);
    // Sessions by user: a row looks at its own user's only (children can be many).
    let mut by_user: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, sess) in inbound.iter().enumerate() {
        if let Some(u) = sess.user.as_deref() {
            by_user.entry(user_key(u)).or_default().push(j);
        }
    }
    for (i, r) in rows.iter().enumerate() {
        let s = hosts.node(&r.computer, &r.computer);
        let Some(s) = s else { continue };
        let user = row_user(r).map(user_key);
        let theirs = user.as_ref().and_then(|u| by_user.get(u));
        for expr in r.targets.iter().filter(|t| t.starts_with('?')) {
            let mut joined = false;
            for &j in theirs.into_iter().flatten() {
                let sess = &inbound[j];
                let (t, src) = &ends[j];
                let from_here = match src {
                    None => true,
                    Some(n) => n.key == s.key || hosts.is_unnamed_address(&n.key),
                };
                let apart = gap((r.first, r.last), (sess.first, sess.last));
                if !from_here || apart > WINDOW {
                    continue;
                }
                let who = row_user(r).unwrap_or_default();
                let mut note = format!("{expr} joined on user {who}, {}", describe_gap(apart));
                if let Some(n) = src.as_ref().filter(|n| n.key != s.key) {
                    // The session came from an address nothing names: it is this hop now,
                    // not an edge of its own from that address.
                    note += &format!(" (the session came from {})", n.display);
                    let from_ip = (false, n.key.clone(), t.key.clone());
                    if let Some(a) = b.map.get_mut(&from_ip) {
                        a.sessions.remove(&j);
                        if a.sessions.is_empty() && a.rows.is_empty() {
                            b.map.remove(&from_ip);
                        }
                    }
                }
                let a = b.acc(&s, t, false);
                a.rows.insert(i);
                a.sessions.insert(j);
                a.notes.insert(note);
                placed[j] = true;
                joined = true;
            }
            if !joined {
                let t = Node {
                    key: expr.to_lowercase(),
                    display: expr.clone(),
                    note: None,
                };
                let a = b.acc(&s, &t, true);
                a.rows.insert(i);
                a.notes.insert(format!(
                    "unresolved: no session of the same user on any target within {} min",
                    WINDOW / 60 / MICROS
                ));
            }
        }
    }
}

/// A source-side edge as a session sees it: its key, its rows' spans and users.
type SourceSide<'a> = (&'a Key, Vec<(i64, i64)>, BTreeSet<String>);

/// A session that names no source belongs to a source-side edge to its host when exactly one
/// fits by time and user (an exact user match decides between several).
pub(super) fn link_sourceless(
    b: &mut Builder<'_>,
    ends: &[(Node, Option<Node>)],
    placed: &mut [bool],
) {
    let (rows, inbound) = (b.rows, b.inbound);
    // The source-side edges to each host, with their rows' spans and users (built once:
    // linking adds sessions only, so these do not change).
    let mut to_host: HashMap<&str, Vec<SourceSide<'_>>> = HashMap::new();
    for (key, a) in &b.map {
        if key.0 || a.rows.is_empty() {
            continue;
        }
        let spans = a
            .rows
            .iter()
            .map(|&i| (rows[i].first, rows[i].last))
            .collect();
        let users = a
            .rows
            .iter()
            .filter_map(|&i| row_user(&rows[i]).map(user_key))
            .collect();
        to_host.entry(&key.2).or_default().push((key, spans, users));
    }
    let mut links: Vec<(Key, usize)> = Vec::new();
    for (j, sess) in inbound.iter().enumerate() {
        if placed[j] || ends[j].1.is_some() {
            continue;
        }
        let user = sess.user.as_deref().map(user_key);
        // (key, users agree exactly) of every edge that fits.
        let mut fits: Vec<(&Key, bool)> = Vec::new();
        for (key, spans, users) in to_host.get(ends[j].0.key.as_str()).into_iter().flatten() {
            let near = spans
                .iter()
                .any(|&span| gap(span, (sess.first, sess.last)) <= WINDOW);
            let exact = user.as_ref().is_some_and(|u| users.contains(u));
            // A SID and a name cannot be told apart or alike: only like with like differs.
            let comparable = user
                .as_ref()
                .is_some_and(|u| users.iter().any(|v| is_sid(v) == is_sid(u)));
            let differs = comparable && !exact;
            if near && !differs {
                fits.push((key, exact));
            }
        }
        if fits.len() > 1 {
            fits.retain(|(_, exact)| *exact);
        }
        if let [(key, _)] = fits[..] {
            links.push((key.clone(), j));
        }
    }
    for (key, j) in links {
        let a = b.map.get_mut(&key).expect("a fitting edge");
        a.sessions.insert(j);
        a.notes
            .insert("target session names no source: joined on host and time".into());
        placed[j] = true;
    }
}
