//! The Sigma engine end to end: rules written here over hand-built events, and (when the
//! shared data set is present) the whole SigmaHQ `rules/windows` set: how much of it loads,
//! why the rest is listed, and a few named rules on events they should and should not match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use huntbench::event::Event;
use huntbench::sigma::{Level, RuleSet};

fn ev(code: u32, channel: &str, pairs: &[(&str, &str)]) -> Event {
    let mut e = Event {
        event_code: code,
        channel: channel.into(),
        ..Default::default()
    };
    for (k, v) in pairs {
        e.data.insert(k.to_string(), v.to_string());
    }
    e
}

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";

#[test]
fn own_rules_over_hand_built_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = r"title: Remote shell spawned by WinRM
id: 0b8a5e8e-0000-4000-8000-000000000001
status: experimental
level: high
logsource:
    category: process_creation
    product: windows
detection:
    parent:
        ParentImage|endswith: '\wsmprovhost.exe'
    shells:
        Image|endswith:
            - '\cmd.exe'
            - '\powershell.exe'
    quiet:
        CommandLine|contains|windash: ' -noprofile'
    filter_known:
        User|contains: 'svc_backup'
    condition: parent and (shells or quiet) and not filter_known
";
    let unsupported = "title: counted\nid: 0b8a5e8e-0000-4000-8000-000000000002\nlevel: low\n\
        logsource:\n    product: windows\n    service: security\ndetection:\n    s:\n        EventID: 4625\n\
        \x20   condition: s | count() by TargetUserName > 10\n";
    std::fs::write(dir.path().join("a_winrm.yml"), rule).expect("write");
    std::fs::write(dir.path().join("b_count.yml"), unsupported).expect("write");
    let set = RuleSet::load(&[dir.path().to_path_buf()]).expect("loads");
    assert_eq!(set.listed.len(), 2);
    assert_eq!(set.rules.len(), 1);
    assert_eq!(
        set.listed[1].reason.as_deref(),
        Some("aggregation/correlation not supported")
    );
    let r = &set.rules[0];
    assert_eq!(r.level, Level::High);
    assert_eq!(
        r.references_fields(),
        vec!["CommandLine", "Image", "ParentImage", "User"]
    );

    let hit = ev(
        1,
        SYSMON,
        &[
            ("ParentImage", "C:\\Windows\\System32\\wsmprovhost.exe"),
            ("Image", "C:\\Windows\\System32\\cmd.exe"),
            ("User", "CORP\\alice"),
        ],
    );
    assert!(r.matches(&hit));
    let mut filtered = hit.clone();
    filtered
        .data
        .insert("User".into(), "CORP\\svc_backup".into());
    assert!(!r.matches(&filtered));
    let quiet = ev(
        1,
        SYSMON,
        &[
            ("ParentImage", "C:\\Windows\\System32\\wsmprovhost.exe"),
            ("Image", "C:\\tools\\x.exe"),
            ("CommandLine", "x.exe /NoProfile"),
        ],
    );
    assert!(r.matches(&quiet));
    let other_parent = ev(
        1,
        SYSMON,
        &[
            ("ParentImage", "C:\\Windows\\explorer.exe"),
            ("Image", "C:\\Windows\\System32\\cmd.exe"),
        ],
    );
    assert!(!r.matches(&other_parent));
    // The same process in Security 4688 spelling.
    let mut sec = ev(
        4688,
        "Security",
        &[
            (
                "ParentProcessName",
                "C:\\Windows\\System32\\wsmprovhost.exe",
            ),
            (
                "NewProcessName",
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            ),
        ],
    );
    sec.user = Some("CORP\\alice".into());
    assert!(r.matches(&sec));
    assert_eq!(set.matching(&sec).len(), 1);
    assert!(set.matching(&other_parent).is_empty());
}

fn real_rules() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/sigma-rules");
    if !root.exists() {
        eprintln!("SKIP: ../shared/datasets/sigma-rules not present");
        return None;
    }
    Some(root.join("rules/windows"))
}

/// Group reasons by their shape (quoted names and the rule's own path taken out).
fn reason_group(r: &str) -> String {
    let r = r.rsplit_once(".yml: ").map_or(r, |x| x.1);
    let mut out = String::new();
    let mut quoted = false;
    for c in r.chars() {
        if c == '\'' {
            quoted = !quoted;
            out.push_str(if quoted { "'…" } else { "'" });
        } else if !quoted {
            out.push(c);
        }
    }
    match out.find(" (in ") {
        Some(i) => out[..i].to_string(),
        None => out,
    }
}

#[test]
fn sigmahq_windows_rules() {
    let Some(dir) = real_rules() else { return };
    let t = Instant::now();
    let set = RuleSet::load(std::slice::from_ref(&dir)).expect("the rules folder loads");
    let load_time = t.elapsed();
    let files = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yml" || x == "yaml")
        })
        .count();
    assert_eq!(set.listed.len(), files, "every file is listed");
    let supported = set.rules.len();
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for l in &set.listed {
        if let Some(r) = &l.reason {
            *groups.entry(reason_group(r)).or_default() += 1;
        }
    }
    let mut by_count: Vec<_> = groups.into_iter().collect();
    by_count.sort_by_key(|x| std::cmp::Reverse(x.1));
    eprintln!(
        "sigma: {supported} of {files} rules supported, loaded and compiled in {load_time:?}"
    );
    for (r, n) in &by_count {
        eprintln!("  {n:5}  {r}");
    }
    assert_eq!(
        supported + by_count.iter().map(|x| x.1).sum::<usize>(),
        files
    );
    assert!(
        supported * 100 >= files * 95,
        "{supported} of {files} supported"
    );
    eprintln!("sigma: rule set fingerprint {}", set.fingerprint());

    let find = |name: &str| {
        set.rules
            .iter()
            .find(|r| r.path.file_name().is_some_and(|f| f == name))
            .unwrap_or_else(|| panic!("{name} is supported"))
    };
    let mimikatz = find("proc_creation_win_hktl_mimikatz_command_line.yml");
    assert!(mimikatz.matches(&ev(
        1,
        SYSMON,
        &[("CommandLine", "m.exe \"SEKURLSA::logonpasswords\" exit")]
    )));
    assert!(!mimikatz.matches(&ev(
        1,
        SYSMON,
        &[("CommandLine", "notepad.exe c:\\notes.txt")]
    )));
    assert!(!mimikatz.matches(&ev(
        3,
        SYSMON,
        &[("CommandLine", "sekurlsa::logonpasswords")]
    )));

    let mesh = find("win_system_service_install_mesh_agent.yml");
    let mut svc = ev(
        7045,
        "System",
        &[
            ("ServiceName", "Mesh Agent"),
            ("ImagePath", "C:\\Program Files\\Mesh Agent\\MeshAgent.exe"),
        ],
    );
    svc.provider = "Service Control Manager".into();
    assert!(mesh.matches(&svc));
    let mut other = svc.clone();
    other.data.insert("ServiceName".into(), "Spooler".into());
    other.data.insert(
        "ImagePath".into(),
        "C:\\Windows\\System32\\spoolsv.exe".into(),
    );
    assert!(!mesh.matches(&other));

    let amsi = find("posh_ps_amsi_null_bits_bypass.yml");
    let ps = Event {
        event_code: 4104,
        channel: "Microsoft-Windows-PowerShell/Operational".into(),
        script_block_text: Some("$x = '#<NULL>'; [Ref].Assembly".into()),
        ..Default::default()
    };
    assert!(amsi.matches(&ps));
    let mut benign = ps.clone();
    benign.script_block_text = Some("Get-ChildItem C:\\".into());
    assert!(!amsi.matches(&benign));
}

/// Evaluation speed over real events (printed, not asserted).
#[test]
fn sigmahq_eval_speed() {
    let Some(dir) = real_rules() else { return };
    let set = RuleSet::load(&[dir]).expect("loads");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets");
    let samples: Vec<PathBuf> = ["evtx-attack-samples", "atomic-evtx"]
        .iter()
        .map(|d| data.join(d))
        .filter(|p| p.exists())
        .collect();
    if samples.is_empty() {
        eprintln!("SKIP: ../shared/datasets event samples not present");
        return;
    }
    let (events, _) = huntbench::ingest::read_paths(&samples);
    // One pass first so lazily built regex automata are not counted.
    for e in events.iter().take(200) {
        let _ = set.matching(e);
    }
    let t = Instant::now();
    let mut hits = 0usize;
    for e in &events {
        hits += set.matching(e).len();
    }
    let dt = t.elapsed();
    eprintln!(
        "sigma: {} events × {} rules in {dt:?} ({:.0} events/s), {hits} matches",
        events.len(),
        set.rules.len(),
        events.len() as f64 / dt.as_secs_f64()
    );
}
