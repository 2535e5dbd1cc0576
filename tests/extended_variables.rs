//! Variable targets: `icm -cn $Servers` names the hosts the same text assigns literally, and
//! stays `?$Servers` whenever the text leaves any doubt.

use huntbench::extended::{Target, detect};

fn targets(text: &str) -> Vec<String> {
    detect(text)
        .into_iter()
        .flat_map(|d| d.targets)
        .map(|t| t.display())
        .collect()
}

fn lit(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn literal_assignments_before_the_call_resolve() {
    for (text, want) in [
        (
            "$Servers = 'a','b'; Invoke-Command -ComputerName $Servers { id }",
            lit(&["a", "b"]),
        ),
        (
            "$Servers = @('web01', \"web02\")\nicm -cn $Servers { id }",
            lit(&["web01", "web02"]),
        ),
        ("$s = 'dc01'\nInvoke-Command $s { id }", lit(&["dc01"])),
        (
            "$list = 'a',\n  'b'\nEnter-PSSession -ComputerName $list",
            lit(&["a", "b"]),
        ),
        // Same literal twice is no doubt.
        (
            "$s = 'dc01'; $s = 'dc01'; icm -cn ${s} { id }",
            lit(&["dc01"]),
        ),
        // A copy of a resolved variable.
        ("$a = 'x1'; $b = $a; icm -cn $b { id }", lit(&["x1"])),
        // A call nested deeper than the assignment reads it (PowerShell's dynamic scope).
        (
            "$s = 'dc01'\nif ($true) { icm -cn $s { id } }",
            lit(&["dc01"]),
        ),
        // Both in the same branch: the call runs only after the assignment did.
        ("if ($x) { $s = 'dc02'; icm -cn $s { id } }", lit(&["dc02"])),
        // Splatting reads the variable where the hashtable is built.
        (
            "$h = 'srv9'; $p = @{ ComputerName = $h }; Invoke-Command @p { id }",
            lit(&["srv9"]),
        ),
        // A session made from a resolved variable.
        (
            "$t = 'db1'; $x = New-PSSession -cn $t; Invoke-Command -Session $x { id }",
            lit(&["db1"]),
        ),
    ] {
        assert_eq!(targets(text), want, "{text}");
    }
}

#[test]
fn parameter_defaults_of_the_enclosing_function_resolve() {
    for (text, want) in [
        (
            "function Go { param($ComputerName = 'fs01') Invoke-Command -ComputerName $ComputerName { id } }\nGo",
            lit(&["fs01"]),
        ),
        (
            "function Go { param([string[]]$ComputerName = @('fs01','fs02'), $Other = 'x') icm -cn $ComputerName { id } }\nGo",
            lit(&["fs01", "fs02"]),
        ),
        (
            "function Go($cn = 'fs03') { icm -cn $cn { id } }\nGo",
            lit(&["fs03"]),
        ),
        // A script block's own param block, at the top of the text.
        (
            "param($Target = 'app7')\nInvoke-Command -ComputerName $Target { id }",
            lit(&["app7"]),
        ),
    ] {
        assert_eq!(targets(text), want, "{text}");
    }
}

#[test]
fn foreach_over_a_resolved_list_resolves() {
    assert_eq!(
        targets(
            "$Servers = 'a','b'\nforeach ($s in $Servers) { Invoke-Command -ComputerName $s { id } }"
        ),
        lit(&["a", "b"])
    );
    assert_eq!(
        targets("foreach ($s in 'c1', 'c2') { icm $s { id } }"),
        lit(&["c1", "c2"])
    );
    // After the loop the variable is no longer the list.
    assert_eq!(
        targets("foreach ($s in 'c1') { }\nicm -cn $s { id }"),
        lit(&["?$s"])
    );
    // A loop over something computed.
    assert_eq!(
        targets("foreach ($s in (Get-Content hosts.txt)) { icm -cn $s { id } }"),
        lit(&["?$s"])
    );
}

#[test]
fn anything_in_doubt_stays_unresolved() {
    for text in [
        // Computed.
        "$Servers = Get-Content hosts.txt; icm -cn $Servers { id }",
        "$Servers = (Get-Content hosts.txt); icm -cn $Servers { id }",
        "$Servers = \"srv$n\"; icm -cn $Servers { id }",
        "$Servers = 'a' + 'b'; icm -cn $Servers { id }",
        "$Servers = 'a','b' | Where-Object { $_ -ne 'a' }; icm -cn $Servers { id }",
        "$Servers = dc01; icm -cn $Servers { id }",
        "$Servers = 'a'.ToUpper(); icm -cn $Servers { id }",
        // Assigned twice with different values, or changed afterwards.
        "$Servers = 'a'; $Servers = 'b'; icm -cn $Servers { id }",
        "$Servers = 'a'; icm -cn $Servers { id }; $Servers = 'b'",
        "$Servers = 'a'; $Servers += 'b'; icm -cn $Servers { id }",
        "$x, $Servers = 'a', 'b'; icm -cn $Servers { id }",
        // Only after the call.
        "icm -cn $Servers { id }; $Servers = 'a'",
        // In a branch the call is not in.
        "if ($x) { $Servers = 'a' }\nicm -cn $Servers { id }",
        "function Set-It { $Servers = 'a' }\nSet-It\nicm -cn $Servers { id }",
        "while ($true) { icm -cn $Servers { id }; $Servers = 'a' }",
        // Scope-qualified or environment variables are set elsewhere.
        "$env:TARGET = 'a'; icm -cn $env:TARGET { id }",
        // Copy of something unresolved.
        "$a = Get-Content x; $b = $a; icm -cn $b { id }",
        // A default the text's own call overrides (or may: any argument at all).
        "function Go { param($cn = 'x') icm -cn $cn {} }\nGo -cn other",
        "function Go($cn = 'x') { icm -cn $cn {} }\nGo other",
        // Two functions, two different defaults for the same name.
        "function A { param($cn = 'x') icm -cn $cn {} }\nfunction B { param($cn = 'y') icm -cn $cn {} }\nA; B",
    ] {
        let got = targets(text);
        assert!(
            !got.is_empty() && got.iter().all(|t| t.starts_with('?')),
            "{text}: {got:?}"
        );
    }
}

#[test]
fn resolved_targets_are_literals() {
    let d = detect("$s = 'dc01'; icm -cn $s { id }");
    assert_eq!(d[0].targets, vec![Target::Literal("dc01".into())]);
    assert_eq!(d[0].technique, "icm:cn", "the technique is unchanged");
}

#[test]
fn a_session_variable_is_never_resolved_as_a_host() {
    // `-Session $s` names a session, not a host: a literal in $s must not become a target.
    let d = detect("$s = 'srv1'; Invoke-Command -Session $s { id }");
    assert_eq!(d, vec![]);
}

#[test]
fn many_assignments_stay_bounded() {
    let mut text = String::new();
    for _ in 0..5_000 {
        text.push_str("$s = 'dc01'\n");
    }
    text.push_str("icm -cn ");
    text.push_str(&"$s,".repeat(5_000));
    text.push_str("$s { id }");
    let started = std::time::Instant::now();
    let got = targets(&text);
    assert!(started.elapsed().as_secs() < 5);
    // Past the cap the variable is treated as computed: unresolved, never guessed.
    assert!(got.iter().all(|t| t == "?$s"), "{:?}", &got[..3]);
}
