//! The remote hosts a remoting command names: literal names are parsed, anything computed stays
//! an unresolved expression (never guessed).

use serde::Serialize;

use super::lexer::{Bracket, Kind, Tok};

/// One target of a remoting command.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Target {
    /// A host name written literally in the script (bare word or constant string).
    Literal(String),
    /// An expression (`$env:COMPUTERNAME`, `(Get-Content hosts.txt)`), kept as written.
    Unresolved(String),
}

impl Target {
    /// Display form: the literal name, or `?<expression>`.
    pub fn display(&self) -> String {
        match self {
            Target::Literal(s) => s.clone(),
            Target::Unresolved(e) => format!("?{e}"),
        }
    }

    /// Same target without an SSH `user@` prefix (`-HostName admin@srv` → `srv`).
    pub fn ssh_host(self) -> Target {
        match self {
            Target::Literal(s) => {
                Target::Literal(s.rsplit_once('@').map_or(s.clone(), |(_, h)| h.to_string()))
            }
            other => other,
        }
    }

    /// Same target, a URI reduced to its host.
    pub fn uri_host(self) -> Target {
        match self {
            Target::Literal(s) => Target::Literal(uri_host(&s)),
            other => other,
        }
    }
}

/// The host of a WinRM URI: `http://srv01:5985/wsman` → `srv01`, `https://[::1]:5986` → `::1`.
pub fn uri_host(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let rest = rest.split(['/', '?', '#']).next().unwrap_or("");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if rest.parse::<std::net::IpAddr>().is_ok() {
        // A bare IPv6 address has colons but no port.
        return rest.to_string();
    }
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("").to_string();
    }
    rest.split(':').next().unwrap_or("").to_string()
}

/// Longest unresolved expression kept verbatim.
pub const MAX_EXPR: usize = 256;

/// A value parser over a token slice, with the bracket match table.
pub(crate) struct Values<'a> {
    pub src: &'a str,
    pub toks: &'a [Tok],
    pub matched: &'a [usize],
}

impl Values<'_> {
    /// Source text of tokens `from..=to_incl`, cut at [`MAX_EXPR`] bytes: an unresolved
    /// expression is shown, not evaluated, and copying a whole script per use would be quadratic.
    fn raw(&self, from: usize, to_incl: usize) -> String {
        let start = self.toks[from].start;
        let end = self
            .toks
            .get(to_incl)
            .map_or(self.src.len(), |t| t.end)
            .min(self.src.len());
        let mut cut = end.min(start + MAX_EXPR);
        while !self.src.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = self.src.get(start..cut).unwrap_or("").trim();
        if cut < end {
            format!("{text}…")
        } else {
            text.to_string()
        }
    }

    /// Index of the last token of the element starting at `i` (brackets and indexers included).
    fn element_end(&self, i: usize) -> usize {
        let mut last = match self.toks[i].kind {
            Kind::Open(_) => self.matched[i].min(self.toks.len() - 1),
            _ => i,
        };
        // `$hosts[0]`, `(x).Name`: an adjacent indexer belongs to the element.
        while let Some(n) = self.toks.get(last + 1) {
            if n.kind == Kind::Open(Bracket::Square) && n.start == self.toks[last].end {
                last = self.matched[last + 1].min(self.toks.len() - 1);
            } else {
                break;
            }
        }
        last
    }

    /// One element as targets: literals for words and constant strings, inner literals of
    /// `@(...)` / `(...)` lists, otherwise the expression unresolved.
    fn element(&self, i: usize, last: usize, out: &mut Vec<Target>) {
        let t = &self.toks[i];
        if last == i {
            match t.kind {
                Kind::Word | Kind::Str { expandable: false } => {
                    let name = t.text.trim();
                    if !name.is_empty() {
                        out.push(Target::Literal(name.to_string()));
                    }
                    return;
                }
                _ => {}
            }
        }
        if let Kind::Open(Bracket::ArrayExpr | Bracket::Paren) = t.kind
            && self.matched[i] == last
        {
            let inner = &self.toks[i + 1..last.min(self.toks.len())];
            let simple = inner.iter().all(|x| {
                // A bare word inside `( )` or `@( )` is a command call, not a name.
                matches!(
                    x.kind,
                    Kind::Str { expandable: false } | Kind::Comma | Kind::Sep
                )
            });
            if simple {
                for x in inner {
                    if matches!(x.kind, Kind::Str { .. }) && !x.text.trim().is_empty() {
                        out.push(Target::Literal(x.text.trim().to_string()));
                    }
                }
                return;
            }
        }
        out.push(Target::Unresolved(self.raw(i, last)));
    }

    /// A comma list of elements starting at `i`; returns the targets and the next token index.
    pub fn list(&self, mut i: usize) -> (Vec<Target>, usize) {
        let mut out = Vec::new();
        while i < self.toks.len() {
            if matches!(
                self.toks[i].kind,
                Kind::Close | Kind::Sep | Kind::Param { .. }
            ) {
                break;
            }
            let last = self.element_end(i);
            self.element(i, last, &mut out);
            i = last + 1;
            if self.toks.get(i).is_some_and(|t| t.kind == Kind::Comma) {
                i += 1;
                // A list may continue on the next line after a comma.
                while self.toks.get(i).is_some_and(|t| t.kind == Kind::Sep) {
                    i += 1;
                }
                continue;
            }
            break;
        }
        (out, i)
    }

    /// Entries of the hashtable literal opened at `open` (`@{ Key = value; ... }`).
    pub fn hashtable(&self, open: usize) -> Vec<(String, Vec<Target>)> {
        let close = self.matched[open].min(self.toks.len());
        let mut out = Vec::new();
        let mut i = open + 1;
        while i < close {
            let t = &self.toks[i];
            let is_key = matches!(t.kind, Kind::Word | Kind::Str { .. });
            if is_key && self.toks.get(i + 1).is_some_and(|n| n.kind == Kind::Assign) {
                let (targets, next) = self.list(i + 2);
                out.push((t.text.clone(), targets));
                i = next.max(i + 2);
                continue;
            }
            i = match t.kind {
                Kind::Open(_) => self.matched[i] + 1,
                _ => i + 1,
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_hosts() {
        assert_eq!(uri_host("http://srv01:5985/wsman"), "srv01");
        assert_eq!(
            uri_host("https://u@srv02.corp.local/wsman?x"),
            "srv02.corp.local"
        );
        assert_eq!(uri_host("https://[fe80::1]:5986"), "fe80::1");
        assert_eq!(uri_host("srv03"), "srv03");
        assert_eq!(uri_host("fe80::2"), "fe80::2");
        assert_eq!(uri_host("srv04:5985"), "srv04");
    }
}
