//! The literal prefilter across Sigma rules is exact: the rules `MatchSet` reports for an
//! event are precisely the rules that match it when every rule is evaluated in full. Checked
//! on rules written here that use every construct the prefilter reasons about, over events
//! built from pieces of their literals, and (when ../shared is present) on the whole SigmaHQ
//! `rules/windows` set over the shared EVTX samples and the demo corpus.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use huntbench::analytics::{MatchSet, SavedQuery, load_sigma};
use huntbench::event::Event;
use huntbench::sigma::{EvalCache, Prefilter, Rule, RuleSet, Scratch};

const SYSMON: &str = "Microsoft-Windows-Sysmon/Operational";
const SECURITY: &str = "Security";
const POSH: &str = "Microsoft-Windows-PowerShell/Operational";

fn rule(id: u32, logsource: &str, detection: &str) -> String {
    format!(
        "title: prefilter rule {id}\nid: 00000000-0000-4000-8000-{id:012}\nlevel: medium\n\
         logsource:\n{logsource}detection:\n{detection}"
    )
}

const PROC: &str = "    category: process_creation\n    product: windows\n";
const SCRIPT: &str = "    category: ps_script\n    product: windows\n";
const LOGON: &str = "    service: security\n    product: windows\n";

/// One rule per construct the needs derivation treats differently.
fn own_rules() -> Vec<String> {
    let d = [
        // and of two fields, endswith + contains
        (
            PROC,
            "    s:\n        Image|endswith: '\\rundll32.exe'\n        CommandLine|contains: 'javascript:'\n    condition: s\n",
        ),
        // or across selections, one of them a glob with ? and *
        (
            PROC,
            "    a:\n        CommandLine|contains: 'vssadmin'\n    b:\n        CommandLine: '*shadow?copy*delete*'\n    condition: 1 of a or b\n",
        ),
        // not: the filter needs nothing; the selection still does
        (
            PROC,
            "    s:\n        ParentImage|endswith: '\\wsmprovhost.exe'\n    f:\n        Image|endswith: '\\conhost.exe'\n    condition: s and not f\n",
        ),
        // only a not: always evaluated
        (
            PROC,
            "    f:\n        Image|endswith: '\\explorer.exe'\n    condition: not f\n",
        ),
        // keywords
        (
            SCRIPT,
            "    keywords:\n        - 'AmsiUtils'\n        - 'amsiInitFailed'\n    condition: keywords\n",
        ),
        // |all with windash
        (
            PROC,
            "    s:\n        CommandLine|contains|all|windash:\n            - ' -nop'\n            - ' -w hidden'\n    condition: s\n",
        ),
        // base64offset
        (
            SCRIPT,
            "    s:\n        ScriptBlockText|base64offset|contains: 'IEX'\n    condition: s\n",
        ),
        // a regex beside whole values (the values are needed, the regex is not)
        (
            LOGON,
            "    s:\n        EventID: 4624\n        LogonType: 3\n        TargetUserName|re: '^adm'\n    condition: s\n",
        ),
        // exists, null and cased values need nothing
        (
            PROC,
            "    s:\n        OriginalFileName|exists: true\n        ParentCommandLine: null\n        CommandLine|cased|contains: 'Secret'\n    condition: s\n",
        ),
        // a list of maps, one of which needs nothing (so the whole needs nothing)
        (
            PROC,
            "    s:\n        - Image|endswith: '\\certutil.exe'\n        - Hashes|exists: true\n    condition: s\n",
        ),
        // fieldref
        (
            PROC,
            "    s:\n        Image|fieldref: ParentImage\n        CommandLine|contains: 'loop'\n    condition: s\n",
        ),
        // all of them, startswith + exact
        (
            PROC,
            "    a:\n        CommandLine|startswith: 'cmd /c'\n    b:\n        User: 'NT AUTHORITY\\SYSTEM'\n    condition: all of them\n",
        ),
        // a whole channel's source, its codes named in the detection under an or
        (
            LOGON,
            "    a:\n        EventID: 4625\n    b:\n        EventID:\n            - 4624\n            - 4634\n        TargetUserName|contains: 'adm'\n    condition: a or b\n",
        ),
        // a code under a not: any code of the channel
        (
            LOGON,
            "    s:\n        EventID: 4688\n    condition: not s\n",
        ),
        // a literal on the event code beside whole codes: settled when the prefilter of
        // each code is built (found for 4624, not for 4625), never scanned
        (
            LOGON,
            "    s:\n        EventID:\n            - 4624\n            - 4625\n    t:\n        EventID|endswith: '24'\n        TargetUserName|contains: 'adm'\n    condition: s and t\n",
        ),
        // keywords, one with a NUL: these haystacks are scanned one by one
        (
            LOGON,
            "    keywords:\n        - \"Nul\\0Byte\"\n        - 'ünï'\n    condition: keywords\n",
        ),
        // keywords without one, non-ASCII: all haystacks in one pass
        (
            PROC,
            "    keywords:\n        - 'ÜNÏ'\n        - 'Rundll32.ex'\n    condition: keywords\n",
        ),
    ];
    d.iter()
        .enumerate()
        .map(|(i, (ls, det))| rule(i as u32 + 1, ls, det))
        .collect()
}

/// Field values made of the rules' literal pieces, whole and broken, in mixed case.
const PIECES: &[&str] = &[
    "C:\\Windows\\System32\\rundll32.exe",
    "C:\\Windows\\System32\\RUNDLL32.EXE",
    "rundll32.ex",
    "javascript:",
    "JavaScript:alert",
    "vssadmin delete shadows",
    "wmic shadowcopy delete",
    "shadow copy",
    "C:\\Windows\\System32\\wsmprovhost.exe",
    "C:\\Windows\\System32\\conhost.exe",
    "C:\\Windows\\explorer.exe",
    "AmsiUtils",
    "amsiinitfailed",
    "Amsi",
    " -nop",
    " /nop",
    " \u{2013}w hidden",
    " -w hidden",
    "SUVY",
    "lFWF",
    "JRVh",
    "adminbob",
    "Secret",
    "secret",
    "cmd /c whoami",
    "NT AUTHORITY\\SYSTEM",
    "loop",
    "C:\\Windows\\System32\\certutil.exe",
    "SHA256=AB",
    "nul\u{0}byte",
    "xÜNÏx",
    "",
];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn value(&mut self) -> String {
        (0..1 + self.next(3))
            .map(|_| PIECES[self.next(PIECES.len())])
            .collect::<Vec<_>>()
            .join(if self.next(2) == 0 { " " } else { "" })
    }
}

fn random_events(n: usize) -> Vec<Event> {
    let mut r = Lcg(42);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = r.next(4);
        let mut e = Event::default();
        match kind {
            0 | 1 => {
                let (code, chan) = if kind == 0 {
                    (1, SYSMON)
                } else {
                    (4688, SECURITY)
                };
                e.event_code = code;
                e.channel = chan.into();
                let names: &[&str] = if kind == 0 {
                    &[
                        "Image",
                        "CommandLine",
                        "ParentImage",
                        "OriginalFileName",
                        "Hashes",
                        "User",
                        "ParentCommandLine",
                    ]
                } else {
                    &[
                        "NewProcessName",
                        "CommandLine",
                        "ParentProcessName",
                        "SubjectUserName",
                    ]
                };
                for n in names {
                    if r.next(4) != 0 {
                        let v = r.value();
                        if !v.is_empty() {
                            e.data.insert(n.to_string(), v);
                        }
                    }
                }
            }
            2 => {
                e.event_code = 4104;
                e.channel = POSH.into();
                e.script_block_text = Some(r.value());
                e.path = Some(r.value()).filter(|v| !v.is_empty());
            }
            _ => {
                e.event_code = 4624;
                e.channel = SECURITY.into();
                e.data
                    .insert("LogonType".into(), ["3", "2", "10"][r.next(3)].into());
                let user = r.value();
                // Now and then a failed logon (the code-literal rule's other code).
                if user.len().is_multiple_of(5) {
                    e.event_code = 4625;
                }
                e.data.insert("TargetUserName".into(), user);
            }
        }
        if kind == 0 && r.next(2) == 0 {
            let user = ["NT AUTHORITY\\SYSTEM", "nt authority\\system", "CORP\\bob"][r.next(3)];
            e.data.insert("User".into(), user.into());
        }
        // Now and then a process that is its own parent (the fieldref rule's case).
        if kind == 0 && r.next(8) == 0 {
            let img = r.value();
            e.data.insert("Image".into(), img.clone());
            e.data.insert("ParentImage".into(), img);
        }
        e.computer = "ws01.corp.example".into();
        out.push(e);
    }
    out
}

/// The saved queries of the rules under `dir`, and their rules in the same order.
fn load(dir: &Path) -> (Vec<SavedQuery>, Vec<Arc<Rule>>) {
    let (queries, _) = load_sigma(&[dir.to_path_buf()]).expect("loads");
    let rules = queries
        .iter()
        .map(|q| Arc::clone(&q.sigma.as_ref().expect("a sigma query").0))
        .collect();
    (queries, rules)
}

/// Assert that `MatchSet` reports exactly the rules full evaluation finds, event by event,
/// and that the prefilter alone never drops a matching rule; returns (matches, candidates
/// the prefilter let through).
fn assert_exact(queries: &[SavedQuery], rules: &[Arc<Rule>], events: &[Event]) -> (usize, usize) {
    let ms = MatchSet::new(queries.iter());
    let all: Vec<&Rule> = rules.iter().map(|r| &**r).collect();
    let pre = Prefilter::new(&all, None);
    let mut scratch = Scratch::default();
    let (mut got, mut cand) = (Vec::new(), Vec::new());
    let (mut matches, mut candidates) = (0, 0);
    for (n, e) in events.iter().enumerate() {
        let c = EvalCache::new(e);
        let want: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches_cached(&c))
            .map(|(i, _)| i)
            .collect();
        ms.matching(e, &mut got);
        assert_eq!(
            got,
            want,
            "event {n} ({} {}): prefiltered matches differ from full evaluation; rules {:?} vs {:?}",
            e.channel,
            e.event_code,
            got.iter().map(|&i| &rules[i].id).collect::<Vec<_>>(),
            want.iter().map(|&i| &rules[i].id).collect::<Vec<_>>()
        );
        pre.candidates(&c, &mut scratch, &mut cand);
        for w in &want {
            assert!(cand.contains(w), "event {n}: a matching rule was filtered");
        }
        matches += want.len();
        candidates += cand.len();
    }
    (matches, candidates)
}

#[test]
fn own_rules_prefiltered_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, text) in own_rules().iter().enumerate() {
        std::fs::write(dir.path().join(format!("r{i:02}.yml")), text).expect("write");
    }
    let (queries, rules) = load(dir.path());
    assert_eq!(rules.len(), own_rules().len());
    let events = random_events(4000);
    let (matches, candidates) = assert_exact(&queries, &rules, &events);
    // The events are built to match: every rule fires somewhere.
    let mut fired = vec![0usize; rules.len()];
    let ms = MatchSet::new(queries.iter());
    let mut got = Vec::new();
    for e in &events {
        ms.matching(e, &mut got);
        for &i in &got {
            fired[i] += 1;
        }
    }
    for (i, n) in fired.iter().enumerate() {
        assert!(*n > 0, "rule {} never fired", rules[i].title);
    }
    assert!(matches > 200, "{matches} matches");
    // The prefilter skips work: fewer candidates than rule × event pairs, and the rules that
    // need nothing (two with only a `not`; exists/null/cased; a list with an `exists`) are
    // the ones always let through. The regex rule is not among them: its `EventID: 4624` and
    // `LogonType: 3` are whole values, so literals it needs.
    let all: Vec<&Rule> = rules.iter().map(|r| &**r).collect();
    assert_eq!(Prefilter::new(&all, None).unconstrained(), 4);
    // Codes named in the detection bound the events a rule is asked about.
    let codes: Vec<Option<Vec<u32>>> = rules.iter().map(|r| r.detection_codes()).collect();
    assert_eq!(codes[7], Some(vec![4624]));
    assert_eq!(codes[12], Some(vec![4624, 4625, 4634]));
    assert_eq!(codes[13], None);
    assert_eq!(codes[0], None, "no EventID in a process_creation rule");
    assert!(
        candidates < events.len() * rules.len() / 2,
        "{candidates} candidates for {} pairs",
        events.len() * rules.len()
    );
}

#[test]
fn prefilter_lets_nothing_through_without_the_literal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = rule(
        1,
        PROC,
        "    s:\n        Image|endswith: '\\rundll32.exe'\n        CommandLine|contains: 'javascript:'\n    condition: s\n",
    );
    std::fs::write(dir.path().join("r.yml"), text).expect("write");
    let set = RuleSet::load(&[dir.path().to_path_buf()]).expect("loads");
    let all: Vec<&Rule> = set.rules.iter().collect();
    let pre = Prefilter::new(&all, None);
    let mut e = Event {
        event_code: 1,
        channel: SYSMON.into(),
        ..Default::default()
    };
    e.data
        .insert("Image".into(), "C:\\Windows\\System32\\RUNDLL32.EXE".into());
    e.data
        .insert("CommandLine".into(), "rundll32 shell32.dll".into());
    let (mut s, mut out) = (Scratch::default(), Vec::new());
    pre.candidates(&EvalCache::new(&e), &mut s, &mut out);
    assert!(out.is_empty(), "one of two needed literals is missing");
    e.data.insert(
        "CommandLine".into(),
        "rundll32 JavaScript:\"\\..\\mshtml\"".into(),
    );
    pre.candidates(&EvalCache::new(&e), &mut s, &mut out);
    assert_eq!(out, vec![0]);
    assert!(set.rules[0].matches(&e));
    // The literal in another field does not count.
    e.data.remove("CommandLine");
    e.data
        .insert("ParentCommandLine".into(), "javascript:".into());
    pre.candidates(&EvalCache::new(&e), &mut s, &mut out);
    assert!(out.is_empty());
}

fn shared() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets");
    d.join("sigma-rules").exists().then_some(d)
}

#[test]
fn sigmahq_prefiltered_exactly_over_shared_events() {
    let Some(data) = shared() else {
        eprintln!("SKIP: ../shared/datasets/sigma-rules not present");
        return;
    };
    let (queries, rules) = load(&data.join("sigma-rules"));
    let samples: Vec<PathBuf> = ["evtx-attack-samples", "atomic-evtx", "sigma-regression"]
        .iter()
        .map(|d| data.join(d))
        .filter(|p| p.exists())
        .collect();
    let (mut events, _) = huntbench::ingest::read_paths(&samples);
    events.extend(huntbench::demo::generate(&Default::default()));
    let (matches, candidates) = assert_exact(&queries, &rules, &events);
    let all: Vec<&Rule> = rules.iter().map(|r| &**r).collect();
    let unconstrained = Prefilter::new(&all, None).unconstrained();
    eprintln!(
        "sigma prefilter: {} events × {} rules: {matches} matches, {candidates} candidates \
         ({:.2} per event), {unconstrained} rules need no literal",
        events.len(),
        rules.len(),
        candidates as f64 / events.len() as f64
    );
    assert!(matches > 1000, "{matches} matches");
    // Nearly every rule needs a literal, and few rules are asked about an event.
    assert!(unconstrained < rules.len() / 20, "{unconstrained}");
    assert!(candidates < events.len() * rules.len() / 20);
}

/// Enough rules on one field that its automaton is large and the prefilter remembers short
/// values with the literals found in them; values that repeat, differ only in case, are not
/// ASCII (the Kelvin sign lowercases to `k`), or are too long to remember.
#[test]
fn many_literals_on_one_field_are_remembered_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut n = 0;
    for i in 0..60 {
        let d = format!("    s:\n        Image|endswith: '\\tool{i}.exe'\n    condition: s\n");
        std::fs::write(dir.path().join(format!("i{i:02}.yml")), rule(i, PROC, &d)).expect("w");
        n += 1;
    }
    let d = "    s:\n        Image|endswith: '\\kit.exe'\n    condition: s\n";
    std::fs::write(dir.path().join("i60.yml"), rule(60, PROC, d)).expect("w");
    n += 1;
    for (i, lit) in ["kit.exe", "-encodedcommand", "ünïcode"].iter().enumerate() {
        let d = format!("    s:\n        CommandLine|contains: '{lit}'\n    condition: s\n");
        let id = 100 + i as u32;
        std::fs::write(dir.path().join(format!("c{i}.yml")), rule(id, PROC, &d)).expect("w");
        n += 1;
    }
    let (queries, rules) = load(dir.path());
    assert_eq!(rules.len(), n);
    let images = [
        "C:\\Tools\\tool7.exe",
        "C:\\TOOLS\\TOOL7.EXE",
        "C:\\Tools\\tool77.exe",
        "C:\\Tools\\Tool59.Exe",
        "C:\\Windows\\explorer.exe",
        "C:\\Ünïcode\\TOOL3.EXE",
        "D:\\\u{212A}IT.EXE",
    ];
    let long = format!("{} -EncodedCommand {}", "x".repeat(300), "y".repeat(10));
    let lines = [
        "cmd /c \u{212A}IT.EXE",
        "cmd /c kit.exe",
        "cmd /c KIT.EXE",
        "powershell -EncodedCommand AAAA",
        long.as_str(),
        "C:\\ÜNÏCODE\\x",
        "notepad",
    ];
    let mut events = Vec::new();
    // Every pairing twice in a row: the second reads what the first remembered.
    for round in 0..2 {
        for (k, img) in images.iter().enumerate() {
            for line in &lines {
                let mut e = Event {
                    event_code: 1,
                    channel: SYSMON.into(),
                    computer: format!("ws{round}{k}"),
                    ..Event::default()
                };
                e.data.insert("Image".into(), img.to_string());
                e.data.insert("CommandLine".into(), line.to_string());
                events.push(e.clone());
                events.push(e);
            }
        }
    }
    let (matches, _) = assert_exact(&queries, &rules, &events);
    // tool7 (two spellings), tool59, tool3 and kit.exe (the Kelvin sign) fire on every
    // line; on the command line, kit.exe on three lines
    // (the Kelvin sign among them), the encoded command on two (one too long to remember),
    // ünïcode on one line and through no image.
    let per_pairing = 5 * lines.len() + images.len() * (3 + 2 + 1);
    assert_eq!(matches, 4 * per_pairing, "{matches} matches");
}
