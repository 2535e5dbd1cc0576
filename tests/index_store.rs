//! The on-disk index: creation, round trips, lookups, stats, versioning, locking, commits.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::index::{Index, IndexError, MIXED, SCHEMA_VERSION};
use huntbench::time::TimeRange;

const T0: i64 = 1_729_510_000_000_000;
const SEC: i64 = 1_000_000;

fn script(n: u64, t: i64, computer: &str, text: &str) -> Event {
    Event {
        time: t,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        provider: "Microsoft-Windows-PowerShell".into(),
        computer: computer.into(),
        record_id: Some(n),
        user_id: Some("S-1-5-21-100-1001".into()),
        script_block_text: Some(text.into()),
        script_block_id: Some(format!("{{b-{n}}}")),
        message_number: Some(1),
        message_total: Some(1),
        source: format!("ps.evtx:{n}"),
        ..Default::default()
    }
}

fn process(n: u64, t: i64, channel: &str, code: u32, computer: &str, cmd: &str) -> Event {
    let mut data = BTreeMap::new();
    data.insert("CommandLine".to_string(), cmd.to_string());
    data.insert(
        "Image".to_string(),
        r"C:\Windows\System32\cmd.exe".to_string(),
    );
    Event {
        time: t,
        event_code: code,
        channel: channel.into(),
        provider: "Microsoft-Windows-Sysmon".into(),
        computer: computer.into(),
        record_id: Some(n),
        user: Some(r"CORP\alice".into()),
        process: Some(cmd.into()),
        process_name: Some("cmd.exe".into()),
        process_path: Some(r"C:\Windows\System32\cmd.exe".into()),
        process_id: Some("0xf84".into()),
        parent_process: Some(r"C:\Windows\System32\wsmprovhost.exe -Embedding".into()),
        parent_process_name: Some("wsmprovhost.exe".into()),
        data,
        source: format!("sysmon.json:{n}"),
        ..Default::default()
    }
}

fn no_fps() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn tags(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// Open an index in `dir`, add `events` (each with its tags) and commit once.
fn build(dir: &Path, events: &[(Event, Vec<String>)]) -> Index {
    let index = Index::create_or_open(dir).unwrap();
    let mut w = index.writer().unwrap();
    for (e, t) in events {
        w.add(e, t).unwrap();
    }
    w.commit(&no_fps()).unwrap();
    w.finish().unwrap();
    index
}

#[test]
fn handles_cross_threads() {
    fn shared<T: Send + Sync + Clone>() {}
    fn movable<T: Send>() {}
    shared::<Index>();
    movable::<huntbench::index::Writer>();
}

#[test]
fn creates_a_private_dir_and_round_trips_events_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("idx");
    let mut odd = script(1, T0, "WS01", "Write-Host \u{0}`n\"quoted\" ünïcode");
    odd.path = Some(r"C:\x.ps1".into());
    odd.decoded_command = Some("whoami".into());
    // Attacker-sized values: a 100 KB keyword is too long to index as one term but must neither
    // fail the ingest nor be lost from the stored event.
    odd.process_guid = Some("G".repeat(100_000));
    let events = vec![
        (odd, vec![]),
        (
            process(2, T0 + SEC, CHANNEL_SYSMON, 1, "SRV01", "cmd /c whoami"),
            vec![],
        ),
    ];
    build(&dir, &events);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700, "index dir must be private");
        assert_eq!(
            mode(dir.parent().unwrap()),
            0o700,
            "so must a parent it created"
        );
        // An existing empty directory is made private when the index is created in it.
        let existing = tmp.path().join("existing");
        std::fs::create_dir(&existing).unwrap();
        std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
        Index::create_or_open(&existing).unwrap();
        assert_eq!(mode(&existing), 0o700);
    }
    // A fresh open (as a new process would) sees the same events, source included.
    let index = Index::create_or_open(&dir).unwrap();
    assert_eq!(index.num_events(), 2);
    assert_eq!(index.dir(), dir.as_path());
    assert!(index.size_bytes() > 0);
    let uids: Vec<u64> = events.iter().map(|(e, _)| e.uid()).collect();
    let back = index.get(&uids).unwrap();
    assert_eq!(back, vec![events[0].0.clone(), events[1].0.clone()]);
    assert_eq!(back[0].source, "ps.evtx:1");
}

#[test]
fn known_uids_and_get_in_caller_order() {
    let tmp = tempfile::tempdir().unwrap();
    let events: Vec<(Event, Vec<String>)> = (0..50)
        .map(|i| {
            (
                script(i, T0 + i as i64 * SEC, "WS01", &format!("echo {i}")),
                vec![],
            )
        })
        .collect();
    let index = build(tmp.path(), &events);
    let mut expected: Vec<u64> = events.iter().map(|(e, _)| e.uid()).collect();
    expected.sort_unstable();
    let mut known = index.known_uids().unwrap();
    known.sort_unstable();
    assert_eq!(known, expected, "each event's uid, once");
    let want = [
        events[40].0.uid(),
        12345,
        events[3].0.uid(),
        events[17].0.uid(),
    ];
    let got = index.get(&want).unwrap();
    let got_ids: Vec<Option<u64>> = got.iter().map(|e| e.record_id).collect();
    assert_eq!(got_ids, vec![Some(40), Some(3), Some(17)]);
    assert!(index.get(&[]).unwrap().is_empty());
}

#[test]
fn tagged_in_time_order_within_the_range() {
    let tmp = tempfile::tempdir().unwrap();
    // Added out of time order, across two commits (two segments).
    let index = Index::create_or_open(tmp.path()).unwrap();
    let mut w = index.writer().unwrap();
    w.add(&script(3, T0 + 30 * SEC, "WS01", "c"), &tags(&["winrm"]))
        .unwrap();
    w.add(
        &script(1, T0 + 10 * SEC, "WS01", "a"),
        &tags(&["winrm", "other"]),
    )
    .unwrap();
    w.add(&script(9, T0 + 15 * SEC, "WS01", "untagged"), &[])
        .unwrap();
    w.commit(&no_fps()).unwrap();
    w.add(&script(2, T0 + 20 * SEC, "WS01", "b"), &tags(&["winrm"]))
        .unwrap();
    w.add(&script(4, T0 + 25 * SEC, "WS01", "d"), &tags(&["WinRM"]))
        .unwrap();
    w.commit(&no_fps()).unwrap();
    let ids = |v: Vec<Event>| v.iter().map(|e| e.record_id.unwrap()).collect::<Vec<_>>();
    assert_eq!(
        ids(index.tagged("winrm", TimeRange::ALL).unwrap()),
        [1, 2, 3]
    );
    // Tags are exact: no lowercasing.
    assert_eq!(ids(index.tagged("WinRM", TimeRange::ALL).unwrap()), [4]);
    assert_eq!(ids(index.tagged("other", TimeRange::ALL).unwrap()), [1]);
    let range = TimeRange {
        earliest: Some(T0 + 10 * SEC + 1),
        latest: Some(T0 + 30 * SEC),
    };
    assert_eq!(ids(index.tagged("winrm", range).unwrap()), [2]);
    assert!(index.tagged("nope", TimeRange::ALL).unwrap().is_empty());
}

#[test]
fn select_matches_channel_case_insensitively_and_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let events = vec![
        (script(1, T0, "WS01", "a"), vec![]),
        (process(2, T0 + SEC, CHANNEL_SYSMON, 1, "WS01", "x"), vec![]),
        (
            process(3, T0 + 2 * SEC, CHANNEL_SYSMON, 3, "WS01", "y"),
            vec![],
        ),
        (
            process(4, T0 + 3 * SEC, "SECURITY", 4688, "WS01", "z"),
            vec![],
        ),
        (
            process(5, T0 + 4 * SEC, CHANNEL_SECURITY, 4624, "WS01", "w"),
            vec![],
        ),
    ];
    let index = build(tmp.path(), &events);
    let run = |sources: &[(String, Vec<u32>)], range: TimeRange| {
        let mut seen = Vec::new();
        index
            .select(sources, range, &mut |e| seen.push(e.record_id.unwrap()))
            .unwrap();
        seen.sort();
        seen
    };
    let sources = vec![
        ("microsoft-windows-sysmon/OPERATIONAL".to_string(), vec![1]),
        ("security".to_string(), vec![4688]),
    ];
    assert_eq!(run(&sources, TimeRange::ALL), [2, 4]);
    let late = TimeRange {
        earliest: Some(T0 + 2 * SEC),
        latest: None,
    };
    assert_eq!(run(&sources, late), [4]);
    // An empty code list is any code of that channel.
    assert_eq!(
        run(&[("Security".to_string(), vec![])], TimeRange::ALL),
        [4, 5]
    );
    assert!(run(&[], TimeRange::ALL).is_empty());
}

#[test]
fn stats_count_by_channel_code_host_user_and_span() {
    let tmp = tempfile::tempdir().unwrap();
    let mut no_user = script(7, T0 + 5 * SEC, "WS02", "z");
    no_user.user_id = None;
    let events = [
        (script(1, T0 + 2 * SEC, "WS01", "a"), vec![]),
        (script(2, T0, "WS01", "b"), vec![]),
        (
            process(3, T0 + 9 * SEC, CHANNEL_SYSMON, 1, "SRV01", "x"),
            vec![],
        ),
        (
            process(4, T0 + 4 * SEC, "SECURITY", 4688, "srv01", "y"),
            vec![],
        ),
        (no_user, vec![]),
    ];
    // Two commits, so two segments whose string dictionaries differ and must be merged.
    let index = build(tmp.path(), &events[..3]);
    let mut w = index.writer().unwrap();
    for (e, t) in &events[3..] {
        w.add(e, t).unwrap();
    }
    w.commit(&no_fps()).unwrap();
    drop(w);
    let s = index.stats().unwrap();
    assert_eq!(s.events, 5);
    let m = |pairs: &[(&str, u64)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        s.by_channel,
        m(&[
            (CHANNEL_POWERSHELL, 3),
            (CHANNEL_SYSMON, 1),
            ("Security", 1)
        ])
    );
    assert_eq!(
        s.by_event_code,
        [(1, 1), (4104, 3), (4688, 1)].into_iter().collect()
    );
    assert_eq!(
        s.hosts,
        m(&[("SRV01", 1), ("WS01", 2), ("WS02", 1), ("srv01", 1)])
    );
    assert_eq!(s.users, m(&[(r"CORP\alice", 2), ("S-1-5-21-100-1001", 2)]));
    assert_eq!(s.first, Some(T0));
    assert_eq!(s.last, Some(T0 + 9 * SEC));
    let empty = tempfile::tempdir().unwrap();
    let s = Index::create_or_open(empty.path())
        .unwrap()
        .stats()
        .unwrap();
    assert_eq!((s.events, s.first, s.last), (0, None, None));
}

#[test]
fn another_schema_version_is_refused_with_rebuild_advice() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path(), &[(script(1, T0, "WS01", "a"), vec![])]);
    let older = SCHEMA_VERSION - 1;
    std::fs::write(
        tmp.path().join("huntbench-index.json"),
        format!("{{\"schema\":{older}}}"),
    )
    .unwrap();
    let err = Index::create_or_open(tmp.path())
        .err()
        .expect("must refuse");
    match &err {
        IndexError::SchemaMismatch {
            found, expected, ..
        } => assert_eq!((*found, *expected), (older, SCHEMA_VERSION)),
        other => panic!("expected SchemaMismatch, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    assert!(msg.contains("delete") && msg.contains("--index"), "{msg}");
}

#[test]
fn a_foreign_non_empty_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let err = Index::create_or_open(tmp.path())
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("not empty"), "{err}");
}

#[test]
fn openers_racing_to_create_one_index_all_get_it_whole() {
    // An ingest and a `stats` started together both find no index and create one. Whoever
    // loses must open the winner's, not take its half-made directory for a foreign one.
    for round in 0..20 {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(format!("idx{round}"));
        if round % 2 == 1 {
            std::fs::create_dir(&dir).unwrap(); // an existing empty directory, too
        }
        let start = std::sync::Arc::new(std::sync::Barrier::new(6));
        let opened: Vec<Result<u64, String>> = (0..6)
            .map(|_| {
                let (dir, start) = (dir.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    Index::create_or_open(&dir)
                        .map(|i| i.num_events())
                        .map_err(|e| e.to_string())
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        assert!(
            opened.iter().all(|r| r == &Ok(0)),
            "round {round}: {opened:?}"
        );
        // One index, usable, and no building directory left beside it.
        let mut w = Index::create_or_open(&dir).unwrap().writer().unwrap();
        w.add(&script(1, T0, "WS01", "x"), &[]).unwrap();
        w.commit(&no_fps()).unwrap();
        w.finish().unwrap();
        assert_eq!(Index::create_or_open(&dir).unwrap().num_events(), 1);
        let names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [format!("idx{round}")], "round {round}");
    }
}

#[test]
fn a_second_writer_is_in_use_until_the_first_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(tmp.path()).unwrap();
    let first = index.writer().unwrap();
    // Another Index on the same directory stands for another process.
    let other = Index::create_or_open(tmp.path()).unwrap();
    let err = other.writer().err().expect("second writer must fail");
    assert!(matches!(err, IndexError::InUse(ref d) if d == tmp.path()));
    let msg = err.to_string();
    assert!(
        msg.contains("is in use by another huntbench process")
            && msg.contains(&tmp.path().display().to_string()),
        "{msg}"
    );
    first.finish().unwrap();
    assert!(other.writer().is_ok());
}

#[test]
fn payload_fingerprints_merge_to_mixed() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(tmp.path()).unwrap();
    let fp = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    let mut w = index.writer().unwrap();
    w.add(&script(1, T0, "WS01", "a"), &tags(&["a1"])).unwrap();
    w.commit(&fp(&[("a1", "f1"), ("a2", "g1")])).unwrap();
    assert_eq!(index.tag_fingerprints(), fp(&[("a1", "f1"), ("a2", "g1")]));
    w.commit(&fp(&[("a1", "f1")])).unwrap();
    w.finish().unwrap();
    // A later ingest (new writer, new process) with another version of a2.
    let again = Index::create_or_open(tmp.path()).unwrap();
    assert_eq!(again.tag_fingerprints(), fp(&[("a1", "f1"), ("a2", "g1")]));
    let mut w = again.writer().unwrap();
    w.commit(&fp(&[("a2", "g2"), ("a3", "h1")])).unwrap();
    w.finish().unwrap();
    let want = fp(&[("a1", "f1"), ("a2", MIXED), ("a3", "h1")]);
    assert_eq!(again.tag_fingerprints(), want);
    // The first handle sees it after a reload.
    index.reload().unwrap();
    assert_eq!(index.tag_fingerprints(), want);
}

#[test]
fn an_uncommitted_writer_leaves_the_last_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(tmp.path()).unwrap();
    let mut w = index.writer().unwrap();
    w.add(&script(1, T0, "WS01", "a"), &[]).unwrap();
    w.add(&script(2, T0 + SEC, "WS01", "b"), &[]).unwrap();
    w.commit(&no_fps()).unwrap();
    for i in 3..10 {
        w.add(&script(i, T0 + i as i64 * SEC, "WS01", "lost"), &[])
            .unwrap();
    }
    drop(w);
    let reopened = Index::create_or_open(tmp.path()).unwrap();
    assert_eq!(reopened.num_events(), 2);
    let ids: HashSet<u64> = reopened.known_uids().unwrap().into_iter().collect();
    let want: HashSet<u64> = [
        script(1, T0, "WS01", "a").uid(),
        script(2, T0 + SEC, "WS01", "b").uid(),
    ]
    .into_iter()
    .collect();
    assert_eq!(ids, want);
    // The lock went with the dropped writer.
    assert!(reopened.writer().is_ok());
}
