//! Event times: parsing what analysts type (`-24h`, ISO 8601, a bare date) and rendering
//! Splunk's ctime.
//!
//! Times are i64 microseconds since the Unix epoch, UTC, everywhere in huntbench.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Microseconds in one second.
pub const MICROS: i64 = 1_000_000;

/// A half-open time range `[earliest, latest)`, either end optional, as Splunk's time picker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    pub earliest: Option<i64>,
    pub latest: Option<i64>,
}

impl TimeRange {
    /// The unbounded range.
    pub const ALL: TimeRange = TimeRange {
        earliest: None,
        latest: None,
    };

    /// Parse `--earliest` / `--latest` values; relative values count back from `now`, times
    /// without a zone are UTC (see [`TimeRange::parse_in`]).
    pub fn parse(earliest: Option<&str>, latest: Option<&str>, now: i64) -> Result<Self, String> {
        TimeRange::parse_in(earliest, latest, now, None)
    }

    /// Parse `--earliest` / `--latest` values: relative values count back from `anchor`, a
    /// time without a zone is in `tz` (UTC when `None`), and a bare date as the latest means
    /// the end of that day (`--latest 2026-03-10` keeps the 10th), as the earliest its start.
    pub fn parse_in(
        earliest: Option<&str>,
        latest: Option<&str>,
        anchor: i64,
        tz: Option<Tz>,
    ) -> Result<Self, String> {
        let earliest = earliest
            .map(|s| parse_bound(s, anchor, tz, false))
            .transpose()?;
        let latest = latest
            .map(|s| parse_bound(s, anchor, tz, true))
            .transpose()?;
        if let (Some(e), Some(l)) = (earliest, latest)
            && e >= l
        {
            return Err("the earliest time must be before the latest time".into());
        }
        Ok(TimeRange { earliest, latest })
    }

    /// Does the range hold this time?
    pub fn contains(&self, t: i64) -> bool {
        self.earliest.is_none_or(|e| t >= e) && self.latest.is_none_or(|l| t < l)
    }

    /// True when neither end is set.
    pub fn is_all(&self) -> bool {
        self.earliest.is_none() && self.latest.is_none()
    }

    /// Short human form for headers: `all time` or `2024-01-01T00:00:00 → end`, in UTC.
    pub fn describe(&self) -> String {
        self.describe_in(None)
    }

    /// [`TimeRange::describe`] with the times in `tz`.
    pub fn describe_in(&self, tz: Option<Tz>) -> String {
        if self.is_all() {
            return "all time".into();
        }
        let end = |t: Option<i64>, open: &str| t.map(|t| ctime(t, tz)).unwrap_or(open.into());
        format!(
            "{} → {}",
            end(self.earliest, "start"),
            end(self.latest, "end")
        )
    }
}

/// What relative times (`-24h`, `now`) count back from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Anchor {
    /// The clock: right for live data.
    #[default]
    Now,
    /// The newest event in the index: right for evidence collected days or months ago.
    LastEvent,
}

impl Anchor {
    /// How headers and help name it: `now`, `last event`.
    pub fn label(self) -> &'static str {
        match self {
            Anchor::Now => "now",
            Anchor::LastEvent => "last event",
        }
    }

    /// The other one.
    pub fn toggled(self) -> Anchor {
        match self {
            Anchor::Now => Anchor::LastEvent,
            Anchor::LastEvent => Anchor::Now,
        }
    }
}

/// The instant relative times count back from under the last-event anchor: just after the
/// newest event, so a range ending at `now` still holds it (ranges are half-open).
pub fn last_event_anchor(last_event: i64) -> i64 {
    last_event.saturating_add(1)
}

/// Current time in microseconds.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// Parse an absolute (ISO 8601, date, or `YYYY-mm-dd HH:MM:SS`, UTC when no zone is given) or
/// relative (`-24h`, `-7d`, `-30m`, `-45s`, `-2w`, `now`) time.
pub fn parse_time(s: &str, now: i64) -> Result<i64, String> {
    parse_time_in(s, now, None)
}

/// Is this a relative time (`-24h`, `now`), one that depends on the anchor?
pub fn is_relative(s: &str) -> bool {
    let s = s.trim();
    s.starts_with('-') || s.eq_ignore_ascii_case("now")
}

/// Does a typed range (`-24h`, `a..b`) have a relative end?
pub fn range_is_relative(s: &str) -> bool {
    match s.split_once("..") {
        Some((a, b)) => is_relative(a) || is_relative(b),
        None => is_relative(s),
    }
}

/// A bare `YYYY-mm-dd` (a whole day as a range).
pub fn bare_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The instant a wall-clock time in `tz` names (UTC when `None`). In a fall-back hour the
/// first of the two; in a spring-forward gap the first instant after it.
fn local_instant(n: NaiveDateTime, tz: Option<Tz>) -> Result<i64, String> {
    let Some(tz) = tz else {
        return Ok(truncate_micros(Utc.from_utc_datetime(&n)));
    };
    match tz.from_local_datetime(&n) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(truncate_micros(t.to_utc())),
        LocalResult::None => (1..=4)
            .find_map(|h| {
                tz.from_local_datetime(&(n + chrono::Duration::hours(h)))
                    .earliest()
            })
            .map(|t| truncate_micros(t.to_utc()))
            .ok_or_else(|| format!("{n} does not exist in {tz}")),
    }
}

/// The start of a day in `tz` (UTC when `None`).
pub fn day_start(d: NaiveDate, tz: Option<Tz>) -> Result<i64, String> {
    local_instant(d.and_time(chrono::NaiveTime::MIN), tz)
}

/// `[start, end)` of a day in `tz`: 00:00 to the next 00:00 (23 or 25 hours on a DST day).
pub fn day_range(d: NaiveDate, tz: Option<Tz>) -> Result<TimeRange, String> {
    let next = d
        .checked_add_days(Days::new(1))
        .ok_or_else(|| format!("{d} has no next day"))?;
    Ok(TimeRange {
        earliest: Some(day_start(d, tz)?),
        latest: Some(day_start(next, tz)?),
    })
}

/// One end of a range: a bare date is its day's start, or with `end` its day's end (the next
/// day's start, since ranges are half-open); anything else as [`parse_time_in`].
pub fn parse_bound(s: &str, anchor: i64, tz: Option<Tz>, end: bool) -> Result<i64, String> {
    match bare_date(s) {
        Some(d) => {
            let r = day_range(d, tz)?;
            Ok(if end { r.latest } else { r.earliest }.unwrap_or_default())
        }
        None => parse_time_in(s, anchor, tz),
    }
}

/// Parse a typed range: `all` (or nothing), `-24h`, a bare date (that whole day), a time (from
/// then on), or `EARLIEST..LATEST` with either side open; a bare date on the left starts at
/// that day's start, on the right ends at that day's end. Relative ends count back from
/// `anchor`; times without a zone are in `tz` (UTC when `None`).
pub fn parse_range(s: &str, anchor: i64, tz: Option<Tz>) -> Result<TimeRange, String> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("all") {
        return Ok(TimeRange::ALL);
    }
    let r = match s.split_once("..") {
        Some((a, b)) => {
            let opt = |v: &str, end| {
                let v = v.trim();
                (!v.is_empty())
                    .then(|| parse_bound(v, anchor, tz, end))
                    .transpose()
            };
            TimeRange {
                earliest: opt(a, false)?,
                latest: opt(b, true)?,
            }
        }
        None => match bare_date(s) {
            Some(d) => day_range(d, tz)?,
            None => TimeRange {
                earliest: Some(parse_time_in(s, anchor, tz)?),
                latest: None,
            },
        },
    };
    if let (Some(e), Some(l)) = (r.earliest, r.latest)
        && e >= l
    {
        return Err("the earliest time must be before the latest time".into());
    }
    Ok(r)
}

/// [`parse_time`] with times that name no zone read in `tz` (UTC when `None`).
pub fn parse_time_in(s: &str, now: i64, tz: Option<Tz>) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Some(rel) = s.strip_prefix('-') {
        let (num, unit) =
            rel.split_at(rel.find(|c: char| !c.is_ascii_digit()).unwrap_or(rel.len()));
        let n: i64 = num
            .parse()
            .map_err(|_| format!("bad relative time {s:?}: expected like -24h or -7d"))?;
        let secs = match unit {
            "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return Err(format!("bad unit in {s:?}: use s, m, h, d or w")),
        };
        return Ok(now - n * secs * MICROS);
    }
    let bad =
        || format!("bad time {s:?}: expected ISO 8601 (2024-10-21T11:31:57Z) or relative (-24h)");
    if tz.is_some() {
        if DateTime::parse_from_rfc3339(s).is_ok() {
            return parse_timestamp(s).ok_or_else(bad);
        }
        if let Some(n) = parse_naive(s) {
            return local_instant(n, tz);
        }
        if let Some(d) = bare_date(s) {
            return day_start(d, tz);
        }
    }
    parse_timestamp(s).ok_or_else(bad)
}

/// A date-time without a zone (`T` or space, seconds and fraction optional).
fn parse_naive(s: &str) -> Option<NaiveDateTime> {
    NAIVE_FORMATS
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
}

const NAIVE_FORMATS: [&str; 6] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Parse a timestamp as logs write it. Without a zone it is UTC. Digits past the microsecond are
/// truncated (Windows logs carry 100 ns ticks; the evtx renderer prints six digits).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(truncate_micros(dt.with_timezone(&Utc)));
    }
    for fmt in NAIVE_FORMATS {
        if let Ok(n) = NaiveDateTime::parse_from_str(s.trim_end_matches('Z'), fmt) {
            return Some(truncate_micros(Utc.from_utc_datetime(&n)));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(
            Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?)
                .timestamp_micros(),
        );
    }
    None
}

fn truncate_micros(dt: DateTime<Utc>) -> i64 {
    dt.timestamp() * MICROS + i64::from(dt.timestamp_subsec_nanos() / 1000)
}

/// Splunk's `security_content_ctime`: `%Y-%m-%dT%H:%M:%S`, whole seconds, no zone suffix.
/// Rendered in UTC unless a zone is given.
pub fn ctime(t: i64, tz: Option<Tz>) -> String {
    let secs = t.div_euclid(MICROS);
    let Some(dt) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return t.to_string();
    };
    match tz {
        Some(tz) => dt
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        None => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// `2026-03-09 08:00` in `tz` (UTC when `None`): a span for a header, to the minute.
pub fn short_time(t: i64, tz: Option<Tz>) -> String {
    let Some(dt) = DateTime::<Utc>::from_timestamp(t.div_euclid(MICROS), 0) else {
        return t.to_string();
    };
    match tz {
        Some(tz) => dt.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => dt.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The zone's name for headers: `UTC` or the IANA name.
pub fn zone_label(tz: Option<Tz>) -> String {
    tz.map_or_else(|| "UTC".into(), |z| z.name().to_string())
}

/// Full-precision ISO 8601 in UTC with a `Z`, for event detail views and JSON.
pub fn iso_micros(t: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(t)
        .map(|dt| dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// Parse a `--tz` value (IANA name like `Europe/Berlin`, or `UTC`).
pub fn parse_tz(s: &str) -> Result<Tz, String> {
    s.parse::<Tz>()
        .map_err(|_| format!("unknown time zone {s:?}: use an IANA name like Europe/Berlin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_evtx_and_json_renderings_to_the_same_micros() {
        let a = parse_timestamp("2026-08-08T06:13:53.303638Z").unwrap();
        let b = parse_timestamp("2026-08-08T06:13:53.3036389Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(ctime(a, None), "2026-08-08T06:13:53");
        assert_eq!(iso_micros(a), "2026-08-08T06:13:53.303638Z");
    }

    #[test]
    fn relative_and_absolute() {
        let now = parse_timestamp("2024-10-21T12:00:00Z").unwrap();
        assert_eq!(parse_time("-24h", now).unwrap(), now - 86_400 * MICROS);
        assert_eq!(parse_time("-7d", now).unwrap(), now - 7 * 86_400 * MICROS);
        assert_eq!(
            parse_time("2024-10-20", now).unwrap(),
            parse_timestamp("2024-10-20T00:00:00Z").unwrap()
        );
        assert!(parse_time("-3x", now).is_err());
        assert!(parse_time("yesterday", now).is_err());
        let r = TimeRange::parse(Some("-1h"), None, now).unwrap();
        assert!(r.contains(now - 1));
        assert!(!r.contains(now - 2 * 3600 * MICROS));
        assert!(TimeRange::parse(Some("-1h"), Some("-2h"), now).is_err());
    }

    #[test]
    fn ctime_in_a_zone() {
        let t = parse_timestamp("2024-10-21T11:31:57.615954Z").unwrap();
        assert_eq!(ctime(t, None), "2024-10-21T11:31:57");
        let berlin = parse_tz("Europe/Berlin").unwrap();
        assert_eq!(ctime(t, Some(berlin)), "2024-10-21T13:31:57");
        assert!(parse_tz("Mars/Base").is_err());
    }

    fn at(s: &str) -> i64 {
        parse_timestamp(s).unwrap()
    }

    #[test]
    fn a_bare_date_is_that_whole_day_in_the_display_zone() {
        let now = at("2026-03-12T12:00:00Z");
        let day = parse_range("2026-03-10", now, None).unwrap();
        assert_eq!(day.earliest, Some(at("2026-03-10T00:00:00Z")));
        assert_eq!(day.latest, Some(at("2026-03-11T00:00:00Z")));
        // In Berlin (UTC+1 in March before the switch) the day starts at 23:00 UTC the day before.
        let berlin = parse_tz("Europe/Berlin").ok();
        let day = parse_range("2026-03-10", now, berlin).unwrap();
        assert_eq!(day.earliest, Some(at("2026-03-09T23:00:00Z")));
        assert_eq!(day.latest, Some(at("2026-03-10T23:00:00Z")));
        // From the start of the first day to the end of the last.
        let days = parse_range("2026-03-10..2026-03-12", now, None).unwrap();
        assert_eq!(days.earliest, Some(at("2026-03-10T00:00:00Z")));
        assert_eq!(days.latest, Some(at("2026-03-13T00:00:00Z")));
        // A date-time keeps its minute; a zone-less one is in the display zone too.
        let r = parse_range("2026-03-10..2026-03-10T12:30", now, berlin).unwrap();
        assert_eq!(r.earliest, Some(at("2026-03-09T23:00:00Z")));
        assert_eq!(r.latest, Some(at("2026-03-10T11:30:00Z")));
        let z = parse_range("2026-03-10T12:30:00Z", now, berlin).unwrap();
        assert_eq!(z.earliest, Some(at("2026-03-10T12:30:00Z")), "a zone wins");
        // The day the clocks go forward in Berlin is 23 hours long.
        let dst = parse_range("2026-03-29", now, berlin).unwrap();
        assert_eq!(
            dst.latest.unwrap() - dst.earliest.unwrap(),
            23 * 3600 * MICROS
        );
        assert!(parse_range("2026-03-12..2026-03-10", now, None).is_err());
    }

    #[test]
    fn relative_ranges_count_back_from_the_anchor() {
        let last = at("2026-03-10T17:42:00Z");
        let anchor = last_event_anchor(last);
        let r = parse_range("-24h", anchor, None).unwrap();
        assert_eq!(r.earliest, Some(anchor - 86_400 * MICROS));
        assert!(r.contains(last), "the last event is inside -24h from it");
        assert!(!r.contains(at("2026-03-09T17:41:59Z")));
        let r = parse_range("-2d..-1d", anchor, None).unwrap();
        assert_eq!(r.latest, Some(anchor - 86_400 * MICROS));
        let r = parse_range("-1h..now", anchor, None).unwrap();
        assert!(r.contains(last), "..now ends just after the last event");
        assert!(range_is_relative("-24h") && range_is_relative("2026-03-10..now"));
        assert!(!range_is_relative("2026-03-10") && !range_is_relative("all"));
        assert_eq!(Anchor::LastEvent.toggled(), Anchor::Now);
    }

    #[test]
    fn cli_latest_date_means_the_end_of_that_day() {
        let now = at("2026-03-12T12:00:00Z");
        let r = TimeRange::parse_in(Some("2026-03-09"), Some("2026-03-10"), now, None).unwrap();
        assert_eq!(r.earliest, Some(at("2026-03-09T00:00:00Z")));
        assert_eq!(r.latest, Some(at("2026-03-11T00:00:00Z")));
        let r = TimeRange::parse(None, Some("2026-03-10T14:00:00Z"), now).unwrap();
        assert_eq!(r.latest, Some(at("2026-03-10T14:00:00Z")));
        assert_eq!(
            short_time(at("2026-03-09T08:00:59Z"), None),
            "2026-03-09 08:00"
        );
    }
}
