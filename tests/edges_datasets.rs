//! The host map over real captures: Security-Datasets' covenant PowerShell-remoting capture
//! (WORKSTATION5 → WORKSTATION6 in domain theshire.local, DC MORDORDC) names its hosts'
//! addresses through the DC's machine-account logons; its SRV answer names none.

mod datasets_support;

use huntbench::analytics;
use huntbench::index::Index;
use huntbench::pipeline::IngestOptions;
use huntbench::workbench::Workbench;

#[test]
fn covenant_capture_names_the_workstations_addresses() {
    let Some(root) =
        datasets_support::datasets("covenant_capture_names_the_workstations_addresses")
    else {
        return;
    };
    let file = root.join("security-datasets/covenant_psremoting_command_2020-08-06115603.json");
    let tmp = tempfile::tempdir().unwrap();
    let wb = Workbench::from_parts(
        Index::create_or_open(&tmp.path().join("index")).unwrap(),
        analytics::load_saved_queries(None).unwrap(),
        tmp.path().join("x.toml"),
    );
    wb.ingest(
        vec![file],
        &IngestOptions::default(),
        &mut |_| {},
        &mut |_| {},
    )
    .unwrap();
    let hosts = wb.host_map().unwrap();
    let name = |raw: &str| {
        let n = hosts.node(raw, "WORKSTATION6.theshire.local").unwrap();
        (n.display, n.note)
    };
    let host = |s: &str| (s.to_string(), None);
    // The DC's 4624s of the machine accounts WORKSTATION5$ / WORKSTATION6$, and each
    // workstation's own TCP connections; the DC's UDP answers (Sysmon logs them as
    // uninitiated, the client as "destination") name nothing.
    assert_eq!(name("172.18.39.5"), host("WORKSTATION5.theshire.local"));
    assert_eq!(name("172.18.39.6"), host("WORKSTATION6.theshire.local"));
    assert_eq!(name("172.18.38.5"), host("MORDORDC.theshire.local"));
    assert_eq!(
        name("fe80::3816:b2ee:1b9b:324b"),
        host("MORDORDC.theshire.local")
    );
    // Through the CNAME chain of a Sysmon 22 answer, not the query name.
    assert_eq!(
        name("52.114.6.46"),
        host("skypedataprdcolase04.cloudapp.net")
    );
    for spelling in ["WORKSTATION5", "workstation5$", r"THESHIRE\WORKSTATION5$"] {
        assert_eq!(
            name(spelling),
            host("WORKSTATION5.theshire.local"),
            "{spelling}"
        );
    }
    assert_eq!(name("localhost"), host("WORKSTATION6.theshire.local"));
}
