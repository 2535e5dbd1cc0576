//! Extended (evasion-aware) detection of WinRM remote execution, kept apart from parity.
//!
//! Pure functions over [`crate::event::Event`]: script block reassembly, `-EncodedCommand`
//! decoding, a PowerShell-aware technique detector, SID names, host
//! names as one node, source → target edges joined from both ends.
//! The analytic's saved query is `assets/analytics/winrm_remoting_extended.toml`.

pub mod addresses;
mod bind;
pub mod children;
mod cmdline;
mod command_rows;
mod deferred;
pub mod edges;
pub mod encoded;
pub mod hosts;
pub mod hunt;
pub mod inbound;
mod joins;
pub(crate) mod lexer;
mod names;
mod params;
mod prefilter;
pub(crate) mod pslogs;
pub mod reassemble;
mod scan;
pub mod sids;
mod targets;
mod vars;
pub mod winrm;

pub use cmdline::command_line_script;
pub use edges::{EDGE_COLUMNS, Edge, EdgeReport, Ends, WINDOW, edge_cells, edge_json, edges};
pub use encoded::{decode_encoded_command, has_candidate_flag};
pub use hosts::{HostMap, Node};
pub use hunt::{
    ExtendedResult, ExtendedRow, Memo, hunt, hunt_with, is_relevant, is_relevant_event,
    is_relevant_process, row_json,
};
pub use inbound::{Evidence, InboundRow, inbound};
pub use prefilter::is_candidate;
pub use reassemble::{Block, reassemble};
pub use sids::SidNames;
pub use targets::{Target, uri_host};
pub use winrm::{Analysis, Detection, analyze, detect, escu_matches};
