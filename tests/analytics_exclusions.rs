//! SEMANTICS.md §6: exclusions on output columns, their store on disk and their export.

use std::collections::BTreeMap;

use huntbench::analytics::{
    Exclusion, ExclusionOp, ExclusionStore, Group, HuntResult, SavedQuery, Suppression,
    apply_exclusions, builtin_queries, exclusion_matches, parse_op, sha256_hex,
};
use huntbench::time::parse_timestamp;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn row(text: &str, host: &str, user: &str, count: u64) -> Group {
    Group {
        analytic: SB.into(),
        key: vec!["4104".into(), text.into(), host.into(), user.into()],
        count,
        first: parse_timestamp("2024-10-21T11:31:57.6Z").unwrap(),
        last: parse_timestamp("2024-10-21T12:00:00Z").unwrap(),
        events: (0..count).collect(),
        suppressed_by: vec![],
    }
}

fn x(id: &str, field: &str, op: ExclusionOp) -> Exclusion {
    Exclusion {
        id: id.into(),
        analytic: SB.into(),
        field: field.into(),
        op,
        note: None,
        enabled: true,
        created: String::new(),
    }
}

#[test]
fn sha256_is_lowercase_hex_of_the_exact_text() {
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_ne!(sha256_hex("ABC"), sha256_hex("abc"));
}

#[test]
fn each_op_matches_whole_values_case_insensitively() {
    let q = query(SB);
    let g = row(
        "Import-Module C:\\Tools\\dbatools\\x.psm1",
        "MGMT01.corp.local",
        "S-1-5-18",
        3,
    );
    let yes = |op: ExclusionOp, f: &str| exclusion_matches(&q, &x("x1", f, op), &g);
    assert!(yes(
        ExclusionOp::Equals("mgmt01.CORP.local".into()),
        "Computer"
    ));
    assert!(!yes(ExclusionOp::Equals("mgmt01".into()), "Computer"));
    assert!(yes(ExclusionOp::Wildcard("mgmt01*".into()), "Computer"));
    assert!(!yes(ExclusionOp::Wildcard("corp*".into()), "Computer"));
    assert!(yes(
        ExclusionOp::Wildcard("*\\DBATOOLS\\*".into()),
        "ScriptBlockText"
    ));
    assert!(yes(
        ExclusionOp::OneOf(vec!["S-1-5-19".into(), "s-1-5-18".into()]),
        "user_id"
    ));
    assert!(!yes(ExclusionOp::OneOf(vec!["S-1-5-1".into()]), "user_id"));
    let h = sha256_hex("Import-Module C:\\Tools\\dbatools\\x.psm1");
    assert!(yes(ExclusionOp::Sha256(h.clone()), "ScriptBlockText"));
    assert!(yes(
        ExclusionOp::Sha256(h.to_uppercase()),
        "ScriptBlockText"
    ));
    assert!(!yes(
        ExclusionOp::Sha256(sha256_hex("import-module c:\\tools\\dbatools\\x.psm1")),
        "ScriptBlockText"
    ));
    // Stats columns are output columns too.
    assert!(yes(ExclusionOp::Equals("3".into()), "count"));
    assert!(yes(
        ExclusionOp::Equals("2024-10-21T11:31:57".into()),
        "firstTime"
    ));
    // A disabled exclusion or one of another analytic never matches.
    let mut off = x("x1", "Computer", ExclusionOp::Wildcard("*".into()));
    off.enabled = false;
    assert!(!exclusion_matches(&q, &off, &g));
    let mut other = x("x1", "Computer", ExclusionOp::Wildcard("*".into()));
    other.analytic = PROC.into();
    assert!(!exclusion_matches(&q, &other, &g));
}

#[test]
fn apply_marks_rows_and_counts_per_exclusion() {
    let q = query(SB);
    let mut r = HuntResult {
        query: q,
        groups: vec![
            row("a", "mgmt01", "S-1-5-18", 4),
            row("b", "ws01", "S-1-5-18", 2),
            row("c", "ws02", "S-1-5-21-7", 1),
        ],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    };
    let mut off = x("x3", "Computer", ExclusionOp::Equals("ws02".into()));
    off.enabled = false;
    let mut foreign = x("x4", "dest", ExclusionOp::Equals("ws02".into()));
    foreign.analytic = PROC.into();
    let xs = vec![
        x("x1", "Computer", ExclusionOp::Equals("MGMT01".into())),
        x("x2", "user_id", ExclusionOp::OneOf(vec!["S-1-5-18".into()])),
        off,
        foreign,
        x("x5", "ScriptBlockText", ExclusionOp::Equals("zzz".into())),
    ];
    apply_exclusions(&mut r, &xs);
    assert_eq!(r.groups[0].suppressed_by, ["x1", "x2"]);
    assert_eq!(r.groups[1].suppressed_by, ["x2"]);
    assert!(r.groups[2].suppressed_by.is_empty());
    let s = |rows, events| Suppression { rows, events };
    assert_eq!(
        r.suppressed,
        BTreeMap::from([
            ("x1".to_string(), s(1, 4)),
            ("x2".to_string(), s(2, 6)),
            ("x5".to_string(), s(0, 0)),
        ])
    );
    assert_eq!((r.rows(), r.events(), r.suppressed_rows()), (1, 1, 2));
    // Re-applying with fewer exclusions replaces the earlier marks.
    apply_exclusions(&mut r, &xs[1..2]);
    assert!(r.groups[0].suppressed_by == ["x2"] && r.groups[2].is_kept());
    assert_eq!(r.suppressed.len(), 1);
}

#[test]
fn parse_op_rules() {
    assert_eq!(parse_op("mgmt01"), ExclusionOp::Equals("mgmt01".into()));
    assert_eq!(
        parse_op("*dbatools*"),
        ExclusionOp::Wildcard("*dbatools*".into())
    );
    assert_eq!(parse_op("eq:a*b"), ExclusionOp::Equals("a*b".into()));
    assert_eq!(
        parse_op("in:S-1-5-18, S-1-5-19,,"),
        ExclusionOp::OneOf(vec!["S-1-5-18".into(), "S-1-5-19".into()])
    );
    assert_eq!(
        parse_op("SHA256:ABCDEF"),
        ExclusionOp::Sha256("abcdef".into())
    );
}

// ---------- the store ----------

#[test]
fn store_add_list_disable_remove_persist_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("exclusions.toml");
    let mut s = ExclusionStore::open(&path).unwrap();
    assert!(s.list().is_empty());
    assert!(!path.exists(), "opening does not create the file");
    let a = s
        .add(
            SB,
            "Computer",
            parse_op("mgmt01.corp.local"),
            Some("jump host"),
        )
        .unwrap();
    let b = s
        .add(SB, "user_id", parse_op("in:S-1-5-18,S-1-5-19"), None)
        .unwrap();
    let c = s
        .add(PROC, "parent_process_name", parse_op("CcmExec.exe"), None)
        .unwrap();
    assert_eq!(
        (a.id.as_str(), b.id.as_str(), c.id.as_str()),
        ("x1", "x2", "x3")
    );
    assert!(a.enabled && a.note.as_deref() == Some("jump host"));
    assert!(!a.created.is_empty());

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("version = 1"), "{text}");
    assert!(text.contains("[[exclusion]]") && text.contains("mgmt01.corp.local"));

    s.set_enabled("x2", false).unwrap();
    let removed = s.remove("x3").unwrap();
    assert_eq!(removed.field, "parent_process_name");
    let d = s
        .add(SB, "ScriptBlockText", parse_op("*dbatools*"), None)
        .unwrap();
    assert_eq!(d.id, "x4", "x3 is not reused");

    let mut again = ExclusionStore::open(&path).unwrap();
    let got: Vec<(&str, bool, &ExclusionOp)> = again
        .list()
        .iter()
        .map(|x| (x.id.as_str(), x.enabled, &x.op))
        .collect();
    assert_eq!(
        got,
        [
            ("x1", true, &ExclusionOp::Equals("mgmt01.corp.local".into())),
            (
                "x2",
                false,
                &ExclusionOp::OneOf(vec!["S-1-5-18".into(), "S-1-5-19".into()])
            ),
            ("x4", true, &ExclusionOp::Wildcard("*dbatools*".into())),
        ]
    );
    again.remove("x4").unwrap();
    let e = again.add(SB, "Computer", parse_op("a"), None).unwrap();
    assert_eq!(
        e.id, "x5",
        "the highest id is not reused after a reopen either"
    );
    assert!(matches!(
        again.remove("x4"),
        Err(huntbench::analytics::AnalyticsError::UnknownExclusion(_))
    ));
    assert!(again.set_enabled("x99", true).is_err());
    // Atomic writes leave no temp file behind.
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["exclusions.toml"]);
}

#[test]
fn store_validates_analytic_field_and_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = ExclusionStore::open(dir.path().join("x.toml")).unwrap();
    let e = s.add("nope", "Computer", parse_op("a"), None).unwrap_err();
    assert!(e.to_string().contains("unknown analytic `nope`"), "{e}");
    let e = s.add(SB, "dest", parse_op("a"), None).unwrap_err();
    assert!(
        e.to_string().contains("`dest` is not an output column"),
        "{e}"
    );
    let e = s
        .add(SB, "ScriptBlockText", parse_op("sha256:abc"), None)
        .unwrap_err();
    assert!(e.to_string().contains("64 hex digits"), "{e}");
    let e = s.add(SB, "user_id", parse_op("in:,"), None).unwrap_err();
    assert!(e.to_string().contains("non-empty"), "{e}");
    assert!(s.list().is_empty());
    assert!(!dir.path().join("x.toml").exists());
}

#[test]
fn two_stores_on_one_file_do_not_clobber() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut cli = ExclusionStore::open(&path).unwrap();
    let mut tui = ExclusionStore::open(&path).unwrap();
    cli.add(SB, "Computer", parse_op("a"), None).unwrap();
    let second = tui.add(SB, "Computer", parse_op("b"), None).unwrap();
    assert_eq!(second.id, "x2");
    let ids: Vec<String> = ExclusionStore::open(&path)
        .unwrap()
        .list()
        .iter()
        .map(|x| x.id.clone())
        .collect();
    assert_eq!(ids, ["x1", "x2"]);
}

#[test]
fn broken_files_are_errors_with_file_and_line_and_stay_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut s = ExclusionStore::open(&path).unwrap();
    s.add(SB, "Computer", parse_op("a"), None).unwrap();
    let good = std::fs::read_to_string(&path).unwrap();

    // A hand edit that breaks the syntax.
    let broken = good.replace("enabled = true", "enabled = tru");
    let line = broken.lines().position(|l| l.contains("tru")).unwrap() + 1;
    std::fs::write(&path, &broken).unwrap();
    let e = ExclusionStore::open(&path).unwrap_err().to_string();
    assert!(
        e.contains(&format!("exclusions.toml:{line}:")),
        "line {line}: {e}"
    );
    // A store opened before the damage refuses to write over it.
    assert!(s.add(SB, "Computer", parse_op("b"), None).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);

    // Wrong version, bad sha, missing field.
    std::fs::write(&path, good.replace("version = 1", "version = 7")).unwrap();
    let e = ExclusionStore::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("exclusions.toml") && e.contains("version 7"),
        "{e}"
    );
    let bad_op = good.replace("op = \"equals\"", "op = \"sha256\"");
    std::fs::write(&path, bad_op).unwrap();
    let e = ExclusionStore::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("exclusion x1 (line") && e.contains("64 hex"),
        "{e}"
    );
    std::fs::write(&path, good.replace("field = \"Computer\"\n", "")).unwrap();
    let e = ExclusionStore::open(&path).unwrap_err().to_string();
    assert!(e.contains("exclusions.toml:") && e.contains("field"), "{e}");
}

#[test]
fn hand_edited_exclusions_that_cannot_match_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut s = ExclusionStore::open(&path).unwrap();
    s.add(SB, "Computer", parse_op("a"), None).unwrap();
    s.add(PROC, "dest", parse_op("b"), None).unwrap();
    assert!(s.problems().is_empty());
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("field = \"dest\"", "field = \"Computer\"");
    std::fs::write(&path, text).unwrap();
    s.reload().unwrap();
    assert_eq!(
        s.problems(),
        [format!("x2: `Computer` is not an output column of {PROC}")]
    );
}

#[test]
fn hunt_all_applies_exclusions() {
    use huntbench::analytics::hunt_all;
    use huntbench::event::{CHANNEL_POWERSHELL, Event};
    let ev = |rid: u64, host: &str| Event {
        time: 1_700_000_000_000_000 + rid as i64,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: host.into(),
        record_id: Some(rid),
        user_id: Some("S-1-5-18".into()),
        script_block_text: Some("Invoke-Command -ComputerName x {1}".into()),
        ..Default::default()
    };
    let evs = [ev(1, "mgmt01"), ev(2, "mgmt01"), ev(3, "ws01")];
    let refs: Vec<&Event> = evs.iter().collect();
    let xs = [x("x1", "Computer", ExclusionOp::Equals("mgmt01".into()))];
    let rs = hunt_all(&builtin_queries(), &refs, &xs);
    assert_eq!(rs.len(), 2);
    let sb = rs.iter().find(|r| r.query.id == SB).unwrap();
    assert_eq!((sb.groups.len(), sb.rows(), sb.events()), (2, 1, 1));
    assert_eq!(sb.suppressed["x1"], Suppression { rows: 1, events: 2 });
    let p = rs.iter().find(|r| r.query.id == PROC).unwrap();
    assert!(p.groups.is_empty() && p.suppressed.is_empty());
}
