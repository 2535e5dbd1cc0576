//! Search identifiers (`selection:`, `filter_main:`, `keywords:`) compiled from YAML, and their
//! evaluation over one event with a per-event cache of lowercased field values.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::net::IpAddr;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use yaml_rust2::Yaml;

use super::mapping::{self, Accessor, CompiledSource};
use super::value::{self, Cmp, Matcher, Mode, Mods};
use crate::event::Event;

/// A field's value, raw and lowercased (compared with the lowercased patterns); borrowed
/// from the event where it can be (most values are stored as is). The lowercase copy is made
/// the first time a rule compares it: the prefilter lowercases ASCII values into a buffer of
/// its own, and most values it reads decide no candidate, so most are never copied at all.
#[derive(Debug)]
pub(crate) struct FieldVal<'e> {
    pub raw: Cow<'e, str>,
    /// `None`: the raw value is already lowercase.
    lower: OnceCell<Option<String>>,
}

impl<'e> FieldVal<'e> {
    pub(crate) fn new(raw: Cow<'e, str>) -> Self {
        FieldVal {
            raw,
            lower: OnceCell::new(),
        }
    }

    /// The value lowercased (Unicode), as the uncased patterns compare it.
    pub(crate) fn lower(&self) -> &str {
        self.lower
            .get_or_init(|| (!is_lowercase(&self.raw)).then(|| self.raw.to_lowercase()))
            .as_deref()
            .unwrap_or(&self.raw)
    }
}

/// A hash under which names equal ignoring ASCII case hash alike, eight bytes at a time
/// (every event's names are hashed once, so this is on the hot path). Setting bit 5 of every
/// byte folds the ASCII letters' case; what else it folds together is told apart by the
/// comparison after it.
fn fold_hash(s: &str) -> u64 {
    let mut chunks = s.as_bytes().chunks_exact(8);
    let mut h = s.len() as u64;
    let mut mix = |w: u64| {
        h = (h.rotate_left(5) ^ (w | 0x2020_2020_2020_2020)).wrapping_mul(0x517c_c1b7_2722_0a95);
    };
    for c in &mut chunks {
        mix(u64::from_le_bytes(c.try_into().expect("eight bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        mix(u64::from_le_bytes(buf));
    }
    h
}

/// Plain lowercase ASCII, which lowercasing leaves as it is.
fn is_lowercase(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// What one event's evaluation computes once and every rule shares: field values by
/// accessor, lowercased, and the keyword haystacks.
pub struct EvalCache<'e> {
    pub(crate) event: &'e Event,
    /// Fx, not SipHash: thousands of rules look fields up on every event, and the keys are
    /// the rules' own field names, not attacker-chosen.
    fields: RefCell<FxHashMap<Accessor, Option<Rc<FieldVal<'e>>>>>,
    keywords: OnceCell<Vec<FieldVal<'e>>>,
    /// EventData names by a hash of their ASCII-lowercased bytes, in the map's order within
    /// one hash (so the first match is what a case-insensitive scan finds first): the
    /// prefilter asks for many names an event does not have, and a scan per miss cost more
    /// than the search itself. No string is copied.
    folded: OnceCell<Vec<(u64, &'e str, &'e str)>>,
}

impl<'e> EvalCache<'e> {
    pub fn new(event: &'e Event) -> Self {
        EvalCache {
            event,
            fields: RefCell::new(FxHashMap::with_capacity_and_hasher(64, Default::default())),
            keywords: OnceCell::new(),
            folded: OnceCell::new(),
        }
    }

    fn folded(&self, name: &str) -> Option<&'e str> {
        let event = self.event;
        let index = self.folded.get_or_init(|| {
            let mut v: Vec<(u64, &str, &str)> = event
                .data
                .iter()
                .map(|(k, v)| (fold_hash(k), k.as_str(), v.as_str()))
                .collect();
            // Stable: equal hashes keep the map's order.
            v.sort_by_key(|e| e.0);
            v
        });
        let h = fold_hash(name);
        let from = index.partition_point(|e| e.0 < h);
        let run = index[from..].iter().take_while(|e| e.0 == h);
        // The exact name wins; else the first equal ignoring case, in the map's order.
        let mut first = None;
        for e in run {
            if e.1 == name {
                return Some(e.2);
            }
            if first.is_none() && e.1.eq_ignore_ascii_case(name) {
                first = Some(e.2);
            }
        }
        first
    }

    pub(crate) fn field(&self, a: &Accessor) -> Option<Rc<FieldVal<'e>>> {
        if let Some(v) = self.fields.borrow().get(a) {
            return v.clone();
        }
        let v = a
            .get_with(self.event, &|n| self.folded(n))
            .map(|raw| Rc::new(FieldVal::new(raw)));
        self.fields.borrow_mut().insert(a.clone(), v.clone());
        v
    }

    pub(crate) fn keywords(&self) -> &[FieldVal<'e>] {
        self.keywords.get_or_init(|| {
            mapping::keyword_haystacks(self.event)
                .into_iter()
                .map(|s| FieldVal::new(Cow::Borrowed(s)))
                .collect()
        })
    }
}

/// Where a condition reads: a field (its accessor for each of the rule's sources), or the
/// keyword haystacks.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Target {
    /// Accessors indexed by the source the event matched (one entry when the rule has none).
    Field {
        name: String,
        per_source: Vec<Accessor>,
    },
    Keywords,
}

/// One `field|mods: values` entry.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FieldCond {
    pub target: Target,
    /// One group per YAML value; a group's variants (windash, base64offset) are ORed.
    pub groups: Vec<Vec<Matcher>>,
    /// `|all`: every group must match (else any).
    pub all: bool,
    /// fieldref targets resolved per source, parallel to `per_source`.
    pub refs: Vec<Vec<Accessor>>,
}

/// A search identifier's body.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Search {
    /// A map: every entry holds.
    And(Vec<FieldCond>),
    /// A list of maps (or of keywords): any holds.
    Or(Vec<Search>),
    Cond(FieldCond),
}

/// Compile a search identifier's YAML.
pub(crate) fn compile_search(y: &Yaml, sources: &[CompiledSource]) -> Result<Search, String> {
    match y {
        Yaml::Hash(h) => {
            let mut conds = Vec::new();
            for (k, v) in h {
                let k = value::scalar(k).ok_or("a detection key that is not a string")?;
                conds.push(compile_field(&k, v, sources)?);
            }
            if conds.is_empty() {
                return Err("an empty search identifier".into());
            }
            Ok(Search::And(conds))
        }
        Yaml::Array(items) => {
            if items.is_empty() {
                return Err("an empty search identifier".into());
            }
            // Plain values: one keyword condition over them all (any of them).
            if items.iter().all(|i| value::scalar(i).is_some()) {
                return Ok(Search::Cond(compile_field("", y, sources)?));
            }
            let mut alts = Vec::new();
            for i in items {
                alts.push(match i {
                    Yaml::Hash(_) => compile_search(i, sources)?,
                    other if value::scalar(other).is_some() => {
                        Search::Cond(compile_field("", other, sources)?)
                    }
                    _ => return Err("a list item that is neither a map nor a value".into()),
                });
            }
            Ok(Search::Or(alts))
        }
        other if value::scalar(other).is_some() => {
            Ok(Search::Cond(compile_field("", other, sources)?))
        }
        Yaml::Null => Err("an empty search identifier".into()),
        _ => Err("a search identifier that is not a map or list".into()),
    }
}

fn compile_field(key: &str, v: &Yaml, sources: &[CompiledSource]) -> Result<FieldCond, String> {
    let mut parts = key.split('|');
    let name = parts.next().unwrap_or("").to_string();
    let mods: Vec<&str> = parts.collect();
    let mut m: Mods = value::parse_mods(&mods)?;
    let keyword = name.is_empty();
    if keyword && m.mode.is_none() && !m.re && m.transforms.is_empty() {
        // A keyword is found anywhere in a value (a full-text search), not compared whole.
        m.mode = Some(Mode::Contains);
    }
    if keyword && (m.exists || m.fieldref || m.cmp.is_some() || m.cidr) {
        return Err("keyword search with a field modifier".into());
    }
    let values: Vec<&Yaml> = match v {
        Yaml::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    if values.is_empty() {
        return Err(format!("field '{name}' has an empty value list"));
    }
    let mut groups = Vec::new();
    for y in values {
        if keyword && matches!(y, Yaml::Null) {
            return Err("a null keyword".into());
        }
        groups.push(value::compile_value(y, &m)?);
    }
    let resolve = |n: &str| -> Vec<Accessor> {
        if sources.is_empty() {
            vec![mapping::accessor(n, None)]
        } else {
            sources
                .iter()
                .map(|s| mapping::accessor(n, s.rename))
                .collect()
        }
    };
    let refs = groups
        .iter()
        .flatten()
        .filter_map(|mt| match mt {
            Matcher::FieldRef { field, .. } => Some(resolve(field)),
            _ => None,
        })
        .collect();
    let target = if keyword {
        Target::Keywords
    } else {
        Target::Field {
            per_source: resolve(&name),
            name,
        }
    };
    Ok(FieldCond {
        target,
        groups,
        all: m.all,
        refs,
    })
}

impl Search {
    pub fn eval(&self, c: &EvalCache, src: usize) -> bool {
        match self {
            Search::And(v) => v.iter().all(|f| f.eval(c, src)),
            Search::Or(v) => v.iter().any(|s| s.eval(c, src)),
            Search::Cond(f) => f.eval(c, src),
        }
    }

    /// The Sigma field names read (for display).
    pub fn fields(&self, out: &mut Vec<String>) {
        match self {
            Search::And(v) => v.iter().for_each(|f| f.fields(out)),
            Search::Or(v) => v.iter().for_each(|s| s.fields(out)),
            Search::Cond(f) => f.fields(out),
        }
    }
}

impl FieldCond {
    fn fields(&self, out: &mut Vec<String>) {
        if let Target::Field { name, .. } = &self.target {
            out.push(name.clone());
        }
        for m in self.groups.iter().flatten() {
            if let Matcher::FieldRef { field, .. } = m {
                out.push(field.clone());
            }
        }
    }

    fn eval(&self, c: &EvalCache, src: usize) -> bool {
        match &self.target {
            Target::Keywords => {
                let hay = c.keywords();
                let one = |g: &Vec<Matcher>| {
                    hay.iter()
                        .any(|v| g.iter().any(|m| match_present(m, v, c, src, &[])))
                };
                if self.all {
                    self.groups.iter().all(one)
                } else {
                    self.groups.iter().any(one)
                }
            }
            Target::Field { per_source, .. } => {
                let acc = &per_source[src.min(per_source.len() - 1)];
                let val = c.field(acc);
                let mut ref_i = 0usize;
                let mut one = |g: &Vec<Matcher>| {
                    let mut hit = false;
                    for m in g {
                        let r = match m {
                            Matcher::FieldRef { .. } => {
                                let refs = &self.refs[ref_i];
                                ref_i += 1;
                                std::slice::from_ref(&refs[src.min(refs.len() - 1)])
                            }
                            _ => &[][..],
                        };
                        hit |= match &val {
                            Some(v) => match_present(m, v, c, src, r),
                            None => match_missing(m),
                        };
                    }
                    hit
                };
                if self.all {
                    self.groups.iter().all(&mut one)
                } else {
                    // Not short-circuited by `any` so the fieldref counter stays in step.
                    self.groups.iter().fold(false, |acc, g| one(g) | acc)
                }
            }
        }
    }
}

/// A missing field matches `null`, `exists: false` and an empty-string value (ingest does
/// not store empty values, so "empty" and "missing" are one state).
fn match_missing(m: &Matcher) -> bool {
    match m {
        Matcher::Null | Matcher::Exists(false) => true,
        Matcher::Glob {
            pat: value::Pattern::Exact(p),
            ..
        } => p.is_empty(),
        _ => false,
    }
}

fn match_present(
    m: &Matcher,
    val: &FieldVal,
    c: &EvalCache,
    _src: usize,
    refs: &[Accessor],
) -> bool {
    let raw = &*val.raw;
    match m {
        Matcher::Glob { pat, cased } => pat.is_match(if *cased { raw } else { val.lower() }),
        Matcher::Regex(re) => re.is_match(raw),
        Matcher::Cidr(nets) => match raw.trim().trim_matches(['[', ']']).parse::<IpAddr>() {
            Ok(ip) => nets.iter().any(|n| n.contains(ip)),
            Err(_) => false,
        },
        Matcher::Num(cmp, n) => match value::number(raw) {
            Some(v) => match cmp {
                Cmp::Lt => v < *n,
                Cmp::Lte => v <= *n,
                Cmp::Gt => v > *n,
                Cmp::Gte => v >= *n,
            },
            None => false,
        },
        Matcher::Exists(b) => *b,
        Matcher::Null => false,
        Matcher::FieldRef { mode, cased, .. } => {
            let Some(other) = refs.first().and_then(|a| c.field(a)) else {
                return false;
            };
            let (v, o) = if *cased {
                (raw, &*other.raw)
            } else {
                (val.lower(), other.lower())
            };
            match mode {
                Mode::Equals => v == o,
                Mode::Contains => v.contains(o),
                Mode::Starts => v.starts_with(o),
                Mode::Ends => v.ends_with(o),
            }
        }
    }
}
