//! The format-independent middle step: every reader fills a [`Raw`] (System fields plus the
//! EventData/UserData name → value pairs), and [`Raw::into_event`] applies SEMANTICS.md §4.
//!
//! Keeping one mapping for all formats is what makes an event read from .evtx, from its JSON and
//! from its XML rendering compare equal.

use std::collections::BTreeMap;

use crate::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

/// One record as read, before the §4 mapping.
#[derive(Debug, Default, Clone)]
pub(crate) struct Raw {
    pub time: Option<i64>,
    pub event_code: Option<u32>,
    pub channel: String,
    pub provider: String,
    pub computer: String,
    pub record_id: Option<u64>,
    pub user_id: Option<String>,
    /// System/Execution/@ProcessID.
    pub pid: Option<u32>,
    pub data: BTreeMap<String, String>,
    /// Values of `<Data>` elements without a `Name`, in document order (empty ones included so
    /// the numbering is the same in every rendering).
    pub unnamed: Vec<String>,
}

/// One spelling for values whose rendering differs between renderers (GUIDs, FILETIMEs).
pub(crate) fn canonical_value(v: String) -> String {
    canonical_filetime(canonical_guid(v))
}

/// ISO timestamps `…:SS.fffffffZ` cut to six fractional digits, like event times. Why: the
/// evtx crate 0.15 writes FILETIME values with 7 digits, 0.14 (and the derived files) with 6,
/// Windows with 9.
pub(crate) fn canonical_filetime(v: String) -> String {
    let b = v.as_bytes();
    let looks = b.len() > 27
        && b.len() <= 32
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && b[b.len() - 1] == b'Z'
        && b[20..b.len() - 1].iter().all(u8::is_ascii_digit);
    if !looks {
        return v;
    }
    format!("{}Z", &v[..26])
}

/// GUID values in one spelling, `{lowercase}`. Why: renderers disagree (evtx 0.14 and the
/// derived files write `DFAE8213-…`, evtx 0.15 writes `{dfae8213-…}`, Windows `{DFAE8213-…}`).
/// A bare lowercase GUID is left alone: that is how string fields such as ScriptBlockId are
/// logged, and Splunk shows them so.
pub(crate) fn canonical_guid(v: String) -> String {
    let b = v.as_bytes();
    let (inner, braced) = match b.len() {
        36 => (b, false),
        38 if b[0] == b'{' && b[37] == b'}' => (&b[1..37], true),
        _ => return v,
    };
    let shaped = inner.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    });
    if !shaped || (!braced && inner.iter().any(|c| c.is_ascii_lowercase())) {
        return v;
    }
    let mut out = String::with_capacity(38);
    out.push('{');
    out.push_str(&String::from_utf8_lossy(inner).to_ascii_lowercase());
    out.push('}');
    out
}

impl Raw {
    /// Store one EventData value; empty values are missing (Splunk semantics) and not stored.
    pub fn put(&mut self, key: &str, value: String) {
        if value.is_empty() || key.is_empty() {
            return;
        }
        self.data.insert(key.to_owned(), canonical_value(value));
    }

    /// Apply the §4 mapping. Errors name what is missing.
    pub fn into_event(mut self, source: String) -> Result<Event, String> {
        let event_code = self
            .event_code
            .ok_or_else(|| "no EventID in the record".to_string())?;
        let time = self
            .time
            .ok_or_else(|| "no usable event time (TimeCreated/SystemTime)".to_string())?;
        self.fold_unnamed();
        let mut e = Event {
            time,
            event_code,
            channel: self.channel,
            provider: self.provider,
            computer: self.computer,
            record_id: self.record_id,
            user_id: self.user_id.filter(|s| !s.is_empty()),
            pid: self.pid,
            source,
            ..Default::default()
        };
        let mut data = self.data;
        if event_code == 4104 && data.contains_key("ScriptBlockText") {
            // The script fields live in their own columns; not duplicated in `data` because
            // script text is the bulk of a PowerShell log.
            e.script_block_text = data.remove("ScriptBlockText");
            e.script_block_id = data.remove("ScriptBlockId");
            e.message_number = data
                .remove("MessageNumber")
                .and_then(|v| v.trim().parse().ok());
            e.message_total = data
                .remove("MessageTotal")
                .and_then(|v| v.trim().parse().ok());
            e.path = data.remove("Path");
        } else if event_code == 1 && e.channel.eq_ignore_ascii_case(CHANNEL_SYSMON) {
            map_sysmon_1(&mut e, &data);
        } else if event_code == 4688 && e.channel.eq_ignore_ascii_case(CHANNEL_SECURITY) {
            map_security_4688(&mut e, &data);
        }
        e.data = data;
        e.decoded_command = e
            .process
            .as_deref()
            .and_then(super::decode::decoded_command);
        Ok(e)
    }

    /// Unnamed `<Data>` values become `Data` (one value) or `Data_1`..`Data_n` (several).
    fn fold_unnamed(&mut self) {
        let unnamed = std::mem::take(&mut self.unnamed);
        if unnamed.len() == 1 {
            let v = unnamed.into_iter().next().unwrap_or_default();
            self.put("Data", v);
        } else {
            for (i, v) in unnamed.into_iter().enumerate() {
                self.put(&format!("Data_{}", i + 1), v);
            }
        }
    }
}

fn get(data: &BTreeMap<String, String>, key: &str) -> Option<String> {
    data.get(key).filter(|v| !v.is_empty()).cloned()
}

/// Last path component, accepting both `\` and `/` separators.
pub(crate) fn basename(path: &str) -> String {
    path.rsplit(['\\', '/']).next().unwrap_or(path).to_owned()
}

fn map_sysmon_1(e: &mut Event, d: &BTreeMap<String, String>) {
    e.process = get(d, "CommandLine");
    e.process_path = get(d, "Image");
    e.process_name = e.process_path.as_deref().map(basename);
    e.process_id = get(d, "ProcessId");
    e.parent_process = get(d, "ParentCommandLine");
    e.parent_process_path = get(d, "ParentImage");
    e.parent_process_name = e.parent_process_path.as_deref().map(basename);
    e.parent_process_id = get(d, "ParentProcessId");
    e.original_file_name = get(d, "OriginalFileName");
    e.process_guid = get(d, "ProcessGuid");
    e.user = get(d, "User");
}

fn map_security_4688(e: &mut Event, d: &BTreeMap<String, String>) {
    e.process = get(d, "CommandLine");
    e.process_path = get(d, "NewProcessName");
    e.process_name = e.process_path.as_deref().map(basename);
    e.process_id = get(d, "NewProcessId");
    e.parent_process_path = get(d, "ParentProcessName");
    e.parent_process = e.parent_process_path.clone();
    e.parent_process_name = e.parent_process_path.as_deref().map(basename);
    // 4688 logs the creator's pid as hex (`0x1464`). A decimal value here is the System
    // ProcessID that nxlog-style flattening wrote over the EventData field: not the parent.
    e.parent_process_id =
        get(d, "ProcessId").filter(|v| v.starts_with("0x") || v.starts_with("0X"));
    e.user = user_4688(d);
}

/// MANIFEST "B" mapping: the target account when one is logged, else the subject, as
/// DOMAIN\name (the domain is left out when it is missing or `-`).
fn user_4688(d: &BTreeMap<String, String>) -> Option<String> {
    let usable = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty() && s != "-");
    let join = |domain: Option<String>, name: String| match domain {
        Some(dom) if !dom.is_empty() && dom != "-" => format!("{dom}\\{name}"),
        _ => name,
    };
    let target = get(d, "TargetUserName");
    if usable(&target) {
        return target.map(|n| join(get(d, "TargetDomainName"), n));
    }
    let subject = get(d, "SubjectUserName");
    if usable(&subject) {
        return subject.map(|n| join(get(d, "SubjectDomainName"), n));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(code: u32, channel: &str, pairs: &[(&str, &str)]) -> Raw {
        let mut r = Raw {
            time: Some(1),
            event_code: Some(code),
            channel: channel.into(),
            ..Default::default()
        };
        for (k, v) in pairs {
            r.put(k, (*v).to_string());
        }
        r
    }

    #[test]
    fn user_of_4688_prefers_target_then_subject() {
        let base = [
            ("SubjectUserName", "alice"),
            ("SubjectDomainName", "CORP"),
            ("NewProcessName", "C:/Tools/pwsh.exe"),
            ("ProcessId", "0x10"),
        ];
        let e = raw(4688, "SECURITY", &base)
            .into_event(String::new())
            .unwrap();
        assert_eq!(e.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(e.process_name.as_deref(), Some("pwsh.exe"));
        assert_eq!(e.parent_process_id.as_deref(), Some("0x10"));
        let mut with_target = base.to_vec();
        with_target.push(("TargetUserName", "bob"));
        with_target.push(("TargetDomainName", "-"));
        let e = raw(4688, "Security", &with_target)
            .into_event(String::new())
            .unwrap();
        assert_eq!(e.user.as_deref(), Some("bob"));
        let mut dash = base.to_vec();
        dash.push(("TargetUserName", "-"));
        dash[3] = ("ProcessId", "4");
        let e = raw(4688, "Security", &dash)
            .into_event(String::new())
            .unwrap();
        assert_eq!(e.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(e.parent_process_id, None);
    }

    #[test]
    fn unnamed_data_numbering_keeps_crlf() {
        let mut r = raw(800, "Windows PowerShell", &[]);
        r.unnamed = vec!["a\r\nb".into(), String::new(), "c".into()];
        let e = r.into_event(String::new()).unwrap();
        assert_eq!(e.data.get("Data_1").map(String::as_str), Some("a\r\nb"));
        assert_eq!(e.data.get("Data_2"), None);
        assert_eq!(e.data.get("Data_3").map(String::as_str), Some("c"));
        assert_eq!(basename("a/b\\c.exe"), "c.exe");
        let g = |s: &str| canonical_guid(s.to_string());
        assert_eq!(
            g("DFAE8213-BD78-5CDC-0000-0010C7FE1200"),
            "{dfae8213-bd78-5cdc-0000-0010c7fe1200}"
        );
        assert_eq!(
            g("{DFAE8213-BD78-5CDC-0000-0010C7FE1200}"),
            "{dfae8213-bd78-5cdc-0000-0010c7fe1200}"
        );
        assert_eq!(
            g("5f2900d0-8268-43f0-bd1b-045e583b2e1f"),
            "5f2900d0-8268-43f0-bd1b-045e583b2e1f"
        );
        assert_eq!(g("not-a-guid"), "not-a-guid");
        let t = |s: &str| canonical_filetime(s.to_string());
        assert_eq!(
            t("2024-10-21T11:30:15.1097170Z"),
            "2024-10-21T11:30:15.109717Z"
        );
        assert_eq!(
            t("2024-10-21T11:30:15.109717Z"),
            "2024-10-21T11:30:15.109717Z"
        );
        assert_eq!(t("2019-05-16 01:31:36.408"), "2019-05-16 01:31:36.408");
        assert!(raw(1, "x", &[]).into_event(String::new()).is_ok());
        let mut no_time = raw(1, "x", &[]);
        no_time.time = None;
        assert!(
            no_time
                .into_event(String::new())
                .unwrap_err()
                .contains("time")
        );
    }
}
