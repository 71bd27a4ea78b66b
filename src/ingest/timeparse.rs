//! Timestamps as the exports write them: ISO 8601 (with or without zone; a zone is converted,
//! no zone is read as UTC) and the US `M/D/YYYY h:mm:ss AM` form of older exports. A file's
//! format is decided once from its first value, never guessed per row.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// The timestamp format of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    Iso,
    /// Month first, as the US-locale exports write it.
    UsMonthFirst,
}

impl TimeFormat {
    /// Decides the format from a sample value; `None` when it is neither.
    pub fn detect(sample: &str) -> Option<TimeFormat> {
        let s = sample.trim();
        if parse_iso_ms(s).is_some() {
            Some(TimeFormat::Iso)
        } else if parse_us_ms(s).is_some() {
            Some(TimeFormat::UsMonthFirst)
        } else {
            None
        }
    }

    pub fn parse(self, s: &str) -> Option<i64> {
        match self {
            TimeFormat::Iso => parse_iso_ms(s),
            TimeFormat::UsMonthFirst => parse_us_ms(s),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            TimeFormat::Iso => "ISO 8601",
            TimeFormat::UsMonthFirst => "US M/D/YYYY h:mm:ss AM",
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn to_ms(date: NaiveDate, time: NaiveTime) -> i64 {
    NaiveDateTime::new(date, time).and_utc().timestamp_millis()
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, optionally
/// followed by `Z` or an offset `±HH:MM` / `±HHMM`.
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(&b[0..4])? as i32,
        digits(&b[5..7])?,
        digits(&b[8..10])?,
    )?;
    if b.len() == 10 {
        return Some(to_ms(date, NaiveTime::MIN));
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let rest = &b[11..];
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let h = digits(&rest[0..2])?;
    let m = digits(&rest[3..5])?;
    let mut i = 5;
    let mut sec = 0;
    let mut nanos = 0u32;
    if rest.len() >= 8 && rest[5] == b':' {
        sec = digits(&rest[6..8])?;
        i = 8;
        if i < rest.len() && (rest[i] == b'.' || rest[i] == b',') {
            let start = i + 1;
            let mut end = start;
            while end < rest.len() && rest[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let frac = &rest[start..end.min(start + 9)];
            nanos = digits(frac)? * 10u32.pow(9 - frac.len() as u32);
            i = end;
        }
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
    let zone = &rest[i..];
    let offset_min: i64 = match zone {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), hh1, hh2, b':', mm1, mm2]
        | [sign @ (b'+' | b'-'), hh1, hh2, mm1, mm2] => {
            let hh = digits(&[*hh1, *hh2])?;
            let mm = digits(&[*mm1, *mm2])?;
            if hh > 23 || mm > 59 {
                return None;
            }
            let v = i64::from(hh * 60 + mm);
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    Some(to_ms(date, time) - offset_min * 60_000)
}

/// `M/D/YYYY[ h:mm[:ss] AM|PM]` (also 24-hour `H:mm:ss` without AM/PM).
pub fn parse_us_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date_part, time_part) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let mut it = date_part.split('/');
    let (mo, d, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || mo.len() > 2 || d.len() > 2 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        digits(y.as_bytes())? as i32,
        digits(mo.as_bytes())?,
        digits(d.as_bytes())?,
    )?;
    let Some(t) = time_part else {
        return Some(to_ms(date, NaiveTime::MIN));
    };
    let (clock, ampm) = match t.rsplit_once(' ') {
        Some((c, ap)) => (c.trim(), Some(ap.to_ascii_uppercase())),
        None => (t, None),
    };
    let mut parts = clock.split(':');
    let h = digits(parts.next()?.as_bytes())?;
    let m = digits(parts.next()?.as_bytes())?;
    let sec = match parts.next() {
        Some(x) => digits(x.as_bytes())?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let h24 = match ampm.as_deref() {
        None => h,
        Some("AM") if (1..=12).contains(&h) => h % 12,
        Some("PM") if (1..=12).contains(&h) => h % 12 + 12,
        _ => return None,
    };
    Some(to_ms(date, NaiveTime::from_hms_opt(h24, m, sec)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        to_ms(
            NaiveDate::from_ymd_opt(y, mo, d).expect("date"),
            NaiveTime::from_hms_opt(h, mi, s).expect("time"),
        )
    }

    #[test]
    fn iso_forms() {
        let cases = [
            ("date only", "2026-10-02", Some(ms(2026, 10, 2, 0, 0, 0))),
            (
                "zulu",
                "2026-10-02T08:15:00Z",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            (
                "no zone is UTC",
                "2026-10-02T08:15:00",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            (
                "space separator",
                "2026-10-02 08:15:00",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            (
                "fraction 7 digits",
                "2026-08-31T10:18:39.0000000Z ",
                Some(ms(2026, 8, 31, 10, 18, 39)),
            ),
            (
                "offset converted",
                "2026-10-02T10:15:00+02:00",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            (
                "negative offset",
                "2026-10-02T03:15:00-0500",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            (
                "minutes only",
                "2026-10-02T08:15",
                Some(ms(2026, 10, 2, 8, 15, 0)),
            ),
            ("month 13", "2026-13-02T08:15:00Z", None),
            ("garbage", "yesterday", None),
            ("trailing junk", "2026-10-02T08:15:00Zx", None),
            ("empty", "", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse_iso_ms(input), want, "{name}");
        }
    }

    #[test]
    fn us_forms() {
        let cases = [
            (
                "am",
                "3/12/2025 7:22:01 AM",
                Some(ms(2025, 3, 12, 7, 22, 1)),
            ),
            (
                "pm",
                "9/20/2023 4:05:03 PM",
                Some(ms(2023, 9, 20, 16, 5, 3)),
            ),
            (
                "midnight",
                "1/1/2026 12:00:00 AM",
                Some(ms(2026, 1, 1, 0, 0, 0)),
            ),
            (
                "noon",
                "1/1/2026 12:00:00 PM",
                Some(ms(2026, 1, 1, 12, 0, 0)),
            ),
            ("date only", "12/31/2026", Some(ms(2026, 12, 31, 0, 0, 0))),
            ("day-first is not month-first", "31/12/2026", None),
            ("hour 13 with pm", "1/1/2026 13:00:00 PM", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse_us_ms(input), want, "{name}");
        }
    }

    #[test]
    fn format_is_detected_from_a_sample() {
        assert_eq!(
            TimeFormat::detect("2026-01-01T00:00:00Z"),
            Some(TimeFormat::Iso)
        );
        assert_eq!(
            TimeFormat::detect("3/4/2026 1:00:00 AM"),
            Some(TimeFormat::UsMonthFirst)
        );
        assert_eq!(TimeFormat::detect("soon"), None);
    }
}
