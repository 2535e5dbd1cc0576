//! Names for SIDs: fetched from the backend with a hunt, shown beside user_id SIDs (display only:
//! row keys, exclusions and exports keep the SID).

use std::collections::HashMap;

use super::app::App;
use super::update::fail;

/// SID → (account name, where the name came from): asked for with the first hunt, after an
/// ingest and on refresh (names depend on the index only).
#[derive(Debug, Clone, Default)]
pub struct SidNames {
    /// Keyed by the upper-case SID.
    pub map: HashMap<String, (String, String)>,
}

impl SidNames {
    /// From the backend's (sid, name, source) triples.
    pub fn from_triples(triples: Vec<(String, String, String)>) -> SidNames {
        let mut map = HashMap::new();
        for (sid, name, source) in triples {
            map.insert(sid.trim().to_ascii_uppercase(), (name, source));
        }
        SidNames { map }
    }

    /// The name and source of a SID, when known.
    pub fn get(&self, sid: &str) -> Option<(&str, &str)> {
        if self.map.is_empty() {
            return None;
        }
        self.map
            .get(&sid.trim().to_ascii_uppercase())
            .map(|(n, s)| (n.as_str(), s.as_str()))
    }

    /// `S-1-5-21-…-1104 (CORP\j.miller)` when the name is known (a domain SID's middle elided:
    /// the name says who), else the SID as is. Display only: exclusions and exports keep the SID.
    pub fn display(&self, sid: &str) -> String {
        match self.get(sid) {
            // One rule with the CLI tables: the middle elided, never the RID.
            Some((name, _)) => {
                crate::output::sid_label(&crate::output::compact_sid(sid.trim()), Some(name))
            }
            None => sid.to_string(),
        }
    }
}

/// A names answer for the current hunt: keep the names (or say why there are none).
pub fn arrived(app: &mut App, result: Result<Vec<(String, String, String)>, String>) {
    match result {
        Ok(t) => {
            app.sid_names = SidNames::from_triples(t);
            fit_column(app);
        }
        // Names are a convenience: the SIDs still show, the analyst hears why.
        Err(e) => {
            app.sid_names_stale = true;
            fail(app, format!("loading SID names failed: {e}"));
        }
    }
}

/// Size the user_id column for its display with names (once per row set, not per frame).
pub fn fit_column(app: &mut App) {
    let r = &mut app.results;
    r.sid_width = None;
    if app.sid_names.map.is_empty() {
        return;
    }
    let Some(c) = r
        .columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case("user_id"))
    else {
        return;
    };
    let w = r
        .rows
        .iter()
        .filter_map(|row| row.key.get(c))
        .map(|sid| unicode_width::UnicodeWidthStr::width(app.sid_names.display(sid).as_str()))
        .max();
    r.sid_width = w.map(|w| w.min(48));
}
