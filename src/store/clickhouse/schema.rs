//! The ClickHouse tables: per shard a `ReplacingMergeTree` of events ordered for the hunts,
//! a `Distributed` table over the cluster sharded by the event's identity hash, and a small
//! meta table (schema version, tag fingerprints, inputs) on every shard.
//!
//! Why ReplacingMergeTree keyed on the identity: an ingest skips the uids the store already
//! holds, but two ingests running at once, or an insert retried after a lost answer, could
//! still add a record twice. The same uid always lands on the same shard (the sharding key)
//! with the same sort key: merges drop the copy in time, and until then every read keeps one
//! row per uid (`LIMIT 1 BY uid`, which each shard can do alone).

/// Bump when the tables or the row format change: an older store must then be rebuilt.
pub const STORE_SCHEMA: u32 = 1;

/// Every column an Event is read back from, in the Event's own field names.
pub(super) const EVENT_COLUMNS: &[(&str, &str)] = &[
    ("time", "Int64"),
    ("event_code", "UInt32"),
    ("channel", "String"),
    ("provider", "String"),
    ("computer", "String"),
    ("record_id", "Nullable(UInt64)"),
    ("pid", "Nullable(UInt32)"),
    ("user_id", "Nullable(String)"),
    ("user", "Nullable(String)"),
    ("script_block_text", "Nullable(String)"),
    ("script_block_id", "Nullable(String)"),
    ("message_number", "Nullable(UInt32)"),
    ("message_total", "Nullable(UInt32)"),
    ("path", "Nullable(String)"),
    ("process", "Nullable(String)"),
    ("process_name", "Nullable(String)"),
    ("process_path", "Nullable(String)"),
    ("process_id", "Nullable(String)"),
    ("parent_process", "Nullable(String)"),
    ("parent_process_name", "Nullable(String)"),
    ("parent_process_path", "Nullable(String)"),
    ("parent_process_id", "Nullable(String)"),
    ("original_file_name", "Nullable(String)"),
    ("process_guid", "Nullable(String)"),
    ("decoded_command", "Nullable(String)"),
    // The EventData pairs as a JSON object (18.16 has no Map type).
    ("data", "String"),
    ("source", "String"),
    ("occurrence", "UInt32"),
];

/// Columns only the store uses: the identity, the ingest-time tags, and whether every text
/// of the event is ASCII (where ClickHouse's case folding is exact; see `sql.rs`).
const STORE_COLUMNS: &[(&str, &str)] = &[
    ("uid", "UInt64"),
    ("tags", "Array(String)"),
    ("ascii", "UInt8"),
];

/// The events table's column list.
fn columns() -> String {
    EVENT_COLUMNS
        .iter()
        .chain(STORE_COLUMNS)
        .map(|(n, t)| format!("`{n}` {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE TABLE` of the table that holds the rows (on each shard, or the only one).
pub(super) fn events_table(db: &str, table: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {db}.{table} ({}) ENGINE = ReplacingMergeTree() \
         PARTITION BY tuple() ORDER BY (event_code, lower(computer), time, uid)",
        columns()
    )
}

/// `CREATE TABLE` of the Distributed table over the shards' `local` tables.
pub(super) fn distributed_table(db: &str, cluster: &str, local: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {db}.events ({}) ENGINE = Distributed({cluster}, {db}, {local}, uid)",
        columns()
    )
}

/// `CREATE TABLE` of the meta table: one row per key and change, the newest `version` wins.
pub(super) fn meta_table(db: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {db}.huntbench_meta (key String, value String, version UInt64) \
         ENGINE = ReplacingMergeTree(version) ORDER BY key"
    )
}
