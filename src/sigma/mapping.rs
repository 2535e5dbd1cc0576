//! The log-source and field mapping (`assets/sigma/mapping.toml`), loaded once, and field
//! access on an [`Event`] by the compiled [`Accessor`] a rule's field name resolves to.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use crate::event::Event;

/// Bumped when the matching semantics of the engine change (not the mapping file: its text
/// is hashed into fingerprints on its own).
pub const MAPPING_VERSION: &str = "huntbench-sigma-1";

/// The mapping file's text, as compiled in.
pub const MAPPING_TOML: &str = include_str!("../../assets/sigma/mapping.toml");

#[derive(Debug, Deserialize)]
pub(crate) struct MappingFile {
    #[allow(dead_code)]
    pub version: u32,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub rename: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub category: BTreeMap<String, LogSource>,
    #[serde(default)]
    pub service: BTreeMap<String, LogSource>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LogSource {
    pub sources: Vec<Source>,
}

#[derive(Debug, Deserialize, Clone)]
pub(crate) struct Source {
    pub channel: String,
    #[serde(default)]
    pub codes: Vec<u32>,
    #[serde(default)]
    pub rename: Option<String>,
}

/// The parsed mapping. A broken mapping file is a build defect; the unit tests parse it.
pub(crate) fn mapping() -> &'static MappingFile {
    static M: OnceLock<MappingFile> = OnceLock::new();
    M.get_or_init(|| toml::from_str(MAPPING_TOML).expect("assets/sigma/mapping.toml parses"))
}

/// The xxh3 of the mapping text, hashed into fingerprints.
pub(crate) fn mapping_hash() -> u64 {
    static H: OnceLock<u64> = OnceLock::new();
    *H.get_or_init(|| xxhash_rust::xxh3::xxh3_64(MAPPING_TOML.as_bytes()))
}

/// One source a rule's events may come from, compiled: the channel lowercased once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CompiledSource {
    pub channel: String,
    pub channel_lower: String,
    pub codes: Vec<u32>,
    /// Kept between runs by the table's name (see `rename_table`).
    #[serde(with = "rename_table")]
    pub rename: Option<&'static BTreeMap<String, String>>,
}

/// A source's rename table, written as its name in the mapping file and read back from the
/// compiled-in mapping (the rule-set cache's key holds the mapping's hash, so the name is
/// there).
mod rename_table {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

    type Table = Option<&'static BTreeMap<String, String>>;

    pub fn serialize<S: Serializer>(t: &Table, s: S) -> Result<S::Ok, S::Error> {
        let name = t.and_then(|t| {
            super::mapping()
                .rename
                .iter()
                .find(|(_, v)| std::ptr::eq(*v, t))
                .map(|(k, _)| k.as_str())
        });
        name.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Table, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(n) => super::mapping()
                .rename
                .get(&n)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("no rename table '{n}'"))),
        }
    }
}

impl CompiledSource {
    /// Event code first: a u32 compare rules out nearly every event before the string.
    #[inline]
    pub fn accepts(&self, e: &Event) -> bool {
        (self.codes.is_empty() || self.codes.contains(&e.event_code))
            && e.channel.len() == self.channel.len()
            && (e.channel == self.channel || e.channel.eq_ignore_ascii_case(&self.channel_lower))
    }
}

/// The sources of a logsource (`category`, `service`, `product`); `Err` is the listing reason.
pub(crate) fn resolve_logsource(
    category: Option<&str>,
    service: Option<&str>,
    product: Option<&str>,
) -> Result<(String, Vec<CompiledSource>), String> {
    if let Some(p) = product
        && !p.eq_ignore_ascii_case("windows")
    {
        return Err(format!(
            "no mapping for log source product '{p}' (windows only)"
        ));
    }
    let m = mapping();
    let (key, ls) = match (category, service) {
        (Some(c), _) => (
            c.to_string(),
            m.category
                .get(c)
                .ok_or_else(|| format!("no mapping for log source category '{c}'"))?,
        ),
        (None, Some(s)) => (
            format!("service:{s}"),
            m.service
                .get(s)
                .ok_or_else(|| format!("no mapping for log source service '{s}'"))?,
        ),
        // product: windows alone: any Windows event.
        (None, None) => return Ok(("windows".to_string(), Vec::new())),
    };
    let mut out = Vec::new();
    for s in &ls.sources {
        let rename = match &s.rename {
            Some(r) => Some(
                m.rename
                    .get(r)
                    .ok_or_else(|| format!("mapping names a missing rename table '{r}'"))?,
            ),
            None => None,
        };
        out.push(CompiledSource {
            channel: s.channel.clone(),
            channel_lower: s.channel.to_ascii_lowercase(),
            codes: s.codes.clone(),
            rename,
        });
    }
    Ok((key, out))
}

/// An EventData name, interned: every accessor of one name shares one allocation, so the
/// per-event field cache hashes and compares a pointer, not the text (thousands of rules
/// ask for a few hundred names on every event). Equal text is the same pointer, so the
/// order (by text) agrees with equality.
#[derive(Debug, Clone)]
pub(crate) struct Name(Arc<str>);

/// Written as its text; read back interned, like every other name.
impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        Ok(Name::new(&String::deserialize(d)?))
    }
}

impl Name {
    pub(crate) fn new(s: &str) -> Name {
        // Every name any loaded rule has used: a few thousand at most.
        static NAMES: LazyLock<Mutex<FxHashSet<Arc<str>>>> = LazyLock::new(Default::default);
        let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = names.get(s) {
            return Name(Arc::clone(a));
        }
        let a: Arc<str> = Arc::from(s);
        names.insert(Arc::clone(&a));
        Name(a)
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (Arc::as_ptr(&self.0) as *const u8 as usize).hash(h)
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Where a field's value is read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Accessor {
    EventCode,
    Channel,
    Provider,
    Computer,
    RecordId,
    UserId,
    User,
    ScriptBlockText,
    ScriptBlockId,
    MessageNumber,
    MessageTotal,
    Path,
    /// `Data`: the stored `Data`, else the unnamed `Data_1..n` joined by newlines.
    DataAll,
    /// A raw EventData name (exact, then case-insensitive).
    Data(Name),
}

fn column(name: &str) -> Option<Accessor> {
    Some(match name {
        "event_code" => Accessor::EventCode,
        "channel" => Accessor::Channel,
        "provider" => Accessor::Provider,
        "computer" => Accessor::Computer,
        "record_id" => Accessor::RecordId,
        "user_id" => Accessor::UserId,
        "user" => Accessor::User,
        "script_block_text" => Accessor::ScriptBlockText,
        "script_block_id" => Accessor::ScriptBlockId,
        "message_number" => Accessor::MessageNumber,
        "message_total" => Accessor::MessageTotal,
        "path" => Accessor::Path,
        _ => return None,
    })
}

/// Resolve a Sigma field name for one source (its rename table, then `[fields]`, then data).
pub(crate) fn accessor(name: &str, rename: Option<&BTreeMap<String, String>>) -> Accessor {
    let target = rename
        .and_then(|r| r.get(name))
        .or_else(|| mapping().fields.get(name))
        .map(String::as_str)
        .unwrap_or(name);
    if let Some(col) = target.strip_prefix('@') {
        // An unknown column name in the mapping falls back to a data name of that spelling.
        return column(col).unwrap_or_else(|| Accessor::Data(Name::new(col)));
    }
    if target == "Data" {
        return Accessor::DataAll;
    }
    Accessor::Data(Name::new(target))
}

/// The first EventData value whose name equals `name` ignoring ASCII case: the reference
/// the evaluation cache's folded index is tested against.
#[cfg(test)]
pub(crate) fn data_scan<'a>(e: &'a Event, name: &str) -> Option<&'a str> {
    e.data
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn nonempty(s: &str) -> Option<Cow<'_, str>> {
    (!s.is_empty()).then_some(Cow::Borrowed(s))
}

impl Accessor {
    /// The field's value on this event; `None` when missing or empty. `folded` is the
    /// EventData lookup by name: the exact name, else the first equal ignoring ASCII case (the
    /// evaluation cache gives it from an index built once per event).
    pub fn get_with<'a>(
        &self,
        e: &'a Event,
        folded: &dyn Fn(&str) -> Option<&'a str>,
    ) -> Option<Cow<'a, str>> {
        let col_or_data = |v: &'a Option<String>, name: &str| -> Option<Cow<'a, str>> {
            match v.as_deref() {
                Some(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
                _ => folded(name).map(Cow::Borrowed),
            }
        };
        match self {
            Accessor::EventCode => Some(Cow::Owned(e.event_code.to_string())),
            Accessor::Channel => nonempty(&e.channel),
            Accessor::Provider => nonempty(&e.provider),
            Accessor::Computer => nonempty(&e.computer),
            Accessor::RecordId => e.record_id.map(|r| Cow::Owned(r.to_string())),
            Accessor::UserId => e.user_id.as_deref().and_then(nonempty),
            Accessor::User => col_or_data(&e.user, "User"),
            Accessor::ScriptBlockText => col_or_data(&e.script_block_text, "ScriptBlockText"),
            Accessor::ScriptBlockId => col_or_data(&e.script_block_id, "ScriptBlockId"),
            Accessor::MessageNumber => match e.message_number {
                Some(n) => Some(Cow::Owned(n.to_string())),
                None => folded("MessageNumber").map(Cow::Borrowed),
            },
            Accessor::MessageTotal => match e.message_total {
                Some(n) => Some(Cow::Owned(n.to_string())),
                None => folded("MessageTotal").map(Cow::Borrowed),
            },
            Accessor::Path => col_or_data(&e.path, "Path"),
            Accessor::DataAll => {
                if let Some(v) = e.data.get("Data") {
                    return Some(Cow::Borrowed(v));
                }
                // Data_1..n in number order (the map's order puts Data_10 before Data_2).
                let mut parts: Vec<(u32, &str)> = e
                    .data
                    .range::<str, _>((
                        std::ops::Bound::Included("Data_"),
                        std::ops::Bound::Excluded("Data`"),
                    ))
                    .filter_map(|(k, v)| Some((k["Data_".len()..].parse().ok()?, v.as_str())))
                    .collect();
                parts.sort_by_key(|p| p.0);
                let out = parts.iter().map(|p| p.1).collect::<Vec<_>>().join("\n");
                (!out.is_empty()).then_some(Cow::Owned(out))
            }
            Accessor::Data(name) => folded(name).map(Cow::Borrowed),
        }
    }
}

/// Every string a keyword search looks in: the System text fields, the account fields, the
/// script-block fields and every EventData value. The normalized process copies are left out
/// (their raw EventData is searched), and so is the derived `decoded_command`.
pub(crate) fn keyword_haystacks(e: &Event) -> Vec<&str> {
    let mut v: Vec<&str> = vec![&e.channel, &e.provider, &e.computer];
    for s in [
        &e.user_id,
        &e.user,
        &e.script_block_text,
        &e.script_block_id,
        &e.path,
    ]
    .into_iter()
    .flatten()
    {
        v.push(s);
    }
    v.extend(e.data.values().map(String::as_str));
    v.retain(|s| !s.is_empty());
    v
}
