//! The uids an ingest has already met (the index's and this run's), to skip duplicates.
//!
//! It is the one part of an ingest's memory that grows with the index, so it is kept compact:
//! a `HashSet<u64>` costs 9 bytes per bucket at a load between 7/16 and 7/8 (about 14 bytes
//! per uid, 75 MB at 5M), and growing one table held the old beside the new. Here the uids
//! are split by their top byte into 256 parts (an xxh3 hash, so the parts fill evenly); each
//! part keeps a sorted `Vec<u64>` sized to fit (8 bytes per uid) and a small hash set of the
//! newest, merged into the sorted run when it reaches a sixteenth of it. A lookup is a binary
//! search and a hash probe; growing copies only one part, a 256th of the whole.

use rustc_hash::FxHashSet;

/// Parts, by the top byte of the uid.
const PARTS: usize = 256;
/// A tail this short is merged only when full, so small sets do not merge on every insert.
const TAIL_MIN: usize = 32;
/// The tail is merged when it reaches `sorted.len() / TAIL_SHARE` (and `TAIL_MIN`).
const TAIL_SHARE: usize = 16;

pub(crate) struct UidSet {
    parts: Vec<Part>,
}

#[derive(Default)]
struct Part {
    sorted: Vec<u64>,
    /// Newest uids, none of them in `sorted`.
    tail: FxHashSet<u64>,
}

impl Part {
    fn contains(&self, uid: u64) -> bool {
        self.sorted.binary_search(&uid).is_ok() || self.tail.contains(&uid)
    }

    fn insert(&mut self, uid: u64) -> bool {
        if self.contains(uid) {
            return false;
        }
        self.tail.insert(uid);
        if self.tail.len() >= TAIL_MIN.max(self.sorted.len() / TAIL_SHARE) {
            self.merge_tail();
        }
        true
    }

    /// Merges the tail into the sorted run in place, from the back, so the run grows by
    /// exactly the tail (no second copy of the part).
    fn merge_tail(&mut self) {
        let mut tail: Vec<u64> = self.tail.drain().collect();
        tail.sort_unstable();
        let (old, add) = (self.sorted.len(), tail.len());
        self.sorted.reserve_exact(add);
        self.sorted.resize(old + add, 0);
        let (mut i, mut j, mut k) = (old, add, old + add);
        while j > 0 {
            if i > 0 && self.sorted[i - 1] > tail[j - 1] {
                self.sorted[k - 1] = self.sorted[i - 1];
                i -= 1;
            } else {
                self.sorted[k - 1] = tail[j - 1];
                j -= 1;
            }
            k -= 1;
        }
    }
}

impl UidSet {
    pub(crate) fn new(known: impl IntoIterator<Item = u64>) -> Self {
        let mut set = UidSet {
            parts: (0..PARTS).map(|_| Part::default()).collect(),
        };
        for uid in known {
            set.insert(uid);
        }
        set
    }

    /// True when `uid` was not in the set yet.
    pub(crate) fn insert(&mut self, uid: u64) -> bool {
        self.parts[(uid >> 56) as usize].insert(uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_uid_is_new_once_whatever_its_top_byte() {
        let uids: Vec<u64> = (0..10_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .chain([0, u64::MAX, 1 << 63])
            .collect();
        let mut set = UidSet::new(uids[..5_000].iter().copied());
        // New: the second half, and the two extremes after them (0 is uid 0 again).
        for (i, &u) in uids.iter().enumerate() {
            assert_eq!(
                set.insert(u),
                (5_000..10_000).contains(&i) || i == 10_001 || i == 10_002
            );
        }
        assert!(!set.insert(0) && !set.insert(u64::MAX) && !set.insert(1 << 63));
        let parts = set.parts.iter().filter(|p| !p.sorted.is_empty()).count();
        assert!(parts > 200, "{parts} parts in use");
    }

    #[test]
    fn agrees_with_a_hash_set_through_many_merges_and_repeats() {
        // One part only (top byte 0x42), so its sorted run goes through hundreds of merges;
        // every third uid repeats one met before, some of them still in the tail.
        let mut set = UidSet::new([]);
        let mut model = std::collections::HashSet::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut met = Vec::new();
        for n in 0..60_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let uid = if n % 3 == 2 {
                met[(x as usize) % met.len()]
            } else {
                (0x42 << 56) | (x >> 8)
            };
            met.push(uid);
            assert_eq!(set.insert(uid), model.insert(uid), "uid {uid:#x} at {n}");
        }
        let part = &set.parts[0x42];
        assert_eq!(part.sorted.len() + part.tail.len(), model.len());
        assert!(
            part.sorted.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        assert!(part.tail.len() < TAIL_MIN.max(part.sorted.len() / TAIL_SHARE));
    }
}
