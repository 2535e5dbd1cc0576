//! End to end: the real binary in tmux, driven by keys, read from the screen. Skips (with a
//! message) when tmux is not installed; `.ci/run` installs it.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", &self.session, k]);
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Type text literally (no key names).
    fn send_literal(&self, text: &str) {
        self.cmd(&["send-keys", "-t", &self.session, "-l", text]);
        std::thread::sleep(Duration::from_millis(250));
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", &self.session])
    }

    /// Wait until the screen shows `needle` (the binary works on threads; give it time).
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(60) {
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn demo_drill_in_exclude_and_quit() {
    if Command::new("tmux").arg("-V").output().is_err() {
        // Written past the test harness's capture so the skip shows in a plain `cargo test`.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIP tui_e2e: tmux is not installed (apt-get install tmux); the TUI end-to-end test did not run\n",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let t = Tmux {
        socket: format!("hb-e2e-{}", std::process::id()),
        session: "e2e".into(),
    };
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        tmp.path().join("config").display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        &t.session,
        "-x",
        "160",
        "-y",
        "45",
        &cmd,
    ]);

    // The analytics pane lists all three saved queries with their counts.
    let s = t.wait_for("rows");
    let s = if s.contains("extended") {
        s
    } else {
        t.wait_for("extended")
    };
    assert!(
        s.contains("Remote Process Instantiation via WinRM and PowerShell Script Block"),
        "{s}"
    );
    // 10: the intruder's variable target list (`-ComputerName $targets`) matches ESCU too.
    assert!(s.contains("10 rows"), "{s}");
    assert!(s.contains("MGMT01.corp."), "{s}");

    // Drill into the first group (the admin health check) and open its full script block.
    t.keys(&["Enter"]);
    t.wait_for("events of");
    // The events arrive from a worker: wait for the rows (the full host name), then open one.
    t.wait_for("MGMT01.corp.local");
    t.keys(&["Enter"]);
    let s = t.wait_for("SYNOPSIS");
    assert!(s.contains("Invoke-Command"), "{s}");

    // Back to the results; exclude the selected row's host; its rows disappear.
    t.keys(&["Escape", "Escape"]);
    t.wait_for("10 of 10 rows");
    // `h` drafts: the note (prefilled with the host), then the preview, then Enter saves.
    t.keys(&["h"]);
    let s = t.wait_for("new exclusion · note");
    assert!(s.contains("host MGMT01.corp.local"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("Enter: save · Esc: cancel");
    assert!(s.contains("would suppress 3 of 10 rows"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("suppresses");
    assert!(s.contains("x1"), "{s}");
    let s = t.wait_for("3 suppressed");
    assert!(s.contains("7 rows"), "{s}");

    // Remove it again in the exclusions view; every row is back.
    t.keys(&["E"]);
    let s = t.wait_for("space: on/off, d: delete");
    assert!(s.to_lowercase().contains("mgmt01.corp.local"), "{s}");
    t.keys(&["d"]);
    t.wait_for("delete x1?");
    t.keys(&["y"]);
    t.wait_for("exclusions (0)");
    t.keys(&["Escape"]);
    let s = t.wait_for("0 suppressed");
    assert!(s.contains("10 rows"), "{s}");

    // Hostile text (ESC sequences, BEL, a bidi override) is shown inert; the title is intact.
    let title = t.cmd(&["display", "-p", "-t", &t.session, "#{pane_title}"]);
    t.keys(&["/", "f", "d", "p", "Enter", "Enter"]);
    t.wait_for("events of");
    t.wait_for("WS-FIN-07.corp.local");
    t.keys(&["Enter"]);
    let s = t.wait_for("SYSTEM OK");
    assert!(s.contains("␛[2J␛[1;31mSYSTEM OK␇"), "{s}");
    assert!(s.contains("<U+202E>fdp.exe"), "{s}");
    assert_eq!(
        t.cmd(&["display", "-p", "-t", &t.session, "#{pane_title}"]),
        title
    );
    t.keys(&["Escape", "Escape"]);

    // T: that row's host around its first time, from the worker; `+` widens and asks again;
    // the hostile script's line is inert there too, and Esc is back on the results.
    t.keys(&["T"]);
    let s = t.wait_for("timeline · WS-FIN-07.corp.local · ±10m");
    let s = if s.contains(" events on WS-FIN-07") {
        s
    } else {
        t.wait_for(" events on WS-FIN-07")
    };
    assert!(s.contains("4104"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s:?}");
    t.keys(&["+"]);
    t.wait_for("±15m of");
    assert_eq!(
        t.cmd(&["display", "-p", "-t", &t.session, "#{pane_title}"]),
        title
    );
    t.keys(&["Escape"]);
    t.wait_for("rows ·");

    t.keys(&["q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");
}

/// The demo in tmux with its own data and config folders, for the exclusion test; `None` (and
/// a SKIP line) without tmux.
fn exclusion_demo(tmp: &std::path::Path, name: &str) -> Option<Tmux> {
    if Command::new("tmux").arg("-V").output().is_err() {
        // Written past the test harness's capture so the skip shows in a plain `cargo test`.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIP tui_e2e: tmux is not installed (apt-get install tmux); the TUI end-to-end test did not run\n",
        );
        return None;
    }
    let data = tmp.join("data");
    let t = Tmux {
        socket: format!("hb-e2e-{name}-{}", std::process::id()),
        session: "e2e".into(),
    };
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        tmp.join("config").display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    t.cmd(&[
        "new-session",
        "-d",
        "-s",
        &t.session,
        "-x",
        "160",
        "-y",
        "45",
        &cmd,
    ]);
    Some(t)
}

#[test]
fn demo_a_match_all_exclusion_is_refused_without_confirmation() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(t) = exclusion_demo(tmp.path(), "star") else {
        return;
    };
    let store = tmp.path().join("data/demo/index/exclusions.toml");
    t.wait_for("10 of 10 rows");
    let before = std::fs::read(&store).ok();

    // `Computer=*` typed the Splunk way: drafted, shown as broad, and Enter alone saves nothing.
    t.keys(&["X", "C-u"]);
    t.send_literal("Computer = \"*\"");
    t.keys(&["Enter"]);
    let s = t.wait_for("new exclusion · note");
    assert!(s.contains("Computer like \"*\""), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("BROAD: its pattern matches any value");
    assert!(s.contains("would suppress 10 of 10 rows"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("not saved: its pattern matches any value");
    // A wrong word does not do either; Esc leaves it unsaved.
    t.send_literal("no");
    t.keys(&["Enter"]);
    t.wait_for("not saved:");
    t.keys(&["Escape"]);
    let s = t.wait_for("exclusion not saved");
    assert!(s.contains("10 of 10 rows"), "{s}");
    assert!(s.contains("0 suppressed"), "{s}");
    assert_eq!(
        std::fs::read(&store).ok(),
        before,
        "exclusions.toml unchanged"
    );

    t.keys(&["q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");
}
