//! Exclusions exported for the tools analysts already run: a Splunk `macros.conf` stanza that
//! replaces the analytic's `_filter` macro, and a Sigma filter rule.

use super::exclusions::sha256_hex;
use super::model::{Exclusion, ExclusionOp, SavedQuery};
use crate::sanitize::{inert_line, is_hazard};

/// A `macros.conf` stanza `[<id>_filter]` holding the enabled exclusions of `q`.
///
/// The macro is used after a pipe (`| \`..._filter\``), so its definition is a pipeline that
/// starts with a command: `search NOT f="v" NOT f IN (...)` for value tests; a `where` stage for
/// `Equals`/`OneOf` values that hold a `*` (which `search` would treat as a wildcard); then per
/// hashed field `eval _hb_hash=sha256(<decoded field>) | search NOT _hb_hash IN (...) |
/// fields - _hb_hash`.
///
/// Why the entity handling: the Splunk Windows add-on keeps `&amp; &lt; &gt;` encoded in the
/// indexed text (SEMANTICS.md §3) while huntbench holds decoded text. So compared values are
/// re-encoded, and hashed fields are decoded in SPL before `sha256`, so both sides hash the same
/// text. Values are quoted with `\"` and `\\` escaped; a newline inside a value is written as a
/// `\` line continuation, which Splunk's .conf reader joins back keeping the newline.
/// With no enabled exclusion the definition is Splunk's default, `search *`.
///
/// A value holding a control or bidi character (ESC, CR, a tab, U+202E; anything but a
/// newline) has no safe spelling in a .conf line and must never reach a terminal raw. An
/// `Equals` or `OneOf` value is exported as the SHA-256 of its exact text instead (the same
/// rows, except that the hash is case-sensitive); a `Wildcard` pattern cannot be hashed, so it is
/// left out. Both are said in `#` comment lines above the stanza.
pub fn splunk_filter_stanza(q: &SavedQuery, exclusions: &[Exclusion]) -> String {
    let active: Vec<Exclusion> = exclusions
        .iter()
        .filter(|x| x.enabled && x.analytic == q.id)
        .cloned()
        .collect();
    let mut notes = Vec::new();
    let mut prepared = Vec::new();
    for x in active {
        prepared.extend(conf_safe(x, &mut notes));
    }
    let mut clauses = Vec::new();
    let mut literal = Vec::new();
    let mut hashed: Vec<(&str, Vec<&str>)> = Vec::new();
    for x in &prepared {
        let f = x.field.as_str();
        match &x.op {
            ExclusionOp::Equals(v) if v.contains('*') => literal.push(where_eq(f, [v])),
            ExclusionOp::OneOf(vs) if vs.iter().any(|v| v.contains('*')) => {
                literal.push(where_eq(f, vs));
            }
            ExclusionOp::Equals(v) | ExclusionOp::Wildcard(v) => {
                clauses.push(format!("NOT {f}={}", spl_value(v)));
            }
            ExclusionOp::OneOf(vs) => {
                let list: Vec<String> = vs.iter().map(|v| spl_value(v)).collect();
                clauses.push(format!("NOT {f} IN ({})", list.join(",")));
            }
            ExclusionOp::Sha256(h) => match hashed.iter_mut().find(|(hf, _)| *hf == f) {
                Some((_, hs)) => hs.push(h),
                None => hashed.push((f, vec![h])),
            },
        }
    }
    let mut stages = Vec::new();
    if !clauses.is_empty() {
        stages.push(format!("search {}", clauses.join(" ")));
    }
    for w in literal {
        stages.push(format!("where NOT ({w})"));
    }
    for (i, (f, hs)) in hashed.iter().enumerate() {
        let var = if i == 0 {
            "_hb_hash".to_string()
        } else {
            format!("_hb_hash{}", i + 1)
        };
        let list: Vec<String> = hs
            .iter()
            .map(|h| spl_quote(&h.to_ascii_lowercase()))
            .collect();
        let decoded =
            format!("replace(replace(replace({f},\"&lt;\",\"<\"),\"&gt;\",\">\"),\"&amp;\",\"&\")");
        stages.push(format!("eval {var}=sha256({decoded})"));
        stages.push(format!("search NOT {var} IN ({})", list.join(",")));
        stages.push(format!("fields - {var}"));
    }
    let definition = if stages.is_empty() {
        "search *".to_string()
    } else {
        stages.join(" | ")
    };
    let mut out = String::new();
    for n in notes {
        out.push_str(&format!("# {}\n", inert_line(&n)));
    }
    out.push_str(&format!("[{}_filter]\ndefinition = {definition}\n", q.id));
    out
}

/// Can this value be written into a .conf line? (A newline can: as a `\` continuation.)
fn conf_unsafe(v: &str) -> bool {
    v.chars().any(|c| is_hazard(c) && c != '\n')
}

/// The code points that make a value unsafe, e.g. `U+001B, U+202E`.
fn hazards_in(vs: &[&String]) -> String {
    let mut cs: Vec<u32> = vs
        .iter()
        .flat_map(|v| v.chars())
        .filter(|c| is_hazard(*c) && *c != '\n')
        .map(|c| c as u32)
        .collect();
    cs.sort_unstable();
    cs.dedup();
    let names: Vec<String> = cs.iter().map(|c| format!("U+{c:04X}")).collect();
    names.join(", ")
}

/// The exclusion as it can be exported: unchanged, with its unsafe values as hashes, or
/// nothing; `notes` says what changed and why.
fn conf_safe(x: Exclusion, notes: &mut Vec<String>) -> Vec<Exclusion> {
    let hashed = |x: &Exclusion, v: &str| Exclusion {
        op: ExclusionOp::Sha256(sha256_hex(v)),
        ..x.clone()
    };
    match &x.op {
        ExclusionOp::Equals(v) if conf_unsafe(v) => {
            notes.push(format!(
                "{}: the {} value holds {}, which a .conf line cannot carry: exported as the \
                 SHA-256 of its exact text (case-sensitive)",
                x.id,
                x.field,
                hazards_in(&[v])
            ));
            vec![hashed(&x, v)]
        }
        ExclusionOp::OneOf(vs) if vs.iter().any(|v| conf_unsafe(v)) => {
            let (bad, good): (Vec<&String>, Vec<&String>) = vs.iter().partition(|v| conf_unsafe(v));
            notes.push(format!(
                "{}: {} of its {} values hold {}, which a .conf line cannot carry: exported as \
                 the SHA-256 of their exact text (case-sensitive)",
                x.id,
                bad.len(),
                x.field,
                hazards_in(&bad)
            ));
            let mut out: Vec<Exclusion> = bad.iter().map(|v| hashed(&x, v)).collect();
            if !good.is_empty() {
                out.push(Exclusion {
                    op: ExclusionOp::OneOf(good.into_iter().cloned().collect()),
                    ..x.clone()
                });
            }
            out
        }
        ExclusionOp::Wildcard(v) if conf_unsafe(v) => {
            notes.push(format!(
                "{} not exported: its {} pattern holds {}, which a .conf line cannot carry and \
                 a pattern cannot be hashed; exclude the exact text instead (`c` in the \
                 workbench, or `sha256:HEX`) or put `*` where the character is",
                x.id,
                x.field,
                hazards_in(&[v])
            ));
            Vec::new()
        }
        _ => vec![x],
    }
}

/// `lower(f)=lower("a") OR lower(f)=lower("b")`: exact, case-insensitive, `*` taken literally.
fn where_eq<'a>(f: &str, values: impl IntoIterator<Item = &'a String>) -> String {
    let parts: Vec<String> = values
        .into_iter()
        .map(|v| format!("lower({f})=lower({})", spl_value(v)))
        .collect();
    parts.join(" OR ")
}

/// A value as the Splunk add-on indexes it (`&`, `<`, `>` entity-encoded), quoted for SPL.
fn spl_value(v: &str) -> String {
    let encoded = v
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    spl_quote(&encoded)
}

/// An SPL double-quoted string; newlines become .conf line continuations.
fn spl_quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Sigma filter rule (Sigma 2 `filter:` meta-rule) holding the enabled exclusions of `q` that
/// Sigma can express, on Sigma's field names. Hash and stats-column exclusions have no Sigma
/// form; they are listed in a comment so nothing is lost silently.
pub fn sigma_filter(q: &SavedQuery, exclusions: &[Exclusion]) -> String {
    let script = q
        .selection
        .sources
        .iter()
        .any(|s| s.event_codes.contains(&4104));
    // A Sigma rule's filter names the rule's own log source; an ESCU analytic's, the Sigma
    // category of the events it reads.
    let logsource = match &q.sigma {
        Some(rule) => match rule.0.logsource_key().split_once(':') {
            Some((kind, name)) => format!("    {kind}: {name}\n"),
            // A rule that names only the product.
            None if rule.0.logsource_key() == "windows" => String::new(),
            None => format!("    category: {}\n", rule.0.logsource_key()),
        },
        None if script => "    category: ps_script\n".to_string(),
        None => "    category: process_creation\n".to_string(),
    };
    let mut selections = Vec::new();
    let mut skipped = Vec::new();
    for x in exclusions
        .iter()
        .filter(|x| x.enabled && x.analytic == q.id)
    {
        // A Sigma row's `user` is resolved from several fields (analytics::sigma_user); only
        // process creation logs it under the one Sigma name.
        let resolved_user = x.field == "user"
            && q.sigma
                .as_ref()
                .is_some_and(|r| r.0.logsource_key() != "process_creation");
        if resolved_user {
            skipped.push(format!(
                "{} (user of a {} rule has no single Sigma field)",
                x.id,
                q.sigma
                    .as_ref()
                    .map(|r| r.0.logsource_key())
                    .unwrap_or_default()
            ));
            continue;
        }
        let Some((field, basename)) = sigma_field(&x.field) else {
            skipped.push(format!("{} ({} has no Sigma field)", x.id, x.field));
            continue;
        };
        let m = if basename { "|endswith" } else { "" };
        let (modifier, values): (&str, Vec<String>) = match &x.op {
            ExclusionOp::Equals(v) => (m, vec![sigma_literal(v, basename)]),
            ExclusionOp::OneOf(vs) => (m, vs.iter().map(|v| sigma_literal(v, basename)).collect()),
            ExclusionOp::Wildcard(v) => {
                let pat = sigma_wildcard(v);
                let pat = if basename { format!("*\\\\{pat}") } else { pat };
                ("", vec![pat])
            }
            ExclusionOp::Sha256(_) => {
                skipped.push(format!("{} (sha256 of {})", x.id, x.field));
                continue;
            }
        };
        let mut s = format!("    filter_{}:\n        {field}{modifier}:\n", x.id);
        for v in values {
            s.push_str(&format!("            - {}\n", yaml_str(&v)));
        }
        selections.push((format!("filter_{}", x.id), s));
    }
    let mut out = format!(
        "title: huntbench exclusions for {}\ndescription: {}\nlogsource:\n    product: windows\n{logsource}",
        yaml_str(&q.name),
        yaml_str(&match &q.sigma {
            Some(_) => format!("Exclusions tuned in huntbench for Sigma rule {}", q.id),
            None => format!(
                "Exclusions tuned in huntbench for {} (ESCU {})",
                q.id,
                q.escu_id.as_deref().unwrap_or("-")
            ),
        }),
    );
    for s in &skipped {
        out.push_str(&format!("# not expressible in Sigma: {}\n", inert_line(s)));
    }
    out.push_str(&format!("filter:\n    rules:\n        - {}\n", q.id));
    if selections.is_empty() {
        out.push_str("    condition: 'false'\n");
        return out;
    }
    for (_, s) in &selections {
        out.push_str(s);
    }
    let names: Vec<String> = selections.iter().map(|(n, _)| format!("not {n}")).collect();
    out.push_str(&format!("    condition: {}\n", names.join(" and ")));
    out
}

/// Sigma's name for an output column; `true` when Sigma holds the full path (match the basename).
fn sigma_field(column: &str) -> Option<(&'static str, bool)> {
    Some(match column {
        "ScriptBlockText" => ("ScriptBlockText", false),
        "Computer" | "dest" => ("Computer", false),
        "user_id" => ("UserID", false),
        "user" => ("User", false),
        "process" => ("CommandLine", false),
        "process_name" => ("Image", true),
        "parent_process_name" => ("ParentImage", true),
        "process_id" => ("ProcessId", false),
        "parent_process_id" => ("ParentProcessId", false),
        "EventCode" => ("EventID", false),
        _ => return None,
    })
}

/// A literal Sigma value: escape `\`, `*` and `?` (Sigma's wildcard syntax).
fn sigma_literal(v: &str, basename: bool) -> String {
    let mut out = if basename {
        "\\\\".to_string()
    } else {
        String::new()
    };
    for c in v.chars() {
        if matches!(c, '\\' | '*' | '?') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Sigma wildcard value: `*` stays special, `\` and `?` are escaped.
fn sigma_wildcard(v: &str) -> String {
    let mut out = String::new();
    for c in v.chars() {
        if matches!(c, '\\' | '?') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML). Control and bidi characters
/// are `\uXXXX` escapes, which YAML reads back as the exact text: a Sigma value stays exact and
/// the file never carries them raw.
fn yaml_str(s: &str) -> String {
    crate::output::to_json_compact(s).unwrap_or_default()
}
