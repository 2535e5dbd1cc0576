//! The shared parts of the stable fuzz harness (`tests/fuzz_*.rs`): the proptest settings (a fixed
//! seed and a bounded case count, raised by `HUNTBENCH_FUZZ_CASES` for long runs), and byte
//! mutations of seed inputs: flips, truncations, hostile insertions, bounded repeats, splices.
//! The seeds themselves are written by `seeds.rs`, never copied from anywhere.

#![allow(dead_code)] // each fuzz_* binary uses its own part of this module

pub mod props;
pub mod seeds;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, RngSeed};

/// The runner settings: `default` cases, or `HUNTBENCH_FUZZ_CASES` when set. The seed is fixed
/// so a run is reproducible; failures are reported (with the shrunk input), not written into
/// the repository.
pub fn config(default: u32) -> Config {
    let cases = std::env::var("HUNTBENCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x6875_6e74_6265_6e63),
        rng_algorithm: RngAlgorithm::ChaCha,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        // Shrinking a big input through a slow parser can take minutes; a few hundred steps
        // already give a readable case.
        max_shrink_iters: 512,
        ..Config::default()
    }
}

/// Byte strings an attacker or a broken converter puts into logs: NUL, a lone CR, an ANSI escape
/// (raw and as JSON / XML escapes), lone UTF-16 surrogates (JSON escapes and their invalid
/// UTF-8 encoding), bidi overrides, BOMs, invalid UTF-8, and the characters that open or close
/// a record in each format.
pub const HOSTILE: &[&[u8]] = &[
    b"\0",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x1b[",
    b"\x1b]0;pwned\x07",
    b"\\u001b[2J",
    b"&#27;[31m",
    b"&#x1b;",
    b"\\udc00",
    b"\\ud800\\u0041",
    b"\xed\xa0\x80",
    b"\xed\xb0\x80",
    "\u{202e}".as_bytes(),
    "\u{9b}".as_bytes(),
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xff",
    b"\xc3",
    b"\"",
    b"\\",
    b"'",
    b",",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b">",
    b"</Event>",
    b"<Event xmlns='x'>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&#0;",
    b"&#xD800;",
    b"&bogus;",
    b"{\"Event\":",
    b"99999999999999999999999",
    b"-1",
    b"1e999",
    b"null",
    b"ElfFile\0",
    b"\x1f\x8b",
    b"PK\x03\x04",
];

/// One change to an input. Positions are `Index`es, scaled to the length at the time of use.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip one bit.
    Flip(Index, u8),
    /// Overwrite one byte.
    Set(Index, u8),
    /// Cut everything from here on.
    Truncate(Index),
    /// Remove a short run.
    Delete(Index, usize),
    /// Insert one hostile string.
    Insert(Index, Index),
    /// Insert a hostile string many times (bounded: at most a few KiB per case).
    Repeat(Index, Index, usize),
    /// Insert a piece of another seed (by index into the seed list, wrapped).
    Splice(Index, Index, Index, usize),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (any::<Index>(), 1usize..32).prop_map(|(i, n)| Mutation::Delete(i, n)),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(i, h)| Mutation::Insert(i, h)),
        1 => (any::<Index>(), any::<Index>(), 2usize..512)
            .prop_map(|(i, h, n)| Mutation::Repeat(i, h, n)),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..256)
            .prop_map(|(i, s, f, n)| Mutation::Splice(i, s, f, n)),
    ]
}

/// Apply `muts` in order to a copy of `seed`; `others` are the seeds a splice takes from.
pub fn apply(seed: &[u8], muts: &[Mutation], others: &[Vec<u8>]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for m in muts {
        // Positions 0..=len, so an insertion may land at the end.
        let at = |i: &Index, len: usize| i.index(len + 1);
        match m {
            Mutation::Flip(i, bit) if !b.is_empty() => {
                let p = i.index(b.len());
                b[p] ^= 1 << bit;
            }
            Mutation::Set(i, v) if !b.is_empty() => {
                let p = i.index(b.len());
                b[p] = *v;
            }
            Mutation::Truncate(i) => b.truncate(at(i, b.len())),
            Mutation::Delete(i, n) => {
                let p = at(i, b.len());
                let end = (p + n).min(b.len());
                b.drain(p..end);
            }
            Mutation::Insert(i, h) => {
                let p = at(i, b.len());
                let piece = HOSTILE[h.index(HOSTILE.len())];
                b.splice(p..p, piece.iter().copied());
            }
            Mutation::Repeat(i, h, n) => {
                let p = at(i, b.len());
                let piece = HOSTILE[h.index(HOSTILE.len())].repeat(*n);
                b.splice(p..p, piece);
            }
            Mutation::Splice(i, s, f, n) if !others.is_empty() => {
                let p = at(i, b.len());
                let other = &others[s.index(others.len())];
                if !other.is_empty() {
                    let from = f.index(other.len());
                    let end = (from + n).min(other.len());
                    b.splice(p..p, other[from..end].iter().copied());
                }
            }
            _ => {}
        }
    }
    b
}

/// A seed picked from `seeds` and changed by up to `max` mutations: (seed name, bytes).
pub fn mutated(
    seeds: Vec<(String, Vec<u8>)>,
    max: usize,
) -> impl Strategy<Value = (String, Vec<u8>)> {
    let bodies: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    (
        any::<Index>(),
        proptest::collection::vec(mutation(), 0..=max),
    )
        .prop_map(move |(pick, muts)| {
            let (name, seed) = &seeds[pick.index(seeds.len())];
            (name.clone(), apply(seed, &muts, &bodies))
        })
}

/// Is the text free of every character a terminal could act on, `allowed` aside?
pub fn inert(s: &str, allowed: &[char]) -> Result<(), String> {
    match s
        .char_indices()
        .find(|(_, c)| huntbench::sanitize::is_hazard(*c) && !allowed.contains(c))
    {
        None => Ok(()),
        Some((at, c)) => {
            let from = (0..=at.saturating_sub(40))
                .rev()
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(0);
            Err(format!("hazard {c:?} at byte {at} of {:?}", &s[from..]))
        }
    }
}
