//! Timestamps as the exports write them: ISO 8601 (with or without zone; a zone is converted,
//! no zone is read as UTC) and the US `M/D/YYYY h:mm:ss AM` form of older exports. A file's
//! format is decided once from its first value, never guessed per row.

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

/// Days from 1970-01-01 to a proleptic Gregorian date, `None` when there is no such date
/// (the days of chrono's `NaiveDate::from_ymd_opt`, which the tests check it against). Plain
/// arithmetic (H. Hinnant's `days_from_civil`): this runs once per event of a text timestamp,
/// and chrono's validated constructor and conversion were 2% of a CSV run's samples.
fn date_days(y: u32, m: u32, d: u32) -> Option<i64> {
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > month_days {
        return None;
    }
    // March-based years, so that the leap day is the last day of a year.
    let (y, m, d) = (i64::from(y) - i64::from(m <= 2), i64::from(m), i64::from(d));
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// Epoch milliseconds of a date's days and a time of day, `None` for a time that is not one
/// (as chrono's `NaiveTime::from_hms_nano_opt`: hours to 23, minutes and seconds to 59).
fn day_ms(days: i64, h: u32, m: u32, sec: u32, nanos: u32) -> Option<i64> {
    if h > 23 || m > 59 || sec > 59 || nanos > 999_999_999 {
        return None;
    }
    let secs = i64::from(h * 3600 + m * 60 + sec);
    Some(days * 86_400_000 + secs * 1000 + i64::from(nanos / 1_000_000))
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, optionally
/// followed by `Z` or an offset `±HH:MM` / `±HHMM`.
pub fn parse_iso_ms(s: &str) -> Option<i64> {
    iso_ms(s, iso_days)
}

/// The days since the epoch of an ISO date `YYYY-MM-DD` (10 bytes).
fn iso_days(b: &[u8]) -> Option<i64> {
    date_days(digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `parse_iso_ms` for a column of timestamps: the days of the last date seen are kept, since
/// an export's consecutive rows mostly share their day (the date's arithmetic was a third of
/// the parse).
#[derive(Default)]
pub struct IsoParser {
    last: Option<([u8; 10], Option<i64>)>,
}

impl IsoParser {
    pub fn parse(&mut self, s: &str) -> Option<i64> {
        iso_ms(s, |b| {
            let date: [u8; 10] = b[..10].try_into().ok()?;
            match self.last {
                Some((d, days)) if d == date => days,
                _ => {
                    let days = iso_days(&date);
                    self.last = Some((date, days));
                    days
                }
            }
        })
    }
}

/// `parse_iso_ms` with the date's days from `days_of` (given at least 10 bytes).
fn iso_ms(s: &str, mut days_of: impl FnMut(&[u8]) -> Option<i64>) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let days = days_of(b)?;
    if b.len() == 10 {
        return day_ms(days, 0, 0, 0, 0);
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
    let ms = day_ms(days, h, m, sec, nanos)?;
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
    Some(ms - offset_min * 60_000)
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
    let days = date_days(
        digits(y.as_bytes())?,
        digits(mo.as_bytes())?,
        digits(d.as_bytes())?,
    )?;
    let Some(t) = time_part else {
        return day_ms(days, 0, 0, 0, 0);
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
    day_ms(days, h24, m, sec, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

    /// chrono's epoch milliseconds, the oracle of the arithmetic.
    fn to_ms(date: NaiveDate, time: NaiveTime) -> i64 {
        NaiveDateTime::new(date, time).and_utc().timestamp_millis()
    }

    proptest::proptest! {
        /// The arithmetic agrees with chrono on every date and time of the four-digit years,
        /// valid or not (day 0, day 31 of a 30-day month, 29 February of a common year).
        #[test]
        fn date_arithmetic_is_chronos(
            y in 0u32..=9999, mo in 0u32..=13, d in 0u32..=32,
            h in 0u32..=24, mi in 0u32..=60, sec in 0u32..=60, nanos in 0u32..1_000_000_000,
        ) {
            let chrono = NaiveDate::from_ymd_opt(y as i32, mo, d).and_then(|date| {
                Some(to_ms(date, NaiveTime::from_hms_nano_opt(h, mi, sec, nanos)?))
            });
            let ours = date_days(y, mo, d).and_then(|days| day_ms(days, h, mi, sec, nanos));
            proptest::prop_assert_eq!(ours, chrono);
        }
    }

    #[test]
    fn leap_days_and_the_calendar_edges() {
        for (text, want) in [
            ("2024-02-29", Some(ms(2024, 2, 29, 0, 0, 0))),
            ("2000-02-29", Some(ms(2000, 2, 29, 0, 0, 0))),
            ("1900-02-29", None),
            ("2023-02-29", None),
            ("0000-01-01", Some(ms(0, 1, 1, 0, 0, 0))),
            ("9999-12-31T23:59:59Z", Some(ms(9999, 12, 31, 23, 59, 59))),
            ("1969-12-31T23:59:59.999Z", Some(-1)),
            ("2026-04-31", None),
            ("2026-10-31T24:00:00Z", None),
        ] {
            assert_eq!(parse_iso_ms(text), want, "{text}");
        }
    }

    /// The column parser (which keeps the last date's days) gives every value of a sequence
    /// what the plain parser gives it: runs of one day, a bad date between good ones of the
    /// same text, a date alone, other forms.
    #[test]
    fn the_column_parser_is_the_plain_one() {
        let values = [
            "2026-10-02T08:15:00Z",
            "2026-10-02T09:00:00Z",
            "2026-10-02",
            "2026-02-30T09:00:00Z",
            "2026-02-30T10:00:00Z",
            "2026-10-02T24:00:00Z",
            "2026-10-03T00:00:00+02:00",
            " 2026-10-03T01:00:00Z ",
            "2026-10-0",
            "",
            "2024-02-29T12:00:00.5Z",
            "2026-10-02T08:15:00Z",
        ];
        let mut column = IsoParser::default();
        for v in values {
            assert_eq!(column.parse(v), parse_iso_ms(v), "{v:?}");
        }
    }

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
