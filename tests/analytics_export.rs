//! SEMANTICS.md §6: exclusions exported as a Splunk `_filter` macro stanza and a Sigma filter.

use huntbench::analytics::{
    Exclusion, ExclusionOp, SavedQuery, builtin_queries, sha256_hex, sigma_filter,
    splunk_filter_stanza,
};

const SB: &str = "remote_process_instantiation_via_winrm_and_powershell_script_block";
const PROC: &str = "remote_process_instantiation_via_winrm_and_powershell";

fn query(id: &str) -> SavedQuery {
    builtin_queries().into_iter().find(|q| q.id == id).unwrap()
}

fn x(id: &str, field: &str, op: ExclusionOp) -> Exclusion {
    Exclusion {
        id: id.into(),
        analytic: SB.into(),
        field: field.into(),
        op,
        note: None,
        enabled: true,
        created: String::new(),
    }
}

fn export_set() -> Vec<Exclusion> {
    let mut off = x("x6", "Computer", ExclusionOp::Equals("never".into()));
    off.enabled = false;
    let mut foreign = x("x7", "dest", ExclusionOp::Equals("other".into()));
    foreign.analytic = PROC.into();
    vec![
        x(
            "x1",
            "Computer",
            ExclusionOp::Equals("mgmt01.corp.local".into()),
        ),
        x(
            "x2",
            "user_id",
            ExclusionOp::OneOf(vec!["S-1-5-18".into(), "S-1-5-19".into()]),
        ),
        x(
            "x3",
            "ScriptBlockText",
            ExclusionOp::Wildcard("*C:\\Tools\\dbatools\\*".into()),
        ),
        x(
            "x4",
            "ScriptBlockText",
            ExclusionOp::Equals("Write-Host \"hi\" 2>&1\nexit".into()),
        ),
        x(
            "x5",
            "ScriptBlockText",
            ExclusionOp::Sha256(sha256_hex("abc")),
        ),
        x("x8", "Computer", ExclusionOp::Equals("a*b".into())),
        off,
        foreign,
    ]
}

#[test]
fn splunk_stanza_is_exact() {
    let q = query(SB);
    let got = splunk_filter_stanza(&q, &export_set());
    let want = concat!(
        "[remote_process_instantiation_via_winrm_and_powershell_script_block_filter]\n",
        "definition = search NOT Computer=\"mgmt01.corp.local\" NOT user_id IN (\"S-1-5-18\",\"S-1-5-19\")",
        " NOT ScriptBlockText=\"*C:\\\\Tools\\\\dbatools\\\\*\"",
        // Quotes escaped, `>` and `&` encoded as the add-on indexes them, the newline continued.
        " NOT ScriptBlockText=\"Write-Host \\\"hi\\\" 2&gt;&amp;1\\\n",
        "exit\"",
        // A literal `*` in an Equals value: `where`, since `search` would read it as a wildcard.
        " | where NOT (lower(Computer)=lower(\"a*b\"))",
        // Splunk's text is entity-encoded: decode it before hashing, as huntbench hashes.
        " | eval _hb_hash=sha256(replace(replace(replace(ScriptBlockText,\"&lt;\",\"<\"),\"&gt;\",\">\"),\"&amp;\",\"&\"))",
        " | search NOT _hb_hash IN (\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\")",
        " | fields - _hb_hash\n",
    );
    assert_eq!(got, want);
    // Every line but the last ends with the `\` continuation, so Splunk reads one definition.
    let lines: Vec<&str> = got.lines().skip(1).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with('\\') && !lines[1].ends_with('\\'));
}

#[test]
fn splunk_stanza_defaults_and_hash_only() {
    let proc = query(PROC);
    assert_eq!(
        splunk_filter_stanza(&proc, &export_set()),
        "[remote_process_instantiation_via_winrm_and_powershell_filter]\ndefinition = NOT dest=\"other\"\n"
            .replace("= NOT", "= search NOT")
    );
    assert_eq!(
        splunk_filter_stanza(&proc, &[]),
        "[remote_process_instantiation_via_winrm_and_powershell_filter]\ndefinition = search *\n"
    );
    let q = query(SB);
    let only_hash = [x(
        "x1",
        "ScriptBlockText",
        ExclusionOp::Sha256("AB".repeat(32)),
    )];
    assert_eq!(
        splunk_filter_stanza(&q, &only_hash),
        format!(
            "[{SB}_filter]\ndefinition = eval _hb_hash=sha256(replace(replace(replace(ScriptBlockText,\"&lt;\",\"<\"),\"&gt;\",\">\"),\"&amp;\",\"&\")) | search NOT _hb_hash IN (\"{}\") | fields - _hb_hash\n",
            "ab".repeat(32)
        )
    );
}

#[test]
fn sigma_filter_lists_expressible_exclusions() {
    let q = query(SB);
    let y = sigma_filter(&q, &export_set());
    assert!(y.contains("    category: ps_script\n"), "{y}");
    assert!(y.contains("filter:\n    rules:\n        - remote_process_instantiation_via_winrm_and_powershell_script_block\n"), "{y}");
    assert!(
        y.contains("    filter_x1:\n        Computer:\n            - \"mgmt01.corp.local\"\n"),
        "{y}"
    );
    assert!(y.contains("    filter_x2:\n        UserID:\n            - \"S-1-5-18\"\n            - \"S-1-5-19\"\n"), "{y}");
    // Sigma escapes backslashes; the YAML scalar escapes them again.
    assert!(
        y.contains("            - \"*C:\\\\\\\\Tools\\\\\\\\dbatools\\\\\\\\*\"\n"),
        "{y}"
    );
    assert!(
        y.contains("# not expressible in Sigma: x5 (sha256 of ScriptBlockText)\n"),
        "{y}"
    );
    assert!(
        y.ends_with(
            "    condition: not filter_x1 and not filter_x2 and not filter_x3 and not filter_x4 and not filter_x8\n"
        ),
        "{y}"
    );
    assert!(!y.contains("x6") && !y.contains("x7"));
    let p = sigma_filter(&query(PROC), &[]);
    assert!(
        p.contains("category: process_creation") && p.ends_with("    condition: 'false'\n"),
        "{p}"
    );
}

// ---------- control and bidi characters never reach a .conf or a terminal raw ----------

const HOSTILE: &str = "Write-Output \"\u{1b}]0;pwned\u{7}\u{9b}2J\" # \u{202E}fdp.exe\r\nexit";

fn hostile_set() -> Vec<Exclusion> {
    vec![
        x("x1", "ScriptBlockText", ExclusionOp::Equals(HOSTILE.into())),
        x(
            "x2",
            "Computer",
            ExclusionOp::OneOf(vec!["ws\u{1b}[2J01".into(), "mgmt01".into()]),
        ),
        x(
            "x3",
            "ScriptBlockText",
            ExclusionOp::Wildcard("*\u{1b}]52;*".into()),
        ),
        x("x4", "Computer", ExclusionOp::Equals("line1\nline2".into())),
    ]
}

/// No control character but `\n`, no bidi or C1 character.
fn assert_inert(out: &str) {
    assert!(
        !out.chars()
            .any(|c| c != '\n' && huntbench::sanitize::is_hazard(c)),
        "raw control or bidi character in {out:?}"
    );
}

#[test]
fn splunk_export_hashes_what_a_conf_line_cannot_carry() {
    let got = splunk_filter_stanza(&query(SB), &hostile_set());
    assert_inert(&got);
    let want = format!(
        concat!(
            "# x1: the ScriptBlockText value holds U+0007, U+000D, U+001B, U+009B, U+202E, which a .conf line cannot carry: exported as the SHA-256 of its exact text (case-sensitive)\n",
            "# x2: 1 of its Computer values hold U+001B, which a .conf line cannot carry: exported as the SHA-256 of their exact text (case-sensitive)\n",
            "# x3 not exported: its ScriptBlockText pattern holds U+001B, which a .conf line cannot carry and a pattern cannot be hashed; exclude the exact text instead (`c` in the workbench, or `sha256:HEX`) or put `*` where the character is\n",
            "[{sb}_filter]\n",
            "definition = search NOT Computer IN (\"mgmt01\") NOT Computer=\"line1\\\n",
            "line2\"",
            " | eval _hb_hash=sha256(replace(replace(replace(ScriptBlockText,\"&lt;\",\"<\"),\"&gt;\",\">\"),\"&amp;\",\"&\"))",
            " | search NOT _hb_hash IN (\"{h1}\") | fields - _hb_hash",
            " | eval _hb_hash2=sha256(replace(replace(replace(Computer,\"&lt;\",\"<\"),\"&gt;\",\">\"),\"&amp;\",\"&\"))",
            " | search NOT _hb_hash2 IN (\"{h2}\") | fields - _hb_hash2\n",
        ),
        sb = SB,
        h1 = sha256_hex(HOSTILE),
        h2 = sha256_hex("ws\u{1b}[2J01"),
    );
    assert_eq!(got, want);
}

#[test]
fn sigma_export_keeps_exact_values_as_yaml_escapes() {
    let y = sigma_filter(&query(SB), &hostile_set());
    assert_inert(&y);
    let line = y
        .lines()
        .find(|l| l.contains("Write-Output"))
        .expect("x1's value")
        .trim()
        .trim_start_matches("- ");
    assert_eq!(
        line,
        "\"Write-Output \\\"\\u001b]0;pwned\\u0007\\u009b2J\\\" # \\u202efdp.exe\\r\\nexit\""
    );
    // A YAML double-quoted scalar with JSON escapes: it reads back as the exact text.
    let back: String = serde_json::from_str(line).unwrap();
    assert_eq!(back, HOSTILE);
    assert!(y.contains("- \"*\\u001b]52;*\"\n"), "{y}");
}
