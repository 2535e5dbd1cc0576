//! The ClickHouse the store tests run against: `HUNTBENCH_TEST_CLICKHOUSE` (a base URL,
//! `clickhouse://HOST:HTTP_PORT[?cluster=NAME]`), else the two-shard loopback cluster
//! `.ci/run` starts (`ci/clickhouse/cluster.sh`), when it answers. Each test works in a
//! database of its own and drops it on every shard after.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Where the cluster's entry server listens and the cluster's name.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub host: String,
    pub port: u16,
    pub cluster: Option<String>,
}

impl Cluster {
    /// The configured or default ClickHouse, or `None` after printing why the test skips.
    pub fn find(test: &str) -> Option<Cluster> {
        let (host, port, cluster) = match std::env::var("HUNTBENCH_TEST_CLICKHOUSE") {
            Ok(url) => {
                let rest = url.trim().trim_start_matches("clickhouse://");
                let (hp, q) = rest.split_once('?').unwrap_or((rest, ""));
                let hp = hp.trim_end_matches('/');
                let (h, p) = hp
                    .rsplit_once(':')
                    .expect("HUNTBENCH_TEST_CLICKHOUSE needs HOST:PORT");
                let cluster = q.strip_prefix("cluster=").map(str::to_string);
                (h.to_string(), p.parse().expect("a port"), cluster)
            }
            Err(_) => (
                "127.0.0.1".to_string(),
                18123,
                Some("huntbench_two_shards".to_string()),
            ),
        };
        let c = Cluster {
            host,
            port,
            cluster,
        };
        match c.post("SELECT 1") {
            Ok(s) if s.trim() == "1" => Some(c),
            _ => {
                skip(&format!(
                    "SKIP {test}: no ClickHouse at {}:{} (.ci/run starts a two-shard cluster with \
                     ci/clickhouse/cluster.sh start; or set HUNTBENCH_TEST_CLICKHOUSE)",
                    c.host, c.port
                ));
                None
            }
        }
    }

    /// The store URL of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        match &self.cluster {
            Some(c) => format!("clickhouse://{}:{}/{db}?cluster={c}", self.host, self.port),
            None => format!("clickhouse://{}:{}/{db}", self.host, self.port),
        }
    }

    /// A database name no other test (or run) uses.
    pub fn fresh_db(tag: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        format!("hbt_{tag}_{}_{nanos}", std::process::id())
    }

    /// One SQL statement over HTTP to the entry server: the answer, or the error text.
    pub fn post(&self, sql: &str) -> Result<String, String> {
        post(&self.host, self.port, sql)
    }

    /// The HTTP ports of every shard server (the entry alone without a cluster).
    pub fn servers(&self) -> Vec<(String, u16)> {
        let Some(c) = &self.cluster else {
            return vec![(self.host.clone(), self.port)];
        };
        let rows = self
            .post(&format!(
                "SELECT host_address, port FROM system.clusters WHERE cluster = '{c}' FORMAT TSV"
            ))
            .unwrap_or_default();
        rows.lines()
            .filter_map(|l| {
                let (h, p) = l.split_once('\t')?;
                let http = self
                    .post(&format!(
                        "SELECT substitution FROM remote('{h}:{p}', system.macros) WHERE macro = 'http_port'"
                    ))
                    .ok()?;
                Some((h.to_string(), http.trim().parse().unwrap_or(8123)))
            })
            .collect()
    }

    /// Drop a test's database everywhere.
    pub fn drop_db(&self, db: &str) {
        for (h, p) in self.servers() {
            let _ = post(&h, p, &format!("DROP DATABASE IF EXISTS {db}"));
        }
        let _ = self.post(&format!("DROP DATABASE IF EXISTS {db}"));
    }
}

/// Say why a test did not run, past the test harness's capture, so it shows in a plain
/// `cargo test`.
pub fn skip(why: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{why}\n").as_bytes());
}

/// A plain HTTP/1.0 POST of `sql` (the test does not lean on the client under test).
pub fn post(host: &str, port: u16, sql: &str) -> Result<String, String> {
    let mut s = TcpStream::connect((host, port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let req = format!(
        "POST / HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n{sql}",
        sql.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut resp = String::new();
    s.read_to_string(&mut resp).map_err(|e| e.to_string())?;
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    if head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200") {
        Ok(body.to_string())
    } else {
        Err(body.to_string())
    }
}
