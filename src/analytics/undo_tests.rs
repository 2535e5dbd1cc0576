//! The exclusion store's undo: recorded in the file, so another process (or a restart) undoes.

use super::AnalyticsError;
use super::model::ExclusionOp;
use super::store::{ChangeKind, ExclusionStore, Undone};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

fn eq(v: &str) -> ExclusionOp {
    ExclusionOp::Equals(v.into())
}

#[test]
fn undo_takes_back_an_add_from_another_process_and_never_reuses_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut a = ExclusionStore::open(&path).unwrap();
    a.add(SB, "Computer", eq("MGMT01"), Some("jump host"))
        .unwrap();
    a.add(SB, "Computer", eq("WS-HR-03"), None).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[last_change]\nkind = \"add\"\nid = \"x2\""),
        "{text}"
    );

    // Another process opens the file and undoes.
    let mut b = ExclusionStore::open(&path).unwrap();
    let done = b.undo().unwrap();
    assert!(matches!(&done, Undone::Add(x) if x.id == "x2"), "{done:?}");
    assert_eq!(done.line(), "undid the add of x2: removed it");
    let ids: Vec<String> = ExclusionStore::open(&path)
        .unwrap()
        .list()
        .iter()
        .map(|x| x.id.clone())
        .collect();
    assert_eq!(ids, vec!["x1"]);
    // Once: a second undo has nothing to take back, and the file is not rewritten.
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(matches!(b.undo(), Err(AnalyticsError::NothingToUndo(_))));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    // x2 is spent: the next add is x3.
    assert_eq!(
        b.add(SB, "Computer", eq("WS-FIN-07"), None).unwrap().id,
        "x3"
    );
}

#[test]
fn undo_of_a_delete_restores_the_same_id_note_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut s = ExclusionStore::open(&path).unwrap();
    for v in ["a", "b", "c"] {
        s.add(SB, "Computer", eq(v), Some(&format!("note {v}")))
            .unwrap();
    }
    s.set_enabled("x2", false).unwrap();
    let gone = s.remove("x2").unwrap();
    assert_eq!(s.last_change().map(|c| c.kind), Some(ChangeKind::Delete));
    let mut other = ExclusionStore::open(&path).unwrap();
    let done = other.undo().unwrap();
    assert_eq!(done, Undone::Delete(gone.clone()));
    assert_eq!(done.line(), "undid the delete of x2: x2 is back");
    let list = ExclusionStore::open(&path).unwrap().list().to_vec();
    let ids: Vec<&str> = list.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, vec!["x1", "x2", "x3"]);
    assert_eq!(list[1], gone, "same id, note, state and creation time");
    assert!(!list[1].enabled);
    assert_eq!(other.add(SB, "Computer", eq("d"), None).unwrap().id, "x4");
}

#[test]
fn undo_refuses_when_the_file_changed_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut s = ExclusionStore::open(&path).unwrap();
    s.add(SB, "Computer", eq("a"), None).unwrap();
    // Hand-deleted since: the add cannot be taken back, and that is said.
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("[[exclusion]]").unwrap();
    let end = text.find("[last_change]").unwrap();
    std::fs::write(&path, format!("{}{}", &text[..cut], &text[end..])).unwrap();
    let e = s.undo().unwrap_err().to_string();
    assert!(
        e.contains("cannot undo the add of x1: it is no longer in the file"),
        "{e}"
    );
    // Nothing recorded at all: a fresh store.
    let fresh = dir.path().join("fresh.toml");
    let e = ExclusionStore::open(&fresh).unwrap().undo().unwrap_err();
    assert_eq!(
        e.to_string(),
        "nothing to undo: no add or delete is recorded since the last undo"
    );
    assert!(!fresh.exists(), "a failed undo writes nothing");
}
