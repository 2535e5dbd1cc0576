//! Hunt results rendered: JSON rows, CSV and the terminal table, asserted cell by cell.

use std::collections::BTreeMap;

use huntbench::analytics::{
    Dropped, Exclusion, ExclusionOp, Group, HuntResult, SavedQuery, TableOptions, apply_exclusions,
    builtin_queries, render_csv, render_json, render_table, row_json,
};
use huntbench::output::{CsvMode, Layout};
use huntbench::time::{parse_timestamp, parse_tz};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn t(s: &str) -> i64 {
    parse_timestamp(s).unwrap()
}

fn g(analytic: &str, key: &[&str], count: u64, first: &str, last: &str) -> Group {
    Group {
        analytic: analytic.into(),
        key: key.iter().map(|s| s.to_string()).collect(),
        count,
        first: t(first),
        last: t(last),
        events: (0..count).collect(),
        suppressed_by: vec![],
    }
}

const TEXT1: &str = "Invoke-Command -ComputerName srv01 {\n whoami\n}";
const TEXT2: &str = "Invoke-Command -ComputerName mgmt {\u{1b}[2J}";
const CMD: &str = "powershell -c \"Invoke-Command -ComputerName srv01 {hostname}\", x";

fn results() -> Vec<HuntResult> {
    let mut sb = HuntResult {
        query: query(SB),
        groups: vec![
            g(
                SB,
                &["4104", TEXT1, "ws01.corp.local", "S-1-5-21-1-1001"],
                2,
                "2024-10-21T11:31:57.6Z",
                "2024-10-21T11:35:00Z",
            ),
            g(
                SB,
                &["4104", TEXT2, "mgmt01", "S-1-5-18"],
                3,
                "2024-10-21T09:00:00Z",
                "2024-10-21T10:00:00Z",
            ),
        ],
        dropped: vec![Dropped {
            uid: 9,
            reason: "missing by-field user_id".into(),
        }],
        suppressed: BTreeMap::new(),
    };
    let x1 = Exclusion {
        id: "x1".into(),
        analytic: SB.into(),
        field: "Computer".into(),
        op: ExclusionOp::Equals("MGMT01".into()),
        note: None,
        enabled: true,
        created: String::new(),
    };
    apply_exclusions(&mut sb, &[x1]);
    let proc = HuntResult {
        query: query(PROC),
        groups: vec![g(
            PROC,
            &[
                "ws01",
                "CORP\\alice",
                "cmd.exe",
                "powershell.exe",
                CMD,
                "0xf84",
                "null",
            ],
            1,
            "2024-10-21T11:31:57Z",
            "2024-10-21T11:31:57Z",
        )],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    };
    vec![sb, proc]
}

fn lines_of(block: &str) -> Vec<&str> {
    block.lines().collect()
}

#[test]
fn table_shows_kept_rows_and_the_summary() {
    let out = render_table(&results(), None, &TableOptions::new(200));
    let blocks: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        lines_of(blocks[0]),
        [
            "== Remote Process Instantiation via WinRM and PowerShell Script Block (remote_process_instantiation_via_winrm_and_powershell_script_block) [parity] ==",
            "EventCode  ScriptBlockText                                 Computer         user_id          count  firstTime            lastTime",
            &"─".repeat(140),
            // count is right-aligned, and never cut.
            "4104       Invoke-Command -ComputerName srv01 {⏎ whoami⏎}  ws01.corp.local  S-1-5-21-1-1001      2  2024-10-21T11:31:57  2024-10-21T11:35:00",
            "rows: 1  events: 2  suppressed rows: 1  dropped events: 1",
            "  exclusion x1: suppressed 1 rows, 3 events",
        ]
    );
    let proc = lines_of(blocks[1]);
    assert_eq!(proc.len(), 5);
    let cells: Vec<&str> = proc[3]
        .split("  ")
        .filter(|c| !c.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        cells,
        [
            "ws01",
            "CORP\\alice",
            "cmd.exe",
            "powershell.exe",
            CMD,
            "0xf84",
            "null",
            "1",
            "2024-10-21T11:31:57",
            "2024-10-21T11:31:57"
        ]
    );
    assert_eq!(
        proc[4],
        "rows: 1  events: 1  suppressed rows: 0  dropped events: 0"
    );
}

const DOMAIN_SID: &str = "S-1-5-21-3623811015-3361044348-30300820-1104";

fn sid_rows() -> Vec<HuntResult> {
    vec![HuntResult {
        query: query(SB),
        groups: vec![g(
            SB,
            &["4104", TEXT1, "ws01.corp.local", DOMAIN_SID],
            144,
            "2024-10-21T11:31:57Z",
            "2024-10-21T11:35:00Z",
        )],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    }]
}

fn names(sid: &str) -> Option<String> {
    (sid == DOMAIN_SID).then(|| "CORP\\j.miller".to_string())
}

#[test]
fn a_narrow_table_cuts_text_but_never_numbers_times_or_the_rid() {
    let opts = TableOptions {
        sid_name: &names,
        ..TableOptions::new(130)
    };
    let out = render_table(&sid_rows(), None, &opts);
    println!("{out}");
    let lines = lines_of(&out);
    assert!(
        lines[1..]
            .iter()
            .all(|l| unicode_width::UnicodeWidthStr::width(*l) <= 130),
        "{out}"
    );
    assert_eq!(
        lines[1],
        "EventCode  ScriptBlockText       Computer         user_id                          count  firstTime            lastTime"
    );
    assert_eq!(
        lines[3],
        "4104       Invoke-Command -Com…  ws01.corp.local  S-1-5-21-…-1104 (CORP\\j.miller)    144  2024-10-21T11:31:57  2024-10-21T11:35:00"
    );
    // With room, the whole SID and the name beside it.
    let wide = render_table(
        &sid_rows(),
        None,
        &TableOptions {
            sid_name: &names,
            ..TableOptions::new(200)
        },
    );
    assert!(
        wide.contains(&format!("  {DOMAIN_SID} (CORP\\j.miller)  ")),
        "{wide}"
    );
}

#[test]
fn at_80_columns_the_table_becomes_one_block_per_record() {
    let opts = TableOptions {
        sid_name: &names,
        ..TableOptions::new(80)
    };
    let out = render_table(&sid_rows(), None, &opts);
    let want = [
        "-[ RECORD 1 ]-------",
        "EventCode       | 4104",
        "ScriptBlockText | Invoke-Command -ComputerName srv01 {⏎ whoami⏎}",
        "Computer        | ws01.corp.local",
        &format!("user_id         | {DOMAIN_SID} (CORP\\j.miller)"),
        "count           | 144",
        "firstTime       | 2024-10-21T11:31:57",
        "lastTime        | 2024-10-21T11:35:00",
        "rows: 1  events: 144  suppressed rows: 0  dropped events: 0",
    ];
    assert_eq!(lines_of(&out)[1..], want);
    // `--expanded` forces the same layout at any width.
    let forced = render_table(
        &sid_rows(),
        None,
        &TableOptions {
            layout: Layout::Expanded,
            sid_name: &names,
            ..TableOptions::new(300)
        },
    );
    assert_eq!(forced, out);
}

#[test]
fn table_text_is_inert_and_zone_aware() {
    let hostile = "Invoke-Command\u{1b}]0;pwned\u{7} -ComputerName x\u{202E}";
    let r = HuntResult {
        query: query(SB),
        groups: vec![g(
            SB,
            &["4104", hostile, "ws\u{1b}[2J01", "S-1"],
            1,
            "2024-10-21T11:31:57Z",
            "2024-10-21T11:31:57Z",
        )],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    };
    let berlin = parse_tz("Europe/Berlin").unwrap();
    let out = render_table(
        std::slice::from_ref(&r),
        Some(berlin),
        &TableOptions::new(300),
    );
    assert!(out.chars().all(|c| c == '\n' || !c.is_control()), "{out:?}");
    assert!(
        out.contains("Invoke-Command␛]0;pwned␇ -ComputerName x<U+202E>"),
        "{out}"
    );
    assert!(out.contains("ws␛[2J01"));
    assert!(out.contains("2024-10-21T13:31:57"), "Berlin time: {out}");
    assert_eq!(
        render_table(
            &[HuntResult {
                groups: vec![],
                ..r
            }],
            None,
            &TableOptions::new(80)
        )
        .lines()
        .nth(1),
        Some("(no rows)")
    );
}

#[test]
fn csv_is_rfc4180_with_full_text() {
    let csv = render_csv(&results(), None, CsvMode::Safe).unwrap();
    // Safe (the default): line breaks shown as ⏎, like the table; nothing else changes here.
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "remote_process_instantiation_via_winrm_and_powershell_script_block,4104,Invoke-Command -ComputerName srv01 {⏎ whoami⏎},ws01.corp.local,S-1-5-21-1-1001,2,2024-10-21T11:31:57,2024-10-21T11:35:00,,,,,,,"
    );
    // Exact (`--csv-exact`): the text byte for byte, the newline inside RFC 4180 quotes.
    let csv = render_csv(&results(), None, CsvMode::Exact).unwrap();
    let want = concat!(
        "analytic,EventCode,ScriptBlockText,Computer,user_id,count,firstTime,lastTime,dest,user,parent_process_name,process_name,process,process_id,parent_process_id\r\n",
        "remote_process_instantiation_via_winrm_and_powershell_script_block,4104,\"Invoke-Command -ComputerName srv01 {\n whoami\n}\",ws01.corp.local,S-1-5-21-1-1001,2,2024-10-21T11:31:57,2024-10-21T11:35:00,,,,,,,\r\n",
        "remote_process_instantiation_via_winrm_and_powershell,,,,,1,2024-10-21T11:31:57,2024-10-21T11:31:57,ws01,CORP\\alice,cmd.exe,powershell.exe,\"powershell -c \"\"Invoke-Command -ComputerName srv01 {hostname}\"\", x\",0xf84,null\r\n",
    );
    assert_eq!(csv, want);
}

#[test]
fn json_rows_hold_exactly_the_splunk_columns() {
    let v: serde_json::Value =
        serde_json::from_str(&render_json(&results(), None).unwrap()).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "the suppressed row is not exported");
    let a = rows[0].as_object().unwrap();
    let keys: Vec<&str> = a.keys().map(String::as_str).collect();
    let q = query(SB);
    let mut want_keys = vec!["analytic"];
    want_keys.extend(q.columns.iter().map(String::as_str));
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    want_keys.sort();
    assert_eq!(sorted_keys, want_keys);
    assert_eq!(a["analytic"], SB);
    assert_eq!(a["EventCode"], "4104");
    assert_eq!(a["ScriptBlockText"], TEXT1);
    assert_eq!(a["Computer"], "ws01.corp.local");
    assert_eq!(a["user_id"], "S-1-5-21-1-1001");
    assert_eq!(a["count"], 2);
    assert_eq!(a["firstTime"], "2024-10-21T11:31:57");
    assert_eq!(a["lastTime"], "2024-10-21T11:35:00");
    let b = rows[1].as_object().unwrap();
    assert_eq!(b.len(), 11);
    assert_eq!(b["process"], CMD);
    assert_eq!(b["user"], "CORP\\alice");
    assert_eq!(b["process_id"], "0xf84");
    assert_eq!(b["parent_process_id"], "null");
    assert_eq!(b["count"], 1);

    let r = &results()[1];
    let tokyo = parse_tz("Asia/Tokyo").unwrap();
    let row = row_json(&r.query, &r.groups[0], Some(tokyo));
    assert_eq!(row["firstTime"], "2024-10-21T20:31:57");
    assert_eq!(row["dest"], "ws01");
}

// ---------- hostile text in every format ----------

/// OSC title, OSC 52 clipboard write, CSI, BEL, C1 CSI (U+009B), DEL and a bidi override.
const HOSTILE: &str = "Invoke-Command -ComputerName x {\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{9b}31m\u{7f}} # \u{202E}fdp.exe\r\n";

fn hostile_rows() -> Vec<HuntResult> {
    vec![
        HuntResult {
            query: query(SB),
            groups: vec![g(
                SB,
                &["4104", HOSTILE, "ws\u{1b}]0;x\u{7}01", "S-1-5-18"],
                1,
                "2024-10-21T11:31:57Z",
                "2024-10-21T11:31:57Z",
            )],
            dropped: vec![],
            suppressed: BTreeMap::new(),
        },
        HuntResult {
            query: query(PROC),
            groups: vec![g(
                PROC,
                &[
                    "ws01",
                    "=HYPERLINK(\"http://x\")",
                    "cmd.exe",
                    "powershell.exe",
                    "-ComputerName srv01 @SUM(1)",
                    "+1",
                    "null",
                ],
                1,
                "2024-10-21T11:31:57Z",
                "2024-10-21T11:31:57Z",
            )],
            dropped: vec![],
            suppressed: BTreeMap::new(),
        },
    ]
}

/// No control character but the CRLF record ends (or `\n` line ends), no bidi, no C1.
fn assert_inert(out: &str, line_end: &str) {
    let body = out.replace(line_end, "");
    assert!(
        !body.chars().any(huntbench::sanitize::is_hazard),
        "raw control or bidi character in {out:?}"
    );
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_is_inert_and_formula_guarded_unless_exact() {
    let safe = render_csv(&hostile_rows(), None, CsvMode::Safe).unwrap();
    assert_inert(&safe, "\r\n");
    let recs = csv_records(&safe);
    assert_eq!(
        recs[1][2],
        "Invoke-Command -ComputerName x {␛]0;pwned␇␛]52;c;cHduZWQ=␇␛[2J<U+009B>31m␡} # <U+202E>fdp.exe⏎"
    );
    assert_eq!(recs[1][3], "ws␛]0;x␇01");
    // OWASP: cells led by = + - @ get a `'`; the rest is untouched.
    let p = &recs[2];
    assert_eq!(p[9], "'=HYPERLINK(\"http://x\")");
    assert_eq!(p[12], "'-ComputerName srv01 @SUM(1)");
    assert_eq!(p[13], "'+1");
    assert_eq!((p[5].as_str(), p[14].as_str()), ("1", "null"));

    let exact = render_csv(&hostile_rows(), None, CsvMode::Exact).unwrap();
    let recs = csv_records(&exact);
    assert_eq!(recs[1][2], HOSTILE);
    assert_eq!(recs[1][3], "ws\u{1b}]0;x\u{7}01");
    assert_eq!(recs[2][9], "=HYPERLINK(\"http://x\")");
    assert_eq!(recs[2][12], "-ComputerName srv01 @SUM(1)");
}

#[test]
fn tables_in_both_layouts_are_inert() {
    for layout in [Layout::Auto, Layout::Expanded] {
        for width in [80, 300] {
            let opts = TableOptions {
                layout,
                ..TableOptions::new(width)
            };
            let out = render_table(&hostile_rows(), None, &opts);
            assert_inert(&out, "\n");
            assert!(out.contains("␛]52;c;cHduZWQ=␇"), "{out}");
        }
    }
}

#[test]
fn json_keeps_the_exact_text_with_hazards_escaped() {
    let json = render_json(&hostile_rows(), None).unwrap();
    assert_inert(&json, "\n");
    assert!(json.contains("\\u001b]0;pwned\\u0007"), "{json}");
    assert!(
        json.contains("\\u009b31m\\u007f} # \\u202efdp.exe\\r\\n"),
        "{json}"
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["ScriptBlockText"], HOSTILE);
    assert_eq!(v[0]["Computer"], "ws\u{1b}]0;x\u{7}01");
    assert_eq!(
        v[1]["user"], "=HYPERLINK(\"http://x\")",
        "JSON has no formula guard"
    );
}

#[test]
fn json_is_typed_missing_is_null_and_splunks_null_string_stays() {
    let ext = builtin_queries()
        .into_iter()
        .find(|q| q.id == "winrm_remoting_extended")
        .unwrap();
    // by: technique, log, escu, Computer, user, user_source, user_id, targets, text
    let r = HuntResult {
        query: ext.clone(),
        groups: vec![
            g(
                &ext.id,
                &[
                    "icm alias",
                    "4104 script block",
                    "false",
                    "ws01",
                    "",
                    "",
                    "",
                    "",
                    "icm srv01 {}",
                ],
                144,
                "2024-10-21T11:31:57Z",
                "2024-10-21T11:31:57Z",
            ),
            g(
                &ext.id,
                &[
                    "Invoke-Command",
                    "Sysmon 1",
                    "true",
                    "ws01",
                    "CORP\\alice",
                    "Security 4624 on DC01",
                    "S-1-5-21-1-2-3-1104",
                    "srv01, srv02",
                    "Invoke-Command -ComputerName srv01,srv02 {}",
                ],
                1,
                "2024-10-21T11:31:57Z",
                "2024-10-21T11:31:57Z",
            ),
        ],
        dropped: vec![],
        suppressed: BTreeMap::new(),
    };
    let v: serde_json::Value =
        serde_json::from_str(&render_json(&[r, results().remove(1)], None).unwrap()).unwrap();
    let a = &v[0];
    assert_eq!(a["count"], 144);
    assert_eq!(a["escu"], false);
    for k in ["user", "user_source", "user_id"] {
        assert!(a[k].is_null(), "{k}: {}", a[k]);
    }
    assert_eq!(a["targets"], serde_json::json!([]));
    let b = &v[1];
    assert_eq!(b["escu"], true);
    assert_eq!(b["user_id"], "S-1-5-21-1-2-3-1104");
    assert_eq!(b["targets"], serde_json::json!(["srv01", "srv02"]));
    // The process analytic's fillnull_value=null: Splunk's string, kept as Splunk has it.
    assert_eq!(v[2]["parent_process_id"], "null");
}
