//! Which computers of the index a typed host name denotes, and which are near when none is.

/// Every spelling of `host` among the computers the index knows: one node of the edges'
/// [`HostMap`](crate::extended::HostMap) (case, short vs FQDN, NetBIOS).
pub fn host_spellings<'a>(host: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let known: Vec<&str> = known.into_iter().collect();
    let mut map = crate::extended::HostMap::new();
    for k in &known {
        map.learn_name(k);
    }
    let key = |s: &str| map.node(s.trim(), s.trim()).map(|n| n.key);
    let Some(want) = key(host) else {
        return Vec::new();
    };
    let mut out: Vec<String> = known
        .into_iter()
        .filter(|k| key(k).as_ref() == Some(&want))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
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
