//! The story's bookkeeping: scenes push events here together with what they mean for the
//! analytics, so the expected answers come from the same definitions that make the events.

use super::build::{self, Proc, ScriptBlock};
use super::expected::{self, Evasion, Expected, ExtendedCase, RowSet};
use super::rng::Rng;
use super::world::SYSTEM_SID;
use crate::event::Event;

/// What a scene's event means to the two analytics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Matches neither analytic.
    Plain,
    /// Matches the script-block analytic (malicious).
    Sb,
    /// Matches the script-block analytic but is benign (admin automation, local FP).
    SbBenign,
    /// Matches the process analytic.
    Proc,
}

/// Who runs a process: account name, SID and domain as the logs carry them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who<'a> {
    pub name: &'a str,
    pub sid: &'a str,
    pub domain: &'a str,
}

/// LocalSystem as a process owner.
pub(crate) const SYSTEM: Who<'static> = Who {
    name: "SYSTEM",
    sid: SYSTEM_SID,
    domain: "NT AUTHORITY",
};

/// A process to start: image, command line and parent.
pub(crate) struct Spawn<'a> {
    pub image: &'a str,
    pub cmd: &'a str,
    pub parent_image: &'a str,
    pub parent_cmd: &'a str,
    pub parent_pid: u32,
    pub ofn: &'a str,
}

/// Full path of Windows PowerShell 5.
pub(crate) const POWERSHELL: &str =
    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
/// Full path of wsmprovhost.exe (the WinRM plug-in host on a remoting target).
pub(crate) const WSMPROVHOST: &str = "C:\\Windows\\System32\\wsmprovhost.exe";

/// Events of the story in the making, with their expected answers.
pub(crate) struct Story {
    pub events: Vec<Event>,
    pub rng: Rng,
    sb_rows: RowSet,
    proc_rows: RowSet,
    pub expect: Expected,
}

impl Story {
    pub(crate) fn new(seed: u64) -> Self {
        Story {
            events: Vec::new(),
            rng: Rng::new(seed, 0x5707),
            sb_rows: RowSet::default(),
            proc_rows: RowSet::default(),
            expect: Expected::default(),
        }
    }

    /// Add one event with its declared meaning.
    pub(crate) fn push(&mut self, e: Event, mark: Mark) {
        match mark {
            Mark::Plain => {}
            Mark::Sb | Mark::SbBenign => {
                self.expect.script_block_matches += 1;
                match expected::script_block_key(&e) {
                    Some(key) => {
                        if mark == Mark::SbBenign
                            && !self.expect.benign_script_block_keys.contains(&key)
                        {
                            self.expect.benign_script_block_keys.push(key.clone());
                        }
                        self.sb_rows.add(key, e.time);
                    }
                    None => self.expect.dropped_script_block_events += 1,
                }
            }
            Mark::Proc => {
                self.expect.process_matches += 1;
                self.proc_rows.add(expected::process_key(&e), e.time);
            }
        }
        self.events.push(e);
    }

    /// Record a scene for the extended layer.
    pub(crate) fn case(
        &mut self,
        kind: Evasion,
        computer: &str,
        target: Option<&str>,
        time: i64,
        id: &str,
    ) {
        self.expect.extended.push(ExtendedCase {
            kind,
            computer: computer.to_string(),
            target: target.map(str::to_string),
            time,
            id: id.to_string(),
        });
    }

    /// Record an intruder edge a source-side block names literally (first use wins the order).
    pub(crate) fn edge(&mut self, source: &str, target: &str) {
        let e = (source.to_string(), target.to_string());
        if !self.expect.intruder_path.contains(&e) {
            self.expect.intruder_path.push(e);
        }
        self.hop(source, target);
    }

    /// Record a hop of the intruder's chain, whichever end shows it.
    pub(crate) fn hop(&mut self, source: &str, target: &str) {
        let e = (source.to_string(), target.to_string());
        if !self.expect.chain.contains(&e) {
            self.expect.chain.push(e);
        }
    }

    /// A Windows-like process id (multiple of 4).
    pub(crate) fn pid(&mut self) -> u32 {
        self.rng.range(250, 16_000) as u32 * 4
    }

    /// A lower-case GUID as PowerShell writes ScriptBlockId.
    pub(crate) fn block_id(&mut self) -> String {
        self.rng.guid().to_ascii_lowercase()
    }

    /// The pid of a user's interactive PowerShell on a host: one console per (host, user), so
    /// every block typed there carries the same System/Execution/@ProcessID.
    pub(crate) fn console_pid(computer: &str, user_sid: Option<&str>) -> u32 {
        let key = format!("{}/{}", computer.to_lowercase(), user_sid.unwrap_or("-"));
        let h = xxhash_rust::xxh3::xxh3_64(key.as_bytes());
        (4_000 + (h % 8_000) as u32) * 4
    }

    /// A one-part script block typed at the user's console; returns its ScriptBlockId.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn script(
        &mut self,
        time: i64,
        computer: &str,
        user_sid: Option<&str>,
        text: &str,
        path: &str,
        core: bool,
        mark: Mark,
    ) -> String {
        let pid = Self::console_pid(computer, user_sid);
        self.script_in(pid, time, computer, user_sid, text, path, core, mark)
    }

    /// A one-part script block logged by the PowerShell host process `host_pid`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn script_in(
        &mut self,
        host_pid: u32,
        time: i64,
        computer: &str,
        user_sid: Option<&str>,
        text: &str,
        path: &str,
        core: bool,
        mark: Mark,
    ) -> String {
        let id = self.block_id();
        let sb = ScriptBlock {
            computer,
            core,
            user_sid,
            text,
            block_id: &id,
            number: 1,
            total: 1,
            path,
            host_pid,
        };
        self.push(build::script_block(time, &sb), mark);
        id
    }

    /// A process start logged by Sysmon 1 (`sysmon`) or Security 4688; returns its pid.
    pub(crate) fn process(
        &mut self,
        time: i64,
        computer: &str,
        who: Who,
        s: &Spawn,
        sysmon: bool,
        mark: Mark,
    ) -> u32 {
        let pid = self.pid();
        let guid = self.rng.braced_guid();
        let parent_guid = self.rng.braced_guid();
        let p = Proc {
            computer,
            image: s.image,
            command_line: s.cmd,
            pid,
            parent_image: s.parent_image,
            parent_command_line: s.parent_cmd,
            parent_pid: s.parent_pid,
            user: who.name,
            user_sid: who.sid,
            domain: who.domain,
            original_file_name: s.ofn,
            guid: &guid,
            parent_guid: &parent_guid,
        };
        let e = if sysmon {
            build::sysmon1(time, &p)
        } else {
            build::sec4688(time, &p)
        };
        self.push(e, mark);
        pid
    }

    /// Sort by time (stable: scene order breaks ties) and fill the expected rows.
    pub(crate) fn finish(mut self) -> (Vec<Event>, Expected) {
        self.events.sort_by_key(|e| e.time);
        self.expect.script_block_rows = self.sb_rows.rows();
        self.expect.process_rows = self.proc_rows.rows();
        (self.events, self.expect)
    }
}
