//! Both ends of every hop, over the demo: the intruder's chain is one connected component
//! (with a hop only its target logged), and, over the ingested demo index, the inbound rows
//! equal the expected sessions and the edges join both ends with the spellings merged. Those
//! two need `Workbench::inbound_hunt` and the edges built on other branches: ignored until
//! merged.

mod demo_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use demo_support::{corpus, short};
use huntbench::analytics;
use huntbench::demo::{self, DemoOptions, world};
use huntbench::event::{CHANNEL_SYSMON, Event};
use huntbench::index::Index;
use huntbench::pipeline::{self, IngestOptions};
use huntbench::time::TimeRange;
use huntbench::workbench::Workbench;

#[test]
fn the_chain_is_one_connected_component_with_a_target_only_hop() {
    let (events, exp) = corpus();
    let edge = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        exp.chain,
        vec![
            edge(world::WS_FIN, world::SRV_FILE),
            edge(world::WS_FIN, world::SRV_DB),
            edge(world::SRV_FILE, world::DC),
            edge(world::WS_FIN, world::DC),
            edge(world::SRV_DB, world::DC),
        ]
    );
    // One component: every host reachable from the foothold.
    let mut reached = BTreeSet::from([world::WS_FIN.to_string()]);
    for _ in 0..exp.chain.len() {
        for (a, b) in &exp.chain {
            if reached.contains(a) || reached.contains(b) {
                reached.insert(a.clone());
                reached.insert(b.clone());
            }
        }
    }
    let hosts: BTreeSet<String> = exp
        .chain
        .iter()
        .flat_map(|(a, b)| [a.clone(), b.clone()])
        .collect();
    assert_eq!(reached, hosts);
    assert_eq!(hosts.len(), 4);
    // SRV-FILE02 → DC01 shows only on DC01: SRV-FILE02 logs no script block, and nothing
    // on SRV-FILE02 names DC01 or its address.
    let dc_ip = world::ip(world::DC);
    let on_file = |e: &&Event| e.computer == world::SRV_FILE;
    assert!(!events.iter().filter(on_file).any(|e| e.is_script_block()));
    let (lo, hi) = exp.intrusion_window;
    let leaks: Vec<_> = events
        .iter()
        .filter(on_file)
        .filter(|e| (lo..hi).contains(&e.time))
        .filter(|e| {
            let winrm_to_dc = e.channel == CHANNEL_SYSMON
                && e.event_code == 3
                && e.data.get("DestinationIp") == Some(&dc_ip)
                && e.data.get("DestinationPort").map(String::as_str) == Some("5985");
            let names_dc = e
                .process
                .as_deref()
                .is_some_and(|p| p.contains("DC01") || p.contains(&dc_ip));
            winrm_to_dc || (e.is_process_creation() && names_dc)
        })
        .collect();
    assert!(leaks.is_empty(), "{leaks:?}");
    let from_file: Vec<_> = exp
        .inbound
        .iter()
        .filter(|s| s.intruder && s.source == world::SRV_FILE)
        .collect();
    assert_eq!(from_file.len(), 1);
    assert_eq!(from_file[0].target, world::DC);
    assert_eq!(from_file[0].source_ip, world::ip(world::SRV_FILE));
}
fn demo_index(dir: &Path) -> Workbench {
    let events = demo::generate(&DemoOptions::default());
    let half = events.len() / 2;
    let write = |name: &str, part: &[Event], xml: bool| -> PathBuf {
        let path = dir.join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        if xml {
            demo::write_xml_lines(part, &mut f).unwrap();
        } else {
            demo::write_ndjson_evtx_dump(part, &mut f).unwrap();
        }
        path
    };
    // The same two formats `huntbench demo` writes.
    let paths = vec![
        write("forwarded.xmlwineventlog.log", &events[..half], true),
        write("collected.evtx_dump.jsonl", &events[half..], false),
    ];
    let index = Index::create_or_open(&dir.join("index")).unwrap();
    let queries = analytics::load_saved_queries(None).unwrap();
    pipeline::ingest(
        &index,
        &queries,
        paths,
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    Workbench::from_parts(index, queries, dir.join("exclusions.toml"))
}

#[test]
fn inbound_rows_equal_the_expected_sessions() {
    let tmp = tempfile::tempdir().unwrap();
    let wb = demo_index(tmp.path());
    let exp = demo::expected(&DemoOptions::default());
    let mut rows = wb.inbound_hunt(TimeRange::ALL).unwrap();
    rows.sort_by(|a, b| (&a.computer, a.first).cmp(&(&b.computer, b.first)));
    let mut want = exp.inbound.clone();
    want.sort_by(|a, b| (&a.target, a.first).cmp(&(&b.target, b.first)));
    assert_eq!(rows.len(), want.len());
    for (r, s) in rows.iter().zip(&want) {
        let at = format!("{} at {}", s.target, s.first);
        assert_eq!(r.computer, s.target, "{at}");
        assert!(
            r.user
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(&s.user)),
            "{at}: {:?}",
            r.user
        );
        // The source by name, however the logs spell it (WorkstationName or the address
        // mapped through the index).
        assert_eq!(
            r.source.as_deref().map(short),
            Some(short(&s.source)),
            "{at}"
        );
        assert_eq!(r.source_ip.as_deref(), Some(s.source_ip.as_str()), "{at}");
        assert_eq!(
            (r.first, r.last, r.count),
            (s.first, s.last, s.count),
            "{at}"
        );
        let kinds: BTreeSet<(String, u32)> = wb
            .events(&r.events)
            .unwrap()
            .iter()
            .map(|e| (e.channel.clone(), e.event_code))
            .collect();
        let want: BTreeSet<(String, u32)> = s.evidence.iter().cloned().collect();
        assert_eq!(kinds, want, "{at}");
        // Every child's command line, in order among the others; each `-enc` child is
        // followed by what it decodes to; the rest are script blocks the plugin host ran.
        let mut at_cmd = 0;
        for cmd in &s.commands {
            let found = r.commands[at_cmd..]
                .iter()
                .position(|got| got.starts_with(cmd.as_str()))
                .unwrap_or_else(|| panic!("{at}: {cmd} not in {:#?}", r.commands));
            at_cmd += found + 1;
            if cmd.contains(" -enc ") {
                assert!(
                    r.commands
                        .get(at_cmd)
                        .is_some_and(|d| d.starts_with("(decoded) ")),
                    "{at}: {:#?}",
                    r.commands
                );
            }
        }
        let children = s.commands.len();
        let decoded = r
            .commands
            .iter()
            .filter(|c| c.starts_with("(decoded) "))
            .count();
        let blocks = r.commands.len() - children - decoded;
        let ran_blocks = s
            .evidence
            .iter()
            .any(|(ch, code)| ch.ends_with("PowerShell/Operational") && *code == 4104);
        assert!(blocks == 0 || ran_blocks, "{at}: {:#?}", r.commands);
    }
}

#[test]
fn edges_form_one_chain_with_the_spellings_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let wb = demo_index(tmp.path());
    let exp = demo::expected(&DemoOptions::default());
    let report = wb.edges(TimeRange::ALL).unwrap();
    let edges: Vec<_> = report.edges.iter().filter(|e| !e.is_unresolved()).collect();
    // Every spelling of a chain host denotes it; others (automation targets) by short name.
    let canon = |name: &str| -> String {
        for (host, names) in &exp.spellings {
            if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return host.clone();
            }
        }
        short(name)
    };
    // Merged: each host appears under one spelling only.
    let mut spelled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in edges.iter() {
        for n in [&e.source, &e.target] {
            spelled
                .entry(canon(n))
                .or_default()
                .insert(n.to_lowercase());
        }
    }
    for (host, names) in &spelled {
        assert_eq!(names.len(), 1, "{host} spelled {names:?}");
    }
    let got: BTreeSet<(String, String)> = edges
        .iter()
        .map(|e| (canon(&e.source), canon(&e.target)))
        .collect();
    let chain: BTreeSet<(String, String)> = exp.chain.iter().cloned().collect();
    let automation: BTreeSet<(String, String)> = exp
        .inbound
        .iter()
        .filter(|s| !s.intruder)
        .map(|s| (short(&s.source), short(&s.target)))
        .collect();
    let intruder_edges: BTreeSet<(String, String)> = got
        .iter()
        .filter(|(a, b)| !automation.contains(&(short(a), short(b))))
        .cloned()
        .collect();
    assert_eq!(intruder_edges, chain);
    assert!(
        automation
            .iter()
            .all(|(a, b)| got.iter().any(|(x, y)| short(x) == *a && short(y) == *b))
    );
}
