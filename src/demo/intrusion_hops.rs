//! The intruder's hops as both ends log them: the session every hop opens on its target, the
//! hop only its target logs, and the names the chain's hosts go by across the corpus.

use super::build::encode_command;
use super::sessions::Session;
use super::story::{POWERSHELL, Story};
use super::world::{self, DC, DOMAIN, SRV_DB, SRV_FILE, VICTIM, WS_FIN, short};

/// An intruder hop as its target logs it, Sysmon 3 of the connection on both ends.
pub(crate) fn hop<'a>(
    source: &'a str,
    target: &'a str,
    children: &'a [(&'a str, &'a str)],
    inner_text: Option<&'a str>,
) -> Session<'a> {
    let mut s = Session::new(source, target, &VICTIM);
    s.children = children;
    s.inner_text = inner_text;
    s.intruder = true;
    s.connections = true;
    s
}

/// What the intruder decodes and runs on the domain controller: archive the IFM copy.
const ARCHIVE_IFM: &str = "Compress-Archive -Path C:\\Windows\\Temp\\ifm -DestinationPath C:\\Windows\\Temp\\ifm.zip -Force";

/// The names the chain's hosts go by in the corpus (for [`super::Expected::spellings`]).
pub(crate) fn spellings() -> Vec<(String, Vec<String>)> {
    [WS_FIN, SRV_FILE, SRV_DB, DC]
        .iter()
        .map(|h| {
            let mut names = vec![h.to_string(), short(h).to_string(), world::ip(h)];
            if *h == SRV_DB {
                names.push(h.to_lowercase());
                names.push(format!("{DOMAIN}\\{}", world::machine_account(h)));
            }
            (h.to_string(), names)
        })
        .collect()
}

/// Scene 6b: from inside the Enter-PSSession on SRV-FILE02, onward to DC01 with explicit
/// credentials (NTLM). SRV-FILE02 logs no script blocks and Sysmon there skips wsmprovhost's
/// connections: only DC01's logs show this hop.
pub(crate) fn onward_from_file_server(st: &mut Story, t: i64) {
    let enc = format!(
        "\"{POWERSHELL}\" -NoP -NonI -enc {}",
        encode_command(ARCHIVE_IFM)
    );
    let children = [
        (
            "C:\\Windows\\System32\\ntdsutil.exe",
            "ntdsutil.exe \"ac i ntds\" \"ifm\" \"create full C:\\Windows\\Temp\\ifm\" q q",
        ),
        (POWERSHELL, enc.as_str()),
    ];
    let block = format!(
        " ntdsutil.exe 'ac i ntds' 'ifm' 'create full C:\\Windows\\Temp\\ifm' q q; powershell -NoP -NonI -enc {} ",
        encode_command(ARCHIVE_IFM)
    );
    let mut s = hop(SRV_FILE, DC, &children, Some(&block));
    s.ntlm = true;
    s.connections = false;
    st.session(t, &s);
}
