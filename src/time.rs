//! Event times: parsing what analysts type (`-24h`, ISO 8601) and rendering Splunk's ctime.
//!
//! Times are i64 microseconds since the Unix epoch, UTC, everywhere in huntbench.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
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

    /// Parse `--earliest` / `--latest` values; relative values count back from `now`.
    pub fn parse(earliest: Option<&str>, latest: Option<&str>, now: i64) -> Result<Self, String> {
        let earliest = earliest.map(|s| parse_time(s, now)).transpose()?;
        let latest = latest.map(|s| parse_time(s, now)).transpose()?;
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

    /// Short human form for headers: `all time` or `2024-01-01T00:00:00 → now`.
    pub fn describe(&self) -> String {
        if self.is_all() {
            return "all time".into();
        }
        let end = |t: Option<i64>, open: &str| t.map(|t| ctime(t, None)).unwrap_or(open.into());
        format!(
            "{} → {}",
            end(self.earliest, "start"),
            end(self.latest, "end")
        )
    }
}

/// Current time in microseconds.
pub fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// Parse an absolute (ISO 8601, date, or `YYYY-mm-dd HH:MM:SS`, UTC when no zone is given) or
/// relative (`-24h`, `-7d`, `-30m`, `-45s`, `-2w`, `now`) time.
pub fn parse_time(s: &str, now: i64) -> Result<i64, String> {
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
    parse_timestamp(s).ok_or_else(|| {
        format!("bad time {s:?}: expected ISO 8601 (2024-10-21T11:31:57Z) or relative (-24h)")
    })
}

/// Parse a timestamp as logs write it. Without a zone it is UTC. Digits past the microsecond are
/// truncated (Windows logs carry 100 ns ticks; the evtx renderer prints six digits).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(truncate_micros(dt.with_timezone(&Utc)));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
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
}
