//! Faults on a two-shard cluster of the test's own (ports moved up by 100, beside the one
//! `.ci/run` starts): a shard that is down fails a hunt naming it, with no rows printed as if
//! complete; an ingest cut off by a shard's restart completes on a re-run with no duplicates.
//! Skips where `clickhouse-server` is not installed.

mod cli_support;
mod store_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::run;
use huntbench::demo::{self, DemoOptions};

const OFFSET: &str = "100";

/// The test's own cluster, stopped when the test ends, whatever happens.
struct OwnCluster {
    dir: PathBuf,
}

impl OwnCluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/clickhouse/cluster.sh")
    }

    fn cmd(&self, args: &[&str]) -> bool {
        Command::new("bash")
            .arg(Self::script())
            .args(args)
            .arg(&self.dir)
            .env("HUNTBENCH_CH_PORT_OFFSET", OFFSET)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn start(dir: PathBuf) -> Option<OwnCluster> {
        let have = Command::new("sh")
            .args([
                "-c",
                "command -v clickhouse-server || command -v clickhouse",
            ])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !have {
            store_support::skip(
                "SKIP store faults: clickhouse-server is not installed (.ci/run installs it)",
            );
            return None;
        }
        let c = OwnCluster { dir };
        assert!(c.cmd(&["start"]), "the fault test's cluster did not start");
        Some(c)
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        self.cmd(&["stop"]);
    }
}

fn hb(root: &Path, args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run(root, args, Some("200"));
    (code, String::from_utf8_lossy(&out).into_owned(), err)
}

#[test]
fn a_shard_down_fails_naming_it_and_an_interrupted_ingest_completes_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let Some(cluster) = OwnCluster::start(root.join("cluster")) else {
        return;
    };
    let url = "clickhouse://127.0.0.1:18223/faults?cluster=huntbench_two_shards";
    let events = demo::generate(&DemoOptions::default());
    let half = events.len() / 2;
    std::fs::create_dir_all(root.join("corpus")).unwrap();
    let first = root.join("corpus/first.log");
    let second = root.join("corpus/second.log");
    demo::write_xml_lines(&events[..half], &mut std::fs::File::create(&first).unwrap()).unwrap();
    demo::write_xml_lines(
        &events[half..],
        &mut std::fs::File::create(&second).unwrap(),
    )
    .unwrap();
    let (first, second) = (first.to_str().unwrap(), second.to_str().unwrap());

    let (code, _, err) = hb(root, &["ingest", "--store", url, first]);
    assert_eq!(code, 0, "{err}");
    let (code, healthy, err) = hb(root, &["hunt", "--store", url, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(healthy.len() > 1000);

    // Shard 2 (native port 19101) goes down: the hunt fails and says which server.
    assert!(cluster.cmd(&["stop-shard", "2"]));
    let (code, out, err) = hb(root, &["hunt", "--store", url, "--format", "json"]);
    assert_eq!(code, 2, "a hunt with a shard down must fail: {out:.300}");
    assert!(
        out.is_empty(),
        "no rows may pass for a complete answer: {out:.300}"
    );
    assert!(
        err.contains("19101"),
        "the error names the shard that is down: {err}"
    );

    // An ingest while it is down fails (some rows may have reached shard 1)...
    let (code, _, err) = hb(root, &["ingest", "--store", url, first, second]);
    assert_ne!(code, 0, "the ingest cannot complete with a shard down");
    assert!(err.contains("19101") || err.contains("18224"), "{err}");

    // ...and once the shard is back, the same command completes, adding each event once.
    assert!(cluster.cmd(&["start-shard", "2"]));
    let (code, out, err) = hb(
        root,
        &["ingest", "--store", url, "--format", "json", first, second],
    );
    assert_eq!(code, 0, "{err}");
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        summary["indexed"].as_u64().unwrap() + summary["duplicates"].as_u64().unwrap(),
        events.len() as u64
    );
    let raw = store_support::post(
        "127.0.0.1",
        18223,
        "SELECT count(), uniqExact(uid) FROM faults.events",
    )
    .unwrap();
    assert_eq!(
        raw.trim(),
        format!("{}\t{}", events.len(), events.len()),
        "no duplicate rows"
    );

    // The rows are the embedded index's over the same files.
    let (code, _, err) = hb(root, &["ingest", first, second]);
    assert_eq!(code, 0, "{err}");
    let (_, embedded, _) = hb(root, &["hunt", "--format", "json"]);
    let (code, on_cluster, err) = hb(root, &["hunt", "--store", url, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        on_cluster == embedded,
        "the re-run store answers as the embedded index"
    );
}
