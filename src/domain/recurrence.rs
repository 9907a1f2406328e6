//! The seed's `period` rule for one-off slots.

use super::Interval;
use super::time::DAY_MS;
use chrono::{DateTime, Datelike, Weekday};

/// How many days a `weekdays` slot repeats for, counted from its own start (the seed's rule).
pub(crate) const WEEKDAYS_SPAN_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Period {
    /// One slot, as given.
    Once,
    /// The slot repeats daily for 30 days from its start, keeping the days whose start falls on
    /// Monday to Friday in UTC.
    Weekdays,
}

impl Period {
    /// `None` for anything but the documented names.
    pub(crate) fn parse(name: Option<&str>) -> Option<Period> {
        match name {
            None | Some("none") => Some(Period::Once),
            Some("weekdays") => Some(Period::Weekdays),
            Some(_) => None,
        }
    }

    /// The concrete intervals one slot stands for.
    pub(crate) fn expand(self, slot: Interval) -> Vec<Interval> {
        match self {
            Period::Once => vec![slot],
            Period::Weekdays => (0..WEEKDAYS_SPAN_DAYS)
                .filter_map(|day| {
                    let start = slot.start().checked_add(day * DAY_MS)?;
                    // Days past the latest instant the API names are left out.
                    let end = slot
                        .end()
                        .checked_add(day * DAY_MS)
                        .filter(|&end| end <= Interval::ALL.end())?;
                    let weekday = DateTime::from_timestamp_millis(start)?.weekday();
                    if matches!(weekday, Weekday::Sat | Weekday::Sun) {
                        return None;
                    }
                    Interval::new(start, end)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::at;

    #[test]
    fn weekdays_keeps_monday_to_friday_for_thirty_days() {
        // 2024-09-27 is a Friday; days 0..30 run to Saturday 2024-10-26: 21 weekdays.
        let slot =
            Interval::new(at("2024-09-27T09:00:00Z"), at("2024-09-27T10:00:00Z")).expect("valid");
        let days = Period::Weekdays.expand(slot);
        assert_eq!(days.len(), 21);
        assert_eq!(days[0], slot);
        assert_eq!(days[1].start(), at("2024-09-30T09:00:00Z"));
        assert_eq!(days[20].start(), at("2024-10-25T09:00:00Z"));
        assert!(days.iter().all(|d| d.duration() == slot.duration()));
    }

    #[test]
    fn weekdays_starting_on_a_weekend_skips_that_day() {
        let slot =
            Interval::new(at("2024-09-28T09:00:00Z"), at("2024-09-28T10:00:00Z")).expect("valid");
        let days = Period::Weekdays.expand(slot);
        assert_eq!(days[0].start(), at("2024-09-30T09:00:00Z"));
        assert_eq!(days.len(), 20);
    }

    #[test]
    fn weekdays_stop_at_the_latest_instant() {
        // 9999-12-27 is a Monday; only days that end by 9999-12-31T00:00:00Z are kept.
        let slot =
            Interval::new(at("9999-12-27T09:00:00Z"), at("9999-12-27T10:00:00Z")).expect("valid");
        let days = Period::Weekdays.expand(slot);
        assert_eq!(days.len(), 4, "{days:?}");
        assert!(days.iter().all(|day| day.end() <= Interval::ALL.end()));
    }

    #[test]
    fn period_names() {
        assert_eq!(Period::parse(None), Some(Period::Once));
        assert_eq!(Period::parse(Some("none")), Some(Period::Once));
        assert_eq!(Period::parse(Some("weekdays")), Some(Period::Weekdays));
        assert_eq!(Period::parse(Some("daily")), None);
        assert_eq!(Period::parse(Some("Weekdays")), None);
    }
}
