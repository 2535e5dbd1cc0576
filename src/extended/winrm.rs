//! Technique detection: remote execution over WinRM (and PowerShell remoting over SSH / VMBus)
//! in script text, as PowerShell itself would parse it.
//!
//! Technique labels are `<command>:<how the target was given>[+<obfuscation>...]`, e.g.
//! `invoke-command:computername` (what ESCU sees), `icm:positional`, `invoke-command:prefix+dash`,
//! `invoke-command:splat`, `invoke-command:session`, `enter-pssession:computername`,
//! `invoke-command:connectionuri`, `invoke-command:hostname`, `invoke-command:vmname`.
//! Obfuscations: `+backtick`, `+dash`, `+concat` (`& ('Invoke-'+'Command')`), `+iex` (inside a
//! constant string given to Invoke-Expression), `+encoded` (added by the hunt for decoded
//! command lines, and here for `powershell -enc` inside a script).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::encoded::decode_encoded_command;
use super::lexer::{Bracket, Kind, Tok, match_brackets, tokenize};
use super::params::{self, How, Param};
pub use super::targets::Target;
use super::targets::Values;

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

const KEYWORDS: &[&str] = &[
    "if",
    "elseif",
    "else",
    "switch",
    "while",
    "for",
    "foreach",
    "do",
    "until",
    "try",
    "catch",
    "finally",
    "trap",
    "function",
    "filter",
    "workflow",
    "param",
    "begin",
    "process",
    "end",
    "dynamicparam",
    "return",
    "throw",
    "exit",
    "break",
    "continue",
    "class",
    "enum",
    "using",
    "data",
    "configuration",
    "in",
];

/// Which remoting cmdlet a command name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmdlet {
    Invoke,
    NewSession,
    EnterSession,
    Iex,
    PowerShell,
}

fn cmdlet(name: &str) -> Option<(Cmdlet, &'static str)> {
    let base = name.rsplit('\\').next().unwrap_or(name);
    Some(match base {
        "invoke-command" => (Cmdlet::Invoke, "invoke-command"),
        "icm" => (Cmdlet::Invoke, "icm"),
        "new-pssession" | "nsn" => (Cmdlet::NewSession, "new-pssession"),
        "enter-pssession" => (Cmdlet::EnterSession, "enter-pssession"),
        "etsn" => (Cmdlet::EnterSession, "etsn"),
        "invoke-expression" | "iex" => (Cmdlet::Iex, "iex"),
        "powershell" | "powershell.exe" | "pwsh" | "pwsh.exe" => (Cmdlet::PowerShell, "powershell"),
        _ => return None,
    })
}

/// A command found in command position.
struct Cmd {
    kind: Cmdlet,
    label: &'static str,
    /// First argument token, and one past the last.
    args: (usize, usize),
    owner: Option<usize>,
    flags: Vec<&'static str>,
    /// `$v = New-PSSession ...`: the variable.
    assigned: Option<String>,
}

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

struct Scan<'a> {
    vals: Values<'a>,
    cmds: Vec<Cmd>,
    funcs: Vec<String>,
    calls: Vec<(Option<usize>, String)>,
    splats: HashMap<String, usize>,
}

/// Find remote executions in PowerShell text (a script block or a command line).
pub fn detect(text: &str) -> Vec<Detection> {
    detect_depth(text, 0)
}

fn detect_depth(text: &str, depth: usize) -> Vec<Detection> {
    let toks = tokenize(text);
    let matched = match_brackets(&toks);
    let mut scan = Scan {
        vals: Values {
            src: text,
            toks: &toks,
            matched: &matched,
        },
        cmds: Vec::new(),
        funcs: Vec::new(),
        calls: Vec::new(),
        splats: HashMap::new(),
    };
    scan.walk();
    scan.detections(escu_matches(text), depth)
}

fn command_position(prev: Option<&Tok>, top: Option<Bracket>, after_keyword: bool) -> bool {
    let Some(prev) = prev else { return true };
    match prev.kind {
        Kind::Sep => top != Some(Bracket::Hash) && top != Some(Bracket::Square),
        Kind::Open(b) => !matches!(b, Bracket::Hash | Bracket::Square),
        Kind::Assign | Kind::Amp | Kind::Dot => true,
        Kind::Word => after_keyword,
        _ => false,
    }
}

impl Scan<'_> {
    fn walk(&mut self) {
        let toks = self.vals.toks;
        let mut stack: Vec<(Bracket, Option<usize>)> = Vec::new();
        let mut pending_fn: Option<usize> = None;
        let mut after_keyword = false;
        let mut expect_fn_name = false;
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            let prev = i.checked_sub(1).map(|p| &toks[p]);
            let owner = stack.iter().rev().find_map(|f| f.1);
            let pos = command_position(prev, stack.last().map(|f| f.0), after_keyword);
            after_keyword = false;
            let call_op = prev.is_some_and(|p| matches!(p.kind, Kind::Amp | Kind::Dot));
            match &t.kind {
                Kind::Open(b) => {
                    let f = if *b == Bracket::Brace {
                        pending_fn.take()
                    } else {
                        None
                    };
                    if *b == Bracket::Paren
                        && call_op
                        && let Some(name) = self.concat_name(i)
                    {
                        self.command(&name, i, matched_end(self.vals.matched, i) + 1, owner);
                        if let Some(c) = self.cmds.last_mut() {
                            c.flags.push("concat");
                        }
                    }
                    stack.push((*b, f));
                }
                Kind::Close => {
                    stack.pop();
                }
                Kind::Word if expect_fn_name => {
                    expect_fn_name = false;
                    self.funcs.push(t.text.to_lowercase());
                    pending_fn = Some(self.funcs.len() - 1);
                }
                Kind::Word if pos => {
                    let lower = t.text.to_lowercase();
                    if KEYWORDS.contains(&lower.as_str()) {
                        expect_fn_name =
                            matches!(lower.as_str(), "function" | "filter" | "workflow");
                        after_keyword = matches!(lower.as_str(), "return" | "throw");
                    } else {
                        self.command(&lower, i, i + 1, owner);
                        if t.backtick
                            && let Some(c) = self.cmds.last_mut().filter(|c| c.args.0 == i + 1)
                        {
                            c.flags.push("backtick");
                        }
                        if t.dash
                            && let Some(c) = self.cmds.last_mut().filter(|c| c.args.0 == i + 1)
                        {
                            c.flags.push("dash");
                        }
                    }
                }
                Kind::Str { .. } if call_op => {
                    let name = t.text.replace(super::lexer::is_dash, "-").to_lowercase();
                    self.command(&name, i, i + 1, owner);
                }
                Kind::Assign => {
                    if let (Some(p), Some(n)) = (prev, toks.get(i + 1))
                        && p.kind == Kind::Var
                        && n.kind == Kind::Open(Bracket::Hash)
                    {
                        self.splats.insert(p.text.to_lowercase(), i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// `& ('Invoke-' + 'Command')`: a constant concatenation of strings as a command name.
    fn concat_name(&self, open: usize) -> Option<String> {
        let close = matched_end(self.vals.matched, open);
        let inner = self.vals.toks.get(open + 1..close)?;
        let mut name = String::new();
        for (k, t) in inner.iter().enumerate() {
            match (&t.kind, k % 2) {
                (Kind::Str { expandable: false }, 0) => name.push_str(&t.text),
                (Kind::Plus, 1) => {}
                _ => return None,
            }
        }
        Some(name.replace(super::lexer::is_dash, "-").to_lowercase())
    }

    /// Record a command named `name` at token `at`, arguments from `from`.
    fn command(&mut self, name: &str, at: usize, from: usize, owner: Option<usize>) {
        self.calls.push((owner, name.to_string()));
        let Some((kind, label)) = cmdlet(name) else {
            return;
        };
        let toks = self.vals.toks;
        let assigned =
            (at >= 2 && toks[at - 1].kind == Kind::Assign && toks[at - 2].kind == Kind::Var)
                .then(|| toks[at - 2].text.to_lowercase());
        let mut end = from;
        while end < toks.len() && !matches!(toks[end].kind, Kind::Sep | Kind::Close) {
            end = match toks[end].kind {
                Kind::Open(_) => matched_end(self.vals.matched, end) + 1,
                _ => end + 1,
            };
        }
        self.cmds.push(Cmd {
            kind,
            label,
            args: (from, end.min(toks.len())),
            owner,
            flags: Vec::new(),
            assigned,
        });
    }

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
                    if let Some(&open) = self.splats.get(&t.text.to_lowercase()) {
                        for (key, vals) in self.vals.hashtable(open) {
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
                    if t.kind == (Kind::Str { expandable: false }) {
                        b.strings.push(t.text.clone());
                    }
                    let is_block = t.kind == Kind::Open(Bracket::Brace);
                    let (vals, next) = self.vals.list(i);
                    b.positionals.push((vals, is_block));
                    i = next.max(i + 1);
                }
            }
        }
        b
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

    /// Functions reachable from top-level code (definitions alone execute nothing).
    fn reachable(&self) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut todo: Vec<usize> = Vec::new();
        let lookup = |name: &str| -> Vec<usize> {
            (0..self.funcs.len())
                .filter(|&f| self.funcs[f] == name)
                .collect()
        };
        for (owner, name) in &self.calls {
            if owner.is_none() {
                todo.extend(lookup(name));
            }
        }
        while let Some(f) = todo.pop() {
            if seen.insert(f) {
                for (owner, name) in &self.calls {
                    if *owner == Some(f) {
                        todo.extend(lookup(name));
                    }
                }
            }
        }
        seen
    }

    fn detections(&self, escu: bool, depth: usize) -> Vec<Detection> {
        let live = self.reachable();
        let runs = |c: &Cmd| c.owner.is_none_or(|f| live.contains(&f));
        // Sessions created in this text, by variable (None: not assigned).
        let mut sessions: Vec<(Option<String>, Vec<Target>)> = Vec::new();
        for c in self.cmds.iter().filter(|c| c.kind == Cmdlet::NewSession) {
            let b = self.bind(c, params::PSSESSION);
            let mut targets = b.targets;
            if b.via.is_none()
                && let Some((first, false)) = b.positionals.into_iter().next()
            {
                targets = first;
            }
            if !targets.is_empty() {
                sessions.push((c.assigned.clone(), targets));
            }
        }
        let mut out = Vec::new();
        for c in self.cmds.iter().filter(|c| runs(c)) {
            let mut b = match c.kind {
                Cmdlet::Invoke => self.bind(c, params::INVOKE_COMMAND),
                Cmdlet::EnterSession => self.bind(c, params::PSSESSION),
                Cmdlet::Iex | Cmdlet::PowerShell => {
                    if depth < 3 {
                        self.nested(c, depth, &mut out);
                    }
                    continue;
                }
                Cmdlet::NewSession => continue,
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
                let named: Vec<&Vec<Target>> = sessions
                    .iter()
                    .filter(|(a, _)| a.as_deref() == Some(var.as_str()))
                    .map(|(_, t)| t)
                    .collect();
                let from: Vec<&Vec<Target>> = if named.is_empty() {
                    sessions.iter().map(|(_, t)| t).collect()
                } else {
                    named
                };
                if !from.is_empty() {
                    b.via = Some("session");
                    b.targets = from.into_iter().flatten().cloned().collect();
                }
            }
            let Some(via) = b.via else { continue };
            let mut technique = format!("{}:{via}", c.label);
            let mut flags: Vec<&str> = c.flags.iter().chain(b.flags.iter()).copied().collect();
            flags.sort_unstable();
            flags.dedup();
            for f in flags {
                technique.push('+');
                technique.push_str(f);
            }
            b.targets.dedup();
            out.push(Detection {
                technique,
                escu,
                targets: b.targets,
            });
        }
        out
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

    /// Script text hidden in a constant string (`iex '...'`) or an encoded command line.
    fn nested(&self, c: &Cmd, depth: usize, out: &mut Vec<Detection>) {
        let (tag, texts): (&str, Vec<String>) = match c.kind {
            Cmdlet::Iex => ("iex", self.bind(c, params::INVOKE_COMMAND).strings),
            _ => {
                let toks = self.vals.toks;
                let (a, z) = c.args;
                let raw = match (toks.get(a), z.checked_sub(1).and_then(|l| toks.get(l))) {
                    (Some(s), Some(e)) => self.vals.src.get(s.start..e.end).unwrap_or(""),
                    _ => "",
                };
                ("encoded", decode_encoded_command(raw).into_iter().collect())
            }
        };
        for text in texts {
            for mut d in detect_depth(&text, depth + 1) {
                d.escu = escu_matches(self.vals.src);
                d.technique.push('+');
                d.technique.push_str(tag);
                out.push(d);
            }
        }
    }
}

fn matched_end(matched: &[usize], open: usize) -> usize {
    matched.get(open).copied().unwrap_or(open)
}
