//! An index's answers do not depend on the order its events were read in: readers run in
//! parallel, so two ingests of one file deliver them differently. Here the order is reversed
//! outright and every row, `user_source` included, must come out the same.

mod cli_support;

use cli_support::run;
use huntbench::demo::{self, DemoOptions};

#[test]
fn the_same_events_in_reverse_order_give_the_same_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let events = demo::generate(&DemoOptions::default());
    let forward = root.join("forward.log");
    let backward = root.join("backward.log");
    demo::write_xml_lines(&events, &mut std::fs::File::create(&forward).unwrap()).unwrap();
    let reversed: Vec<_> = events.iter().rev().cloned().collect();
    demo::write_xml_lines(&reversed, &mut std::fs::File::create(&backward).unwrap()).unwrap();
    let mut answers = Vec::new();
    for (name, file) in [("a", &forward), ("b", &backward)] {
        let index = root.join(name);
        let index = index.to_str().unwrap();
        let (code, _, err) = run(
            root,
            &["ingest", "--index", index, file.to_str().unwrap()],
            None,
        );
        assert_eq!(code, 0, "{err}");
        let (code, out, err) = run(root, &["hunt", "--index", index, "--format", "json"], None);
        assert_eq!(code, 0, "{err}");
        answers.push(String::from_utf8(out).unwrap());
    }
    assert!(
        answers[0].contains("\"user_source\": \"Security"),
        "{:.300}",
        answers[0]
    );
    if answers[0] != answers[1] {
        let (a, b) = (&answers[0], &answers[1]);
        let line = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "line {}: forward {:?} / backward {:?}",
            line + 1,
            a.lines().nth(line),
            b.lines().nth(line)
        );
    }
}
