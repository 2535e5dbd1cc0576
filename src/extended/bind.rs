//! Parameter binding of remoting commands, as PowerShell binds them: named parameters (exact,
//! alias, unique prefix), switches, positionals, splatted hashtables; and the argument forms
//! of the non-PowerShell WinRM clients.

use std::rc::Rc;

use super::lexer::{Bracket, Kind, Tok};
use super::names::Cmdlet;
use super::params::{self, How, Param};
use super::scan::{Cmd, Scan, SplatEntries};
use super::targets::{Target, uri_host};
use super::vars::plain_variable;

/// What the arguments of a remoting command say.
#[derive(Default)]
pub(crate) struct Bound {
    pub via: Option<&'static str>,
    pub targets: Vec<Target>,
    pub session: Option<Vec<Target>>,
    pub named_block: bool,
    pub positionals: Vec<(Vec<Target>, bool)>,
    pub flags: Vec<&'static str>,
    pub strings: Vec<String>,
}
impl Scan<'_> {
    /// Bind a command's arguments against its parameter table.
    pub(crate) fn bind(&self, cmd: &Cmd, table: &'static [Param]) -> Bound {
        let toks = self.vals.toks;
        let mut b = Bound::default();
        let (mut i, end) = cmd.args;
        while i < end {
            let t = &toks[i];
            match &t.kind {
                Kind::Param { attached } => {
                    let resolved = params::resolve(table, &t.text);
                    let takes_value = resolved.is_none_or(|(q, _)| !q.switch) || *attached;
                    let value_start = i + 1;
                    let has_value = takes_value
                        && value_start < end
                        && !matches!(toks[value_start].kind, Kind::Param { .. });
                    let (vals, next) = if has_value {
                        self.vals.list(value_start)
                    } else {
                        (Vec::new(), value_start)
                    };
                    if let Some((q, how)) = resolved {
                        self.apply(&mut b, q, how, vals, t, Some(i));
                    }
                    i = next.max(i + 1);
                }
                Kind::Splat => {
                    let entries = self.splat_entries(&t.text.to_lowercase());
                    {
                        for (key, vals) in entries.iter().cloned() {
                            if let Some((q, _)) = params::resolve(table, &key) {
                                let before = b.via;
                                self.apply(&mut b, q, How::Exact, vals, t, None);
                                if b.via != before && q.name == "ComputerName" {
                                    b.via = Some("splat");
                                }
                            }
                        }
                    }
                    i += 1;
                }
                _ => {
                    if let Kind::Str { .. } = t.kind {
                        b.strings.push(t.text.clone());
                    }
                    let is_block = t.kind == Kind::Open(Bracket::Brace);
                    if is_block {
                        // A script block is never a target: skip it without copying its text.
                        b.positionals.push((Vec::new(), true));
                        i = self.vals.matched[i].max(i) + 1;
                        continue;
                    }
                    let (vals, next) = self.vals.list(i);
                    b.positionals.push((self.resolve(vals, i), is_block));
                    i = next.max(i + 1);
                }
            }
        }
        b
    }

    /// Keys and values a splatted variable carries; parsed once per variable per text, so
    /// many `@p` uses of one large hashtable stay linear.
    fn splat_entries(&self, var: &str) -> Rc<SplatEntries> {
        if let Some(hit) = self.splat_cache.borrow().get(var) {
            return hit.clone();
        }
        // Values are resolved where the hashtable is built: that is when they are read.
        let mut entries = match self.splats.get(var) {
            Some(&open) => self
                .vals
                .hashtable(open)
                .into_iter()
                .map(|(k, v)| (k, self.resolve(v, open)))
                .collect(),
            None => Vec::new(),
        };
        for (key, at) in self.splat_keys.get(var).into_iter().flatten() {
            entries.push((key.clone(), self.resolve(self.vals.list(*at).0, *at)));
        }
        let entries = Rc::new(entries);
        self.splat_cache
            .borrow_mut()
            .insert(var.to_string(), entries.clone());
        entries
    }

    /// A variable target replaced by the literal names the text leaves no doubt it holds at
    /// token `at` (see [`super::vars`]); anything else kept as it is.
    fn resolve(&self, vals: Vec<Target>, at: usize) -> Vec<Target> {
        if !vals.iter().any(|v| matches!(v, Target::Unresolved(_))) {
            return vals;
        }
        let mut out = Vec::with_capacity(vals.len());
        for v in vals {
            if let Target::Unresolved(e) = &v
                && let Some(names) = plain_variable(e).and_then(|n| self.vars.names(n, at))
            {
                out.extend(
                    names
                        .into_iter()
                        .filter(|n| !n.is_empty())
                        .map(Target::Literal),
                );
                continue;
            }
            out.push(v);
        }
        out
    }

    /// Bind one parameter's values; `at` is where a named argument's values start (None for
    /// a splat's, already resolved where the hashtable was built).
    fn apply(
        &self,
        b: &mut Bound,
        q: &Param,
        how: How,
        vals: Vec<Target>,
        t: &Tok,
        at: Option<usize>,
    ) {
        let via = match q.name {
            "ComputerName" => match how {
                How::Exact => "computername",
                How::Alias => "cn",
                How::Prefix => "prefix",
            },
            "ConnectionUri" => "connectionuri",
            "HostName" | "SSHConnection" => "hostname",
            "VMName" | "VMId" => "vmname",
            "Session" | "CimSession" => {
                b.session = Some(vals);
                return;
            }
            "ScriptBlock" | "FilePath" => {
                b.named_block = true;
                return;
            }
            "Command" => {
                b.strings.extend(vals.into_iter().filter_map(|v| match v {
                    Target::Literal(s) => Some(s),
                    Target::Unresolved(_) => None,
                }));
                return;
            }
            _ => return,
        };
        let vals = match at {
            Some(at) => self.resolve(vals, at),
            None => vals,
        };
        if vals.is_empty() {
            return;
        }
        b.via.get_or_insert(via);
        if t.dash {
            b.flags.push("dash");
        }
        if t.backtick {
            b.flags.push("backtick");
        }
        b.targets.extend(vals.into_iter().map(|v| match via {
            "connectionuri" => v.uri_host(),
            "hostname" => v.ssh_host(),
            _ => v,
        }));
    }

    /// Positional binding: `Invoke-Command srv {…}`, `Enter-PSSession srv`.
    pub(crate) fn positional(&self, kind: Cmdlet, b: &mut Bound) {
        let Some((first, is_block)) = b.positionals.first() else {
            return;
        };
        let remote = match kind {
            Cmdlet::Invoke => {
                b.session.is_none() && !is_block && (b.named_block || b.positionals.len() >= 2)
            }
            Cmdlet::EnterSession => b.session.is_none() && !is_block,
            _ => false,
        };
        if remote && !first.is_empty() {
            b.via = Some("positional");
            b.targets = first.clone();
        }
    }

    /// `winrs -r:host cmd` / `winrs /remote:http://host:5985 cmd`; `evil-winrm -i host`.
    pub(crate) fn client(&self, c: &Cmd) -> Bound {
        let toks = self.vals.toks;
        let mut b = Bound::default();
        let (winrs, via) = match c.kind {
            Cmdlet::Winrs => (true, "remote"),
            _ => (false, "ip"),
        };
        let (mut i, end) = c.args;
        while i < end {
            let t = &toks[i];
            let lower = t.text.to_lowercase();
            let value_at = match &t.kind {
                Kind::Param { .. } if winrs && matches!(lower.as_str(), "r" | "remote") => {
                    Some(i + 1)
                }
                Kind::Param { .. } if !winrs && matches!(lower.as_str(), "i" | "ip") => Some(i + 1),
                Kind::Word if !winrs && lower == "--ip" => Some(i + 1),
                Kind::Word if winrs => {
                    let v = ["/r:", "/remote:", "-r:", "-remote:"]
                        .iter()
                        .find_map(|p| lower.strip_prefix(p).map(|_| &t.text[p.len()..]));
                    if let Some(v) = v.filter(|v| !v.is_empty()) {
                        b.targets.push(Target::Literal(uri_host(v)));
                        b.via = Some(via);
                    }
                    None
                }
                _ => None,
            };
            let Some(at) = value_at.filter(|&a| a < end) else {
                i += 1;
                continue;
            };
            let at = if toks[at].kind == Kind::Assign {
                at + 1
            } else {
                at
            };
            let (vals, next) = self.vals.list(at.min(end));
            if !vals.is_empty() {
                b.via = Some(via);
                b.targets.extend(vals.into_iter().map(Target::uri_host));
            }
            i = next.max(i + 1);
        }
        b
    }
}
