//! The intruder's hops as both ends log them: the session every hop opens on its target, and
//! the names the chain's hosts go by across the corpus.

use super::sessions::Session;
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
pub(crate) const ARCHIVE_IFM: &str = "Compress-Archive -Path C:\\Windows\\Temp\\ifm -DestinationPath C:\\Windows\\Temp\\ifm.zip -Force";

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
