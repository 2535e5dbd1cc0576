//! `huntbench bench`'s scan and scale parts on a small corpus: the scan tables beside a peer
//! binary run alternately (here a script the test writes, standing in for Chainsaw's
//! `search`), the ratio line, and one scaling row per size with its index bytes per event.

mod cli_support;
mod evtx_support;

use std::os::unix::fs::PermissionsExt;

/// A numeric cell of a Markdown table row, if it is one.
fn num(row: &str, i: usize) -> Option<f64> {
    let cells: Vec<&str> = row.trim().trim_matches('|').split('|').collect();
    cells.get(i)?.trim().parse().ok()
}

fn cell(row: &str, i: usize) -> f64 {
    num(row, i).unwrap_or_else(|| panic!("cell {i} of {row:?}"))
}

/// A peer binary: a shell script with `body` after its `#!/bin/sh` line.
fn peer_script(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    let peer = dir.join("peer.sh");
    std::fs::write(&peer, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&peer, std::fs::Permissions::from_mode(0o755)).unwrap();
    peer
}

/// The bench's stdout, after asserting that it succeeded (stdout and stderr shown if not).
fn bench_stdout(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_scan_and_scale_parts_print_their_tables_beside_a_peer() {
    let tmp = tempfile::tempdir().unwrap();
    // The peer records its arguments and answers like `chainsaw search --json`: two hits.
    let seen = tmp.path().join("peer-args");
    let peer = peer_script(
        tmp.path(),
        &format!(
            "echo \"$@\" >> '{}'\necho '[{{\"hit\":1}},{{\"hit\":2}}]'\n",
            seen.display()
        ),
    );
    let work = tmp.path().join("bench");
    let stdout = bench_stdout(
        cli_support::huntbench(tmp.path())
            .args(["bench", "--events", "3000", "--only", "scan,scale"])
            .args(["--sizes", "2000,4000", "--reps", "2", "--ingest-reps", "1"])
            .arg("--dir")
            .arg(&work)
            .arg("--compare")
            .arg(&peer),
    );

    // The scan: two runs each, alternating, over the generated corpus.
    let ours = stdout
        .lines()
        .find(|l| l.starts_with("| huntbench `hunt --input` |"))
        .expect(&stdout);
    let rows: u64 = ours
        .split(" rows of ")
        .next()
        .unwrap()
        .rsplit('|')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(rows > 0, "the generated story has matches: {ours}");
    assert!(cell(ours, 1) > 0.0, "wall seconds: {ours}");
    let theirs = stdout
        .lines()
        .find(|l| l.starts_with(&format!("| peer `{} search` |", peer.display())))
        .expect(&stdout);
    assert!(theirs.trim_end().ends_with("| 2 events |"), "{theirs}");
    assert!(
        stdout.contains("huntbench / peer over the generated NDJSON (3000 events): wall "),
        "{stdout}"
    );
    let calls = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(calls.lines().count(), 2, "{calls}");
    let corpus = work.join("corpus.evtx_dump.jsonl");
    for call in calls.lines() {
        assert_eq!(
            call,
            format!(
                "search -i -e invoke-command -e=-computername {} --json -q",
                corpus.display()
            )
        );
    }

    // The scale: one row per size, the index's bytes per event measured.
    for n in [2000.0, 4000.0] {
        let row = stdout
            .lines()
            .find(|l| num(l, 0) == Some(n))
            .unwrap_or_else(|| panic!("no scale row for {n}: {stdout}"));
        // The generator adds its story to the size asked.
        assert!((n..n * 1.1).contains(&cell(row, 1)), "{row}");
        // events/s, CPU µs per event and the index's bytes per event, all measured.
        assert!(cell(row, 3) > 0.0 && cell(row, 5) > 0.0, "{row}");
        let per_event = cell(row, 8);
        assert!((100.0..100_000.0).contains(&per_event), "{row}");
    }
    // Each size's corpus and index are removed once measured.
    assert!(!work.join("scale-2000.evtx_dump.jsonl").exists());
    assert!(!work.join("index-scale-4000").exists());
}

#[test]
fn a_peer_that_is_not_there_is_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = cli_support::huntbench(tmp.path())
        .args(["bench", "--events", "1000", "--only", "scan"])
        .args(["--compare", "/nonexistent/chainsaw"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--compare /nonexistent/chainsaw: no such file"),
        "{err}"
    );
}

#[test]
fn the_scan_part_ingests_the_data_files_and_counts_their_records() {
    // Two chunks of generated 4104 records, every tenth remoting: the `--data` table has
    // the one-pass rows, the peer's hits and the whole ingest's records and index counts.
    let tmp = tempfile::tempdir().unwrap();
    let chunks = evtx_support::numbered(2, 40, |c, id| evtx_support::Rec {
        id,
        unix: 1_729_510_000 + id * 60,
        computer: format!("ws{c}.corp.local"),
        script: if id % 10 == 0 {
            format!("Invoke-Command -ComputerName srv{id} {{ whoami }}")
        } else {
            format!("Get-Date # {id}")
        },
    });
    let log = tmp.path().join("ws.evtx");
    std::fs::write(&log, evtx_support::evtx(&chunks)).unwrap();
    let peer = peer_script(tmp.path(), "echo '[{\"hit\":1}]'\n");
    let stdout = bench_stdout(
        cli_support::huntbench(tmp.path())
            .args(["bench", "--events", "1000", "--only", "scan", "--reps", "2"])
            .arg("--dir")
            .arg(tmp.path().join("bench"))
            .arg("--compare")
            .arg(&peer)
            .arg("--data")
            .arg(&log),
    );
    let data = stdout
        .split("over --data (1 files)")
        .nth(1)
        .unwrap_or_else(|| panic!("no --data table: {stdout}"));
    let line = |start: &str| {
        data.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} row: {data}"))
            .to_string()
    };
    // 8 remoting blocks on 2 hosts, each its own text: 8 rows of one event.
    assert!(
        line("| huntbench `hunt --input` |").ends_with("| 8 rows of 8 events |"),
        "{data}"
    );
    let ingest = line("| huntbench `ingest`, a fresh index |");
    assert!(cell(&ingest, 1) > 0.0, "wall seconds: {ingest}");
    assert!(
        ingest.contains("| 80 records read (")
            && ingest.ends_with("records/s), 80 indexed, 0 duplicates |"),
        "{ingest}"
    );
    assert!(
        line(&format!("| peer `{} search` |", peer.display())).ends_with("| 1 events |"),
        "{data}"
    );
    // The fresh index of each run is removed with the rest.
    assert!(!tmp.path().join("bench/scan-ingest-index").exists());
}
