//! Before an exclusion is saved: what it would suppress in the rows already hunted, and whether
//! it is so broad that it would switch the detection off.
//!
//! Why a threshold on the share of rows: an exclusion tunes out a few false positives; one that
//! hides most of an analytic's rows (`*.corp.local` on a one-domain index) is a detection
//! switched off by a typo. "Most" is more than half of the rows kept before it ([`is_most`]).

use std::borrow::Borrow;

use super::exclusions::{column_value, op_matches};
use super::model::{Exclusion, ExclusionOp, HuntResult, SavedQuery};

/// What a candidate exclusion would suppress in one analytic's hunted rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    pub analytic: String,
    /// Rows kept today (no other exclusion suppresses them) that it would suppress.
    pub rows: u64,
    /// Events in those rows.
    pub events: u64,
    /// The analytic's kept rows before it: the share's denominator.
    pub kept_rows: u64,
    /// Events in the kept rows.
    pub kept_events: u64,
    /// Rows other exclusions already suppress that it matches too.
    pub already: u64,
}

impl Preview {
    /// `would suppress 3 of 41 rows (120 events) of ESCU 4104 script block`.
    pub fn line(&self, label: &str) -> String {
        let mut s = format!(
            "would suppress {} of {} rows ({} events) of {label}",
            self.rows, self.kept_rows, self.events
        );
        if self.already > 0 {
            s.push_str(&format!(
                "; it also matches {} row(s) other exclusions already suppress",
                self.already
            ));
        }
        s
    }
}

/// What `x` would suppress in `result` (its analytic's rows, kept and suppressed, as hunted).
/// `x` is taken as enabled; a result of another analytic gives an empty preview.
pub fn preview(result: &HuntResult, x: &Exclusion) -> Preview {
    let q = &result.query;
    let mut p = Preview {
        analytic: x.analytic.clone(),
        ..Preview::default()
    };
    if q.id != x.analytic {
        return p;
    }
    for g in &result.groups {
        let hit = column_value(q, g, &x.field, None).is_some_and(|v| op_matches(&x.op, &v));
        if g.is_kept() {
            p.kept_rows += 1;
            p.kept_events += g.count;
            if hit {
                p.rows += 1;
                p.events += g.count;
            }
        } else if hit {
            p.already += 1;
        }
    }
    p
}

/// [`preview`] over every analytic's result: the one of `x`'s analytic (empty when it was not
/// hunted).
pub fn preview_in<R: Borrow<HuntResult>>(results: &[R], x: &Exclusion) -> Preview {
    results
        .iter()
        .map(Borrow::borrow)
        .find(|r| r.query.id == x.analytic)
        .map(|r| preview(r, x))
        .unwrap_or_else(|| Preview {
            analytic: x.analytic.clone(),
            ..Preview::default()
        })
}

/// Does a wildcard match (about) any value, judged from the pattern alone? True when nothing but
/// `*` and punctuation or white space is left (`*`, `**`, `*.*`, `*-*`, `* *`): such a pattern
/// needs no rows to be known to switch a detection off, so it is caught on an empty index too.
pub fn matches_anything(op: &ExclusionOp) -> bool {
    match op {
        ExclusionOp::Wildcard(p) => p.contains('*') && !p.chars().any(char::is_alphanumeric),
        _ => false,
    }
}

/// More than half of the kept rows: the line past which an exclusion counts as broad.
pub fn is_most(rows: u64, kept_rows: u64) -> bool {
    kept_rows > 0 && rows * 2 > kept_rows
}

/// Why an exclusion is too broad to save without being forced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broad {
    /// The pattern matches any value (`*`).
    MatchesAnything,
    /// It would suppress every kept row.
    All { rows: u64 },
    /// It would suppress more than half of the kept rows.
    Most { rows: u64, of: u64 },
}

impl Broad {
    /// One clause for messages: `its pattern matches any value`, `it would suppress all 3 rows`.
    pub fn reason(&self) -> String {
        match self {
            Broad::MatchesAnything => "its pattern matches any value".into(),
            Broad::All { rows } => format!("it would suppress all {rows} rows"),
            Broad::Most { rows, of } => {
                format!("it would suppress {rows} of {of} rows, more than half")
            }
        }
    }
}

/// Is `op` with this preview too broad to save unasked? The pattern check comes first: it holds
/// whatever the rows.
pub fn broad(op: &ExclusionOp, p: &Preview) -> Option<Broad> {
    if matches_anything(op) {
        return Some(Broad::MatchesAnything);
    }
    if p.kept_rows > 0 && p.rows == p.kept_rows {
        return Some(Broad::All { rows: p.rows });
    }
    is_most(p.rows, p.kept_rows).then_some(Broad::Most {
        rows: p.rows,
        of: p.kept_rows,
    })
}

/// The enabled exclusions of `q` whose pattern matches any value: an export holding one would
/// turn the detection off in the SIEM (`NOT Computer="*"`). One `id (field like "*")` each.
pub fn turns_detection_off(q: &SavedQuery, exclusions: &[Exclusion]) -> Vec<String> {
    exclusions
        .iter()
        .filter(|x| x.enabled && x.analytic == q.id && matches_anything(&x.op))
        .map(|x| format!("{} ({})", x.id, super::describe::describe(x)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::load::builtin_queries;
    use crate::analytics::model::Group;
    use std::collections::BTreeMap;

    const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

    fn result(rows: &[(&str, u64, &[&str])]) -> HuntResult {
        let query = builtin_queries().into_iter().find(|q| q.id == SB).unwrap();
        let groups = rows
            .iter()
            .map(|(host, count, by)| Group {
                analytic: SB.into(),
                key: vec![
                    "4104".into(),
                    "icm".into(),
                    host.to_string(),
                    "S-1-5-18".into(),
                ],
                count: *count,
                first: 0,
                last: 0,
                events: vec![],
                suppressed_by: by.iter().map(|s| s.to_string()).collect(),
            })
            .collect();
        HuntResult {
            query,
            groups,
            dropped: vec![],
            suppressed: BTreeMap::new(),
        }
    }

    fn x(field: &str, op: ExclusionOp) -> Exclusion {
        Exclusion {
            id: "x9".into(),
            analytic: SB.into(),
            field: field.into(),
            op,
            note: None,
            enabled: false,
            created: String::new(),
        }
    }

    #[test]
    fn preview_counts_kept_rows_and_events_it_would_suppress() {
        let r = result(&[
            ("MGMT01.corp.local", 120, &[]),
            ("mgmt01.corp.local", 3, &[]),
            ("WS-HR-03.corp.local", 7, &[]),
            ("WS-FIN-07.corp.local", 1, &[]),
            ("MGMT01.corp.local", 5, &["x1"]),
        ]);
        let p = preview(
            &r,
            &x("Computer", ExclusionOp::Equals("mgmt01.CORP.local".into())),
        );
        assert_eq!(
            (p.rows, p.events, p.kept_rows, p.kept_events, p.already),
            (2, 123, 4, 131, 1)
        );
        assert_eq!(
            p.line("ESCU 4104 script block"),
            "would suppress 2 of 4 rows (123 events) of ESCU 4104 script block; it also \
             matches 1 row(s) other exclusions already suppress"
        );
        assert_eq!(broad(&x("", ExclusionOp::Equals("a".into())).op, &p), None);
        // Another analytic's exclusion previews nothing here.
        let mut other = x("dest", ExclusionOp::Equals("x".into()));
        other.analytic = "remote_process_instantiation_via_winrm_and_powershell".into();
        assert_eq!(preview_in(&[r], &other).kept_rows, 0);
    }

    #[test]
    fn all_or_more_than_half_of_the_rows_is_broad_half_is_not() {
        let r = result(&[
            ("a.corp.local", 1, &[]),
            ("b.corp.local", 1, &[]),
            ("c.corp.local", 1, &[]),
            ("d.lab.local", 1, &[]),
        ]);
        let op = ExclusionOp::Wildcard("*.corp.local".into());
        let p = preview(&r, &x("Computer", op.clone()));
        assert_eq!(broad(&op, &p), Some(Broad::Most { rows: 3, of: 4 }));
        let op = ExclusionOp::Wildcard("*.local".into());
        let p = preview(&r, &x("Computer", op.clone()));
        assert_eq!(broad(&op, &p), Some(Broad::All { rows: 4 }));
        assert_eq!(
            Broad::All { rows: 4 }.reason(),
            "it would suppress all 4 rows"
        );
        let op = ExclusionOp::OneOf(vec!["a.corp.local".into(), "b.corp.local".into()]);
        let p = preview(&r, &x("Computer", op.clone()));
        assert_eq!(
            (p.rows, broad(&op, &p)),
            (2, None),
            "exactly half is not most"
        );
    }

    #[test]
    fn a_match_all_pattern_is_broad_even_on_an_empty_index() {
        let empty = result(&[]);
        for pat in ["*", "**", "*.*", "*-*", " * ", "*\\*"] {
            let op = ExclusionOp::Wildcard(pat.into());
            let p = preview(&empty, &x("Computer", op.clone()));
            assert_eq!(broad(&op, &p), Some(Broad::MatchesAnything), "{pat:?}");
        }
        for op in [
            ExclusionOp::Wildcard("*a*".into()),
            ExclusionOp::Wildcard("ws*".into()),
            ExclusionOp::Equals("*".into()),
            ExclusionOp::OneOf(vec!["*".into()]),
        ] {
            assert!(!matches_anything(&op), "{op:?}");
            assert_eq!(
                broad(&op, &preview(&empty, &x("Computer", op.clone()))),
                None
            );
        }
    }

    #[test]
    fn an_export_holding_a_match_all_pattern_is_named() {
        let q = builtin_queries().into_iter().find(|q| q.id == SB).unwrap();
        let mut star = x("Computer", ExclusionOp::Wildcard("*".into()));
        star.enabled = true;
        let mut off = star.clone();
        off.id = "x10".into();
        off.enabled = false;
        let mut fine = x("Computer", ExclusionOp::Wildcard("ws*".into()));
        fine.enabled = true;
        assert_eq!(
            turns_detection_off(&q, &[star, off, fine]),
            vec!["x9 (Computer like \"*\")".to_string()]
        );
    }
}
