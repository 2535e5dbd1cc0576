//! `huntbench bench`'s scan and scale parts on a small corpus: the scan tables beside a peer
//! binary run alternately (here a script the test writes, standing in for Chainsaw's
//! `search`), the ratio line, and one scaling row per size with its index bytes per event.

mod cli_support;

use std::os::unix::fs::PermissionsExt;

/// A numeric cell of a Markdown table row, if it is one.
fn num(row: &str, i: usize) -> Option<f64> {
    let cells: Vec<&str> = row.trim().trim_matches('|').split('|').collect();
    cells.get(i)?.trim().parse().ok()
}

fn cell(row: &str, i: usize) -> f64 {
    num(row, i).unwrap_or_else(|| panic!("cell {i} of {row:?}"))
}

#[test]
fn the_scan_and_scale_parts_print_their_tables_beside_a_peer() {
    let tmp = tempfile::tempdir().unwrap();
    // The peer records its arguments and answers like `chainsaw search --json`: two hits.
    let peer = tmp.path().join("peer.sh");
    let seen = tmp.path().join("peer-args");
    std::fs::write(
        &peer,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\necho '[{{\"hit\":1}},{{\"hit\":2}}]'\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&peer, std::fs::Permissions::from_mode(0o755)).unwrap();
    let work = tmp.path().join("bench");
    let out = cli_support::huntbench(tmp.path())
        .args(["bench", "--events", "3000", "--only", "scan,scale"])
        .args(["--sizes", "2000,4000", "--reps", "2", "--ingest-reps", "1"])
        .arg("--dir")
        .arg(&work)
        .arg("--compare")
        .arg(&peer)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
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
