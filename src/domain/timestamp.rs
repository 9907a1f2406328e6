//! Instants as text: RFC 3339 timestamps in (any offset) and out (UTC with `Z`, or a zone's
//! offset), and IANA time zone names, millisecond precision.

use super::field_error::quoted;
use super::time::{EARLIEST_INSTANT, LATEST_INSTANT, Millis};
use chrono::{DateTime, Offset, SecondsFormat, Timelike, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use std::fmt;

/// Why a timestamp was refused; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(pub &'static str);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Parses an RFC 3339 timestamp with an explicit offset into UTC milliseconds, from
/// [`EARLIEST_INSTANT`] to [`LATEST_INSTANT`].
///
/// A seconds field of `60` is refused: RFC 3339 allows it only for a leap second, which UTC
/// milliseconds cannot name (chrono would read `09:00:60` as `09:01:00`), and the API cannot
/// tell a real one from a typo.
///
/// A query string decoded as a form turns the `+` of `+02:00` into a space; such a value
/// (`2024-09-27T09:00:00 02:00`) is read as the `+` the client meant.
pub fn parse_timestamp(text: &str) -> Result<Millis, TimestampError> {
    let repaired;
    let text = match text.len().checked_sub(6).and_then(|at| text.get(at..)) {
        Some(tail) if tail.starts_with(' ') && tail[1..].contains(':') => {
            repaired = format!("{}+{}", &text[..text.len() - 6], &tail[1..]);
            repaired.as_str()
        }
        _ => text,
    };
    if let Some(fraction) = fraction_digits(text)
        && fraction > 3
    {
        return Err(TimestampError(
            "has more than millisecond precision (at most 3 fractional digits)",
        ));
    }
    let parsed = DateTime::parse_from_rfc3339(text).map_err(|_| {
        if looks_offsetless(text) {
            TimestampError("has no UTC offset; add `Z` or `+hh:mm` (e.g. 2024-09-27T09:00:00Z)")
        } else {
            TimestampError("is not an RFC 3339 timestamp (e.g. 2024-09-27T09:00:00Z)")
        }
    })?;
    if parsed.nanosecond() >= 1_000_000_000 {
        return Err(TimestampError(
            "has 60 seconds; seconds run from 00 to 59 (leap seconds are not accepted)",
        ));
    }
    let millis = parsed.timestamp_millis();
    if !(EARLIEST_INSTANT..=LATEST_INSTANT).contains(&millis) {
        return Err(TimestampError(OUT_OF_RANGE));
    }
    Ok(millis)
}

/// Why an instant outside [`EARLIEST_INSTANT`]..=[`LATEST_INSTANT`] is refused.
const OUT_OF_RANGE: &str = "is outside the instants the API accepts, 0000-01-02T00:00:00Z to 9999-12-31T00:00:00Z (a day inside years 0000-9999, so that every zone can show it)";

/// Formats UTC milliseconds as RFC 3339 with `Z`; a fraction only when it is not zero.
pub fn format_timestamp(millis: Millis) -> String {
    FormattedTimestamp::new(millis).as_str().to_owned()
}

/// A timestamp formatted as [`format_timestamp`] does, on the stack: responses format two per
/// interval, so this path avoids chrono's general formatter and a `String` per timestamp.
pub(crate) struct FormattedTimestamp {
    bytes: [u8; Self::CAPACITY],
    len: usize,
}

impl FormattedTimestamp {
    /// Room for the longest output, chrono's `+262143-12-31T23:59:59.999Z` (27 bytes).
    const CAPACITY: usize = 32;

    pub(crate) fn new(millis: Millis) -> Self {
        let mut text = FormattedTimestamp {
            bytes: [0; Self::CAPACITY],
            len: 0,
        };
        if !text.write_four_digit_year(millis) {
            text.write_with_chrono(millis);
        }
        text
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII is ever written, and only whole `str`s in the fallback.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    /// The common case, years 0000 to 9999; false (nothing written) outside them.
    fn write_four_digit_year(&mut self, millis: Millis) -> bool {
        let seconds = millis.div_euclid(1000);
        let fraction = millis.rem_euclid(1000);
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        if !(0..=9999).contains(&year) {
            return false;
        }
        let second_of_day = seconds.rem_euclid(86_400);
        let b = &mut self.bytes;
        put_digits(&mut b[0..4], year);
        b[4] = b'-';
        put_digits(&mut b[5..7], month);
        b[7] = b'-';
        put_digits(&mut b[8..10], day);
        b[10] = b'T';
        put_digits(&mut b[11..13], second_of_day / 3600);
        b[13] = b':';
        put_digits(&mut b[14..16], second_of_day / 60 % 60);
        b[16] = b':';
        put_digits(&mut b[17..19], second_of_day % 60);
        let mut len = 19;
        if fraction != 0 {
            b[19] = b'.';
            put_digits(&mut b[20..23], fraction);
            len = 23;
        }
        b[len] = b'Z';
        self.len = len + 1;
        true
    }

    /// Years beyond four digits, as chrono writes them (or the plain number chrono cannot).
    fn write_with_chrono(&mut self, millis: Millis) {
        let text = match DateTime::<Utc>::from_timestamp_millis(millis) {
            Some(instant) => instant.to_rfc3339_opts(
                if millis.rem_euclid(1000) == 0 {
                    SecondsFormat::Secs
                } else {
                    SecondsFormat::Millis
                },
                true,
            ),
            // Unreachable for values that came through `parse_timestamp`.
            None => millis.to_string(),
        };
        let len = text.len().min(Self::CAPACITY);
        self.bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        self.len = len;
    }
}

impl fmt::Display for FormattedTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `value` (non-negative, fitting) as zero-padded decimal digits filling `out`.
fn put_digits(out: &mut [u8], mut value: i64) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March is 0
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The number of digits after the seconds' decimal point, if there is a fraction.
fn fraction_digits(text: &str) -> Option<usize> {
    let time_part = &text[text.find(['T', 't', ' '])?..];
    let dot = time_part.find('.')?;
    Some(
        time_part[dot + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count(),
    )
}

fn looks_offsetless(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// A time zone name that is not in the IANA database chrono-tz carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTimeZone {
    quoted_name: String,
    /// The right spelling when only the letter case was wrong.
    suggestion: Option<Tz>,
}

impl fmt::Display for UnknownTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not an IANA time zone name such as `Europe/Berlin` or `America/New_York`",
            self.quoted_name
        )?;
        match self.suggestion {
            Some(zone) => write!(f, "; did you mean `{}`?", zone.name()),
            None => Ok(()),
        }
    }
}

impl std::error::Error for UnknownTimeZone {}

/// Reads an IANA zone name exactly as the database spells it (`Europe/Berlin`, `UTC`), for the
/// schedule's `timezone` and the `tz` query parameter alike.
pub fn parse_time_zone(name: &str) -> Result<Tz, UnknownTimeZone> {
    name.parse::<Tz>().map_err(|_| UnknownTimeZone {
        quoted_name: quoted(name),
        suggestion: TZ_VARIANTS
            .iter()
            .copied()
            .find(|zone| zone.name().eq_ignore_ascii_case(name)),
    })
}

/// Formats an instant as RFC 3339 with `zone`'s offset at that instant
/// (`2026-03-08T09:00:00-04:00`), with a millisecond fraction only when it is not zero.
///
/// RFC 3339 offsets have whole minutes under 24 hours; an instant whose offset has seconds
/// (mean solar time before a zone adopted standard time, such as -00:25:21 in Dublin until
/// 1916) is given in UTC with `Z` instead, so that the text still names the same instant.
/// For instants from [`EARLIEST_INSTANT`] to [`LATEST_INSTANT`] the local year then stays
/// within 0000–9999, so the text is one [`parse_timestamp`] accepts; outside them the local
/// text would not be, and UTC is given too.
pub fn format_timestamp_in(millis: Millis, zone: Tz) -> String {
    let Some(instant) = DateTime::<Utc>::from_timestamp_millis(millis) else {
        return format_timestamp(millis);
    };
    let local = instant.with_timezone(&zone);
    let offset_seconds = local.offset().fix().local_minus_utc();
    if offset_seconds % 60 != 0
        || offset_seconds.abs() >= 86_400
        || !(EARLIEST_INSTANT..=LATEST_INSTANT).contains(&millis)
    {
        return format_timestamp(millis);
    }
    let seconds = if millis.rem_euclid(1000) == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    };
    local.to_rfc3339_opts(seconds, false)
}

/// An instant as the API shows it: UTC with `Z`, or with the offset of the `tz` the read asked
/// for.
pub(crate) fn format_instant(millis: Millis, zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => format_timestamp_in(millis, zone),
        None => format_timestamp(millis),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::at;

    #[test]
    fn any_offset_becomes_utc() {
        let utc = parse_timestamp("2024-09-27T09:00:00Z");
        assert_eq!(parse_timestamp("2024-09-27T11:00:00+02:00"), utc);
        assert_eq!(parse_timestamp("2024-09-27T09:00:00+00:00"), utc);
        assert_eq!(parse_timestamp("2024-09-27T04:00:00-05:00"), utc);
        assert_eq!(
            format_timestamp(utc.expect("valid")),
            "2024-09-27T09:00:00Z"
        );
    }

    #[test]
    fn a_form_decoded_plus_is_repaired() {
        assert_eq!(
            parse_timestamp("2024-09-27T11:00:00 02:00"),
            parse_timestamp("2024-09-27T09:00:00Z")
        );
    }

    #[test]
    fn milliseconds_are_kept_and_shown_only_when_present() {
        let t = parse_timestamp("2024-09-27T09:00:00.5Z").expect("valid");
        assert_eq!(format_timestamp(t), "2024-09-27T09:00:00.500Z");
        let t = parse_timestamp("2024-09-27T09:00:00.000+00:00").expect("valid");
        assert_eq!(format_timestamp(t), "2024-09-27T09:00:00Z");
    }

    #[test]
    fn refuses_what_it_cannot_read_exactly() {
        for bad in [
            "2024-09-27T09:00:00",
            "2024-09-27T09:00:00.1234Z",
            "2024-09-27",
            "yesterday",
            "",
            "2024-13-01T00:00:00Z",
            "2024-09-27T09:00:60Z",
            "2016-12-31T23:59:60Z",
            "9999-12-31T00:00:00.001Z",
            "0000-01-01T23:59:59.999Z",
            "0000-01-02T00:00:00+00:01",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            parse_timestamp("9999-12-31T00:00:00Z"),
            Ok(LATEST_INSTANT),
            "the latest instant is accepted"
        );
        assert_eq!(
            parse_timestamp("0000-01-01T23:00:00-01:00"),
            Ok(EARLIEST_INSTANT),
            "the earliest instant, in any offset"
        );
        let offsetless = parse_timestamp("2024-09-27T09:00:00").expect_err("no offset");
        assert!(offsetless.0.contains("offset"));
    }

    /// What `format_timestamp` was before its fast path, the reference it must match.
    fn chrono_format(millis: Millis) -> String {
        let mut text = FormattedTimestamp {
            bytes: [0; FormattedTimestamp::CAPACITY],
            len: 0,
        };
        text.write_with_chrono(millis);
        text.as_str().to_owned()
    }

    #[test]
    fn fast_formatting_matches_chrono_everywhere() {
        let year_0000 = -62_167_219_200_000;
        let year_10000 = 253_402_300_800_000;
        let mut edges = vec![0, -1, 1, 999, 1000, -1000, -1001, i64::MIN, i64::MAX];
        for boundary in [year_0000, year_10000, 951_782_400_000, 4_107_542_400_000] {
            // around 0000-01-01, 10000-01-01, 2000-02-29 and 2100-03-01
            edges.extend((-2..=2).map(|step| boundary + step * 43_200_000 - 1));
            edges.extend([boundary - 1, boundary, boundary + 1]);
        }
        // A fixed pseudo-random walk over the four-digit years and beyond.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let span = (year_10000 - year_0000) as u64 * 2;
        for _ in 0..200_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let millis = year_0000 - span as i64 / 4 + ((state >> 11) % span) as i64;
            // Half of them on whole seconds, where no fraction is shown.
            edges.push(if state & 1 == 0 {
                millis - millis % 1000
            } else {
                millis
            });
        }
        for millis in edges {
            assert_eq!(format_timestamp(millis), chrono_format(millis), "{millis}");
        }
    }

    #[test]
    fn pre_epoch_instants_format_correctly() {
        let t = parse_timestamp("1969-12-31T23:59:59.250Z").expect("valid");
        assert_eq!(format_timestamp(t), "1969-12-31T23:59:59.250Z");
    }

    #[test]
    fn time_zone_names_are_exact_and_a_wrong_case_gets_a_suggestion() {
        assert_eq!(
            parse_time_zone("America/New_York"),
            Ok(chrono_tz::America::New_York)
        );
        let wrong_case = parse_time_zone("europe/berlin").expect_err("case matters");
        assert!(
            wrong_case
                .to_string()
                .ends_with("did you mean `Europe/Berlin`?"),
            "{wrong_case}"
        );
        let long = "x".repeat(10_000);
        let message = parse_time_zone(&long).expect_err("unknown").to_string();
        assert!(message.len() < 200, "the name is cut short: {message}");
        assert!(parse_time_zone("").is_err());
        assert!(parse_time_zone(" UTC").is_err());
    }

    #[test]
    fn instants_format_with_the_zone_offset() {
        let new_york = chrono_tz::America::New_York;
        assert_eq!(
            format_timestamp_in(at("2026-03-08T13:00:00Z"), new_york),
            "2026-03-08T09:00:00-04:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-03-07T14:00:00.250Z"), new_york),
            "2026-03-07T09:00:00.250-05:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-01-05T09:00:00Z"), chrono_tz::Europe::London),
            "2026-01-05T09:00:00+00:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-01-05T09:00:00Z"), chrono_tz::Australia::Lord_Howe),
            "2026-01-05T20:00:00+11:00"
        );
        // Dublin Mean Time was -00:25:21, which RFC 3339 cannot write.
        assert_eq!(
            format_timestamp_in(at("1900-06-01T12:00:00Z"), chrono_tz::Europe::Dublin),
            "1900-06-01T12:00:00Z"
        );
        for extreme in [i64::MIN, i64::MAX, 0] {
            assert!(!format_timestamp_in(extreme, new_york).is_empty());
        }
    }
}
