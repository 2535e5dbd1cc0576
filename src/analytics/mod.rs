//! Saved queries: Splunk-exact matching, stats, exclusions and their export.

pub mod error;
pub mod exclusions;
pub mod export;
pub mod load;
pub mod matcher;
pub mod model;
pub mod render;
pub mod search;
pub mod stats;
pub mod store;
pub mod wildcard;

pub use error::AnalyticsError;
pub use exclusions::{apply_exclusions, column_value, exclusion_matches, parse_op, sha256_hex};
pub use export::{sigma_filter, splunk_filter_stanza};
pub use load::{builtin_queries, load_saved_queries, validate_query};
pub use matcher::{Matcher, fingerprint, hunt, hunt_all, tag};
pub use model::*;
pub use render::{TableOptions, column_fit, render_csv, render_json, render_table, row_json};
pub use search::{event_summary, predicates_match};
pub use stats::{group, group_by, result_of};
pub use store::ExclusionStore;
pub use wildcard::Wildcard;
