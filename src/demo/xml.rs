//! Splunk XmlWinEventLog writer: one `<Event>` per line, as the Windows add-on indexes it.
//!
//! Written by hand (only `ingest` may import quick-xml); the escaping follows what Windows
//! renders: `&amp; &lt; &gt;` in text, CR/LF as `&#13;`/`&#10;`, other control chars as `&#NN;`.

use std::borrow::Borrow;
use std::io::{self, Write};

use super::writers::provider_guid;
use crate::event::Event;
use crate::time::iso_micros;

/// Escape text content (and attribute values, where quotes are escaped too).
pub(crate) fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push('\t'),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("&#{};", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// One event as a single XML line (no trailing newline).
pub fn xml_line(e: &Event) -> String {
    let data = super::writers::raw_event_data(e);
    let mut s = String::with_capacity(512 + data.values().map(String::len).sum::<usize>());
    s.push_str("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='");
    escape(&e.provider, &mut s);
    s.push('\'');
    if let Some(g) = provider_guid(&e.provider) {
        s.push_str(" Guid='");
        s.push_str(g);
        s.push('\'');
    }
    s.push_str("/><EventID>");
    s.push_str(&e.event_code.to_string());
    s.push_str("</EventID><TimeCreated SystemTime='");
    s.push_str(&iso_micros(e.time));
    s.push_str("'/>");
    if let Some(r) = e.record_id {
        s.push_str(&format!("<EventRecordID>{r}</EventRecordID>"));
    }
    if let Some(pid) = e.pid {
        let tid = super::build::thread_id(e);
        s.push_str(&format!("<Execution ProcessID='{pid}' ThreadID='{tid}'/>"));
    }
    s.push_str("<Channel>");
    escape(&e.channel, &mut s);
    s.push_str("</Channel><Computer>");
    escape(&e.computer, &mut s);
    s.push_str("</Computer>");
    match &e.user_id {
        Some(sid) => {
            s.push_str("<Security UserID='");
            escape(sid, &mut s);
            s.push_str("'/>");
        }
        None => s.push_str("<Security/>"),
    }
    s.push_str("</System>");
    if data.is_empty() {
        s.push_str("<EventData/>");
    } else if let Some(values) = super::writers::unnamed_data(&data) {
        // The classic Windows PowerShell log: positional `<Data>` items without names.
        s.push_str("<EventData>");
        for v in values {
            s.push_str("<Data>");
            escape(v, &mut s);
            s.push_str("</Data>");
        }
        s.push_str("</EventData>");
    } else {
        s.push_str("<EventData>");
        for (k, v) in data.iter() {
            s.push_str("<Data Name='");
            escape(k, &mut s);
            s.push_str("'>");
            escape(v, &mut s);
            s.push_str("</Data>");
        }
        s.push_str("</EventData>");
    }
    s.push_str("</Event>");
    s
}

/// XmlWinEventLog lines, one event per line.
pub fn write_xml_lines<I>(events: I, w: &mut dyn Write) -> io::Result<()>
where
    I: IntoIterator,
    I::Item: Borrow<Event>,
{
    for e in events {
        let mut line = xml_line(e.borrow());
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}
