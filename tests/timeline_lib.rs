//! The timeline's engine-free half: windows, host spellings, account matching, summaries.

use std::collections::BTreeMap;

use huntbench::event::{CHANNEL_SYSMON, Event};
use huntbench::timeline::{
    SUMMARY_CHARS, TimelineError, account_matches, format_window, host_spellings, near_spellings,
    parse_window, summarize,
};

#[test]
fn windows_parse_as_people_write_them_and_print_back() {
    let m = 60_000_000;
    assert_eq!(parse_window("10m"), Ok(10 * m));
    assert_eq!(parse_window("90s"), Ok(90_000_000));
    assert_eq!(parse_window("2h"), Ok(120 * m));
    assert_eq!(parse_window("1h30m"), Ok(90 * m));
    for bad in ["", "10", "ten minutes", "0s", "-5m"] {
        assert_eq!(
            parse_window(bad),
            Err(TimelineError::BadWindow(bad.into())),
            "{bad:?}"
        );
    }
    assert_eq!(format_window(10 * m), "10m");
    assert_eq!(format_window(90_000_000), "1m30s");
    assert_eq!(format_window(120 * m), "2h");
    assert_eq!(format_window(parse_window("7d").unwrap()), "7d");
    assert_eq!(format_window(36 * 60 * m), "1d12h");
}

#[test]
fn every_spelling_of_a_host_and_near_ones_for_a_typo() {
    let known = [
        "SRV01",
        "srv01.corp.local",
        "SRV01.CORP.LOCAL",
        "srv01.other.local",
        "srv011.corp.local",
        "10.0.0.1",
        "WS01.corp.local",
    ];
    assert_eq!(
        host_spellings("srv01.corp.local", known),
        ["SRV01", "SRV01.CORP.LOCAL", "srv01.corp.local"]
    );
    // A short name reaches every FQDN with that first label.
    assert_eq!(
        host_spellings("Srv01", known),
        [
            "SRV01",
            "SRV01.CORP.LOCAL",
            "srv01.corp.local",
            "srv01.other.local"
        ]
    );
    assert_eq!(host_spellings("10.0.0.1", known), ["10.0.0.1"]);
    assert!(host_spellings("srv1", known).is_empty());
    let near = near_spellings("srv1", known);
    assert!(near.contains(&"SRV01".to_string()), "{near:?}");
    assert!(!near.contains(&"WS01.corp.local".to_string()), "{near:?}");
    assert!(near_spellings("zzz-unrelated", known).is_empty());
}

#[test]
fn accounts_match_by_name_or_by_domain_and_name() {
    assert!(account_matches("j.miller", "CORP\\J.Miller"));
    assert!(account_matches("corp\\j.miller", "CORP.LOCAL\\j.miller"));
    assert!(account_matches("CORP\\j.miller", "j.miller"));
    assert!(!account_matches("OTHER\\j.miller", "CORP\\j.miller"));
    assert!(!account_matches("j.mill", "CORP\\j.miller"));
    assert!(account_matches(
        "S-1-5-21-1-2-3-1104",
        "s-1-5-21-1-2-3-1104"
    ));
}

#[test]
fn summaries_are_one_bounded_line() {
    let long = "Get-Item x;\n".repeat(200);
    let e = Event {
        event_code: 4104,
        channel: "Microsoft-Windows-PowerShell/Operational".into(),
        script_block_text: Some(long),
        ..Default::default()
    };
    let s = summarize(&e);
    assert!(!s.contains('\n'));
    assert_eq!(
        s.chars().count(),
        SUMMARY_CHARS + 1,
        "cut, with an ellipsis"
    );
    assert!(
        s.starts_with("Get-Item x; Get-Item x;") && s.ends_with('…'),
        "{s}"
    );
    // A process creation without a command line falls back to its image.
    let p = Event {
        event_code: 1,
        channel: CHANNEL_SYSMON.into(),
        process_path: Some("C:\\x\\a.exe".into()),
        parent_process_path: Some("C:\\Windows\\explorer.exe".into()),
        data: BTreeMap::new(),
        ..Default::default()
    };
    assert_eq!(summarize(&p), "C:\\x\\a.exe · parent explorer.exe");
}
