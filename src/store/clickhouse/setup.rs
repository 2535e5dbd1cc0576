//! Finding a cluster's shard servers and making the tables on each of them.

use std::collections::HashSet;

use serde::Deserialize;

use super::http::{Http, quote};
use super::parse;
use super::schema::{self, STORE_SCHEMA};
use crate::index::CommitMeta;
use crate::store::{StoreError, StoreUrl};

/// The servers of every shard (and replica) of `cluster`, each by its HTTP interface: the
/// host from `system.clusters` and the port from that server's `http_port` macro (8123 when
/// it has none), since `system.clusters` names only the native port.
pub(super) fn shard_servers(
    entry: &Http,
    url: &StoreUrl,
    cluster: &str,
) -> Result<Vec<Http>, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        host_address: String,
        port: u16,
    }
    let q = format!(
        "SELECT host_address, port FROM system.clusters WHERE cluster = {} ORDER BY shard_num, replica_num FORMAT JSONEachRow",
        quote(cluster)
    );
    let mut found: Vec<Row> = Vec::new();
    entry.query_lines(&q, &mut |line| {
        found.push(parse(line)?);
        Ok(())
    })?;
    if found.is_empty() {
        let known = entry.query("SELECT DISTINCT cluster FROM system.clusters")?;
        let known: Vec<&str> = known.lines().collect();
        return Err(StoreError::Remote(format!(
            "ClickHouse at {} has no cluster {cluster:?} in its remote_servers (it knows: {})",
            entry.name,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let mut out = Vec::new();
    for r in found {
        let q = format!(
            "SELECT substitution FROM remote({}, system.macros) WHERE macro = 'http_port'",
            quote(&format!("{}:{}", r.host_address, r.port))
        );
        let port = entry.query(&q).map_err(|e| {
            StoreError::Remote(format!(
                "shard server {}:{} of cluster {cluster} cannot be reached: {e}",
                r.host_address, r.port
            ))
        })?;
        let port: u16 = port.trim().parse().unwrap_or(8123);
        out.push(Http::new(
            &r.host_address,
            port,
            url.user.as_deref(),
            url.password.as_deref(),
        ));
    }
    Ok(out)
}

/// Make the database and tables on every server that needs them (idempotent).
pub(super) fn create_tables(
    entry: &Http,
    servers: &[Http],
    url: &StoreUrl,
) -> Result<(), StoreError> {
    let db = &url.database;
    let mut done = HashSet::new();
    for s in std::iter::once(entry).chain(servers) {
        if !done.insert(s.name.clone()) {
            continue;
        }
        s.query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))?;
        s.query(&schema::meta_table(db))?;
        match &url.cluster {
            None => {
                s.query(&schema::events_table(db, "events"))?;
            }
            Some(c) => {
                let on_shard = servers.iter().any(|x| x.name == s.name);
                if on_shard {
                    s.query(&schema::events_table(db, "events_local"))?;
                }
                s.query(&schema::distributed_table(db, c, "events_local"))?;
            }
        }
    }
    // A new store records its schema version before any event arrives.
    let have = entry.query(&format!(
        "SELECT count() FROM {db}.huntbench_meta WHERE key = 'meta'"
    ))?;
    if have.trim() == "0" {
        let meta = CommitMeta {
            schema: STORE_SCHEMA,
            ..Default::default()
        };
        let row = serde_json::json!({"key": "meta", "value": meta.to_payload(), "version": 1u64});
        let body = format!("{row}\n");
        let mut done = HashSet::new();
        for s in std::iter::once(entry).chain(servers) {
            if done.insert(s.name.clone()) {
                s.insert(
                    &format!("{db}.huntbench_meta"),
                    "JSONEachRow",
                    body.as_bytes(),
                )?;
            }
        }
    }
    Ok(())
}
