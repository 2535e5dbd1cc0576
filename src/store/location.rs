//! Which store a command works on: the embedded index in a directory (the default) or a
//! ClickHouse server or cluster named by `--store URL` / `HUNTBENCH_STORE`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Store, StoreError};

/// Where a command's events live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded tantivy index in this directory.
    Index(PathBuf),
    /// A ClickHouse store.
    ClickHouse(StoreUrl),
}

impl Location {
    /// `--store` (else `HUNTBENCH_STORE`) when given, else the index directory.
    pub fn resolve(store: Option<&str>, index_dir: PathBuf) -> Result<Location, StoreError> {
        let env = std::env::var("HUNTBENCH_STORE").ok();
        match store.or(env.as_deref()).filter(|s| !s.trim().is_empty()) {
            Some(url) => Ok(Location::ClickHouse(StoreUrl::parse(url)?)),
            None => Ok(Location::Index(index_dir)),
        }
    }

    /// Open a store that exists: creates nothing, so a mistyped location is an error naming it.
    pub fn open_existing(&self) -> Result<Arc<dyn Store>, StoreError> {
        match self {
            Location::Index(dir) => Ok(Arc::new(crate::index::Index::open_existing(dir)?)),
            Location::ClickHouse(url) => {
                Ok(Arc::new(super::clickhouse::ClickHouse::open(url, false)?))
            }
        }
    }

    /// Open the store, creating it (an empty index, or the database and tables) when absent:
    /// only the commands that add events do this.
    pub fn create_or_open(&self) -> Result<Arc<dyn Store>, StoreError> {
        match self {
            Location::Index(dir) => Ok(Arc::new(crate::index::Index::create_or_open(dir)?)),
            Location::ClickHouse(url) => {
                Ok(Arc::new(super::clickhouse::ClickHouse::open(url, true)?))
            }
        }
    }

    /// The index directory, when this is the embedded index.
    pub fn index_dir(&self) -> Option<&std::path::Path> {
        match self {
            Location::Index(dir) => Some(dir),
            Location::ClickHouse(_) => None,
        }
    }
}

impl From<&std::path::Path> for Location {
    fn from(dir: &std::path::Path) -> Location {
        Location::Index(dir.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(dir: &PathBuf) -> Location {
        Location::Index(dir.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Index(dir) => write!(f, "{}", dir.display()),
            Location::ClickHouse(url) => write!(f, "{url}"),
        }
    }
}

/// `clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE[?cluster=NAME]`: the HTTP interface of
/// one server and, with `cluster`, the cluster (from its `remote_servers`) the events are
/// sharded over.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreUrl({self})")
    }
}

/// Shown in messages and listings: never the password.
impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "clickhouse://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        write!(f, "{}:{}/{}", self.host, self.port, self.database)?;
        if let Some(c) = &self.cluster {
            write!(f, "?cluster={c}")?;
        }
        Ok(())
    }
}

impl StoreUrl {
    /// Parse a store URL; anything else is an error saying what the form is.
    pub fn parse(url: &str) -> Result<StoreUrl, StoreError> {
        let bad = |why: &str| {
            StoreError::Other(format!(
                "store {url:?}: {why} (expected clickhouse://HOST:PORT/DATABASE[?cluster=NAME])"
            ))
        };
        let rest = url
            .trim()
            .strip_prefix("clickhouse://")
            .ok_or_else(|| bad("only clickhouse:// stores are known"))?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (hostport, database) = rest.split_once('/').ok_or_else(|| bad("no database"))?;
        let database = database.trim_end_matches('/');
        if database.is_empty()
            || !database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(bad("the database must be a name of letters, digits and _"));
        }
        let (host, port) = hostport
            .rsplit_once(':')
            .ok_or_else(|| bad("no port (ClickHouse's HTTP port is usually 8123)"))?;
        let port: u16 = port.parse().map_err(|_| bad("the port is not a number"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let mut cluster = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("cluster", name))
                    if !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
                {
                    cluster = Some(name.to_string())
                }
                _ => return Err(bad(&format!("unknown option {pair:?}"))),
            }
        }
        let (user, password) = match auth {
            None => (None, None),
            Some(a) => match a.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
                None => (Some(a.to_string()), None),
            },
        };
        Ok(StoreUrl {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            database: database.to_string(),
            cluster,
            user,
            password,
        })
    }

    /// A file-name-safe name for this store's state folder.
    pub fn slug(&self) -> String {
        let mut s = format!("{}_{}_{}", self.host, self.port, self.database);
        if let Some(c) = &self.cluster {
            s.push('_');
            s.push_str(c);
        }
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_url_parses_into_its_parts() {
        let u = StoreUrl::parse("clickhouse://127.0.0.1:18123/hunt?cluster=two").unwrap();
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 18123);
        assert_eq!(u.database, "hunt");
        assert_eq!(u.cluster.as_deref(), Some("two"));
        assert_eq!(
            u.to_string(),
            "clickhouse://127.0.0.1:18123/hunt?cluster=two"
        );
        assert_eq!(u.slug(), "127_0_0_1_18123_hunt_two");
    }

    #[test]
    fn a_password_is_never_shown() {
        let u = StoreUrl::parse("clickhouse://soc:s3cret@ch1:8123/logs").unwrap();
        assert_eq!(u.password.as_deref(), Some("s3cret"));
        assert_eq!(u.to_string(), "clickhouse://soc@ch1:8123/logs");
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn malformed_urls_say_what_is_wrong() {
        for (url, why) in [
            ("http://x:1/db", "only clickhouse://"),
            ("clickhouse://x/db", "no port"),
            ("clickhouse://x:1", "no database"),
            ("clickhouse://x:1/d;drop", "database must be"),
            ("clickhouse://x:1/db?shards=3", "unknown option"),
            ("clickhouse://x:port/db", "not a number"),
        ] {
            let e = StoreUrl::parse(url).unwrap_err().to_string();
            assert!(e.contains(why), "{url}: {e}");
        }
    }
}
