//! The joins no single end states: a source's unresolved target (`?$x`) with the session
//! its user opened on some target, and a session that names no source with the one
//! source-side edge to its host. Both only within [`WINDOW`], both said in the edge's notes.

use std::collections::BTreeSet;

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
    for (i, r) in rows.iter().enumerate() {
        let s = hosts.node(&r.computer, &r.computer);
        let Some(s) = s else { continue };
        for expr in r.targets.iter().filter(|t| t.starts_with('?')) {
            let user = row_user(r).map(user_key);
            let mut joined = false;
            for (j, sess) in inbound.iter().enumerate() {
                let (t, src) = &ends[j];
                let same_user = user.is_some() && sess.user.as_deref().map(user_key) == user;
                let from_here = match src {
                    None => true,
                    Some(n) => n.key == s.key || hosts.is_unnamed_address(&n.key),
                };
                let apart = gap((r.first, r.last), (sess.first, sess.last));
                if !same_user || !from_here || apart > WINDOW {
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

/// A session that names no source belongs to a source-side edge to its host when exactly one
/// fits by time and user (an exact user match decides between several).
pub(super) fn link_sourceless(
    b: &mut Builder<'_>,
    ends: &[(Node, Option<Node>)],
    placed: &mut [bool],
) {
    let (rows, inbound) = (b.rows, b.inbound);
    for (j, sess) in inbound.iter().enumerate() {
        if placed[j] || ends[j].1.is_some() {
            continue;
        }
        let t = &ends[j].0;
        let user = sess.user.as_deref().map(user_key);
        // (key, users agree exactly) of every edge that fits.
        let mut fits: Vec<(Key, bool)> = Vec::new();
        for (key, a) in &b.map {
            if key.0 || key.2 != t.key || a.rows.is_empty() {
                continue;
            }
            let near = a
                .rows
                .iter()
                .any(|&i| gap((rows[i].first, rows[i].last), (sess.first, sess.last)) <= WINDOW);
            let users: BTreeSet<String> = a
                .rows
                .iter()
                .filter_map(|&i| row_user(&rows[i]).map(user_key))
                .collect();
            let exact = user.as_ref().is_some_and(|u| users.contains(u));
            // A SID and a name cannot be told apart or alike: only like with like differs.
            let comparable = user
                .as_ref()
                .is_some_and(|u| users.iter().any(|v| is_sid(v) == is_sid(u)));
            let differs = comparable && !exact;
            if near && !differs {
                fits.push((key.clone(), exact));
            }
        }
        if fits.len() > 1 {
            fits.retain(|(_, exact)| *exact);
        }
        if let [(key, _)] = &fits[..] {
            let a = b.map.get_mut(key).expect("a fitting edge");
            a.sessions.insert(j);
            a.notes
                .insert("target session names no source: joined on host and time".into());
            placed[j] = true;
        }
    }
}
