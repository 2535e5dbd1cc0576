//! The merge policy of ingest: tantivy's log-size levels, with every merge's output capped.
//!
//! `LogMergePolicy` leaves segments over `max_docs_before_merge` alone, but merges all the
//! segments of one level at once, however many: over 5M generated events segments under
//! 100,000 documents were merged into one of 250,862, and that merge lifted the ingest's
//! resident memory from about 300 MB to 614 MB (the merge holds the new segment's columns in
//! memory). Splitting each level into merges of at most `max_merged_docs` documents bounds
//! that peak by the cap, not by the input's size.

use std::collections::HashMap;
use tantivy::index::{SegmentId, SegmentMeta};

use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};

#[derive(Debug)]
pub(super) struct CappedMerges {
    pub levels: LogMergePolicy,
    /// Most documents one merge may produce.
    pub max_merged_docs: u32,
}

impl MergePolicy for CappedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs: HashMap<SegmentId, u32> =
            segments.iter().map(|s| (s.id(), s.num_docs())).collect();
        let mut out = Vec::new();
        for MergeCandidate(level) in self.levels.compute_merge_candidates(segments) {
            // Smallest first, so each merge takes as many segments as the cap allows.
            let mut level: Vec<(u32, SegmentId)> = level
                .iter()
                .map(|id| (docs.get(id).copied().unwrap_or(0), *id))
                .collect();
            level.sort_by_key(|(n, _)| *n);
            let mut group: Vec<SegmentId> = Vec::new();
            let mut total = 0u32;
            for (n, id) in level {
                if !group.is_empty() && total.saturating_add(n) > self.max_merged_docs {
                    push_merge(&mut out, std::mem::take(&mut group));
                    total = 0;
                }
                group.push(id);
                total = total.saturating_add(n);
            }
            push_merge(&mut out, group);
        }
        out
    }
}

/// A merge of one segment would only rewrite it.
fn push_merge(out: &mut Vec<MergeCandidate>, group: Vec<SegmentId>) {
    if group.len() > 1 {
        out.push(MergeCandidate(group));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metas(sizes: &[u32]) -> Vec<SegmentMeta> {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        sizes
            .iter()
            .map(|&n| index.new_segment_meta(SegmentId::generate_random(), n))
            .collect()
    }

    fn policy(max_merged_docs: u32) -> CappedMerges {
        let mut levels = LogMergePolicy::default();
        levels.set_max_docs_before_merge(100_000);
        CappedMerges {
            levels,
            max_merged_docs,
        }
    }

    #[test]
    fn a_level_is_split_into_merges_under_the_cap_and_loses_no_segment() {
        // One level of eight segments (a level needs eight to merge), plus big ones the levels
        // leave alone.
        let sizes = [
            36_000, 35_500, 35_000, 34_800, 36_100, 35_900, 37_562, 36_500, 102_700, 250_862,
        ];
        let segs = metas(&sizes);
        let uncapped = policy(u32::MAX).compute_merge_candidates(&segs);
        assert_eq!(uncapped.len(), 1);
        assert_eq!(uncapped[0].0.len(), 8, "the levels merge the eight at once");

        let capped = policy(120_000).compute_merge_candidates(&segs);
        let docs = |c: &MergeCandidate| -> u32 {
            c.0.iter()
                .map(|id| segs.iter().find(|s| s.id() == *id).unwrap().num_docs())
                .sum()
        };
        let merged: Vec<u32> = capped.iter().map(docs).collect();
        // Smallest first: 34,800 + 35,000 + 35,500; 35,900 + 36,000 + 36,100; 36,500 + 37,562.
        assert_eq!(merged, vec![105_300, 108_000, 74_062]);
        let mut ids: Vec<SegmentId> = capped.iter().flat_map(|c| c.0.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            8,
            "each segment of the level in exactly one merge"
        );
        for c in &capped {
            assert!(c.0.len() > 1 && docs(c) <= 120_000);
        }
    }

    #[test]
    fn a_level_under_the_cap_is_merged_whole() {
        let segs = metas(&[9_000, 9_500, 10_000, 10_500, 11_000, 11_500, 12_000, 12_500]);
        let capped = policy(120_000).compute_merge_candidates(&segs);
        assert_eq!(capped.len(), 1);
        assert_eq!(capped[0].0.len(), 8);
    }
}
