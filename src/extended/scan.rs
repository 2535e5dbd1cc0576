//! One pass over the tokens: which words are commands (not hashtable keys, arguments, member
//! names or function names), what they resolve to, which function body owns them, and the
//! assignments that splatting, `& $name` and variable targets need (see [`super::vars`]).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::lexer::{Bracket, Kind, Tok};
use super::names::{Cmdlet, get_command, lookup, normalize};
use super::targets::{Target, Values};
use super::vars::{Value, Vars};

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

/// Keys and values of a splatted variable.
pub(crate) type SplatEntries = Vec<(String, Vec<Target>)>;

/// A known command found in command position.
pub(crate) struct Cmd {
    pub kind: Cmdlet,
    pub label: &'static str,
    /// First argument token, and one past the last.
    pub args: (usize, usize),
    /// The function whose body holds the call (None: top level).
    pub owner: Option<usize>,
    pub flags: Vec<&'static str>,
    /// `$v = New-PSSession ...`: the variable (lower case, no `$`).
    pub assigned: Option<String>,
}

/// Everything the walk learned about one text.
pub(crate) struct Scan<'a> {
    pub vals: Values<'a>,
    pub cmds: Vec<Cmd>,
    pub funcs: Vec<String>,
    /// Every command-position name, by owning function.
    pub calls: Vec<(Option<usize>, String)>,
    /// `$p = @{...}`: variable → index of the `@{` token.
    pub splats: HashMap<String, usize>,
    /// `$p.Key = v` / `$p['Key'] = v`: variable → (key, index of the value's first token).
    pub splat_keys: HashMap<String, Vec<(String, usize)>>,
    /// Parsed splat entries per variable (filled on first use).
    pub splat_cache: RefCell<HashMap<String, Rc<SplatEntries>>>,
    /// Every assignment: `$c = 'Invoke-Command'`, `$c = gcm icm`, `$s = 'a','b'`, param
    /// defaults, `foreach ($s in $list)`.
    pub vars: Vars,
    /// Names of commands this text calls with arguments (a default then may not apply).
    called_with_arguments: HashSet<String>,
    aliases: HashMap<String, String>,
}

/// Where an assignment stands.
enum Place {
    /// A statement of its own.
    Statement,
    /// A parameter's default, of the named function (None: a script block's or the script's).
    Default(Option<String>),
}

fn command_position(prev: Option<&Tok>, top: Option<Bracket>, after_keyword: bool) -> bool {
    let Some(prev) = prev else { return true };
    match prev.kind {
        Kind::Sep => top != Some(Bracket::Hash) && top != Some(Bracket::Square),
        Kind::Open(b) => !matches!(b, Bracket::Hash | Bracket::Square),
        Kind::Assign | Kind::Amp | Kind::Dot => true,
        Kind::Word | Kind::Close => after_keyword,
        _ => false,
    }
}

fn matched_end(matched: &[usize], open: usize) -> usize {
    matched.get(open).copied().unwrap_or(open)
}

impl<'a> Scan<'a> {
    pub fn new(vals: Values<'a>) -> Self {
        let mut s = Scan {
            vals,
            cmds: Vec::new(),
            funcs: Vec::new(),
            calls: Vec::new(),
            splats: HashMap::new(),
            splat_keys: HashMap::new(),
            splat_cache: RefCell::new(HashMap::new()),
            vars: Vars::default(),
            called_with_arguments: HashSet::new(),
            aliases: HashMap::new(),
        };
        s.walk();
        // A parameter default holds only when the function is called without arguments.
        s.vars.overridden_defaults(&s.called_with_arguments);
        s
    }

    fn walk(&mut self) {
        let toks = self.vals.toks;
        // (bracket, innermost function around it, index of its opening token)
        let mut stack: Vec<(Bracket, Option<usize>, usize)> = Vec::new();
        let mut pending_fn: Option<usize> = None;
        let (mut after_keyword, mut expect_fn_name) = (false, false);
        // `param(...)` may be followed by a statement on the same line.
        let mut param_close: Option<usize> = None;
        for i in 0..toks.len() {
            let t = &toks[i];
            let prev = i.checked_sub(1).map(|p| &toks[p]);
            // Each frame carries the innermost function around it: O(1), however deep.
            let owner = stack.last().and_then(|f| f.1);
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
                        && let Some((name, flag)) = self.paren_name(i)
                    {
                        let end = matched_end(self.vals.matched, i) + 1;
                        self.command(&name, i, end, owner, &[flag]);
                    }
                    stack.push((*b, f.or(owner), i));
                }
                Kind::Close => {
                    stack.pop();
                    if param_close == Some(i) {
                        after_keyword = true;
                    }
                }
                Kind::Word if expect_fn_name => {
                    expect_fn_name = false;
                    self.funcs.push(normalize(&t.text));
                    pending_fn = Some(self.funcs.len() - 1);
                }
                Kind::Word if pos => {
                    // Keywords are ASCII: no lower-case copy of every command word.
                    if let Some(&lower) = KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(&t.text))
                    {
                        expect_fn_name = matches!(lower, "function" | "filter" | "workflow");
                        after_keyword = matches!(lower, "return" | "throw");
                        if lower == "param"
                            && toks.get(i + 1).map(|n| &n.kind) == Some(&Kind::Open(Bracket::Paren))
                        {
                            param_close = Some(matched_end(self.vals.matched, i + 1));
                        }
                        if lower == "foreach" {
                            self.foreach(i);
                        }
                    } else {
                        let mut flags = Vec::new();
                        if t.backtick {
                            flags.push("backtick");
                        }
                        if t.dash {
                            flags.push("dash");
                        }
                        self.command(&t.text, i, i + 1, owner, &flags);
                    }
                }
                Kind::Str { .. } if call_op => self.command(&t.text, i, i + 1, owner, &[]),
                Kind::Var if call_op => {
                    if let Some(name) = self.vars.command(&t.text, i) {
                        self.command(&name, i, i + 1, owner, &["variable"]);
                    }
                }
                Kind::Assign => {
                    let (scope, place) = self.scope_of(&stack);
                    self.assignment(i, scope, place);
                }
                _ => {}
            }
        }
    }

    /// Where an assignment made inside the innermost bracket of `stack` holds: that bracket;
    /// a `param( )` default holds in the function or script block the block belongs to
    /// (`function f($cn = 'x') { … }`: in its body). The flag says "a parameter default".
    fn scope_of(
        &self,
        stack: &[(Bracket, Option<usize>, usize)],
    ) -> (Option<(usize, usize)>, Place) {
        let toks = self.vals.toks;
        let matched = self.vals.matched;
        let Some(&(bracket, _, open)) = stack.last() else {
            return (None, Place::Statement);
        };
        let range = |o: usize| (o, matched_end(matched, o));
        // `function <name>` right before token `at`: the function's name.
        let function_before = |at: usize| {
            (at >= 2
                && toks[at - 1].kind == Kind::Word
                && toks[at - 2].kind == Kind::Word
                && ["function", "filter"]
                    .iter()
                    .any(|k| toks[at - 2].text.eq_ignore_ascii_case(k)))
            .then(|| normalize(&toks[at - 1].text))
        };
        if bracket == Bracket::Paren && open >= 1 && toks[open - 1].kind == Kind::Word {
            if toks[open - 1].text.eq_ignore_ascii_case("param") {
                let outer = stack.len().checked_sub(2).map(|k| stack[k].2);
                let function = outer.and_then(function_before);
                return (outer.map(range), Place::Default(function));
            }
            if let Some(name) = function_before(open) {
                let close = matched_end(matched, open);
                let body = toks
                    .get(close + 1)
                    .filter(|t| t.kind == Kind::Open(Bracket::Brace))
                    .map(|_| range(close + 1));
                return (body.or(Some(range(open))), Place::Default(Some(name)));
            }
        }
        (Some(range(open)), Place::Statement)
    }

    /// `foreach ($s in <list>) { … }`: inside the body `$s` holds each name of the list.
    fn foreach(&mut self, i: usize) {
        let toks = self.vals.toks;
        let is = |k: usize, kind: Kind| toks.get(k).is_some_and(|t| t.kind == kind);
        if !(is(i + 1, Kind::Open(Bracket::Paren))
            && is(i + 2, Kind::Var)
            && toks
                .get(i + 3)
                .is_some_and(|t| t.text.eq_ignore_ascii_case("in")))
        {
            return;
        }
        let close = matched_end(self.vals.matched, i + 1);
        let value = self.vals.assigned_value(i + 4, false);
        let value = match (value, toks.get(close + 1)) {
            (v, Some(t)) if t.kind == Kind::Open(Bracket::Brace) => {
                let scope = (close + 1, matched_end(self.vals.matched, close + 1));
                self.vars.bind(&toks[i + 2].text, i + 2, Some(scope), v);
                return;
            }
            _ => Value::Computed,
        };
        self.vars.bind(&toks[i + 2].text, i + 2, None, value);
    }

    /// Remember what splatting, `& $name` and variable targets may need from `$v = ...`.
    fn assignment(&mut self, i: usize, scope: Option<(usize, usize)>, place: Place) {
        let toks = self.vals.toks;
        if toks.get(i + 1).is_none() {
            return;
        }
        // `$p['Key'] = v`
        if i >= 4
            && toks[i - 1].kind == Kind::Close
            && matches!(toks[i - 2].kind, Kind::Str { .. })
            && toks[i - 3].kind == Kind::Open(Bracket::Square)
            && toks[i - 4].kind == Kind::Var
        {
            let var = toks[i - 4].text.to_lowercase();
            let key = toks[i - 2].text.clone();
            self.splat_key(var, key, i + 1);
            return;
        }
        let Some(prev) = i.checked_sub(1).map(|p| &toks[p]) else {
            return;
        };
        // `$s += 'x'` (the lexer leaves the operator as a word): no longer a constant.
        if prev.kind == Kind::Word
            && !prev.text.is_empty()
            && prev.text.chars().all(|c| "+-*/%?".contains(c))
            && i >= 2
            && toks[i - 2].kind == Kind::Var
        {
            self.vars.bind(&toks[i - 2].text, i, scope, Value::Computed);
            return;
        }
        if prev.kind != Kind::Var {
            return;
        }
        let var = prev.text.to_lowercase();
        if let Some((v, key)) = var.split_once('.') {
            self.splat_key(v.to_string(), key.to_string(), i + 1);
            return;
        }
        // `$a, $b = 'x', 'y'`: each gets one element; not worth modelling.
        if i >= 2 && toks[i - 2].kind == Kind::Comma {
            let mut k = i - 1;
            while toks[k].kind == Kind::Var {
                self.vars.bind(&toks[k].text, i, scope, Value::Computed);
                if k < 2 || toks[k - 1].kind != Kind::Comma {
                    break;
                }
                k -= 2;
            }
            return;
        }
        if toks[i + 1].kind == Kind::Open(Bracket::Hash) {
            self.splats.insert(var.clone(), i + 1);
            self.vars.bind(&var, i, scope, Value::Computed);
            return;
        }
        match place {
            Place::Statement => {
                let value = self.vals.assigned_value(i + 1, false);
                self.vars.bind(&var, i, scope, value);
            }
            Place::Default(function) => {
                let value = self.vals.assigned_value(i + 1, true);
                self.vars.bind_default(&var, i, scope, value, function);
            }
        }
    }

    /// Remember `$p.Key = v`; a cmdlet has few parameters, so 64 keys per variable suffice and
    /// keep a crafted script from making every `@p` expensive.
    fn splat_key(&mut self, var: String, key: String, at: usize) {
        let keys = self.splat_keys.entry(var).or_default();
        if keys.len() < 64 {
            keys.push((key, at));
        }
    }

    /// `& ('Invoke-' + 'Command')` or `& (gcm *ke-comm*)`: a constant command name.
    fn paren_name(&self, open: usize) -> Option<(String, &'static str)> {
        let close = matched_end(self.vals.matched, open);
        let inner = self.vals.toks.get(open + 1..close)?;
        if let [cmd, arg] = inner
            && cmd.kind == Kind::Word
            && matches!(normalize(&cmd.text).as_str(), "gcm" | "get-command")
            && matches!(arg.kind, Kind::Word | Kind::Str { .. })
        {
            return get_command(&arg.text).map(|n| (n, "get-command"));
        }
        let mut name = String::new();
        for (k, t) in inner.iter().enumerate() {
            match (&t.kind, k % 2) {
                (Kind::Str { expandable: false }, 0) => name.push_str(&t.text),
                (Kind::Plus, 1) => {}
                _ => return None,
            }
        }
        Some((name, "concat"))
    }

    /// Record a command named `raw` at token `at`, arguments from `from`.
    fn command(
        &mut self,
        raw: &str,
        at: usize,
        from: usize,
        owner: Option<usize>,
        flags: &[&'static str],
    ) {
        let mut name = normalize(raw);
        let mut flags = flags.to_vec();
        if let Some(target) = self.aliases.get(&name) {
            name = target.clone();
            flags.push("alias");
        }
        self.calls.push((owner, name.clone()));
        let toks = self.vals.toks;
        if toks
            .get(from)
            .is_some_and(|t| !matches!(t.kind, Kind::Sep | Kind::Close))
        {
            self.called_with_arguments.insert(name.clone());
        }
        let Some((kind, label)) = lookup(&name) else {
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
        let end = end.min(toks.len());
        if kind == Cmdlet::AliasDef {
            self.define_alias(from, end);
            return;
        }
        self.cmds.push(Cmd {
            kind,
            label,
            args: (from, end),
            owner,
            flags,
            assigned,
        });
    }

    /// `Set-Alias x Invoke-Command`, `New-Alias -Name x -Value icm`.
    fn define_alias(&mut self, from: usize, end: usize) {
        let toks = &self.vals.toks[from..end];
        let (mut name, mut value, mut positional) = (None, None, Vec::new());
        let mut k = 0;
        while k < toks.len() {
            let t = &toks[k];
            match &t.kind {
                Kind::Param { .. } => {
                    let p = t.text.to_lowercase();
                    let v = toks.get(k + 1).map(|v| v.text.clone());
                    if "name".starts_with(&p) && !p.is_empty() {
                        name = v;
                    } else if "value".starts_with(&p) && !p.is_empty() {
                        value = v;
                    } else {
                        k += 1;
                        continue;
                    }
                    k += 2;
                    continue;
                }
                Kind::Word | Kind::Str { .. } => positional.push(t.text.clone()),
                _ => {}
            }
            k += 1;
        }
        let mut rest = positional.into_iter();
        let name = name.or_else(|| rest.next());
        let value = value.or_else(|| rest.next());
        if let (Some(n), Some(v)) = (name, value) {
            let target = normalize(&v);
            let target = self.aliases.get(&target).cloned().unwrap_or(target);
            self.aliases.insert(normalize(&n), target);
        }
    }

    /// Functions reachable from top-level code (definitions alone execute nothing).
    pub fn reachable(&self) -> HashSet<usize> {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (f, n) in self.funcs.iter().enumerate() {
            by_name.entry(n.as_str()).or_default().push(f);
        }
        let mut by_owner: HashMap<Option<usize>, Vec<&str>> = HashMap::new();
        for (owner, name) in &self.calls {
            if by_name.contains_key(name.as_str()) {
                by_owner.entry(*owner).or_default().push(name.as_str());
            }
        }
        let mut seen = HashSet::new();
        let mut todo: Vec<usize> = by_owner
            .get(&None)
            .into_iter()
            .flatten()
            .flat_map(|n| by_name[n].iter().copied())
            .collect();
        while let Some(f) = todo.pop() {
            if seen.insert(f) {
                for n in by_owner.get(&Some(f)).into_iter().flatten() {
                    todo.extend(by_name[n].iter().copied());
                }
            }
        }
        seen
    }
}
