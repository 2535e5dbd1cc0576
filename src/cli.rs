//! Command line: the names users script against.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Hunt WinRM / Invoke-Command lateral movement in Windows event logs.
#[derive(Debug, Parser)]
#[command(name = "huntbench", version, about, long_about = None)]
pub struct Cli {
    /// Index directory (default: the platform data dir; also HUNTBENCH_INDEX).
    #[arg(long, global = true, value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Work on a ClickHouse store instead of the embedded index:
    /// clickhouse://HOST:PORT/DATABASE[?cluster=NAME] (its HTTP port; also HUNTBENCH_STORE).
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// Sigma rules to run beside the built-in analytics: a folder (searched recursively for
    /// .yml/.yaml) or a rule file; repeatable. Without it, the `sigma` list of the config
    /// file (`<config dir>/config.toml`). Ingest tags their matches; hunt, the TUI,
    /// exclusions, triage and the report work on their rows.
    #[arg(long, global = true, value_name = "DIR")]
    pub sigma: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How tables and CSV are written (every command).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Tables as one block per record (like psql's expanded mode), every value whole. Chosen
    /// on its own when a table cannot keep every column readable in the terminal's width.
    #[arg(short = 'x', long, global = true)]
    pub expanded: bool,
    /// CSV with the exact logged text, for machine consumers: no inert symbols for control
    /// and bidi characters, no `'` guard on cells a spreadsheet would run as formulas. Refused
    /// when standard output is a terminal (the raw text could drive it); redirect to a file.
    #[arg(long, global = true)]
    pub csv_exact: bool,
}

/// Output formats of row-producing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Output formats of summary-producing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
}

/// `--earliest`, `--latest`, `--tz`, `--anchor`.
#[derive(Debug, Clone, Args, Default)]
pub struct TimeArgs {
    /// Start of the time range: ISO 8601, a date (from its start), or relative (-24h, -7d:
    /// back from now, or from the last event with --anchor last-event).
    // A value may start with `-` (`--earliest -7d`), so it is never taken for a flag.
    #[arg(long, allow_hyphen_values = true)]
    pub earliest: Option<String>,
    /// End of the time range (exclusive): ISO 8601, a date (2026-03-10: up to the end of that
    /// day, the 10th included), or relative.
    #[arg(long, allow_hyphen_values = true)]
    pub latest: Option<String>,
    /// Render times in this IANA zone (default UTC), e.g. Europe/Berlin; --earliest/--latest
    /// without a zone (a date too) are read in it.
    #[arg(long)]
    pub tz: Option<String>,
    /// What relative --earliest/--latest count back from: now (the default) or the newest
    /// event in the index (last-event: for evidence collected days or months ago).
    #[arg(long, value_enum, value_name = "ANCHOR")]
    pub anchor: Option<crate::time::Anchor>,
}

/// `--max-record-size`, `--max-document-size`: how much of one input may be held at once.
#[derive(Debug, Clone, Copy, Args)]
pub struct LimitArgs {
    /// Largest record held in memory to be parsed (an NDJSON line, an `<Event>`, one element of
    /// a JSON array or of a Splunk `results` / xmltodict `Events.Event` list, any other JSON
    /// document, an EvtxECmd CSV row). A longer one is
    /// skipped up to the next record and reported with its line. An .evtx record is under
    /// 64 KiB and a 4104 script block part about 32 K UTF-16 characters, so the default leaves
    /// room for any real event. Binary units: 64M, 2G, 512K.
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_limit)]
    pub max_record_size: u64,
    /// Largest .evtx or zip found inside a .gz or zip: it is spooled to an anonymous temporary
    /// file (disk, not memory) to be read; a bigger one is reported with how far it got and
    /// skipped, and the next member is read.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_limit)]
    pub max_document_size: u64,
}

impl LimitArgs {
    /// The readers' limits.
    pub fn limits(&self) -> crate::ingest::Limits {
        crate::ingest::Limits {
            max_record: self.max_record_size,
            max_document: self.max_document_size,
        }
    }
}

fn parse_limit(s: &str) -> Result<u64, String> {
    crate::ingest::parse_size(s)
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workbench on the index (the default command).
    Tui(TimeArgs),
    /// Generate the built-in demo corpus, ingest it into its own index and open the workbench.
    Demo {
        /// Events to generate (0 = the story-sized default).
        #[arg(long, default_value_t = 0)]
        events: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Print the hunt instead of opening the workbench (also when stdout is not a terminal).
        #[arg(long)]
        no_tui: bool,
    },
    /// Ingest event logs (files or folders; .evtx, XML, JSON/NDJSON, .gz, .zip) into the index.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Parser threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Commit after this many new events (a killed ingest resumes from the last commit).
        #[arg(long, default_value_t = 250_000)]
        commit_every: u64,
        /// Skip the extended layer's ingest work (candidate, SID-name and wsmprovhost tags), to
        /// measure its cost.
        #[arg(long)]
        no_extended: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// The Sigma rules of --sigma (or the config's `sigma` list): id, title, level, status,
    /// log source, and why a rule is not evaluated. Exit 1 when no rule file was found.
    Rules {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What the index holds.
    Stats {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Run saved queries (all by default) and print their rows.
    Hunt {
        /// Saved query ids.
        ids: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Show every row, ignoring exclusions.
        #[arg(long)]
        no_exclusions: bool,
        /// Run straight over these files instead of the index (one pass, nothing stored).
        #[arg(long, num_args = 1.., value_name = "PATH")]
        input: Vec<PathBuf>,
        /// Limits of the `--input` readers.
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        time: TimeArgs,
    },
    /// Ad-hoc search: boolean queries over index words and Splunk's exact `field="*x*"`.
    #[command(after_help = SEARCH_HELP)]
    Search {
        query: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print at most this many events (the total still counts every match).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[command(flatten)]
        time: TimeArgs,
    },
    /// Tune the analytics like their `_filter` macros.
    #[command(subcommand)]
    Exclusions(ExclusionCmd),
    /// Record the review: a status (benign, suspicious, malicious) and note per row of an
    /// analytic or per edge, kept beside the index in triage.toml.
    #[command(subcommand)]
    Triage(TriageCmd),
    /// Source → target edges of remote execution (extended layer).
    Edges {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        time: TimeArgs,
    },
    /// What happened on a host (or by a user) around a time: every event type, one summarized
    /// line each, in time order.
    #[command(group(clap::ArgGroup::new("subject").args(["host", "user"]).required(true).multiple(true)))]
    Timeline(TimelineArgs),
    /// Check every file of every segment of the index (existence, size, checksum) and list
    /// each segment with its events: exit 0 when whole, 1 when damaged.
    Verify {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Recover a damaged index: drop its damaged segments into a new commit, keeping every
    /// intact event (and the exclusions); says how many events were lost.
    Reindex {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Measure ingest, hunt and render speed on a generated corpus (figures for BENCHMARKS.md).
    Bench(crate::bench::BenchArgs),
    /// The case report: evidence span and sources, marked rows, the edges as chains, the
    /// exclusions in force, what was dropped or incomplete, the analytics' row counts.
    Report(ReportArgs),
}

/// `huntbench report ...`
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// markdown (the default) or html (one self-contained file); with -o, a file named
    /// `.html` or `.htm` is HTML unless this says otherwise.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write the report to FILE instead of standard output; an existing FILE is refused.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE when it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Render times in this IANA zone (default UTC), e.g. Europe/Berlin.
    #[arg(long)]
    pub tz: Option<String>,
}

/// Renderings of `huntbench report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
}

/// `huntbench timeline ...`
#[derive(Debug, Clone, Args)]
pub struct TimelineArgs {
    /// The host, in any spelling the logs use (short, FQDN, any case): all of them are read.
    #[arg(long)]
    pub host: Option<String>,
    /// Only events naming this account (`DOMAIN\name`, `name` or a SID): a process's user, a
    /// logon's target or subject, a script block's SID by name, WinRM's user.
    #[arg(long)]
    pub user: Option<String>,
    /// The centre of the window: ISO 8601 (UTC unless it names a zone) or relative to now (-2h).
    #[arg(long, value_name = "TIME", value_parser = parse_around, allow_hyphen_values = true)]
    pub around: i64,
    /// Half the window: events within ±this of --around (10m, 90s, 2h).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_window)]
    pub window: i64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Render times in this IANA zone (default UTC), e.g. Europe/Berlin.
    #[arg(long)]
    pub tz: Option<String>,
    /// Most lines printed (the newest of the window when it holds more).
    #[arg(long, default_value_t = crate::timeline::MAX_LINES)]
    pub limit: usize,
}

fn parse_around(s: &str) -> Result<i64, String> {
    crate::time::parse_time(s, crate::time::now_micros())
}

fn parse_window(s: &str) -> Result<i64, String> {
    crate::timeline::parse_window(s).map_err(|e| e.to_string())
}

/// `huntbench exclusions ...`
#[derive(Debug, Subcommand)]
pub enum ExclusionCmd {
    /// Add: PATTERN is a value (equals), has `*` (Splunk wildcard), `a,b,c` with --in (one of),
    /// or `sha256:HEX` (hash of the text); `"value"` in quotes (Splunk's habit) is the value.
    /// Prints what it would suppress first; one that would suppress all or more than half of
    /// the analytic's rows, or whose pattern matches any value (`*`), needs --force.
    Add {
        analytic: String,
        field: String,
        pattern: String,
        #[arg(long)]
        note: Option<String>,
        /// PATTERN is a comma-separated list (one of).
        #[arg(long = "in")]
        one_of: bool,
        /// Say what it would suppress and save nothing.
        #[arg(long)]
        dry_run: bool,
        /// Save it even when it would suppress all or most rows or matches any value.
        #[arg(long)]
        force: bool,
    },
    /// Take back the last add or delete (a deleted exclusion comes back with its id).
    Undo,
    /// List all exclusions.
    List {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Switch an exclusion on.
    Enable { id: String },
    /// Switch an exclusion off without deleting it.
    Disable { id: String },
    /// Delete an exclusion.
    Rm { id: String },
    /// Print the analytic's `_filter` macro (macros.conf) or a Sigma filter.
    Export {
        analytic: String,
        #[arg(long, conflicts_with = "sigma_filter")]
        splunk: bool,
        /// A Sigma filter rule naming the analytic or Sigma rule (`--sigma DIR` names rule
        /// folders on every command, so this one is `--sigma-filter`).
        #[arg(long)]
        sigma_filter: bool,
        /// Write it even when an exclusion matches any value (the filter would turn the
        /// detection off).
        #[arg(long)]
        force: bool,
    },
}

/// `huntbench triage ...`
#[derive(Debug, Subcommand)]
pub enum TriageCmd {
    /// Mark every current row of ANALYTIC (or `edges`) whose COLUMN matches PATTERN (as in
    /// `exclusions add`: a value, a `*` wildcard, `a,b,c` with --in, `sha256:HEX`). Rows are
    /// those of a hunt of the whole index, exclusions not applied; edges by `source`/`target`.
    Set {
        analytic: String,
        column: String,
        pattern: String,
        /// untriaged, benign, suspicious or malicious (or its first letter).
        #[arg(long)]
        status: crate::triage::Status,
        /// A note kept with the mark (without it, a re-marked row keeps its note).
        #[arg(long)]
        note: Option<String>,
        /// PATTERN is a comma-separated list (one of).
        #[arg(long = "in")]
        one_of: bool,
    },
    /// Every mark with its row as it is now (events now, grew since marked, gone).
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Remove marks by id, or every mark with --all (ids are never given out again).
    #[command(group(clap::ArgGroup::new("which").args(["ids", "all"]).required(true)))]
    Clear {
        ids: Vec<String>,
        #[arg(long)]
        all: bool,
    },
}

/// Output formats of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

const SEARCH_HELP: &str = r#"Query language (also the workbench's `s`):
  field:value          keyword fields: the whole value, case-insensitive (computer:ws01)
                       text fields: its words in order (script_block_text:"invoke-command srv01")
  field:ab*cd          wildcard over a keyword field's whole value (computer:*corp.local, user:corp\*)
  field:/regex/        regex over a keyword field's lower-cased value
  field:[a TO b]       numbers ([] inclusive, {} exclusive, * open); also field:>=a, field:<b
  time:[A TO B]        a time range, also time:>=A, time:<B; A and B as --earliest takes them:
                       ISO 8601 (UTC unless it names a zone) or relative to now (-24h, -7d)
  field="pattern"      Splunk's comparison, exact on the stored event: * is any run of characters
                       (newlines too), the rest the whole value, case-insensitive. Any field:
                       the names below, Splunk's (ScriptBlockText, Computer, CommandLine, EventCode),
                       raw EventData names (TargetUserName), data (any one EventData value) and
                       Message (the logged Message, else all EventData values joined: the text
                       of a classic 800 event)
  field!="pattern"     the field is present and does not match (NOT field="…" also holds when
                       the field is missing)
  field IN (a, "b c")  field="a" OR field="b c"
  word  "a phrase"     words in script_block_text, process, data, computer or user
  AND  OR  NOT  -x  ( )
                       NOT binds tightest, then AND (also between two terms), then OR; Splunk
                       binds OR before AND, so write the parentheses. field:(a OR b) groups.
Quoting: inside "…" only \" and \\ are escapes, every other backslash is literal
("CORP\j.miller"); outside quotes every backslash is literal. A wildcard on a text field
is refused (the index knows words, not substrings): write field="*x*".

Fields: time event_code channel provider computer record_id user_id user script_block_text
script_block_id message_number message_total path process process_name process_path process_id
parent_process parent_process_name parent_process_path parent_process_id original_file_name
process_guid decoded_command data.

Examples:
  huntbench search 'event_code:4104 AND computer:ws-fin-07.corp.local'
  huntbench search 'event_code:800 AND Message="*Invoke-Command*"'
  huntbench search 'ScriptBlockText="*Invoke-Command*" NOT (Computer=mgmt01* OR user_id:S-1-5-18)'
  huntbench search 'computer:*corp.local user:"CORP\j.miller"'
  huntbench search 'event_code:1 process="*wsmprovhost*" time:[2024-10-21T11:00:00 TO 2024-10-21T12:00:00]'
  huntbench search 'event_code:4624 LogonType=3 TargetUserName IN (j.miller, "svc backup")' --earliest -7d

Output: the table starts with "N match, M shown" (N counts every match, --limit bounds M);
--format json prints {"total": N, "shown": M, "events": [...]}, each event with `time` as hunt
prints times (%Y-%m-%dT%H:%M:%S, UTC or --tz) and `time_us`, its exact microseconds."#;

/// Is standard output a terminal?
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Print to stdout, ignoring a closed pipe (`huntbench hunt | head`).
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
}
