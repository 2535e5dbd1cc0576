//! SIDs as people read them: the account name beside the SID, and a domain SID's middle elided
//! (never its right end: the RID says which account it is).

use std::borrow::Cow;

/// `S-1-5-21-…-1104` for a SID of more than six parts (a domain or machine SID: its middle is
/// the domain's, its RID the account's), else the text as is.
pub fn compact_sid(sid: &str) -> Cow<'_, str> {
    let parts: Vec<&str> = sid.split('-').collect();
    if !is_sid(sid) || parts.len() <= 6 {
        return Cow::Borrowed(sid);
    }
    Cow::Owned(format!(
        "{}-…-{}",
        parts[..4].join("-"),
        parts[parts.len() - 1]
    ))
}

/// The SID with the resolved account name beside it, as the TUI shows it:
/// `S-1-5-21-…-1104 (CORP\j.miller)` in its compact form, `S-1-5-18 (NT AUTHORITY\SYSTEM)`.
pub fn sid_label(sid: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{sid} ({n})"),
        None => sid.to_string(),
    }
}

/// The compact form of a `sid_label` (or of a bare SID); `None` when the text is no SID.
pub fn compact_label(label: &str) -> Option<String> {
    let (sid, rest) = match label.find(' ') {
        Some(i) => label.split_at(i),
        None => (label, ""),
    };
    is_sid(sid).then(|| format!("{}{rest}", compact_sid(sid)))
}

fn is_sid(s: &str) -> bool {
    s.len() > 4
        && s[..4].eq_ignore_ascii_case("S-1-")
        && s[4..]
            .split('-')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rid_stays() {
        let sid = "S-1-5-21-3623811015-3361044348-30300820-1104";
        assert_eq!(compact_sid(sid), "S-1-5-21-…-1104");
        assert_eq!(compact_sid("S-1-5-18"), "S-1-5-18");
        assert_eq!(compact_sid("CORP\\x-y-z-a-b-c-d"), "CORP\\x-y-z-a-b-c-d");
        assert_eq!(
            compact_label(&sid_label(sid, Some("CORP\\j.miller"))).unwrap(),
            "S-1-5-21-…-1104 (CORP\\j.miller)"
        );
        assert_eq!(compact_label("CORP\\alice"), None);
    }
}
