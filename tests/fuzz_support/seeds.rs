//! Seed inputs, written here: one small valid record in every rendering huntbench reads
//! (XmlWinEventLog, evtx_dump JSON, xmltodict JSON, ECS/winlogbeat, Splunk export, flat,
//! EvtxECmd CSV and JSON), in UTF-8 and UTF-16LE, inside gzip and zip; PowerShell text with
//! the Invoke-Command forms the detector knows; `-EncodedCommand` lines; exclusion patterns;
//! search queries.

use std::io::Write;

use base64::Engine;
use serde_json::{Value, json};

pub const HOST: &str = "WS01.corp.example";
pub const SID: &str = "S-1-5-21-1111-2222-3333-1001";
pub const SCRIPT: &str = "$s = New-PSSession -ComputerName srv02\r\nInvoke-Command -Session $s -ScriptBlock { whoami }\r\n";
pub const CMDLINE: &str = "powershell.exe -c \"Invoke-Command -ComputerName srv02 { whoami }\"";
const PS: &str = "Microsoft-Windows-PowerShell/Operational";
const TIME: &str = "2024-10-21T11:31:56.6587087Z";

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\r', "&#13;")
        .replace('\n', "&#10;")
}

/// One XmlWinEventLog line (what the Splunk add-on indexes) for a 4104 with record id `rec`.
pub fn xml_line(rec: u64, script: &str) -> String {
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
<Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID>\
<TimeCreated SystemTime='{TIME}'/><EventRecordID>{rec}</EventRecordID><Channel>{PS}</Channel>\
<Computer>{HOST}</Computer><Security UserID='{SID}'/></System><EventData>\
<Data Name='MessageNumber'>1</Data><Data Name='MessageTotal'>1</Data>\
<Data Name='ScriptBlockText'>{}</Data><Data Name='ScriptBlockId'>5f2900d0-8268-43f0-bd1b-045e583b2e1f</Data>\
<Data Name='Path'/></EventData></Event>",
        xml_escape(script)
    )
}

fn data() -> Value {
    json!({"MessageNumber": "1", "MessageTotal": "1", "ScriptBlockText": SCRIPT,
        "ScriptBlockId": "5f2900d0-8268-43f0-bd1b-045e583b2e1f"})
}

/// One evtx_dump (evtx crate) JSON record for a 4104 with record id `rec`.
pub fn evtx_dump_line(rec: u64) -> String {
    json!({"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-PowerShell"}},
        "EventID": 4104, "TimeCreated": {"#attributes": {"SystemTime": TIME}},
        "EventRecordID": rec, "Channel": PS, "Computer": HOST,
        "Security": {"#attributes": {"UserID": SID}}}, "EventData": data()}})
    .to_string()
}

fn xmltodict() -> String {
    let items: Vec<Value> = data()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| json!({"@Name": k, "#text": v}))
        .collect();
    json!([{"Event": {"System": {"Provider": {"@Name": "Microsoft-Windows-PowerShell"},
        "EventID": "4104", "TimeCreated": {"@SystemTime": "2024-10-21 11:31:56.6587087"},
        "EventRecordID": "7", "Channel": PS, "Computer": HOST, "Security": {"@UserID": SID}},
        "EventData": {"Data": items}}}])
    .to_string()
}

fn winlogbeat() -> String {
    json!({"@timestamp": "2024-10-21T11:31:56.658Z", "host": {"name": "collector01"},
        "event": {"code": "4104", "provider": "Microsoft-Windows-PowerShell"},
        "winlog": {"channel": PS, "computer_name": HOST, "event_id": 4104, "record_id": 8,
            "user": {"identifier": SID}},
        "powershell": {"file": {"script_block_text": SCRIPT,
            "script_block_id": "aaaaaaaa-0000-4000-8000-000000000001"}, "sequence": 1, "total": 1}})
    .to_string()
        + "\n"
        + &json!({"@timestamp": "2024-10-21T11:31:57.000Z",
            "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon"},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "computer_name": HOST,
                "event_id": 1, "record_id": 9},
            "process": {"command_line": CMDLINE, "name": "powershell.exe", "pid": 4076,
                "executable": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "parent": {"name": "wsmprovhost.exe", "pid": 5632}},
            "user": {"name": "alice", "domain": "CORP"}})
        .to_string()
}

fn splunk_export() -> String {
    json!({"preview": false, "result": {"_time": "2024-10-21T11:31:56.658+00:00",
        "host": "collector01", "sourcetype": "XmlWinEventLog", "_raw": xml_line(10, SCRIPT)}})
    .to_string()
}

fn flat() -> String {
    json!({"@timestamp": "2020-10-22T08:29:53.799Z", "EventID": 4688, "Channel": "security",
        "Hostname": HOST, "RecordNumber": 11, "SourceName": "Microsoft-Windows-Security-Auditing",
        "ProcessId": "0x1690", "NewProcessId": "0x1d60",
        "NewProcessName": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "CommandLine": CMDLINE, "ParentProcessName": "C:\\Windows\\System32\\wsmprovhost.exe",
        "SubjectUserName": "alice", "SubjectDomainName": "CORP", "TargetUserName": "-"})
    .to_string()
}

fn evtxecmd_payload() -> String {
    let items: Vec<Value> = data()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| json!({"@Name": k, "#text": v}))
        .collect();
    json!({"EventData": {"Data": items}}).to_string()
}

fn evtxecmd_csv() -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "RecordNumber",
        "EventRecordId",
        "TimeCreated",
        "EventId",
        "Provider",
        "Channel",
        "Computer",
        "UserId",
        "Payload",
    ])
    .unwrap();
    let payload = evtxecmd_payload();
    w.write_record([
        "1",
        "12",
        "2024-10-21 11:31:56.6587087",
        "4104",
        "Microsoft-Windows-PowerShell",
        PS,
        HOST,
        SID,
        payload.as_str(),
    ])
    .unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn evtxecmd_json() -> String {
    json!({"RecordNumber": 1, "EventRecordId": "13", "TimeCreated": "2024-10-21T11:31:56.6587087+00:00",
        "EventId": 4104, "Provider": "Microsoft-Windows-PowerShell", "Channel": PS,
        "Computer": HOST, "UserId": SID, "Payload": evtxecmd_payload()})
    .to_string()
}

fn utf16le(s: &str) -> Vec<u8> {
    [0xFF, 0xFE]
        .into_iter()
        .chain(s.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b).unwrap();
    gz.finish().unwrap()
}

pub fn zip(name: &str, b: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file(name, opts).unwrap();
    z.write_all(b).unwrap();
    z.finish().unwrap().into_inner()
}

/// Every text rendering of the seed records: (name, bytes). Each parses without an error.
pub fn text_renderings() -> Vec<(String, Vec<u8>)> {
    let xml = xml_line(1, SCRIPT) + "\n";
    vec![
        ("xmlwineventlog".into(), xml.clone().into_bytes()),
        (
            "xml_events_doc".into(),
            format!(
                "<?xml version=\"1.0\"?>\r\n<Events>\r\n{}\r\n</Events>\r\n",
                xml_line(2, SCRIPT)
            )
            .into_bytes(),
        ),
        ("evtx_dump".into(), (evtx_dump_line(3) + "\n").into_bytes()),
        ("xmltodict".into(), xmltodict().into_bytes()),
        ("winlogbeat".into(), winlogbeat().into_bytes()),
        ("splunk_export".into(), splunk_export().into_bytes()),
        (
            "splunk_results".into(),
            json!({"results": [{"_time": "2024-10-21T11:31:56.658+00:00", "EventCode": "4104",
                "LogName": PS, "ComputerName": HOST, "RecordNumber": "14",
                "ScriptBlockText": SCRIPT}]})
            .to_string()
            .into_bytes(),
        ),
        ("flat".into(), flat().into_bytes()),
        ("evtxecmd_csv".into(), evtxecmd_csv().into_bytes()),
        ("evtxecmd_json".into(), evtxecmd_json().into_bytes()),
        ("xml_utf16le".into(), utf16le(&xml)),
        (
            "evtx_dump_bom".into(),
            [b"\xEF\xBB\xBF".as_slice(), evtx_dump_line(4).as_bytes()].concat(),
        ),
    ]
}

/// The text renderings plus gzip and zip wrappers of two of them.
pub fn ingest_seeds() -> Vec<(String, Vec<u8>)> {
    let mut all = text_renderings();
    let xml = xml_line(5, SCRIPT).into_bytes();
    let ndjson = evtx_dump_line(6).into_bytes();
    all.push(("gzip_xml".into(), gzip(&xml)));
    all.push(("zip_evtx_dump".into(), zip("logs/a.json", &ndjson)));
    all.push(("gzip_in_zip".into(), zip("a.xml.gz", &gzip(&xml))));
    all
}

/// PowerShell that names remote execution in the ways the detector knows.
pub const SCRIPTS: &[&str] = &[
    SCRIPT,
    "Invoke-Command -ComputerName srv01,srv02 -ScriptBlock { Get-Process }",
    "icm -cn srv01 { hostname }",
    "Inv`oke-Com`mand –ComputerName:'srv03' {whoami} # icm -cn b\n<# icm #>",
    "$p = @{ComputerName='srv04'; ScriptBlock={ipconfig}}\nInvoke-Command @p",
    "Enter-PSSession -ComputerName srv05",
    "Invoke-Command -ConnectionUri http://srv06:5985/wsman -ScriptBlock { 1 }",
    "function go { icm -Cn $args[0] {} }\ngo srv07",
    "Invoke-Command -Comp \"srv08\" -Scr { \"a$($x)b\" }",
    "$h = @'\nicm -cn x\n'@\n$env:COMPUTERNAME; $(Get-Date); @(1,2)[0]",
];

/// Base64 of the UTF-16LE text, as `-EncodedCommand` takes it.
pub fn encode_command(script: &str) -> String {
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Command lines: inline scripts and `-EncodedCommand` in its prefixes and spellings.
pub fn command_lines() -> Vec<String> {
    let enc = encode_command("Invoke-Command -ComputerName srv01 { whoami }");
    vec![
        CMDLINE.to_string(),
        format!("powershell.exe -NoP -NonI -W Hidden -enc {enc}"),
        format!(
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -EncodedCommand {enc}"
        ),
        format!("pwsh /e \"{enc}\""),
        format!("powershell –ec {}", enc.trim_end_matches('=')),
        "powershell.exe -ExecutionPolicy Bypass -File x.ps1".to_string(),
        "cmd.exe /c powershell -Command \"icm -cn srv02 {1}\"".to_string(),
    ]
}

/// Exclusion patterns as the CLI and the TUI take them.
pub const PATTERNS: &[&str] = &[
    "MGMT01.corp.local",
    "mgmt*",
    "*\\svc_patch",
    "*Invoke-Command*-ComputerName*",
    "in:srv01, srv02 ,srv03",
    "eq:literal*star",
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "S-1-5-21-1111-2222-3333-1001",
];

/// Search queries from the README, each valid.
pub const QUERIES: &[&str] = &[
    "event_code:4104 AND computer:ws-fin-07.corp.local",
    "ScriptBlockText=\"*Invoke-Command*\" ScriptBlockText=\"*-ComputerName*\" NOT Computer=mgmt01*",
    "event_code:800 AND Message=\"*Invoke-Command*\"",
    "computer:*corp.local OR user:\"CORP\\j.miller\"",
    "script_block_text:\"invoke-command srv01\" whoami",
    "process!=\"x*\" -user:corp\\*",
    "Computer IN (a, \"b c\") (event_code:[4100 TO 4104] OR record_id:>=10)",
    "time:[2024-10-21T11:00:00 TO 2024-10-21T12:00:00] time:>=-24h",
    "computer:(ws01 OR ws02) TargetUserName=\"adm*\"",
];

/// A valid 4096-byte EVTX file header announcing one chunk (the evtx crate reads it even with
/// a wrong checksum, so none is computed), so fuzzed bytes after it reach the chunk parser.
pub fn evtx_header() -> Vec<u8> {
    let mut h = vec![0u8; 4096];
    h[..8].copy_from_slice(b"ElfFile\0");
    h[24..32].copy_from_slice(&1u64.to_le_bytes()); // next record id
    h[32..36].copy_from_slice(&128u32.to_le_bytes()); // header size
    h[36..38].copy_from_slice(&1u16.to_le_bytes()); // minor version
    h[38..40].copy_from_slice(&3u16.to_le_bytes()); // major version
    h[40..42].copy_from_slice(&4096u16.to_le_bytes()); // header block size
    h[42..44].copy_from_slice(&1u16.to_le_bytes()); // chunk count
    h
}
