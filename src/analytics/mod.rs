//! Saved queries: Splunk-exact matching, stats, exclusions and their export.

pub mod model;

pub use model::*;
