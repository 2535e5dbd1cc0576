//! The intrusion: from WS-FIN-07 the intruder reaches SRV-FILE02, SRV-DB01 and DC01 with
//! Invoke-Command, trying the evasions parity misses, plus the look-alikes that must not match.

use super::build::{self, ScriptBlock, encode_command};
use super::expected::Evasion;
use super::intrusion_hops::{hop, onward_from_file_server};
use super::scripts;
use super::source_logs::Console;
use super::story::{Mark, POWERSHELL, Spawn, Story, Who};
use super::world::{
    self, DC, DOMAIN, INTRUSION_START, MINUTE, SRV_DB, SRV_FILE, VICTIM, WS_FIN, short,
};

const CMD: &str = "C:\\Windows\\System32\\cmd.exe";
const CMD_LINE: &str = "\"C:\\Windows\\system32\\cmd.exe\" ";
const PWSH: &str = "C:\\Program Files\\PowerShell\\7\\pwsh.exe";
const RENAMED: &str = "C:\\Users\\Public\\Libraries\\svchost-upd.exe";
const WHOAMI: &str = "C:\\Windows\\System32\\whoami.exe";

/// The intrusion scenes, in order; times are minutes into the intrusion window plus jitter.
pub(crate) fn scenes(st: &mut Story) {
    let sid = VICTIM.sid();
    let who = Who {
        name: VICTIM.name,
        sid: &sid,
        domain: DOMAIN,
    };
    let at = |st: &mut Story, minute: i64| {
        INTRUSION_START + minute * MINUTE + st.rng.below(50_000_000) as i64
    };
    let ws = WS_FIN;

    // Foothold: an interactive PowerShell and a cmd.exe the intruder launches from.
    let t = at(st, 0);
    let explorer = Spawn {
        image: CMD,
        cmd: CMD_LINE,
        parent_image: "C:\\Windows\\explorer.exe",
        parent_cmd: "C:\\Windows\\Explorer.EXE",
        parent_pid: 4_412,
        ofn: "Cmd.Exe",
    };
    let cmd_pid = st.process(t, ws, who, &explorer, true, Mark::Plain);
    let t = at(st, 2);
    st.script(
        t,
        ws,
        Some(&sid),
        "Get-ADComputer -Filter 'Name -like \"SRV-*\"' | Select-Object -ExpandProperty DNSHostName",
        "",
        false,
        Mark::Plain,
    );

    // 1. Classic: powershell.exe -Command with both literals, to the file server.
    let inner = "whoami /all; Get-SmbShare";
    let text = format!(
        "Invoke-Command -ComputerName {} -ScriptBlock {{ {inner} }}",
        short(SRV_FILE)
    );
    let cmd = format!("powershell.exe -NoProfile -Command \"{text}\"");
    let t = at(st, 5);
    let ps = Spawn {
        image: POWERSHELL,
        cmd: &cmd,
        parent_image: CMD,
        parent_cmd: CMD_LINE,
        parent_pid: cmd_pid,
        ofn: "PowerShell.EXE",
    };
    let ps_pid = st.process(t, ws, who, &ps, true, Mark::Proc);
    st.script_in(
        ps_pid,
        t + 800_000,
        ws,
        Some(&sid),
        &text,
        "",
        false,
        Mark::Sb,
    );
    let user = VICTIM.qualified();
    let bindings = [
        ("ComputerName", short(SRV_FILE)),
        ("ScriptBlock", &format!(" {inner} ")),
    ];
    let console = Console {
        computer: ws,
        command_line: &cmd,
        pid: ps_pid,
        user: &user,
        user_sid: &sid,
        pipeline: &text,
        cmdlet: "Invoke-Command",
        bindings: &bindings,
    };
    st.console_records(t, t + 780_000, &console);
    // conhost.exe: its ParentCommandLine carries both literals, but it is not PowerShell.
    let conhost = Spawn {
        image: "C:\\Windows\\System32\\conhost.exe",
        cmd: "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
        parent_image: POWERSHELL,
        parent_cmd: &cmd,
        parent_pid: ps_pid,
        ofn: "CONHOST.EXE",
    };
    let pid = st.process(t + 20_000, ws, who, &conhost, true, Mark::Plain);
    st.case(Evasion::ParentOnly, ws, None, t + 20_000, &pid.to_string());
    st.edge(ws, SRV_FILE);
    let block = format!(" {inner} ");
    let children = [(WHOAMI, "\"C:\\Windows\\system32\\whoami.exe\" /all")];
    st.session(t + 400_000, &hop(ws, SRV_FILE, &children, Some(&block)));

    // 2. PowerShell 7 seen only by Security 4688 (hex pids, no OriginalFileName).
    let inner = "Get-Process sqlservr; hostname";
    let text = format!(
        "Invoke-Command -ComputerName {} -ScriptBlock {{ {inner} }}",
        short(SRV_DB)
    );
    let cmd = format!("\"{PWSH}\" -NoLogo -c \"{text}\"");
    let t = at(st, 11);
    let p = Spawn {
        image: PWSH,
        cmd: &cmd,
        parent_image: CMD,
        parent_cmd: CMD_LINE,
        parent_pid: cmd_pid,
        ofn: "",
    };
    st.process(t, ws, who, &p, false, Mark::Proc);
    st.script(t + 900_000, ws, Some(&sid), &text, "", true, Mark::Sb);
    st.edge(ws, SRV_DB);
    let block = format!(" {inner} ");
    let children = [(
        "C:\\Windows\\System32\\HOSTNAME.EXE",
        "\"C:\\Windows\\system32\\HOSTNAME.EXE\"",
    )];
    st.session(t + 500_000, &hop(ws, SRV_DB, &children, Some(&block)));

    // 3. A renamed copy of powershell.exe: only OriginalFileName tells.
    let inner = "net group 'Domain Admins' /domain";
    let text = format!(
        "Invoke-Command -ComputerName {} -ScriptBlock {{ {inner} }}",
        short(SRV_DB)
    );
    let cmd = format!("svchost-upd.exe -nop -c \"{text}\"");
    let t = at(st, 20);
    let p = Spawn {
        image: RENAMED,
        cmd: &cmd,
        parent_image: CMD,
        parent_cmd: CMD_LINE,
        parent_pid: cmd_pid,
        ofn: "PowerShell.EXE",
    };
    st.process(t, ws, who, &p, true, Mark::Proc);
    st.script(t + 700_000, ws, Some(&sid), &text, "", false, Mark::Sb);
    let block = format!(" {inner} ");
    let children = [(
        "C:\\Windows\\System32\\net.exe",
        "\"C:\\Windows\\system32\\net.exe\" group \"Domain Admins\" /domain",
    )];
    st.session(t + 400_000, &hop(ws, SRV_DB, &children, Some(&block)));

    // 4. The icm alias with a positional computer name: parity misses it.
    let t = at(st, 26);
    let text = "icm SRV-FILE02 { Get-ChildItem \\\\SRV-FILE02\\Finance$ -Recurse | Measure-Object -Property Length -Sum }";
    let id = st.script(t, ws, Some(&sid), text, "", false, Mark::Plain);
    st.case(Evasion::Alias, ws, Some(short(SRV_FILE)), t, &id);
    let block =
        " Get-ChildItem \\\\SRV-FILE02\\Finance$ -Recurse | Measure-Object -Property Length -Sum ";
    st.session(t + 300_000, &hop(ws, SRV_FILE, &[], Some(block)));

    // 5. New-PSSession -ComputerName, then Invoke-Command -Session $s in a separate block.
    let t = at(st, 31);
    st.script(
        t,
        ws,
        Some(&sid),
        &format!("$s = New-PSSession -ComputerName {}", world::ip(SRV_DB)),
        "",
        false,
        Mark::Plain,
    );
    // By address: Kerberos needs a name, so the target logs NTLM; Sysmon 3 on the source
    // names the target as reverse DNS answers, in lower case.
    let mut s = hop(
        ws,
        SRV_DB,
        &[],
        Some(" Get-LocalGroupMember -Group Administrators "),
    );
    s.ntlm = true;
    let spelled = SRV_DB.to_lowercase();
    s.target_spelling = Some(&spelled);
    st.session(t + 200_000, &s);
    let t2 = t + 20 * 1_000_000;
    let id = st.script(
        t2,
        ws,
        Some(&sid),
        "Invoke-Command -Session $s -ScriptBlock { Get-LocalGroupMember -Group Administrators }",
        "",
        false,
        Mark::Plain,
    );
    st.case(Evasion::Session, ws, Some(&world::ip(SRV_DB)), t2, &id);

    // 6. Enter-PSSession: an interactive remote shell.
    let t = at(st, 37);
    let id = st.script(
        t,
        ws,
        Some(&sid),
        "Enter-PSSession -ComputerName SRV-FILE02",
        "",
        false,
        Mark::Plain,
    );
    st.case(Evasion::EnterSession, ws, Some(short(SRV_FILE)), t, &id);
    let children = [(
        "C:\\Windows\\System32\\ipconfig.exe",
        "\"C:\\Windows\\system32\\ipconfig.exe\" /all",
    )];
    st.session(
        t + 300_000,
        &hop(ws, SRV_FILE, &children, Some("ipconfig /all")),
    );
    // From inside that session, onward to DC01: only DC01's logs show it.
    let t = at(st, 40);
    onward_from_file_server(st, t);

    // 7. -EncodedCommand: the process analytic sees only base64; 4104 logs the decoded text.
    let inner = "Get-ADUser -Filter * -Properties MemberOf | Export-Csv C:\\Windows\\Temp\\u.csv";
    let text = format!(
        "Invoke-Command -ComputerName {} -ScriptBlock {{ {inner} }}",
        short(DC)
    );
    let cmd = format!(
        "powershell.exe -NoP -W Hidden -EncodedCommand {}",
        encode_command(&text)
    );
    let t = at(st, 44);
    let p = Spawn {
        image: POWERSHELL,
        cmd: &cmd,
        parent_image: CMD,
        parent_cmd: CMD_LINE,
        parent_pid: cmd_pid,
        ofn: "PowerShell.EXE",
    };
    let pid = st.process(t, ws, who, &p, true, Mark::Plain);
    st.case(
        Evasion::EncodedCommand,
        ws,
        Some(short(DC)),
        t,
        &pid.to_string(),
    );
    st.script_in(pid, t + 900_000, ws, Some(&sid), &text, "", false, Mark::Sb);
    // The classic log's HostApplication carries the base64 only; 4103 binds the target.
    let user = VICTIM.qualified();
    let bindings = [
        ("ComputerName", short(DC)),
        ("ScriptBlock", &format!(" {inner} ")),
    ];
    let console = Console {
        computer: ws,
        command_line: &cmd,
        pid,
        user: &user,
        user_sid: &sid,
        pipeline: &text,
        cmdlet: "Invoke-Command",
        bindings: &bindings,
    };
    st.console_records(t, t + 880_000, &console);
    st.edge(ws, DC);
    let block = format!(" {inner} ");
    let children = [(
        "C:\\Windows\\System32\\csvde.exe",
        "csvde.exe -f C:\\Windows\\Temp\\ou.ldf",
    )];
    st.session(t + 500_000, &hop(ws, DC, &children, Some(&block)));

    // 8. A long script split in two parts: `Invoke-Command` ends part 1, `-ComputerName` opens part 2.
    let t = at(st, 52);
    split_script(st, t, &sid);

    // 9. Hostile text: ESC, BEL and a right-to-left override inside a matching block.
    let t = at(st, 58);
    let text = "Invoke-Command -ComputerName SRV-FILE02 -ScriptBlock { Write-Output \"\u{1b}[2J\u{1b}[1;31mSYSTEM OK\u{7}\" } # \u{202e}fdp.exe";
    st.script(t, ws, Some(&sid), text, "", false, Mark::Sb);

    // 10. cmd.exe /c carrying both literals: not PowerShell, must not match.
    let t = at(st, 65);
    let cmd = "cmd.exe /c \"echo Invoke-Command -ComputerName SRV-DB01 -ScriptBlock {whoami} > C:\\Users\\Public\\t.txt\"";
    let p = Spawn {
        image: CMD,
        cmd,
        parent_image: CMD,
        parent_cmd: CMD_LINE,
        parent_pid: cmd_pid,
        ofn: "Cmd.Exe",
    };
    let pid = st.process(t, ws, who, &p, true, Mark::Plain);
    st.case(
        Evasion::NotPowerShell,
        ws,
        Some(short(SRV_DB)),
        t,
        &pid.to_string(),
    );

    // 11. A target list in a variable, assigned literally in the same block (parity matches the
    // block; the targets are only in the assignment, one of them as a lower-case FQDN).
    let t = at(st, 68);
    let inner = "Get-Service WinRM, Spooler | Select-Object Name, Status";
    let text = format!(
        "$targets = '{}','{}'\r\nInvoke-Command -ComputerName $targets -ScriptBlock {{ {inner} }}",
        short(SRV_FILE),
        SRV_DB.to_lowercase()
    );
    let id = st.script(t, ws, Some(&sid), &text, "", false, Mark::Sb);
    st.case(Evasion::VariableTargets, ws, Some(short(SRV_FILE)), t, &id);
    st.case(
        Evasion::VariableTargets,
        ws,
        Some(&SRV_DB.to_lowercase()),
        t,
        &id,
    );
    let block = format!(" {inner} ");
    st.session(t + 700_000, &hop(ws, SRV_FILE, &[], Some(&block)));
    let mut s = hop(ws, SRV_DB, &[], Some(&block));
    let spelled = SRV_DB.to_lowercase();
    s.target_spelling = Some(&spelled);
    st.session(t + 900_000, &s);

    // 12. Second hop from SRV-DB01 to DC01; this record lacks UserID, so Splunk's stats drops it.
    let t = at(st, 72);
    let inner = "repadmin /showrepl";
    let text = format!(
        "Invoke-Command -ComputerName {} -ScriptBlock {{ {inner} }}",
        short(DC)
    );
    st.script(t, SRV_DB, None, &text, "", false, Mark::Sb);
    st.edge(SRV_DB, DC);
    // The block runs as SYSTEM there: DC01 sees the machine account, by Kerberos, with no
    // WorkstationName: only the address names the source.
    let block = format!(" {inner} ");
    let children = [("C:\\Windows\\System32\\repadmin.exe", "repadmin  /showrepl")];
    let mut s = hop(SRV_DB, DC, &children, Some(&block));
    s.name = world::machine_account(SRV_DB);
    s.sid = world::machine_sid(SRV_DB);
    s.workstation = None;
    st.session(t + 600_000, &s);

    // Clean-up.
    let t = at(st, 80);
    st.script(t, ws, Some(&sid), "Remove-Item C:\\Users\\Public\\Libraries\\svchost-upd.exe, C:\\Users\\Public\\t.txt -Force", "", false, Mark::Plain);
}

/// Scene 8: a 2-part block whose literals straddle the boundary (parts of 10,000–19,999 chars).
fn split_script(st: &mut Story, t: i64, sid: &str) {
    let len1 = st.rng.range(10_000, 19_999) as usize;
    let len2 = st.rng.range(10_000, 19_999) as usize;
    let tail = "\n$collected = Invoke-Command";
    let head2 =
        " -ComputerName SRV-FILE02 -ScriptBlock ${function:Get-CorpReport001} -ArgumentList 'Q1'\n";
    let mut part1 = scripts::module_filler(len1 - tail.len(), &mut st.rng);
    part1.push_str(tail);
    let mut part2 = head2.to_string();
    part2.push_str(&scripts::module_filler(len2 - head2.len(), &mut st.rng));
    let id = st.block_id();
    let path = "C:\\Users\\j.miller\\AppData\\Local\\Temp\\Sync-Reports.ps1";
    for (i, text) in [part1, part2].iter().enumerate() {
        let sb = ScriptBlock {
            computer: WS_FIN,
            core: false,
            user_sid: Some(sid),
            text,
            block_id: &id,
            number: i as u32 + 1,
            total: 2,
            path,
            host_pid: Story::console_pid(WS_FIN, Some(sid)),
        };
        st.push(build::script_block(t + i as i64 * 2_000, &sb), Mark::Plain);
    }
    st.case(Evasion::SplitParts, WS_FIN, Some(short(SRV_FILE)), t, &id);
    st.session(t + 400_000, &hop(WS_FIN, SRV_FILE, &[], None));
}
