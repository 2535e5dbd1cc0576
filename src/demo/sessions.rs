//! The target side of a remoting hop, as Windows logs it on the receiving host: the network
//! logon and its privileges, WinRM's own records, the plug-in host (`wsmprovhost.exe`, or
//! `winrshost.exe` for WinRS) and its children, and the PowerShell engine's records, the 4104s
//! of what ran in the session written by the wsmprovhost process. Each session is declared to
//! the expected answers as it is generated.

use std::collections::BTreeSet;

use super::build::{self, Logon, ScriptBlock};
use super::engine_logs::{self as el, Engine, WSMPROVHOST_CMD};
use super::expected::{Evasion, InboundSession};
use super::story::{Mark, Spawn, Story, WSMPROVHOST, Who};
use super::target_logs::{self as tl, Connection};
use super::world::{self, Account, DOMAIN};
use crate::event::Event;

/// Full path of WinRS's shell host on a target.
pub(crate) const WINRSHOST: &str = "C:\\Windows\\System32\\winrshost.exe";
const DCOM_SVCHOST: &str = "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p";

/// What the remote client opened on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shell {
    /// A PowerShell remoting session (Invoke-Command, Enter-PSSession): wsmprovhost.exe.
    PowerShell,
    /// A WinRS cmd shell (winrs.exe or a WinRM API client): winrshost.exe.
    WinRs,
}

/// How much the target logs: everything (the intruder's and the admin's interactive hops), or
/// only the logon, WinRM and the host start (the half-hourly health check, to keep the corpus
/// at its size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Logging {
    Full,
    Light,
}

/// One remoting session to generate.
pub(crate) struct Session<'a> {
    pub source: &'a str,
    pub target: &'a str,
    /// The account the target sees: name, SID, domain (`CORP`; a machine account `SRV-DB01$`).
    pub name: String,
    pub sid: String,
    /// NTLM (the client named the target by IP address, or passed credentials) or Kerberos.
    pub ntlm: bool,
    /// 4624 WorkstationName; `None` logs `-`, as Kerberos network logons often do.
    pub workstation: Option<String>,
    pub children: &'a [(&'a str, &'a str)],
    /// The block the source sent, logged by the target as a 4104 (its inner text).
    pub inner_text: Option<&'a str>,
    pub shell: Shell,
    pub logging: Logging,
    /// The intruder's: a hop of the expected chain.
    pub intruder: bool,
    /// Sysmon 3 of the connection on both ends (where they run Sysmon).
    pub connections: bool,
    /// How the source's Sysmon 3 names the target (DestinationHostname).
    pub target_spelling: Option<&'a str>,
}

impl<'a> Session<'a> {
    /// A fully logged PowerShell session of a domain account, by Kerberos.
    pub(crate) fn new(source: &'a str, target: &'a str, who: &Account) -> Self {
        Session {
            source,
            target,
            name: who.name.to_string(),
            sid: who.sid(),
            ntlm: false,
            workstation: Some(world::short(source).to_string()),
            children: &[],
            inner_text: None,
            shell: Shell::PowerShell,
            logging: Logging::Full,
            intruder: false,
            connections: false,
            target_spelling: None,
        }
    }
}

/// What the session has pushed so far, for its expected row.
struct Tally {
    first: i64,
    last: i64,
    count: u64,
    evidence: BTreeSet<(String, u32)>,
}

impl Tally {
    fn add(&mut self, e: &Event) {
        self.first = self.first.min(e.time);
        self.last = self.last.max(e.time);
        self.count += 1;
        self.evidence.insert((e.channel.clone(), e.event_code));
    }
}

impl Story {
    /// Push one piece of session evidence and count it for the expected row.
    fn evidence(&mut self, tally: &mut Tally, e: Event) {
        tally.add(&e);
        self.push(e, Mark::Plain);
    }

    /// The target side of one PowerShell session of a domain account (the common case).
    pub(crate) fn remote_session(
        &mut self,
        time: i64,
        source: &str,
        target: &str,
        who: &Account,
        children: &[(&str, &str)],
        inner_text: Option<&str>,
    ) {
        let mut s = Session::new(source, target, who);
        s.children = children;
        s.inner_text = inner_text;
        self.session(time, &s);
    }

    /// The target side of one remoting session, starting with its logon at `time`.
    /// Domain controllers log process starts as 4688 (they run no Sysmon).
    pub(crate) fn session(&mut self, time: i64, s: &Session) {
        let sysmon = !world::short(s.target).starts_with("DC");
        let logon_id = 0x10_0000 + self.rng.below(0xF0_0000);
        let source_ip = world::ip(s.source);
        let mut tally = Tally {
            first: time,
            last: time,
            count: 0,
            evidence: BTreeSet::new(),
        };
        if s.connections
            && let Some(accepted) = self.connection(time - 60_000, s, &source_ip, sysmon)
        {
            // The target's own record of the connection is session evidence: it names the
            // source's address.
            self.evidence(&mut tally, accepted);
        }
        let l = Logon {
            computer: s.target,
            target_user: &s.name,
            target_sid: &s.sid,
            target_domain: DOMAIN,
            package: if s.ntlm { "NTLM" } else { "Kerberos" },
            logon_type: 3,
            ip: &source_ip,
            workstation: s.workstation.as_deref().unwrap_or("-"),
            logon_id,
        };
        self.evidence(&mut tally, build::logon4624(time, &l));
        let who = (s.name.as_str(), s.sid.as_str(), DOMAIN);
        let e = tl::sec4672(time + 1, s.target, who, logon_id);
        self.evidence(&mut tally, e);
        let user = format!("{DOMAIN}\\{}", s.name);
        let mechanism = if s.ntlm { "NTLM" } else { "Kerberos" };
        let e = tl::winrm169(time + 90_000, s.target, &user, mechanism);
        self.evidence(&mut tally, e);
        let uri = match s.shell {
            Shell::PowerShell => tl::URI_POWERSHELL,
            Shell::WinRs => tl::URI_WINRS,
        };
        // Some builds log 91 with an empty EventData (the "poorLog" sample): the light ones.
        let uri = (s.logging == Logging::Full).then_some(uri);
        let e = tl::winrm91(time + 180_000, s.target, &s.sid, uri);
        self.evidence(&mut tally, e);

        let (image, cmd) = match s.shell {
            Shell::PowerShell => (WSMPROVHOST, WSMPROVHOST_CMD),
            Shell::WinRs => (WINRSHOST, "C:\\Windows\\system32\\WinrsHost.exe -Embedding"),
        };
        let w = Who {
            name: &s.name,
            sid: &s.sid,
            domain: DOMAIN,
        };
        let host = Spawn {
            image,
            cmd,
            parent_image: "C:\\Windows\\System32\\svchost.exe",
            parent_cmd: DCOM_SVCHOST,
            parent_pid: 812,
            ofn: world::basename(image),
        };
        let at = time + 310_000;
        let host_pid = self.process(at, s.target, w, &host, sysmon, Mark::Plain);
        self.in_logon(logon_id, None);
        tally.add(self.events.last().expect("just pushed"));

        let powershell = s.shell == Shell::PowerShell && s.logging == Logging::Full;
        let engine_ids = (self.rng.guid(), self.rng.guid());
        let engine = Engine {
            computer: s.target,
            host_name: "ServerRemoteHost",
            host_application: WSMPROVHOST_CMD,
            host_id: &engine_ids.0.to_ascii_lowercase(),
            runspace_id: &engine_ids.1.to_ascii_lowercase(),
        };
        if powershell {
            for (dt, code) in [(420_000, 53504), (450_000, 40961), (560_000, 40962)] {
                let e = tl::session_record(time + dt, code, s.target, &s.sid, host_pid);
                self.evidence(&mut tally, e);
            }
            let e = el::engine_state(time + 520_000, 400, &engine, 13);
            self.evidence(&mut tally, e);
            if let Some(text) = s.inner_text.filter(|_| world::logs_script_blocks(s.target)) {
                let id = self.block_id();
                let sb = ScriptBlock {
                    computer: s.target,
                    core: false,
                    user_sid: Some(&s.sid),
                    text,
                    block_id: &id,
                    number: 1,
                    total: 1,
                    path: "",
                    host_pid,
                };
                let e = build::script_block(time + 600_000, &sb);
                self.evidence(&mut tally, e);
            }
        }
        let mut commands = Vec::new();
        for (i, (image, cmd)) in s.children.iter().enumerate() {
            let child = Spawn {
                image,
                cmd,
                parent_image: host.image,
                parent_cmd: host.cmd,
                parent_pid: host_pid,
                ofn: world::basename(image),
            };
            let t = time + 900_000 + i as i64 * 1_700_000;
            let pid = self.process(t, s.target, w, &child, sysmon, Mark::Plain);
            self.in_logon(logon_id, Some(&s.name));
            tally.add(self.events.last().expect("just pushed"));
            commands.push(cmd.to_string());
            if s.shell == Shell::PowerShell {
                let id = if sysmon {
                    pid.to_string()
                } else {
                    format!("{pid:#x}")
                };
                self.case(Evasion::WsmProvHostChild, s.target, None, t, &id);
            }
        }
        if powershell {
            let t = time + 2_400_000 + s.children.len() as i64 * 1_700_000;
            let e = el::engine_state(t, 403, &engine, 17);
            self.evidence(&mut tally, e);
        }
        if s.intruder {
            self.hop(s.source, s.target);
        }
        self.expect.inbound.push(InboundSession {
            target: s.target.to_string(),
            user: user.clone(),
            source: s.source.to_string(),
            source_ip,
            first: tally.first,
            last: tally.last,
            count: tally.count,
            evidence: tally.evidence.into_iter().collect(),
            commands,
            intruder: s.intruder,
        });
    }

    /// Ties the process just pushed to the session's logon, as Windows does: the plug-in host
    /// and its children run in the network logon (Sysmon `LogonId` = the 4624's
    /// TargetLogonId), with the administrator's full token (`High`), the children in the
    /// user's documents folder (as in the real LM_PowershellRemoting / LM_winrm_exec samples).
    /// On a DC's 4688 the plug-in host is created by SYSTEM for the logon (its Target fields),
    /// and its children by the logon itself (SubjectLogonId).
    fn in_logon(&mut self, logon_id: u64, child_of: Option<&str>) {
        let e = self.events.last_mut().expect("just pushed");
        let id = format!("{logon_id:#x}");
        let d = &mut e.data;
        if d.contains_key("IntegrityLevel") {
            d.insert("IntegrityLevel".into(), "High".into());
            d.insert("LogonId".into(), id);
            match child_of {
                Some(name) => {
                    let dir = format!("C:\\Users\\{}\\Documents\\", name.trim_end_matches('$'));
                    d.insert("CurrentDirectory".into(), dir);
                }
                None => {
                    d.insert("ParentUser".into(), "NT AUTHORITY\\SYSTEM".into());
                }
            }
        } else if child_of.is_some() {
            d.insert("SubjectLogonId".into(), id);
        } else {
            let target = ["SubjectUserSid", "SubjectUserName", "SubjectDomainName"]
                .map(|k| d.get(k).cloned().unwrap_or_default());
            for (k, v) in ["TargetUserSid", "TargetUserName", "TargetDomainName"]
                .into_iter()
                .zip(target)
            {
                d.insert(k.into(), v);
            }
            d.insert("TargetLogonId".into(), id);
            let machine = world::machine_account(&e.computer);
            for (k, v) in [
                ("SubjectUserSid", "S-1-5-18"),
                ("SubjectUserName", machine.as_str()),
                ("SubjectDomainName", DOMAIN),
                ("SubjectLogonId", "0x3e7"),
            ] {
                d.insert(k.into(), v.into());
            }
        }
    }

    /// Sysmon 3 of the intruder's WinRM connection: on the source (PowerShell connecting to
    /// 5985, the target named as the client wrote it, pushed here) and on the target
    /// (accepted by System, returned for the session's tally).
    fn connection(
        &mut self,
        time: i64,
        s: &Session,
        source_ip: &str,
        target_sysmon: bool,
    ) -> Option<Event> {
        let target_ip = world::ip(s.target);
        let port = 49_152 + self.rng.below(16_000) as u32;
        let spelled = s.target_spelling.unwrap_or(s.target);
        let user = format!("{DOMAIN}\\{}", s.name);
        let source_sysmon = !world::short(s.source).starts_with("DC");
        if source_sysmon {
            let guid = self.rng.braced_guid();
            let c = Connection {
                computer: s.source,
                image: super::story::POWERSHELL,
                pid: Story::console_pid(s.source, Some(&s.sid)),
                user: &user,
                initiated: true,
                source: (source_ip, s.source, port),
                destination: (&target_ip, spelled, 5985),
                guid: &guid,
            };
            self.push(tl::sysmon3(time, &c), Mark::Plain);
        }
        if target_sysmon {
            let guid = self.rng.braced_guid();
            let c = Connection {
                computer: s.target,
                image: "System",
                pid: 4,
                user: "NT AUTHORITY\\SYSTEM",
                initiated: false,
                source: (source_ip, s.source, port),
                destination: (&target_ip, s.target, 5985),
                guid: &guid,
            };
            return Some(tl::sysmon3(time + 2_000, &c));
        }
        None
    }
}
