//! Background noise: the ordinary traffic of a Windows domain, streamed in time order.
//!
//! Proportions (per mille): 4104 90, Sysmon 1 55, 4688 45, 4624 170, 4634 150, 4672 60,
//! Sysmon 3 170, Sysmon 11 130, System 7036 110, System 7040 20. No noise event satisfies either
//! analytic (see scripts.rs), so the expected answers are the story's alone.

use std::collections::BTreeMap;

use super::build::{self, Logon, PROVIDER_SECURITY, PROVIDER_SYSMON, Proc};
use super::catalog::{DESTINATIONS, PROGRAMS, SERVICES};
use super::rng::Rng;
use super::scripts::BENIGN_LINES;
use super::world::{self, Account, DOMAIN, NOISE_USERS, SYSTEM_SID};
use crate::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};

/// (weight per mille, kind)
const MIX: &[(u64, Kind)] = &[
    (90, Kind::ScriptBlock),
    (55, Kind::Sysmon1),
    (45, Kind::Sec4688),
    (170, Kind::Logon),
    (150, Kind::Logoff),
    (60, Kind::Privileges),
    (170, Kind::Network),
    (130, Kind::FileCreate),
    (110, Kind::ServiceState),
    (20, Kind::ServiceStart),
];

#[derive(Clone, Copy)]
enum Kind {
    ScriptBlock,
    Sysmon1,
    Sec4688,
    Logon,
    Logoff,
    Privileges,
    Network,
    FileCreate,
    ServiceState,
    ServiceStart,
}

/// Streams `n` noise events, evenly spread over the corpus time span, in time order.
pub(crate) struct Noise {
    rng: Rng,
    hosts: Vec<String>,
    i: u64,
    n: u64,
}

impl Noise {
    /// Noise for a seed; `extra_hosts` adds the fleet servers of the scaled corpus.
    pub(crate) fn new(seed: u64, n: usize, extra_hosts: usize) -> Self {
        let mut hosts: Vec<String> = world::NOISE_HOSTS.iter().map(|h| h.to_string()).collect();
        hosts.extend((3..3 + extra_hosts).map(world::fleet_host));
        Noise {
            rng: Rng::new(seed, 0x0015E),
            hosts,
            i: 0,
            n: n as u64,
        }
    }
}

impl Iterator for Noise {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.i >= self.n {
            return None;
        }
        let slot = world::SPAN as u64 / self.n;
        let t = world::START + (self.i * slot + self.rng.below(slot.max(1))) as i64;
        self.i += 1;
        let mut roll = self.rng.below(1000);
        let kind = MIX.iter().find(|(w, _)| {
            let hit = roll < *w;
            roll = roll.saturating_sub(*w);
            hit
        });
        let kind = kind.map(|k| k.1).unwrap_or(Kind::Logon);
        let host = &self.hosts[self.rng.below(self.hosts.len() as u64) as usize];
        // Domain controllers run no Sysmon in this network (the story relies on their 4688s).
        let kind = match kind {
            Kind::Sysmon1 if host.starts_with("DC") => Kind::Sec4688,
            Kind::Network | Kind::FileCreate if host.starts_with("DC") => Kind::Logon,
            // Nor does a host without script-block logging write 4104s.
            Kind::ScriptBlock if !world::logs_script_blocks(host) => Kind::Sysmon1,
            k => k,
        };
        let user = *self.rng.pick(NOISE_USERS);
        Some(make(&mut self.rng, kind, t, host, user))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.n - self.i) as usize;
        (left, Some(left))
    }
}

fn make(rng: &mut Rng, kind: Kind, t: i64, host: &str, user: Account) -> Event {
    let sid = user.sid();
    match kind {
        Kind::ScriptBlock => {
            // Mostly small blocks, a long tail up to ~4 KB.
            let target = if rng.chance(800) {
                rng.range(200, 1_200)
            } else {
                rng.range(1_200, 4_000)
            } as usize;
            let mut text = String::with_capacity(target + 160);
            while text.len() < target {
                text.push_str(rng.pick::<&str>(BENIGN_LINES));
                text.push('\n');
            }
            let id = rng.guid().to_ascii_lowercase();
            let path = if rng.chance(400) {
                format!(
                    "C:\\ProgramData\\Corp\\Scripts\\task{:03}.ps1",
                    rng.below(40)
                )
            } else {
                String::new()
            };
            let sb = build::ScriptBlock {
                computer: host,
                core: rng.chance(100),
                user_sid: Some(&sid),
                text: &text,
                block_id: &id,
                number: 1,
                total: 1,
                path: &path,
                host_pid: rng.range(250, 16_000) as u32 * 4,
            };
            build::script_block(t, &sb)
        }
        Kind::Sysmon1 | Kind::Sec4688 => {
            let &(image, args, parent, ofn) = rng.pick(PROGRAMS);
            let cmd = if args.is_empty() {
                format!("\"{image}\"")
            } else {
                format!("\"{image}\" {args}")
            };
            let guid = rng.braced_guid();
            let parent_guid = rng.braced_guid();
            let p = Proc {
                computer: host,
                image,
                command_line: &cmd,
                pid: rng.range(100, 16_000) as u32 * 4,
                parent_image: parent,
                parent_command_line: &format!("\"{parent}\""),
                parent_pid: rng.range(100, 2_000) as u32 * 4,
                user: user.name,
                user_sid: &sid,
                domain: DOMAIN,
                original_file_name: ofn,
                guid: &guid,
                parent_guid: &parent_guid,
            };
            if matches!(kind, Kind::Sysmon1) {
                build::sysmon1(t, &p)
            } else {
                build::sec4688(t, &p)
            }
        }
        Kind::Logon => {
            let logon_type = *rng.pick(&[2u32, 3, 3, 3, 5, 7, 10]);
            // A network or RDP logon comes from a peer, named and addressed as it is
            // everywhere else (one address per host); the others are local.
            let peer = match logon_type {
                3 | 10 => *rng.pick(world::NOISE_HOSTS),
                _ => host,
            };
            let (ip, workstation) = match logon_type {
                3 | 10 => (world::ip(peer), world::short(peer)),
                5 => ("-".to_string(), "-"),
                _ => ("127.0.0.1".to_string(), world::short(host)),
            };
            let l = Logon {
                computer: host,
                target_user: user.name,
                target_sid: &sid,
                target_domain: DOMAIN,
                package: "Kerberos",
                logon_type,
                ip: &ip,
                workstation,
                logon_id: 0x10_0000 + rng.below(0xF0_0000),
            };
            build::logon4624(t, &l)
        }
        Kind::Logoff => {
            let data = map(&[
                ("TargetUserSid", &sid),
                ("TargetUserName", user.name),
                ("TargetDomainName", DOMAIN),
                (
                    "TargetLogonId",
                    &format!("{:#x}", 0x10_0000 + rng.below(0xF0_0000)),
                ),
                ("LogonType", &rng.range(2, 3).to_string()),
            ]);
            build::other(
                t,
                (4634, CHANNEL_SECURITY, PROVIDER_SECURITY),
                host,
                None,
                data,
            )
        }
        Kind::Privileges => {
            let data = map(&[
                ("SubjectUserSid", &sid),
                ("SubjectUserName", user.name),
                ("SubjectDomainName", DOMAIN),
                (
                    "SubjectLogonId",
                    &format!("{:#x}", 0x10_0000 + rng.below(0xF0_0000)),
                ),
                (
                    "PrivilegeList",
                    "SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege",
                ),
            ]);
            build::other(
                t,
                (4672, CHANNEL_SECURITY, PROVIDER_SECURITY),
                host,
                None,
                data,
            )
        }
        Kind::Network => {
            let &(image, _, _, _) = rng.pick(PROGRAMS);
            let &(ip, name, port) = rng.pick(DESTINATIONS);
            let data = map(&[
                ("RuleName", "-"),
                ("UtcTime", &sysmon_utc(t)),
                ("ProcessGuid", &rng.braced_guid()),
                ("ProcessId", &(rng.range(100, 16_000) * 4).to_string()),
                ("Image", image),
                ("User", &user.qualified()),
                ("Protocol", "tcp"),
                ("Initiated", "true"),
                ("SourceIsIpv6", "false"),
                ("SourceIp", &world::ip(host)),
                ("SourceHostname", host),
                ("SourcePort", &rng.range(49_152, 65_535).to_string()),
                ("DestinationIsIpv6", "false"),
                ("DestinationIp", ip),
                ("DestinationHostname", name),
                ("DestinationPort", port),
            ]);
            build::other(
                t,
                (3, CHANNEL_SYSMON, PROVIDER_SYSMON),
                host,
                Some(SYSTEM_SID),
                data,
            )
        }
        Kind::FileCreate => {
            let &(image, _, _, _) = rng.pick(PROGRAMS);
            let file = format!(
                "C:\\Users\\{}\\AppData\\Local\\Temp\\{:08x}.tmp",
                user.name,
                rng.next_u64() as u32
            );
            let data = map(&[
                ("RuleName", "-"),
                ("UtcTime", &sysmon_utc(t)),
                ("ProcessGuid", &rng.braced_guid()),
                ("ProcessId", &(rng.range(100, 16_000) * 4).to_string()),
                ("Image", image),
                ("TargetFilename", &file),
                ("CreationUtcTime", &sysmon_utc(t)),
                ("User", &user.qualified()),
            ]);
            build::other(
                t,
                (11, CHANNEL_SYSMON, PROVIDER_SYSMON),
                host,
                Some(SYSTEM_SID),
                data,
            )
        }
        Kind::ServiceState => {
            let service = *rng.pick(SERVICES);
            let state = if rng.chance(500) {
                "running"
            } else {
                "stopped"
            };
            let data = map(&[("param1", service), ("param2", state)]);
            build::other(
                t,
                (7036, "System", "Service Control Manager"),
                host,
                None,
                data,
            )
        }
        Kind::ServiceStart => {
            let service = *rng.pick(SERVICES);
            let data = map(&[
                ("param1", service),
                ("param2", "demand start"),
                ("param3", "auto start"),
                ("param4", "BITS"),
            ]);
            build::other(
                t,
                (7040, "System", "Service Control Manager"),
                host,
                Some(SYSTEM_SID),
                data,
            )
        }
    }
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Sysmon's UtcTime rendering: `2026-03-10 14:05:01.123`.
fn sysmon_utc(t: i64) -> String {
    let s = crate::time::iso_micros(t);
    format!("{} {}", &s[..10], &s[11..23])
}
