//! Fuzzing the EVTX wrapper on stable Rust. There is no .evtx writer in the repository, so:
//! arbitrary bytes behind a valid `ElfFile\0` signature (always), and mutations of a real .evtx
//! from ../shared/datasets when it is there (skipped with `SKIP` otherwise). The properties of
//! `fuzz_support::props::read` hold for every case; fixed seed, bounded by case count
//! (`HUNTBENCH_FUZZ_CASES=N` for more).

mod datasets_support;
mod fuzz_support;

use std::cell::Cell;

use fuzz_support::props::read;
use fuzz_support::seeds;
use fuzz_support::{Mutation, apply, config, mutation};
use huntbench::ingest::parse_bytes;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

/// The file-header signature the format detection keys on.
const MAGIC: &[u8] = b"ElfFile\0";

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn signature_then_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..6000)) {
        let file = [MAGIC, &body].concat();
        read("any.evtx", &file)?;
    }

    /// A valid file header and a chunk signature, then anything: the chunk parser's turn.
    #[test]
    fn valid_header_then_any_chunk(body in proptest::collection::vec(any::<u8>(), 0..6000)) {
        let file = [seeds::evtx_header().as_slice(), b"ElfChnk\0", &body].concat();
        read("chunk.evtx", &file)?;
    }
}

#[test]
fn signature_alone_is_an_error_not_silence() {
    let (events, errors) = parse_bytes("short.evtx", MAGIC);
    assert!(events.is_empty());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, "short.evtx");
}

/// A real one-chunk .evtx holding the Invoke-Command 4104 of the dataset's manifest, with up to
/// eight flips, overwrites, cuts, hostile insertions and self-splices per case.
#[test]
fn mutated_real_evtx() {
    let Some(dir) = datasets_support::datasets("mutated_real_evtx") else {
        return;
    };
    let path = dir.join("sigma-regression/posh_ps_invoke_command_remote.evtx");
    let real = std::fs::read(&path).unwrap();
    let (events, errors) = parse_bytes("real.evtx", &real);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        events.iter().any(|e| e.event_code == 4104
            && e.script_block_text
                .as_deref()
                .unwrap_or("")
                .contains("Invoke-Command")),
        "the seed holds the manifest's 4104"
    );
    let mut runner = TestRunner::new(config(96));
    let strategy = proptest::collection::vec(mutation(), 1..=8);
    let others = vec![real.clone()];
    let (kept, reported) = (Cell::new(0), Cell::new(0));
    runner
        .run(&strategy, |muts: Vec<Mutation>| {
            let bytes = apply(&real, &muts, &others);
            let (events, errors) = read("mutated.evtx", &bytes)?;
            kept.set(kept.get() + usize::from(!events.is_empty()));
            reported.set(reported.get() + usize::from(!errors.is_empty()));
            Ok(())
        })
        .unwrap();
    // The mutations must reach both paths: records still read, and damage reported.
    assert!(
        kept.get() > 0 && reported.get() > 0,
        "kept {} reported {}",
        kept.get(),
        reported.get()
    );
}
