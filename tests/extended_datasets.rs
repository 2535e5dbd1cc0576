//! Precision on the real public logs in ../shared/datasets (read in place, never copied).
//!
//! The JSON renderings (evtx_dump, Security-Datasets flat JSON) are read with a small flattener
//! here so this test does not depend on the ingest module.

mod datasets_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use huntbench::event::Event;
use huntbench::extended::{SidNames, detect, hunt, is_candidate, reassemble};
use huntbench::time::parse_timestamp;
use serde_json::Value;

fn datasets() -> Option<PathBuf> {
    datasets_support::datasets(module_path!())
}

fn flatten(v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::Object(_) if k == "EventID" => {
                        if let Some(t) = x.get("#text") {
                            out.insert(k.clone(), scalar(t));
                        }
                    }
                    Value::Object(_) | Value::Array(_) => flatten(x, out),
                    _ => {
                        out.insert(k.clone(), scalar(x));
                    }
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| flatten(x, out)),
        _ => {}
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn basename(p: &str) -> String {
    p.rsplit(['\\', '/']).next().unwrap_or(p).to_string()
}

fn to_event(f: BTreeMap<String, String>) -> Event {
    let get = |k: &str| f.get(k).filter(|s| !s.is_empty()).cloned();
    let time = get("SystemTime")
        .or(get("@timestamp"))
        .and_then(|t| parse_timestamp(&t))
        .unwrap_or(0);
    Event {
        time,
        event_code: get("EventID").and_then(|s| s.parse().ok()).unwrap_or(0),
        channel: get("Channel").unwrap_or_default(),
        computer: get("Computer").or(get("Hostname")).unwrap_or_default(),
        record_id: get("EventRecordID")
            .or(get("RecordNumber"))
            .and_then(|s| s.parse().ok()),
        user_id: get("UserID"),
        user: get("User"),
        script_block_text: get("ScriptBlockText"),
        script_block_id: get("ScriptBlockId"),
        message_number: get("MessageNumber").and_then(|s| s.parse().ok()),
        message_total: get("MessageTotal").and_then(|s| s.parse().ok()),
        process: get("CommandLine"),
        process_name: get("Image").or(get("NewProcessName")).map(|p| basename(&p)),
        parent_process_name: get("ParentImage")
            .or(get("ParentProcessName"))
            .map(|p| basename(&p)),
        original_file_name: get("OriginalFileName"),
        data: f,
        ..Default::default()
    }
}

fn load(root: &Path) -> Vec<Event> {
    let mut files = Vec::new();
    for dir in ["derived", "sigma-regression", "security-datasets"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for e in rd.flatten() {
                let p = e.path();
                let name = p.to_string_lossy().to_string();
                if name.ends_with(".json") || name.ends_with(".jsonl") {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    let mut events = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        parse_into(&text, &mut events);
    }
    // Security-Datasets ZIPs of NDJSON, read in memory.
    if let Ok(rd) = std::fs::read_dir(root.join("security-datasets")) {
        let mut zips: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "zip"))
            .collect();
        zips.sort();
        for z in zips {
            let Ok(file) = std::fs::File::open(&z) else {
                continue;
            };
            let Ok(mut archive) = zip::ZipArchive::new(file) else {
                continue;
            };
            for k in 0..archive.len() {
                let Ok(mut member) = archive.by_index(k) else {
                    continue;
                };
                let mut text = String::new();
                if std::io::Read::read_to_string(&mut member, &mut text).is_ok() {
                    parse_into(&text, &mut events);
                }
            }
        }
    }
    events
}

fn parse_into(text: &str, events: &mut Vec<Event>) {
    for v in serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .flatten()
    {
        let mut m = BTreeMap::new();
        flatten(&v, &mut m);
        events.push(to_event(m));
    }
}

#[test]
fn real_background_raises_only_the_real_remoting() {
    let Some(root) = datasets() else { return };
    let events = load(&root);
    assert!(events.len() > 1000, "loaded {}", events.len());
    let refs: Vec<&Event> = events.iter().collect();
    let scripts = refs.iter().filter(|e| e.is_script_block()).count();
    let candidates = refs.iter().filter(|e| is_candidate(e)).count();
    eprintln!(
        "{} events, {scripts} script-block events, {candidates} candidates",
        refs.len()
    );
    assert!(scripts > 200, "the PowerShell logs were read");
    let names = SidNames::from_events(&refs);
    let result = hunt(&refs, &names);
    for row in &result.rows {
        eprintln!(
            "{} {} {:?} {:?} {}",
            row.technique,
            row.escu,
            row.computer,
            row.targets,
            row.text.chars().take(120).collect::<String>()
        );
    }
    // Every row targets the local host through $env:COMPUTERNAME (the MANIFEST's real remoting),
    // except Covenant's 800 pipeline event, which binds WORKSTATION6.
    assert!(!result.rows.is_empty());
    for row in &result.rows {
        let want = if row.log == "800 pipeline" {
            "WORKSTATION6"
        } else {
            "?$env:COMPUTERNAME"
        };
        assert_eq!(row.targets, vec![want.to_string()], "{row:?}");
    }
    assert!(result.rows.iter().any(|r| r.log == "800 pipeline"));
    // The prefilter keeps every event detect() acts on: whole-text check per block.
    let scripts: Vec<&Event> = refs
        .iter()
        .copied()
        .filter(|e| e.is_script_block())
        .collect();
    for block in reassemble(&scripts) {
        if !detect(&block.text).is_empty() {
            for &u in &block.parts {
                let e = scripts.iter().find(|e| e.uid() == u).unwrap();
                assert!(is_candidate(e));
            }
        }
    }
}

/// The ingest prefilter may only drop what the analysis would find irrelevant: over every
/// real script block and command line, relevant implies candidate.
#[test]
fn the_prefilter_keeps_every_relevant_real_text() {
    let Some(root) = datasets() else { return };
    let events = load(&root);
    let mut relevant = 0;
    for e in &events {
        let r = huntbench::extended::is_relevant_event(e);
        if r {
            relevant += 1;
            assert!(is_candidate(e), "relevant but dropped: {e:?}");
        }
    }
    eprintln!("{relevant} relevant events, all candidates");
    assert!(relevant > 0, "the real remoting is relevant");
}
