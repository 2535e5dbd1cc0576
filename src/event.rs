//! The normalized Event: the one vocabulary every module speaks.
//!
//! Field names and meanings follow ../shared/docs/SEMANTICS.md §4. Text is stored decoded (no XML
//! entities); an empty value is stored as `None` because Splunk treats it as missing.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One Windows event, normalized from any input format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `_time`: System/TimeCreated/@SystemTime in microseconds since the Unix epoch (UTC).
    /// Sub-microsecond digits are truncated so every rendering of one record agrees.
    pub time: i64,
    /// System/EventID (the number, without Qualifiers).
    pub event_code: u32,
    /// System/Channel as logged (case preserved; compare case-insensitively).
    pub channel: String,
    /// System/Provider/@Name.
    pub provider: String,
    /// System/Computer (Splunk `Computer` and `dest`).
    pub computer: String,
    /// System/EventRecordID.
    pub record_id: Option<u64>,
    /// System/Execution/@ProcessID: the process that wrote the event (a PowerShell host for
    /// its own logs). Not part of the identity of a record without a record id, so an index
    /// built before it was read still recognizes those records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// System/Security/@UserID: a SID (Splunk `user_id`).
    pub user_id: Option<String>,
    /// Process events: DOMAIN\name (Splunk `user`).
    pub user: Option<String>,

    // PowerShell 4104 script-block fields.
    pub script_block_text: Option<String>,
    pub script_block_id: Option<String>,
    pub message_number: Option<u32>,
    pub message_total: Option<u32>,
    pub path: Option<String>,

    // Process-creation fields (Sysmon 1, Security 4688, ECS).
    /// Command line (Splunk `process`).
    pub process: Option<String>,
    pub process_name: Option<String>,
    pub process_path: Option<String>,
    /// As logged: decimal for Sysmon, a hex string like `0xf84` for 4688.
    pub process_id: Option<String>,
    pub parent_process: Option<String>,
    pub parent_process_name: Option<String>,
    pub parent_process_path: Option<String>,
    pub parent_process_id: Option<String>,
    pub original_file_name: Option<String>,
    pub process_guid: Option<String>,

    /// Derived at ingest: the decoded text of an `-EncodedCommand` argument on the command line.
    pub decoded_command: Option<String>,

    /// The raw EventData (or UserData) name → value pairs, so no event is invisible.
    pub data: BTreeMap<String, String>,

    /// Where the event was read from (`file:position`). Not part of the event's identity.
    #[serde(default)]
    pub source: String,

    /// For a record without a record id: how many records of identical content came before it
    /// in its file. Some exports (newer Security-Datasets) carry no record id, and distinct
    /// records can be identical to the millisecond; numbering them keeps each one an event
    /// (Splunk counts them all) while reading the same file again still adds nothing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub occurrence: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Channel of PowerShell 5 script-block logging.
pub const CHANNEL_POWERSHELL: &str = "Microsoft-Windows-PowerShell/Operational";
/// Channel of PowerShell 7 script-block logging.
pub const CHANNEL_POWERSHELL_CORE: &str = "PowerShellCore/Operational";
/// Sysmon's channel.
pub const CHANNEL_SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
/// The Security log.
pub const CHANNEL_SECURITY: &str = "Security";

/// Field names `Event::get` understands: normalized snake names first, then Splunk's names.
pub const FIELD_NAMES: &[&str] = &[
    "time",
    "event_code",
    "channel",
    "provider",
    "computer",
    "record_id",
    "user_id",
    "user",
    "script_block_text",
    "script_block_id",
    "message_number",
    "message_total",
    "path",
    "process",
    "process_name",
    "process_path",
    "process_id",
    "parent_process",
    "parent_process_name",
    "parent_process_path",
    "parent_process_id",
    "original_file_name",
    "process_guid",
    "decoded_command",
];

impl Event {
    /// Value of a field by normalized or Splunk name (`ScriptBlockText`, `Computer`, `dest`,
    /// `EventCode`, ...). Names are matched case-insensitively. Empty values are `None`.
    /// Unknown names fall back to the raw EventData.
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "time" | "_time" => Some(Cow::Owned(self.time.to_string())),
            "event_code" | "eventcode" | "eventid" | "signature_id" => {
                Some(Cow::Owned(self.event_code.to_string()))
            }
            "channel" | "source" | "log_name" => s(&self.channel),
            "provider" => s(&self.provider),
            "computer" | "dest" | "host" => s(&self.computer),
            "record_id" | "recordnumber" | "eventrecordid" => {
                self.record_id.map(|r| Cow::Owned(r.to_string()))
            }
            "user_id" | "userid" => opt(&self.user_id),
            "user" => opt(&self.user),
            "script_block_text" | "scriptblocktext" => opt(&self.script_block_text),
            "script_block_id" | "scriptblockid" => opt(&self.script_block_id),
            "message_number" | "messagenumber" => {
                self.message_number.map(|n| Cow::Owned(n.to_string()))
            }
            "message_total" | "messagetotal" => {
                self.message_total.map(|n| Cow::Owned(n.to_string()))
            }
            "path" => opt(&self.path),
            "process" | "commandline" | "command_line" => opt(&self.process),
            "process_name" => opt(&self.process_name),
            "process_path" | "image" => opt(&self.process_path),
            "process_id" => opt(&self.process_id),
            "parent_process" | "parentcommandline" => opt(&self.parent_process),
            "parent_process_name" => opt(&self.parent_process_name),
            "parent_process_path" | "parentimage" => opt(&self.parent_process_path),
            "parent_process_id" => opt(&self.parent_process_id),
            "original_file_name" | "originalfilename" => opt(&self.original_file_name),
            "process_guid" | "processguid" => opt(&self.process_guid),
            "decoded_command" => opt(&self.decoded_command),
            _ => self
                .data
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| s(v)),
        }
    }

    /// Stable identity of the record, independent of the input format it came from.
    ///
    /// Why these parts: the same record read from an .evtx and from its JSON rendering agrees on
    /// channel, computer, record id, event code and time (to the microsecond), while two different
    /// records never share all five. Records without a record id fall back to their content.
    pub fn uid(&self) -> u64 {
        use xxhash_rust::xxh3::xxh3_64;
        match self.record_id {
            Some(rid) => {
                // `channel|computer|rid|code|time`, both names lower-cased, built with one
                // allocation: every ingested event and every hunted one asks for its uid.
                // The bytes (and so every stored identity) are what `format!` gave before.
                use std::fmt::Write;
                let mut key = String::with_capacity(self.channel.len() + self.computer.len() + 48);
                push_lowercase(&mut key, &self.channel);
                key.push('|');
                push_lowercase(&mut key, &self.computer);
                let _ = write!(key, "|{rid}|{}|{}", self.event_code, self.time);
                xxh3_64(key.as_bytes())
            }
            None => {
                let mut copy = self.clone();
                copy.source.clear();
                copy.pid = None;
                copy.channel = copy.channel.to_lowercase();
                copy.computer = copy.computer.to_lowercase();
                let json = serde_json::to_vec(&copy).unwrap_or_default();
                xxh3_64(&json)
            }
        }
    }

    /// True for a PowerShell script-block event (4104 on either PowerShell channel).
    pub fn is_script_block(&self) -> bool {
        self.event_code == 4104
            && (self.channel.eq_ignore_ascii_case(CHANNEL_POWERSHELL)
                || self.channel.eq_ignore_ascii_case(CHANNEL_POWERSHELL_CORE))
    }

    /// One part of a script block PowerShell logged in several 4104 events (MessageTotal > 1).
    pub fn is_split_part(&self) -> bool {
        self.message_total.unwrap_or(1) > 1 || self.message_number.unwrap_or(1) > 1
    }

    /// The SID that names this event's user. A process event has none: its UserID is the
    /// logging service's account (Sysmon's S-1-5-18), its user is `user` (Sysmon `User`, 4688's
    /// target or subject).
    pub fn user_sid(&self) -> Option<&str> {
        self.user_id
            .as_deref()
            .filter(|_| !self.is_process_creation())
    }

    /// True for a process-creation event (Sysmon 1 or Security 4688).
    pub fn is_process_creation(&self) -> bool {
        (self.event_code == 1 && self.channel.eq_ignore_ascii_case(CHANNEL_SYSMON))
            || (self.event_code == 4688 && self.channel.eq_ignore_ascii_case(CHANNEL_SECURITY))
    }
}

fn opt(v: &Option<String>) -> Option<Cow<'_, str>> {
    v.as_deref().filter(|s| !s.is_empty()).map(Cow::Borrowed)
}

fn s(v: &str) -> Option<Cow<'_, str>> {
    Some(v).filter(|s| !s.is_empty()).map(Cow::Borrowed)
}

/// `out.push_str(&s.to_lowercase())` without the intermediate string for ASCII text.
fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Event {
        Event {
            time: 1_700_000_000_123_456,
            event_code: 4104,
            channel: CHANNEL_POWERSHELL.into(),
            computer: "WS01.corp.local".into(),
            record_id: Some(42),
            user_id: Some("S-1-5-18".into()),
            script_block_text: Some("Invoke-Command -ComputerName srv01 {whoami}".into()),
            path: Some(String::new()),
            ..Default::default()
        }
    }

    #[test]
    fn get_accepts_splunk_and_snake_names() {
        let e = sample();
        assert_eq!(
            e.get("ScriptBlockText").as_deref(),
            e.script_block_text.as_deref()
        );
        assert_eq!(
            e.get("script_block_text").as_deref(),
            e.script_block_text.as_deref()
        );
        assert_eq!(e.get("dest").as_deref(), Some("WS01.corp.local"));
        assert_eq!(e.get("Computer").as_deref(), Some("WS01.corp.local"));
        assert_eq!(e.get("EventCode").as_deref(), Some("4104"));
        assert_eq!(e.get("user_id").as_deref(), Some("S-1-5-18"));
        // An empty value is missing, as in Splunk.
        assert_eq!(e.get("Path"), None);
        assert_eq!(e.get("user"), None);
    }

    #[test]
    fn uid_ignores_source_and_channel_case() {
        let a = sample();
        let mut b = sample();
        b.source = "other.json:3".into();
        b.channel = b.channel.to_uppercase();
        assert_eq!(a.uid(), b.uid());
        let mut c = sample();
        c.record_id = Some(43);
        assert_ne!(a.uid(), c.uid());
    }

    #[test]
    fn uid_keeps_the_identities_stored_in_existing_indexes() {
        // The key as the first schema version wrote it; an index built then must still
        // recognize its events as duplicates.
        let stored = |e: &Event| {
            let key = format!(
                "{}|{}|{}|{}|{}",
                e.channel.to_lowercase(),
                e.computer.to_lowercase(),
                e.record_id.unwrap(),
                e.event_code,
                e.time
            );
            xxhash_rust::xxh3::xxh3_64(key.as_bytes())
        };
        for computer in ["WS01.corp.local", "ŞUBE-İSTANBUL.corp.local", "", "Ünï-Ω"] {
            let mut e = sample();
            e.computer = computer.into();
            e.channel = "Microsoft-Windows-PowerShell/Operational".into();
            e.time = -5;
            assert_eq!(e.uid(), stored(&e), "{computer}");
        }
    }

    #[test]
    fn kinds() {
        assert!(sample().is_script_block());
        let p = Event {
            event_code: 4688,
            channel: "security".into(),
            ..Default::default()
        };
        assert!(p.is_process_creation());
        assert!(!p.is_script_block());
    }
}
