//! `huntbench report` over a small index ingested from records written here: every section
//! with its real counts and times, hostile text inert in Markdown and HTML, no network in the
//! HTML, an existing file never overwritten without `--force`.

mod cli_support;
mod datasets_support;

use std::path::{Path, PathBuf};

use serde_json::json;

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PS: &str = "Microsoft-Windows-PowerShell/Operational";

/// The hostile script: a terminal title change, a bidi override, a pipe and backticks that
/// would break a Markdown table, a heading, and markup that would end a `<pre>` and run script.
const HOSTILE: &str = "# owned\nInvoke-Command -ComputerName srv03 { \"\u{1b}]0;pwned\u{7}\u{202e}txt.exe\" | `whoami` </pre><script>alert(1)</script> }";

/// A PowerShell 4104 as Security-Datasets logs it (flat JSON).
fn sb(record: u64, host: &str, time: &str, user: Option<&str>, text: &str) -> serde_json::Value {
    let mut v = json!({
        "EventID": 4104, "Channel": PS, "Hostname": host, "TimeCreated": time,
        "EventRecordID": record, "ScriptBlockText": text,
        "MessageNumber": 1, "MessageTotal": 1, "ScriptBlockId": format!("block-{record}"),
    });
    if let Some(u) = user {
        v["UserID"] = json!(u);
    }
    v
}

/// The case: ws1 reaches srv01 and srv01 reaches srv02 (a chain); the hostile block on ws1
/// names srv03 and has no UserID (ESCU's stats drop it); another names srv04; one part of
/// three of a block naming srv05 (a reassembly gap); MGMT01's automation twice (excluded).
fn write_case(dir: &Path) -> PathBuf {
    let jm = Some("S-1-5-21-1-1104");
    let mut records = vec![
        sb(
            1,
            "ws1",
            "2024-10-21T10:00:00Z",
            jm,
            "Invoke-Command -ComputerName srv01 {whoami}",
        ),
        sb(
            2,
            "srv01",
            "2024-10-21T10:05:00Z",
            jm,
            "Invoke-Command -ComputerName srv02 {hostname}",
        ),
        sb(3, "ws1", "2024-10-21T10:10:00Z", None, HOSTILE),
        sb(
            4,
            "ws1",
            "2024-10-21T10:20:00Z",
            jm,
            "Invoke-Command -ComputerName srv04 {ipconfig}",
        ),
        sb(
            6,
            "MGMT01",
            "2024-10-21T09:00:00Z",
            Some("S-1-5-21-1-500"),
            "Invoke-Command -ComputerName srv01 {Get-Service}",
        ),
        sb(
            7,
            "MGMT01",
            "2024-10-21T09:30:00Z",
            Some("S-1-5-21-1-500"),
            "Invoke-Command -ComputerName srv01 {Get-Service}",
        ),
        json!({"EventID": 4688, "Channel": "Security", "Hostname": "srv02",
               "TimeCreated": "2024-10-21T10:40:00Z", "EventRecordID": 8,
               "NewProcessName": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c dir",
               "ParentProcessName": "C:\\Windows\\explorer.exe"}),
    ];
    let mut part = sb(
        5,
        "ws1",
        "2024-10-21T10:30:00Z",
        jm,
        "Invoke-Command -ComputerName srv05 {",
    );
    part["MessageTotal"] = json!(3);
    part["ScriptBlockId"] = json!("gap-block");
    records.push(part);
    let path = dir.join("case.jsonl");
    let text: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
    path
}

struct Case {
    tmp: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let tmp = tempfile::tempdir().unwrap();
        let file = write_case(tmp.path());
        let case = Case { tmp };
        case.ok(&["ingest", file.to_str().unwrap()]);
        case.ok(&[
            "exclusions",
            "add",
            SB,
            "Computer",
            "MGMT01",
            "--note",
            "patch automation | weekly",
        ]);
        case
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let (code, out, err) = cli_support::run(self.tmp.path(), args, None);
        (code, String::from_utf8(out).unwrap(), err)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// The lines of `text` between the heading starting with `from` and the next `## `.
fn section<'a>(text: &'a str, from: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in\n{text}"));
    let rest = &text[start + from.len()..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn the_markdown_report_holds_every_section_with_the_real_counts_and_times() {
    let case = Case::new();
    let md = case.ok(&["report"]);

    let evidence = section(&md, "## Evidence");
    assert!(evidence.contains("- Events: 8\n"), "{evidence}");
    assert!(
        evidence.contains("- First event: 2024-10-21T09:00:00\n"),
        "{evidence}"
    );
    assert!(
        evidence.contains("- Last event: 2024-10-21T10:40:00\n"),
        "{evidence}"
    );
    assert!(evidence.contains(&format!("| {} | 7 |", PS)), "{evidence}");
    assert!(evidence.contains("| Security | 1 |"), "{evidence}");
    assert!(evidence.contains("| ws1 | 4 |"), "{evidence}");
    assert!(evidence.contains("| MGMT01 | 2 |"), "{evidence}");
    // The input recorded at ingest, with the events read from it.
    assert!(evidence.contains("Files ingested (1)"), "{evidence}");
    assert!(evidence.contains("case.jsonl | 8 |"), "{evidence}");

    let chains = section(&md, "## Lateral movement");
    assert!(chains.contains("### Chain 1: MGMT01 → srv01\n"), "{chains}");
    assert!(chains.contains(": ws1 → srv01 → srv02\n"), "{chains}");
    let hop = chains
        .lines()
        .find(|l| l.starts_with("| 2 | srv01 → srv02 |"))
        .unwrap_or_else(|| panic!("{chains}"));
    assert!(
        hop.contains("| 2024-10-21T10:05:00 | 2024-10-21T10:05:00 | 1 | source end only |"),
        "{hop}"
    );

    let exclusions = section(&md, "## Exclusions in force");
    let x1 = exclusions
        .lines()
        .find(|l| l.starts_with("| x1 |"))
        .unwrap_or_else(|| panic!("{exclusions}"));
    // One row of two events suppressed; the note's pipe cannot split the cell.
    assert!(
        x1.contains(&format!(
            "| {} | Computer = \"MGMT01\" | patch automation \\| weekly | 1 | 2 |",
            SB.replace('_', "\\_")
        )),
        "{x1}"
    );

    let gaps = section(&md, "## Dropped or incomplete");
    assert!(
        gaps.contains(&format!("#### {} (1)", SB.replace('_', "\\_"))),
        "{gaps}"
    );
    assert!(
        gaps.contains("- 1 × missing by\\-field user\\_id")
            || gaps.contains("- 1 × missing by-field user\\_id"),
        "{gaps}"
    );
    assert!(
        gaps.contains("| 2024-10-21T10:10:00 | ws1 | 4104 |"),
        "{gaps}"
    );
    let gap = gaps
        .lines()
        .find(|l| l.starts_with("| ws1 | gap-block |"))
        .unwrap_or_else(|| panic!("{gaps}"));
    assert!(
        gap.contains("| 1 of 3 | 2, 3 | 2024-10-21T10:30:00 |"),
        "{gap}"
    );

    let analytics = section(&md, "## Analytics");
    let sb_row = analytics
        .lines()
        .find(|l| l.contains(&format!("| {} |", SB.replace('_', "\\_"))))
        .unwrap_or_else(|| panic!("{analytics}"));
    // ws1 ×3 (one each: srv01, hostile, gap part) + srv01 kept; MGMT01's row suppressed;
    // the block without a UserID dropped.
    assert!(
        sb_row.contains("| ESCU parity | 4 | 4 | 1 | 1 |"),
        "{sb_row}"
    );
}

#[test]
fn hostile_text_is_inert_in_markdown_and_html_and_the_html_fetches_nothing() {
    let case = Case::new();
    let md = case.ok(&["report"]);
    let html = case.ok(&["report", "--format", "html"]);
    for (name, text) in [("markdown", &md), ("html", &html)] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{name}: a control character"
        );
        assert!(!text.contains('\u{202e}'), "{name}: a bidi override");
        let inert = if name == "markdown" {
            r"␛\]0;pwned␇"
        } else {
            "␛]0;pwned␇"
        };
        assert!(text.contains(inert), "{name}: ESC and BEL shown inert");
        assert!(
            text.contains("U+202E"),
            "{name}: the override shown by its code point"
        );
    }
    // Markdown: the pipe and backticks of the script are escaped in its cell.
    let hostile_cell = md
        .lines()
        .find(|l| l.contains("pwned"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        hostile_cell.contains(r"\| \`whoami\` \</pre\>\<script\>"),
        "{hostile_cell}"
    );
    assert!(!md.lines().any(|l| l.starts_with("# owned")));
    // HTML: escaped, no script element, no reference to fetch.
    assert!(
        html.contains("&lt;&#x2F;pre&gt;&lt;script&gt;alert(1)"),
        "{html}"
    );
    let lower = html.to_lowercase();
    for banned in [
        "<script", "http", "src=", "url(", "@import", "<link", "<img", "<iframe",
    ] {
        assert!(!lower.contains(banned), "html holds {banned:?}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<style>"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn an_existing_file_is_not_overwritten_without_force_and_html_follows_the_file_name() {
    let case = Case::new();
    let out = case.path("case.html");
    let (code, _, err) = case.run(&["report", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote the report to"), "{err}");
    let first = std::fs::read_to_string(&out).unwrap();
    assert!(
        first.starts_with("<!DOCTYPE html>"),
        "a .html name writes HTML"
    );

    std::fs::write(&out, "the analyst's own notes").unwrap();
    let (code, stdout, err) = case.run(&["report", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2, "refused: {err}");
    assert!(
        err.contains(&format!("{} already exists", out.display())),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "the analyst's own notes"
    );

    let (code, _, err) = case.run(&[
        "report",
        "-o",
        out.to_str().unwrap(),
        "--force",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("# huntbench case report")
    );
    assert!(
        !case.path("case.huntbench-tmp").exists(),
        "no temporary file left"
    );
}

#[test]
fn marked_rows_are_listed_by_status_malicious_first_with_note_and_times_now() {
    let case = Case::new();
    case.ok(&[
        "triage", "set", SB, "Computer", "srv01", "--status", "benign", "--note", "lab test",
    ]);
    case.ok(&[
        "triage",
        "set",
        "winrm_remoting_extended",
        "text",
        "*pwned*",
        "--status",
        "suspicious",
        "--note",
        "odd | `title`",
    ]);
    // ws1's edges marked one by one, latest first, so their ids run against time.
    let edges: serde_json::Value =
        serde_json::from_str(&case.ok(&["edges", "--format", "json"])).unwrap();
    let mut from_ws1: Vec<(String, String)> = edges
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "ws1")
        .map(|e| {
            let t = |k: &str| e[k].as_str().unwrap().to_string();
            (t("firstTime"), t("target"))
        })
        .collect();
    from_ws1.sort();
    from_ws1.reverse();
    assert_eq!(from_ws1.len(), 4, "{edges}");
    assert!(from_ws1[0].0 > from_ws1[3].0, "{from_ws1:?}");
    // Marking by target marks every edge into it (another source's too).
    let marked_edges = edges
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| from_ws1.iter().any(|(_, t)| e["target"] == t.as_str()))
        .count();
    for (_, target) in &from_ws1 {
        case.ok(&[
            "triage",
            "set",
            "edges",
            "target",
            target,
            "--status",
            "malicious",
            "--note",
            "first hop",
        ]);
    }
    let md = case.ok(&["report"]);
    let marks = section(&md, "## Marked rows");
    let order: Vec<&str> = marks.lines().filter(|l| l.starts_with("### ")).collect();
    assert_eq!(
        order,
        [
            format!("### Malicious ({marked_edges})").as_str(),
            "### Suspicious (1)",
            "### Benign (1)"
        ],
        "{marks}"
    );
    // Within a status, in the order it happened: the four malicious edges by first event.
    let malicious = &marks[..marks.find("### Suspicious").unwrap()];
    let firsts: Vec<&str> = malicious
        .lines()
        .filter_map(|l| l.strip_prefix("| first event | "))
        .collect();
    assert_eq!(firsts.len(), marked_edges, "{malicious}");
    let mut sorted = firsts.clone();
    sorted.sort();
    assert_eq!(firsts, sorted, "{malicious}");
    // The edges ws1 → srv01, srv03, srv04, srv05.
    let hop = marks
        .find("| target | srv01 |")
        .unwrap_or_else(|| panic!("{marks}"));
    assert!(marks[..hop].contains("| note | first hop |"), "{marks}");
    assert!(marks.contains("| events now | 1 |"), "{marks}");
    let benign = &marks[marks.find("### Benign").unwrap()..];
    assert!(benign.contains("| status | benign |"), "{benign}");
    assert!(benign.contains("| note | lab test |"), "{benign}");
    assert!(benign.contains("| Computer | srv01 |"), "{benign}");
    assert!(
        benign.contains("| first event | 2024-10-21T10:05:00 |"),
        "{benign}"
    );
    assert!(
        benign.contains("| last event | 2024-10-21T10:05:00 |"),
        "{benign}"
    );
    // The script in a fenced block, whole.
    assert!(
        benign.contains("```text\nInvoke-Command -ComputerName srv02 {hostname}\n```"),
        "{benign}"
    );
    // The hostile block (ESCU drops it: no user_id; the extended row keeps it), whole and
    // inert in its block: the note's pipe and backticks escaped in its cell.
    let suspicious =
        &marks[marks.find("### Suspicious").unwrap()..marks.find("### Benign").unwrap()];
    assert!(
        suspicious.contains(r"| note | odd \| \`title\` |"),
        "{suspicious}"
    );
    assert!(
        suspicious.contains(
            "```text\n# owned\nInvoke-Command -ComputerName srv03 { \"␛]0;pwned␇<U+202E>txt.exe\""
        ),
        "{suspicious}"
    );
    let html = case.ok(&["report", "--format", "html"]);
    assert!(
        html.contains(&format!(
            "<span class=\"st malicious\">Malicious</span> ({marked_edges})"
        )),
        "{html}"
    );
    assert!(
        html.contains("<pre>Invoke-Command -ComputerName srv02 {hostname}</pre>"),
        "{html}"
    );
    assert!(
        html.contains("<pre># owned\nInvoke-Command -ComputerName srv03 { &quot;␛]0;pwned␇&lt;U+202E&gt;txt.exe&quot; | `whoami` &lt;&#x2F;pre&gt;&lt;script&gt;"),
        "{html}"
    );
}

#[test]
fn a_report_over_a_real_capture_builds() {
    let Some(root) = datasets_support::datasets("a_report_over_a_real_capture_builds") else {
        return;
    };
    let file = root.join("security-datasets/covenant_psremoting_command_2020-08-06115603.json");
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = cli_support::run(tmp.path(), &["ingest", file.to_str().unwrap()], None);
    assert!(code == 0 || code == 1, "{err}");
    let (code, out, err) = cli_support::run(tmp.path(), &["report", "--format", "html"], None);
    assert_eq!(code, 0, "{err}");
    let html = String::from_utf8(out).unwrap();
    assert!(html.contains("WORKSTATION5.theshire.local"), "its hosts");
    assert!(html.contains("covenant_psremoting_command_2020-08-06115603.json"));
    assert!(!html.to_lowercase().contains("<script"));
    let (code, out, _) = cli_support::run(tmp.path(), &["report"], None);
    assert_eq!(code, 0);
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("Chain 1: WORKSTATION5"), "{md}");
}

#[test]
fn the_workbench_backend_writes_the_report_the_tui_asks_for_and_refuses_an_existing_file() {
    use huntbench::tui::Backend;
    let case = Case::new();
    let index = case.path("index");
    let wb = huntbench::workbench::Workbench::from_parts(
        huntbench::index::Index::open_existing(&index).unwrap(),
        huntbench::analytics::load_saved_queries(None).unwrap(),
        index.join("exclusions.toml"),
    );
    let out = case.path("from-tui.html");
    let said = Backend::write_report(&wb, &out).unwrap();
    assert!(
        said.starts_with(&format!("wrote the case report to {}", out.display())),
        "{said}"
    );
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // The exclusion in force, read from the index's own store.
    assert!(html.contains("patch automation | weekly"), "{html}");
    let err = Backend::write_report(&wb, &out).unwrap_err();
    assert!(
        err.contains(&format!("{} already exists", out.display())),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), html);
}
