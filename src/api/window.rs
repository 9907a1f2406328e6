//! The window a read covers (`from`/`to`), and the clock that fills it in when a schedule must
//! be expanded and the request names none.

use super::error::ApiError;
use super::input::Query;
use crate::domain::schedule::{MAX_WINDOW_DAYS, window_within_limit};
use crate::domain::time::{DAY_MS, MINUTE_MS};
use crate::domain::{Interval, Millis};
use chrono::Utc;

/// How far a read reaches when it expands a schedule and leaves an end of its window open.
pub(super) const DEFAULT_WINDOW_DAYS: i64 = 30;

/// Where "now" comes from: the system's clock in the function, a fixed instant in tests.
/// Only a read without `from` and `to` that expands a schedule asks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    Fixed(Millis),
}

impl Clock {
    pub fn now(self) -> Millis {
        match self {
            Clock::System => Utc::now().timestamp_millis(),
            Clock::Fixed(now) => now,
        }
    }
}

/// The `from` and `to` query parameters as given, checked for syntax only.
pub(super) struct RequestedWindow {
    from: Option<Millis>,
    to: Option<Millis>,
}

/// The window a read covers, and whether the response states it (it does whenever a schedule
/// was expanded, so that clients know how far the answer reaches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ReadWindow {
    pub interval: Interval,
    pub reported: bool,
    /// "Now", when the window was resolved from the clock: later pages resolve it the same way.
    pub clock_reading: Option<Millis>,
}

impl RequestedWindow {
    pub(super) fn new(from: Option<Millis>, to: Option<Millis>) -> Self {
        RequestedWindow { from, to }
    }

    pub(super) fn parse(query: &Query) -> Result<Self, ApiError> {
        Ok(RequestedWindow {
            from: query.timestamp("from")?,
            to: query.timestamp("to")?,
        })
    }

    /// The window as asked, in one text for a cursor's check (see `paging`), after `route`.
    pub(super) fn normalized(&self, route: &str) -> String {
        format!("{route}\nfrom={:?}\nto={:?}", self.from, self.to)
    }

    /// The window to read.
    ///
    /// Without a schedule to expand, an open end reaches as far as time goes (what reads always
    /// did). With one, the window is bounded: an open end lies [`DEFAULT_WINDOW_DAYS`] from the
    /// given one, and with both open the window is the next 30 days from the start of the
    /// current minute; a window longer than [`MAX_WINDOW_DAYS`] is a 400.
    pub(super) fn resolve(
        &self,
        clock: Clock,
        expands_schedule: bool,
    ) -> Result<ReadWindow, ApiError> {
        let default_length = DEFAULT_WINDOW_DAYS * DAY_MS;
        let mut clock_reading = None;
        let (first, last) = (Interval::ALL.start(), Interval::ALL.end());
        // Computed ends stay within the instants the API names, so the window it reports is
        // one a client can send back.
        let (start, end) = match (self.from, self.to, expands_schedule) {
            (from, to, false) => (from.unwrap_or(first), to.unwrap_or(last)),
            (Some(from), Some(to), true) => (from, to),
            (Some(from), None, true) => (from, from.saturating_add(default_length).min(last)),
            (None, Some(to), true) => (to.saturating_sub(default_length).max(first), to),
            (None, None, true) => {
                let now = clock.now().clamp(first, last);
                clock_reading = Some(now);
                let minute = now - now.rem_euclid(MINUTE_MS);
                (minute, minute.saturating_add(default_length).min(last))
            }
        };
        let interval = Interval::new(start, end).ok_or_else(|| match self.to {
            Some(_) => ApiError::invalid_field("?to", "must be later than from"),
            None => ApiError::invalid_field(
                "?from",
                "leaves no time before 9999-12-31T00:00:00Z, the latest instant the API names",
            ),
        })?;
        if expands_schedule && !window_within_limit(interval) {
            return Err(ApiError::invalid_field(
                "?to",
                format!(
                    "is more than {MAX_WINDOW_DAYS} days after from; a read that expands a weekly schedule covers at most {MAX_WINDOW_DAYS} days"
                ),
            ));
        }
        Ok(ReadWindow {
            interval,
            reported: expands_schedule,
            clock_reading,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{at, interval};

    fn requested(from: Option<&str>, to: Option<&str>) -> RequestedWindow {
        RequestedWindow {
            from: from.map(at),
            to: to.map(at),
        }
    }

    #[test]
    fn without_a_schedule_open_ends_reach_as_far_as_time_goes() {
        let clock = Clock::Fixed(at("2026-03-01T10:20:30Z"));
        let all = requested(None, None).resolve(clock, false).expect("valid");
        assert_eq!((all.interval, all.reported), (Interval::ALL, false));
        let from = requested(Some("2026-01-01T00:00:00Z"), None)
            .resolve(clock, false)
            .expect("valid");
        assert_eq!(from.interval.end(), Interval::ALL.end());
    }

    #[test]
    fn with_a_schedule_open_ends_are_thirty_days_from_the_given_end_or_now() {
        let clock = Clock::Fixed(at("2026-03-01T10:20:30.500Z"));
        let resolve = |from, to| {
            requested(from, to)
                .resolve(clock, true)
                .expect("valid")
                .interval
        };
        assert_eq!(
            resolve(None, None),
            interval("2026-03-01T10:20:00Z", "2026-03-31T10:20:00Z")
        );
        assert_eq!(
            resolve(Some("2026-01-01T00:00:00Z"), None),
            interval("2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z")
        );
        assert_eq!(
            resolve(None, Some("2026-01-31T00:00:00Z")),
            interval("2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z")
        );
        assert!(
            requested(None, None)
                .resolve(clock, true)
                .expect("valid")
                .reported
        );
    }

    #[test]
    fn computed_ends_stay_within_the_instants_the_api_names() {
        let clock = Clock::Fixed(Millis::MAX);
        let late = requested(Some("9999-12-20T00:00:00Z"), None)
            .resolve(clock, true)
            .expect("valid");
        assert_eq!(late.interval.end(), Interval::ALL.end());
        let early = requested(None, Some("0000-01-10T00:00:00Z"))
            .resolve(clock, true)
            .expect("valid");
        assert_eq!(early.interval.start(), Interval::ALL.start());
        let now = requested(None, None).resolve(clock, true);
        assert!(now.is_err(), "no time is left after the latest instant");
        let last = requested(Some("9999-12-31T00:00:00Z"), None).resolve(clock, true);
        let error = last.expect_err("nothing after the latest instant");
        assert_eq!(error.errors[0].pointer, "?from");
    }

    #[test]
    fn with_a_schedule_windows_are_at_most_400_days() {
        let clock = Clock::Fixed(0);
        let just = requested(Some("2026-01-01T00:00:00Z"), Some("2027-02-05T00:00:00Z"));
        assert!(just.resolve(clock, true).is_ok(), "exactly 400 days");
        let over = requested(
            Some("2026-01-01T00:00:00Z"),
            Some("2027-02-05T00:00:00.001Z"),
        );
        let error = over.resolve(clock, true).expect_err("too long");
        assert_eq!(error.errors[0].pointer, "?to");
        assert!(over.resolve(clock, false).is_ok(), "nothing to expand");
        let reversed = requested(Some("2026-01-02T00:00:00Z"), Some("2026-01-01T00:00:00Z"));
        assert!(reversed.resolve(clock, true).is_err());
        assert!(reversed.resolve(clock, false).is_err());
    }
}
