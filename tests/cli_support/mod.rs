//! The huntbench binary run as a user would, its state kept in a test's own folder.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use huntbench::demo::{self, DemoOptions};

/// `huntbench` with its data, config and index under `root`, and no inherited `COLUMNS` (tables
/// take their piped width unless a test sets one): nothing of the user's real state is read.
pub fn huntbench(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_huntbench"));
    cmd.env("HUNTBENCH_DATA", root.join("data"))
        .env("HUNTBENCH_CONFIG", root.join("config"))
        .env("HUNTBENCH_INDEX", root.join("index"))
        .env_remove("COLUMNS");
    cmd
}

/// Run `huntbench ARGS` under `root`, at `columns` when given: exit code, stdout, stderr.
pub fn run(root: &Path, args: &[&str], columns: Option<&str>) -> (i32, Vec<u8>, String) {
    let mut cmd = huntbench(root);
    cmd.args(args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The demo corpus as two files in `dir`: its first half as XmlWinEventLog (`a.log`), the rest
/// as evtx_dump NDJSON (`b.jsonl`).
pub fn write_demo(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let events = demo::generate(&DemoOptions::default());
    let half = events.len() / 2;
    let xml = dir.join("a.log");
    let json = dir.join("b.jsonl");
    demo::write_xml_lines(&events[..half], &mut std::fs::File::create(&xml).unwrap()).unwrap();
    demo::write_ndjson_evtx_dump(&events[half..], &mut std::fs::File::create(&json).unwrap())
        .unwrap();
    (xml, json)
}
