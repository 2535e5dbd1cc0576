//! Which computers of the index a typed host name denotes, and which are near when none is.

/// Every spelling of `host` among the computers the index knows (case, short vs FQDN).
///
/// Looser than the edges' [`HostMap`](crate::extended::HostMap) on purpose: a short
/// spelling is shown with every FQDN of its label (a timeline shows events, it claims no hop;
/// hiding a host's events because its name is ambiguous would lose them), two FQDNs never.
pub fn host_spellings<'a>(host: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = known
        .into_iter()
        .filter(|k| same_host(host.trim(), k))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Case-insensitive; a short name matches the first label of an FQDN (`srv-db01` ~
/// `SRV-DB01.corp.local`); an address only itself.
fn same_host(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    if a == b {
        return true;
    }
    let is_ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
    if is_ip(&a) || is_ip(&b) {
        return false;
    }
    let short = |s: &str| s.split('.').next().unwrap_or("").to_string();
    (!a.contains('.') && short(&b) == a) || (!b.contains('.') && short(&a) == b)
}

/// Computers whose name is close to `host` (for the error naming an unknown host): the same
/// first label, one containing the other, or a Jaro-Winkler similarity of 0.85 and more.
pub fn near_spellings<'a>(host: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let want = host.trim().to_lowercase();
    let short = |s: &str| s.split('.').next().unwrap_or("").to_string();
    let mut scored: Vec<(f64, String)> = known
        .into_iter()
        .filter_map(|k| {
            let low = k.to_lowercase();
            let sim = strsim::jaro_winkler(&short(&want), &short(&low));
            let close = sim >= 0.85
                || (want.len() >= 3 && low.contains(&want))
                || (low.len() >= 3 && want.contains(&short(&low)));
            close.then(|| (sim, k.to_string()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.truncate(5);
    scored.into_iter().map(|(_, k)| k).collect()
}
