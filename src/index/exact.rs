//! An exact test on the stored event as a tantivy query (a [`DocPredicateQuery`]).
//!
//! Why inside the query rather than after it: tantivy then evaluates the test only where the
//! boolean tree needs it — on the candidates of the other `AND` clauses, on each document a
//! `NOT` must check — and counts and ranks the answer in the same pass, so totals stay true.

use std::sync::{Arc, Mutex};

use tantivy::query::doc_predicate_query::{
    ConstOrVariableSegmentPredicate, DocPredicate, DocPredicateQuery, SegmentDocPredicate,
};
use tantivy::query::{AllScorer, Query};
use tantivy::store::StoreReader;
use tantivy::{DocId, SegmentReader, TantivyDocument};

use super::schema::Fields;
use crate::event::Event;

/// A test on one event; shared by every segment's evaluator.
pub(super) type EventTest = Arc<dyn Fn(&Event) -> bool + Send + Sync>;

/// Store blocks each segment's evaluator keeps decompressed (candidates come in doc order, so
/// neighbours share a block).
const STORE_CACHE_BLOCKS: usize = 16;

/// The first stored event that could not be read during a search, if any: reported after the
/// search instead of being silently counted as "no match".
pub(super) type Trouble = Arc<Mutex<Option<String>>>;

/// The query holding exactly the documents whose stored event passes `test`.
/// A stored event that cannot be read is noted in `trouble`.
pub(super) fn exact_query(fields: &Fields, test: EventTest, trouble: &Trouble) -> Box<dyn Query> {
    let trouble = trouble.clone();
    Box::new(DocPredicateQuery::from(Exact {
        fields: fields.clone(),
        test,
        trouble,
    }))
}

struct Exact {
    fields: Fields,
    test: EventTest,
    trouble: Trouble,
}

impl std::fmt::Debug for Exact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exact(stored-event test)")
    }
}

impl DocPredicate for Exact {
    type SegmentDocPredicate = SegmentExact;

    fn doc_predicate(
        &self,
        seg: &SegmentReader,
    ) -> tantivy::Result<ConstOrVariableSegmentPredicate<SegmentExact>> {
        Ok(ConstOrVariableSegmentPredicate::Variable {
            predicate: SegmentExact {
                store: seg.get_store_reader(STORE_CACHE_BLOCKS)?,
                fields: self.fields.clone(),
                test: self.test.clone(),
                trouble: self.trouble.clone(),
            },
            necessary_condition: Box::new(AllScorer::new(seg.max_doc())),
        })
    }
}

struct SegmentExact {
    store: StoreReader,
    fields: Fields,
    test: EventTest,
    trouble: Trouble,
}

impl SegmentExact {
    fn note(&self, why: String) {
        if let Ok(mut t) = self.trouble.lock()
            && t.is_none()
        {
            *t = Some(why);
        }
    }
}

impl SegmentDocPredicate for SegmentExact {
    fn eval(&mut self, doc: DocId) -> bool {
        let stored: TantivyDocument = match self.store.get(doc) {
            Ok(d) => d,
            Err(e) => {
                self.note(format!("reading stored event {doc}: {e}"));
                return false;
            }
        };
        match self.fields.event(&stored) {
            Ok(e) => (self.test)(&e),
            Err(why) => {
                self.note(why);
                false
            }
        }
    }

    /// Decoding a stored event costs thousands of posting-list steps: let any index clause
    /// drive an intersection.
    fn cost(&self) -> u64 {
        10_000
    }
}
