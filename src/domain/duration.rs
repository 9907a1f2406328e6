//! Duration parameters: an ISO 8601 duration (`PT30M`, `PT1H30M`, `P1DT2H`, `PT1.5S`) or a
//! whole number of minutes (`30`), read into milliseconds.
//!
//! Weeks and days are exact multiples of 24 hours (the engine counts elapsed time); years and
//! months have no fixed length and are refused.

use super::Millis;
use super::time::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, WEEK_MS};
use std::fmt;

/// Why a duration was refused; the message completes a sentence that starts with the
/// parameter's name, e.g. "`step` is not an ISO 8601 duration ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DurationError(pub &'static str);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for DurationError {}

const NOT_A_DURATION: DurationError = DurationError(
    "is not an ISO 8601 duration (e.g. PT30M, PT1H30M) or a whole number of minutes (e.g. 30)",
);
const NEGATIVE: DurationError = DurationError("must not be negative");
const TOO_LONG: DurationError = DurationError("is too long");
const CALENDAR_UNITS: DurationError = DurationError(
    "uses years or months, which have no fixed length; use weeks, days, hours, minutes or seconds",
);
const TOO_PRECISE: DurationError = DurationError("has more than millisecond precision");

/// Reads `PT30M`-style ISO 8601 durations and whole minutes. Zero is accepted (`PT0S`, `0`):
/// whether zero makes sense is the caller's decision.
pub(crate) fn parse_duration(text: &str) -> Result<Millis, DurationError> {
    if text.starts_with('-') {
        return Err(NEGATIVE);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return read_whole(text)?.checked_mul(MINUTE_MS).ok_or(TOO_LONG);
    }
    match text.strip_prefix(['P', 'p']) {
        Some(rest) => parse_iso(rest),
        None => Err(NOT_A_DURATION),
    }
}

/// The part after `P`: date components, then optionally `T` and time components.
fn parse_iso(text: &str) -> Result<Millis, DurationError> {
    let (date, time) = match text.split_once(['T', 't']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    // `P` alone, `PT` alone and `P1DT` name no amount of time.
    if (date.is_empty() && time.is_none()) || time == Some("") {
        return Err(NOT_A_DURATION);
    }
    let mut components = Components::default();
    components.read(
        date,
        &[
            ('Y', None),
            ('M', None),
            ('W', Some(WEEK_MS)),
            ('D', Some(DAY_MS)),
        ],
    )?;
    if let Some(time) = time {
        components.read(
            time,
            &[
                ('H', Some(HOUR_MS)),
                ('M', Some(MINUTE_MS)),
                ('S', Some(SECOND_MS)),
            ],
        )?;
    }
    Ok(components.total)
}

#[derive(Default)]
struct Components {
    total: Millis,
    /// Only the last component may have a fraction (ISO 8601's rule).
    saw_fraction: bool,
}

impl Components {
    /// Reads `<number><designator>` pairs in the order `units` lists them, each at most once.
    /// A unit without a length (years, months) is refused.
    fn read(
        &mut self,
        mut text: &str,
        units: &[(char, Option<Millis>)],
    ) -> Result<(), DurationError> {
        let mut next_unit = 0;
        while !text.is_empty() {
            if self.saw_fraction {
                return Err(NOT_A_DURATION);
            }
            let number_len = text
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .ok_or(NOT_A_DURATION)?;
            let (number, rest) = text.split_at(number_len);
            let mut rest_chars = rest.chars();
            let designator = rest_chars
                .next()
                .ok_or(NOT_A_DURATION)?
                .to_ascii_uppercase();
            text = rest_chars.as_str();

            let offset = units[next_unit..]
                .iter()
                .position(|&(name, _)| name == designator)
                .ok_or(NOT_A_DURATION)?;
            let unit = units[next_unit + offset].1.ok_or(CALENDAR_UNITS)?;
            next_unit += offset + 1;

            let (whole, fraction) = match number.split_once(['.', ',']) {
                Some((whole, fraction)) => (whole, Some(fraction)),
                None => (number, None),
            };
            let mut amount = read_whole(whole)?.checked_mul(unit).ok_or(TOO_LONG)?;
            if let Some(fraction) = fraction {
                self.saw_fraction = true;
                amount = amount
                    .checked_add(read_fraction(fraction, unit)?)
                    .ok_or(TOO_LONG)?;
            }
            self.total = self.total.checked_add(amount).ok_or(TOO_LONG)?;
        }
        Ok(())
    }
}

/// A non-empty run of ASCII digits, without overflow.
fn read_whole(digits: &str) -> Result<Millis, DurationError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NOT_A_DURATION);
    }
    digits.bytes().try_fold(0 as Millis, |total, digit| {
        total
            .checked_mul(10)
            .and_then(|t| t.checked_add(Millis::from(digit - b'0')))
            .ok_or(TOO_LONG)
    })
}

/// `0.<digits>` of `unit`, which must come to whole milliseconds.
fn read_fraction(digits: &str, unit: Millis) -> Result<Millis, DurationError> {
    // More digits than this cannot name a whole millisecond of any unit here.
    if digits.len() > 12 {
        return Err(TOO_PRECISE);
    }
    let numerator = i128::from(read_whole(digits)?);
    let denominator = 10_i128.pow(digits.len() as u32);
    let scaled = numerator * i128::from(unit);
    if scaled % denominator != 0 {
        return Err(TOO_PRECISE);
    }
    Millis::try_from(scaled / denominator).map_err(|_| TOO_LONG)
}

/// `millis` as the ISO 8601 duration the API shows: days, then hours, minutes and seconds,
/// each only when not zero (`P60D`, `PT1H30M`, `P1DT12H`); zero is `PT0M`.
pub(crate) fn format_duration(millis: Millis) -> String {
    let (days, rest) = (millis / DAY_MS, millis % DAY_MS);
    let mut text = String::from("P");
    if days > 0 {
        text.push_str(&format!("{days}D"));
    }
    if rest > 0 || days == 0 {
        text.push('T');
        let parts = [(rest / HOUR_MS, 'H'), (rest % HOUR_MS / MINUTE_MS, 'M')];
        for (amount, unit) in parts {
            if amount > 0 {
                text.push_str(&format!("{amount}{unit}"));
            }
        }
        let seconds = rest % MINUTE_MS;
        if seconds > 0 {
            match seconds % SECOND_MS {
                0 => text.push_str(&format!("{}S", seconds / SECOND_MS)),
                _ => text.push_str(&format!(
                    "{}.{:03}S",
                    seconds / SECOND_MS,
                    seconds % SECOND_MS
                )),
            }
        }
        if rest == 0 {
            text.push_str("0M");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_minutes() {
        assert_eq!(parse_duration("30"), Ok(30 * MINUTE_MS));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1440"), Ok(DAY_MS));
    }

    #[test]
    fn iso_8601_time_components() {
        assert_eq!(parse_duration("PT30M"), Ok(30 * MINUTE_MS));
        assert_eq!(parse_duration("PT1H30M"), Ok(90 * MINUTE_MS));
        assert_eq!(parse_duration("PT45S"), Ok(45 * SECOND_MS));
        assert_eq!(parse_duration("PT1H0M5S"), Ok(HOUR_MS + 5 * SECOND_MS));
        assert_eq!(parse_duration("pt15m"), Ok(15 * MINUTE_MS));
        assert_eq!(parse_duration("PT0S"), Ok(0));
    }

    #[test]
    fn days_and_weeks_are_fixed_multiples_of_24_hours() {
        assert_eq!(parse_duration("P1D"), Ok(DAY_MS));
        assert_eq!(parse_duration("P1DT12H"), Ok(DAY_MS + 12 * HOUR_MS));
        assert_eq!(parse_duration("P2W"), Ok(14 * DAY_MS));
    }

    #[test]
    fn a_fraction_on_the_last_component_must_come_to_whole_milliseconds() {
        assert_eq!(parse_duration("PT1.5S"), Ok(1500));
        assert_eq!(parse_duration("PT0,25S"), Ok(250));
        assert_eq!(parse_duration("PT1.5H"), Ok(90 * MINUTE_MS));
        assert_eq!(parse_duration("PT0.001S"), Ok(1));
        assert_eq!(parse_duration("PT0.0001S"), Err(TOO_PRECISE));
        assert_eq!(parse_duration("PT1.5H30M"), Err(NOT_A_DURATION));
    }

    #[test]
    fn years_and_months_are_refused_with_a_reason() {
        assert_eq!(parse_duration("P1Y"), Err(CALENDAR_UNITS));
        assert_eq!(parse_duration("P1M"), Err(CALENDAR_UNITS));
        assert!(CALENDAR_UNITS.0.contains("months"));
        // In the time part, M is minutes.
        assert_eq!(parse_duration("PT1M"), Ok(MINUTE_MS));
    }

    #[test]
    fn negatives_are_refused() {
        assert_eq!(parse_duration("-30"), Err(NEGATIVE));
        assert_eq!(parse_duration("-PT30M"), Err(NEGATIVE));
    }

    #[test]
    fn malformed_text_is_refused() {
        for bad in [
            "",
            " 30",
            "30 ",
            "+30",
            "3.5",
            "P",
            "PT",
            "P1DT",
            "PT30",
            "PTM",
            "PT30M30M",
            "PT30S1M",
            "P1H",
            "PT1D",
            "30M",
            "PT1.M",
            "PT.5S",
            "PT1..5S",
            "PT1\u{e9}",
            "1e3",
            "P1DT1H1M1S1",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert_eq!(parse_duration("99999999999999999999"), Err(TOO_LONG));
        assert_eq!(parse_duration("9223372036854775807"), Err(TOO_LONG));
        assert_eq!(parse_duration("P9999999999999W"), Err(TOO_LONG));
        assert_eq!(parse_duration("PT9223372036854776S"), Err(TOO_LONG));
        assert_eq!(parse_duration("P106751991167DT8H"), Err(TOO_LONG));
        assert_eq!(parse_duration("PT9223372036854775.808S"), Err(TOO_LONG));
        assert_eq!(parse_duration("PT0.999999999999S"), Err(TOO_PRECISE));
        assert_eq!(parse_duration("PT0.9999999999999S"), Err(TOO_PRECISE));
    }

    #[test]
    fn durations_format_as_they_parse() {
        for (millis, text) in [
            (0, "PT0M"),
            (30 * MINUTE_MS, "PT30M"),
            (90 * MINUTE_MS, "PT1H30M"),
            (12 * HOUR_MS, "PT12H"),
            (DAY_MS, "P1D"),
            (60 * DAY_MS, "P60D"),
            (DAY_MS + 12 * HOUR_MS, "P1DT12H"),
            (1_500, "PT1.500S"),
        ] {
            assert_eq!(format_duration(millis), text);
            assert_eq!(parse_duration(text), Ok(millis), "{text}");
        }
    }
}
