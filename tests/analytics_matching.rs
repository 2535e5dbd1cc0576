//! SEMANTICS.md §1–§3: which events the two parity analytics select, case by case, plus a
//! randomized comparison of the matcher with a plainly written reference.

use huntbench::analytics::{
    Matcher, MissingPolicy, Predicate, SavedQuery, Wildcard, builtin_queries, fingerprint,
    predicates_match, tag,
};
use huntbench::event::{
    CHANNEL_POWERSHELL, CHANNEL_POWERSHELL_CORE, CHANNEL_SECURITY, CHANNEL_SYSMON, Event,
};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn sb(text: &str) -> Event {
    Event {
        time: 1_700_000_000_000_000,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: "ws01.corp.local".into(),
        record_id: Some(1),
        user_id: Some("S-1-5-21-1-2-3-1001".into()),
        script_block_text: Some(text.into()),
        ..Default::default()
    }
}

fn proc(name: &str, cmd: &str) -> Event {
    Event {
        time: 1_700_000_000_000_000,
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        computer: "ws01.corp.local".into(),
        record_id: Some(7),
        user: Some("CORP\\alice".into()),
        process: Some(cmd.into()),
        process_name: Some(name.into()),
        process_id: Some("4242".into()),
        parent_process_name: Some("explorer.exe".into()),
        parent_process_id: Some("1000".into()),
        ..Default::default()
    }
}

fn sb_matches(text: &str) -> bool {
    Matcher::new(&query(SB)).matches(&sb(text))
}

#[test]
fn builtins_carry_the_escu_definitions() {
    let s = query(SB);
    assert_eq!(
        s.escu_id.as_deref(),
        Some("7d4c618e-4716-11ec-951c-3e22fbd008af")
    );
    assert_eq!(s.mitre, ["T1021", "T1021.006"]);
    assert_eq!(s.risk, Some(45));
    assert_eq!(
        s.by,
        ["EventCode", "ScriptBlockText", "Computer", "user_id"]
    );
    assert_eq!(
        s.columns,
        [
            "EventCode",
            "ScriptBlockText",
            "Computer",
            "user_id",
            "count",
            "firstTime",
            "lastTime"
        ]
    );
    assert_eq!(s.missing, MissingPolicy::Drop);
    let chans: Vec<&str> = s
        .selection
        .sources
        .iter()
        .map(|x| x.channel.as_str())
        .collect();
    assert_eq!(chans, [CHANNEL_POWERSHELL, CHANNEL_POWERSHELL_CORE]);
    assert!(s.selection.sources.iter().all(|x| x.event_codes == [4104]));
    let pats: Vec<&str> = s.predicates.iter().map(|p| p.pattern.as_str()).collect();
    assert_eq!(pats, ["*Invoke-Command*", "*-ComputerName*"]);

    let p = query(PROC);
    assert_eq!(
        p.escu_id.as_deref(),
        Some("ba24cda8-4716-11ec-8009-3e22fbd008af")
    );
    assert_eq!(
        p.by,
        [
            "dest",
            "user",
            "parent_process_name",
            "process_name",
            "process",
            "process_id",
            "parent_process_id"
        ]
    );
    assert_eq!(p.columns.len(), 10);
    assert_eq!(p.missing, MissingPolicy::FillNull);
    assert_eq!(p.selection.any_of.len(), 2);
    assert_eq!(
        p.selection.any_of[0].values,
        [
            "pwsh.exe",
            "sqlps.exe",
            "sqltoolsps.exe",
            "powershell.exe",
            "powershell_ise.exe"
        ]
    );
    assert_eq!(
        p.selection.any_of[1].values,
        ["pwsh.dll", "PowerShell.EXE", "powershell_ise.EXE"]
    );
}

#[test]
fn script_block_literals_are_case_insensitive_substrings() {
    assert!(sb_matches("Invoke-Command -ComputerName srv01 { whoami }"));
    assert!(sb_matches("INVOKE-COMMAND -COMPUTERNAME SRV01"));
    assert!(sb_matches("invoke-command -computername srv01"));
    // A colon-bound parameter still holds the literal.
    assert!(sb_matches(
        "Invoke-Command -ComputerName:$x -ScriptBlock {1}"
    ));
    // Either order.
    assert!(sb_matches(
        "Get-Service -ComputerName srv; Invoke-Command { hostname }"
    ));
    // Inside words.
    assert!(sb_matches("Invoke-CommandX -ComputerNames a"));
    // Across lines and with CR LF.
    assert!(sb_matches(
        "Invoke-Command `\r\n  -ComputerName srv01 `\n  { 1 }"
    ));
    // Control characters are data.
    assert!(sb_matches("\u{1b}[2JInvoke-Command\u{7} -ComputerName x"));
}

#[test]
fn script_block_near_misses_do_not_match() {
    assert!(!sb_matches("Invoke-Command { whoami }"));
    assert!(!sb_matches("Get-Service -ComputerName srv"));
    assert!(!sb_matches("Invoke-\nCommand -ComputerName srv"));
    assert!(!sb_matches("icm -ComputerName srv {1}"));
    assert!(!sb_matches("Invoke-Command -Cn srv {1}"));
    assert!(!sb_matches("Invoke-Command \u{2013}ComputerName srv {1}"));
    assert!(!sb_matches(""), "empty text is missing");
    let mut e = sb("x");
    e.script_block_text = None;
    assert!(
        !Matcher::new(&query(SB)).matches(&e),
        "missing text never matches"
    );
}

#[test]
fn script_block_channels_and_codes() {
    let m = Matcher::new(&query(SB));
    let text = "Invoke-Command -ComputerName srv01 {1}";
    let mut core = sb(text);
    core.channel = CHANNEL_POWERSHELL_CORE.into();
    assert!(m.matches(&core), "PowerShell 7 channel");
    let mut upper = sb(text);
    upper.channel = CHANNEL_POWERSHELL.to_uppercase();
    assert!(m.matches(&upper), "channel compared case-insensitively");
    let mut classic = sb(text);
    classic.channel = "Windows PowerShell".into();
    classic.event_code = 800;
    assert!(
        !m.matches(&classic),
        "Windows PowerShell 800 is not the macro"
    );
    let mut code = sb(text);
    code.event_code = 4103;
    assert!(!m.matches(&code));
    let mut right_code_wrong_chan = sb(text);
    right_code_wrong_chan.channel = "Windows PowerShell".into();
    assert!(!m.matches(&right_code_wrong_chan));
}

#[test]
fn process_analytic_selection() {
    let m = Matcher::new(&query(PROC));
    let cmd = "powershell.exe -c Invoke-Command -ComputerName srv01 {hostname}";
    assert!(m.matches(&proc("powershell.exe", cmd)));
    assert!(
        m.matches(&proc("PowerShell.EXE", cmd)),
        "whole value, case-insensitive"
    );
    assert!(m.matches(&proc("sqlps.exe", cmd)));
    assert!(m.matches(&proc("pwsh.exe", cmd)));
    assert!(m.matches(&proc("sqltoolsps.exe", cmd)));
    assert!(m.matches(&proc("powershell_ise.exe", cmd)));
    assert!(
        !m.matches(&proc("xpowershell.exe", cmd)),
        "whole value, not substring"
    );
    // Renamed binary, caught by its PE original file name.
    let mut renamed = proc("notepad.exe", cmd);
    renamed.original_file_name = Some("PowerShell.EXE".into());
    assert!(m.matches(&renamed));
    renamed.original_file_name = Some("PWSH.DLL".into());
    assert!(m.matches(&renamed));
    renamed.original_file_name = Some("notepad.exe".into());
    assert!(!m.matches(&renamed));
    // Other processes carrying the strings.
    assert!(!m.matches(&proc("cmd.exe", cmd)));
    assert!(!m.matches(&proc("conhost.exe", cmd)));
    // The strings only in the parent's command line: not the process field.
    let mut child = proc("powershell.exe", "powershell.exe -nop");
    child.parent_process = Some(cmd.into());
    assert!(!m.matches(&child));
    let mut con = proc("conhost.exe", "conhost.exe 0xffffffff -ForceV1");
    con.parent_process = Some(cmd.into());
    assert!(!m.matches(&con));
    // Security 4688 (channel in any case) with a hex pid.
    let mut sec = proc("powershell.exe", cmd);
    sec.channel = CHANNEL_SECURITY.to_lowercase();
    sec.event_code = 4688;
    sec.process_id = Some("0xf84".into());
    assert!(m.matches(&sec));
    // Wrong code for the channel.
    let mut wrong = proc("powershell.exe", cmd);
    wrong.event_code = 4688;
    assert!(!m.matches(&wrong), "Sysmon channel with 4688");
    // Neither name field present.
    let mut anon = proc("powershell.exe", cmd);
    anon.process_name = None;
    assert!(!m.matches(&anon));
    // Only one literal.
    assert!(!m.matches(&proc("powershell.exe", "powershell Invoke-Command {1}")));
}

#[test]
fn fingerprint_and_tag_follow_matching_parts_only() {
    let q = query(SB);
    let f = fingerprint(&q);
    assert_eq!(f.len(), 16);
    assert_eq!(f, fingerprint(&query(SB)), "stable");
    assert_eq!(tag(&q), format!("q:{SB}:{f}"));
    let mut renamed = q.clone();
    renamed.name = "other".into();
    renamed.description.clear();
    assert_eq!(fingerprint(&renamed), f, "name does not change matching");
    let mut changed = q.clone();
    changed.predicates[1].pattern = "*-Cn*".into();
    assert_ne!(fingerprint(&changed), f);
    let mut chan = q.clone();
    chan.selection.sources.pop();
    assert_ne!(fingerprint(&chan), f);
    assert_ne!(fingerprint(&query(PROC)), f);
}

// ---------- matcher vs a brute-force reference ----------

/// A tiny seeded PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "Invoke-Command",
    "invoke-command",
    "INVOKE-COMMAND",
    "Invoke-Comand",
    "Invoke-Commandlet",
    "Invoke- Command",
    "-ComputerName",
    "-computername",
    "-COMPUTERNAME",
    "-ComputerNam",
    "-Computer",
    "\u{2013}ComputerName",
    "ComputerName",
    "-Cn",
    "icm",
    " ",
    "\n",
    "\r\n",
    "\t",
    "{",
    "}",
    "$s",
    "x",
    "é",
    "ß",
    "Ω",
    "Ä",
    "\u{212A}",
    "İ",
    "Invo\u{212A}e-Command",
    "\u{1b}[0m",
    "AΣ",
    "Σ",
];

/// Lowercase each character on its own (what "case-insensitive" means here).
fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The analytic written plainly: channel + code, then lowercase + contains.
fn reference_sb(e: &Event) -> bool {
    let chan = e.channel.to_lowercase();
    let chan_ok =
        chan == CHANNEL_POWERSHELL.to_lowercase() || chan == CHANNEL_POWERSHELL_CORE.to_lowercase();
    let Some(text) = e.script_block_text.as_deref() else {
        return false;
    };
    if text.is_empty() || !chan_ok || e.event_code != 4104 {
        return false;
    }
    let text = lower(text);
    text.contains("invoke-command") && text.contains("-computername")
}

#[test]
fn matcher_agrees_with_brute_force_reference() {
    let m = Matcher::new(&query(SB));
    let chans = [
        CHANNEL_POWERSHELL,
        "microsoft-windows-powershell/operational",
        CHANNEL_POWERSHELL_CORE,
        "Windows PowerShell",
        CHANNEL_SECURITY,
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut hits, mut misses) = (0, 0);
    for i in 0..20_000 {
        let n = rng.next() % 9;
        let text: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        let mut e = sb(&text);
        e.record_id = Some(i);
        e.channel = rng.pick(&chans).to_string();
        e.event_code = if rng.next().is_multiple_of(5) {
            4103
        } else {
            4104
        };
        if rng.next().is_multiple_of(20) {
            e.script_block_text = None;
        }
        let want = reference_sb(&e);
        assert_eq!(
            m.matches(&e),
            want,
            "text {:?} channel {:?} code {}",
            e.script_block_text,
            e.channel,
            e.event_code
        );
        if want { hits += 1 } else { misses += 1 }
    }
    assert!(
        hits > 500 && misses > 500,
        "both outcomes exercised: {hits} / {misses}"
    );
}

/// Plain recursive glob on chars of lowercased strings: `*` any run, else exact.
fn glob_ref(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|i| glob_ref(rest, &t[i..])),
        Some((c, rest)) => t.first() == Some(c) && glob_ref(rest, &t[1..]),
    }
}

#[test]
fn general_wildcards_agree_with_reference_glob() {
    let mut rng = Rng(42);
    let pat_pieces = ["a", "b", "ab", "ba", "A", "*", "*", "é", "\n", "Σ", "ς"];
    let text_pieces = ["a", "b", "A", "B", "é", "É", "\n", "ab", "Σ", "σ"];
    let mut hits = 0;
    for _ in 0..20_000 {
        let p: String = (0..rng.next() % 6 + 1)
            .map(|_| rng.pick(&pat_pieces))
            .collect();
        let t: String = (0..rng.next() % 8)
            .map(|_| rng.pick(&text_pieces))
            .collect();
        let pc: Vec<char> = lower(&p).chars().collect();
        let tc: Vec<char> = lower(&t).chars().collect();
        let want = !t.is_empty() && glob_ref(&pc, &tc);
        hits += usize::from(want);
        assert_eq!(
            Wildcard::new(&p).matches(&t),
            want,
            "pattern {p:?} text {t:?}"
        );
        let preds = [Predicate {
            field: "ScriptBlockText".into(),
            pattern: p.clone(),
        }];
        assert_eq!(predicates_match(&preds, &sb(&t)), want);
    }
    assert!(hits > 500, "both outcomes exercised: {hits}");
}
