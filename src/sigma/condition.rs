//! The `condition:` expression: a tokenizer and a recursive-descent parser.
//!
//! Grammar (precedence `not` > `and` > `or`, as the specification gives it):
//! ```text
//! or    := and ("or" and)*
//! and   := not ("and" not)*
//! not   := "not" not | atom
//! atom  := "(" or ")" | quant "of" (pattern | "them") | identifier
//! quant := "1" | "any" | "all"
//! ```
//! A `|` (aggregation: `count() by ...`, `near`) is refused: correlations are not supported.

use serde::{Deserialize, Serialize};

use super::detection::{EvalCache, Search};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Open,
    Close,
}

fn tokenize(s: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<Token>| {
        if !w.is_empty() {
            out.push(Token::Word(std::mem::take(w)));
        }
    };
    for c in s.chars() {
        match c {
            '(' => {
                flush(&mut word, &mut out);
                out.push(Token::Open);
            }
            ')' => {
                flush(&mut word, &mut out);
                out.push(Token::Close);
            }
            '|' => return Err("aggregation/correlation not supported".into()),
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

/// A parsed condition over search identifiers (by index into the rule's searches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Cond {
    Ref(usize),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

impl Cond {
    pub fn eval(&self, searches: &[Search], c: &EvalCache, src: usize) -> bool {
        match self {
            Cond::Ref(i) => searches[*i].eval(c, src),
            Cond::And(v) => v.iter().all(|x| x.eval(searches, c, src)),
            Cond::Or(v) => v.iter().any(|x| x.eval(searches, c, src)),
            Cond::Not(x) => !x.eval(searches, c, src),
        }
    }
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    names: &'a [String],
}

/// Parse `text` against the rule's search identifier names.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, String> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
        names,
    };
    if p.toks.is_empty() {
        return Err("empty condition".into());
    }
    let c = p.or()?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(format!("unexpected {} in condition '{text}'", show(t)));
    }
    Ok(c)
}

fn show(t: &Token) -> String {
    match t {
        Token::Word(w) => format!("'{w}'"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
    }
}

fn kw(t: Option<&Token>, k: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
}

/// Sigma identifier patterns use `*` as a wildcard (`selection_*`).
fn name_matches(pat: &str, name: &str) -> bool {
    match pat.split_once('*') {
        None => pat == name,
        Some((pre, rest)) => {
            if !name.starts_with(pre) {
                return false;
            }
            let tail = &name[pre.len()..];
            if rest.is_empty() {
                return true;
            }
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| name_matches(rest, &tail[i..]))
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut v = vec![self.and()?];
        while kw(self.peek(), "or") {
            self.pos += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Cond::Or(vec![]))
        } else {
            Cond::Or(v)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut v = vec![self.not()?];
        while kw(self.peek(), "and") {
            self.pos += 1;
            v.push(self.not()?);
        }
        Ok(if v.len() == 1 {
            v.pop().unwrap_or(Cond::And(vec![]))
        } else {
            Cond::And(v)
        })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if kw(self.peek(), "not") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Cond, String> {
        let t = self.peek().cloned().ok_or("condition ends too early")?;
        self.pos += 1;
        match t {
            Token::Open => {
                let c = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("missing ')' in condition".into());
                }
                self.pos += 1;
                Ok(c)
            }
            Token::Close => Err("unexpected ')' in condition".into()),
            Token::Word(w) => {
                let lw = w.to_ascii_lowercase();
                if ["and", "or", "of", "them"].contains(&lw.as_str()) {
                    return Err(format!("unexpected '{w}' in condition"));
                }
                if kw(self.peek(), "of") {
                    let all = match lw.as_str() {
                        "1" | "any" => false,
                        "all" => true,
                        _ => return Err(format!("unsupported quantifier '{w} of'")),
                    };
                    self.pos += 1;
                    let Some(Token::Word(pat)) = self.peek().cloned() else {
                        return Err(format!("'{w} of' needs a pattern or 'them'"));
                    };
                    self.pos += 1;
                    let idx: Vec<usize> = if pat.eq_ignore_ascii_case("them") {
                        // `them` leaves out identifiers starting with `_` (specification).
                        (0..self.names.len())
                            .filter(|&i| !self.names[i].starts_with('_'))
                            .collect()
                    } else {
                        (0..self.names.len())
                            .filter(|&i| name_matches(&pat, &self.names[i]))
                            .collect()
                    };
                    if idx.is_empty() {
                        return Err(format!("'{w} of {pat}' matches no search identifier"));
                    }
                    let refs = idx.into_iter().map(Cond::Ref).collect();
                    return Ok(if all { Cond::And(refs) } else { Cond::Or(refs) });
                }
                match self.names.iter().position(|n| *n == w) {
                    Some(i) => Ok(Cond::Ref(i)),
                    None => Err(format!("unknown search identifier '{w}' in condition")),
                }
            }
        }
    }
}
