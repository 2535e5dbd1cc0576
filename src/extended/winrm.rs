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

use serde::Serialize;

use super::cmdline::command_line_script;
use super::encoded::decode_encoded_command;
use super::lexer::{Bracket, Kind, match_brackets, tokenize};
use super::names::Cmdlet;
use super::params;
use super::scan::{Cmd, Scan};
pub use super::targets::Target;
use super::targets::Values;
use crate::analytics::Wildcard;
use crate::analytics::wildcard::fold;

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
    // The parity analytics' own matcher and folding, so `escu` can never disagree with them.
    static LITERALS: std::sync::LazyLock<[Wildcard; 2]> = std::sync::LazyLock::new(|| {
        [
            Wildcard::new("*Invoke-Command*"),
            Wildcard::new("*-ComputerName*"),
        ]
    });
    let folded = fold(text);
    LITERALS.iter().all(|w| w.matches_folded(&folded))
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
    /// `$v = New-PSSession <remote>`: variable (lower case, no `$`) and targets.
    pub sessions: Vec<(String, Vec<Target>)>,
    /// `Invoke-Command -Session $v` with no session created in this text: variable and the
    /// technique it would have.
    pub session_uses: Vec<(String, String)>,
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
            let mut pending = Vec::new();
            self.command_detections(c, (escu, depth), &sessions, &mut found, &mut pending);
            if c.owner.is_none_or(|f| live.contains(&f)) {
                analysis.session_uses.extend(pending);
            }
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
        if depth < MAX_DEPTH {
            self.strings_run(depth, &mut analysis.detections);
        }
        analysis.calls = self
            .calls
            .iter()
            .filter(|(owner, _)| owner.is_none())
            .map(|(_, n)| n.clone())
            .collect();
        analysis.defined = self.funcs.clone();
        for (var, idx) in &sessions.by_var {
            if let Some(&last) = idx.last() {
                analysis
                    .sessions
                    .push((var.clone(), sessions.list[last].1.clone()));
            }
        }
        analysis.sessions.sort();
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
        (escu, depth): (bool, usize),
        sessions: &Sessions,
        out: &mut Vec<Detection>,
        pending: &mut Vec<(String, String)>,
    ) {
        let mut b = match c.kind {
            Cmdlet::Invoke => self.bind(c, params::INVOKE_COMMAND),
            Cmdlet::EnterSession | Cmdlet::Reconnect => self.bind(c, params::PSSESSION),
            Cmdlet::Cim if self.creates_process(c) => self.bind(c, params::CIM_METHOD),
            Cmdlet::Winrs | Cmdlet::EvilWinrm => self.client(c),
            Cmdlet::Iex | Cmdlet::PowerShell => {
                if depth < MAX_DEPTH {
                    self.nested(c, depth, out);
                }
                return;
            }
            Cmdlet::NewSession | Cmdlet::AliasDef | Cmdlet::Cim => return,
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
            } else if !var.is_empty() {
                // The session may come from an earlier block of the same session (hunt links it).
                pending.push((var, technique(c.label, "session", &c.flags, &b.flags)));
            }
        }
        let Some(via) = b.via else { return };
        let technique = technique(c.label, via, &c.flags, &b.flags);
        let mut seen = HashSet::new();
        b.targets.retain(|t| seen.insert(t.clone()));
        out.push(Detection {
            technique,
            escu,
            targets: b.targets,
        });
    }

    /// Code inside strings that PowerShell runs: `$(...)` in an expandable string, and the
    /// text given to `[scriptblock]::Create(...)` / `NewScriptBlock(...)`.
    fn strings_run(&self, depth: usize, out: &mut Vec<Detection>) {
        let toks = self.vals.toks;
        for (i, t) in toks.iter().enumerate() {
            let Kind::Str { expandable } = t.kind else {
                continue;
            };
            let mut texts: Vec<(&str, &str)> = Vec::new();
            if expandable {
                texts.extend(subexpressions(&t.text).into_iter().map(|x| ("subexpr", x)));
            }
            let creates = i >= 2
                && toks[i - 1].kind == Kind::Open(Bracket::Paren)
                && matches!(toks[i - 2].kind, Kind::Word | Kind::Var)
                && {
                    let w = toks[i - 2].text.to_lowercase();
                    w.ends_with("::create") || w.ends_with("newscriptblock")
                };
            if creates {
                texts.push(("scriptblock", &t.text));
            }
            for (tag, text) in texts {
                for mut d in detect_depth(text, depth + 1) {
                    d.escu = escu_matches(self.vals.src);
                    d.technique.push('+');
                    d.technique.push_str(tag);
                    out.push(d);
                }
            }
        }
    }

    /// `Invoke-CimMethod` runs a program only as `Win32_Process` `Create`; other methods and
    /// classes are management calls, not remote execution.
    fn creates_process(&self, c: &Cmd) -> bool {
        let toks = &self.vals.toks[c.args.0..c.args.1];
        let has = |w: &str| toks.iter().any(|t| t.text.eq_ignore_ascii_case(w));
        has("win32_process") && has("create")
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

/// `<command>:<via>+flag+flag` with flags sorted and unique.
fn technique(label: &str, via: &str, a: &[&str], b: &[&str]) -> String {
    let mut flags: Vec<&str> = a.iter().chain(b.iter()).copied().collect();
    flags.sort_unstable();
    flags.dedup();
    let mut out = format!("{label}:{via}");
    for f in flags {
        out.push('+');
        out.push_str(f);
    }
    out
}

/// The `$( ... )` subexpressions of an expandable string's text (outermost only; nested ones
/// are found when the inner text is analyzed). Unbalanced text runs to the end.
fn subexpressions(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'(' {
            let start = i + 2;
            let mut depth = 1usize;
            let mut j = start;
            while j < bytes.len() && depth > 0 {
                match bytes[j] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let end = if depth == 0 { j - 1 } else { j };
            out.push(&text[start..end]);
            i = j;
        } else {
            i += 1;
        }
    }
    out
}
