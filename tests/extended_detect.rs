//! detect(): one positive and one near miss per technique, target parsing, and the superset
//! property of the ingest prefilter.

use huntbench::event::{CHANNEL_POWERSHELL, Event};
use huntbench::extended::{Target, detect, is_candidate};

fn lit(s: &str) -> Target {
    Target::Literal(s.into())
}
fn unres(s: &str) -> Target {
    Target::Unresolved(s.into())
}

/// (script, technique, escu, targets)
fn positives() -> Vec<(&'static str, &'static str, bool, Vec<Target>)> {
    vec![
        (
            "Invoke-Command -ComputerName srv01 -ScriptBlock { whoami }",
            "invoke-command:computername",
            true,
            vec![lit("srv01")],
        ),
        (
            "icm srv02 { hostname }",
            "icm:positional",
            false,
            vec![lit("srv02")],
        ),
        (
            "Invoke-Command 'srv03' { hostname }",
            "invoke-command:positional",
            false,
            vec![lit("srv03")],
        ),
        (
            "Invoke-Command -ScriptBlock { id } srv04",
            "invoke-command:positional",
            false,
            vec![lit("srv04")],
        ),
        (
            "Invoke-Command -Cn srv05 { id }",
            "invoke-command:cn",
            false,
            vec![lit("srv05")],
        ),
        (
            "Invoke-Command -Comp srv06 { id }",
            "invoke-command:prefix",
            false,
            vec![lit("srv06")],
        ),
        (
            "Invoke-Command -ComputerN:srv07 { id }",
            "invoke-command:prefix",
            false,
            vec![lit("srv07")],
        ),
        (
            "Invoke-Command \u{2013}ComputerName srv08 { id }",
            "invoke-command:computername+dash",
            false,
            vec![lit("srv08")],
        ),
        (
            "Invoke\u{2014}Command \u{2015}Cn srv09 { id }",
            "invoke-command:cn+dash",
            false,
            vec![lit("srv09")],
        ),
        (
            "Inv`oke-Com`mand -Comp`uterName srv10 { id }",
            "invoke-command:computername+backtick",
            false,
            vec![lit("srv10")],
        ),
        (
            "$p = @{ ComputerName = 'srv11'; ScriptBlock = { id } }\nInvoke-Command @p",
            "invoke-command:splat",
            false,
            vec![lit("srv11")],
        ),
        (
            "$s = New-PSSession -ComputerName srv12\nInvoke-Command -Session $s { id }",
            "invoke-command:session",
            // ESCU matches by accident: both literals are in the block, on different commands.
            true,
            vec![lit("srv12")],
        ),
        (
            "Enter-PSSession -ComputerName srv13",
            "enter-pssession:computername",
            false,
            vec![lit("srv13")],
        ),
        ("etsn srv14", "etsn:positional", false, vec![lit("srv14")]),
        (
            "Invoke-Command -ConnectionUri http://srv15.corp.local:5985/wsman { id }",
            "invoke-command:connectionuri",
            false,
            vec![lit("srv15.corp.local")],
        ),
        (
            "Invoke-Command -HostName user@srv16 { id }",
            "invoke-command:hostname",
            false,
            vec![lit("srv16")],
        ),
        (
            "Invoke-Command -VMName vm17 { id }",
            "invoke-command:vmname",
            false,
            vec![lit("vm17")],
        ),
        (
            "& ('Invoke-' + 'Command') -Cn srv18 { id }",
            "invoke-command:cn+concat",
            false,
            vec![lit("srv18")],
        ),
        (
            "iex 'icm -cn srv19 { id }'",
            "icm:cn+iex",
            false,
            vec![lit("srv19")],
        ),
        (
            "function Go { icm -cn srv20 { id } }\nGo",
            "icm:cn",
            false,
            vec![lit("srv20")],
        ),
        (
            "Connect-PSSession -ComputerName srv30 -Name s1",
            "connect-pssession:computername",
            false,
            vec![lit("srv30")],
        ),
        (
            "$c = New-CimSession -cn srv31\nInvoke-CimMethod -CimSession $c -ClassName Win32_Process -MethodName Create -Arguments @{CommandLine='calc'}",
            "invoke-cimmethod:session",
            false,
            vec![lit("srv31")],
        ),
        (
            "icim -Comp srv32 Win32_Process Create @{CommandLine='x'}",
            "icim:prefix",
            false,
            vec![lit("srv32")],
        ),
        (
            "Write-Host \"done: $(icm -cn srv33 { id })\"",
            "icm:cn+subexpr",
            false,
            vec![lit("srv33")],
        ),
        (
            "$b = [scriptblock]::Create('icm srv34 { id }'); & $b",
            "icm:positional+scriptblock",
            false,
            vec![lit("srv34")],
        ),
        (
            "Set-Alias -Name run -Value Invoke-Command\nrun -Cn srv21 { id }",
            "invoke-command:cn+alias",
            false,
            vec![lit("srv21")],
        ),
        (
            "$c = 'Invoke-Command'\n& $c -Cn srv22 { id }",
            "invoke-command:cn+variable",
            false,
            vec![lit("srv22")],
        ),
        (
            "& (Get\u{2013}Command *ke-Comm*) -Cn srv23 { id }",
            "invoke-command:cn+get-command",
            false,
            vec![lit("srv23")],
        ),
        (
            "$p = @{}\n$p.ComputerName = 'srv24'\n$p['ScriptBlock'] = { id }\nInvoke-Command @p",
            "invoke-command:splat",
            false,
            vec![lit("srv24")],
        ),
        (
            "powershell.exe -NoProfile -c \"icm srv25 { id }\"",
            "icm:positional+child",
            false,
            vec![lit("srv25")],
        ),
        (
            "winrs -r:srv26 cmd /c whoami",
            "winrs:remote",
            false,
            vec![lit("srv26")],
        ),
        (
            "winrs.exe /remote:http://srv27:5985 hostname",
            "winrs:remote",
            false,
            vec![lit("srv27")],
        ),
        (
            "evil-winrm -i 10.0.0.28 -u admin -p x",
            "evil-winrm:ip",
            false,
            vec![lit("10.0.0.28")],
        ),
        (
            "iex \"icm -cn srv29 { id }\"",
            "icm:cn+iex",
            false,
            vec![lit("srv29")],
        ),
        (
            "Microsoft.PowerShell.Core\\Invoke-Command -ComputerName $env:COMPUTERNAME { id }",
            "invoke-command:computername",
            true,
            vec![unres("$env:COMPUTERNAME")],
        ),
    ]
}

#[test]
fn every_technique_is_named_with_its_targets() {
    for (text, technique, escu, targets) in positives() {
        let found = detect(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].technique, technique, "{text}");
        assert_eq!(found[0].escu, escu, "{text}");
        assert_eq!(found[0].targets, targets, "{text}");
    }
}

#[test]
fn near_misses_raise_nothing() {
    let misses = [
        // Local execution: no computer.
        "Invoke-Command { whoami }",
        "Invoke-Command -ScriptBlock { whoami } -NoNewScope",
        // ESCU's flip side: both literals, but the remote one is a different cmdlet.
        "Invoke-Command { Get-Service } ; Get-Service -ComputerName srv01",
        // -cn after a non-remoting cmdlet.
        "Get-WmiObject Win32_OS -cn srv01",
        // Ambiguous prefixes fail in PowerShell.
        "Invoke-Command -Co srv01 { id }",
        "Invoke-Command -C srv01 { id }",
        // icm inside words and as data.
        "Test-Connection -Protocol Icmp srv01; $icmp = 1; Write-Host icm srv01 { }",
        "$x.icm srv01 {}",
        "@{ icm = 'srv01' }",
        // Comments and strings.
        "# Invoke-Command -ComputerName srv01 { id }\n<# icm -cn srv02 {} #>\nWrite-Output 'Invoke-Command -ComputerName srv03'",
        // Definitions that merely declare or wrap the parameter and are never called.
        "function Invoke-Remote { param([string]$ComputerName) Invoke-Command -ComputerName $ComputerName -ScriptBlock $sb }",
        "function Get-Thing { [CmdletBinding()] param([Alias('cn')][string[]]$ComputerName = $env:COMPUTERNAME) }",
        // A session created but never used.
        "New-PSSession -ComputerName $env:COMPUTERNAME",
        // Session used with no session created here.
        "Invoke-Command -Session $s { id }",
        // Splat without a computer key.
        "$p = @{ ScriptBlock = { id } }; Invoke-Command @p",
        // An ExecutionPolicy flag is not an encoded command.
        "powershell -ex bypass -c whoami",
        // An alias to something else, a variable holding another command, a glob for another.
        "Set-Alias icm Get-Service\nicm -cn srv01 {}",
        "$c = 'Get-Service'; & $c -cn srv01 {}",
        "& (gcm *-Service) -cn srv01 {}",
        // A child PowerShell running a local script; winrs / evil-winrm without a host.
        "powershell.exe -NoProfile -c \"Invoke-Command { id }\"",
        "winrs -?",
        "evil-winrm --help",
        // A splat variable assigned elsewhere (unknown content): nothing is guessed.
        "Invoke-Command @params",
        // Remoting words inside literal text of an expandable string are not code.
        "Write-Host \"Invoke-Command -ComputerName $h is next: $(Get-Date)\"",
        // CIM calls that are management, not execution; a local process creation.
        "Invoke-CimMethod -cn srv01 -ClassName Win32_Service -MethodName StopService",
        "Get-CimInstance -cn srv01 Win32_Process",
        "Invoke-CimMethod -ClassName Win32_Process -MethodName Create -Arguments @{CommandLine='calc'}",
        // Aliases and help about the cmdlet.
        "Get-Help Invoke-Command -Parameter ComputerName; Get-Alias icm",
    ];
    for text in misses {
        assert_eq!(detect(text), vec![], "{text}");
    }
}

#[test]
fn targets_are_parsed_never_guessed() {
    let t = |s: &str| {
        detect(s)
            .into_iter()
            .flat_map(|d| d.targets)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        t("icm -cn a,b , 'c' {}"),
        vec![lit("a"), lit("b"), lit("c")]
    );
    assert_eq!(t("icm -cn @('a', \"b\") {}"), vec![lit("a"), lit("b")]);
    assert_eq!(t("icm -cn $h {}"), vec![unres("$h")]);
    assert_eq!(t("icm -cn \"$h.corp\" {}"), vec![unres("\"$h.corp\"")]);
    assert_eq!(t("icm -cn $list[0] {}"), vec![unres("$list[0]")]);
    assert_eq!(
        t("icm -cn (Get-Content hosts.txt) {}"),
        vec![unres("(Get-Content hosts.txt)")]
    );
    assert_eq!(t("icm -cn @('a', $b) {}"), vec![unres("@('a', $b)")]);
    assert_eq!(
        t("icm -ConnectionUri 'https://admin@[fe80::1]:5986/wsman' {}"),
        vec![lit("fe80::1")]
    );
    assert_eq!(t("Enter-PSSession -Uri http://srv:5985"), vec![lit("srv")]);
    assert_eq!(Target::Unresolved("$h".into()).display(), "?$h");
}

#[test]
fn two_calls_two_detections() {
    let found = detect("icm -cn a {1}\nInvoke-Command -ComputerName b {2}");
    let techniques: Vec<&str> = found.iter().map(|d| d.technique.as_str()).collect();
    assert_eq!(techniques, ["icm:cn", "invoke-command:computername"]);
    assert!(found.iter().all(|d| d.escu), "escu is per text");
}

#[test]
fn prefilter_never_misses_a_positive() {
    for (text, ..) in positives() {
        let e = Event {
            event_code: 4104,
            channel: CHANNEL_POWERSHELL.into(),
            script_block_text: Some(text.into()),
            ..Default::default()
        };
        assert!(is_candidate(&e), "{text}");
    }
    let plain = Event {
        event_code: 4104,
        channel: CHANNEL_POWERSHELL.into(),
        script_block_text: Some("Get-Service -ComputerName srv01 | Select Name".into()),
        ..Default::default()
    };
    assert!(!is_candidate(&plain));
}

/// Relevant (what ingest tags for the extended hunt) implies candidate, over every script
/// block and command line of a generated corpus (the story, its evasions and near misses, and
/// benign noise full of `Microsoft.PowerShell.*` and local `Invoke-Command`), and over every
/// positive above wrapped the ways a child PowerShell carries it.
#[test]
fn the_prefilter_keeps_every_relevant_text() {
    use huntbench::demo::{self, DemoOptions};
    let events = demo::generate(&DemoOptions {
        seed: 11,
        events: 30_000,
    });
    let (mut relevant, mut dropped) = (0, 0);
    for e in &events {
        if !e.is_script_block() && !e.is_process_creation() {
            continue;
        }
        let r = huntbench::extended::is_relevant_event(e);
        relevant += r as usize;
        dropped += !is_candidate(e) as usize;
        assert!(!r || is_candidate(e), "relevant but dropped: {e:?}");
    }
    assert!(relevant > 10, "{relevant}");
    assert!(dropped > 1000, "the prefilter drops benign text: {dropped}");
    let mut wrapped_relevant = 0;
    for (text, ..) in positives() {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let b64 = base64_encode(&utf16);
        for wrapped in [
            format!("powershell.exe -NoProfile -EncodedCommand {b64}"),
            format!(
                "& \"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -enc {b64}"
            ),
            format!("Start-Process pwsh -ArgumentList '-ec {b64}'"),
        ] {
            if huntbench::extended::is_relevant(&wrapped) {
                wrapped_relevant += 1;
                let e = Event {
                    event_code: 4104,
                    channel: CHANNEL_POWERSHELL.into(),
                    script_block_text: Some(wrapped.clone()),
                    ..Default::default()
                };
                assert!(is_candidate(&e), "{wrapped}");
            }
        }
    }
    // At least the plain `powershell.exe -EncodedCommand` wrapping is seen through.
    assert!(wrapped_relevant >= positives().len(), "{wrapped_relevant}");
}

/// Standard base64, written here so the test does not lean on the code under test.
fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn sessions_bind_to_the_latest_assignment_before_use() {
    let text = "$s = New-PSSession -cn early\n$t = nsn late-t\nicm -Session $s {1}\n$s = New-PSSession -cn later\nicm -Session $s {2}\nicm -Session $other {3}";
    let found = detect(text);
    let targets: Vec<Vec<Target>> = found.iter().map(|d| d.targets.clone()).collect();
    assert_eq!(
        targets,
        vec![vec![lit("early")], vec![lit("later")], vec![lit("later")]]
    );
    assert!(found.iter().all(|d| d.technique == "icm:session"));
}

#[test]
fn crafted_inputs_stay_bounded_and_exact() {
    // 20k unclosed script blocks: every icm is found, none swallows the rest.
    let unclosed = "icm -cn a {".repeat(20_000);
    assert_eq!(detect(&unclosed).len(), 20_000);
    // A huge computed target is kept as an expression, cut to 256 bytes plus an ellipsis.
    let long = format!("icm -cn ({}) {{}}", "x".repeat(10_000));
    let t = &detect(&long)[0].targets;
    match &t[0] {
        Target::Unresolved(e) => {
            assert!(e.ends_with('…') && e.len() <= 256 + '…'.len_utf8(), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // Deep nesting neither overflows the stack nor invents commands.
    let deep = "(".repeat(100_000) + &")".repeat(100_000);
    assert_eq!(detect(&deep), vec![]);
    // Thousands of names in one list come back once each, in order.
    let names: Vec<String> = (0..5000).map(|i| format!("h{i}")).collect();
    let many = format!("icm -cn {},h0 {{}}", names.join(","));
    let got = &detect(&many)[0].targets;
    assert_eq!(got.len(), 5000, "h0 named twice is one target");
    assert_eq!(got[4999], lit("h4999"));
}

/// escu (would ESCU's two literals match this text?) is a case-insensitive substring test,
/// whatever the script's alphabet.
#[test]
fn escu_is_a_case_insensitive_substring_test() {
    use huntbench::extended::escu_matches;
    let reference = |t: &str| {
        let l = t.to_lowercase();
        l.contains("invoke-command") && l.contains("-computername")
    };
    for (text, want) in [
        ("Invoke-Command -ComputerName a {}", true),
        ("INVOKE-COMMAND{}-COMPUTERNAME", true),
        ("-computername x; invoke-commandX", true),
        ("Invoke-Command -Computer a {}", false),
        ("Invoke-Comman -ComputerName a", false),
        ("iinvoke-command--computername", true),
        ("invoke-command", false),
        ("-ComputerName", false),
        ("", false),
        ("Invoke-Command -ComputerName ümlaut {}", true),
        ("Invo\u{212A}e-Command -ComputerName a", true), // Kelvin sign lower-cases to k
        ("Invoke\u{2013}Command -ComputerName a", false),
    ] {
        assert_eq!(escu_matches(text), want, "{text}");
        assert_eq!(escu_matches(text), reference(text), "{text}");
    }
}
