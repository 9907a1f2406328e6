//! RFC 3339 timestamps in and out: any offset in, UTC with `Z` out, millisecond precision.

use super::interval::Millis;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;

/// Why a timestamp was refused; the message is meant for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(pub &'static str);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Parses an RFC 3339 timestamp with an explicit offset into UTC milliseconds.
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
    Ok(parsed.timestamp_millis())
}

/// Formats UTC milliseconds as RFC 3339 with `Z`; a fraction only when it is not zero.
pub fn format_timestamp(millis: Millis) -> String {
    match DateTime::<Utc>::from_timestamp_millis(millis) {
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
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad} should be refused");
        }
        let offsetless = parse_timestamp("2024-09-27T09:00:00").expect_err("no offset");
        assert!(offsetless.0.contains("offset"));
    }

    #[test]
    fn pre_epoch_instants_format_correctly() {
        let t = parse_timestamp("1969-12-31T23:59:59.250Z").expect("valid");
        assert_eq!(format_timestamp(t), "1969-12-31T23:59:59.250Z");
    }
}
