//! End to end: the real binary in tmux, driven by keys, read from the screen. Skips (with a
//! message) when tmux is not installed; `.ci/run` installs it.

mod sigma_support;
mod store_support;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    /// A tmux server of its own (`socket`) running `cmd` in a detached session of this size.
    fn start(socket: String, session: &str, (width, height): (u16, u16), cmd: &str) -> Tmux {
        let t = Tmux {
            socket,
            session: session.into(),
        };
        let (w, h) = (width.to_string(), height.to_string());
        t.cmd(&["new-session", "-d", "-s", session, "-x", &w, "-y", &h, cmd]);
        t
    }

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
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        tmp.path().join("config").display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    let t = Tmux::start(
        format!("hb-e2e-{}", std::process::id()),
        "e2e",
        (160, 45),
        &cmd,
    );

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
    // The rows pane draws a moment after the analytics list (a clean-clone CI run once read
    // the screen between the two): wait for its first host, failing if it never comes.
    let s = t.wait_for("MGMT01.corp.");
    assert!(s.contains("10 rows"), "{s}");

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
    if !tmux_or_skip() {
        return None;
    }
    let data = tmp.join("data");
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        tmp.join("config").display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    let t = Tmux::start(
        format!("hb-e2e-{name}-{}", std::process::id()),
        "e2e",
        (160, 45),
        &cmd,
    );
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

/// Whether tmux is here; says why the test did not run when it is not.
fn tmux_or_skip() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        b"SKIP tui_e2e: tmux is not installed (apt-get install tmux); the TUI end-to-end test did not run\n",
    );
    false
}

#[test]
fn keys_are_inert_while_too_small_and_v_shows_the_whole_row() {
    if !tmux_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ingest/multiline_events.xml"
    );
    let ingest = Command::new(env!("CARGO_BIN_EXE_huntbench"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", fixture])
        .env("HUNTBENCH_DATA", tmp.path().join("data"))
        .output()
        .unwrap();
    assert!(ingest.status.success(), "{ingest:?}");
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' --index '{}'; echo EXITED=$?; sleep 30",
        tmp.path().join("data").display(),
        tmp.path().join("config").display(),
        env!("CARGO_BIN_EXE_huntbench"),
        index.display()
    );
    let t = Tmux::start(
        format!("hb-e2e-small-{}", std::process::id()),
        "small",
        (120, 35),
        &cmd,
    );
    let before = t.wait_for(" rows ·");
    let rows_line = |s: &str| {
        s.lines()
            .find(|l| l.contains(" rows ·"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let exclusions = index.join("exclusions.toml");
    let stored = std::fs::read_to_string(&exclusions).ok();

    // Below the minimum only the note shows; h (exclude host), c, X and Enter do nothing.
    t.cmd(&["resize-window", "-t", &t.session, "-x", "50", "-y", "12"]);
    t.wait_for("terminal too small");
    t.keys(&["h", "c", "X", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    t.cmd(&["resize-window", "-t", &t.session, "-x", "120", "-y", "35"]);
    let after = t.wait_for(" rows ·");
    assert_eq!(rows_line(&after), rows_line(&before), "{after}");
    assert!(after.contains("0 suppressed"), "{after}");
    assert!(
        !after.contains("suppresses"),
        "no exclusion was added:\n{after}"
    );
    assert!(
        !after.contains("exclude field=pattern"),
        "no prompt:\n{after}"
    );
    assert_eq!(std::fs::read_to_string(&exclusions).ok(), stored);

    // v: the selected row in full, the script block's text wrapped and inert; Esc back.
    t.keys(&["v"]);
    let s = t.wait_for("esc: back");
    assert!(s.contains("ScriptBlockText: "), "{s}");
    assert!(s.contains("Invoke-Command -ComputerName srv02"), "{s}");
    assert!(s.contains("count: 1"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s:?}");
    t.keys(&["Escape"]);
    t.wait_for(" rows ·");
    t.keys(&["q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");
}

/// SIGTERM and SIGHUP leave the workbench as `q` does: the alternate screen is left (the
/// shell's screen is back), and the status is the conventional 128 + signal.
#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    if !tmux_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ingest/same_event.winlogbeat.jsonl"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_huntbench"))
        .env("HUNTBENCH_DATA", tmp.path().join("data"))
        .env("HUNTBENCH_CONFIG", tmp.path().join("config"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", fixture])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for (signal, status) in [("TERM", "143"), ("HUP", "129")] {
        // The workbench under a shell that prints its exit status and waits: the terminal
        // state is read while the shell still runs (a dead pane's state says little, and
        // tmux records a dead pane's status only when it has reaped it).
        let cmd = format!(
            "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' --index '{}' tui; echo EXITED=$?; sleep 30",
            tmp.path().join("data").display(),
            tmp.path().join("config").display(),
            env!("CARGO_BIN_EXE_huntbench"),
            index.display()
        );
        let t = Tmux::start(
            format!("hb-e2e-sig-{}-{signal}", std::process::id()),
            "sig",
            (120, 35),
            &cmd,
        );
        t.wait_for("rows");
        let fmt = |f: &str| {
            t.cmd(&["display", "-p", "-t", &t.session, f])
                .trim()
                .to_string()
        };
        assert_eq!(
            fmt("#{alternate_on}"),
            "1",
            "the workbench draws on the alternate screen"
        );
        // The shell is the pane's process; the workbench is its child.
        let shell = fmt("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .unwrap_or_default();
        let pid = children
            .split_whitespace()
            .next()
            .unwrap_or_else(|| panic!("no workbench process under the pane's shell {shell}"));
        let kill = Command::new("kill")
            .args([&format!("-{signal}"), pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let s = t.wait_for("EXITED=");
        assert!(s.contains(&format!("EXITED={status}")), "SIG{signal}:\n{s}");
        // Killed without restoring, the shell would print on the alternate screen still.
        assert_eq!(
            fmt("#{alternate_on}"),
            "0",
            "SIG{signal} left the alternate screen on:\n{s}"
        );
    }
}

#[test]
fn demo_mark_a_row_and_find_it_in_triage_list() {
    if !tmux_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo; echo EXITED=$?; sleep 30",
        data.display(),
        config.display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    let t = Tmux::start(
        format!("hb-e2e-triage-{}", std::process::id()),
        "triage",
        (160, 45),
        &cmd,
    );
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

/// The workbench on a ClickHouse cluster: `demo --store` ingests the demo there and opens it;
/// the rows, the drill-down and the full script block come from the cluster.
#[test]
fn demo_on_a_clickhouse_cluster_drills_to_the_full_script_block() {
    if !tmux_or_skip() {
        return;
    }
    let Some(cluster) = store_support::Cluster::find("demo_on_a_clickhouse_cluster") else {
        return;
    };
    let db = store_support::Cluster::fresh_db("tui");
    let url = cluster.url(&db);
    let tmp = tempfile::tempdir().unwrap();
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' '{}' demo --store '{url}'; echo EXITED=$?; sleep 30",
        tmp.path().join("data").display(),
        tmp.path().join("config").display(),
        env!("CARGO_BIN_EXE_huntbench")
    );
    let t = Tmux::start(
        format!("hb-e2e-store-{}", std::process::id()),
        "e2e",
        (160, 45),
        &cmd,
    );
    let s = t.wait_for("inbound");
    assert!(s.contains("10 rows"), "{s}");
    assert!(s.contains("312 rows"), "{s}");
    assert!(s.contains("5000 events"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("events of");
    t.wait_for("MGMT01.corp.local");
    t.keys(&["Enter"]);
    let s = t.wait_for("SYNOPSIS");
    assert!(s.contains("Invoke-Command"), "{s}");
    t.keys(&["Escape", "Escape", "q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");
    cluster.drop_db(&db);
}

/// Sigma rules in the workbench: fired rules listed after the built-ins, most severe first,
/// each drilled to its rows by host and user and to its events.
#[test]
fn sigma_rules_are_listed_by_level_and_drill_to_their_rows() {
    if !tmux_or_skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    sigma_support::write_rules(&rules);
    let log = tmp.path().join("events.log");
    huntbench::demo::write_xml_lines(
        sigma_support::events(),
        &mut std::fs::File::create(&log).unwrap(),
    )
    .unwrap();
    let (data, config, index) = (
        tmp.path().join("data"),
        tmp.path().join("config"),
        tmp.path().join("index"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_huntbench"))
        .env("HUNTBENCH_DATA", &data)
        .env("HUNTBENCH_CONFIG", &config)
        .env("HUNTBENCH_INDEX", &index)
        .args([
            "ingest",
            "--sigma",
            rules.to_str().unwrap(),
            log.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmd = format!(
        "HUNTBENCH_DATA='{}' HUNTBENCH_CONFIG='{}' HUNTBENCH_INDEX='{}' '{}' --sigma '{}'; echo EXITED=$?; sleep 30",
        data.display(),
        config.display(),
        index.display(),
        env!("CARGO_BIN_EXE_huntbench"),
        rules.display()
    );
    let t = Tmux::start(
        format!("hb-e2e-sigma-{}", std::process::id()),
        "sigma",
        (160, 45),
        &cmd,
    );
    let s = t.wait_for("hunt: 7 analytics");
    let line = |needle: &str| {
        s.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} on screen:\n{s}"))
    };
    // The pane shows six analytics: the low rule (seventh) is below the fold.
    let (critical, high) = (
        line("Mimikatz in a script block"),
        line("Remote command through Invoke-Command"),
    );
    assert!(line("Inbound remote sessions") < critical, "{s}");
    assert!(critical < high, "most severe first:\n{s}");
    let row = s.lines().nth(high).unwrap();
    assert!(
        row.contains("high") && row.contains("2 rows") && row.contains("3 events"),
        "{row}"
    );
    assert!(s.lines().nth(critical).unwrap().contains("critical"), "{s}");

    // To the high rule (built-ins, then critical, then it), its rows, then one row's events.
    t.keys(&["Tab", "Down", "Down", "Down", "Down", "Down"]);
    let s = t.wait_for("Remote command through Invoke-Command · 2 of 2 rows");
    assert!(
        s.contains("CORP\\alice") && s.contains("WS2.corp.local"),
        "{s}"
    );
    t.keys(&["Enter", "Enter"]);
    let s = t.wait_for("events of");
    assert!(s.contains("INVOKE-COMMAND -computername DC2"), "{s}");
    t.keys(&["q", "q", "q"]);
    let s = t.wait_for("EXITED=");
    assert!(s.contains("EXITED=0"), "{s}");
}
