//! Instants and lengths of time in milliseconds, each length defined once.

/// Milliseconds since the Unix epoch, UTC. The API keeps millisecond precision.
pub type Millis = i64;

pub const SECOND_MS: Millis = 1000;
pub const MINUTE_MS: Millis = 60 * SECOND_MS;
pub const HOUR_MS: Millis = 60 * MINUTE_MS;
pub const DAY_MS: Millis = 24 * HOUR_MS;
pub const WEEK_MS: Millis = 7 * DAY_MS;

/// The earliest instant the API accepts, stores or shows: 0000-01-02T00:00:00Z. RFC 3339
/// writes four-digit years and offsets under 24 hours, so keeping instants a day inside years
/// 0000–9999 makes every instant writable with any zone's offset (see `timestamp`).
pub const EARLIEST_INSTANT: Millis = -62_167_132_800_000;
/// The latest instant the API accepts, stores or shows: 9999-12-31T00:00:00Z.
pub const LATEST_INSTANT: Millis = 253_402_214_400_000;

/// (year, month, day) of the proleptic Gregorian calendar for days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
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

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A calendar month in UTC, counted from January of year 0: what the DynamoDB store keys a
/// user's intervals by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i64);

impl Month {
    /// The month holding `instant`.
    pub fn of(instant: Millis) -> Month {
        let (year, month, _) = civil_from_days(instant.div_euclid(DAY_MS));
        Month(year * 12 + month - 1)
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        Month(self.0 + 1)
    }

    /// The first instant of the month.
    pub fn start(self) -> Millis {
        let (year, month) = (self.0.div_euclid(12), self.0.rem_euclid(12) + 1);
        // `month` is 1..=12, so the cast cannot truncate.
        days_from_civil(year, month as u8, 1) * DAY_MS
    }

    /// `YYYY-MM`, zero-padded so that months sort as text in time order (years 0000–9999).
    pub fn key(self) -> String {
        format!(
            "{:04}-{:02}",
            self.0.div_euclid(12),
            self.0.rem_euclid(12) + 1
        )
    }

    /// The month a [`Month::key`] names.
    pub fn from_key(key: &str) -> Option<Month> {
        let (year, month) = key.split_once('-')?;
        let (year, month): (i64, i64) = (year.parse().ok()?, month.parse().ok()?);
        ((0..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(Month(year * 12 + month - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_name_their_first_instant_and_sort_as_text() {
        // 2025-06-01T00:00:00Z and the instant before it.
        let june = Month::of(1_748_736_000_000);
        assert_eq!(
            (june.key(), june.start()),
            ("2025-06".to_owned(), 1_748_736_000_000)
        );
        assert_eq!(Month::of(1_748_736_000_000 - 1).key(), "2025-05");
        assert_eq!(june.next().key(), "2025-07");
        assert_eq!(Month::of(EARLIEST_INSTANT).key(), "0000-01");
        assert_eq!(Month::of(LATEST_INSTANT).key(), "9999-12");
        assert_eq!(Month::of(LATEST_INSTANT).start(), 253_399_622_400_000);
        assert!(Month::of(EARLIEST_INSTANT).key() < june.key());
        assert_eq!(Month::from_key("2025-06"), Some(june));
        assert_eq!(Month::from_key("2025-13"), None);
        assert_eq!(Month::from_key("x"), None);
    }
}
