//! The ad-hoc search language (`huntbench search`, the TUI's `s`): one boolean query over the
//! index words and Splunk's exact `field="*x*"` comparisons.
//!
//! Why a tree of its own: the index tokenizes text, so it cannot answer "substring across
//! punctuation and newlines" by itself. The whole query is parsed here into a [`SearchExpr`]
//! whose `Compare` leaves are exact tests on the stored event; the index compiles the tree,
//! keeping its boolean structure, so `NOT x="*a*"` and `a OR b="*c*"` mean exactly that.

pub mod ast;
pub mod eval;
pub mod fields;
mod lex;
mod parse;

pub use ast::{Clause, Compare, SearchExpr};
pub use eval::{EvalError, Evaluator};
pub use fields::{event_summary, message};
pub use parse::parse;

use crate::analytics::model::Predicate;
use crate::analytics::wildcard::{Wildcard, fold};
use crate::event::Event;

/// Do all of a saved query's predicates hold on the event? (A missing or empty field never
/// matches.) The same test as a [`Compare`] leaf, for `Predicate` lists.
pub fn predicates_match(preds: &[Predicate], e: &Event) -> bool {
    preds.iter().all(|p| {
        e.get(&p.field)
            .is_some_and(|v| Wildcard::new(&p.pattern).matches_folded(&fold(&v)))
    })
}
