//! The search language end to end over a real index: boolean structure around exact
//! `field="*x*"` comparisons, field wildcards, quoting, time clauses, totals and field names.
//! Every query here was a syntax error, a silent 0 or a wrong answer before the query tree.

use std::collections::BTreeMap;

use huntbench::analytics::search::{Clause, Compare, SearchExpr, parse};
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::index::{Index, IndexError};
use huntbench::time::{TimeRange, parse_timestamp};

const MIN: i64 = 60_000_000;

fn t0() -> i64 {
    parse_timestamp("2024-10-21T11:00:00Z").unwrap()
}

/// Event number `n` happens `n` minutes after 11:00 and has record id `n`.
fn base(n: u64, code: u32, channel: &str, computer: &str) -> Event {
    Event {
        time: t0() + n as i64 * MIN,
        event_code: code,
        channel: channel.into(),
        computer: computer.into(),
        record_id: Some(n),
        ..Default::default()
    }
}

fn script(n: u64, computer: &str, sid: &str, text: &str) -> Event {
    Event {
        user_id: Some(sid.into()),
        script_block_text: Some(text.into()),
        ..base(n, 4104, CHANNEL_POWERSHELL, computer)
    }
}

fn process(n: u64, computer: &str, user: &str, cmd: &str) -> Event {
    Event {
        user: Some(user.into()),
        process: Some(cmd.into()),
        process_name: Some(cmd.split(' ').next().unwrap().into()),
        ..base(n, 1, CHANNEL_SYSMON, computer)
    }
}

fn data(e: Event, pairs: &[(&str, &str)]) -> Event {
    let data: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Event { data, ..e }
}

fn corpus() -> (tempfile::TempDir, Index) {
    corpus_in(1)
}

/// The corpus committed in `parts` commits (one segment each until a merge).
fn corpus_in(parts: usize) -> (tempfile::TempDir, Index) {
    let sid = "S-1-5-21-1-2-3-1104";
    let events = [
        script(
            1,
            "WS01.corp.local",
            sid,
            "Invoke-Command -ComputerName SRV01 -ScriptBlock { whoami }",
        ),
        script(2, "ws02.corp.local", sid, "Get-Process | Sort-Object CPU"),
        script(3, "WS03.CORP.LOCAL", sid, "$x = 'Invoke-CommandX'"),
        process(
            4,
            "ws01.corp.local",
            r"CORP\j.miller",
            "powershell.exe -nop -c Invoke-Command -ComputerName srv02 {hostname}",
        ),
        process(5, "SRV01", r"CORP\svc_backup", "cmd.exe /c whoami"),
        data(
            base(6, 4624, CHANNEL_SECURITY, "DC01.corp.local"),
            &[
                ("TargetUserName", "j.miller"),
                ("LogonType", "3"),
                ("IpAddress", "10.0.0.5"),
            ],
        ),
        // Classic `Windows PowerShell` 800: unnamed EventData, as the readers number it.
        data(
            base(7, 800, "Windows PowerShell", "ws01.corp.local"),
            &[
                ("Data_1", "Invoke-Command -ComputerName srv03 { ipconfig }"),
                ("Data_2", "DetailSequence=1\r\nHostName=ConsoleHost"),
                (
                    "Data_3",
                    "CommandInvocation(Invoke-Command): \"Invoke-Command\"",
                ),
            ],
        ),
        script(8, "WS01", "S-1-5-18", "whoami"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    let mut w = index.writer().unwrap();
    for chunk in events.chunks(events.len().div_ceil(parts)) {
        for e in chunk {
            w.add(e, &[]).unwrap();
        }
        w.commit(&BTreeMap::new()).unwrap();
    }
    drop(w);
    index.reload().unwrap();
    (tmp, index)
}

/// Record ids of every match, newest first; the total must agree.
fn ids(index: &Index, q: &str) -> Vec<u64> {
    let hits = index
        .search(q, TimeRange::ALL, 100, None)
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    assert_eq!(hits.total as usize, hits.events.len(), "{q}");
    hits.events.iter().map(|e| e.record_id.unwrap()).collect()
}

fn refused(index: &Index, q: &str) -> String {
    match index.search(q, TimeRange::ALL, 100, None) {
        Err(IndexError::BadQuery(m)) => m,
        other => panic!("{q}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn boolean_operators_combine_with_exact_comparisons() {
    let (_t, index) = corpus();
    assert_eq!(
        ids(&index, r#"event_code:800 AND Message="*Invoke-Command*""#),
        [7]
    );
    assert_eq!(
        ids(
            &index,
            r#"event_code:4104 AND ScriptBlockText="*invoke-command*""#
        ),
        [3, 1],
        "inside words too (Invoke-CommandX), as Splunk"
    );
    // NOT and `-` hold where the field is missing; `!=` needs the field.
    assert_eq!(
        ids(&index, r#"NOT ScriptBlockText="*invoke-command*""#),
        [8, 7, 6, 5, 4, 2]
    );
    assert_eq!(
        ids(&index, r#"-ScriptBlockText="*invoke-command*""#),
        [8, 7, 6, 5, 4, 2]
    );
    assert_eq!(
        ids(&index, r#"ScriptBlockText!="*invoke-command*""#),
        [8, 2]
    );
    assert_eq!(
        ids(&index, r#"event_code:1 OR ScriptBlockText="*sort-object*""#),
        [5, 4, 2]
    );
    assert_eq!(
        ids(
            &index,
            r#"(computer:srv01 OR process="*-ComputerName srv02*") AND NOT user:"CORP\svc_backup""#
        ),
        [4]
    );
    assert_eq!(
        ids(
            &index,
            r#"event_code:4104 NOT (ScriptBlockText="*whoami*" OR computer:ws02.corp.local)"#
        ),
        [3]
    );
    // `Message` of a script block or process event without EventData is its text.
    assert_eq!(ids(&index, r#"Message="*invoke-command*""#), [7, 4, 3, 1]);
    // `data`: any one EventData value.
    assert_eq!(ids(&index, r#"data="10.0.0.*""#), [6]);
    assert_eq!(ids(&index, r#"data="invoke-command*""#), [7]);
    assert_eq!(ids(&index, r#"data!="j.miller""#), [7]);
    let m = refused(&index, "data:*10.0*");
    assert!(m.contains(r#"data="*10.0*""#), "{m}");
    // Raw EventData names, and `IN` lists.
    assert_eq!(ids(&index, r#"LogonType=3 TargetUserName="j.*""#), [6]);
    assert_eq!(
        ids(&index, r#"Computer IN ("srv01", dc01.corp.local)"#),
        [6, 5]
    );
    assert_eq!(ids(&index, "event_code:1 NOT Computer IN (srv01)"), [4]);
}

#[test]
fn field_wildcards_work_on_keywords_and_are_refused_on_text() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, "computer:*corp.local"), [7, 6, 4, 3, 2, 1]);
    assert_eq!(ids(&index, r"user:corp\*"), [5, 4]);
    assert_eq!(ids(&index, "Computer=\"ws0*\""), [8, 7, 4, 3, 2, 1]);
    assert_eq!(ids(&index, "computer:*"), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(ids(&index, "NOT computer:ws0*"), [6, 5]);
    let m = refused(&index, "script_block_text:*invoke*");
    assert!(m.contains(r#"script_block_text="*invoke*""#), "{m}");
    let m = refused(&index, "ScriptBlockText:invoke*");
    assert!(m.contains(r#"script_block_text="invoke*""#), "{m}");
    let m = refused(&index, "*invoke*");
    assert!(m.contains("needs a field"), "{m}");
    let m = refused(&index, "event_code:41*");
    assert!(m.contains("is a number"), "{m}");
}

#[test]
fn quoted_values_keep_their_backslashes() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, r#"user:"CORP\j.miller""#), [4]);
    assert_eq!(ids(&index, r"user:CORP\j.miller"), [4]);
    assert_eq!(ids(&index, r#"user:"corp\\J.MILLER""#), [4], "\\\\ is one");
    assert_eq!(ids(&index, r#"user="CORP\j.miller""#), [4]);
    assert_eq!(ids(&index, r#"process="*{hostname}*""#), [4]);
}

#[test]
fn time_clauses_and_the_time_range_intersect() {
    let (_t, index) = corpus();
    assert_eq!(
        ids(&index, "time:[2024-10-21T11:02:00 TO 2024-10-21T11:05:00]"),
        [5, 4, 3, 2]
    );
    assert_eq!(
        ids(&index, "time:{2024-10-21T11:02:00 TO 2024-10-21T11:05:00}"),
        [4, 3]
    );
    assert_eq!(ids(&index, "time:>=2024-10-21T11:06:00"), [8, 7, 6]);
    assert_eq!(
        ids(
            &index,
            "time:<2024-10-21T11:02:00 OR time:>2024-10-21T11:07:00"
        ),
        [8, 1]
    );
    assert_eq!(
        ids(&index, "time:[2024-10-21T11:07:00 TO *] event_code:4104"),
        [8]
    );
    assert_eq!(
        ids(&index, "time:>=-1h"),
        Vec::<u64>::new(),
        "relative: now"
    );
    let range = TimeRange {
        earliest: None,
        latest: Some(t0() + 8 * MIN),
    };
    let hits = index
        .search(
            "event_code:4104 AND time:>=2024-10-21T11:02:00",
            range,
            10,
            None,
        )
        .unwrap();
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!((hits.total, got), (2, vec![3, 2]));
    let m = refused(&index, "time:2024-10-21");
    assert!(m.contains("time:[") && m.contains("takes a range"), "{m}");
}

#[test]
fn totals_count_every_match_past_the_limit() {
    let (_t, index) = corpus();
    let hits = index
        .search(r#"Message="*invoke-command*""#, TimeRange::ALL, 2, None)
        .unwrap();
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!((hits.total, got), (4, vec![7, 4]));
    let hits = index
        .search(r#"NOT ScriptBlockText="*invoke*""#, TimeRange::ALL, 0, None)
        .unwrap();
    assert_eq!((hits.total, hits.events.len()), (6, 0));
    // A limit past the index size is "all of them", not a heap of that size.
    let hits = index.search("", TimeRange::ALL, usize::MAX, None).unwrap();
    assert_eq!((hits.total, hits.events.len()), (8, 8));
}

#[test]
fn field_names_splunk_or_normalized_and_unknown_ones_refused() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, "Computer:WS01"), [8]);
    assert_eq!(ids(&index, "EventCode:800"), [7]);
    assert_eq!(ids(&index, "EventCode=800"), [7]);
    assert_eq!(ids(&index, "dest:srv01"), [5]);
    let m = refused(&index, "nosuch:x");
    for name in ["computer", "script_block_text", "event_code", "user"] {
        assert!(m.contains(name), "{m}");
    }
    assert!(m.contains(r#"nosuch="…""#), "{m}");
    let m = refused(&index, r#"computer:"ws01"#);
    assert!(m.contains("unterminated quote"), "{m}");
}

#[test]
fn parse_builds_the_tree_with_the_usual_precedence() {
    let m = |f: &str, v: &str| {
        SearchExpr::Clause(Clause::Match {
            field: Some(f.into()),
            value: v.into(),
        })
    };
    let w = |v: &str| {
        SearchExpr::Clause(Clause::Match {
            field: None,
            value: v.into(),
        })
    };
    assert_eq!(parse("", 0).unwrap(), SearchExpr::All);
    assert_eq!(
        parse("a OR b c", 0).unwrap(),
        SearchExpr::Or(vec![w("a"), SearchExpr::And(vec![w("b"), w("c")])])
    );
    assert_eq!(
        parse("NOT a AND -b", 0).unwrap(),
        SearchExpr::And(vec![
            SearchExpr::Not(Box::new(w("a"))),
            SearchExpr::Not(Box::new(w("b")))
        ])
    );
    assert_eq!(
        parse("Computer:(ws01 OR \"ws 02\")", 0).unwrap(),
        SearchExpr::Or(vec![m("computer", "ws01"), m("computer", "ws 02")])
    );
    assert_eq!(
        parse(r#"ScriptBlockText="*a \"b\" \\c \d*""#, 0).unwrap(),
        SearchExpr::Clause(Clause::Compare(Compare::new(
            "script_block_text",
            r#"*a "b" \c \d*"#,
            false
        )))
    );
    for bad in [
        "(a",
        "a)",
        "a AND",
        "OR a",
        r#"x="a"#,
        "Computer IN ()",
        "x= y",
        "time:",
    ] {
        assert!(parse(bad, 0).is_err(), "{bad}");
    }
}

#[test]
fn an_ingested_800_event_is_found_by_its_message() {
    use huntbench::analytics::builtin_queries;
    use huntbench::pipeline::{IngestOptions, ingest};
    let tmp = tempfile::tempdir().unwrap();
    // Splunk XmlWinEventLog (unnamed <Data>) and an nxlog record carrying its Message.
    let xml = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
<Provider Name='PowerShell'/><EventID Qualifiers='0'>800</EventID>\
<TimeCreated SystemTime='2024-10-21T11:30:15.1097170Z'/><EventRecordID>44</EventRecordID>\
<Channel>Windows PowerShell</Channel><Computer>WS-FIN-07.corp.local</Computer><Security/></System>\
<EventData><Data>Invoke-Command -ComputerName srv01 { whoami }</Data>\
<Data>DetailSequence=1&#13;&#10;HostName=ConsoleHost</Data>\
<Data>CommandInvocation(Invoke-Command): &quot;Invoke-Command&quot;</Data></EventData></Event>\n";
    let flat = r#"{"EventID":800,"Channel":"Windows PowerShell","Hostname":"ws6","RecordNumber":1448,"@timestamp":"2020-08-06T15:56:34.000Z","EventType":"INFO","Message":"Pipeline execution details for command line: Invoke-Command -ComputerName ws7 {1}","ExecutionProcessID":1}"#;
    let (a, b) = (tmp.path().join("ps.xml"), tmp.path().join("nx.json"));
    std::fs::write(&a, xml).unwrap();
    std::fs::write(&b, format!("{flat}\n")).unwrap();
    let index = Index::create_or_open(&tmp.path().join("index")).unwrap();
    let s = ingest(
        &index,
        &builtin_queries(),
        vec![a, b],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(s.indexed, 2, "{s:?}");
    index.reload().unwrap();
    let hits = index
        .search(
            r#"event_code:800 AND Message="*Invoke-Command*""#,
            TimeRange::ALL,
            10,
            None,
        )
        .unwrap();
    let hosts: Vec<&str> = hits.events.iter().map(|e| e.computer.as_str()).collect();
    assert_eq!(
        (hits.total, hosts),
        (2, vec!["WS-FIN-07.corp.local", "ws6"])
    );
    let hits = index
        .search(
            r#"Message="*HostName=ConsoleHost*""#,
            TimeRange::ALL,
            10,
            None,
        )
        .unwrap();
    assert_eq!(hits.total, 1);
}

#[test]
fn numeric_fields_take_whole_numbers_and_ranges() {
    let (_t, index) = corpus();
    assert_eq!(ids(&index, "event_code:[1 TO 800]"), [7, 5, 4]);
    assert_eq!(ids(&index, "record_id:>=7"), [8, 7]);
    assert_eq!(ids(&index, "record_id:<2 OR record_id:{6 TO 8}"), [7, 1]);
    let m = refused(&index, "event_code:abc");
    assert!(m.contains("event_code holds whole numbers"), "{m}");
    let m = refused(&index, "record_id:[1 TO x]");
    assert!(m.contains("record_id holds whole numbers"), "{m}");
    let m = refused(&index, "computer:[a TO b]");
    assert!(m.contains("ranges work on numbers"), "{m}");
}

#[test]
fn several_segments_give_the_same_answers() {
    // Exact comparisons are collected segment by segment on threads: same events, same order.
    let (_a, one) = corpus_in(1);
    let (b, three) = corpus_in(3);
    let stores = std::fs::read_dir(b.path().join("index"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension() == Some("store".as_ref()))
        .count();
    assert!(stores >= 2, "{stores} segments");
    for q in [
        r#"Message="*invoke-command*""#,
        r#"NOT ScriptBlockText="*invoke-command*""#,
        r#"event_code:1 OR ScriptBlockText="*sort-object*""#,
        "computer:*corp.local",
    ] {
        assert_eq!(ids(&three, q), ids(&one, q), "{q}");
    }
    let hits = three
        .search(r#"Message="*invoke-command*""#, TimeRange::ALL, 3, None)
        .unwrap();
    let got: Vec<u64> = hits.events.iter().map(|e| e.record_id.unwrap()).collect();
    assert_eq!((hits.total, got), (4, vec![7, 4, 3]));
}

#[test]
fn parse_and_search_never_panic_on_odd_text() {
    // Pieces that stress the lexer's byte handling: quotes, escapes, brackets, operators,
    // multi-byte characters next to every delimiter.
    let pieces = [
        "\"", "\\", "(", ")", "[", "]", "{", "}", ":", "=", "!=", "-", "+", "*", "/", " ", "\t",
        "AND", "OR", "NOT", "IN", "TO", "time", "computer", "é", "İ", "𝄞", "–", "x", ",", ">=",
        "<", "Message",
    ];
    let (_t, index) = corpus();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..20_000 {
        let mut q = String::new();
        for _ in 0..(seed % 9) {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            q.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        seed = seed.rotate_left(7) ^ 0xa5a5;
        let parsed = parse(&q, 0);
        if i % 10 == 0 && parsed.is_ok() {
            let _ = index.search(&q, TimeRange::ALL, 5, None); // compiles and runs, or refuses
        }
    }
}
