//! Exclusion stores that a careless edit or a hostile hand can produce: huge, near the id limit,
//! holding a pattern too long to match in reasonable time. Each is read or refused cleanly.

use std::fmt::Write;

use huntbench::analytics::{ExclusionOp, ExclusionStore};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";

fn entry(out: &mut String, n: u64, pattern: &str) {
    write!(
        out,
        "[[exclusion]]\nid = \"x{n}\"\nanalytic = \"{SB}\"\nfield = \"Computer\"\n\
         op = \"wildcard\"\nvalue = \"{pattern}\"\nenabled = true\ncreated = \"2026-12-01T00:00:00Z\"\n\n"
    )
    .unwrap();
}

#[test]
fn a_store_of_twenty_thousand_entries_reads_whole_and_a_duplicate_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut text = String::from("version = 1\nnext_id = 20001\n\n");
    for n in 1..=20_000 {
        entry(&mut text, n, &format!("host{n}*"));
    }
    std::fs::write(&path, &text).unwrap();
    let store = ExclusionStore::open(&path).unwrap();
    assert_eq!(store.list().len(), 20_000);
    assert_eq!(store.list()[19_999].id, "x20000");

    // The same id twice: refused, naming the first line that id stands on.
    entry(&mut text, 7, "again*");
    std::fs::write(&path, &text).unwrap();
    let err = ExclusionStore::open(&path).unwrap_err().to_string();
    let line = text.lines().position(|l| l == "id = \"x7\"").unwrap() + 1;
    assert!(
        err.contains(&format!("exclusion x7 (line {line}): duplicate id")),
        "{err}"
    );
}

#[test]
fn ids_at_the_64_bit_limit_are_refused_never_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut text = format!("version = 1\nnext_id = {}\n\n", u64::MAX);
    entry(&mut text, u64::MAX - 1, "a*");
    std::fs::write(&path, &text).unwrap();
    let mut store = ExclusionStore::open(&path).unwrap();
    let err = store
        .add(SB, "Computer", ExclusionOp::Equals("b".into()), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no exclusion id is left"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "file untouched"
    );

    // The largest id in use is the limit itself: the same refusal, no `x0` or `x1` duplicate.
    let mut text = String::from("version = 1\nnext_id = 1\n\n");
    entry(&mut text, u64::MAX, "a*");
    entry(&mut text, 1, "c*");
    std::fs::write(&path, &text).unwrap();
    let mut store = ExclusionStore::open(&path).unwrap();
    assert!(
        store
            .add(SB, "Computer", ExclusionOp::Equals("b".into()), None)
            .is_err()
    );
    assert_eq!(ExclusionStore::open(&path).unwrap().list().len(), 2);
}

#[test]
fn a_wildcard_pattern_past_the_limit_is_refused_with_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exclusions.toml");
    let mut store = ExclusionStore::open(&path).unwrap();
    let huge = "a*".repeat(5 * 1024 * 1024);
    let err = store
        .add(
            SB,
            "ScriptBlockText",
            ExclusionOp::Wildcard(huge.clone()),
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("at most 8192 bytes"), "{err}");
    assert!(err.contains(&huge.len().to_string()), "{err}");
    // At the limit it is taken.
    let edge = "b*".repeat(4096);
    store
        .add(SB, "ScriptBlockText", ExclusionOp::Wildcard(edge), None)
        .unwrap();
    // A hand-written store holding one is refused when read, naming the entry.
    let mut text = String::from("version = 1\nnext_id = 2\n\n");
    entry(&mut text, 1, &"c*".repeat(10_000));
    std::fs::write(&path, &text).unwrap();
    let err = ExclusionStore::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("exclusion x1 (line 5)"),
        "the line of its id: {err}"
    );
    assert!(err.contains("at most 8192 bytes"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_store_stays_private_and_a_symlinked_store_is_written_through_its_link() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let add = |store: &mut ExclusionStore, host: &str| {
        store
            .add(SB, "Computer", ExclusionOp::Equals(host.into()), None)
            .unwrap();
    };

    // A new file in a new folder: 0600 in 0700, whatever the umask lets through.
    let path = dir.path().join("new").join("exclusions.toml");
    let mut store = ExclusionStore::open(&path).unwrap();
    add(&mut store, "a");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    // A mode the user chose survives the next write (it used to be reset to 0644).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400 | 0o200)).unwrap();
    add(&mut store, "b");
    assert_eq!(mode(&path), 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    add(&mut store, "c");
    assert_eq!(mode(&path), 0o640);

    // The store is a link to a file kept elsewhere: the link stays, its target is updated.
    let real = dir.path().join("kept").join("case42.toml");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    let link = dir.path().join("linked.toml");
    symlink(&real, &link).unwrap();
    let mut store = ExclusionStore::open(&link).unwrap();
    add(&mut store, "d");
    add(&mut store, "e");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let reread = ExclusionStore::open(&real).unwrap();
    let ops: Vec<String> = reread
        .list()
        .iter()
        .map(|x| format!("{:?}", x.op))
        .collect();
    assert_eq!(ops, [r#"Equals("d")"#, r#"Equals("e")"#]);
    assert_eq!(mode(&real), 0o600);
}
