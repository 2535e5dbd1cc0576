//! The generated demo corpus through the real readers, the index and the analytics: the known
//! answers of the story come out exactly, and the indexed answer equals a brute-force scan.

use std::collections::BTreeSet;
use std::path::PathBuf;

use huntbench::analytics::{self, Group, HuntResult, QueryKind};
use huntbench::demo::{self, DemoOptions};
use huntbench::event::Event;
use huntbench::index::Index;
use huntbench::pipeline::{self, IngestOptions};
use huntbench::time::TimeRange;
use huntbench::workbench::{Access, Workbench};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn write(dir: &std::path::Path, name: &str, events: &[Event]) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    match name.rsplit('.').next().unwrap() {
        "log" => demo::write_xml_lines(events, &mut f).unwrap(),
        "jsonl" => demo::write_ndjson_evtx_dump(events, &mut f).unwrap(),
        _ => demo::write_winlogbeat(events, &mut f).unwrap(),
    }
    path
}

fn ingest_into(
    dir: &std::path::Path,
    paths: Vec<PathBuf>,
    queries: &[analytics::SavedQuery],
) -> Workbench {
    let index = Index::create_or_open(&dir.join("index")).unwrap();
    pipeline::ingest(
        &index,
        queries,
        paths,
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    let all = analytics::load_saved_queries(None).unwrap();
    Workbench::from_parts(index, all, dir.join("exclusions.toml"))
}

fn strip(mut events: Vec<Event>) -> Vec<Event> {
    for e in &mut events {
        e.source.clear();
    }
    events.sort_by_key(|e| e.uid());
    events
}

/// Writes the corpus in every format, reads it back and compares each event with the generated
/// one (`pid` cleared on both sides when `with_pid` is false).
fn round_trip(with_pid: bool) {
    let generated = demo::generate(&DemoOptions::default());
    let tmp = tempfile::tempdir().unwrap();
    let clear = |mut events: Vec<Event>| {
        if !with_pid {
            events.iter_mut().for_each(|e| e.pid = None);
        }
        events
    };
    for name in ["demo.log", "demo.jsonl", "demo.winlogbeat.ndjson"] {
        let path = write(tmp.path(), name, &generated);
        let (read, errors) = huntbench::ingest::read_paths(&[path]);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let read = clear(strip(read));
        // Every writer keeps CRs (`&#13;` in XML, `\r` in JSON) and the readers keep them:
        // the events read are the generated ones exactly, CRLFs included.
        assert!(
            generated
                .iter()
                .any(|e| e.data.values().any(|v| v.contains("\r\n"))),
            "the demo has CRLF text"
        );
        let want = clear(strip(generated.clone()));
        assert_eq!(read.len(), want.len(), "{name}");
        for (a, b) in read.iter().zip(&want) {
            assert_eq!(a, b, "{name}: event {} differs", b.uid());
        }
    }
}

#[test]
fn every_writer_round_trips_through_the_readers() {
    round_trip(false);
}

/// Every event carries the pid of the process that wrote it, and every writer emits it
/// (System/Execution/@ProcessID, `Execution.#attributes`, `winlog.process.pid`).
#[test]
fn every_writer_round_trips_the_writing_pid() {
    assert!(
        demo::generate(&DemoOptions::default())
            .iter()
            .all(|e| e.pid.is_some())
    );
    round_trip(true);
}

fn expected_groups(rows: &[demo::ExpectedRow]) -> Vec<(Vec<String>, u64, i64, i64)> {
    rows.iter()
        .map(|r| (r.key.clone(), r.count, r.first_time, r.last_time))
        .collect()
}

fn got_groups(groups: &[Group]) -> Vec<(Vec<String>, u64, i64, i64)> {
    groups
        .iter()
        .map(|g| (g.key.clone(), g.count, g.first, g.last))
        .collect()
}

fn result<'a>(rs: &'a [HuntResult], id: &str) -> &'a HuntResult {
    rs.iter().find(|r| r.query.id == id).unwrap()
}

#[test]
fn the_story_answers_come_out_exactly() {
    let opts = DemoOptions::default();
    let events = demo::generate(&opts);
    let expected = demo::expected(&opts);
    let tmp = tempfile::tempdir().unwrap();
    let half = events.len() / 2;
    let paths = vec![
        write(tmp.path(), "a.log", &events[..half]),
        write(tmp.path(), "b.jsonl", &events[half..]),
    ];
    let queries = analytics::load_saved_queries(None).unwrap();
    let wb = ingest_into(tmp.path(), paths, &queries);
    assert_eq!(wb.store().num_events(), events.len() as u64);

    let results = wb.hunt(&[], TimeRange::ALL, false).unwrap();
    let sb = result(&results, SB);
    assert_eq!(wb.access(&sb.query), Access::Tagged);
    assert_eq!(
        got_groups(&sb.groups),
        expected_groups(&expected.script_block_rows)
    );
    assert_eq!(sb.dropped.len(), expected.dropped_script_block_events);
    let pr = result(&results, PROC);
    assert_eq!(
        got_groups(&pr.groups),
        expected_groups(&expected.process_rows)
    );

    // The intruder's path, edge for edge, with target-side evidence on every hop.
    let edges = wb.edges(TimeRange::ALL).unwrap().edges;
    let intruder: BTreeSet<(String, String)> = expected
        .intruder_path
        .iter()
        .map(|(s, t)| (s.to_lowercase(), t.to_lowercase()))
        .collect();
    let found: BTreeSet<(String, String)> = edges
        .iter()
        .map(|e| (e.source.to_lowercase(), full_name(&e.target, &events)))
        .filter(|k| intruder.contains(k))
        .collect();
    assert_eq!(found, intruder, "edges: {edges:#?}");
    for e in edges
        .iter()
        .filter(|e| intruder.contains(&(e.source.to_lowercase(), full_name(&e.target, &events))))
    {
        assert!(!e.evidence.is_empty(), "no target-side evidence for {e:?}");
        assert_eq!(e.ends, huntbench::extended::Ends::Both, "{e:?}");
        // Hosts are nodes: the target is the FQDN the target's own logs give.
        assert_eq!(e.target.to_lowercase(), full_name(&e.target, &events));
    }

    // The extended analytic sees what parity misses (e.g. the split block, the alias).
    let ext = results
        .iter()
        .find(|r| r.query.kind == QueryKind::Extended)
        .unwrap();
    let techniques: BTreeSet<&str> = ext.groups.iter().map(|g| g.key[0].as_str()).collect();
    assert!(
        techniques.iter().any(|t| t.starts_with("icm")),
        "{techniques:?}"
    );
    assert!(
        techniques.iter().any(|t| t.starts_with("enter")),
        "{techniques:?}"
    );
    let escu_at = ext.query.by.iter().position(|f| f == "escu").unwrap();
    let escu_false = ext
        .groups
        .iter()
        .filter(|g| g.key[escu_at] == "false")
        .count();
    assert!(escu_false >= 3, "extended-only rows: {escu_false}");
}

/// The FQDN of a host as the corpus writes it (targets are often short names).
fn full_name(target: &str, events: &[Event]) -> String {
    let t = target.to_lowercase();
    events
        .iter()
        .map(|e| e.computer.to_lowercase())
        .find(|c| *c == t || c.split('.').next() == Some(t.as_str()))
        .unwrap_or(t)
}

/// Brute force, written plainly: lowercase both and test containment, then Splunk's stats.
fn brute_force(events: &[Event], id: &str) -> Vec<(Vec<String>, u64, i64, i64)> {
    use std::collections::BTreeMap;
    let has =
        |v: &Option<String>, s: &str| v.as_deref().is_some_and(|t| t.to_lowercase().contains(s));
    let ps = [
        "pwsh.exe",
        "sqlps.exe",
        "sqltoolsps.exe",
        "powershell.exe",
        "powershell_ise.exe",
    ];
    let ofn = ["pwsh.dll", "powershell.exe", "powershell_ise.exe"];
    let mut rows: BTreeMap<Vec<String>, (u64, i64, i64)> = BTreeMap::new();
    for e in events {
        let key = if id == SB {
            let chan = e.channel.to_lowercase();
            let ok = e.event_code == 4104
                && (chan == "microsoft-windows-powershell/operational"
                    || chan == "powershellcore/operational")
                && has(&e.script_block_text, "invoke-command")
                && has(&e.script_block_text, "-computername");
            if !ok {
                continue;
            }
            let Some(user) = e.user_id.clone().filter(|u| !u.is_empty()) else {
                continue;
            };
            vec![
                "4104".to_string(),
                e.script_block_text.clone().unwrap(),
                e.computer.clone(),
                user,
            ]
        } else {
            let chan = e.channel.to_lowercase();
            let source = (e.event_code == 1 && chan == "microsoft-windows-sysmon/operational")
                || (e.event_code == 4688 && chan == "security");
            let name = e.process_name.clone().unwrap_or_default().to_lowercase();
            let orig = e
                .original_file_name
                .clone()
                .unwrap_or_default()
                .to_lowercase();
            let ok = source
                && (ps.contains(&name.as_str()) || ofn.contains(&orig.as_str()))
                && has(&e.process, "invoke-command")
                && has(&e.process, "-computername");
            if !ok {
                continue;
            }
            let f =
                |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).unwrap_or("null".into());
            vec![
                e.computer.clone(),
                f(&e.user),
                f(&e.parent_process_name),
                f(&e.process_name),
                f(&e.process),
                f(&e.process_id),
                f(&e.parent_process_id),
            ]
        };
        let r = rows.entry(key).or_insert((0, i64::MAX, i64::MIN));
        r.0 += 1;
        r.1 = r.1.min(e.time);
        r.2 = r.2.max(e.time);
    }
    rows.into_iter()
        .map(|(k, (c, f, l))| (k, c, f, l))
        .collect()
}

#[test]
fn indexed_answers_equal_brute_force_over_many_corpora() {
    for seed in [1u64, 2, 3, 11, 42] {
        let opts = DemoOptions {
            seed,
            events: 8_000,
        };
        let events = demo::generate(&opts);
        let tmp = tempfile::tempdir().unwrap();
        let path = write(tmp.path(), "c.jsonl", &events);
        // Tagged at ingest.
        let queries = analytics::load_saved_queries(None).unwrap();
        let tagged = ingest_into(&tmp.path().join("t"), vec![path.clone()], &queries);
        // Not tagged (as if the definitions changed since ingest): the exact scan path.
        let scanned = ingest_into(&tmp.path().join("s"), vec![path], &[]);
        for id in [SB, PROC] {
            let want = brute_force(&events, id);
            assert!(!want.is_empty(), "seed {seed}: the corpus has {id} matches");
            for (wb, access) in [(&tagged, Access::Tagged), (&scanned, Access::Scan)] {
                let q = wb.query(id).unwrap().clone();
                assert_eq!(wb.access(&q), access);
                let r = wb.hunt(&[id.to_string()], TimeRange::ALL, false).unwrap();
                assert_eq!(
                    got_groups(&r[0].groups),
                    want,
                    "seed {seed} {id} {access:?}"
                );
            }
        }
    }
}

#[test]
fn live_rows_at_ingest_and_one_pass_equal_the_index() {
    let events = demo::generate(&DemoOptions::default());
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "c.log", &events);
    let queries = analytics::load_saved_queries(None).unwrap();
    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    let mut live = Vec::new();
    pipeline::ingest(
        &index,
        &queries,
        vec![path.clone()],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |r| live = r.to_vec(),
    )
    .unwrap();
    let wb = Workbench::from_parts(index, queries.clone(), tmp.path().join("x.toml"));
    let indexed = wb
        .hunt(&[SB.into(), PROC.into()], TimeRange::ALL, false)
        .unwrap();
    let (direct, errors) = pipeline::hunt_files(
        &queries,
        vec![path],
        TimeRange::ALL,
        &IngestOptions::default(),
    );
    assert!(errors.is_empty());
    for id in [SB, PROC] {
        let want = &result(&indexed, id).groups;
        assert!(!want.is_empty());
        assert_eq!(&result(&live, id).groups, want, "live {id}");
        assert_eq!(&result(&direct, id).groups, want, "one-pass {id}");
    }
}
