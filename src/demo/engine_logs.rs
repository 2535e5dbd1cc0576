//! The PowerShell engine's own records, on either end of a hop: the classic Windows PowerShell
//! log's 400/403 (engine state), 600 (provider state) and 800 (pipeline execution), and the
//! module-logging 4103 of PowerShell/Operational. Each names its host (`ConsoleHost` with the
//! process's command line as HostApplication on the source, `ServerRemoteHost` with
//! `wsmprovhost.exe -Embedding` on the target).
//!
//! Shapes follow atomic-evtx T1021.006 (Windows_PowerShell.evtx) and Security-Datasets'
//! covenant_psremoting_command: the classic records hold three unnamed `<Data>` items (the
//! last a tab-indented, CRLF-separated "details" text) and ProcessID 0.

use std::collections::BTreeMap;

use super::build::{self, CHANNEL_CLASSIC};
use crate::event::{CHANNEL_POWERSHELL, Event};

/// HostApplication of a PowerShell remoting session on its target.
pub(crate) const WSMPROVHOST_CMD: &str = "C:\\Windows\\system32\\wsmprovhost.exe -Embedding";
const ENGINE_VERSION: &str = "5.1.17763.1";

/// One PowerShell engine (one host process), as its records describe it.
pub(crate) struct Engine<'a> {
    pub computer: &'a str,
    /// `ServerRemoteHost` (a remoting target) or `ConsoleHost` (powershell.exe).
    pub host_name: &'a str,
    /// The host's command line (`HostApplication`).
    pub host_application: &'a str,
    pub host_id: &'a str,
    pub runspace_id: &'a str,
}

impl Engine<'_> {
    fn host_version(&self) -> &'static str {
        if self.host_name == "ServerRemoteHost" {
            "1.0.0.0"
        } else {
            ENGINE_VERSION
        }
    }

    /// The lines every classic record's details share, from SequenceNumber to CommandLine.
    fn details(&self, sequence: u32, pipeline: &str, command_line: &str) -> String {
        format!(
            "\tSequenceNumber={sequence}\r\n\r\n\tHostName={}\r\n\tHostVersion={}\r\n\tHostId={}\r\n\tHostApplication={}\r\n\tEngineVersion={ENGINE_VERSION}\r\n\tRunspaceId={}\r\n\tPipelineId={pipeline}\r\n\tCommandName=\r\n\tCommandType=\r\n\tScriptName=\r\n\tCommandPath=\r\n\tCommandLine={command_line}",
            self.host_name,
            self.host_version(),
            self.host_id,
            self.host_application,
            self.runspace_id
        )
    }
}

fn classic(time: i64, code: u32, en: &Engine, items: [&str; 3]) -> Event {
    let d: BTreeMap<String, String> = items
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("Data_{}", i + 1), v.to_string()))
        .collect();
    build::other(
        time,
        (code, CHANNEL_CLASSIC, "PowerShell"),
        en.computer,
        None,
        d,
    )
}

/// Windows PowerShell 400 (engine Available) or 403 (engine Stopped): the new state, the
/// previous state and the details.
pub(crate) fn engine_state(time: i64, code: u32, en: &Engine, sequence: u32) -> Event {
    let (new, previous) = if code == 400 {
        ("Available", "None")
    } else {
        ("Stopped", "Available")
    };
    let details = format!(
        "\tNewEngineState={new}\r\n\tPreviousEngineState={previous}\r\n\r\n{}",
        en.details(sequence, "", "")
    );
    classic(time, code, en, [new, previous, &details])
}

/// Windows PowerShell 600: a provider started (`WSMan` when remoting is used).
pub(crate) fn provider_started(time: i64, en: &Engine, provider: &str, sequence: u32) -> Event {
    let details = format!(
        "\tProviderName={provider}\r\n\tNewProviderState=Started\r\n\r\n{}",
        en.details(sequence, "1", "")
    );
    classic(time, 600, en, [provider, "Started", &details])
}

/// Windows PowerShell 800 (pipeline execution details): the pipeline's command line, its
/// context and the invocation and binding details.
pub(crate) fn pipeline(
    time: i64,
    en: &Engine,
    user: &str,
    command_line: &str,
    invocation: &str,
    sequence: u32,
) -> Event {
    let context = format!(
        "\tDetailSequence=1\r\n\tDetailTotal=1\r\n\r\n\tUserId={user}\r\n{}",
        en.details(sequence, "1", command_line)
    );
    classic(time, 800, en, [command_line, &context, invocation])
}

/// PowerShell/Operational 4103 (module logging), written by the host process `pid`.
pub(crate) fn module_record(
    time: i64,
    en: &Engine,
    (user_sid, user, pid): (&str, &str, u32),
    command: &str,
    payload: &str,
) -> Event {
    let context = format!(
        "        Severity = Informational\r\n        Host Name = {}\r\n        Host Version = {}\r\n        Host ID = {}\r\n        Host Application = {}\r\n        Engine Version = {ENGINE_VERSION}\r\n        Runspace ID = {}\r\n        Pipeline ID = 1\r\n        Command Name = {command}\r\n        Command Type = Cmdlet\r\n        Script Name = \r\n        Command Path = \r\n        Sequence Number = 16\r\n        User = {user}\r\n        Shell ID = Microsoft.PowerShell\r\n",
        en.host_name,
        en.host_version(),
        en.host_id,
        en.host_application,
        en.runspace_id
    );
    // The real record also has an empty `UserData` item, which the readers (and Splunk) treat
    // as missing: left out, so the events read back equal the generated ones.
    let d = BTreeMap::from([
        ("ContextInfo".to_string(), context),
        ("Payload".to_string(), payload.to_string()),
    ]);
    let kind = (4103, CHANNEL_POWERSHELL, "Microsoft-Windows-PowerShell");
    let mut e = build::other(time, kind, en.computer, Some(user_sid), d);
    e.pid = Some(pid);
    e
}

/// The 4103 / 800 payload of one cmdlet call: its invocation and parameter bindings.
pub(crate) fn invocation(command: &str, bindings: &[(&str, &str)]) -> String {
    let mut s = format!("CommandInvocation({command}): \"{command}\"\r\n");
    for (name, value) in bindings {
        s.push_str(&format!(
            "ParameterBinding({command}): name=\"{name}\"; value=\"{value}\"\r\n"
        ));
    }
    s
}
