//! Legitimate remoting: the scheduled health check on MGMT01 (the known false positive), an
//! administrator's interactive work and module import, the nightly WinRS patch scan from
//! SRV-PATCH01, the help-desk's local look-alike, and, in the scaled corpus, an inventory job
//! repeated across the application-server fleet. Every hop also shows on its target as an
//! inbound session: the false-positive class of `winrm_remoting_inbound`.

use super::build::{self, ScriptBlock};
use super::expected::Evasion;
use super::scripts;
use super::sessions::{Logging, Session, Shell};
use super::story::{Mark, POWERSHELL, SYSTEM, Spawn, Story, Who};
use super::world::{
    self, ADMIN, DC, DOMAIN, HELPDESK, MGMT, MINUTE, PATCH, SPAN, SRV_DB, SRV_FILE, START, SVC,
    SVC_PATCH, WS_HR,
};

const SCHEDULE_SVCHOST: &str = "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule";
const SVCHOST: &str = "C:\\Windows\\System32\\svchost.exe";
/// Half-hourly over the three days.
pub(crate) const HEALTH_RUNS: i64 = 144;
/// One fleet inventory run per this many events beyond the default story size.
pub(crate) const EVENTS_PER_FLEET_RUN: usize = 330;
/// Number of application servers in the fleet.
pub(crate) const FLEET_HOSTS: usize = 60;

/// The scheduled health check: same script every 30 minutes, plus its target-side footprint.
pub(crate) fn health_check(st: &mut Story) {
    let sid = SVC.sid();
    let who = Who {
        name: SVC.name,
        sid: &sid,
        domain: DOMAIN,
    };
    let path = "C:\\Scripts\\Check-ServerHealth.ps1";
    let cmd =
        format!("\"{POWERSHELL}\" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File {path}");
    for run in 0..HEALTH_RUNS {
        let t = START + 15 * MINUTE + run * 30 * MINUTE + st.rng.below(3_000_000) as i64;
        let p = Spawn {
            image: POWERSHELL,
            cmd: &cmd,
            parent_image: SVCHOST,
            parent_cmd: SCHEDULE_SVCHOST,
            parent_pid: 1_548,
            ofn: "PowerShell.EXE",
        };
        let pid = st.process(t, MGMT, who, &p, true, Mark::Plain);
        st.script_in(
            pid,
            t + 1_200_000,
            MGMT,
            Some(&sid),
            scripts::HEALTH_CHECK,
            path,
            false,
            Mark::SbBenign,
        );
        // The targets log the logon, WinRM and wsmprovhost.exe starting; a full session's
        // engine records on every run would outweigh the rest of the corpus.
        for target in [SRV_DB, SRV_FILE] {
            let mut s = Session::new(MGMT, target, &SVC);
            s.logging = Logging::Light;
            st.session(t + 1_500_000, &s);
        }
    }
}

/// The administrator on MGMT01: a module import whose middle part matches, and three restarts.
pub(crate) fn admin(st: &mut Story) {
    let sid = ADMIN.sid();
    let who = Who {
        name: ADMIN.name,
        sid: &sid,
        domain: DOMAIN,
    };
    let day2 = START + 86_400_000_000;
    // CorpOps.psm1: 3 parts; the remoting helper lives in part 2 (parity matches that part alone).
    let t = day2 + 9 * 60 * MINUTE + 38 * MINUTE;
    let id = st.block_id();
    let path = "C:\\Program Files\\WindowsPowerShell\\Modules\\CorpOps\\CorpOps.psm1";
    let helper = "\nfunction Invoke-CorpRemote {\n    param([string[]]$ComputerName, [scriptblock]$Block)\n    Invoke-Command -ComputerName $ComputerName -ScriptBlock $Block -ThrottleLimit 16\n}\n";
    let lens: Vec<usize> = (0..3)
        .map(|_| st.rng.range(10_000, 19_999) as usize)
        .collect();
    for (i, len) in lens.iter().enumerate() {
        let mut text =
            scripts::module_filler(if i == 1 { len - helper.len() } else { *len }, &mut st.rng);
        if i == 1 {
            text.push_str(helper);
        }
        let sb = ScriptBlock {
            computer: MGMT,
            core: false,
            user_sid: Some(&sid),
            text: &text,
            block_id: &id,
            number: i as u32 + 1,
            total: 3,
            path,
            host_pid: Story::console_pid(MGMT, Some(&sid)),
        };
        let mark = if i == 1 { Mark::SbBenign } else { Mark::Plain };
        st.push(build::script_block(t + i as i64 * 1_000, &sb), mark);
    }
    let cmd = format!(
        "\"{POWERSHELL}\" -NoProfile -Command \"{}\"",
        scripts::ADMIN_RESTART
    );
    for (day, hour, minute) in [(1, 9, 40), (1, 11, 5), (2, 16, 20)] {
        let t = START
            + day * 86_400_000_000
            + (hour * 60 + minute) * MINUTE
            + st.rng.below(59_000_000) as i64;
        let p = Spawn {
            image: POWERSHELL,
            cmd: &cmd,
            parent_image: "C:\\Windows\\explorer.exe",
            parent_cmd: "C:\\Windows\\Explorer.EXE",
            parent_pid: 6_120,
            ofn: "PowerShell.EXE",
        };
        st.process(t, MGMT, who, &p, true, Mark::Proc);
        st.script(
            t + 700_000,
            MGMT,
            Some(&sid),
            scripts::ADMIN_RESTART,
            "",
            false,
            Mark::SbBenign,
        );
        for target in ["SRV-APP01.corp.local", "SRV-APP02.corp.local"] {
            st.remote_session(
                t + 900_000,
                MGMT,
                target,
                &ADMIN,
                &[],
                Some(" Restart-Service -Name W3SVC -Force "),
            );
        }
    }
}

/// The nightly patch-compliance scan: a compiled WinRM client on SRV-PATCH01 (no PowerShell, so
/// no source-side block) opening WinRS shells on both domain controllers. Their logs show
/// inbound sessions with `winrshost.exe` children: the false-positive class from a second host
/// and a third account.
pub(crate) fn patch_scan(st: &mut Story) {
    let sid = SVC_PATCH.sid();
    let who = Who {
        name: SVC_PATCH.name,
        sid: &sid,
        domain: DOMAIN,
    };
    let scanner = "C:\\Program Files\\CorpPatch\\patchscan.exe";
    let cmd = format!("\"{scanner}\" /scan /targets:DC01,DC02 /report:C:\\CorpPatch\\reports");
    let wmic = [(
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Windows\\system32\\cmd.exe /C wmic qfe list brief /format:csv",
    )];
    for day in 0..3 {
        let t =
            START + day * 86_400_000_000 + (2 * 60 + 10) * MINUTE + st.rng.below(30_000_000) as i64;
        let p = Spawn {
            image: scanner,
            cmd: &cmd,
            parent_image: SVCHOST,
            parent_cmd: SCHEDULE_SVCHOST,
            parent_pid: 1_548,
            ofn: "patchscan.exe",
        };
        st.process(t, PATCH, who, &p, true, Mark::Plain);
        for (i, target) in [DC, "DC02.corp.local"].into_iter().enumerate() {
            let mut s = Session::new(PATCH, target, &SVC_PATCH);
            s.shell = Shell::WinRs;
            s.children = &wmic;
            st.session(t + 800_000 + i as i64 * 4_000_000, &s);
        }
    }
}

/// The real ESCU false positive: a local Invoke-Command plus Get-Service -ComputerName.
pub(crate) fn helpdesk(st: &mut Story) {
    let sid = HELPDESK.sid();
    let t = START + (10 * 60 + 12) * MINUTE + st.rng.below(59_000_000) as i64;
    let text = "$local = Invoke-Command -ScriptBlock { Get-Printer | Where-Object PrinterStatus -ne 'Normal' }\nGet-Service -ComputerName SRV-PRINT01 -Name Spooler | Select-Object Status, StartType\n$local | Format-Table Name, PrinterStatus";
    let id = st.script(t, WS_HR, Some(&sid), text, "", false, Mark::SbBenign);
    st.case(Evasion::LocalFalsePositive, WS_HR, None, t, &id);
}

/// Fleet inventory runs for the scaled corpus: `extra_events / EVENTS_PER_FLEET_RUN` runs, each a
/// matching process (as SYSTEM, from the task scheduler) and its matching script block.
pub(crate) fn fleet(st: &mut Story, extra_events: usize) {
    let runs = extra_events / EVENTS_PER_FLEET_RUN;
    if runs == 0 {
        return;
    }
    let cmd = format!(
        "\"{POWERSHELL}\" -NoProfile -Command \"{}\"",
        scripts::FLEET_INVENTORY
    );
    let hosts: Vec<String> = (1..=FLEET_HOSTS).map(world::fleet_host).collect();
    for i in 0..runs {
        let host = &hosts[i % FLEET_HOSTS];
        let t = START + (i as i64 * SPAN) / runs as i64 + st.rng.below(20_000_000) as i64;
        let p = Spawn {
            image: POWERSHELL,
            cmd: &cmd,
            parent_image: SVCHOST,
            parent_cmd: SCHEDULE_SVCHOST,
            parent_pid: 1_300 + (i % 7) as u32 * 4,
            ofn: "PowerShell.EXE",
        };
        st.process(t, host, SYSTEM, &p, true, Mark::Proc);
        st.script(
            t + 800_000,
            host,
            Some(world::SYSTEM_SID),
            scripts::FLEET_INVENTORY,
            "",
            false,
            Mark::SbBenign,
        );
    }
}
