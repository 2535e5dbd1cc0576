//! Children timed the same way for huntbench and a peer: GNU time's wall, CPU and peak RSS,
//! so a ratio in BENCHMARKS.md compares like with like.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::median;

/// Wall, user + system CPU seconds and peak RSS (MB) of one child, as GNU time reports them.
pub(super) struct Timed {
    pub wall: f64,
    pub cpu: f64,
    pub rss_mb: f64,
    pub stdout: String,
}

impl Timed {
    /// Elements of the JSON array it printed (rows, hits, detections); 0 for anything else.
    pub fn json_len(&self) -> usize {
        serde_json::from_str::<serde_json::Value>(&self.stdout)
            .ok()
            .and_then(|v| v.as_array().map(|a| a.len()))
            .unwrap_or(0)
    }
}

/// Run `program args` under `/usr/bin/time` (the same measure for huntbench and the peer).
pub(super) fn timed(program: &Path, args: &[String], env: &[(&str, PathBuf)]) -> Result<Timed> {
    let report = tempfile::NamedTempFile::new()?;
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f")
        .arg("%e %U %S %M")
        .arg("-o")
        .arg(report.path())
        .arg(program)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    // huntbench's own children opt out of huge pages as it does; a peer runs with the
    // kernel's default, as it would on its own.
    let ours = std::env::current_exe().is_ok_and(|me| me == program);
    let t = Instant::now();
    let out = if ours {
        cmd.output()
    } else {
        crate::huge_pages::with_default(|| cmd.output())
    }
    .with_context(|| format!("running {} under /usr/bin/time", program.display()))?;
    let wall_here = t.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(report.path())?;
    let nums: Vec<f64> = text
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let [wall, user, sys, rss_kb] = nums[..] else {
        bail!("/usr/bin/time said {text:?}");
    };
    Ok(Timed {
        wall: if wall > 0.0 { wall } else { wall_here },
        cpu: user + sys,
        rss_mb: rss_kb / 1024.0,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    })
}

/// One Markdown table row: the runs' median wall and CPU seconds, their largest RSS.
pub(super) fn row(name: &str, runs: &[Timed], extra: &str) -> String {
    format!(
        "| {name} | {:.2} | {:.1} | {:.0} | {extra} |\n",
        median(runs.iter().map(|r| r.wall)),
        median(runs.iter().map(|r| r.cpu)),
        runs.iter().map(|r| r.rss_mb).fold(0.0, f64::max),
    )
}
