//! Loading saved queries: the built-in parity analytics (embedded) plus the user's `*.toml` files,
//! each validated so a typo is reported with its file and field instead of silently matching
//! nothing.

use std::path::Path;

use super::error::AnalyticsError;
use super::model::SavedQuery;
use crate::event::FIELD_NAMES;

/// The built-in definitions: (file name, text).
const BUILTIN: &[(&str, &str)] = &[
    (
        "remote_process_instantiation_via_winrm_and_powershell_script_block.toml",
        include_str!(
            "../../assets/analytics/remote_process_instantiation_via_winrm_and_powershell_script_block.toml"
        ),
    ),
    (
        "remote_process_instantiation_via_winrm_and_powershell.toml",
        include_str!(
            "../../assets/analytics/remote_process_instantiation_via_winrm_and_powershell.toml"
        ),
    ),
    (
        "winrm_remoting_extended.toml",
        include_str!("../../assets/analytics/winrm_remoting_extended.toml"),
    ),
    (
        "winrm_remoting_inbound.toml",
        include_str!("../../assets/analytics/winrm_remoting_inbound.toml"),
    ),
];

/// Splunk names `Event::get` understands besides the snake names of `FIELD_NAMES`.
const SPLUNK_NAMES: &[&str] = &[
    "_time",
    "EventCode",
    "EventID",
    "signature_id",
    "source",
    "log_name",
    "dest",
    "host",
    "RecordNumber",
    "EventRecordID",
    "UserID",
    "ScriptBlockText",
    "ScriptBlockId",
    "MessageNumber",
    "MessageTotal",
    "CommandLine",
    "command_line",
    "Image",
    "ParentCommandLine",
    "ParentImage",
    "OriginalFileName",
    "ProcessGuid",
];

/// Top-level keys of a saved-query file (anything else is a typo).
const KEYS: &[&str] = &[
    "id",
    "name",
    "label",
    "escu_id",
    "description",
    "mitre",
    "risk",
    "kind",
    "selection",
    "predicates",
    "by",
    "columns",
    "missing",
    "identity",
];

/// The stats columns every analytic ends with.
const STATS_COLUMNS: [&str; 3] = ["count", "firstTime", "lastTime"];

/// Is this a field name that `Event::get` resolves to a normalized field?
pub fn is_known_field(name: &str) -> bool {
    FIELD_NAMES
        .iter()
        .chain(SPLUNK_NAMES)
        .any(|k| k.eq_ignore_ascii_case(name))
}

/// The built-in parity analytics.
pub fn builtin_queries() -> Vec<SavedQuery> {
    BUILTIN
        .iter()
        .map(|(file, text)| parse_query(file, text).expect("built-in analytic is valid"))
        .collect()
}

/// Built-ins plus every `*.toml` in `user_dir` (sorted by file name; a missing dir is fine).
pub fn load_saved_queries(user_dir: Option<&Path>) -> Result<Vec<SavedQuery>, AnalyticsError> {
    let mut out: Vec<(String, SavedQuery)> = Vec::new();
    for (file, text) in BUILTIN {
        let q = parse_query(&format!("<built-in>/{file}"), text)?;
        push_unique(&mut out, format!("<built-in>/{file}"), q)?;
    }
    if let Some(dir) = user_dir {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(finish(out)),
            Err(e) => return Err(AnalyticsError::io(dir, e)),
        };
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| AnalyticsError::io(&path, e))?;
            let name = path.display().to_string();
            let q = parse_query(&name, &text)?;
            push_unique(&mut out, name, q)?;
        }
    }
    Ok(finish(out))
}

fn finish(v: Vec<(String, SavedQuery)>) -> Vec<SavedQuery> {
    v.into_iter().map(|(_, q)| q).collect()
}

fn push_unique(
    out: &mut Vec<(String, SavedQuery)>,
    file: String,
    q: SavedQuery,
) -> Result<(), AnalyticsError> {
    if let Some((first, _)) = out.iter().find(|(_, o)| o.id == q.id) {
        return Err(AnalyticsError::DuplicateId {
            id: q.id,
            first: first.clone(),
            second: file,
        });
    }
    out.push((file, q));
    Ok(())
}

/// Parse and validate one definition; `file` names it in errors.
pub fn parse_query(file: &str, text: &str) -> Result<SavedQuery, AnalyticsError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| AnalyticsError::toml(file, text, &e))?;
    if let Some(k) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(def(file, k, "unknown key"));
    }
    let q: SavedQuery = toml::from_str(text).map_err(|e| AnalyticsError::toml(file, text, &e))?;
    validate_query(file, &q)?;
    Ok(q)
}

fn def(file: &str, field: &str, message: impl Into<String>) -> AnalyticsError {
    AnalyticsError::Definition {
        file: file.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}

/// Check a definition: ids, sources, field names, patterns and the column list.
pub fn validate_query(file: &str, q: &SavedQuery) -> Result<(), AnalyticsError> {
    let id_ok = !q.id.is_empty()
        && q.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !id_ok {
        return Err(def(file, "id", "must be non-empty snake_case ([a-z0-9_])"));
    }
    if q.name.trim().is_empty() {
        return Err(def(file, "name", "must not be empty"));
    }
    for (i, c) in q.identity.iter().enumerate() {
        if c != "firstTime" && !q.by.contains(c) {
            return Err(def(
                file,
                &format!("identity[{i}]"),
                format!("`{c}` is neither a by-field nor firstTime"),
            ));
        }
    }
    if q.selection.sources.is_empty() {
        return Err(def(file, "selection.sources", "needs at least one source"));
    }
    for (i, s) in q.selection.sources.iter().enumerate() {
        if s.channel.trim().is_empty() {
            return Err(def(
                file,
                &format!("selection.sources[{i}].channel"),
                "empty",
            ));
        }
        if s.event_codes.is_empty() {
            let f = format!("selection.sources[{i}].event_codes");
            return Err(def(file, &f, "needs at least one event code"));
        }
    }
    for (i, a) in q.selection.any_of.iter().enumerate() {
        if !is_known_field(&a.field) {
            let f = format!("selection.any_of[{i}].field");
            return Err(def(file, &f, format!("unknown field `{}`", a.field)));
        }
        if a.values.is_empty() || a.values.iter().any(|v| v.is_empty()) {
            let f = format!("selection.any_of[{i}].values");
            return Err(def(file, &f, "needs non-empty values"));
        }
    }
    for (i, p) in q.predicates.iter().enumerate() {
        if !is_known_field(&p.field) {
            let f = format!("predicates[{i}].field");
            return Err(def(file, &f, format!("unknown field `{}`", p.field)));
        }
        if p.pattern.is_empty() {
            return Err(def(
                file,
                &format!("predicates[{i}].pattern"),
                "empty pattern",
            ));
        }
    }
    if q.by.is_empty() {
        return Err(def(file, "by", "needs at least one by-field"));
    }
    for (i, b) in q.by.iter().enumerate() {
        // An extended analytic's by-list names its engine's row key, not Event fields.
        if q.kind == super::model::QueryKind::Parity && !is_known_field(b) {
            return Err(def(
                file,
                &format!("by[{i}]"),
                format!("unknown by-field `{b}`"),
            ));
        }
        if q.by[..i].contains(b) {
            return Err(def(file, &format!("by[{i}]"), format!("`{b}` is repeated")));
        }
    }
    let expected: Vec<&str> =
        q.by.iter()
            .map(String::as_str)
            .chain(STATS_COLUMNS)
            .collect();
    if q.columns != expected {
        return Err(def(
            file,
            "columns",
            format!("must be the by-fields then count, firstTime, lastTime: {expected:?}"),
        ));
    }
    Ok(())
}
