//! The timeline over real public data: Security-Datasets' Covenant PowerShell-remoting
//! recording holds both ends of one hop (WORKSTATION5 → WORKSTATION6).

mod cli_support;
mod datasets_support;

use serde_json::Value;

#[test]
fn the_receiving_end_of_the_covenant_hop_around_its_network_logon() {
    let Some(d) = datasets_support::datasets("timeline_datasets") else {
        return;
    };
    let file = d.join("security-datasets/covenant_psremoting_command_2020-08-06115603.json");
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = cli_support::run(tmp.path(), &["ingest", file.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    // The short name, as a hunter types it; the index spells it as an FQDN.
    let (code, out, err) = cli_support::run(
        tmp.path(),
        &[
            "timeline",
            "--host",
            "workstation6",
            "--user",
            "pgustavo",
            "--around",
            "2020-08-06T15:56:22",
            "--window",
            "15s",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["spellings"],
        serde_json::json!(["WORKSTATION6.theshire.local"])
    );
    let lines = v["lines"].as_array().unwrap();
    let has = |code: u64, summary: &str| {
        lines
            .iter()
            .any(|l| l["event_code"] == code && l["summary"].as_str() == Some(summary))
    };
    assert!(
        has(4624, "logon type 3 · THESHIRE.LOCAL\\pgustavo"),
        "{v:#}"
    );
    assert!(
        has(4672, "special privileges · THESHIRE\\pgustavo"),
        "{v:#}"
    );
    assert!(
        has(
            4688,
            "C:\\windows\\system32\\wsmprovhost.exe -Embedding · parent svchost.exe"
        ),
        "{v:#}"
    );
    assert!(
        has(
            4103,
            "CommandInvocation(Get-Process): \"Get-Process\" · host C:\\windows\\system32\\wsmprovhost.exe -Embedding"
        ),
        "{v:#}"
    );
    let times: Vec<i64> = lines
        .iter()
        .map(|l| l["time_us"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    assert!(
        lines
            .iter()
            .all(|l| l["host"] == "WORKSTATION6.theshire.local")
    );
}
