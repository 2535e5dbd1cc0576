//! Hunt results rendered: JSON rows, CSV and the terminal table, asserted cell by cell.

use std::collections::BTreeMap;

use huntbench::analytics::{
    Dropped, Exclusion, ExclusionOp, Group, HuntResult, SavedQuery, apply_exclusions,
    builtin_queries, render_csv, render_json, render_table, row_json,
};
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
    let out = render_table(&results(), None, 200);
    let blocks: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        lines_of(blocks[0]),
        [
            "== Remote Process Instantiation via WinRM and PowerShell Script Block (remote_process_instantiation_via_winrm_and_powershell_script_block) [parity] ==",
            "EventCode  ScriptBlockText                                 Computer         user_id          count  firstTime            lastTime",
            "─────────  ──────────────────────────────────────────────  ───────────────  ───────────────  ─────  ───────────────────  ───────────────────",
            "4104       Invoke-Command -ComputerName srv01 {⏎ whoami⏎}  ws01.corp.local  S-1-5-21-1-1001  2      2024-10-21T11:31:57  2024-10-21T11:35:00",
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

#[test]
fn table_fits_the_width_cutting_text_columns_first() {
    let out = render_table(&results()[..1], None, 100);
    let lines = lines_of(&out);
    assert!(
        lines
            .iter()
            .all(|l| unicode_width::UnicodeWidthStr::width(*l) <= 100),
        "{out}"
    );
    assert!(lines[0].ends_with('…'));
    assert_eq!(
        lines[1],
        "EventCode  ScriptBlock…  Computer      user_id       count  firstTime            lastTime"
    );
    assert_eq!(
        lines[3],
        "4104       Invoke-Comm…  ws01.corp.l…  S-1-5-21-1-…  2      2024-10-21T11:31:57  2024-10-21T11:35:00"
    );
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
    let out = render_table(std::slice::from_ref(&r), Some(berlin), 300);
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
            80
        )
        .lines()
        .nth(1),
        Some("(no rows)")
    );
}

#[test]
fn csv_is_rfc4180_with_full_text() {
    let csv = render_csv(&results(), None);
    let want = concat!(
        "analytic,EventCode,ScriptBlockText,Computer,user_id,count,firstTime,lastTime,dest,user,parent_process_name,process_name,process,process_id,parent_process_id\r\n",
        "remote_process_instantiation_via_winrm_and_powershell_script_block,4104,\"Invoke-Command -ComputerName srv01 {\n whoami\n}\",ws01.corp.local,S-1-5-21-1-1001,2,2024-10-21T11:31:57,2024-10-21T11:35:00,,,,,,,\r\n",
        "remote_process_instantiation_via_winrm_and_powershell,,,,,1,2024-10-21T11:31:57,2024-10-21T11:31:57,ws01,CORP\\alice,cmd.exe,powershell.exe,\"powershell -c \"\"Invoke-Command -ComputerName srv01 {hostname}\"\", x\",0xf84,null\r\n",
    );
    assert_eq!(csv, want);
}

#[test]
fn json_rows_hold_exactly_the_splunk_columns() {
    let v: serde_json::Value = serde_json::from_str(&render_json(&results(), None)).unwrap();
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
