//! Tokens of the search language. Quoting rules (why: Windows names are full of backslashes):
//! inside `"…"` a backslash escapes only `"` and `\`, every other backslash is literal, so
//! `user:"CORP\j.miller"` is the value `CORP\j.miller`; outside quotes a backslash is always
//! literal (`user:corp\*` is a wildcard after `corp\`).

/// One token, with the byte offset it starts at.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Open,
    /// `field:(` — a group whose bare terms search `field`.
    FieldOpen(String),
    Close,
    And,
    Or,
    Not,
    /// A bare term; `quoted` when it was `"…"` (a `*` in it is then literal).
    Bare {
        text: String,
        quoted: bool,
    },
    /// `field:value` (`value` keeps its leading comparator or bracket, see [`FieldValue`]).
    Field {
        name: String,
        value: FieldValue,
    },
    /// `field=value` / `field!=value`.
    Compare {
        name: String,
        value: String,
        not_equal: bool,
    },
    /// `field IN (a, b, …)`.
    In {
        name: String,
        values: Vec<String>,
    },
}

/// What follows `field:`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum FieldValue {
    Text {
        text: String,
        quoted: bool,
    },
    Regex(String),
    /// `[a TO b]` / `{a TO b}`: (inclusive lower, lower, upper, inclusive upper); `*` is open.
    Range(bool, String, String, bool),
    /// `>=x`, `>x`, `<=x`, `<x`.
    Cmp(&'static str, String),
}

/// Split a query into tokens; errors name the byte position.
pub(super) fn lex(q: &str) -> Result<Vec<(usize, Tok)>, String> {
    let mut lx = Lexer { q, pos: 0 };
    let mut out = Vec::new();
    loop {
        lx.skip_ws();
        let start = lx.pos;
        let Some(c) = lx.peek() else { break };
        let tok = match c {
            '(' => {
                lx.bump();
                Tok::Open
            }
            ')' => {
                lx.bump();
                Tok::Close
            }
            '-' | '+' if lx.next_starts_term() => {
                lx.bump();
                if c == '+' {
                    continue; // `+a` is what every term already means
                }
                Tok::Not
            }
            '"' => Tok::Bare {
                text: lx.quoted()?,
                quoted: true,
            },
            _ => lx.term()?,
        };
        out.push((start, tok));
    }
    Ok(out)
}

struct Lexer<'a> {
    q: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.q[self.pos..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }
    /// After a `-`/`+` at the start of a token: does a term follow directly?
    fn next_starts_term(&self) -> bool {
        self.rest()[1..]
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != ')')
    }

    /// `"…"` starting at the quote; `\"` and `\\` are escapes, other backslashes literal.
    fn quoted(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.bump();
        let mut s = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => return Ok(s),
                '\\' if matches!(self.peek(), Some('"' | '\\')) => s.extend(self.bump()),
                c => s.push(c),
            }
        }
        Err(format!("unterminated quote at position {start}"))
    }

    /// Characters up to whitespace or a parenthesis (backslashes literal).
    fn bare(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && c != '(' && c != ')')
        {
            self.bump();
        }
        self.q[start..self.pos].to_string()
    }

    /// A quoted or bare value (for `=`, comparators and `IN` lists).
    fn value(&mut self) -> Result<String, String> {
        if self.peek() == Some('"') {
            self.quoted()
        } else {
            Ok(self.bare())
        }
    }

    /// A field identifier at the cursor, if there is one.
    fn ident(&self) -> Option<&str> {
        let r = self.rest();
        let mut end = 0;
        for (i, c) in r.char_indices() {
            let ok = if i == 0 {
                c.is_ascii_alphabetic() || c == '_'
            } else {
                c.is_ascii_alphanumeric() || c == '_' || c == '.'
            };
            if !ok {
                break;
            }
            end = i + c.len_utf8();
        }
        (end > 0).then(|| &r[..end])
    }

    /// A term: `field:…`, `field=…`, `field!=…`, `field IN (…)`, an operator, or a bare word.
    fn term(&mut self) -> Result<Tok, String> {
        let operator = |n: &str| matches!(n, "AND" | "OR" | "NOT");
        if let Some(name) = self.ident().filter(|n| !operator(n)).map(str::to_string) {
            let after = &self.rest()[name.len()..];
            if after.starts_with(':') {
                self.pos += name.len() + 1;
                return self.field_value(name);
            }
            let (skip, not_equal) = if after.starts_with("!=") {
                (2, true)
            } else if after.starts_with('=') {
                (1, false)
            } else {
                (0, false)
            };
            if skip > 0 {
                self.pos += name.len() + skip;
                let at = self.pos;
                let value = self.value()?;
                if value.is_empty() && self.pos == at {
                    return Err(format!("`{name}=` needs a value (position {at})"));
                }
                return Ok(Tok::Compare {
                    name,
                    value,
                    not_equal,
                });
            }
            let trimmed = after.trim_start();
            if trimmed.len() < after.len()
                && let Some(list) = trimmed.strip_prefix("IN")
                && list.trim_start().starts_with('(')
            {
                self.pos = self.q.len() - list.trim_start().len() + 1;
                return Ok(Tok::In {
                    name,
                    values: self.in_list()?,
                });
            }
        }
        let text = self.bare();
        Ok(match text.as_str() {
            "AND" | "&&" => Tok::And,
            "OR" | "||" => Tok::Or,
            "NOT" => Tok::Not,
            _ => Tok::Bare {
                text,
                quoted: false,
            },
        })
    }

    /// The values of `IN (a, "b c", d)` after its `(`.
    fn in_list(&mut self) -> Result<Vec<String>, String> {
        let start = self.pos;
        let mut values = Vec::new();
        loop {
            while self.peek().is_some_and(|c| c.is_whitespace() || c == ',') {
                self.bump();
            }
            match self.peek() {
                None => return Err(format!("missing `)` of the IN list at position {start}")),
                Some(')') => {
                    self.bump();
                    return Ok(values);
                }
                Some('"') => values.push(self.quoted()?),
                Some(_) => {
                    let from = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| !c.is_whitespace() && c != ',' && c != ')')
                    {
                        self.bump();
                    }
                    values.push(self.q[from..self.pos].to_string());
                }
            }
        }
    }

    /// What follows `field:`.
    fn field_value(&mut self, name: String) -> Result<Tok, String> {
        let start = self.pos;
        let value = match self.peek() {
            Some('(') => {
                self.bump();
                return Ok(Tok::FieldOpen(name));
            }
            Some('"') => FieldValue::Text {
                text: self.quoted()?,
                quoted: true,
            },
            Some('/') => {
                self.bump();
                let mut re = String::new();
                loop {
                    match self.bump() {
                        None => return Err(format!("unterminated /regex/ at position {start}")),
                        Some('/') => break,
                        Some('\\') if self.peek() == Some('/') => re.extend(self.bump()),
                        Some(c) => re.push(c),
                    }
                }
                FieldValue::Regex(re)
            }
            Some(open @ ('[' | '{')) => {
                self.bump();
                let Some(len) = self.rest().find([']', '}']) else {
                    return Err(format!("missing `]` of the range at position {start}"));
                };
                let inner = self.rest()[..len].to_string();
                self.pos += len;
                let close = self.bump();
                let Some((lo, hi)) = inner.split_once(" TO ") else {
                    return Err(format!(
                        "a range is written [A TO B] (position {start}), got {inner:?}"
                    ));
                };
                FieldValue::Range(
                    open == '[',
                    lo.trim().to_string(),
                    hi.trim().to_string(),
                    close == Some(']'),
                )
            }
            Some('>' | '<') => {
                let op = ["<=", ">=", "<", ">"]
                    .into_iter()
                    .find(|op| self.rest().starts_with(op))
                    .unwrap_or(">");
                self.pos += op.len();
                FieldValue::Cmp(op, self.value()?)
            }
            _ => FieldValue::Text {
                text: self.bare(),
                quoted: false,
            },
        };
        if matches!(&value, FieldValue::Text { text, quoted: false } if text.is_empty()) {
            return Err(format!("`{name}:` needs a value (position {start})"));
        }
        Ok(Tok::Field { name, value })
    }
}
