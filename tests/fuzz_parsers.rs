//! Fuzzing what reads attacker or analyst text apart from the log readers, on stable Rust: the
//! PowerShell tokenizer and detector, the `-EncodedCommand` decoder and the command-line script
//! extraction, exclusion patterns (and their round trip through the store file), Splunk
//! wildcards, and the search language. Seeds from `fuzz_support::seeds`, mutated; fixed seed,
//! bounded by case count (`HUNTBENCH_FUZZ_CASES=N` for more).

mod fuzz_support;

use huntbench::analytics::exclusions::validate_op;
use huntbench::analytics::search::parse;
use huntbench::analytics::{Exclusion, ExclusionOp, ExclusionStore, Wildcard, parse_op};
use huntbench::extended::{analyze, command_line_script, decode_encoded_command};
use huntbench::fuzzing::{match_brackets, tokenize};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use fuzz_support::seeds::{self, PATTERNS, QUERIES, SCRIPTS};
use fuzz_support::{config, mutated};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const NOW: i64 = 1_729_510_316_000_000;

fn text_seeds(items: impl IntoIterator<Item = String>) -> Vec<(String, Vec<u8>)> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, s)| (format!("seed{i}"), s.into_bytes()))
        .collect()
}

/// Mutated seed text, made a `String` the way every reader makes one (invalid UTF-8 → U+FFFD).
fn mutated_text(seeds: Vec<String>, max: usize) -> impl Strategy<Value = String> {
    mutated(text_seeds(seeds), max).prop_map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
}

fn scripts() -> Vec<String> {
    SCRIPTS.iter().map(|s| s.to_string()).collect()
}

/// Tokens lie inside the text, on character boundaries, in order and without overlap;
/// bracket matches point at a later token or the end.
fn check_tokens(text: &str) -> Result<(), TestCaseError> {
    let toks = tokenize(text);
    let mut last_end = 0;
    for t in &toks {
        prop_assert!(
            t.start <= t.end && t.end <= text.len(),
            "{t:?} outside {}",
            text.len()
        );
        prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        prop_assert!(
            t.start >= last_end,
            "{t:?} overlaps the token before (ends {last_end})"
        );
        last_end = t.end;
    }
    let matched = match_brackets(&toks);
    prop_assert_eq!(matched.len(), toks.len());
    for (i, &m) in matched.iter().enumerate() {
        prop_assert!(m >= i && m <= toks.len());
    }
    prop_assert_eq!(tokenize(text), toks, "tokenizing twice differs");
    Ok(())
}

#[test]
fn seed_scripts_are_detected_and_seed_lines_decode() {
    let (here_string, runnable) = SCRIPTS.split_last().unwrap();
    for s in runnable {
        assert!(!analyze(s).detections.is_empty(), "no detection in {s:?}");
    }
    // The last seed only names `icm -cn x` inside a here-string: data, not a command.
    assert!(analyze(here_string).detections.is_empty());
    let lines = seeds::command_lines();
    for l in &lines[1..5] {
        assert_eq!(
            decode_encoded_command(l).as_deref(),
            Some("Invoke-Command -ComputerName srv01 { whoami }"),
            "{l}"
        );
    }
    assert_eq!(decode_encoded_command(&lines[5]), None);
}

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn tokenizer_and_detector_on_mutated_scripts(text in mutated_text(scripts(), 8)) {
        check_tokens(&text)?;
        let a = analyze(&text);
        prop_assert_eq!(format!("{a:?}"), format!("{:?}", analyze(&text)));
    }

    #[test]
    fn tokenizer_on_any_text(text in "\\PC{0,200}|[-–—`'\"@$(){}\\[\\]#<>\\n\\r ]{0,200}") {
        check_tokens(&text)?;
        let _ = analyze(&text);
    }

    #[test]
    fn command_lines_on_mutated_lines(line in mutated_text(seeds::command_lines(), 6)) {
        let decoded = decode_encoded_command(&line);
        if let Some(d) = &decoded {
            prop_assert!(!d.is_empty());
        }
        prop_assert_eq!(decode_encoded_command(&line), decoded);
        let script = command_line_script(&line);
        prop_assert_eq!(command_line_script(&line), script);
    }

    /// Whatever the script (with a word PowerShell could run), the decoder gives it back exactly.
    #[test]
    fn encoded_command_round_trips(
        script in "Get-\\PC{0,120}",
        flag in prop::sample::select(vec!["-e", "-enc", "-EncodedCommand", "/ec", "–En", "-ENCODEDCOMMAND"]),
    ) {
        let line = format!("powershell.exe -NoProfile {flag} {}", seeds::encode_command(&script));
        prop_assert_eq!(decode_encoded_command(&line), Some(script));
    }

    /// A valid pattern, written the way the store file writes it (TOML, with the pattern's
    /// quotes, newlines and control characters), reads back as the same operation.
    #[test]
    fn exclusion_patterns_round_trip_through_toml(
        pattern in mutated_text(PATTERNS.iter().map(|s| s.to_string()).collect(), 6),
    ) {
        let op = parse_op(&pattern);
        prop_assert_eq!(&parse_op(&pattern), &op);
        if validate_op(&op).is_ok() {
            let x = exclusion(op, &pattern);
            let text = toml::to_string(&x).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Exclusion = toml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            prop_assert_eq!(back, x);
        }
    }
    /// A pattern matches any text made by filling its `*`s, in any ASCII case.
    #[test]
    fn wildcard_matches_its_fillings(
        pieces in proptest::collection::vec("\\PC{0,12}", 1..5),
        fills in proptest::collection::vec("\\PC{0,12}", 4),
        upper in any::<bool>(),
    ) {
        let pattern = pieces.join("*");
        let mut text = pieces[0].clone();
        for (p, f) in pieces[1..].iter().zip(&fills) {
            text.push_str(f);
            text.push_str(p);
        }
        if upper {
            text = text.to_ascii_uppercase();
        }
        prop_assert_eq!(Wildcard::new(&pattern).matches(&text), !text.is_empty(), "{:?} vs {:?}", pattern, text);
    }

    #[test]
    fn search_queries_parse_or_say_why(query in mutated_text(QUERIES.iter().map(|s| s.to_string()).collect(), 8)) {
        let first = parse(&query, NOW).map_err(|e| e.to_string());
        let second = parse(&query, NOW).map_err(|e| e.to_string());
        prop_assert_eq!(&first, &second);
        if let Err(why) = &first {
            prop_assert!(!why.is_empty());
        }
    }
}

fn exclusion(op: ExclusionOp, note: &str) -> Exclusion {
    Exclusion {
        id: "x1".into(),
        analytic: SB.into(),
        field: "ScriptBlockText".into(),
        op,
        note: Some(note.into()),
        enabled: true,
        created: "2024-10-21T11:31:56Z".into(),
    }
}

/// The store itself, end to end, on a few mutated patterns. Each add is an atomic, synced
/// write (milliseconds on an idle disk, up to a second on a busy one), so this runs a handful
/// of cases, a 32nd of `HUNTBENCH_FUZZ_CASES`; the TOML property above runs the many.
#[test]
fn exclusion_patterns_round_trip_through_the_store() {
    let mut cfg = config(6 * 32);
    cfg.cases /= 32;
    let mut runner = TestRunner::new(cfg);
    let patterns = proptest::collection::vec(
        mutated_text(PATTERNS.iter().map(|s| s.to_string()).collect(), 6),
        1..6,
    );
    runner
        .run(&patterns, |patterns| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("exclusions.toml");
            let mut store = ExclusionStore::open(&path).unwrap();
            let mut added = Vec::new();
            for p in &patterns {
                let op = parse_op(p);
                if validate_op(&op).is_ok() {
                    let x = store.add(SB, "ScriptBlockText", op.clone(), Some(p));
                    let x = x.map_err(|e| TestCaseError::fail(format!("{e}")))?;
                    prop_assert_eq!(&x.op, &op);
                    added.push(x);
                }
            }
            let back = ExclusionStore::open(&path).unwrap();
            prop_assert_eq!(back.list(), added.as_slice());
            Ok(())
        })
        .unwrap();
}

#[test]
fn seed_queries_parse() {
    for q in QUERIES {
        parse(q, NOW).unwrap_or_else(|e| panic!("{q}: {e}"));
    }
}

/// Found by the harness: the parser recursed once per `(` or `NOT`, so a pasted query of a few
/// thousand of them overflowed the stack and aborted the process (the TUI's search box too).
/// Now nesting past a limit is an error that says so, and moderate nesting still parses.
#[test]
fn deeply_nested_query_is_an_error_not_a_stack_overflow() {
    for (open, close) in [("(", ")"), ("NOT ", ""), ("-", ""), ("computer:(", ")")] {
        let q = format!("{}ws01{}", open.repeat(100_000), close.repeat(100_000));
        let err = parse(&q, NOW).expect_err("100,000 levels").to_string();
        assert!(err.contains("nest"), "{open}: {err}");
        let q = format!("{}ws01{}", open.repeat(50), close.repeat(50));
        assert!(parse(&q, NOW).is_ok(), "50 levels of {open}");
    }
}
