//! Sigma rules as saved queries: each supported rule becomes a [`SavedQuery`] of kind
//! [`QueryKind::Sigma`], so tagging at ingest, hunts, exclusions, triage, the TUI and the
//! report treat it as they treat the built-in analytics.

use std::path::PathBuf;
use std::sync::Arc;

use super::model::{MissingPolicy, QueryKind, SavedQuery, Selection, SigmaRule, SourceSel};
use crate::event::Event;
use crate::sigma::{Level, Rule, RuleSet, SigmaError};

/// The by-fields of every Sigma rule's rows: the host and the account that acted.
pub const SIGMA_BY: [&str; 2] = ["Computer", "user"];

/// The saved query that runs `rule`.
pub fn sigma_query(rule: Arc<Rule>) -> SavedQuery {
    let sources = rule
        .sources()
        .channels
        .into_iter()
        .map(|(channel, event_codes)| SourceSel {
            channel,
            event_codes,
        })
        .collect();
    let by: Vec<String> = SIGMA_BY.iter().map(|s| s.to_string()).collect();
    let mut columns = by.clone();
    columns.extend(["count", "firstTime", "lastTime"].map(String::from));
    SavedQuery {
        id: rule.id.clone(),
        name: rule.title.clone(),
        label: Some(format!("sigma {}", level_str(rule.level))),
        escu_id: None,
        description: format!("Sigma rule {} ({})", rule.id, rule.path.display()),
        mitre: Vec::new(),
        risk: None,
        kind: QueryKind::Sigma,
        selection: Selection {
            sources,
            any_of: Vec::new(),
        },
        predicates: Vec::new(),
        by,
        columns,
        // A Sigma rule's events come from any log: one without an account still counts.
        missing: MissingPolicy::FillNull,
        identity: Vec::new(),
        sigma: Some(SigmaRule(rule)),
    }
}

/// A level as Sigma spells it (`high`).
pub fn level_str(level: Level) -> &'static str {
    match level {
        Level::Informational => "informational",
        Level::Low => "low",
        Level::Medium => "medium",
        Level::High => "high",
        Level::Critical => "critical",
    }
}

/// The level of a Sigma query (`None` for the built-in analytics).
pub fn level_of(q: &SavedQuery) -> Option<crate::sigma::Level> {
    q.sigma.as_ref().map(|r| r.0.level)
}

/// Load the rules under these folders: the saved queries of the supported ones, and the
/// whole rule set (with every listing, supported or not).
pub fn load_sigma(paths: &[PathBuf]) -> Result<(Vec<SavedQuery>, RuleSet), SigmaError> {
    Ok(sigma_queries(RuleSet::load(paths)?))
}

/// A loaded rule set's saved queries (the set keeps its listing; its rules move into them).
pub fn sigma_queries(mut set: RuleSet) -> (Vec<SavedQuery>, RuleSet) {
    let rules = std::mem::take(&mut set.rules);
    let queries = rules
        .into_iter()
        .map(|r| sigma_query(Arc::new(r)))
        .collect();
    (queries, set)
}

/// The `user` of a Sigma row: the account the event is about, as it names it. The process
/// events' account (Sysmon's `User`, 4688's target or subject), else a logged `User`, else a
/// Security event's target account (the one logged on, created, changed: Splunk CIM's
/// `user`), else its subject, else the SID the event was written under.
pub fn sigma_user(e: &Event) -> Option<String> {
    if let Some(u) = e.user.as_deref().filter(|u| !u.is_empty()) {
        return Some(u.to_string());
    }
    if let Some(u) = e.data.get("User").filter(|u| !u.is_empty()) {
        return Some(u.clone());
    }
    let usable = |v: Option<&String>| v.filter(|s| !s.is_empty() && s.as_str() != "-").cloned();
    for side in ["Target", "Subject"] {
        if let Some(name) = usable(e.data.get(&format!("{side}UserName"))) {
            return Some(match usable(e.data.get(&format!("{side}DomainName"))) {
                Some(dom) => format!("{dom}\\{name}"),
                None => name,
            });
        }
    }
    e.user_id.clone().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(data: &[(&str, &str)]) -> Event {
        Event {
            data: data
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_user_of_a_row_is_the_account_the_event_is_about() {
        let mut e = with(&[("User", "CORP\\svc"), ("TargetUserName", "bob")]);
        assert_eq!(sigma_user(&e).as_deref(), Some("CORP\\svc"));
        e.user = Some("CORP\\alice".into());
        assert_eq!(sigma_user(&e).as_deref(), Some("CORP\\alice"));
        let e = with(&[
            ("SubjectUserName", "WS1$"),
            ("SubjectDomainName", "CORP"),
            ("TargetUserName", "bob"),
            ("TargetDomainName", "-"),
        ]);
        assert_eq!(sigma_user(&e).as_deref(), Some("bob"));
        let e = with(&[
            ("SubjectUserName", "WS1$"),
            ("SubjectDomainName", "CORP"),
            ("TargetUserName", "-"),
        ]);
        assert_eq!(sigma_user(&e).as_deref(), Some("CORP\\WS1$"));
        let mut e = with(&[("SubjectUserName", "-")]);
        assert_eq!(sigma_user(&e), None);
        e.user_id = Some("S-1-5-18".into());
        assert_eq!(sigma_user(&e).as_deref(), Some("S-1-5-18"));
    }
}
