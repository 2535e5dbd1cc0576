//! Opening an index: only ingest and the demo create one; everything else opens an existing
//! index or fails naming the path, creating nothing. And `stats` counts a channel once,
//! whatever the case its events spell it in.

use std::collections::BTreeMap;

use huntbench::event::{CHANNEL_SECURITY, CHANNEL_SYSMON, Event};
use huntbench::index::{Index, IndexError};

#[test]
fn open_existing_never_creates_and_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data").join("typo");
    let err = Index::open_existing(&dir).err().expect("no index there");
    assert!(matches!(&err, IndexError::Missing(p) if *p == dir), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("no huntbench index at {}", dir.display())),
        "{msg}"
    );
    assert!(msg.contains("huntbench ingest"), "{msg}");
    assert!(
        !tmp.path().join("data").exists(),
        "not even the parent was made"
    );

    // An empty directory holds no index either, and stays empty.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(matches!(
        Index::open_existing(&empty),
        Err(IndexError::Missing(_))
    ));
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);

    // Once created (as ingest does), it opens.
    Index::create_or_open(&dir).unwrap();
    assert!(Index::exists(&dir));
    assert_eq!(Index::open_existing(&dir).unwrap().num_events(), 0);
}

fn event(rid: u64, channel: &str, code: u32) -> Event {
    Event {
        time: 1_717_243_200_000_000 + rid as i64,
        event_code: code,
        channel: channel.into(),
        computer: "WS01".into(),
        record_id: Some(rid),
        ..Default::default()
    }
}

#[test]
fn stats_count_a_channel_once_whatever_its_case() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create_or_open(tmp.path()).unwrap();
    let events = [
        event(1, "security", 4624),
        event(2, "security", 4688),
        event(3, "Security", 4624),
        event(4, "SECURITY", 4634),
        event(5, "microsoft-windows-sysmon/operational", 1),
        // No known spelling: the most frequent one wins.
        event(6, "Custom/Log", 1),
        event(7, "custom/log", 1),
        event(8, "custom/log", 1),
    ];
    // Two commits: the spellings sit in different segments' dictionaries.
    let mut w = index.writer().unwrap();
    for (i, e) in events.iter().enumerate() {
        w.add(e, &[]).unwrap();
        if i == 3 {
            w.commit(&BTreeMap::new()).unwrap();
        }
    }
    w.commit(&BTreeMap::new()).unwrap();
    w.finish().unwrap();
    index.reload().unwrap();
    let s = index.stats().unwrap();
    let want: BTreeMap<String, u64> = [
        (CHANNEL_SECURITY, 4),
        (CHANNEL_SYSMON, 1),
        ("custom/log", 3),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(s.by_channel, want);
    assert_eq!(s.events, 8);
}
