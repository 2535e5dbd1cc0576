//! ClickHouse's HTTP interface, as plain requests: SQL in the body, text formats back
//! (TSV, JSONEachRow). Why not the official async crate: it validates schemas with a binary
//! format (`RowBinaryWithNamesAndTypes`) that Debian's 18.16 lacks, and pulls in an async
//! runtime for what is one request at a time.

use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

use base64::Engine;

use crate::store::StoreError;

/// How long one request may take before it is an error (a hunt over a large store can be
/// slow; a server that stopped answering must not hang the workbench).
const TIMEOUT: Duration = Duration::from_secs(600);

/// One server's HTTP endpoint.
#[derive(Clone)]
pub(super) struct Http {
    agent: ureq::Agent,
    base: String,
    /// `host:port`, as errors name the server.
    pub name: String,
    auth: Option<String>,
}

impl Http {
    pub fn new(host: &str, port: u16, user: Option<&str>, password: Option<&str>) -> Http {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build();
        let host_part = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let auth = user.map(|u| {
            let token = base64::engine::general_purpose::STANDARD
                .encode(format!("{u}:{}", password.unwrap_or("")));
            format!("Basic {token}")
        });
        Http {
            agent: config.into(),
            base: format!("http://{host_part}:{port}/"),
            name: format!("{host_part}:{port}"),
            auth,
        }
    }

    fn post(&self, params: &[(&str, &str)]) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let mut req = self
            .agent
            .post(&self.base)
            // 64-bit integers as JSON numbers (18.16 quotes them by default).
            .query("output_format_json_quote_64bit_integers", "0")
            // A Distributed insert returns once every shard has its rows: a commit is then
            // visible, and a shard that is down fails the insert instead of queueing it.
            .query("insert_distributed_sync", "1");
        for (k, v) in params {
            req = req.query(*k, *v);
        }
        if let Some(a) = &self.auth {
            req = req.header("Authorization", a);
        }
        req
    }

    /// Run one statement and return the whole answer.
    pub fn query(&self, sql: &str) -> Result<String, StoreError> {
        let mut out = String::new();
        self.query_lines(sql, &mut |line| {
            out.push_str(line);
            out.push('\n');
            Ok(())
        })?;
        Ok(out)
    }

    /// Run one statement and hand its answer over line by line, as it arrives: memory stays
    /// bounded by the caller, not by the answer.
    pub fn query_lines(
        &self,
        sql: &str,
        each: &mut dyn FnMut(&str) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let resp = self
            .post(&[])
            .send(sql.as_bytes())
            .map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let mut reader = BufReader::with_capacity(1 << 20, resp.into_body().into_reader());
        if !status.is_success() {
            let mut body = String::new();
            let _ = reader.take(64 * 1024).read_to_string(&mut body);
            return Err(self.refused(sql, &body));
        }
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .map_err(|e| self.broken(&e.to_string()))?;
            if n == 0 {
                return Ok(());
            }
            let text = line.strip_suffix('\n').unwrap_or(&line);
            // An error after the answer began streaming comes as a last line of the body.
            if text.starts_with("Code: ") && text.contains("DB::Exception") {
                return Err(self.refused(sql, text));
            }
            each(text)?;
        }
    }

    /// Send rows in `format` to `INSERT INTO table`; one request is one insert.
    pub fn insert(&self, table: &str, format: &str, body: &[u8]) -> Result<(), StoreError> {
        let q = format!("INSERT INTO {table} FORMAT {format}");
        let resp = self
            .post(&[("query", &q)])
            .send(body)
            .map_err(|e| self.unreachable(e))?;
        if resp.status().is_success() {
            return Ok(());
        }
        let mut body = String::new();
        let _ = resp
            .into_body()
            .into_reader()
            .take(64 * 1024)
            .read_to_string(&mut body);
        Err(self.refused(&q, &body))
    }

    fn unreachable(&self, e: ureq::Error) -> StoreError {
        StoreError::Remote(format!(
            "ClickHouse at {} cannot be reached: {e} (is the server running, and is this its HTTP port?)",
            self.name
        ))
    }

    fn broken(&self, why: &str) -> StoreError {
        StoreError::Remote(format!(
            "ClickHouse at {}: the answer broke off ({why}); nothing of it was used",
            self.name
        ))
    }

    fn refused(&self, sql: &str, body: &str) -> StoreError {
        let first = body.lines().next().unwrap_or("").trim();
        let first: String = first.chars().take(600).collect();
        let what: String = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        StoreError::Remote(format!(
            "ClickHouse at {} refused `{what} …`: {first}",
            self.name
        ))
    }
}

/// `s` as a ClickHouse string literal: quotes and backslashes escaped, control bytes as
/// `\xHH`, so no value can end the literal or the statement.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn a_literal_cannot_end_itself() {
        assert_eq!(quote("a'b"), "'a\\'b'");
        assert_eq!(quote("c:\\x'); DROP"), "'c:\\\\x\\'); DROP'");
        assert_eq!(quote("l1\nl2\u{1b}"), "'l1\\x0Al2\\x1B'");
        assert_eq!(quote("İK"), "'İK'");
    }
}
