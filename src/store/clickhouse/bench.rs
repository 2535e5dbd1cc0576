//! What `huntbench bench --store` needs of a store it owns: whether its database exists,
//! dropping it, and timing the duplicate guard.

use super::http::quote;
use super::schema::EVENT_COLUMNS;
use super::setup::shard_servers;
use super::{ONCE, entry_of};
use crate::store::{StoreError, StoreUrl};

/// Does the store's database exist (on the entry server)?
pub fn database_exists(url: &StoreUrl) -> Result<bool, StoreError> {
    let entry = entry_of(url);
    let n = entry.query(&format!(
        "SELECT count() FROM system.databases WHERE name = {}",
        quote(&url.database)
    ))?;
    Ok(n.trim() != "0")
}

/// Drop the store's database on the entry and every shard server (the bench's own only).
pub fn drop_database(url: &StoreUrl) -> Result<(), StoreError> {
    let entry = entry_of(url);
    let mut servers = vec![entry.clone()];
    if let Some(c) = &url.cluster {
        servers.extend(shard_servers(&entry, url, c)?);
    }
    for s in servers {
        s.query(&format!("DROP DATABASE IF EXISTS {}", url.database))?;
    }
    Ok(())
}

/// Median seconds of reading one tag's events (every column) three ways: as huntbench does
/// (`LIMIT 1 BY uid`), with `FINAL`, and with no duplicate guard, over `reps` runs each.
pub fn guard_cost(url: &StoreUrl, tag: &str, reps: usize) -> Result<[f64; 3], StoreError> {
    let entry = entry_of(url);
    let table = format!("{}.events", url.database);
    let cols: Vec<String> = EVENT_COLUMNS
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    let select = format!("SELECT {} FROM {table}", cols.join(", "));
    let filter = format!("WHERE has(tags, {})", quote(tag));
    let time = |sql: String| -> Result<f64, StoreError> {
        let mut v = Vec::new();
        for _ in 0..reps {
            let t = std::time::Instant::now();
            entry.query_lines(&sql, &mut |_| Ok(()))?;
            v.push(t.elapsed().as_secs_f64());
        }
        v.sort_by(f64::total_cmp);
        Ok(v[v.len() / 2])
    };
    Ok([
        time(format!("{select} {filter} {ONCE} FORMAT JSONEachRow"))?,
        time(format!("{select} FINAL {filter} FORMAT JSONEachRow"))?,
        time(format!("{select} {filter} FORMAT JSONEachRow"))?,
    ])
}
