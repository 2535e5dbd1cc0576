//! One rule file's YAML → a compiled [`Rule`], or the [`Listing`] that says why not.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use super::condition::{self, Cond};
use super::detection::{self, Search};
use super::mapping::{self, CompiledSource};
use super::{Level, Listing, Rule};

pub(crate) const MULTI_DOC: &str =
    "multi-document rule files (collections, correlations) are not supported";
pub(crate) const AGGREGATION: &str = "aggregation/correlation not supported";

fn str_of<'a>(doc: &'a Yaml, key: &str) -> Option<&'a str> {
    doc[key].as_str()
}

fn level_of(s: &str) -> Option<Level> {
    Some(match s.to_ascii_lowercase().as_str() {
        "informational" => Level::Informational,
        "low" => Level::Low,
        "medium" => Level::Medium,
        "high" => Level::High,
        "critical" => Level::Critical,
        _ => return None,
    })
}

/// Canonical text of a YAML value: map keys sorted, every scalar tagged with its type, so
/// the fingerprint ignores layout and key order but not content.
fn canon(y: &Yaml, out: &mut String) {
    match y {
        Yaml::Hash(h) => {
            let mut items: Vec<(String, &Yaml)> = h
                .iter()
                .map(|(k, v)| {
                    let mut ks = String::new();
                    canon(k, &mut ks);
                    (ks, v)
                })
                .collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (k, v) in items {
                out.push_str(&k);
                out.push(':');
                canon(v, out);
                out.push(',');
            }
            out.push('}');
        }
        Yaml::Array(a) => {
            out.push('[');
            for v in a {
                canon(v, out);
                out.push(',');
            }
            out.push(']');
        }
        Yaml::String(s) => {
            out.push('s');
            out.push_str(&format!("{}:{s}", s.len()));
        }
        Yaml::Real(s) => out.push_str(&format!("r{}:{s}", s.len())),
        Yaml::Integer(i) => out.push_str(&format!("i{i};")),
        Yaml::Boolean(b) => out.push_str(&format!("b{b};")),
        Yaml::Null => out.push('~'),
        Yaml::Alias(n) => out.push_str(&format!("a{n};")),
        Yaml::BadValue => out.push('!'),
    }
}

/// Parse and compile one rule.
// The listing is the API's error value (RuleSet::parse_one), returned whole.
#[allow(clippy::result_large_err)]
pub(crate) fn parse(path: &Path, text: &str) -> Result<Rule, Listing> {
    let mut listing = Listing {
        id: path.display().to_string(),
        title: String::new(),
        level: None,
        status: None,
        path: path.to_path_buf(),
        reason: None,
    };
    #[allow(clippy::result_large_err)]
    let fail = |mut l: Listing, why: String| -> Result<Rule, Listing> {
        l.reason = Some(why);
        Err(l)
    };
    let docs = match YamlLoader::load_from_str(text) {
        Ok(d) => d,
        Err(e) => return fail(listing, format!("YAML does not parse: {e}")),
    };
    let Some(doc) = docs.first() else {
        return fail(listing, "empty file".into());
    };
    if let Some(id) = str_of(doc, "id") {
        listing.id = id.to_string();
    }
    listing.title = str_of(doc, "title").unwrap_or_default().to_string();
    listing.status = str_of(doc, "status").map(str::to_string);
    let level_text = str_of(doc, "level").map(str::to_string);
    listing.level = level_text.as_deref().and_then(level_of);
    if docs.len() > 1 {
        return fail(listing, MULTI_DOC.into());
    }
    if !doc["correlation"].is_badvalue() {
        return fail(listing, AGGREGATION.into());
    }
    let level = match (&level_text, listing.level) {
        (_, Some(l)) => l,
        (None, None) => return fail(listing, "no level".into()),
        (Some(t), None) => return fail(listing, format!("unknown level '{t}'")),
    };
    match compile(doc) {
        Ok(c) => Ok(Rule {
            id: listing.id,
            title: listing.title,
            level,
            status: listing.status,
            path: listing.path,
            sources: c.sources,
            searches: c.searches,
            cond: c.cond,
            fingerprint: c.fingerprint,
            logsource_key: c.logsource_key,
        }),
        Err(why) => {
            // A condition that does not parse names the file, for the human who must fix it;
            // other reasons stay plain so listings group by reason.
            let why = if why.contains("condition") && !why.starts_with(AGGREGATION) {
                format!("{}: {why}", path.display())
            } else {
                why
            };
            fail(listing, why)
        }
    }
}

struct Compiled {
    sources: Vec<CompiledSource>,
    searches: Vec<Search>,
    cond: Cond,
    fingerprint: u64,
    logsource_key: String,
}

fn compile(doc: &Yaml) -> Result<Compiled, String> {
    let ls = &doc["logsource"];
    if !matches!(ls, Yaml::Hash(_)) {
        return Err("no logsource".into());
    }
    let (logsource_key, sources) = mapping::resolve_logsource(
        ls["category"].as_str(),
        ls["service"].as_str(),
        ls["product"].as_str(),
    )?;
    let det = &doc["detection"];
    let Yaml::Hash(h) = det else {
        return Err("no detection".into());
    };
    if !det["timeframe"].is_badvalue() {
        return Err(AGGREGATION.into());
    }
    let mut names = Vec::new();
    let mut searches = Vec::new();
    for (k, v) in h {
        let Some(k) = k.as_str() else {
            return Err("a search identifier that is not a string".into());
        };
        if k == "condition" || k == "timeframe" {
            continue;
        }
        searches.push(detection::compile_search(v, &sources).map_err(|e| format!("{e} (in {k})"))?);
        names.push(k.to_string());
    }
    let cond = match &det["condition"] {
        Yaml::String(s) => condition::parse(s, &names)?,
        // A list of conditions (older rules): any of them.
        Yaml::Array(a) => {
            let mut v = Vec::new();
            for c in a {
                let s = c.as_str().ok_or("a condition that is not a string")?;
                v.push(condition::parse(s, &names)?);
            }
            Cond::Or(v)
        }
        Yaml::BadValue => return Err("no condition".into()),
        _ => return Err("a condition that is not a string".into()),
    };
    let mut text = String::new();
    text.push_str(mapping::MAPPING_VERSION);
    text.push_str(&format!("|{:016x}|", mapping::mapping_hash()));
    for key in ["product", "category", "service"] {
        canon(&ls[key], &mut text);
    }
    canon(det, &mut text);
    let fingerprint = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    Ok(Compiled {
        sources,
        searches,
        cond,
        fingerprint,
        logsource_key,
    })
}
