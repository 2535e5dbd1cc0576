//! The huntbench binary run as a user would, its state kept in a test's own folder.

use std::path::Path;
use std::process::Command;

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
