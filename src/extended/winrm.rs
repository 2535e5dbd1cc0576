//! Technique detection: remote execution over WinRM (and PowerShell remoting over SSH / VMBus)
//! in script text, as PowerShell itself would parse it.
//!
//! Technique labels are `<command>:<how the target was given>[+<obfuscation>...]`, e.g.
//! `invoke-command:computername` (what ESCU sees), `icm:positional`, `invoke-command:prefix+dash`,
//! `invoke-command:splat`, `invoke-command:session`, `enter-pssession:computername`,
//! `invoke-command:connectionuri`, `invoke-command:hostname`, `invoke-command:vmname`, and the
//! non-PowerShell WinRM clients `winrs:remote`, `evil-winrm:ip`.
//! Obfuscations: `+backtick`, `+dash`, `+alias` (a `Set-Alias` name), `+concat`
//! (`& ('Invoke-'+'Command')`), `+get-command` (`& (gcm *ke-comm*)`), `+variable`
//! (`$c='icm'; & $c`), `+iex` (script in a string given to Invoke-Expression), `+child`
//! (`powershell -c "..."` started from a script), `+encoded` (an `-EncodedCommand`).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde::Serialize;

use super::cmdline::command_line_script;
use super::encoded::decode_encoded_command;
use super::lexer::{Bracket, Kind, Tok, match_brackets, tokenize};
use super::names::Cmdlet;
use super::params::{self, How, Param};
use super::scan::{Cmd, Scan, SplatEntries};
pub use super::targets::Target;
use super::targets::{Values, uri_host};

/// One remote execution found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub technique: String,
    /// Would ESCU's predicates (`*Invoke-Command*` and `*-ComputerName*`) match this text?
    pub escu: bool,
    pub targets: Vec<Target>,
}

/// ESCU's parity predicates over one event's text.
pub fn escu_matches(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("invoke-command") && lower.contains("-computername")
}

/// Sessions created in a text: (token position, targets) in text order, and by variable the
/// indices of the sessions assigned to it.
#[derive(Default)]
struct Sessions {
    list: Vec<(usize, Vec<Target>)>,
    by_var: HashMap<String, Vec<usize>>,
}

/// How deep strings run by `iex` / child PowerShell command lines are followed.
const MAX_DEPTH: usize = 3;

/// What the arguments of a remoting command say.
#[derive(Default)]
struct Bound {
    via: Option<&'static str>,
    targets: Vec<Target>,
    session: Option<Vec<Target>>,
    named_block: bool,
    positionals: Vec<(Vec<Target>, bool)>,
    flags: Vec<&'static str>,
    strings: Vec<String>,
}

/// Everything one text says: what runs, what only runs if a function is called elsewhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// Remote executions that run when the text runs.
    pub detections: Vec<Detection>,
    /// Remote executions inside functions the text defines but never calls, with the names of
    /// the functions whose call (from another script block) would run them.
    pub dormant: Vec<(Vec<String>, Detection)>,
    /// Command names the text calls at top level (normalized, lower case).
    pub calls: Vec<String>,
    /// Function names the text defines (normalized, lower case).
    pub defined: Vec<String>,
}

/// Find remote executions in PowerShell text (a script block or a command line).
pub fn detect(text: &str) -> Vec<Detection> {
    analyze(text).detections
}

/// detect() plus what a later script block could trigger (interactive sessions log each
/// prompt as its own block: `function go { icm -cn x {} }`, then `go`).
pub fn analyze(text: &str) -> Analysis {
    analyze_depth(text, 0)
}

fn detect_depth(text: &str, depth: usize) -> Vec<Detection> {
    analyze_depth(text, depth).detections
}

fn analyze_depth(text: &str, depth: usize) -> Analysis {
    let toks = tokenize(text);
    let matched = match_brackets(&toks);
    let scan = Scan::new(Values {
        src: text,
        toks: &toks,
        matched: &matched,
    });
    scan.detections(escu_matches(text), depth)
}

impl Scan<'_> {
    /// Bind a command's arguments against its parameter table.
    fn bind(&self, cmd: &Cmd, table: &'static [Param]) -> Bound {
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
                        self.apply(&mut b, q, how, vals, t);
                    }
                    i = next.max(i + 1);
                }
                Kind::Splat => {
                    let entries = self.splat_entries(&t.text.to_lowercase());
                    {
                        for (key, vals) in entries.iter().cloned() {
                            if let Some((q, _)) = params::resolve(table, &key) {
                                let before = b.via;
                                self.apply(&mut b, q, How::Exact, vals, t);
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
                    b.positionals.push((vals, is_block));
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
        let mut entries = match self.splats.get(var) {
            Some(&open) => self.vals.hashtable(open),
            None => Vec::new(),
        };
        for (key, at) in self.splat_keys.get(var).into_iter().flatten() {
            entries.push((key.clone(), self.vals.list(*at).0));
        }
        let entries = Rc::new(entries);
        self.splat_cache
            .borrow_mut()
            .insert(var.to_string(), entries.clone());
        entries
    }

    fn apply(&self, b: &mut Bound, q: &Param, how: How, vals: Vec<Target>, t: &Tok) {
        let via = match q.name {
            "ComputerName" => match how {
                How::Exact => "computername",
                How::Alias => "cn",
                How::Prefix => "prefix",
            },
            "ConnectionUri" => "connectionuri",
            "HostName" | "SSHConnection" => "hostname",
            "VMName" | "VMId" => "vmname",
            "Session" => {
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
        let uri = via == "connectionuri";
        b.targets
            .extend(vals.into_iter().map(|v| if uri { v.uri_host() } else { v }));
    }

    /// Sessions created in this text with a remote target, in text order.
    fn sessions(&self) -> Sessions {
        let mut out = Sessions::default();
        for c in self.cmds.iter().filter(|c| c.kind == Cmdlet::NewSession) {
            let b = self.bind(c, params::PSSESSION);
            let mut targets = b.targets;
            if b.via.is_none()
                && let Some((first, false)) = b.positionals.into_iter().next()
            {
                targets = first;
            }
            if !targets.is_empty() {
                if let Some(v) = &c.assigned {
                    out.by_var
                        .entry(v.clone())
                        .or_default()
                        .push(out.list.len());
                }
                out.list.push((c.args.0, targets));
            }
        }
        out
    }

    /// The session a `-Session $v` at token `at` uses: the latest `$v = New-PSSession` before
    /// it, else the latest session created before it, else the first one created.
    fn session_for<'s>(sessions: &'s Sessions, var: &str, at: usize) -> Option<&'s Vec<Target>> {
        let list = &sessions.list;
        let by_var = sessions.by_var.get(var).and_then(|idx| {
            let n = idx.partition_point(|&k| list[k].0 < at);
            n.checked_sub(1).map(|p| idx[p])
        });
        let any = list
            .partition_point(|s| s.0 < at)
            .checked_sub(1)
            .or((!list.is_empty()).then_some(0));
        by_var.or(any).map(|k| &list[k].1)
    }

    fn detections(&self, escu: bool, depth: usize) -> Analysis {
        let live = self.reachable();
        let sessions = self.sessions();
        let mut analysis = Analysis::default();
        let mut triggers: HashMap<usize, Vec<String>> = HashMap::new();
        let mut rev: HashMap<&str, Vec<usize>> = HashMap::new();
        for (owner, name) in &self.calls {
            if let Some(o) = owner {
                rev.entry(name.as_str()).or_default().push(*o);
            }
        }
        for c in &self.cmds {
            let mut found = Vec::new();
            self.command_detections(c, escu, depth, &sessions, &mut found);
            match c.owner {
                Some(f) if !live.contains(&f) => {
                    // Bounded: beyond 64 dormant functions only their own names trigger them.
                    let budget = triggers.len() < 64;
                    let names = triggers.entry(f).or_insert_with(|| {
                        if budget {
                            self.callers_of(f, &rev)
                        } else {
                            vec![self.funcs[f].clone()]
                        }
                    });
                    for d in found {
                        analysis.dormant.push((names.clone(), d));
                    }
                }
                _ => analysis.detections.extend(found),
            }
        }
        analysis.calls = self
            .calls
            .iter()
            .filter(|(owner, _)| owner.is_none())
            .map(|(_, n)| n.clone())
            .collect();
        analysis.defined = self.funcs.clone();
        analysis
    }

    /// Names of the functions whose call would run function `f` (itself included), over the
    /// reverse call graph `rev` (callee → calling functions).
    fn callers_of(&self, f: usize, rev: &HashMap<&str, Vec<usize>>) -> Vec<String> {
        let mut names = vec![self.funcs[f].clone()];
        let mut seen: HashSet<&str> = HashSet::from([self.funcs[f].as_str()]);
        let mut k = 0;
        while k < names.len() {
            for &o in rev.get(names[k].as_str()).into_iter().flatten() {
                if seen.insert(self.funcs[o].as_str()) {
                    names.push(self.funcs[o].clone());
                }
            }
            k += 1;
        }
        names
    }

    /// Detections of one command (several for `iex` / child PowerShell text).
    fn command_detections(
        &self,
        c: &Cmd,
        escu: bool,
        depth: usize,
        sessions: &Sessions,
        out: &mut Vec<Detection>,
    ) {
        let mut b = match c.kind {
            Cmdlet::Invoke => self.bind(c, params::INVOKE_COMMAND),
            Cmdlet::EnterSession => self.bind(c, params::PSSESSION),
            Cmdlet::Winrs | Cmdlet::EvilWinrm => self.client(c),
            Cmdlet::Iex | Cmdlet::PowerShell => {
                if depth < MAX_DEPTH {
                    self.nested(c, depth, out);
                }
                return;
            }
            Cmdlet::NewSession | Cmdlet::AliasDef => return,
        };
        if b.via.is_none() {
            self.positional(c.kind, &mut b);
        }
        if b.via.is_none()
            && let Some(used) = &b.session
        {
            let var = match used.as_slice() {
                [Target::Unresolved(v)] => v.trim_start_matches('$').to_lowercase(),
                _ => String::new(),
            };
            if let Some(from) = Self::session_for(sessions, &var, c.args.0) {
                b.via = Some("session");
                b.targets = from.clone();
            }
        }
        let Some(via) = b.via else { return };
        let mut technique = format!("{}:{via}", c.label);
        let mut flags: Vec<&str> = c.flags.iter().chain(b.flags.iter()).copied().collect();
        flags.sort_unstable();
        flags.dedup();
        for f in flags {
            technique.push('+');
            technique.push_str(f);
        }
        let mut seen = HashSet::new();
        b.targets.retain(|t| seen.insert(t.clone()));
        out.push(Detection {
            technique,
            escu,
            targets: b.targets,
        });
    }

    /// Positional binding: `Invoke-Command srv {…}`, `Enter-PSSession srv`.
    fn positional(&self, kind: Cmdlet, b: &mut Bound) {
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
    fn client(&self, c: &Cmd) -> Bound {
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

    /// Script in a string given to `iex`, or run by a child `powershell` (`-c`, `-enc`).
    fn nested(&self, c: &Cmd, depth: usize, out: &mut Vec<Detection>) {
        let mut texts: Vec<(&str, String)> = Vec::new();
        match c.kind {
            Cmdlet::Iex => {
                for s in self.bind(c, params::INVOKE_COMMAND).strings {
                    texts.push(("iex", s));
                }
            }
            _ => {
                let toks = self.vals.toks;
                let (a, z) = c.args;
                let raw = match (toks.get(a), z.checked_sub(1).and_then(|l| toks.get(l))) {
                    (Some(s), Some(e)) => self.vals.src.get(s.start..e.end).unwrap_or(""),
                    _ => "",
                };
                if let Some(d) = decode_encoded_command(raw) {
                    texts.push(("encoded", d));
                }
                if let Some(script) = command_line_script(&format!("powershell {raw}")) {
                    texts.push(("child", script));
                }
            }
        }
        for (tag, text) in texts {
            for mut d in detect_depth(&text, depth + 1) {
                d.escu = escu_matches(self.vals.src);
                d.technique.push('+');
                d.technique.push_str(tag);
                out.push(d);
            }
        }
    }
}
