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
    t.keys(&["h"]);
    let s = t.wait_for("suppresses");
    assert!(s.contains("x1"), "{s}");
    let s = t.wait_for("3 suppressed");
    assert!(s.contains("7 rows"), "{s}");

    // Remove it again in the exclusions view; every row is back.
    t.keys(&["E"]);
    let s = t.wait_for("space: on/off, d: delete");
    assert!(s.to_lowercase().contains("mgmt01.corp.local"), "{s}");
    t.keys(&["d"]);
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

#[test]
fn demo_mark_a_row_and_find_it_in_triage_list() {
    if Command::new("tmux").arg("-V").output().is_err() {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIP tui_e2e: tmux is not installed (apt-get install tmux); the triage end-to-end test did not run\n",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    let t = Tmux {
        socket: format!("hb-e2e-triage-{}", std::process::id()),
        session: "triage".into(),
    };
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        config.display(),
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
    t.wait_for("10 of 10 rows");

    // m, a status letter, a note: the worker writes it, the row shows it, the pane counts it.
    t.keys(&["m"]);
    t.wait_for("mark as: b benign");
    t.keys(&["s"]);
    t.wait_for("note (enter saves the mark)");
    t.keys(&["checked with the admin", "Enter"]);
    t.wait_for("marked 1 row(s) suspicious");
    let s = t.wait_for("SUSP");
    assert!(s.contains("0b 1s 0m"), "{s}");
    // F three times: suspicious rows only, said in the title.
    t.keys(&["F", "F", "F"]);
    let s = t.wait_for("status: suspicious (F)");
    assert!(s.contains("1 of 10 rows"), "{s}");
    // R writes the case report (a dated name offered, replaced here by one in the test's dir).
    let report = tmp.path().join("case.md");
    t.keys(&["R"]);
    t.wait_for("write the case report to (.md / .html): huntbench-report-");
    t.keys(&["C-u", report.to_str().unwrap(), "Enter"]);
    t.wait_for("wrote the case report to");
    t.keys(&["q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");

    // The mark is in the demo index's triage.toml, and `triage list` reads it back.
    let index = data.join("demo").join("index");
    let file = std::fs::read_to_string(index.join("triage.toml")).unwrap();
    assert!(file.contains("checked with the admin"), "{file}");
    let out = Command::new(env!("CARGO_BIN_EXE_huntbench"))
        .env("HUNTBENCH_DATA", &data)
        .env("HUNTBENCH_CONFIG", &config)
        .args([
            "--index",
            index.to_str().unwrap(),
            "triage",
            "list",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list:#}");
    assert_eq!(list[0]["status"], "suspicious");
    assert_eq!(list[0]["note"], "checked with the admin");
    assert_eq!(list[0]["gone"], false);
    // The report the workbench wrote lists the mark under its status, with its note.
    let text = std::fs::read_to_string(&report).unwrap();
    let marks = &text[text.find("## Marked rows").unwrap()..text.find("## Lateral").unwrap()];
    assert!(marks.contains("### Suspicious (1)"), "{marks}");
    assert!(
        marks.contains("| note | checked with the admin |"),
        "{marks}"
    );
}
