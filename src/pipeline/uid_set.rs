//! The uids an ingest has already met (the index's and this run's), to skip duplicates.
//!
//! One `HashSet<u64>` of 5M uids is 2^23 buckets (75 MB), and growing to that held the old
//! table beside the new one (113 MB for a moment), which landed on top of the index writer's
//! flushes and merges and took a 5M-event ingest past 512 MB. Split by the uid's top byte into
//! 256 sets, each grows on its own: the same memory at rest, and at most a 256th of it more
//! while one grows.

use std::collections::HashSet;

use rustc_hash::FxBuildHasher;

/// Parts, by the top byte of the uid (an xxh3 hash, so the parts fill evenly).
const PARTS: usize = 256;

pub(crate) struct UidSet {
    parts: Vec<HashSet<u64, FxBuildHasher>>,
}

impl UidSet {
    pub(crate) fn new(known: impl IntoIterator<Item = u64>) -> Self {
        let mut set = UidSet {
            parts: (0..PARTS).map(|_| HashSet::default()).collect(),
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
        let parts = set.parts.iter().filter(|p| !p.is_empty()).count();
        assert!(parts > 200, "{parts} parts in use");
    }
}
