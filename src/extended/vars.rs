//! What a variable holds where it is used: the constant assignments of one text, the one
//! record that `& $name`, splatting and variable targets (`icm -cn $Servers`) all read.
//!
//! A target is resolved only when the text leaves no doubt: every assignment of the variable
//! is the same literal list, and one of them comes before the use in a scope that holds it.
//! Anything else (computed, assigned twice differently, only after the use, in a branch the
//! use is not in) stays unresolved: a wrong host name in an edge is worse than a `?$name`.

use std::collections::HashMap;

use super::lexer::{Bracket, Kind};
use super::names::{get_command, normalize};
use super::targets::Values;

/// What one assignment puts in a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Literal strings: `'a'`, `"b"`, `'a','b'`, `@('a','b')`.
    Names(Vec<String>),
    /// Another variable's value at that point: `$t = $Servers`, `foreach ($s in $Servers)`.
    Copy(String),
    /// A command found by name: `$c = gcm icm` (a command for `& $c`, never a host).
    Command(String),
    /// Anything else, or an assignment not understood (`+=`, `$a, $b = …`).
    Computed,
}

struct Binding {
    /// Token index of the assignment.
    at: usize,
    /// Token range of the bracket the assignment holds in (None: the whole text).
    scope: Option<(usize, usize)>,
    value: Value,
    /// A parameter default of this function (normalized name).
    default_of: Option<String>,
}

/// More assignments than this to one variable: it is computed (a loop of a crafted script
/// must not make every use scan thousands of them).
const MAX_BINDINGS: usize = 64;
/// `$a = $b; $b = $c; …`: copies followed this deep.
const MAX_COPIES: usize = 8;

/// Every assignment of one text, by variable (lower case, no `$`).
#[derive(Default)]
pub(crate) struct Vars {
    by_name: HashMap<String, Vec<Binding>>,
}

impl Vars {
    /// Record `$var = value` at token `at`, holding in `scope`.
    pub fn bind(&mut self, var: &str, at: usize, scope: Option<(usize, usize)>, value: Value) {
        self.push(var, at, scope, value, None);
    }

    /// Record a parameter default (`param($cn = 'x')`) of `function` (None: of a script block).
    pub fn bind_default(
        &mut self,
        var: &str,
        at: usize,
        scope: Option<(usize, usize)>,
        value: Value,
        function: Option<String>,
    ) {
        self.push(var, at, scope, value, function);
    }

    /// The defaults of functions the text calls with arguments are no constants: the call
    /// may pass another value.
    pub fn overridden_defaults(
        &mut self,
        called_with_arguments: &std::collections::HashSet<String>,
    ) {
        for list in self.by_name.values_mut() {
            for b in list.iter_mut() {
                if b.default_of
                    .as_ref()
                    .is_some_and(|f| called_with_arguments.contains(f))
                {
                    b.value = Value::Computed;
                }
            }
        }
    }

    fn push(
        &mut self,
        var: &str,
        at: usize,
        scope: Option<(usize, usize)>,
        value: Value,
        default_of: Option<String>,
    ) {
        let list = self.by_name.entry(var.to_lowercase()).or_default();
        if list.len() >= MAX_BINDINGS {
            return;
        }
        let value = if list.len() + 1 == MAX_BINDINGS {
            Value::Computed
        } else {
            value
        };
        list.push(Binding {
            at,
            scope,
            value,
            default_of,
        });
    }

    /// The command `& $var` at token `at` runs: the latest assignment before it, when that
    /// is one string or a `Get-Command` result. Lenient on purpose (a detection, not a host
    /// name): the latest value is what runs in straight-line code.
    pub fn command(&self, var: &str, at: usize) -> Option<String> {
        let b = self
            .by_name
            .get(&var.to_lowercase())?
            .iter()
            .rev()
            .find(|b| b.at < at)?;
        match &b.value {
            Value::Names(v) if v.len() == 1 => Some(v[0].clone()),
            Value::Command(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// The literal names `$var` holds at token `at`, when the text leaves no doubt.
    pub fn names(&self, var: &str, at: usize) -> Option<Vec<String>> {
        self.names_depth(&var.to_lowercase(), at, 0)
    }

    fn names_depth(&self, var: &str, at: usize, depth: usize) -> Option<Vec<String>> {
        // `$env:X`, `$script:x`, `$using:x`: set outside this text, or in another scope.
        if depth > MAX_COPIES || var.contains(':') {
            return None;
        }
        let mut value: Option<Vec<String>> = None;
        let mut covered = false;
        for b in self.by_name.get(var)? {
            let v = match &b.value {
                Value::Names(v) => v.clone(),
                Value::Copy(src) => self.names_depth(src, b.at, depth + 1)?,
                Value::Command(_) | Value::Computed => return None,
            };
            if value.as_ref().is_some_and(|x| *x != v) {
                return None;
            }
            value = Some(v);
            covered |= b.at < at && b.scope.is_none_or(|(o, c)| o < at && at <= c);
        }
        value.filter(|v| covered && !v.is_empty())
    }
}

/// The variable name of a target expression that is nothing but one variable: `$s`, `${s}`.
pub(crate) fn plain_variable(expr: &str) -> Option<&str> {
    let name = expr.strip_prefix('$')?;
    let name = match name.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}')?,
        None => name,
    };
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':'));
    plain.then_some(name)
}

impl Values<'_> {
    /// One literal element at `i`: a constant string, or `@( )` / `( )` holding only constant
    /// strings. Returns its strings and the index after it.
    fn literal_element(&self, i: usize) -> Option<(Vec<String>, usize)> {
        let t = self.toks.get(i)?;
        match t.kind {
            Kind::Str { expandable: false } => Some((vec![t.text.trim().to_string()], i + 1)),
            Kind::Open(Bracket::ArrayExpr | Bracket::Paren) => {
                let close = *self.matched.get(i)?;
                let inner = self.toks.get(i + 1..close)?;
                let mut out = Vec::new();
                for x in inner {
                    match x.kind {
                        Kind::Str { expandable: false } => out.push(x.text.trim().to_string()),
                        Kind::Comma => {}
                        Kind::Sep if !self.is_pipe(x) => {}
                        _ => return None,
                    }
                }
                Some((out, close + 1))
            }
            _ => None,
        }
    }

    fn is_pipe(&self, t: &super::lexer::Tok) -> bool {
        self.src.get(t.start..t.end) == Some("|")
    }

    /// Does a value end at token `i` (end of statement, of the text or of a bracket)?
    fn value_ends(&self, i: usize) -> bool {
        self.toks.get(i).is_none_or(|t| match t.kind {
            Kind::Close => true,
            Kind::Sep => !self.is_pipe(t),
            _ => false,
        })
    }

    /// What the value starting at token `from` puts in a variable. In a `param( )` block a
    /// default is one element (a comma there starts the next parameter).
    pub(crate) fn assigned_value(&self, from: usize, param: bool) -> Value {
        let Some(first) = self.toks.get(from) else {
            return Value::Computed;
        };
        let ends = |k: usize| {
            self.value_ends(k) || (param && self.toks.get(k).is_some_and(|t| t.kind == Kind::Comma))
        };
        match first.kind {
            Kind::Var if ends(from + 1) => return Value::Copy(first.text.to_lowercase()),
            Kind::Word if matches!(normalize(&first.text).as_str(), "gcm" | "get-command") => {
                return match self.toks.get(from + 1) {
                    Some(arg)
                        if matches!(arg.kind, Kind::Word | Kind::Str { .. }) && ends(from + 2) =>
                    {
                        get_command(&arg.text).map_or(Value::Computed, Value::Command)
                    }
                    _ => Value::Computed,
                };
            }
            _ => {}
        }
        let mut names = Vec::new();
        let mut i = from;
        loop {
            let Some((mut v, next)) = self.literal_element(i) else {
                return Value::Computed;
            };
            names.append(&mut v);
            i = next;
            if ends(i) {
                break;
            }
            if param || self.toks.get(i).is_none_or(|t| t.kind != Kind::Comma) {
                return Value::Computed;
            }
            i += 1;
            // A list may continue on the next line after a comma.
            while self
                .toks
                .get(i)
                .is_some_and(|t| t.kind == Kind::Sep && !self.is_pipe(t))
            {
                i += 1;
            }
        }
        Value::Names(names)
    }
}
