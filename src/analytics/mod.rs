//! Saved queries: Splunk-exact matching, stats, exclusions and their export.

pub mod describe;
pub mod error;
pub mod exclusions;
pub mod export;
pub mod load;
pub mod match_set;
pub mod matcher;
pub mod model;
pub mod preview;
pub mod quoting;
pub mod render;
pub mod search;
pub mod sigma_config;
pub mod sigma_queries;
pub mod stats;
pub mod store;
#[cfg(test)]
mod undo_tests;
pub mod wildcard;

pub use describe::{describe, describe_with, label_of};
pub use error::AnalyticsError;
pub use exclusions::{apply_exclusions, column_value, exclusion_matches, parse_op, sha256_hex};
pub use export::{sigma_filter, splunk_filter_stanza};
pub use load::{builtin_queries, load_saved_queries, validate_query};
pub use match_set::MatchSet;
pub use matcher::{Matcher, fingerprint, hunt, hunt_all, tag};
pub use model::*;
pub use preview::{
    Broad, Preview, broad, matches_anything, preview, preview_in, turns_detection_off,
};
pub use quoting::{cli_op, field_pattern, pattern_op};
pub use render::{TableOptions, column_fit, render_csv, render_json, render_table, row_json};
pub use search::{event_summary, predicates_match};
pub use sigma_config::{config_file, run_sigma, set_sigma_dirs, sigma_dirs};
pub use sigma_queries::{
    SIGMA_BY, level_of, level_str, load_sigma, sigma_queries, sigma_query, sigma_user,
};
pub use stats::{group, group_by, result_of};
pub use store::{ChangeKind, ExclusionStore, LastChange, Undone};
pub use wildcard::Wildcard;
