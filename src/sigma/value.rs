//! A field's values and modifiers (`Image|endswith`, `CommandLine|contains|all|windash`)
//! compiled into matchers.
//!
//! Default semantics (Sigma specification v2): case-insensitive whole-value equality with the
//! wildcards `*` (any run) and `?` (one character); `\*`, `\?` and `\\` are a literal `*`,
//! `?` and `\`, and a backslash before anything else is itself. Patterns are lowercased once
//! here, and compared with the event value lowercased once per event (the evaluation cache).

use std::net::IpAddr;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "PatternRepr", into = "PatternRepr")]
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

/// A pattern as the rule-set cache keeps it: the substring searcher is rebuilt from its
/// needle when read back.
#[derive(Serialize, Deserialize)]
enum PatternRepr {
    Exact(String),
    Contains(String),
    Starts(String),
    Ends(String),
    Any,
    Glob(Vec<Seg>),
}

impl From<Pattern> for PatternRepr {
    fn from(p: Pattern) -> PatternRepr {
        match p {
            Pattern::Exact(s) => PatternRepr::Exact(s),
            // The needle is the lowercased literal the pattern was built from: UTF-8.
            Pattern::Contains(f) => {
                PatternRepr::Contains(String::from_utf8_lossy(f.needle()).into_owned())
            }
            Pattern::Starts(s) => PatternRepr::Starts(s),
            Pattern::Ends(s) => PatternRepr::Ends(s),
            Pattern::Any => PatternRepr::Any,
            Pattern::Glob(g) => PatternRepr::Glob(g),
        }
    }
}

impl From<PatternRepr> for Pattern {
    fn from(p: PatternRepr) -> Pattern {
        match p {
            PatternRepr::Exact(s) => Pattern::Exact(s),
            PatternRepr::Contains(s) => Pattern::Contains(Box::new(
                memchr::memmem::Finder::new(s.as_bytes()).into_owned(),
            )),
            PatternRepr::Starts(s) => Pattern::Starts(s),
            PatternRepr::Ends(s) => Pattern::Ends(s),
            PatternRepr::Any => Pattern::Any,
            PatternRepr::Glob(g) => Pattern::Glob(g),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
///
/// A `*` followed by a literal jumps to the literal's next occurrence (a SIMD substring
/// search) instead of trying every position: `contains` values with a wildcard inside
/// (`SystemParametersInfo(20,0,*,3)`) are globs over whole script blocks, and a compare at
/// each of a thousand positions cost more than the rest of the rule. The positions skipped
/// are exactly those where the literal does not start, where the plain walk fails at once.
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
                    if let Some(Seg::Lit(l)) = segs.get(si + 1) {
                        // A match of a UTF-8 literal starts on a character boundary.
                        match memchr::memmem::find(&v.as_bytes()[vi..], l.as_bytes()) {
                            Some(k) => vi += k,
                            None => return false,
                        }
                    }
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
        // Mismatch: let the last star eat one more character (and jump again from there).
        match star {
            Some((ssi, svi)) if svi < v.len() => {
                let n = v[svi..].chars().next().map_or(1, char::len_utf8);
                si = ssi;
                vi = svi + n;
            }
            _ => return false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Mode {
    Equals,
    Contains,
    Starts,
    Ends,
}

/// One compiled value. `Glob` compares against the lowercased value unless `cased`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Matcher {
    Glob {
        pat: Pattern,
        cased: bool,
    },
    Regex(Re),
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

/// A `re` value, with what it is compiled from. Parsing compiles it (a pattern the regex
/// crate refuses makes the rule unsupported, with the reason). The rule-set cache keeps only
/// the source and flags, and a set read back compiles each pattern when it is first tested:
/// of the public rule set's patterns most belong to rules whose log source or literals an
/// ingest never meets, and compiling them all took about 30 ms of every command's start
/// (BENCHMARKS.md, "Sigma at ingest, fifth pass").
#[derive(Clone, Serialize, Deserialize)]
#[serde(from = "ReRepr", into = "ReRepr")]
pub(crate) struct Re {
    src: String,
    /// `i`, `m`, `s`.
    flags: (bool, bool, bool),
    /// Empty until first needed when read back from the cache. `None` only if the pattern
    /// that compiled when parsed no longer does, which takes another build of the regex
    /// crate under the same huntbench version (the cache key holds huntbench's version, not
    /// its dependencies'): it then matches nothing.
    re: OnceLock<Option<regex::Regex>>,
}

#[derive(Serialize, Deserialize)]
struct ReRepr {
    src: String,
    flags: (bool, bool, bool),
}

impl Re {
    fn new(src: String, flags: (bool, bool, bool)) -> Result<Re, regex::Error> {
        let re = Self::compile(&src, flags)?;
        Ok(Re {
            src,
            flags,
            re: OnceLock::from(Some(re)),
        })
    }

    fn compile(src: &str, (i, m, s): (bool, bool, bool)) -> Result<regex::Regex, regex::Error> {
        regex::RegexBuilder::new(src)
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .size_limit(1 << 23)
            .dfa_size_limit(1 << 22)
            .build()
    }

    pub fn is_match(&self, v: &str) -> bool {
        self.re
            .get_or_init(|| Self::compile(&self.src, self.flags).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(v))
    }
}

/// What the pattern is, not whether it has been compiled yet: a set read back from the cache
/// prints as the set it was parsed as.
impl std::fmt::Debug for Re {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Re")
            .field("src", &self.src)
            .field("flags", &self.flags)
            .finish()
    }
}

impl From<Re> for ReRepr {
    fn from(r: Re) -> ReRepr {
        ReRepr {
            src: r.src,
            flags: r.flags,
        }
    }
}

impl From<ReRepr> for Re {
    fn from(r: ReRepr) -> Re {
        Re {
            src: r.src,
            flags: r.flags,
            re: OnceLock::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
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
        let re = Re::new(s, (i, ml, sl)).map_err(|e| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regex_read_back_compiles_when_first_tested_and_matches_as_parsed() {
        let parsed = Re::new(r"invoke-(web|rest)\w+".into(), (true, false, false)).unwrap();
        assert!(
            parsed.re.get().is_some(),
            "parsing compiles (and so validates) it"
        );
        let bytes = postcard::to_allocvec(&parsed).unwrap();
        let back: Re = postcard::from_bytes(&bytes).unwrap();
        assert!(
            back.re.get().is_none(),
            "read back, nothing is compiled yet"
        );
        assert_eq!(format!("{back:?}"), format!("{parsed:?}"));
        // Tested from several threads at once, as the ingest workers share a rule set.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    assert!(back.is_match("x INVOKE-WebRequest y"));
                    assert!(!back.is_match("invoke-web "));
                });
            }
        });
        assert!(back.re.get().is_some_and(|r| r.is_some()));
    }

    /// The walk `glob` replaced, one position at a time: the reference it is tested against.
    fn glob_stepwise(segs: &[Seg], v: &str) -> bool {
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

    /// Segments as `Pattern::new` builds them: `*` (runs of it as one), `?`, literal runs.
    fn segs_of(p: &str) -> Vec<Seg> {
        let mut segs = Vec::new();
        for c in p.chars() {
            match c {
                '*' if segs.last() == Some(&Seg::Star) => {}
                '*' => segs.push(Seg::Star),
                '?' => segs.push(Seg::One),
                c => match segs.last_mut() {
                    Some(Seg::Lit(l)) => l.push(c),
                    _ => segs.push(Seg::Lit(c.to_string())),
                },
            }
        }
        segs
    }

    /// Every string of up to `max` symbols of `alphabet`.
    fn strings(alphabet: &[char], max: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..max {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    #[test]
    fn the_jumping_glob_agrees_with_the_stepwise_walk_on_every_small_case() {
        // Every pattern of up to four symbols (a multibyte letter among them) against every
        // value of up to five: the jump must neither skip a match nor invent one.
        let patterns = strings(&['a', 'b', 'ü', '*', '?'], 4);
        let values = strings(&['a', 'b', 'ü', 'x'], 5);
        let mut matched = 0;
        for p in &patterns {
            let segs = segs_of(p);
            for v in &values {
                let want = glob_stepwise(&segs, v);
                assert_eq!(glob(&segs, v), want, "pattern {p:?} value {v:?}");
                matched += usize::from(want);
            }
        }
        // Both answers occur in bulk (the comparison is not all one way).
        assert!(matched > 10_000 && matched < patterns.len() * values.len() / 2);
    }

    #[test]
    fn a_wildcard_inside_a_contains_value_finds_its_parts_in_a_long_text() {
        let pat = Pattern::new(&tokens("*systemparametersinfo(20,0,*,3)*"), true);
        assert!(matches!(pat, Pattern::Glob(_)));
        let filler = "$x = get-item 'hkcu:\\\\control panel\\\\desktop'; ".repeat(40);
        let hit = format!("{filler}[w]::systemparametersinfo(20,0,$path,3){filler}");
        assert!(pat.is_match(&hit));
        // The first part occurs, the last only before it: no match.
        let order = format!(",3) {filler} systemparametersinfo(20,0,$path");
        assert!(!pat.is_match(&order));
        assert!(!pat.is_match(&filler));
    }
}
