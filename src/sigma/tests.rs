//! Unit tests: every modifier, the condition forms, escapes, null, keywords, the listing
//! reasons and fingerprints, on rules written here over hand-built events.

use std::path::Path;

use base64::Engine as _;

use super::*;
use crate::event::Event;

fn sysmon1(pairs: &[(&str, &str)]) -> Event {
    let mut e = Event {
        event_code: 1,
        channel: "Microsoft-Windows-Sysmon/Operational".into(),
        provider: "Microsoft-Windows-Sysmon".into(),
        computer: "WS01.corp.local".into(),
        ..Default::default()
    };
    for (k, v) in pairs {
        e.data.insert(k.to_string(), v.to_string());
    }
    e
}

fn rule(detection: &str) -> Rule {
    rule_ls(
        "    category: process_creation\n    product: windows\n",
        detection,
    )
}

fn rule_text(logsource: &str, detection: &str) -> String {
    format!(
        "title: t\nid: 11111111-2222-3333-4444-555555555555\nstatus: test\nlevel: high\n\
         logsource:\n{logsource}detection:\n{detection}"
    )
}

fn rule_ls(logsource: &str, detection: &str) -> Rule {
    let text = rule_text(logsource, detection);
    match RuleSet::parse_one(Path::new("t.yml"), &text) {
        Ok(r) => r,
        Err(l) => panic!("rule did not compile: {:?}\n{text}", l.reason),
    }
}

fn reason(detection: &str) -> String {
    let text = rule_text(
        "    category: process_creation\n    product: windows\n",
        detection,
    );
    match RuleSet::parse_one(Path::new("t.yml"), &text) {
        Ok(_) => panic!("rule compiled, expected a listing:\n{text}"),
        Err(l) => l.reason.expect("a reason"),
    }
}

fn m(detection: &str, e: &Event) -> bool {
    rule(detection).matches(e)
}

#[test]
fn mapping_file_parses_and_maps_the_main_sources() {
    let mp = mapping::mapping();
    assert!(mp.category.contains_key("process_creation"));
    assert!(mp.service.contains_key("security"));
    let r = rule("  sel:\n    Image: x\n  condition: sel\n");
    let s = r.sources();
    assert_eq!(
        s.channels,
        vec![
            ("Microsoft-Windows-Sysmon/Operational".to_string(), vec![1]),
            ("Security".to_string(), vec![4688])
        ]
    );
    assert_eq!(r.logsource_key(), "process_creation");
}

#[test]
fn plain_value_is_whole_value_case_insensitive() {
    let e = sysmon1(&[("Image", "C:\\Windows\\System32\\cmd.exe")]);
    assert!(m(
        "  sel:\n    Image: 'c:\\windows\\system32\\CMD.EXE'\n  condition: sel\n",
        &e
    ));
    assert!(!m("  sel:\n    Image: 'cmd.exe'\n  condition: sel\n", &e));
}

#[test]
fn wildcards_and_escapes() {
    let e = sysmon1(&[("CommandLine", "a*b?c\\d"), ("Image", "C:\\x\\cmd.exe")]);
    assert!(m("  sel:\n    Image: '*\\cmd.exe'\n  condition: sel\n", &e));
    assert!(m(
        "  sel:\n    Image: 'C:\\\\?\\cmd.exe'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    Image: 'C:\\\\??\\cmd.exe'\n  condition: sel\n",
        &e
    ));
    // Escaped wildcards are literal.
    assert!(m(
        "  sel:\n    CommandLine: 'a\\*b\\?c\\d'\n  condition: sel\n",
        &e
    ));
    let other = sysmon1(&[("CommandLine", "aXXb!c\\d")]);
    assert!(!m(
        "  sel:\n    CommandLine: 'a\\*b\\?c\\d'\n  condition: sel\n",
        &other
    ));
    assert!(m(
        "  sel:\n    CommandLine: 'a*b?c\\d'\n  condition: sel\n",
        &other
    ));
    // `\\` is one backslash; `\\*` a backslash then a wildcard.
    let bs = sysmon1(&[("CommandLine", "x\\yz")]);
    assert!(m(
        "  sel:\n    CommandLine: 'x\\\\*'\n  condition: sel\n",
        &bs
    ));
    assert!(m(
        "  sel:\n    CommandLine: 'x\\\\yz'\n  condition: sel\n",
        &bs
    ));
    // A glob with a middle star backtracks.
    let g = sysmon1(&[("CommandLine", "abcabcabd")]);
    assert!(m(
        "  sel:\n    CommandLine: 'a*abd'\n  condition: sel\n",
        &g
    ));
    assert!(!m(
        "  sel:\n    CommandLine: 'a*abe'\n  condition: sel\n",
        &g
    ));
}

#[test]
fn contains_startswith_endswith_all() {
    let e = sysmon1(&[("CommandLine", "powershell -NoP -enc AAAA")]);
    assert!(m(
        "  sel:\n    CommandLine|contains: '-nop'\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    CommandLine|startswith: 'POWERSHELL'\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    CommandLine|endswith: 'aaaa'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|endswith: 'aaa '\n  condition: sel\n",
        &e
    ));
    let all =
        "  sel:\n    CommandLine|contains|all:\n      - '-nop'\n      - '-enc'\n  condition: sel\n";
    assert!(m(all, &e));
    let all2 = "  sel:\n    CommandLine|contains|all:\n      - '-nop'\n      - '-w hidden'\n  condition: sel\n";
    assert!(!m(all2, &e));
    let any = "  sel:\n    CommandLine|contains:\n      - '-nop'\n      - '-w hidden'\n  condition: sel\n";
    assert!(m(any, &e));
}

#[test]
fn cased_and_regex() {
    let e = sysmon1(&[("CommandLine", "Invoke-Mimikatz")]);
    assert!(m(
        "  sel:\n    CommandLine|cased: 'Invoke-Mimikatz'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|cased: 'invoke-mimikatz'\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    CommandLine|contains|cased: 'Mimi'\n  condition: sel\n",
        &e
    ));
    // re is case-sensitive and unanchored; `i` makes it insensitive.
    assert!(m(
        "  sel:\n    CommandLine|re: 'Mimi[a-z]+'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|re: 'mimi[a-z]+'\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    CommandLine|re|i: 'mimi[a-z]+'\n  condition: sel\n",
        &e
    ));
    let ml = sysmon1(&[("CommandLine", "a\nfoo")]);
    assert!(!m(
        "  sel:\n    CommandLine|re: '^foo'\n  condition: sel\n",
        &ml
    ));
    assert!(m(
        "  sel:\n    CommandLine|re|m: '^foo'\n  condition: sel\n",
        &ml
    ));
    assert!(!m(
        "  sel:\n    CommandLine|re: 'a.foo'\n  condition: sel\n",
        &ml
    ));
    assert!(m(
        "  sel:\n    CommandLine|re|s: 'a.foo'\n  condition: sel\n",
        &ml
    ));
    assert!(
        reason("  sel:\n    CommandLine|re: '(unclosed'\n  condition: sel\n")
            .starts_with("regex does not compile")
    );
}

#[test]
fn base64_and_base64offset() {
    // "whoami" base64 is d2hvYW1p.
    let e = sysmon1(&[("CommandLine", "x d2hvYW1p y")]);
    assert!(m(
        "  sel:\n    CommandLine|base64|contains: 'whoami'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|base64: 'whoami'\n  condition: sel\n",
        &e
    ));
    // base64offset finds the text at every byte offset inside a longer encoding.
    for prefix in ["", "a", "ab"] {
        let full = format!("{prefix}http://evil");
        let enc = base64::engine::general_purpose::STANDARD.encode(full.as_bytes());
        let ev = sysmon1(&[("CommandLine", &enc)]);
        assert!(
            m(
                "  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel\n",
                &ev
            ),
            "offset {prefix:?}: {enc}"
        );
        let none = sysmon1(&[("CommandLine", "aGVsbG8gd29ybGQ=")]);
        assert!(!m(
            "  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel\n",
            &none
        ));
    }
    assert_eq!(
        value::base64_offsets(b"http://"),
        vec!["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"]
    );
}

#[test]
fn utf16_then_base64() {
    // PowerShell -EncodedCommand text is base64 of UTF-16LE.
    let enc = base64::engine::general_purpose::STANDARD.encode(
        "IEX (New-Object Net.WebClient)"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let e = sysmon1(&[("CommandLine", &format!("powershell -enc {enc}"))]);
    assert!(m(
        "  sel:\n    CommandLine|utf16le|base64offset|contains: 'New-Object'\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    CommandLine|wide|base64offset|contains: 'Net.WebClient'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|utf16le|base64offset|contains: 'Not-There'\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    CommandLine|base64offset|contains: 'New-Object'\n  condition: sel\n",
        &e
    ));
    assert!(
        reason("  sel:\n    CommandLine|utf16le: 'x'\n  condition: sel\n")
            .contains("without base64")
    );
}

#[test]
fn windash() {
    let r = rule("  sel:\n    CommandLine|windash|contains: ' -exec bypass'\n  condition: sel\n");
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        let e = sysmon1(&[("CommandLine", &format!("powershell {dash}exec bypass"))]);
        assert!(r.matches(&e), "{dash}");
    }
    assert!(!r.matches(&sysmon1(&[("CommandLine", "powershell +exec bypass")])));
    // A dash inside a word is not a switch.
    let r2 = rule("  sel:\n    CommandLine|windash|contains: 'a-b'\n  condition: sel\n");
    assert!(!r2.matches(&sysmon1(&[("CommandLine", "a/b")])));
}

#[test]
fn cidr_v4_v6() {
    let r = rule(
        "  sel:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fe80::/10'\n  condition: sel\n",
    );
    assert!(r.matches(&sysmon1(&[("DestinationIp", "10.1.2.3")])));
    assert!(r.matches(&sysmon1(&[("DestinationIp", "::ffff:10.9.9.9")])));
    assert!(r.matches(&sysmon1(&[("DestinationIp", "fe80::1")])));
    assert!(!r.matches(&sysmon1(&[("DestinationIp", "11.0.0.1")])));
    assert!(!r.matches(&sysmon1(&[("DestinationIp", "2001:db8::1")])));
    assert!(!r.matches(&sysmon1(&[("DestinationIp", "not an ip")])));
    assert!(
        reason("  sel:\n    DestinationIp|cidr: '10.0.0.0/40'\n  condition: sel\n")
            .contains("bad cidr")
    );
}

#[test]
fn exists_null_and_empty() {
    let e = sysmon1(&[("Image", "x")]);
    assert!(m("  sel:\n    Image|exists: true\n  condition: sel\n", &e));
    assert!(!m(
        "  sel:\n    Image|exists: false\n  condition: sel\n",
        &e
    ));
    assert!(m("  sel:\n    Nope|exists: false\n  condition: sel\n", &e));
    assert!(m("  sel:\n    Nope: null\n  condition: sel\n", &e));
    assert!(!m("  sel:\n    Image: null\n  condition: sel\n", &e));
    // Empty string = empty or missing (ingest stores no empty values).
    assert!(m("  sel:\n    Nope: ''\n  condition: sel\n", &e));
    assert!(!m("  sel:\n    Image: ''\n  condition: sel\n", &e));
    // A missing field does not match a pattern, even `*`.
    assert!(!m("  sel:\n    Nope: '*'\n  condition: sel\n", &e));
    assert!(m("  sel:\n    Image: '*'\n  condition: sel\n", &e));
}

#[test]
fn fieldref_and_numeric() {
    let e = sysmon1(&[
        ("SourceUser", "CORP\\bob"),
        ("TargetUser", "corp\\BOB"),
        ("Count", "42"),
        ("Pid", "0x1f4"),
    ]);
    assert!(m(
        "  sel:\n    SourceUser|fieldref: TargetUser\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    SourceUser|fieldref|cased: TargetUser\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    SourceUser|fieldref: Count\n  condition: sel\n",
        &e
    ));
    assert!(m(
        "  sel:\n    SourceUser|fieldref|endswith: TargetUser\n  condition: sel\n",
        &e
    ));
    assert!(!m(
        "  sel:\n    SourceUser|fieldref: Missing\n  condition: sel\n",
        &e
    ));
    assert!(m("  sel:\n    Count|gt: 41\n  condition: sel\n", &e));
    assert!(!m("  sel:\n    Count|gt: 42\n  condition: sel\n", &e));
    assert!(m("  sel:\n    Count|gte: 42\n  condition: sel\n", &e));
    assert!(m("  sel:\n    Count|lt: 100\n  condition: sel\n", &e));
    assert!(!m("  sel:\n    Count|lte: 41\n  condition: sel\n", &e));
    assert!(m("  sel:\n    Pid|gte: 500\n  condition: sel\n", &e));
    // A YAML number compares as its string form by default.
    assert!(m("  sel:\n    Count: 42\n  condition: sel\n", &e));
}

#[test]
fn keywords_search_every_value() {
    let mut e = sysmon1(&[("CommandLine", "net user hacker /add")]);
    assert!(m(
        "  keywords:\n    - 'hacker'\n    - 'nothing'\n  condition: keywords\n",
        &e
    ));
    assert!(!m(
        "  keywords:\n    - 'nothing'\n  condition: keywords\n",
        &e
    ));
    assert!(m("  keywords: 'WS01.CORP'\n  condition: keywords\n", &e));
    e.data.clear();
    e.script_block_text = Some("Invoke-Thing".into());
    assert!(m(
        "  keywords:\n    - 'invoke-thing'\n  condition: keywords\n",
        &e
    ));
    let all = "  keywords:\n    '|all':\n      - 'invoke'\n      - 'zzz'\n  condition: keywords\n";
    assert!(!m(all, &e));
}

#[test]
fn conditions() {
    let e = sysmon1(&[("Image", "a.exe"), ("CommandLine", "x")]);
    let d = |c: &str| {
        format!(
            "  sel_a:\n    Image: a.exe\n  sel_b:\n    Image: b.exe\n  filter:\n    CommandLine: x\n  _hidden:\n    Image: zzz\n  condition: {c}\n"
        )
    };
    let t = |c: &str| m(&d(c), &e);
    assert!(t("sel_a"));
    assert!(!t("sel_b"));
    assert!(t("sel_a or sel_b"));
    assert!(!t("sel_a and sel_b"));
    assert!(t("not sel_b"));
    assert!(!t("sel_a and not filter"));
    assert!(t("1 of sel_*"));
    assert!(t("any of sel_*"));
    assert!(!t("all of sel_*"));
    assert!(t("all of sel_a*"));
    assert!(t("1 of them"));
    // `them` leaves out `_` identifiers: with _hidden false, all of them = sel_a, sel_b, filter.
    assert!(!t("all of them"));
    // not > and > or.
    assert!(t("sel_b and sel_b or sel_a"));
    assert!(!t("sel_b and (sel_b or sel_a)"));
    assert!(t("not sel_b and sel_a"));
    assert!(!t("not (sel_b or sel_a)"));
    assert!(t("(sel_a and (filter or sel_b)) and not 1 of _*"));
}

#[test]
fn list_of_maps_is_or() {
    let det =
        "  sel:\n    - Image: a.exe\n      CommandLine: y\n    - Image: b.exe\n  condition: sel\n";
    assert!(!m(
        det,
        &sysmon1(&[("Image", "a.exe"), ("CommandLine", "x")])
    ));
    assert!(m(
        det,
        &sysmon1(&[("Image", "a.exe"), ("CommandLine", "y")])
    ));
    assert!(m(det, &sysmon1(&[("Image", "b.exe")])));
}

#[test]
fn unsupported_is_listed_with_reason() {
    assert_eq!(
        reason("  sel:\n    Image|foo: x\n  condition: sel\n"),
        "unknown modifier 'foo' (in sel)"
    );
    assert!(reason("  sel:\n    Image|expand: '%x%'\n  condition: sel\n").contains("expand"));
    assert_eq!(
        reason("  sel:\n    Image: x\n  condition: sel | count() by Computer > 5\n"),
        "aggregation/correlation not supported"
    );
    assert_eq!(
        reason("  sel:\n    Image: x\n  timeframe: 5m\n  condition: sel\n"),
        "aggregation/correlation not supported"
    );
    let r = reason("  sel:\n    Image: x\n  condition: sel and nope\n");
    assert!(
        r.starts_with("t.yml: ") && r.contains("unknown search identifier 'nope'"),
        "{r}"
    );
    let r = reason("  sel:\n    Image: x\n  condition: (sel\n");
    assert!(r.contains("missing ')'"), "{r}");
    let bad_ls = rule_text(
        "    category: no_such_thing\n    product: windows\n",
        "  sel:\n    a: b\n  condition: sel\n",
    );
    let l = RuleSet::parse_one(Path::new("t.yml"), &bad_ls).expect_err("listed");
    assert_eq!(
        l.reason.as_deref(),
        Some("no mapping for log source category 'no_such_thing'")
    );
    let linux = rule_text(
        "    category: process_creation\n    product: linux\n",
        "  sel:\n    a: b\n  condition: sel\n",
    );
    let l = RuleSet::parse_one(Path::new("t.yml"), &linux).expect_err("listed");
    assert!(l.reason.unwrap_or_default().contains("linux"));
    let nolevel = "title: t\nid: x\nlogsource:\n  product: windows\ndetection:\n  s:\n    a: b\n  condition: s\n";
    let l = RuleSet::parse_one(Path::new("t.yml"), nolevel).expect_err("listed");
    assert_eq!(l.reason.as_deref(), Some("no level"));
    let badlevel = nolevel.replace("title: t", "title: t\nlevel: severe");
    let l = RuleSet::parse_one(Path::new("t.yml"), &badlevel).expect_err("listed");
    assert_eq!(l.reason.as_deref(), Some("unknown level 'severe'"));
    let multi = format!(
        "{}\n---\ntitle: b\n",
        rule_text("    product: windows\n", "  s:\n    a: b\n  condition: s\n")
    );
    let l = RuleSet::parse_one(Path::new("t.yml"), &multi).expect_err("listed");
    assert_eq!(l.reason.as_deref(), Some(rule::MULTI_DOC));
    assert_eq!(l.id, "11111111-2222-3333-4444-555555555555");
    assert_eq!(l.level, Some(Level::High));
}

#[test]
fn log_source_is_checked_first() {
    let r = rule("  sel:\n    Image: a.exe\n  condition: sel\n");
    let mut e = sysmon1(&[("Image", "a.exe")]);
    assert!(r.matches(&e));
    e.event_code = 3;
    assert!(!r.matches(&e));
    e.event_code = 1;
    e.channel = "microsoft-windows-sysmon/operational".into();
    assert!(r.matches(&e), "channel compares case-insensitively");
    e.channel = "Application".into();
    assert!(!r.matches(&e));
}

#[test]
fn security_4688_renames() {
    let r = rule(
        "  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n    User|contains: 'bob'\n  condition: sel\n",
    );
    let mut e = Event {
        event_code: 4688,
        channel: "Security".into(),
        ..Default::default()
    };
    e.data.insert(
        "NewProcessName".into(),
        "C:\\Windows\\System32\\whoami.exe".into(),
    );
    e.data.insert(
        "ParentProcessName".into(),
        "C:\\Windows\\System32\\cmd.exe".into(),
    );
    e.user = Some("CORP\\bob".into());
    assert!(r.matches(&e));
    e.data
        .insert("ParentProcessName".into(), "C:\\x\\explorer.exe".into());
    assert!(!r.matches(&e));
    assert_eq!(r.references_fields(), vec!["Image", "ParentImage", "User"]);
}

#[test]
fn powershell_fields_and_classic_data() {
    let ls = "    category: ps_script\n    product: windows\n";
    let r = rule_ls(
        ls,
        "  sel:\n    ScriptBlockText|contains: 'AmsiUtils'\n  condition: sel\n",
    );
    let e = Event {
        event_code: 4104,
        channel: "Microsoft-Windows-PowerShell/Operational".into(),
        script_block_text: Some(
            "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils')".into(),
        ),
        ..Default::default()
    };
    assert!(r.matches(&e));
    let mut core = e.clone();
    core.channel = "PowerShellCore/Operational".into();
    assert!(r.matches(&core));
    let cls = rule_ls(
        "    category: ps_classic_start\n    product: windows\n",
        "  sel:\n    Data|contains: 'HostName=ConsoleHost'\n  condition: sel\n",
    );
    let mut c = Event {
        event_code: 400,
        channel: "Windows PowerShell".into(),
        ..Default::default()
    };
    c.data.insert("Data_1".into(), "Available".into());
    c.data.insert(
        "Data_3".into(),
        "NewEngineState=Available\n\tHostName=ConsoleHost".into(),
    );
    assert!(cls.matches(&c));
    c.data
        .insert("Data_3".into(), "HostName=ServerRemoteHost".into());
    assert!(!cls.matches(&c));
}

#[test]
fn service_rules_and_system_fields() {
    let r = rule_ls(
        "    product: windows\n    service: system\n",
        "  sel:\n    Provider_Name: 'Service Control Manager'\n    EventID: 7045\n  condition: sel\n",
    );
    let mut e = Event {
        event_code: 7045,
        channel: "System".into(),
        provider: "Service Control Manager".into(),
        ..Default::default()
    };
    assert!(r.matches(&e));
    assert_eq!(r.sources().channels, vec![("System".to_string(), vec![])]);
    assert_eq!(r.logsource_key(), "service:system");
    e.event_code = 7036;
    assert!(!r.matches(&e));
}

#[test]
fn fingerprint_follows_the_detection_only() {
    let a = rule("  sel:\n    Image: a.exe\n  condition: sel\n");
    let b = rule("  sel:\n    Image: b.exe\n  condition: sel\n");
    let a2 = RuleSet::parse_one(
        Path::new("other.yml"),
        &rule_text(
            "    category: process_creation\n    product: windows\n",
            "  sel:\n    Image: a.exe\n  condition: sel\n",
        )
        .replace("title: t", "title: renamed"),
    )
    .expect("compiles");
    assert_eq!(a.fingerprint().len(), 16);
    assert!(a.fingerprint().chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a.fingerprint(), b.fingerprint());
    assert_eq!(
        a.fingerprint(),
        a2.fingerprint(),
        "title and path do not decide matching"
    );
    let c = rule("  sel:\n    Image: a.exe\n  condition: not sel\n");
    assert_ne!(a.fingerprint(), c.fingerprint());
    let set1 = RuleSet {
        rules: vec![a],
        listed: vec![],
    };
    let set2 = RuleSet {
        rules: vec![b],
        listed: vec![],
    };
    assert_ne!(set1.fingerprint(), set2.fingerprint());
}

#[test]
fn load_folders_files_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = rule_text(
        "    category: process_creation\n    product: windows\n",
        "  sel:\n    Image: a.exe\n  condition: sel\n",
    );
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("a.yml"), &good).expect("write");
    std::fs::write(dir.path().join("sub/b.yaml"), &good).expect("write");
    std::fs::write(dir.path().join("c.yml"), "title: [unclosed").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a rule").expect("write");
    let set = RuleSet::load(&[dir.path().to_path_buf()]).expect("loads");
    assert_eq!(set.listed.len(), 3);
    assert_eq!(set.rules.len(), 1);
    assert_eq!(set.rules[0].path, dir.path().join("a.yml"));
    assert!(
        set.listed[1]
            .reason
            .as_deref()
            .unwrap_or("")
            .starts_with("YAML does not parse")
    );
    assert!(
        set.listed[2]
            .reason
            .as_deref()
            .unwrap_or("")
            .starts_with("duplicate id")
    );
    let one = RuleSet::load(&[dir.path().join("sub/b.yaml")]).expect("loads a file");
    assert_eq!(one.rules.len(), 1);
    match RuleSet::load(&[dir.path().join("missing")]) {
        Err(SigmaError::Folder { path, .. }) => assert_eq!(path, dir.path().join("missing")),
        Ok(_) => panic!("a missing folder is an error"),
    }
}

#[test]
fn folded_lookup_finds_what_a_case_insensitive_scan_finds() {
    let mut e = Event::default();
    for (k, v) in [
        ("IMAGE", "upper"),
        ("image", "lower"),
        ("CommandLine", "C:\\Tools\\X.EXE /Run"),
        ("parentimage", "p"),
        // Bit 5 folds `@` into a backquote as it folds case: the hash collides, the names
        // do not match.
        ("Data@Key", "at"),
        ("TargetFilename", "f"),
    ] {
        e.data.insert(k.into(), v.into());
    }
    let c = EvalCache::new(&e);
    for name in [
        "Image",
        "image",
        "IMAGE",
        "ParentImage",
        "commandline",
        "Missing",
        "Ü",
        "data`key",
        "DATA@KEY",
        "targetfilename",
        "TargetFilenam",
        "TargetFilename\u{0}",
    ] {
        let a = mapping::Accessor::Data(mapping::Name::new(name));
        let want = e
            .data
            .get(name)
            .map(String::as_str)
            .or_else(|| mapping::data_scan(&e, name));
        let got = c.field(&a);
        assert_eq!(got.as_ref().map(|v| &*v.raw), want, "{name}");
        if let Some(v) = got {
            assert_eq!(v.lower(), v.raw.to_lowercase(), "{name}");
        }
    }
    // A long name, and the last spelling of several that fold alike.
    let long = "X".repeat(80);
    e.data.insert(long.to_lowercase(), "long".into());
    let c = EvalCache::new(&e);
    let got = c.field(&mapping::Accessor::Data(mapping::Name::new(&long)));
    assert_eq!(got.map(|v| v.raw.to_string()).as_deref(), Some("long"));
}

#[test]
fn a_prefilter_that_could_not_be_built_lets_every_rule_through() {
    let p = prefilter::Prefilter::none(3);
    let e = Event::default();
    let (mut s, mut out) = (Scratch::default(), Vec::new());
    p.candidates(&EvalCache::new(&e), &mut s, &mut out);
    assert_eq!(out, vec![0, 1, 2]);
    assert_eq!(p.unconstrained(), 3);
}

#[test]
fn a_large_folder_parsed_in_parallel_keeps_path_order_and_the_first_of_an_id() {
    // Enough files that every core takes some; ids repeat, one file is not text.
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..300u32 {
        let text = format!(
            "title: r{i}\nid: 00000000-0000-4000-8000-{:012}\nlevel: low\nlogsource:\n    \
             category: process_creation\n    product: windows\ndetection:\n  s:\n    \
             Image: 'x{i}.exe'\n  condition: s\n",
            i % 250
        );
        std::fs::write(dir.path().join(format!("r{i:03}.yml")), text).expect("write");
    }
    std::fs::write(dir.path().join("r150.yml"), [0xffu8, 0xfe, 0x00]).expect("write");
    // Parsed, not read back from the cache (this test is about the parallel parse).
    let set = load::load_with(&[dir.path().to_path_buf()], load::Cache::Off).expect("loads");
    assert_eq!(set.listed.len(), 300);
    let names: Vec<String> = set
        .listed
        .iter()
        .map(|l| l.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = (0..300).map(|i| format!("r{i:03}.yml")).collect();
    assert_eq!(names, want, "listed in path order");
    assert_eq!(set.listed[150].reason.as_deref(), Some("not UTF-8 text"));
    // r250..r299 repeat the ids of r000..r049: each names the first file.
    assert_eq!(set.rules.len(), 249);
    let dup = set.listed[260].reason.as_deref().unwrap_or("");
    assert!(dup.starts_with("duplicate id"), "{dup}");
    assert!(dup.contains("r010.yml"), "{dup}");
    assert_eq!(set.rules[0].title, "r0");
    assert_eq!(set.rules[248].title, "r249");
}

/// Rule files exercising what the cache must carry: regexes with flags, substring searchers,
/// globs, networks, numbers, fieldrefs, keywords, renamed 4688 fields, service sources, a
/// rule that is only listed, and a repeated id.
fn cache_rules(dir: &Path, title_of_first: &str) {
    let ls_proc = "    category: process_creation\n    product: windows\n";
    let ls_net = "    category: network_connection\n    product: windows\n";
    let ls_ps = "    category: ps_script\n    product: windows\n";
    let ls_sec = "    service: security\n    product: windows\n";
    let bodies = [
        (
            ls_proc,
            "  s:\n    CommandLine|re|i: 'invoke-(web|rest)\\w+'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|contains: 'cmd'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    CommandLine|contains|all:\n      - ' -enc '\n      - 'bypass'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    CommandLine: '*net* user * /add*'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    CommandLine|windash|contains: ' -nop '\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    CommandLine|base64offset|contains: 'IEX'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    Image|fieldref: ParentImage\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    OriginalFileName: null\n    Image|startswith: 'C:\\Users\\'\n  condition: s\n",
        ),
        (
            ls_net,
            "  s:\n    DestinationIp|cidr:\n      - '10.0.0.0/8'\n      - 'fd00::/8'\n    DestinationPort|lt: 1024\n  condition: s\n",
        ),
        (
            ls_net,
            "  s:\n    Initiated|exists: true\n  f:\n    DestinationHostname|endswith: '.corp.local'\n  condition: s and not f\n",
        ),
        (
            ls_ps,
            "  s:\n    ScriptBlockText|contains: 'Invoke-Command'\n  t:\n    ScriptBlockText|contains: '-ComputerName'\n  condition: all of them\n",
        ),
        (
            ls_sec,
            "  s:\n    EventID: 4624\n    LogonType: 3\n  condition: s\n",
        ),
        (
            ls_sec,
            "  keywords:\n    - 'mimikatz'\n    - 'sekurlsa::'\n  condition: keywords\n",
        ),
        (
            ls_proc,
            "  s:\n    Image|nosuchmodifier: 'x'\n  condition: s\n",
        ),
        (
            ls_proc,
            "  s:\n    CommandLine|re: '(unclosed'\n  condition: s\n",
        ),
    ];
    // Enough files for a real set's shape (the cache takes sets of any size when told to).
    for i in 0..70usize {
        let (ls, body) = bodies[i % bodies.len()];
        let id_n = if i == 69 { 3 } else { i }; // the last repeats an id
        let title = if i == 0 {
            title_of_first.to_string()
        } else {
            format!("r{i}")
        };
        let text = format!(
            "title: {title}\nid: 00000000-0000-4000-8000-{id_n:012}\nstatus: test\nlevel: high\n\
             logsource:\n{ls}detection:\n{body}"
        );
        std::fs::write(dir.join(format!("r{i:03}.yml")), text).expect("write");
    }
    std::fs::write(dir.join("r070.yml"), [0xffu8, 0xfe]).expect("write");
}

fn cache_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_cached_rule_set_reads_back_as_parsed_and_any_edit_is_seen() {
    let rules = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    cache_rules(rules.path(), "first");
    let paths = [rules.path().to_path_buf()];
    let fresh = load::load_with(&paths, load::Cache::Off).expect("loads");
    assert_eq!(fresh.listed.len(), 71);
    assert!(fresh.rules.len() >= 55, "{}", fresh.rules.len());
    assert!(
        fresh.listed.iter().any(|l| l
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("regex does not compile"))),
        "a bad regex is listed"
    );

    // The first load parses and saves; what is saved reads back as the very same set.
    let cold = load::load_with(&paths, load::Cache::At(cache.path())).expect("loads");
    assert_eq!(format!("{cold:?}"), format!("{fresh:?}"));
    let saved = cache_files(cache.path());
    assert_eq!(saved.len(), 1, "{saved:?}");
    let files = load::rule_files(&paths).expect("files");
    let texts: Vec<_> = files
        .iter()
        .map(|f| std::fs::read(f).map_err(|e| e.to_string()))
        .collect();
    let key = cache::key(&files, &texts);
    let back = cache::read(cache.path(), &key).expect("the saved set reads back");
    assert_eq!(format!("{back:?}"), format!("{fresh:?}"));
    let warm = load::load_with(&paths, load::Cache::At(cache.path())).expect("loads");
    assert_eq!(format!("{warm:?}"), format!("{fresh:?}"));

    // What was read back matches events as the parsed rules do.
    let mut e = sysmon1(&[
        ("Image", "C:\\Windows\\System32\\whoami.exe"),
        ("ParentImage", "C:\\Windows\\System32\\cmd.exe"),
        (
            "CommandLine",
            "powershell -NoP -enc AAAA bypass; Invoke-WebRequest x; net  user bob /add",
        ),
    ]);
    let hits = |set: &RuleSet, e: &Event| -> Vec<String> {
        set.rules
            .iter()
            .filter(|r| r.matches(e))
            .map(|r| r.title.clone())
            .collect()
    };
    let want = hits(&fresh, &e);
    assert!(want.len() >= 4, "{want:?}");
    assert_eq!(hits(&warm, &e), want);
    e.event_code = 3;
    e.data.insert("DestinationIp".into(), "10.1.2.3".into());
    e.data.insert("DestinationPort".into(), "445".into());
    assert_eq!(hits(&warm, &e), hits(&fresh, &e));

    // An edited rule is a new key: parsed again, the edit seen, and saved beside the old.
    cache_rules(rules.path(), "edited");
    let edited = load::load_with(&paths, load::Cache::At(cache.path())).expect("loads");
    assert_eq!(edited.rules[0].title, "edited");
    assert_eq!(cache_files(cache.path()).len(), 2);

    // A damaged cache is passed over: the set is parsed again, whole.
    for f in cache_files(cache.path()) {
        std::fs::write(&f, b"not a rule set").expect("write");
    }
    let again = load::load_with(&paths, load::Cache::At(cache.path())).expect("loads");
    assert_eq!(format!("{again:?}"), format!("{edited:?}"));
}

#[test]
fn the_cache_keeps_only_the_newest_sets() {
    let rules = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let paths = [rules.path().to_path_buf()];
    for n in 0..(cache::KEEP + 3) {
        cache_rules(rules.path(), &format!("v{n}"));
        let set = load::load_with(&paths, load::Cache::At(cache.path())).expect("loads");
        assert_eq!(set.rules[0].title, format!("v{n}"));
        // Distinct modification times, so "newest" is well defined.
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    assert_eq!(cache_files(cache.path()).len(), cache::KEEP);
}
