//! Entry points for the fuzz harness (`tests/fuzz_*.rs`, `fuzz/`), not an API.
//!
//! Why it exists: the PowerShell tokenizer is private to `extended`, yet it reads attacker text
//! first and must hold up alone. This file only forwards to the real code; every other parser
//! the harness drives (`ingest::parse_bytes`, `analytics::parse_op`, `analytics::search::parse`,
//! `extended::decode_encoded_command`) is public already.

pub use crate::extended::lexer::{Kind, Tok, match_brackets, tokenize};
