//! One Windows `<Event>` element (Splunk XmlWinEventLog, `wevtutil qe /f:xml`) → [`Raw`].
//!
//! Lenient on purpose: control characters (ESC, BEL, raw or as `&#27;`) are data, not errors,
//! because PowerShell allows them in script text and dropping such a record would hide it.
//! quick-xml hands entity references over as separate events; they are decoded here.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event as X};

use super::mapping::Raw;

/// Parse the text of one `<Event>…</Event>` element.
pub(crate) fn raw_from_xml(text: &str) -> Result<Raw, String> {
    let mut reader = Reader::from_str(text);
    let mut raw = Raw::default();
    // Element names from <Event> down, whether each has child elements, and the Name attribute
    // of the innermost <Data>.
    let mut path: Vec<String> = Vec::with_capacity(8);
    let mut has_child: Vec<bool> = Vec::with_capacity(8);
    let mut data_name: Option<String> = None;
    let mut buf = String::new();
    let mut saw_event = false;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("malformed XML at byte {}: {e}", reader.error_position()))?;
        match ev {
            X::Start(s) => {
                saw_event |= open(&s, &mut path, &mut has_child, &mut data_name, &mut raw);
                buf.clear();
            }
            X::Empty(s) => {
                saw_event |= open(&s, &mut path, &mut has_child, &mut data_name, &mut raw);
                buf.clear();
                close(&path, &has_child, &mut data_name, &mut buf, &mut raw);
                path.pop();
                has_child.pop();
            }
            X::Text(t) => buf.push_str(&t.into_inner()),
            X::CData(c) => buf.push_str(&c.into_inner()),
            X::GeneralRef(r) => {
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => buf.push(c),
                        _ => buf.push('\u{FFFD}'),
                    }
                } else {
                    push_entity(&mut buf, &r);
                }
            }
            X::End(_) => {
                close(&path, &has_child, &mut data_name, &mut buf, &mut raw);
                path.pop();
                has_child.pop();
                buf.clear();
                if path.is_empty() && saw_event {
                    break;
                }
            }
            X::Eof => {
                if saw_event && path.is_empty() {
                    break;
                }
                return Err("the <Event> element is not closed".into());
            }
            _ => {}
        }
    }
    if !saw_event {
        return Err("no <Event> element".into());
    }
    Ok(raw)
}

fn push_entity(buf: &mut String, name: &str) {
    match name {
        "amp" => buf.push('&'),
        "lt" => buf.push('<'),
        "gt" => buf.push('>'),
        "quot" => buf.push('"'),
        "apos" => buf.push('\''),
        other => {
            // Unknown entity: keep it as written rather than lose text.
            buf.push('&');
            buf.push_str(other);
            buf.push(';');
        }
    }
}

/// Decode `&amp;`-style and numeric references (attribute values, Splunk field values).
pub(crate) fn unescape(v: &str) -> String {
    if !v.contains('&') {
        return v.to_owned();
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find(';') {
            Some(j) if j <= 10 => {
                let name = &after[..j];
                if let Some(num) = name.strip_prefix('#') {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    out.push(code.and_then(char::from_u32).unwrap_or('\u{FFFD}'));
                } else {
                    push_entity(&mut out, name);
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn attr(s: &BytesStart, want: &str) -> Option<String> {
    s.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == want)
        .map(|a| unescape(&a.value))
}

/// Handle an opening tag; returns true when it is the root `<Event>`.
fn open(
    s: &BytesStart,
    path: &mut Vec<String>,
    has_child: &mut Vec<bool>,
    data_name: &mut Option<String>,
    raw: &mut Raw,
) -> bool {
    let name = s.local_name().as_ref().to_owned();
    if let Some(parent) = has_child.last_mut() {
        *parent = true;
    }
    let depth = path.len();
    let in_system = depth == 2 && path[1] == "System";
    if in_system {
        match name.as_str() {
            "Provider" => raw.provider = attr(s, "Name").unwrap_or_default(),
            "TimeCreated" => {
                raw.time = attr(s, "SystemTime").and_then(|t| crate::time::parse_timestamp(&t))
            }
            "Security" => raw.user_id = attr(s, "UserID").filter(|u| !u.is_empty()),
            "Execution" => raw.pid = attr(s, "ProcessID").and_then(|p| p.trim().parse().ok()),
            _ => {}
        }
    }
    if depth == 2 && path[1] == "EventData" && name == "Data" {
        *data_name = attr(s, "Name");
    }
    let is_root = depth == 0 && name == "Event";
    path.push(name);
    has_child.push(false);
    is_root
}

/// Handle the end of the innermost element (`path` still holds it).
fn close(
    path: &[String],
    has_child: &[bool],
    data_name: &mut Option<String>,
    buf: &mut String,
    raw: &mut Raw,
) {
    if has_child.last().copied().unwrap_or(true) || path.len() < 3 {
        return;
    }
    let text = std::mem::take(buf);
    match path[1].as_str() {
        "System" if path.len() == 3 => match path[2].as_str() {
            "EventID" => raw.event_code = text.trim().parse().ok(),
            "Channel" => raw.channel = text.trim().to_owned(),
            "Computer" => raw.computer = text.trim().to_owned(),
            "EventRecordID" => raw.record_id = text.trim().parse().ok(),
            _ => {}
        },
        "EventData" => {
            if path.len() == 3 && path[2] == "Data" {
                match data_name.take() {
                    Some(n) => raw.put(&n, text),
                    None => raw.unnamed.push(text),
                }
            } else {
                raw.put(&path[2..].join("."), text);
            }
        }
        // Under the single wrapper element (e.g. <LogFileCleared>): the leaves are the fields.
        "UserData" if path.len() >= 4 => raw.put(&path[3..].join("."), text),
        "UserData" => raw.put(&path[2], text),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_control_chars_and_unnamed_data() {
        let x = "<Event xmlns='x'><System><Provider Name='P&amp;Q'/><EventID Qualifiers='0'>800</EventID>\
<TimeCreated SystemTime='2024-01-02T03:04:05.1234567Z'/><EventRecordID>9</EventRecordID>\
<Channel>Windows PowerShell</Channel><Computer>h</Computer><Security/></System>\
<EventData><Data>a &amp; b&#10;\u{1b}[31m&#7;</Data><Data/><Data>c &lt;d&gt;</Data><Binary/></EventData></Event>";
        let r = raw_from_xml(x).unwrap();
        assert_eq!(r.provider, "P&Q");
        assert_eq!(r.event_code, Some(800));
        assert_eq!(r.record_id, Some(9));
        assert_eq!(r.user_id, None);
        assert_eq!(r.unnamed, vec!["a & b\n\u{1b}[31m\u{7}", "", "c <d>"]);
        assert_eq!(unescape("a&#x41;&#66;&amp;&bogus;&"), "aAB&&bogus;&");
        assert!(raw_from_xml("<Event><System><EventID>1</EventID></System>").is_err());
        assert!(raw_from_xml("<Event><System></Sys></Event>").is_err());
    }
}
