//! Splunk-habit quoting of exclusion patterns: `Computer="WS-HR-03.corp.local"` means the value,
//! not a value with quotes.
//!
//! Why only a whole quoted string counts: command lines often start with a quoted path
//! (`"C:\…\powershell.exe" -c …`); a pattern that is not one complete `"…"` is taken as typed.
//! Inside the quotes `\"` is a quote and `\\` a backslash; every other backslash is literal
//! (`"CORP\alice"`), as in the search language.

use super::exclusions::parse_op;
use super::model::ExclusionOp;

/// The value inside a pattern that is one double-quoted string (after trimming white space
/// around it), with its escapes read; `None` when the pattern is not one.
pub fn unquote(pattern: &str) -> Option<String> {
    let inner = pattern.trim().strip_prefix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (i + 1 == inner.len()).then_some(out),
            '\\' if matches!(inner[i + 1..].chars().next(), Some('"' | '\\')) => {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// A value as a quoted pattern that [`unquote`] reads back exactly: `"` and a backslash that
/// would start an escape (before `"`, `\` or the closing quote) get a backslash.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' if matches!(chars.peek(), None | Some('"' | '\\')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Does a value need quotes to come back unchanged from [`pattern_op`]? (Surrounding white space
/// is trimmed, a leading quote starts a quoted string, a prefix names another operation.)
pub fn needs_quotes(value: &str) -> bool {
    let lower = value.get(..7).unwrap_or(value).to_ascii_lowercase();
    value.is_empty()
        || value.trim() != value
        || value.starts_with('"')
        || ["sha256:", "in:", "eq:"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// A pattern as the analyst typed it, into an operation: a quoted string is its value (a
/// wildcard when it holds `*`, else equals); anything else is read by [`parse_op`].
pub fn pattern_op(pattern: &str) -> ExclusionOp {
    match unquote(pattern) {
        Some(v) if v.contains('*') => ExclusionOp::Wildcard(v),
        Some(v) => ExclusionOp::Equals(v),
        None => parse_op(pattern),
    }
}

/// A PATTERN from the command line (`exclusions add`, `triage set`): with `--in`, a comma list
/// (items trimmed, empty ones skipped); else [`pattern_op`]. One function, so the two commands
/// select rows alike.
pub fn cli_op(pattern: &str, one_of: bool) -> ExclusionOp {
    if one_of {
        ExclusionOp::OneOf(
            pattern
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    } else {
        pattern_op(pattern)
    }
}

/// `field=pattern` as typed in the workbench (`Computer="WS-HR-03.corp.local"`,
/// `Computer = WS-HR-03`): the field name and the operation. The field is not checked here.
pub fn field_pattern(input: &str) -> Result<(String, ExclusionOp), String> {
    let Some((field, pattern)) = input.split_once('=') else {
        return Err("expected field=pattern, e.g. Computer=\"WS-HR-03.corp.local\"".into());
    };
    let field = field.trim();
    if field.is_empty() {
        return Err("expected a field name before `=`".into());
    }
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(format!("expected a pattern after `{field}=`"));
    }
    Ok((field.to_string(), pattern_op(pattern)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_value_is_the_value() {
        assert_eq!(
            pattern_op("\"WS-HR-03.corp.local\""),
            ExclusionOp::Equals("WS-HR-03.corp.local".into())
        );
        assert_eq!(
            pattern_op("  \"*.corp.local\" "),
            ExclusionOp::Wildcard("*.corp.local".into())
        );
        assert_eq!(
            pattern_op("\"say \\\"hi\\\"\""),
            ExclusionOp::Equals("say \"hi\"".into())
        );
        assert_eq!(
            pattern_op("\"CORP\\alice\""),
            ExclusionOp::Equals("CORP\\alice".into())
        );
        assert_eq!(pattern_op("\"a\\\\\""), ExclusionOp::Equals("a\\".into()));
    }

    #[test]
    fn anything_but_one_whole_quoted_string_is_taken_as_typed() {
        let cmd = "\"C:\\Windows\\powershell.exe\" -c Invoke-Command";
        assert_eq!(pattern_op(cmd), ExclusionOp::Equals(cmd.into()));
        assert_eq!(
            pattern_op("\"a\" \"b\""),
            ExclusionOp::Equals("\"a\" \"b\"".into())
        );
        assert_eq!(pattern_op("\"open"), ExclusionOp::Equals("\"open".into()));
        assert_eq!(
            pattern_op("WS-HR-03"),
            ExclusionOp::Equals("WS-HR-03".into())
        );
        assert_eq!(pattern_op("ws*"), ExclusionOp::Wildcard("ws*".into()));
        assert_eq!(
            pattern_op("sha256:ABC"),
            ExclusionOp::Sha256("abc".into()),
            "prefixes still work unquoted"
        );
        assert_eq!(
            pattern_op("\"sha256:abc\""),
            ExclusionOp::Equals("sha256:abc".into()),
            "a quoted prefix is text"
        );
    }

    #[test]
    fn field_equals_pattern_in_every_spelling() {
        let want = (
            "Computer".to_string(),
            ExclusionOp::Equals("WS-HR-03.corp.local".into()),
        );
        for typed in [
            "Computer=\"WS-HR-03.corp.local\"",
            "Computer = \"WS-HR-03.corp.local\"",
            "Computer=WS-HR-03.corp.local",
            " Computer =  WS-HR-03.corp.local ",
        ] {
            assert_eq!(field_pattern(typed).unwrap(), want, "{typed}");
        }
        assert_eq!(
            field_pattern("ScriptBlockText=\"a = b\"").unwrap().1,
            ExclusionOp::Equals("a = b".into())
        );
        assert!(
            field_pattern("Computer")
                .unwrap_err()
                .contains("field=pattern")
        );
        assert!(field_pattern("=x").is_err());
        assert!(field_pattern("Computer=  ").is_err());
    }

    #[test]
    fn quote_round_trips_any_value() {
        for v in [
            "plain",
            "CORP\\alice",
            "ends in \\",
            "a\\\"b",
            "\"quoted\"",
            " padded ",
            "two\\\\slashes",
            "line\nbreak",
            "",
        ] {
            assert_eq!(
                unquote(&quote(v)).as_deref(),
                Some(v),
                "{v:?} → {}",
                quote(v)
            );
        }
        assert_eq!(
            quote("CORP\\alice"),
            "\"CORP\\alice\"",
            "no needless escapes"
        );
        assert!(needs_quotes(" x") && needs_quotes("\"x") && needs_quotes("in:a"));
        assert!(!needs_quotes("MGMT01.corp.local") && !needs_quotes("CORP\\alice"));
    }
}
