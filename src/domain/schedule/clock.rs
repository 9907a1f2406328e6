//! Wall-clock times of day, the local ranges written with them and the weekly rules that
//! repeat those ranges.

use super::input::RangeInput;
use crate::domain::field_error::{FieldError, check, quoted};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use std::fmt;

pub(super) const MINUTES_PER_DAY: u16 = 24 * 60;

/// A wall-clock time of day in minutes after midnight; `24:00` exists only as an end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct ClockTime(pub(super) u16);

impl ClockTime {
    const END_OF_DAY: ClockTime = ClockTime(MINUTES_PER_DAY);

    /// Exactly `HH:MM`, 00:00 to 23:59, and 24:00 when `may_end_day`.
    pub(super) fn parse(text: &str, may_end_day: bool) -> Result<ClockTime, String> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 5
            && bytes[2] == b':'
            && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
        if well_formed {
            let number =
                |i: usize| u16::from(bytes[i] - b'0') * 10 + u16::from(bytes[i + 1] - b'0');
            let (hours, minutes) = (number(0), number(3));
            if hours < 24 && minutes < 60 {
                return Ok(ClockTime(hours * 60 + minutes));
            }
            if (hours, minutes) == (24, 0) {
                return if may_end_day {
                    Ok(ClockTime::END_OF_DAY)
                } else {
                    Err(
                        "24:00 can only end a range; a range starting at midnight starts at 00:00"
                            .to_owned(),
                    )
                };
            }
        }
        Err(format!(
            "{} is not a time of day; use HH:MM from 00:00 to 23:59{}",
            quoted(text),
            if may_end_day { " (or 24:00)" } else { "" }
        ))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A local range as written; where it lands depends on the date it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LocalRange {
    pub(super) start: ClockTime,
    pub(super) end: ClockTime,
}

impl LocalRange {
    pub(super) fn parse(
        start: &str,
        end: &str,
        path: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<LocalRange> {
        let start = check(
            errors,
            format!("{path}/start"),
            ClockTime::parse(start, false),
        );
        let end = check(errors, format!("{path}/end"), ClockTime::parse(end, true));
        Some(LocalRange {
            start: start?,
            end: end?,
        })
    }

    pub(super) fn to_input(self) -> RangeInput {
        RangeInput {
            start: self.start.to_string(),
            end: self.end.to_string(),
        }
    }

    /// Both ends as local date-times for the range that starts on `date`; an end at or before
    /// the start falls on the next day (24:00 is always after the start, and lands there too).
    /// `None` only at the end of chrono's calendar.
    pub(super) fn on(self, date: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let midnight = date.and_time(NaiveTime::MIN);
        let end_minutes = if self.end <= self.start {
            self.end.0 + MINUTES_PER_DAY
        } else {
            self.end.0
        };
        let at = |minutes: u16| midnight.checked_add_signed(TimeDelta::minutes(minutes.into()));
        Some((at(self.start.0)?, at(end_minutes)?))
    }
}

/// One weekly rule, checked: the range it repeats on each of its days, in the order written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct WeeklyRule {
    pub(super) days: Vec<Weekday>,
    pub(super) range: LocalRange,
}
