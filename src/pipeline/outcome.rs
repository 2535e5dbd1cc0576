//! How reading a set of inputs went, as one of three outcomes an exit status can carry.
//!
//! The readers report problems as `IngestError`s and each finished file with its event count;
//! neither alone says whether a whole input was lost. A tally of both does: an input that
//! yielded no event (not recognized, empty, missing, unreadable) is worse than a few records
//! rejected inside a file whose other records were read, and a script must be able to tell
//! the two apart from "everything was read".

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ingest::IngestError;

/// The outcome of reading inputs (`ingest`, `hunt --input`), worst first when combined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every input was read and no record was rejected.
    #[default]
    Complete,
    /// Every input gave events, but some records inside them were rejected.
    RecordsRejected,
    /// At least one input gave no event at all (listed in `unreadable`); the others were read.
    InputUnreadable,
}

impl Outcome {
    /// The process exit status of this outcome (README, "Exit status"): 0, 1 or 3; 2 is
    /// left to usage and fatal errors.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Complete => 0,
            Outcome::RecordsRejected => 1,
            Outcome::InputUnreadable => 3,
        }
    }
}

/// What the readers said about the inputs, summed up (see [`Tally::finish`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    /// Inputs from which no event could be read, in the order first reported.
    pub unreadable: Vec<String>,
    /// Records rejected inside inputs that gave events.
    pub rejected: u64,
    /// Every problem, with one "no event could be read" entry for an unreadable input the
    /// readers said nothing about (an empty file), so a JSON summary shows each of them.
    pub errors: Vec<IngestError>,
    pub outcome: Outcome,
}

/// Collects the readers' per-file event counts and errors while batches stream in.
#[derive(Debug, Default)]
pub struct Tally {
    /// Records read per finished file (`Batch::FileDone`): parsed events and the records a
    /// raw prefilter skipped unparsed, which were read too.
    done: BTreeMap<String, u64>,
    errors: Vec<IngestError>,
    /// The paths as given (files, folders), to notice a folder that held no file at all.
    inputs: Vec<PathBuf>,
}

impl Tally {
    /// A tally for these inputs (a folder among them that yields no file is unreadable too).
    pub fn with_inputs(inputs: &[PathBuf]) -> Tally {
        Tally {
            inputs: inputs.to_vec(),
            ..Tally::default()
        }
    }

    /// A file is fully read; `events` were parsed from it and `skipped` records skipped
    /// unparsed by a prefilter.
    pub fn file_done(&mut self, file: String, events: u64, skipped: u64) {
        *self.done.entry(file).or_default() += events + skipped;
    }

    /// The readers reported a problem.
    pub fn error(&mut self, e: IngestError) {
        self.errors.push(e);
    }

    /// Decide which inputs were lost and what the outcome is.
    pub fn finish(self) -> ReadReport {
        let Tally {
            done,
            mut errors,
            inputs,
        } = self;
        // The finished file an error is about: the file itself or a member of it
        // (`archive.zip!inner.evtx`, nested `a.zip!b.zip!c.evtx`). Map lookups, not a scan of
        // every file per error: a folder of thousands of unrecognized files (a rule set beside
        // the logs) gives thousands of both.
        let owner = |file: &str| -> Option<&str> {
            if let Some((f, _)) = done.get_key_value(file) {
                return Some(f.as_str());
            }
            file.match_indices('!')
                .map(|(i, _)| &file[..i])
                .find_map(|prefix| done.get_key_value(prefix).map(|(f, _)| f.as_str()))
        };
        let mut unreadable: Vec<String> = Vec::new();
        let mut lost: HashSet<String> = HashSet::new();
        let mut note = |f: &str| {
            if lost.insert(f.to_string()) {
                unreadable.push(f.to_string());
            }
        };
        let mut reported: HashSet<&str> = HashSet::new();
        for e in &errors {
            match owner(&e.file) {
                // A path that never became a file to read (missing, unreadable folder).
                None => note(&e.file),
                Some(f) => {
                    reported.insert(f);
                    if done[f] == 0 {
                        note(f);
                    }
                }
            }
        }
        let mut silent = Vec::new();
        for (f, &n) in &done {
            if n == 0 && !reported.contains(f.as_str()) {
                note(f);
                silent.push(f.clone());
            }
        }
        for f in silent {
            errors.push(IngestError {
                file: f,
                position: "file".into(),
                reason: "no event could be read from this file".into(),
                records: 1,
            });
        }
        // A folder (or anything else given) that no file or problem came from: an empty
        // folder, or one holding only subfolders.
        let from = |input: &Path, label: &str| {
            let file = label.split_once('!').map_or(label, |(f, _)| f);
            Path::new(file).starts_with(input)
        };
        for input in &inputs {
            // A file given by name is its own label: found without a scan of every file
            // (870 files given one by one were 757k path comparisons).
            let heard = done.contains_key(&input.display().to_string())
                || done.keys().any(|f| from(input, f))
                || errors.iter().any(|e| from(input, &e.file));
            if !heard {
                let label = input.display().to_string();
                note(&label);
                errors.push(IngestError {
                    file: label,
                    position: "path".into(),
                    reason: "no event log file found here".into(),
                    records: 1,
                });
            }
        }
        let rejected = errors
            .iter()
            .filter(|e| !lost.contains(owner(&e.file).unwrap_or(e.file.as_str())))
            .map(|e| e.records)
            .sum();
        let outcome = if !unreadable.is_empty() {
            Outcome::InputUnreadable
        } else if rejected > 0 {
            Outcome::RecordsRejected
        } else {
            Outcome::Complete
        };
        ReadReport {
            unreadable,
            rejected,
            errors,
            outcome,
        }
    }
}
