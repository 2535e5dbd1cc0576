//! A mark's verdict: untriaged, benign, suspicious, malicious.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the analyst concluded about a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Looked at, no verdict yet (a row with no mark counts as this too).
    Untriaged,
    Benign,
    Suspicious,
    Malicious,
}

impl Status {
    /// Every status, in the order filters cycle through them.
    pub const ALL: [Status; 4] = [
        Status::Untriaged,
        Status::Benign,
        Status::Suspicious,
        Status::Malicious,
    ];

    /// The full lowercase word (`benign`), as stored and printed.
    pub fn label(self) -> &'static str {
        match self {
            Status::Untriaged => "untriaged",
            Status::Benign => "benign",
            Status::Suspicious => "suspicious",
            Status::Malicious => "malicious",
        }
    }

    /// A short cell for tables: the verdicts that need attention shout (`SUSP`, `MAL`).
    pub fn short(self) -> &'static str {
        match self {
            Status::Untriaged => "untri",
            Status::Benign => "benign",
            Status::Suspicious => "SUSP",
            Status::Malicious => "MAL",
        }
    }

    /// The one letter that selects it (`b`, `s`, `m`, `u`).
    pub fn letter(self) -> char {
        self.label().chars().next().unwrap_or('u')
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Status {
    type Err = String;

    /// The full word or its first letter, any case (`Benign`, `b`, `MAL` is no word: refused).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let want = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| want == st.label() || want.len() == 1 && want.starts_with(st.letter()))
            .ok_or_else(|| {
                format!(
                    "unknown status {:?}: one of untriaged, benign, suspicious, malicious (or u, b, s, m)",
                    s
                )
            })
    }
}
