//! Triage marks: the status vocabulary, row identities, the store on disk (round trip, atomic
//! write, corrupt file kept, ids never reused) and marks compared with the rows as they are now.

use std::collections::BTreeMap;

use huntbench::analytics::{Group, HuntResult, SavedQuery, builtin_queries, sha256_hex};
use huntbench::triage::{
    EDGES, MarkTarget, Marks, Rows, Status, StatusCounts, TriageStore, edge_identity, identity,
    triage_path,
};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn row(text: &str, host: &str, count: u64) -> Group {
    Group {
        analytic: SB.into(),
        key: vec!["4104".into(), text.into(), host.into(), "S-1-5-21-1".into()],
        count,
        first: 1_000_000,
        last: 1_000_000 + count as i64,
        events: (0..count).collect(),
        suppressed_by: vec![],
    }
}

fn result(groups: Vec<Group>) -> HuntResult {
    HuntResult {
        query: query(SB),
        groups,
        dropped: vec![],
        suppressed: BTreeMap::new(),
    }
}

#[test]
fn status_parses_words_and_first_letters_in_any_case() {
    for (text, want) in [
        ("benign", Status::Benign),
        ("B", Status::Benign),
        ("Suspicious", Status::Suspicious),
        ("s", Status::Suspicious),
        ("MALICIOUS", Status::Malicious),
        ("m", Status::Malicious),
        ("u", Status::Untriaged),
        ("untriaged", Status::Untriaged),
    ] {
        assert_eq!(text.parse::<Status>(), Ok(want), "{text}");
    }
    for bad in ["", "x", "mal", "benignly"] {
        let e = bad.parse::<Status>().unwrap_err();
        assert!(e.contains("benign, suspicious"), "{bad}: {e}");
    }
    assert_eq!(Status::Suspicious.label(), "suspicious");
    assert_eq!(Status::Malicious.short(), "MAL");
}

#[test]
fn identity_is_the_by_clause_key_with_long_values_hashed() {
    let q = query(SB);
    let long = "Invoke-Command -ComputerName srv01 { ".to_string() + &"x".repeat(300) + " }";
    let id = identity(&q, &row(&long, "ws01", 3));
    let columns: Vec<&str> = id.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        columns,
        ["EventCode", "ScriptBlockText", "Computer", "user_id"]
    );
    assert_eq!(id[1].1, format!("sha256:{}", sha256_hex(&long)));
    assert_eq!(id[2].1, "ws01");
    // Exactly 256 bytes stays as it is.
    let edge = "a".repeat(256);
    assert_eq!(edge_identity("src", &edge)[1], ("target".into(), edge));
}

#[test]
fn marks_round_trip_update_in_place_and_clear_without_reusing_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = triage_path(dir.path());
    assert_eq!(path, dir.path().join("triage.toml"));
    let q = query(SB);
    let long = "y".repeat(1000);
    let (a, b) = (row("icm srv01", "ws01", 2), row(&long, "ws02", 5));
    let mut store = TriageStore::open(&path).unwrap();
    assert!(store.list().is_empty());
    assert!(!path.exists(), "opening creates nothing");
    let t1 = store
        .set(
            SB,
            identity(&q, &a),
            Status::Suspicious,
            Some("odd hop"),
            2,
            a.first,
            a.last,
        )
        .unwrap();
    let t2 = store
        .set(
            SB,
            identity(&q, &b),
            Status::Benign,
            None,
            5,
            b.first,
            b.last,
        )
        .unwrap();
    assert_eq!((t1.id.as_str(), t2.id.as_str()), ("t1", "t2"));
    // Re-marking the same row keeps its id and created time; `None` keeps the note.
    let again = store
        .set(
            SB,
            identity(&q, &a),
            Status::Malicious,
            None,
            4,
            a.first,
            a.last + 9,
        )
        .unwrap();
    assert_eq!(again.id, "t1");
    assert_eq!(again.note.as_deref(), Some("odd hop"));
    assert_eq!((again.count, again.last), (4, a.last + 9));
    assert_eq!(again.created, t1.created);

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("version = 1") && text.contains("[[mark]]"),
        "{text}"
    );
    assert!(text.contains("status = \"malicious\""), "{text}");
    assert!(
        !text.contains(&long),
        "a 1000-byte value is stored as its hash"
    );
    assert!(text.contains(&sha256_hex(&long)));

    let reopened = TriageStore::open(&path).unwrap();
    assert_eq!(reopened.list(), store.list());
    let found = reopened.find(SB, &identity(&q, &b)).unwrap();
    assert_eq!((found.id.as_str(), found.status), ("t2", Status::Benign));
    assert!(
        reopened
            .find(SB, &identity(&q, &row("other", "ws01", 1)))
            .is_none()
    );

    // Clearing t2 then marking a new row gives t3, never t2 again; clear all keeps counting.
    let gone = store.clear(Some(&["t2".to_string()])).unwrap();
    assert_eq!(gone.len(), 1);
    let t3 = store
        .set(SB, identity(&q, &b), Status::Benign, None, 5, 0, 0)
        .unwrap();
    assert_eq!(t3.id, "t3");
    assert!(store.clear(Some(&["t9".to_string()])).is_err());
    assert_eq!(store.list().len(), 2, "an unknown id removes nothing");
    assert_eq!(store.clear(None).unwrap().len(), 2);
    let t4 = store
        .set(
            EDGES,
            edge_identity("ws01", "srv01"),
            Status::Malicious,
            None,
            1,
            0,
            0,
        )
        .unwrap();
    assert_eq!(t4.id, "t4");
    assert_eq!(TriageStore::open(&path).unwrap().list()[0].id, "t4");
}

#[test]
fn two_stores_on_one_file_do_not_clobber_and_one_write_marks_many_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = triage_path(dir.path());
    let mut cli = TriageStore::open(&path).unwrap();
    let mut tui = TriageStore::open(&path).unwrap();
    cli.set(
        EDGES,
        edge_identity("a", "b"),
        Status::Benign,
        None,
        1,
        0,
        0,
    )
    .unwrap();
    let targets: Vec<MarkTarget> = ["c", "d"]
        .iter()
        .map(|t| MarkTarget {
            analytic: EDGES.into(),
            key: edge_identity("a", t),
            count: 1,
            first: 0,
            last: 0,
        })
        .collect();
    let marks = tui
        .set_many(&targets, Status::Suspicious, Some("x"))
        .unwrap();
    let ids: Vec<&str> = marks.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["t2", "t3"]);
    assert_eq!(TriageStore::open(&path).unwrap().list().len(), 3);
}

#[test]
fn writes_are_atomic_private_and_leave_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = triage_path(&dir.path().join("idx"));
    let mut store = TriageStore::open(&path).unwrap();
    store
        .set(
            EDGES,
            edge_identity("a", "b"),
            Status::Benign,
            None,
            1,
            0,
            0,
        )
        .unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["triage.toml"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
    // A write that cannot complete (its temp file's name is taken by a folder) fails and
    // leaves the file whole: the old text, not half of the new.
    let tmp = path
        .parent()
        .unwrap()
        .join(format!(".triage.toml.tmp.{}", std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    let e = store
        .set(
            EDGES,
            edge_identity("a", "c"),
            Status::Malicious,
            None,
            1,
            0,
            0,
        )
        .unwrap_err();
    assert!(e.to_string().contains("triage.toml"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn a_corrupt_file_is_reported_with_its_line_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = triage_path(dir.path());
    let mut store = TriageStore::open(&path).unwrap();
    store
        .set(
            EDGES,
            edge_identity("a", "b"),
            Status::Benign,
            None,
            1,
            0,
            0,
        )
        .unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    let broken = good.replace("status = \"benign\"", "status = \"benign");
    let line = broken.lines().position(|l| l.contains("status")).unwrap() + 1;
    std::fs::write(&path, &broken).unwrap();
    let e = TriageStore::open(&path).unwrap_err().to_string();
    assert!(
        e.contains(&format!("triage.toml:{line}:")),
        "line {line}: {e}"
    );
    assert!(
        store
            .set(
                EDGES,
                edge_identity("a", "c"),
                Status::Benign,
                None,
                1,
                0,
                0
            )
            .is_err()
    );
    assert!(store.clear(None).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);

    for (from, to, says) in [
        ("version = 1", "version = 2", "version 2"),
        ("status = \"benign\"", "status = \"fine\"", "triage.toml:"),
        ("id = \"t1\"", "id = \"x1\"", "mark x1 (line"),
    ] {
        std::fs::write(&path, good.replace(from, to)).unwrap();
        let e = TriageStore::open(&path).unwrap_err().to_string();
        assert!(e.contains(says), "{to}: {e}");
    }
    // Two marks of one row.
    let copy = good[good.find("[[mark]]").unwrap()..].replace("id = \"t1\"", "id = \"t7\"");
    let twice = format!("{good}\n{copy}");
    std::fs::write(&path, twice).unwrap();
    let e = TriageStore::open(&path).unwrap_err().to_string();
    assert!(e.contains("second mark of the same row"), "{e}");
}

#[test]
fn marks_know_whether_their_row_grew_or_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let path = triage_path(dir.path());
    let q = query(SB);
    let (a, b) = (row("icm srv01", "ws01", 12), row("icm srv02", "ws02", 3));
    let mut store = TriageStore::open(&path).unwrap();
    for (g, st) in [(&a, Status::Malicious), (&b, Status::Benign)] {
        store
            .set(SB, identity(&q, g), st, None, g.count, g.first, g.last)
            .unwrap();
    }
    store
        .set(
            EDGES,
            edge_identity("ws01", "srv01"),
            Status::Suspicious,
            None,
            4,
            0,
            9,
        )
        .unwrap();
    // Later: a's row has 19 events (a re-ingest added some), b's row is gone, the edge as it was.
    let grown = row("icm srv01", "ws01", 19);
    let now = result(vec![grown.clone(), row("icm srv03", "ws03", 1)]);
    let edges = huntbench::extended::EdgeReport {
        edges: vec![huntbench::extended::Edge {
            source: "ws01".into(),
            target: "srv01".into(),
            ends: huntbench::extended::Ends::Both,
            users: vec![],
            count: 4,
            first: 0,
            last: 9,
            techniques: vec![],
            evidence: vec![],
            notes: vec![],
        }],
        sourceless: 0,
    };
    let states = Rows::of(std::slice::from_ref(&now), Some(&edges)).states(store.list());
    assert_eq!(states.len(), 3);
    assert!(states[0].grew);
    assert_eq!((states[0].now_count, states[0].grown_by()), (Some(19), 7));
    assert_eq!(
        states[0].describe(None),
        format!(
            "grew since marked: 12 → 19 events, last {}",
            huntbench::time::ctime(grown.last, None)
        )
    );
    assert!(states[1].is_gone() && !states[1].grew);
    assert_eq!(
        states[1].describe(None),
        "gone: no such row now (3 events when marked)"
    );
    assert!(!states[2].grew && !states[2].is_gone());
    assert_eq!(states[2].describe(None), "as marked: 4 events");

    // Counts per status over the rows now: a (malicious) and an unmarked row (untriaged).
    let marks = Marks::new(store.list().to_vec());
    let counts = marks.counts(&now);
    assert_eq!(
        counts,
        StatusCounts {
            untriaged: 1,
            benign: 0,
            suspicious: 0,
            malicious: 1
        }
    );
    assert_eq!(counts.compact(), "0b 0s 1m");
    assert_eq!(
        marks.of_edge("ws01", "srv01").unwrap().status,
        Status::Suspicious
    );
}

#[test]
fn marks_of_many_groups_match_the_marks_one_by_one() {
    let q = query(SB);
    let long = |n: usize| format!("icm -cn srv{n} {{ {} }}", "x".repeat(300));
    let groups: Vec<Group> = (0..40)
        .map(|i| {
            let text = if i % 2 == 0 {
                long(i)
            } else {
                format!("icm srv{i}")
            };
            row(&text, &format!("ws{:02}", i % 5), 1 + i as u64)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut store = TriageStore::open(triage_path(dir.path())).unwrap();
    for i in [0, 3, 10, 17, 38] {
        let g = &groups[i];
        store
            .set(SB, identity(&q, g), Status::Benign, None, g.count, 0, 0)
            .unwrap();
    }
    let marks = Marks::new(store.list().to_vec());
    let many = marks.of_groups(&q, &groups);
    let one_by_one: Vec<_> = groups.iter().map(|g| marks.of_group(&q, g)).collect();
    assert_eq!(many, one_by_one);
    let marked: Vec<usize> = (0..40).filter(|&i| many[i].is_some()).collect();
    assert_eq!(marked, [0, 3, 10, 17, 38]);
}

/// An inbound session as the hunt gives it: Computer, user, source, source_ip, source_via,
/// evidence, commands.
fn session(evidence: &str, source: &str, count: u64) -> Group {
    Group {
        analytic: "winrm_remoting_inbound".into(),
        key: vec![
            "SRV-DB01.corp.local".into(),
            "CORP\\adm.kowalski".into(),
            source.into(),
            "10.20.0.5".into(),
            "4624 logon 0x7d7cd2".into(),
            evidence.into(),
            "[]".into(),
        ],
        count,
        first: 1_700_000_000_000_000,
        last: 1_700_000_000_000_000 + count as i64,
        events: (0..count).collect(),
        suppressed_by: vec![],
    }
}

#[test]
fn a_marked_session_keeps_its_mark_when_more_evidence_arrives() {
    // Marked after the first ingest: the session's evidence was its wsmprovhost start, its
    // source not yet known. A second ingest adds the WinRM log and the DC's 4624: the same
    // session (host, user, first event) now has more evidence, a source and more events.
    let q = query("winrm_remoting_inbound");
    let before = session("wsmprovhost start", "", 3);
    let after = session("wsmprovhost start, WinRM 91", "WS-FIN-07", 5);
    assert_eq!(identity(&q, &before), identity(&q, &after));
    assert_eq!(
        identity(&q, &before)
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["Computer", "user", "firstTime"]
    );
    let dir = tempfile::tempdir().unwrap();
    let mut store = TriageStore::open(triage_path(dir.path())).unwrap();
    store
        .set(
            &q.id,
            identity(&q, &before),
            Status::Malicious,
            Some("the intruder's hop"),
            before.count,
            before.first,
            before.last,
        )
        .unwrap();
    let now = HuntResult {
        query: q.clone(),
        groups: vec![after.clone()],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    };
    let states = Rows::of(std::slice::from_ref(&now), None).states(store.list());
    assert!(!states[0].is_gone(), "{:?}", states[0]);
    assert!(states[0].grew);
    assert_eq!((states[0].now_count, states[0].grown_by()), (Some(5), 2));
    let marks = Marks::new(store.list().to_vec());
    assert_eq!(
        marks.of_groups(&q, &now.groups)[0].map(|m| m.status),
        Some(Status::Malicious)
    );
    assert_eq!(marks.counts(&now).malicious, 1);
}

#[test]
fn an_extended_row_keeps_its_mark_when_its_user_gets_a_name() {
    // technique, log, escu, Computer, user, user_source, user_id, targets, text
    let q = query("winrm_remoting_extended");
    let g = |user: &str, source: &str, count: u64| Group {
        analytic: q.id.clone(),
        key: vec![
            "Invoke-Command".into(),
            "4104 script block".into(),
            "true".into(),
            "WS-FIN-07.corp.local".into(),
            user.into(),
            source.into(),
            "S-1-5-21-1-1107".into(),
            "SRV-DB01".into(),
            "icm -cn SRV-DB01 { whoami }".into(),
        ],
        count,
        first: 10,
        last: 10 + count as i64,
        events: (0..count).collect(),
        suppressed_by: vec![],
    };
    let unnamed = g("", "", 1);
    let named = g("CORP\\adm.kowalski", "Security 4624 on DC01", 1);
    assert_eq!(identity(&q, &unnamed), identity(&q, &named));
    // Two groups sharing an identity are one marked row: counted together, and a target made
    // from one of them carries both, so the mark does not read as grown later.
    let other = g("CORP\\other", "Sysmon 1", 2);
    let targets = huntbench::triage::group_targets(
        &q,
        &[named.clone(), other.clone()],
        std::iter::once(&named),
    );
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].count, 3);
}
