//! huntbench: hunt WinRM / Invoke-Command lateral movement in Windows event logs.
//!
//! Data flows one way: files → [`ingest`] → [`event::Event`] → a [`store::Store`] (the
//! embedded [`index`], tantivy on disk, or a ClickHouse cluster) → [`analytics`] (saved
//! queries, stats, exclusions) → [`cli`] and [`tui`].
//! Each outside dependency has one owner: only `index` imports tantivy, only `tui` imports
//! ratatui/crossterm, only `ingest` imports evtx, only `analytics::search::eval` imports
//! tantivy-fst (the regex engine of the index, so a store without tantivy matches alike), only
//! `store::clickhouse` speaks to ClickHouse (ureq), only `sigma` parses YAML and runs the
//! regex engine of Sigma's `re` modifier.

pub mod analytics;
pub mod backend;
pub mod bench;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod event;
pub mod extended;
#[doc(hidden)]
pub mod fuzzing;
pub mod huge_pages;
pub mod index;
pub mod ingest;
pub mod output;
pub mod paths;
pub mod pipeline;
pub mod report;
pub mod sanitize;
pub mod sigma;
pub mod state_file;
pub mod store;
pub mod time;
pub mod timeline;
pub mod triage;
pub mod tui;
pub mod workbench;
