//! Script block reassembly and encoded command lines.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use huntbench::event::{CHANNEL_POWERSHELL, CHANNEL_POWERSHELL_CORE, Event};
use huntbench::extended::{decode_encoded_command, detect, escu_matches, reassemble};

fn part(id: &str, n: u32, total: u32, text: &str, rid: u64) -> Event {
    Event {
        time: 1_700_000_000_000_000 + rid as i64 * 1_000,
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        computer: "WS01.corp.local".into(),
        record_id: Some(rid),
        user_id: Some("S-1-5-21-1-2-3-1001".into()),
        script_block_text: Some(text.into()),
        script_block_id: Some(id.into()),
        message_number: Some(n),
        message_total: Some(total),
        ..Default::default()
    }
}

#[test]
fn parts_join_in_order_without_separator() {
    // Out of input order, and a literal straddling each boundary.
    let a = part("blk", 1, 3, "$x = 1\nInvoke-Com", 10);
    let b = part("blk", 2, 3, "mand -Compu", 11);
    let c = part("blk", 3, 3, "terName srv01 { id }", 12);
    let events = [&c, &a, &b];
    let blocks = reassemble(&events);
    assert_eq!(blocks.len(), 1);
    let blk = &blocks[0];
    assert_eq!(
        blk.text,
        "$x = 1\nInvoke-Command -ComputerName srv01 { id }"
    );
    assert_eq!(blk.parts, vec![a.uid(), b.uid(), c.uid()]);
    assert_eq!((blk.total, blk.missing.clone()), (3, vec![]));
    assert_eq!((blk.first, blk.last), (a.time, c.time));
    assert!(blk.is_complete());
    // Parity sees no single part with both literals; the reassembled block is detected.
    assert!(
        events
            .iter()
            .all(|e| !escu_matches(e.script_block_text.as_deref().unwrap()))
    );
    let found = detect(&blk.text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].technique, "invoke-command:computername");
}

#[test]
fn incomplete_blocks_name_their_missing_parts() {
    let a = part("gap", 1, 4, "icm -cn ", 1);
    let c = part("gap", 3, 4, "srv02 {}", 3);
    let blocks = reassemble(&[&a, &c]);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].missing, vec![2, 4]);
    assert_eq!(blocks[0].total, 4);
    assert!(!blocks[0].is_complete());
    assert_eq!(blocks[0].text, "icm -cn srv02 {}");
}

#[test]
fn duplicate_parts_are_used_once_and_keys_separate_blocks() {
    let a = part("dup", 1, 2, "AB", 1);
    let mut a2 = part("dup", 1, 2, "AB", 5);
    a2.source = "copy".into();
    let b = part("dup", 2, 2, "CD", 2);
    // Same id on another computer and on the PowerShell 7 channel: separate blocks.
    let mut other_host = part("dup", 1, 1, "X", 3);
    other_host.computer = "WS02".into();
    let mut core = part("dup", 1, 1, "Y", 4);
    core.channel = CHANNEL_POWERSHELL_CORE.into();
    let single = Event {
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        script_block_text: Some("whoami".into()),
        script_block_id: Some("one".into()),
        ..Default::default()
    };
    let blocks = reassemble(&[&a2, &b, &a, &other_host, &core, &single]);
    let texts: Vec<(&str, &str, usize)> = blocks
        .iter()
        .map(|b| (b.computer.as_str(), b.text.as_str(), b.parts.len()))
        .collect();
    assert_eq!(blocks.len(), 4, "{texts:?}");
    let dup = blocks.iter().find(|b| b.text.starts_with("AB")).unwrap();
    assert_eq!(dup.text, "ABCD");
    assert_eq!(dup.parts, vec![a.uid(), b.uid()], "earliest copy wins");
    let one = blocks.iter().find(|b| b.script_block_id == "one").unwrap();
    assert_eq!(
        (one.total, one.missing.len(), one.text.as_str()),
        (1, 0, "whoami")
    );
}

fn b64_utf16(s: &str) -> String {
    let bytes: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    STANDARD.encode(bytes)
}

#[test]
fn every_encoded_command_spelling_decodes() {
    let script = "icm -cn srv03 { whoami }";
    let enc = b64_utf16(script);
    let spellings = [
        "-e",
        "-E",
        "-ec",
        "-en",
        "-enc",
        "-enco",
        "-encod",
        "-encode",
        "-encoded",
        "-encodedc",
        "-encodedco",
        "-encodedcom",
        "-encodedcomm",
        "-encodedcomma",
        "-encodedcomman",
        "-EncodedCommand",
        "/enc",
        "/EC",
        "\u{2013}enc",
        "\u{2014}EncodedCommand",
    ];
    for flag in spellings {
        let line = format!("powershell.exe -NoP -W Hidden {flag} {enc}");
        assert_eq!(
            decode_encoded_command(&line).as_deref(),
            Some(script),
            "{flag}"
        );
        let quoted = format!("pwsh {flag} \"{enc}\"");
        assert_eq!(
            decode_encoded_command(&quoted).as_deref(),
            Some(script),
            "{flag}"
        );
    }
    // Attached with a colon.
    assert_eq!(
        decode_encoded_command(&format!("pwsh -enc:{enc}")).as_deref(),
        Some(script)
    );
    // Not an encoded command: ExecutionPolicy, invalid base64, odd byte count.
    assert_eq!(
        decode_encoded_command(&format!("powershell -ex {enc}")),
        None
    );
    assert_eq!(
        decode_encoded_command(&format!("powershell -ep {enc}")),
        None
    );
    assert_eq!(decode_encoded_command("powershell -enc not*base64!"), None);
    assert_eq!(decode_encoded_command("powershell -enc QUJD"), None);
    assert_eq!(decode_encoded_command("powershell -enc"), None);
    // The decoded text is detected; a script in a 4104 block that launches it is too.
    let found = detect(&format!("powershell -enc {enc}"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].technique, "icm:cn+encoded");
}
