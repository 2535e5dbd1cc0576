//! A damaged index is detected, not served: garbage in a segment's fast-field or store file or a
//! deleted postings file makes every command fail naming the segment and file (exit 2), ingest
//! refuses to write into it, `verify` lists each segment's state, and `reindex` leaves a whole
//! index serving the intact events exactly. And the data directory is private (0700) however
//! it is first made.

mod cli_support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
/// A query matching every event (all demo times are after it).
const ALL: &str = "time:>=1970-01-01T00:00:00";

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(root: &Path, args: &[&str]) -> Run {
    let (code, out, err) = cli_support::run(root, args, None);
    Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err,
    }
}

/// A scratch root: the demo corpus as two logs in `logs/`, ingested in two commits into
/// `index/` (so the index has at least two segments).
fn scratch() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let (xml, json) = cli_support::write_demo(&tmp.path().join("logs"));
    for f in [&xml, &json] {
        let r = run(tmp.path(), &["ingest", f.to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.err);
    }
    tmp
}

/// The committed segments, from tantivy's meta.json: `(id as files name it, events)`.
fn segments(index: &Path) -> Vec<(String, u64)> {
    let meta: Value =
        serde_json::from_slice(&std::fs::read(index.join("meta.json")).unwrap()).unwrap();
    meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment_id"].as_str().unwrap().replace('-', ""),
                s["max_doc"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Overwrite bytes in the middle of a file with garbage, keeping its length.
fn scribble(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 3;
    for (i, b) in bytes[mid..mid + 16].iter_mut().enumerate() {
        *b ^= 0x5a ^ i as u8;
    }
    std::fs::write(file, bytes).unwrap();
}

/// Every file of the directory with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every event `search` serves, as sorted JSON texts, and the total it reports.
fn all_events(root: &Path) -> (u64, Vec<String>) {
    let r = run(
        root,
        &["search", ALL, "--format", "json", "--limit", "1000000"],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    let mut events: Vec<String> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    events.sort();
    (v["total"].as_u64().unwrap(), events)
}

fn assert_names_damage(r: &Run, segment: &str, file: &str, problem: &str) {
    assert_eq!(r.code, 2, "stdout {}\nstderr {}", r.out, r.err);
    assert!(
        r.err.contains("is damaged")
            && r.err.contains(&format!("segment {segment}"))
            && r.err.contains(&format!("file {file} {problem}")),
        "{}",
        r.err
    );
    assert!(r.err.contains("huntbench reindex"), "{}", r.err);
}

#[test]
fn the_scratch_index_has_several_segments() {
    let tmp = scratch();
    let segs = segments(&tmp.path().join("index"));
    assert!(segs.len() >= 2, "{segs:?}");
}

#[test]
fn garbage_in_a_fast_file_fails_hunt_naming_the_segment_not_wrong_times() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let (seg, _) = segments(&index)[0].clone();
    let fast = format!("{seg}.fast");
    scribble(&index.join(&fast));
    let r = run(tmp.path(), &["hunt", "--format", "json"]);
    assert_names_damage(&r, &seg, &fast, "fails its checksum");
    assert_eq!(r.out, "", "no rows may be served from a damaged index");
    let r = run(tmp.path(), &["stats"]);
    assert_names_damage(&r, &seg, &fast, "fails its checksum");
}

#[test]
fn a_deleted_postings_or_terms_file_is_named() {
    for ext in ["idx", "term"] {
        let tmp = scratch();
        let index = tmp.path().join("index");
        let (seg, _) = segments(&index)[1].clone();
        let file = format!("{seg}.{ext}");
        std::fs::remove_file(index.join(&file)).unwrap();
        let r = run(tmp.path(), &["search", "whoami"]);
        assert_names_damage(&r, &seg, &file, "is missing");
    }
}

#[test]
fn garbage_in_a_store_file_is_named() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let (seg, _) = segments(&index)[0].clone();
    let store = format!("{seg}.store");
    scribble(&index.join(&store));
    let r = run(tmp.path(), &["search", ALL, "--format", "json"]);
    assert_names_damage(&r, &seg, &store, "fails its checksum");
    assert_eq!(r.out, "");
}

#[test]
fn ingest_into_a_damaged_index_refuses_before_reading_and_changes_nothing() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let (seg, _) = segments(&index)[0].clone();
    let fast = format!("{seg}.fast");
    scribble(&index.join(&fast));
    let before = snapshot(&index);
    let logs = tmp.path().join("logs");
    // A missing input too: had ingest read its inputs it would have said so (exit 3).
    let r = run(
        tmp.path(),
        &[
            "ingest",
            logs.join("b.jsonl").to_str().unwrap(),
            "/no/such/input.evtx",
        ],
    );
    assert_names_damage(&r, &seg, &fast, "fails its checksum");
    assert!(!r.err.contains("no/such/input"), "{}", r.err);
    assert_eq!(r.out, "", "no summary: nothing was ingested");
    assert_eq!(snapshot(&index), before, "the damaged index was changed");
}

#[test]
fn demo_into_a_damaged_index_refuses_before_generating_anything() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let (seg, _) = segments(&index)[0].clone();
    let term = format!("{seg}.term");
    std::fs::remove_file(index.join(&term)).unwrap();
    let before = snapshot(&index);
    let r = run(
        tmp.path(),
        &["demo", "--no-tui", "--index", index.to_str().unwrap()],
    );
    assert_names_damage(&r, &seg, &term, "is missing");
    assert!(
        !tmp.path().join("data/demo").exists(),
        "the corpus was written"
    );
    assert_eq!(snapshot(&index), before);
}

#[test]
fn verify_lists_each_segment_and_exits_by_state() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let segs = segments(&index);
    let r = run(tmp.path(), &["verify", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["whole"], true);
    let listed: Vec<(String, u64)> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["problems"], serde_json::json!([]));
            assert_eq!(s["files"], 6);
            (
                s["segment"].as_str().unwrap().to_string(),
                s["events"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, segs);
    assert_eq!(v["files_checksummed"], 6 * segs.len());

    let (seg, events) = segs[1].clone();
    std::fs::remove_file(index.join(format!("{seg}.pos"))).unwrap();
    let r = run(tmp.path(), &["verify"]);
    assert_eq!(r.code, 1, "{}\n{}", r.out, r.err);
    let line = r.out.lines().find(|l| l.starts_with(&seg)).unwrap();
    assert!(
        line.contains(&events.to_string())
            && line.contains(&format!("DAMAGED: file {seg}.pos is missing")),
        "{}",
        r.out
    );
    for (other, _) in &segs[..1] {
        let line = r
            .out
            .lines()
            .find(|l| l.starts_with(other.as_str()))
            .unwrap();
        assert!(line.ends_with("  ok"), "{line}");
    }
    assert!(r.out.starts_with("index "), "{}", r.out);
    assert!(
        r.out.lines().next().unwrap().contains("DAMAGED"),
        "{}",
        r.out
    );
}

#[test]
fn reindex_drops_the_damaged_segment_and_serves_the_intact_events_exactly() {
    let tmp = scratch();
    let root = tmp.path();
    let index = root.join("index");
    let r = run(
        root,
        &["exclusions", "add", SB, "Computer", "MGMT01.corp.local"],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    let exclusions = std::fs::read(index.join("exclusions.toml")).unwrap();
    let (total, events) = all_events(root);
    let segs = segments(&index);
    let (bad, lost) = segs[0].clone();

    scribble(&index.join(format!("{bad}.fast")));
    let r = run(root, &["reindex"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.contains(&format!(
            "dropped 1 damaged segment(s), {lost} event(s) lost"
        )),
        "{}",
        r.out
    );
    assert!(
        r.out.contains(&format!("segment {bad} ({lost} events)")),
        "{}",
        r.out
    );
    assert!(
        r.out.contains(&format!("{} event(s)", total - lost)),
        "{}",
        r.out
    );
    let r = run(root, &["verify"]);
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    assert!(
        !std::fs::read_dir(&index)
            .unwrap()
            .any(|e| { e.unwrap().file_name().to_string_lossy().starts_with(&bad) })
    );
    assert_eq!(
        segments(&index),
        segs[1..].to_vec(),
        "the intact segments stay as they were"
    );
    // Every event still served is one of the original ones, byte for byte.
    let (after_total, after) = all_events(root);
    assert_eq!(after_total, total - lost);
    assert_eq!(after.len() as u64, total - lost);
    assert!(after.iter().all(|e| events.binary_search(e).is_ok()));
    assert_eq!(
        std::fs::read(index.join("exclusions.toml")).unwrap(),
        exclusions
    );
    let r = run(root, &["exclusions", "list"]);
    assert!(r.out.contains("MGMT01.corp.local"), "{}", r.out);

    // The recovery the message promises: the original logs again bring back exactly the lost.
    let logs = root.join("logs");
    for f in ["a.log", "b.jsonl"] {
        let r = run(root, &["ingest", logs.join(f).to_str().unwrap()]);
        assert_eq!(r.code, 0, "{}", r.err);
    }
    assert_eq!(all_events(root), (total, events));
}

#[test]
fn reindex_leaves_a_whole_index_untouched() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    let before = segments(&index);
    let r = run(tmp.path(), &["reindex"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("is whole: nothing dropped"), "{}", r.out);
    assert_eq!(segments(&index), before);
}

#[test]
fn a_file_changed_after_it_passed_is_checksummed_again() {
    let tmp = scratch();
    let index = tmp.path().join("index");
    // Files younger than a second are not remembered (their times could still hide a write).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let r = run(tmp.path(), &["stats"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let (seg, _) = segments(&index)[0].clone();
    let fast = format!("{seg}.fast");
    let sidecar = std::fs::read_to_string(index.join("huntbench-verified.json")).unwrap();
    assert!(sidecar.contains(&fast), "{sidecar}");
    // Damage that even puts the old modification time back (the length is unchanged too).
    let path = index.join(&fast);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    scribble(&path);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let r = run(tmp.path(), &["stats"]);
    assert_names_damage(&r, &seg, &fast, "fails its checksum");
}

#[test]
fn an_engine_error_after_open_names_the_damaged_file() {
    let tmp = scratch();
    let dir = tmp.path().join("index");
    let index = huntbench::index::Index::open_existing(&dir).unwrap();
    let (seg, _) = segments(&dir)[0].clone();
    let store = dir.join(format!("{seg}.store"));
    // Garbage over the first half of the compressed blocks, in place (the open file sees it).
    let len = std::fs::metadata(&store).unwrap().len() as usize;
    let mut bytes = std::fs::read(&store).unwrap();
    for b in &mut bytes[16..len / 2] {
        *b = 0xff;
    }
    use std::io::{Seek, Write};
    let mut f = std::fs::File::options().write(true).open(&store).unwrap();
    f.seek(std::io::SeekFrom::Start(0)).unwrap();
    f.write_all(&bytes).unwrap();
    drop(f);
    let mut n = 0;
    let err = index
        .select(
            &[("Microsoft-Windows-PowerShell/Operational".into(), vec![])],
            huntbench::time::TimeRange::ALL,
            &mut |_| n += 1,
        )
        .and_then(|()| index.search(ALL, huntbench::time::TimeRange::ALL, 100_000, None))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, huntbench::index::IndexError::Damaged { .. })
            && msg.contains(&format!("segment {seg}"))
            && msg.contains(&format!("file {seg}.store fails its checksum")),
        "{msg}"
    );
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_fresh_data_dir_made_by_demo_is_private() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let r = run(tmp.path(), &["demo", "--no-tui"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&data.join("demo")), 0o700);
    assert_eq!(mode(&data.join("demo/corpus-7-0")), 0o700);
    assert_eq!(mode(&data.join("demo/index")), 0o700);
}

#[cfg(unix)]
#[test]
fn a_fresh_data_dir_made_by_ingest_is_private_and_an_existing_one_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = cli_support::write_demo(&tmp.path().join("logs"));
    let mut cmd = cli_support::huntbench(tmp.path());
    // The default index, `<data dir>/index`: ingest makes the data dir itself.
    cmd.env_remove("HUNTBENCH_INDEX")
        .env("HUNTBENCH_DATA", tmp.path().join("home/share/huntbench"))
        .args(["ingest", input.to_str().unwrap()]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    for d in [
        "home",
        "home/share",
        "home/share/huntbench",
        "home/share/huntbench/index",
    ] {
        assert_eq!(mode(&tmp.path().join(d)), 0o700, "{d}");
    }

    // A folder the user made (and opened up) stays as they set it.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
    let r = run(tmp.path(), &["demo", "--no-tui"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(mode(&data), 0o750);
    assert_eq!(mode(&data.join("demo")), 0o700);
}
