//! Where the real public data lives for the tests that use it, and the skip message when not.

use std::path::{Path, PathBuf};

/// `../shared/datasets` beside the clone (or `../../shared/datasets` beside the folder of a
/// git worktree), or `None` after saying on stderr that `test` skips.
pub fn datasets(test: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in [
        root.join("../shared/datasets"),
        root.join("../../shared/datasets"),
    ] {
        if d.join("MANIFEST.md").exists() {
            return Some(d);
        }
    }
    // Written past the test harness's capture so the skip shows in a plain `cargo test`.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("SKIP {test}: ../shared/datasets not present\n").as_bytes(),
    );
    None
}
