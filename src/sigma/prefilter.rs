//! A literal prefilter across rules: which rules can an event match at all?
//!
//! Thousands of rules asked about every event made ingest with the rule set sixteen times
//! slower than without it. Nearly every rule needs some literal text in some field
//! (`Image|endswith: '\rundll32.exe'` cannot match a value without `\rundll32.exe` in it), so
//! each rule is reduced to what it *needs*: a few clauses, each a set of (field, literal)
//! atoms of which at least one must occur. One Aho-Corasick automaton per field finds every
//! needed literal of every rule in one pass over the event's value, and only the rules whose
//! clauses all have a hit are evaluated in full.
//!
//! Exactness: the automata read the very strings the evaluator compares (the lowercased
//! values, through the same accessors), and an atom is derived only from a case-insensitive
//! wildcard pattern whose literal part any match must contain. Anything else (regex, cidr,
//! numbers, `exists`, `null`, fieldref, cased values, `not`) needs nothing, so a rule built
//! only of those is always evaluated. A short value's atoms are remembered by the value's
//! exact text, so a repeat finds what a scan would. The prefilter can only skip a rule that
//! could not have matched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind, packed};
use rustc_hash::FxHashMap;

use super::Rule;
use super::condition::Cond;
use super::detection::{EvalCache, FieldCond, FieldVal, Search, Target};
use super::mapping::Accessor;
use super::value::{Matcher, Pattern, Seg};

/// Where an atom's literal is looked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Place {
    Field(Accessor),
    /// Any keyword haystack (a keyword search).
    Keywords,
}

type Atom = (Place, String);
/// At least one of these atoms occurs whenever the rule matches.
type Clause = Vec<Atom>;

/// A rule keeps at most this many clauses (a bit each in the per-event mask).
const MAX_CLAUSES: usize = 4;

/// Field values up to this long are remembered with the atoms found in them: logs repeat
/// most values (the same `Image`, `ParentImage`, `LogonProcessName` on thousands of events),
/// and a hash lookup costs less than the automaton. Longer values (script blocks, most
/// command lines of interest) rarely repeat and are scanned every time.
const MEMO_MAX_LEN: usize = 256;
/// A scan of this few literals is a small DFA, which reads a short value about as fast as a
/// lookup would find it (and unique values, IDs and times, would only churn the memo).
const MEMO_MIN_PATTERNS: usize = 32;
/// Remembered values per thread before the memo starts afresh (memory stays bounded,
/// a few MB, whatever the input).
const MEMO_CAP: usize = 1 << 16;

/// Ends each keyword haystack when a keyword scan reads them all as one text. No pattern of
/// such a scan contains it, so no match can span two haystacks.
const SEP: u8 = 0;

/// A haystack this long is first asked whether any literal occurs at all, by `Scan::any`.
const ANY_MIN_LEN: usize = 64;

/// Tells scans apart in the per-thread memo, which outlives any one prefilter.
static SCAN_UID: AtomicU64 = AtomicU64::new(0);

/// The searchers over one set of literals, shared by every prefilter that needs exactly
/// that set (see [`Automata`]).
#[derive(Debug)]
struct Searchers {
    /// Every literal, in the sorted order the scan's `atom` follows.
    ac: AhoCorasick,
    /// The same literals in a SIMD searcher (Teddy, for up to a few dozen literals), when the
    /// CPU has one: it tells whether any literal occurs several times faster than the
    /// automaton reads the text (10 against 53 ms for the 34 MB of keyword haystacks in
    /// 100,000 generated events), and nearly all long texts hold none of a small set.
    any: Option<packed::Searcher>,
}

/// Searchers already built, by their sorted literals. Sysmon 1 and Security 4688 ask the
/// same rules about the same command lines, images and hashes, so their prefilters need the
/// same literal sets; the largest (8,000 command-line literals) took longer to build than
/// the rest of its bucket. One per [`crate::analytics::MatchSet`], shared by its threads.
#[derive(Debug, Default)]
pub struct Automata(Mutex<FxHashMap<Vec<String>, Arc<Searchers>>>);

impl Automata {
    /// The searchers over `lits` (sorted, without repeats), built on first need; `None` when
    /// the automaton is past the crate's size limits.
    fn get(&self, lits: Vec<String>) -> Option<Arc<Searchers>> {
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = lock().get(&lits) {
            return Some(Arc::clone(s));
        }
        // Overlapping search needs the standard match kind; a DFA where it is small enough,
        // as the builder decides.
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(None::<AhoCorasickKind>)
            .build(&lits)
            .ok()?;
        let any = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&lits)
            .build();
        let built = Arc::new(Searchers { ac, any });
        // Built outside the lock: another thread may have built the same set meanwhile, and
        // either copy answers alike.
        Some(Arc::clone(lock().entry(lits).or_insert(built)))
    }
}

/// One field's automaton over the literals rules need in it.
#[derive(Debug)]
struct Scan {
    place: Place,
    searchers: Arc<Searchers>,
    /// Atom id of each automaton pattern.
    atom: Vec<u32>,
    /// Tells this scan's entries apart in the per-thread memo.
    uid: u64,
    /// Whether short values are remembered (more than `MEMO_MIN_PATTERNS` literals).
    remember: bool,
    /// A keyword scan that reads all of an event's haystacks in one pass (see `SEP`): an
    /// event has a dozen or more of them, mostly short, and one small automaton run per
    /// haystack cost more in calls than in bytes.
    joined: bool,
}

impl Scan {
    /// Runs the automaton over `hay`, unless the SIMD searcher finds that no literal occurs
    /// in it (its leftmost-first search finds a match wherever any literal occurs, so "none"
    /// is exact).
    fn scan(&self, hay: &[u8], found: &mut Vec<u32>) {
        if hay.len() >= ANY_MIN_LEN
            && let Some(any) = &self.searchers.any
            && any.find(hay).is_none()
        {
            return;
        }
        for m in self.searchers.ac.find_overlapping_iter(hay) {
            found.push(self.atom[m.pattern().as_usize()]);
        }
    }

    /// The atoms whose literal occurs in the lowercased value, into `found`.
    ///
    /// An ASCII value is lowercased into `buf`, reused from event to event, rather than into
    /// the value's own lowercase copy: for ASCII the two are the same text, and most values
    /// the prefilter reads are never compared by a rule, so most are never copied. (An
    /// automaton that folds ASCII case itself would need no copy at all, but takes several
    /// times longer to build, once per event code the logs hold.)
    fn find(&self, v: &FieldVal, found: &mut Vec<u32>, buf: &mut Vec<u8>) {
        let raw = v.raw.as_bytes();
        let hay: &[u8] = if !raw.is_ascii() {
            v.lower().as_bytes()
        } else if raw.iter().any(u8::is_ascii_uppercase) {
            buf.clear();
            buf.extend(raw.iter().map(u8::to_ascii_lowercase));
            buf
        } else {
            raw
        };
        self.scan(hay, found);
    }

    /// The atoms found in any of the haystacks, into `found` (cleared first): the haystacks
    /// lowercased as `find` lowercases them, each followed by `SEP`, in one pass.
    fn find_joined(&self, vals: &[FieldVal], s: &mut Lookup) {
        let Lookup { found, buf, .. } = s;
        found.clear();
        buf.clear();
        for v in vals {
            let raw = v.raw.as_bytes();
            if raw.is_ascii() {
                buf.extend(raw.iter().map(u8::to_ascii_lowercase));
            } else {
                buf.extend_from_slice(v.lower().as_bytes());
            }
            buf.push(SEP);
        }
        self.scan(buf, found);
    }

    /// As `find` (into `found`, cleared first), through the memo for short values.
    fn find_memo(&self, v: &FieldVal, s: &mut Lookup) {
        let Lookup { memo, found, buf } = s;
        found.clear();
        if !self.remember || v.raw.len() > MEMO_MAX_LEN {
            self.find(v, found, buf);
            return;
        }
        if let Some(atoms) = memo.get(self.uid, &v.raw) {
            found.extend_from_slice(atoms);
            return;
        }
        self.find(v, found, buf);
        found.sort_unstable();
        found.dedup();
        memo.put(self.uid, &v.raw, found);
    }
}

/// The prefilter over a list of rules (positions into that list).
#[derive(Debug)]
pub struct Prefilter {
    scans: Vec<Scan>,
    /// For each atom: the (rule, clause bit) it satisfies.
    satisfies: Vec<Vec<(u32, u8)>>,
    /// For each rule: the mask of all its clause bits (0: needs nothing, always evaluated).
    full: Vec<u8>,
    /// Rules that need nothing (always candidates), ascending.
    always: Vec<u32>,
    /// Atoms every event of this prefilter has, settled when it was built (see `new`).
    preset: Vec<u32>,
}

/// Reusable per-event scratch (one per thread), and the memo of values already scanned.
#[derive(Debug, Default)]
pub struct Scratch {
    marks: Marks,
    lookup: Lookup,
}

/// What finding the atoms in one value reuses.
#[derive(Debug, Default)]
struct Lookup {
    memo: Memo,
    /// The atoms found in the value at hand.
    found: Vec<u32>,
    /// An ASCII value, lowercased.
    buf: Vec<u8>,
}

/// Which clauses of which rules this event satisfies so far.
#[derive(Debug, Default)]
struct Marks {
    mask: Vec<u8>,
    touched: Vec<u32>,
    seen: Vec<bool>,
    seen_list: Vec<u32>,
}

impl Marks {
    fn apply(&mut self, satisfies: &[Vec<(u32, u8)>], atoms: &[u32]) {
        for &atom in atoms {
            if std::mem::replace(&mut self.seen[atom as usize], true) {
                continue;
            }
            self.seen_list.push(atom);
            for &(rule, bit) in &satisfies[atom as usize] {
                let m = &mut self.mask[rule as usize];
                if *m == 0 {
                    self.touched.push(rule);
                }
                *m |= 1 << bit;
            }
        }
    }
}

/// Short values already scanned, with the atoms found in them, by scan.
#[derive(Debug, Default)]
struct Memo {
    by_scan: FxHashMap<u64, FxHashMap<Box<str>, Box<[u32]>>>,
    len: usize,
}

impl Memo {
    fn get(&self, scan: u64, value: &str) -> Option<&[u32]> {
        self.by_scan.get(&scan)?.get(value).map(|v| &**v)
    }

    fn put(&mut self, scan: u64, value: &str, atoms: &[u32]) {
        if self.len >= MEMO_CAP {
            self.by_scan.clear();
            self.len = 0;
        }
        self.by_scan
            .entry(scan)
            .or_default()
            .insert(value.into(), atoms.into());
        self.len += 1;
    }
}

impl Prefilter {
    /// Derive each rule's needs and build the automata. With `code`, the prefilter serves
    /// only events of that event code: a rule's sources that cannot read it (a Sysmon 1
    /// source beside a Security 4688 one) add no fields to scan.
    pub fn new(rules: &[&Rule], code: Option<u32>) -> Prefilter {
        Prefilter::with_automata(rules, code, &Automata::default())
    }

    /// As [`Prefilter::new`], taking the automata of literal sets already built from
    /// `automata` (and leaving the new ones there).
    pub fn with_automata(rules: &[&Rule], code: Option<u32>, automata: &Automata) -> Prefilter {
        let mut atom_ids: FxHashMap<Atom, u32> = FxHashMap::default();
        let mut satisfies: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut full = Vec::with_capacity(rules.len());
        let mut always = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            let read: Vec<bool> = rule
                .sources
                .iter()
                .map(|s| match code {
                    Some(c) => s.codes.is_empty() || s.codes.contains(&c),
                    None => true,
                })
                .collect();
            let clauses = best(needs_cond(&rule.cond, &rule.searches, &read), MAX_CLAUSES);
            if clauses.is_empty() {
                always.push(ri as u32);
            }
            let mut mask = 0u8;
            for (bit, clause) in clauses.into_iter().enumerate() {
                mask |= 1 << bit;
                for atom in clause {
                    let next = atom_ids.len() as u32;
                    let id = *atom_ids.entry(atom).or_insert(next);
                    if id as usize == satisfies.len() {
                        satisfies.push(Vec::new());
                    }
                    satisfies[id as usize].push((ri as u32, bit as u8));
                }
            }
            full.push(mask);
        }
        // Group the atoms by place: one automaton per field. Every event a prefilter for one
        // code serves has that code, so an atom on the event code is found in all of them or
        // in none: it is settled here instead of scanned on every event.
        let code_text = code.map(|c| c.to_string());
        let mut preset = Vec::new();
        let mut by_place: FxHashMap<Place, (Vec<String>, Vec<u32>)> = FxHashMap::default();
        for ((place, lit), id) in atom_ids {
            if let (Some(text), Place::Field(Accessor::EventCode)) = (&code_text, &place) {
                if text.contains(lit.as_str()) {
                    preset.push(id);
                }
                continue;
            }
            let e = by_place.entry(place).or_default();
            e.0.push(lit);
            e.1.push(id);
        }
        let mut scans = Vec::with_capacity(by_place.len());
        for (place, (lits, atom)) in by_place {
            // The literals sorted, so equal sets are one key, with the atom of each.
            let mut pairs: Vec<(String, u32)> = lits.into_iter().zip(atom).collect();
            pairs.sort_unstable();
            let (lits, atom): (Vec<String>, Vec<u32>) = pairs.into_iter().unzip();
            let remember = lits.len() > MEMO_MIN_PATTERNS;
            let joined = place == Place::Keywords
                && !remember
                && lits.iter().all(|l| !l.as_bytes().contains(&SEP));
            match automata.get(lits) {
                Some(searchers) => scans.push(Scan {
                    place,
                    remember,
                    joined,
                    searchers,
                    atom,
                    uid: SCAN_UID.fetch_add(1, Ordering::Relaxed),
                }),
                // An automaton past the crate's size limits (no real rule set comes near):
                // no prefilter at all, every rule evaluated, the same answers.
                None => return Prefilter::none(rules.len()),
            }
        }
        // A stable order (the map's is not), so runs are reproducible.
        scans.sort_by(|a, b| a.place.cmp(&b.place));
        preset.sort_unstable();
        Prefilter {
            scans,
            satisfies,
            full,
            always,
            preset,
        }
    }

    /// A prefilter that lets every rule through.
    pub(crate) fn none(n: usize) -> Prefilter {
        Prefilter {
            scans: Vec::new(),
            satisfies: Vec::new(),
            full: vec![0; n],
            always: (0..n as u32).collect(),
            preset: Vec::new(),
        }
    }

    /// Number of rules that need nothing and are always evaluated.
    pub fn unconstrained(&self) -> usize {
        self.always.len()
    }

    /// Positions of the rules this event can match, ascending, into `out` (cleared first).
    pub fn candidates(&self, c: &EvalCache, s: &mut Scratch, out: &mut Vec<usize>) {
        out.clear();
        let Scratch { marks, lookup } = s;
        if marks.mask.len() < self.full.len() {
            marks.mask.resize(self.full.len(), 0);
        }
        if marks.seen.len() < self.satisfies.len() {
            marks.seen.resize(self.satisfies.len(), false);
        }
        marks.apply(&self.satisfies, &self.preset);
        for scan in &self.scans {
            match &scan.place {
                Place::Field(a) => {
                    if let Some(v) = c.field(a) {
                        scan.find_memo(&v, lookup);
                        marks.apply(&self.satisfies, &lookup.found);
                    }
                }
                Place::Keywords if scan.joined => {
                    scan.find_joined(c.keywords(), lookup);
                    marks.apply(&self.satisfies, &lookup.found);
                }
                Place::Keywords => {
                    for v in c.keywords() {
                        scan.find_memo(v, lookup);
                        marks.apply(&self.satisfies, &lookup.found);
                    }
                }
            }
        }
        for &r in &marks.touched {
            if marks.mask[r as usize] == self.full[r as usize] {
                out.push(r as usize);
            }
            marks.mask[r as usize] = 0;
        }
        for &a in &marks.seen_list {
            marks.seen[a as usize] = false;
        }
        marks.touched.clear();
        marks.seen_list.clear();
        out.extend(self.always.iter().map(|&r| r as usize));
        out.sort_unstable();
    }
}

/// The event codes a rule's detection allows, when it names them (`EventID: 4688` or a list
/// of them, under `and`s and `or`s): a rule whose log source takes every code of a channel is
/// then asked only about those codes. `None` when the detection can match any code.
pub(crate) fn detection_codes(rule: &Rule) -> Option<Vec<u32>> {
    let mut v = codes_cond(&rule.cond, &rule.searches)?;
    v.sort_unstable();
    v.dedup();
    Some(v)
}

fn codes_all(parts: impl Iterator<Item = Option<Vec<u32>>>) -> Option<Vec<u32>> {
    // An `and`: any one part that names codes bounds the whole (the smallest such set).
    parts.flatten().min_by_key(Vec::len)
}

fn codes_any(parts: impl Iterator<Item = Option<Vec<u32>>>) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    // `or` of nothing never matches; say nothing rather than "no code".
    (!out.is_empty()).then_some(out)
}

fn codes_cond(c: &Cond, searches: &[Search]) -> Option<Vec<u32>> {
    match c {
        Cond::Ref(i) => codes_search(&searches[*i]),
        Cond::And(v) => codes_all(v.iter().map(|x| codes_cond(x, searches))),
        Cond::Or(v) => codes_any(v.iter().map(|x| codes_cond(x, searches))),
        Cond::Not(_) => None,
    }
}

fn codes_search(s: &Search) -> Option<Vec<u32>> {
    match s {
        Search::And(v) => codes_all(v.iter().map(codes_field)),
        Search::Or(v) => codes_any(v.iter().map(codes_search)),
        Search::Cond(f) => codes_field(f),
    }
}

/// `EventID: 4688` (or a list): every accessor is the event code and every value a whole
/// number, compared whole, so an event with another code cannot match it.
fn codes_field(f: &FieldCond) -> Option<Vec<u32>> {
    let Target::Field { per_source, .. } = &f.target else {
        return None;
    };
    if !per_source.iter().all(|a| *a == Accessor::EventCode) {
        return None;
    }
    let code = |m: &Matcher| match m {
        Matcher::Glob {
            pat: Pattern::Exact(p),
            ..
        } => p.parse::<u32>().ok().filter(|n| n.to_string() == *p),
        _ => None,
    };
    let group = |g: &Vec<Matcher>| g.iter().map(code).collect::<Option<Vec<u32>>>();
    if f.all {
        f.groups.iter().filter_map(group).min_by_key(Vec::len)
    } else {
        codes_any(f.groups.iter().map(group))
    }
}

/// Keep the `n` most selective clauses: long shortest literals first, then few atoms.
fn best(mut clauses: Vec<Clause>, n: usize) -> Vec<Clause> {
    for c in &mut clauses {
        c.sort();
        c.dedup();
    }
    clauses.sort_by_key(|c| std::cmp::Reverse(score(c)));
    clauses.dedup();
    clauses.truncate(n);
    clauses
}

fn score(c: &Clause) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = c.iter().map(|(_, l)| l.len()).min().unwrap_or(0);
    (shortest.min(8), std::cmp::Reverse(c.len()))
}

/// An `or`: one clause, the union of each alternative's best clause; nothing when any
/// alternative needs nothing.
fn any_of(alts: impl IntoIterator<Item = Vec<Clause>>) -> Vec<Clause> {
    let mut union = Clause::new();
    let mut n = 0;
    for a in alts {
        let Some(first) = best(a, 1).pop() else {
            return Vec::new();
        };
        union.extend(first);
        n += 1;
    }
    if n == 0 { Vec::new() } else { vec![union] }
}

/// `read[i]`: can the rule's source `i` accept the events this prefilter serves?
fn needs_cond(c: &Cond, searches: &[Search], read: &[bool]) -> Vec<Clause> {
    match c {
        Cond::Ref(i) => needs_search(&searches[*i], read),
        Cond::And(v) => v
            .iter()
            .flat_map(|x| needs_cond(x, searches, read))
            .collect(),
        Cond::Or(v) => any_of(v.iter().map(|x| needs_cond(x, searches, read))),
        Cond::Not(_) => Vec::new(),
    }
}

fn needs_search(s: &Search, read: &[bool]) -> Vec<Clause> {
    match s {
        Search::And(v) => v.iter().flat_map(|f| needs_field(f, read)).collect(),
        Search::Or(v) => any_of(v.iter().map(|x| needs_search(x, read))),
        Search::Cond(f) => needs_field(f, read),
    }
}

fn needs_field(f: &FieldCond, read: &[bool]) -> Vec<Clause> {
    // Whichever source the event matched (the first that accepts it, so one that can read
    // it), the evaluator reads that source's accessor: one of these.
    let places: Vec<Place> = match &f.target {
        Target::Keywords => vec![Place::Keywords],
        Target::Field { per_source, .. } => {
            let mut p: Vec<Place> = per_source
                .iter()
                .enumerate()
                .filter(|(i, _)| read.get(*i).copied().unwrap_or(true))
                .map(|(_, a)| Place::Field(a.clone()))
                .collect();
            p.sort();
            p.dedup();
            p
        }
    };
    let group = |g: &Vec<Matcher>| -> Option<Clause> {
        let mut out = Clause::new();
        for m in g {
            let lit = literal(m)?;
            out.extend(places.iter().map(|p| (p.clone(), lit.to_string())));
        }
        (!out.is_empty()).then_some(out)
    };
    if f.all {
        f.groups.iter().filter_map(group).collect()
    } else {
        let mut union = Clause::new();
        for g in &f.groups {
            match group(g) {
                Some(c) => union.extend(c),
                None => return Vec::new(),
            }
        }
        if union.is_empty() {
            Vec::new()
        } else {
            vec![union]
        }
    }
}

/// The literal every match of this matcher contains in the lowercased value, if there is one.
fn literal(m: &Matcher) -> Option<&str> {
    let Matcher::Glob { pat, cased: false } = m else {
        return None;
    };
    let lit = match pat {
        Pattern::Exact(p) | Pattern::Starts(p) | Pattern::Ends(p) => p.as_str(),
        Pattern::Contains(f) => std::str::from_utf8(f.needle()).ok()?,
        Pattern::Any => return None,
        Pattern::Glob(segs) => segs
            .iter()
            .filter_map(|s| match s {
                Seg::Lit(l) => Some(l.as_str()),
                _ => None,
            })
            .max_by_key(|l| l.len())?,
    };
    (!lit.is_empty()).then_some(lit)
}

#[cfg(test)]
mod tests {
    use super::{MEMO_CAP, Memo};

    #[test]
    fn the_memo_starts_afresh_at_its_cap() {
        let mut m = Memo::default();
        for i in 0..MEMO_CAP {
            m.put(i as u64 % 3, &i.to_string(), &[i as u32]);
        }
        assert_eq!(m.len, MEMO_CAP);
        assert_eq!(m.get(1, "7"), Some(&[7u32][..]));
        assert_eq!(m.get(0, "7"), None, "another scan's entry");
        m.put(9, "new", &[]);
        assert_eq!(m.len, 1);
        assert_eq!(m.get(1, "7"), None);
        assert_eq!(m.get(9, "new"), Some(&[][..]));
    }
}
