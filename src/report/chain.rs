//! The edges as chains: source → target → next target, in time order, the way a hunter
//! retells an intrusion ("from the workstation to the database server, from there on to the
//! file server").

use crate::extended::Edge;

/// Hops that follow each other: each hop's source is the previous hop's target, and no hop
/// begins before the one it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub hops: Vec<Edge>,
}

impl Chain {
    /// The hosts in order: the first source, then every target.
    pub fn path(&self) -> Vec<&str> {
        let mut path: Vec<&str> = self
            .hops
            .first()
            .map(|h| h.source.as_str())
            .into_iter()
            .collect();
        path.extend(self.hops.iter().map(|h| h.target.as_str()));
        path
    }

    /// First event of the chain.
    pub fn first(&self) -> i64 {
        self.hops.iter().map(|h| h.first).min().unwrap_or_default()
    }
}

/// Chain the edges in time order; every edge is in exactly one chain. An edge continues the
/// hop that brought someone to its source: among the earlier hops into that host not yet
/// continued, the one sharing an account with it, else the latest arrival (admin automation
/// reaching the same server hours before must not take over the intruder's next hop). An
/// unresolved target (`?$x`) is continued by nothing.
pub fn chains(edges: &[Edge]) -> Vec<Chain> {
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&edges[a], &edges[b]);
        (x.first, &x.source, &x.target).cmp(&(y.first, &y.source, &y.target))
    });
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let shares_user =
        |a: &Edge, b: &Edge| a.users.iter().any(|u| b.users.iter().any(|v| same(u, v)));
    let mut next: Vec<Option<usize>> = vec![None; edges.len()];
    let mut continues = vec![false; edges.len()];
    for (pos, &e) in order.iter().enumerate() {
        // Only hops earlier in the order: links go forward, so no chain loops.
        let prev = order[..pos]
            .iter()
            .copied()
            .filter(|&p| {
                next[p].is_none()
                    && !edges[p].is_unresolved()
                    && same(&edges[p].target, &edges[e].source)
            })
            .max_by_key(|&p| (shares_user(&edges[p], &edges[e]), edges[p].first));
        if let Some(p) = prev {
            next[p] = Some(e);
            continues[e] = true;
        }
    }
    order
        .iter()
        .filter(|&&e| !continues[e])
        .map(|&start| {
            let mut hops = vec![edges[start].clone()];
            let mut at = start;
            while let Some(n) = next[at] {
                hops.push(edges[n].clone());
                at = n;
            }
            Chain { hops }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extended::Ends;

    fn edge(source: &str, target: &str, first: i64, user: &str) -> Edge {
        Edge {
            source: source.into(),
            target: target.into(),
            ends: Ends::Both,
            users: vec![user.into()],
            count: 1,
            first,
            last: first + 5,
            techniques: vec![],
            evidence: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn a_hop_continues_the_arrival_of_its_account_not_an_earlier_hop_or_a_later_one() {
        let edges = [
            edge("SRV-DB01", "SRV-FS02", 30, "corp\\JM"),
            edge("WS-07", "srv-db01", 20, "CORP\\jm"),
            edge("MGMT01", "SRV-DB01", 25, "CORP\\svc"),
            edge("SRV-DB01", "SRV-BK03", 5, "CORP\\svc"),
            edge("SRV-FS02", "?$targets", 40, "CORP\\jm"),
            edge("?$targets", "SRV-X", 50, "CORP\\jm"),
        ];
        let got: Vec<Vec<String>> = chains(&edges)
            .iter()
            .map(|c| c.path().into_iter().map(String::from).collect())
            .collect();
        assert_eq!(
            got,
            [
                vec!["SRV-DB01", "SRV-BK03"],
                vec!["WS-07", "srv-db01", "SRV-FS02", "?$targets"],
                vec!["MGMT01", "SRV-DB01"],
                vec!["?$targets", "SRV-X"],
            ]
        );
        // Without a shared account the latest arrival before the hop is taken.
        let edges = [
            edge("WS-07", "SRV-DB01", 20, "a"),
            edge("MGMT01", "SRV-DB01", 25, "b"),
            edge("SRV-DB01", "SRV-FS02", 30, "c"),
        ];
        let c = chains(&edges);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].path(), ["WS-07", "SRV-DB01"]);
        assert_eq!(c[1].path(), ["MGMT01", "SRV-DB01", "SRV-FS02"]);
    }
}
