//! The seed corpus of the cargo-fuzz targets in `fuzz/`, from the same seeds the stable harness
//! mutates. `HUNTBENCH_FUZZ_CORPUS=fuzz/corpus cargo test --test fuzz_corpus` writes it
//! (`fuzz/corpus` is ignored by git), with the small real .evtx files of ../shared/datasets
//! added for the `evtx` target when that folder is there. Without the variable the test only
//! checks the corpus is complete.

mod datasets_support;
mod fuzz_support;

use std::collections::BTreeMap;
use std::path::Path;

use fuzz_support::seeds;

/// Target name → (file name, bytes).
fn corpus() -> BTreeMap<&'static str, Vec<(String, Vec<u8>)>> {
    let named = |prefix: &str, items: Vec<String>| -> Vec<(String, Vec<u8>)> {
        items
            .into_iter()
            .enumerate()
            .map(|(i, s)| (format!("{prefix}{i}"), s.into_bytes()))
            .collect()
    };
    let mut powershell = named(
        "script",
        seeds::SCRIPTS.iter().map(|s| s.to_string()).collect(),
    );
    powershell.extend(named("cmdline", seeds::command_lines()));
    let mut patterns = named(
        "pattern",
        seeds::PATTERNS.iter().map(|s| s.to_string()).collect(),
    );
    patterns.extend(named(
        "query",
        seeds::QUERIES.iter().map(|s| s.to_string()).collect(),
    ));
    let mut evtx = vec![("chunk_signature".to_string(), b"ElfChnk\0".to_vec())];
    if let Some(dir) = datasets_support::datasets("fuzz corpus: real .evtx seeds") {
        for f in [
            "sigma-regression/posh_ps_invoke_command_remote.evtx",
            "atomic-evtx/T1021.006-2/T1021.006-2_Microsoft-Windows-Sysmon_Operational.evtx",
            "atomic-evtx/T1021.006-2/T1021.006-2_Security.evtx",
        ] {
            let bytes = std::fs::read(dir.join(f)).unwrap();
            evtx.push((
                Path::new(f).file_name().unwrap().to_string_lossy().into(),
                bytes,
            ));
        }
    }
    BTreeMap::from([
        ("ingest", seeds::ingest_seeds()),
        ("evtx", evtx),
        ("powershell", powershell),
        ("patterns", patterns),
    ])
}

#[test]
fn cargo_fuzz_corpus() {
    let corpus = corpus();
    for (target, files) in &corpus {
        let min = if *target == "evtx" { 1 } else { 5 };
        assert!(files.len() >= min, "{target}: {} seeds", files.len());
        let mut bodies: Vec<&Vec<u8>> = files.iter().map(|(_, b)| b).collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), files.len(), "{target}: duplicate seeds");
    }
    let Some(root) = std::env::var_os("HUNTBENCH_FUZZ_CORPUS") else {
        return;
    };
    for (target, files) in &corpus {
        let dir = Path::new(&root).join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in files {
            std::fs::write(dir.join(name), bytes).unwrap();
            assert_eq!(&std::fs::read(dir.join(name)).unwrap(), bytes);
        }
    }
}
