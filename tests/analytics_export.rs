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
