//! A field's values and modifiers (`Image|endswith`, `CommandLine|contains|all|windash`)
//! compiled into matchers.
//!
//! Default semantics (Sigma specification v2): case-insensitive whole-value equality with the
//! wildcards `*` (any run) and `?` (one character); `\*`, `\?` and `\\` are a literal `*`,
//! `?` and `\`, and a backslash before anything else is itself. Patterns are lowercased once
//! here, and compared with the event value lowercased once per event (the evaluation cache).

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use yaml_rust2::Yaml;

/// One token of a parsed wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    Star,
    One,
}

/// Parse Sigma's escapes and wildcards.
pub(crate) fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    out.push(Tok::Lit(n));
                    it.next();
                }
                _ => out.push(Tok::Lit('\\')),
            },
            '*' => out.push(Tok::Star),
            '?' => out.push(Tok::One),
            c => out.push(Tok::Lit(c)),
        }
    }
    out
}

fn literal_tokens(s: &str) -> Vec<Tok> {
    s.chars().map(Tok::Lit).collect()
}

/// A wildcard pattern, specialised: most Sigma values are a plain contains/startswith/
/// endswith/equality, which a substring search answers without the general glob.
#[derive(Debug, Clone)]
pub(crate) enum Pattern {
    Exact(String),
    /// Built once: a searcher made for every comparison cost more than the search. Boxed:
    /// the searcher is 288 bytes, every other pattern under 32.
    Contains(Box<memchr::memmem::Finder<'static>>),
    Starts(String),
    Ends(String),
    /// `*` alone: any present value.
    Any,
    Glob(Vec<Seg>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Lit(String),
    Star,
    One,
}

impl Pattern {
    /// Build from tokens; `lower` lowercases the literal parts (case-insensitive matching).
    pub fn new(toks: &[Tok], lower: bool) -> Pattern {
        let mut segs: Vec<Seg> = Vec::new();
        for t in toks {
            match t {
                Tok::Lit(c) => {
                    if let Some(Seg::Lit(s)) = segs.last_mut() {
                        s.push(*c);
                    } else {
                        segs.push(Seg::Lit(c.to_string()));
                    }
                }
                Tok::Star => {
                    if segs.last() != Some(&Seg::Star) {
                        segs.push(Seg::Star);
                    }
                }
                Tok::One => segs.push(Seg::One),
            }
        }
        if lower {
            for s in &mut segs {
                if let Seg::Lit(l) = s {
                    *l = l.to_lowercase();
                }
            }
        }
        match segs.as_slice() {
            [] => Pattern::Exact(String::new()),
            [Seg::Star] => Pattern::Any,
            [Seg::Lit(l)] => Pattern::Exact(l.clone()),
            [Seg::Star, Seg::Lit(l), Seg::Star] => Pattern::Contains(Box::new(
                memchr::memmem::Finder::new(l.as_bytes()).into_owned(),
            )),
            [Seg::Lit(l), Seg::Star] => Pattern::Starts(l.clone()),
            [Seg::Star, Seg::Lit(l)] => Pattern::Ends(l.clone()),
            _ => Pattern::Glob(segs),
        }
    }

    pub fn is_match(&self, v: &str) -> bool {
        match self {
            Pattern::Exact(p) => v == p,
            Pattern::Contains(f) => f.find(v.as_bytes()).is_some(),
            Pattern::Starts(p) => v.starts_with(p.as_str()),
            Pattern::Ends(p) => v.ends_with(p.as_str()),
            Pattern::Any => true,
            Pattern::Glob(segs) => glob(segs, v),
        }
    }
}

/// Glob match with backtracking to the last `*` only (linear-ish, no exponential blowup).
fn glob(segs: &[Seg], v: &str) -> bool {
    let (mut si, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if si == segs.len() {
            if vi == v.len() {
                return true;
            }
        } else {
            match &segs[si] {
                Seg::Star => {
                    star = Some((si, vi));
                    si += 1;
                    continue;
                }
                Seg::Lit(l) if v[vi..].starts_with(l.as_str()) => {
                    si += 1;
                    vi += l.len();
                    continue;
                }
                Seg::One if vi < v.len() => {
                    let n = v[vi..].chars().next().map_or(1, char::len_utf8);
                    si += 1;
                    vi += n;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last star eat one more character.
        match star {
            Some((ssi, svi)) if svi < v.len() => {
                let n = v[svi..].chars().next().map_or(1, char::len_utf8);
                star = Some((ssi, svi + n));
                si = ssi + 1;
                vi = svi + n;
            }
            _ => return false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Equals,
    Contains,
    Starts,
    Ends,
}

/// One compiled value. `Glob` compares against the lowercased value unless `cased`.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Glob {
        pat: Pattern,
        cased: bool,
    },
    Regex(regex::Regex),
    Cidr(Vec<Net>),
    Num(Cmp, f64),
    /// Field present (`true`) or missing (`false`).
    Exists(bool),
    /// `null`: the field is missing (or empty, which ingest does not store).
    Null,
    /// Compare with another field of the same event.
    FieldRef {
        field: String,
        mode: Mode,
        cased: bool,
    },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Net {
    addr: u128,
    prefix: u32,
    v4: bool,
}

fn parse_net(s: &str) -> Result<Net, String> {
    let (a, p) = s.split_once('/').unwrap_or((s, ""));
    let ip: IpAddr = a.trim().parse().map_err(|_| format!("bad cidr '{s}'"))?;
    let (addr, max, v4) = match ip {
        IpAddr::V4(v) => (u32::from(v) as u128, 32, true),
        IpAddr::V6(v) => (u128::from(v), 128, false),
    };
    let prefix = if p.is_empty() {
        max
    } else {
        p.trim()
            .parse::<u32>()
            .map_err(|_| format!("bad cidr '{s}'"))?
    };
    if prefix > max {
        return Err(format!("bad cidr '{s}'"));
    }
    Ok(Net { addr, prefix, v4 })
}

impl Net {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (addr, max) = match (ip, self.v4) {
            (IpAddr::V4(v), true) => (u32::from(v) as u128, 32),
            (IpAddr::V6(v), false) => (u128::from(v), 128),
            // An IPv4-mapped IPv6 value (::ffff:a.b.c.d) against an IPv4 network.
            (IpAddr::V6(v), true) => match v.to_ipv4_mapped() {
                Some(v4) => (u32::from(v4) as u128, 32),
                None => return false,
            },
            (IpAddr::V4(_), false) => return false,
        };
        if self.prefix == 0 {
            return true;
        }
        let shift = max - self.prefix;
        (addr >> shift) == (self.addr >> shift)
    }
}

/// Parse a number as Sigma rules and logs write it (decimal, or `0x` hex as 4688 logs pids).
pub(crate) fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok().map(|n| n as f64);
    }
    t.parse::<f64>().ok()
}

/// The modifiers of one field, parsed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Mods {
    pub mode: Option<Mode>,
    pub all: bool,
    pub cased: bool,
    pub re: bool,
    pub re_flags: (bool, bool, bool),
    pub cidr: bool,
    pub exists: bool,
    pub fieldref: bool,
    pub cmp: Option<Cmp>,
    /// Encoding modifiers in the order written (base64, base64offset, utf16*, wide, windash).
    pub transforms: Vec<String>,
}

pub(crate) fn parse_mods(mods: &[&str]) -> Result<Mods, String> {
    let mut m = Mods::default();
    for &x in mods {
        match x {
            "contains" => m.mode = Some(Mode::Contains),
            "startswith" => m.mode = Some(Mode::Starts),
            "endswith" => m.mode = Some(Mode::Ends),
            "all" => m.all = true,
            "cased" => m.cased = true,
            "re" => m.re = true,
            "i" if m.re => m.re_flags.0 = true,
            "m" if m.re => m.re_flags.1 = true,
            "s" if m.re => m.re_flags.2 = true,
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "fieldref" => m.fieldref = true,
            "lt" => m.cmp = Some(Cmp::Lt),
            "lte" => m.cmp = Some(Cmp::Lte),
            "gt" => m.cmp = Some(Cmp::Gt),
            "gte" => m.cmp = Some(Cmp::Gte),
            "base64" | "base64offset" | "utf16le" | "utf16be" | "utf16" | "wide" | "windash" => {
                m.transforms.push(x.to_string())
            }
            "expand" => return Err("modifier 'expand' (placeholders) is not supported".into()),
            other => return Err(format!("unknown modifier '{other}'")),
        }
    }
    let kinds = [
        m.re,
        m.cidr,
        m.exists,
        m.fieldref && m.mode.is_none(),
        m.cmp.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return Err(format!("modifiers '{}' cannot be combined", mods.join("|")));
    }
    if (m.re || m.cidr || m.exists || m.cmp.is_some())
        && (!m.transforms.is_empty() || m.mode.is_some())
    {
        return Err(format!("modifiers '{}' cannot be combined", mods.join("|")));
    }
    if m.fieldref && !m.transforms.is_empty() {
        return Err("fieldref with encoding modifiers is not supported".into());
    }
    Ok(m)
}

/// A YAML scalar as the string Sigma compares (numbers and booleans in their YAML form).
pub(crate) fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Most expansions one value may produce (windash over many dashes grows as 5^n).
const MAX_EXPANSIONS: usize = 1024;

/// Compile one YAML value under these modifiers: the variants (OR) it stands for.
pub(crate) fn compile_value(y: &Yaml, m: &Mods) -> Result<Vec<Matcher>, String> {
    if matches!(y, Yaml::Null) {
        if m.re || m.cidr || m.exists || m.cmp.is_some() || m.fieldref {
            return Err("null value with a modifier".into());
        }
        return Ok(vec![Matcher::Null]);
    }
    let s = scalar(y).ok_or_else(|| "a field value that is not a scalar".to_string())?;
    if m.exists {
        return match y {
            Yaml::Boolean(b) => Ok(vec![Matcher::Exists(*b)]),
            _ => match s.as_str() {
                "true" => Ok(vec![Matcher::Exists(true)]),
                "false" => Ok(vec![Matcher::Exists(false)]),
                _ => Err(format!("exists needs true or false, not '{s}'")),
            },
        };
    }
    if m.re {
        let (i, ml, sl) = m.re_flags;
        let re = regex::RegexBuilder::new(&s)
            .case_insensitive(i)
            .multi_line(ml)
            .dot_matches_new_line(sl)
            .size_limit(1 << 23)
            .dfa_size_limit(1 << 22)
            .build()
            .map_err(|e| {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                format!("regex does not compile: {first}")
            })?;
        return Ok(vec![Matcher::Regex(re)]);
    }
    if m.cidr {
        return Ok(vec![Matcher::Cidr(vec![parse_net(&s)?])]);
    }
    if let Some(c) = m.cmp {
        let n = number(&s).ok_or_else(|| format!("'{s}' is not a number"))?;
        return Ok(vec![Matcher::Num(c, n)]);
    }
    if m.fieldref {
        return Ok(vec![Matcher::FieldRef {
            field: s,
            mode: m.mode.unwrap_or(Mode::Equals),
            cased: m.cased,
        }]);
    }
    let variants = transform(&s, &m.transforms)?;
    let lower = !m.cased;
    Ok(variants
        .into_iter()
        .map(|mut toks| {
            match m.mode {
                Some(Mode::Contains) => {
                    toks.insert(0, Tok::Star);
                    toks.push(Tok::Star);
                }
                Some(Mode::Starts) => toks.push(Tok::Star),
                Some(Mode::Ends) => toks.insert(0, Tok::Star),
                _ => {}
            }
            Matcher::Glob {
                pat: Pattern::new(&toks, lower),
                cased: m.cased,
            }
        })
        .collect())
}

/// Apply the encoding modifiers left to right: each variant is a token list (wildcards kept
/// where no byte encoding is involved).
fn transform(s: &str, transforms: &[String]) -> Result<Vec<Vec<Tok>>, String> {
    enum V {
        Toks(Vec<Tok>),
        Bytes(Vec<u8>),
    }
    let mut vals = vec![V::Toks(tokens(s))];
    let to_text = |toks: &[Tok], what: &str| -> Result<String, String> {
        toks.iter()
            .map(|t| match t {
                Tok::Lit(c) => Ok(*c),
                _ => Err(format!("wildcards in a value with '{what}'")),
            })
            .collect()
    };
    for t in transforms {
        let mut next = Vec::new();
        for v in vals {
            match t.as_str() {
                "windash" => match v {
                    V::Toks(toks) => next.extend(windash(&toks)?.into_iter().map(V::Toks)),
                    V::Bytes(_) => return Err("windash after an encoding".into()),
                },
                "utf16le" | "wide" | "utf16be" | "utf16" => {
                    let text = match v {
                        V::Toks(toks) => to_text(&toks, t)?,
                        V::Bytes(_) => return Err(format!("'{t}' after an encoding")),
                    };
                    let mut b = Vec::new();
                    if t == "utf16" {
                        b.extend_from_slice(&[0xff, 0xfe]);
                    }
                    for u in text.encode_utf16() {
                        if t == "utf16be" {
                            b.extend_from_slice(&u.to_be_bytes());
                        } else {
                            b.extend_from_slice(&u.to_le_bytes());
                        }
                    }
                    next.push(V::Bytes(b));
                }
                "base64" | "base64offset" => {
                    let bytes = match v {
                        V::Toks(toks) => to_text(&toks, t)?.into_bytes(),
                        V::Bytes(b) => b,
                    };
                    if t == "base64" {
                        next.push(V::Toks(literal_tokens(&B64.encode(&bytes))));
                    } else {
                        for enc in base64_offsets(&bytes) {
                            next.push(V::Toks(literal_tokens(&enc)));
                        }
                    }
                }
                other => return Err(format!("unknown modifier '{other}'")),
            }
        }
        vals = next;
        if vals.len() > MAX_EXPANSIONS {
            return Err("modifiers expand a value into too many variants".into());
        }
    }
    vals.into_iter()
        .map(|v| match v {
            V::Toks(t) => Ok(t),
            V::Bytes(_) => Err("utf16 modifier without base64 (binary value)".into()),
        })
        .collect()
}

/// The three base64 spellings of `b` at each byte offset inside a longer encoded text,
/// trimmed to the characters that do not depend on the neighbouring bytes.
pub(crate) fn base64_offsets(b: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    let mut out = Vec::new();
    for i in 0..3 {
        let mut padded = vec![b' '; i];
        padded.extend_from_slice(b);
        let enc = B64.encode(&padded);
        let end_trim = match (b.len() + i) % 3 {
            0 => 0,
            1 => 3,
            _ => 2,
        };
        let end = enc.len().saturating_sub(end_trim);
        if START[i] < end {
            out.push(enc[START[i]..end].to_string());
        }
    }
    out
}

/// The dash characters `windash` tries for a command-line switch.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

fn is_word(t: Option<&Tok>) -> bool {
    matches!(t, Some(Tok::Lit(c)) if c.is_alphanumeric() || *c == '_')
}

/// Every spelling of the value where a switch dash (a `-` or `/` after a non-word character
/// or at the start, before a word character) is any of [`DASHES`].
fn windash(toks: &[Tok]) -> Result<Vec<Vec<Tok>>, String> {
    let spots: Vec<usize> = (0..toks.len())
        .filter(|&i| {
            matches!(toks[i], Tok::Lit('-') | Tok::Lit('/'))
                && (i == 0 || !is_word(toks.get(i - 1)))
                && is_word(toks.get(i + 1))
        })
        .collect();
    let total = DASHES
        .len()
        .checked_pow(spots.len() as u32)
        .unwrap_or(usize::MAX);
    if total > MAX_EXPANSIONS {
        return Err("windash expands a value into too many variants".into());
    }
    let mut out = Vec::with_capacity(total);
    for mut n in 0..total {
        let mut v = toks.to_vec();
        for &i in &spots {
            v[i] = Tok::Lit(DASHES[n % DASHES.len()]);
            n /= DASHES.len();
        }
        out.push(v);
    }
    Ok(out)
}
