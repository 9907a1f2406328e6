//! Expansion: a schedule's ranges as UTC instants inside one window at a time, by the rules of
//! the module documentation.

use super::MAX_WINDOW_DAYS;
use super::clock::LocalRange;
use super::validated::Schedule;
use crate::domain::time::DAY_MS;
use crate::domain::timestamp::Resolved;
use crate::domain::timestamp::Zone;
use crate::domain::{Interval, IntervalSet, Millis};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};

impl Schedule {
    /// Every instant of the schedule inside `window`, by the rules of the module documentation.
    ///
    /// Only the local dates whose ranges can reach the window are looked at, so the cost grows
    /// with the window's length (bounded by the validity dates); callers bound windows with
    /// [`MAX_WINDOW_DAYS`]. Any window is safe, up to chrono's limits of the calendar.
    pub fn expand(&self, window: Interval) -> IntervalSet {
        let mut intervals = Vec::new();
        for date in self.dates_reaching(window) {
            for &range in self.ranges_starting_on(date) {
                let instants = range.on(date).and_then(|(start, end)| {
                    Interval::new(
                        instant_of(self.timezone, start),
                        instant_of(self.timezone, end),
                    )
                });
                if let Some(inside) = instants.and_then(|i| i.intersection(&window)) {
                    intervals.push(inside);
                }
            }
        }
        IntervalSet::from_intervals(intervals)
    }

    /// The instants outside which [`Schedule::expand`] never yields anything (`None`: it never
    /// does). Lets a search over a long range skip what cannot hold a range.
    ///
    /// Bounded by the validity dates, and by the first and last override when there are no
    /// weekly rules; an open side reaches the end of chrono's calendar. A range lies within a
    /// day before its date and three days after, in UTC (see `Schedule::dates_reaching`).
    pub fn span(&self) -> Option<Interval> {
        let (first_override, last_override) = if self.weekly.is_empty() {
            (
                Some(*self.overrides.first_key_value()?.0),
                Some(*self.overrides.last_key_value()?.0),
            )
        } else {
            (None, None)
        };
        let first = self
            .valid_from
            .into_iter()
            .chain(first_override)
            .max()
            .unwrap_or(NaiveDate::MIN);
        let last = self
            .valid_until
            .into_iter()
            .chain(last_override)
            .min()
            .unwrap_or(NaiveDate::MAX);
        let midnight = |date: NaiveDate| date.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
        Interval::new(
            midnight(first).saturating_sub(DAY_MS),
            midnight(last).saturating_add(3 * DAY_MS),
        )
    }

    /// The local dates whose ranges can reach `window`, within the validity dates.
    ///
    /// A range lies between local midnight of its date and local midnight two days later, and
    /// every offset is under a day (chrono's `FixedOffset` cannot hold more), so its instants
    /// lie between one day before its date and three days after, in UTC dates: dates from two
    /// before the window's first UTC date to two after its last cover every range that can
    /// reach it.
    pub(super) fn dates_reaching(
        &self,
        window: Interval,
    ) -> impl Iterator<Item = NaiveDate> + use<> {
        let first = utc_date(window.start())
            .checked_sub_days(Days::new(2))
            .unwrap_or(NaiveDate::MIN)
            .max(self.valid_from.unwrap_or(NaiveDate::MIN));
        let last = utc_date(window.end())
            .checked_add_days(Days::new(2))
            .unwrap_or(NaiveDate::MAX)
            .min(self.valid_until.unwrap_or(NaiveDate::MAX));
        first.iter_days().take_while(move |date| *date <= last)
    }

    pub(super) fn ranges_starting_on(&self, date: NaiveDate) -> &[LocalRange] {
        match self.overrides.get(&date) {
            Some(ranges) => ranges,
            None => &self.ranges_by_weekday[date.weekday().num_days_from_monday() as usize],
        }
    }
}

/// True when a read window is no longer than [`MAX_WINDOW_DAYS`].
pub fn window_within_limit(window: Interval) -> bool {
    window
        .end()
        .checked_sub(window.start())
        .is_some_and(|length| length <= MAX_WINDOW_DAYS * DAY_MS)
}

/// The instant a wall-clock time names in `zone`, by the rules in the module documentation:
/// a time in a gap is read with the offset before the gap, a repeated time is its first
/// occurrence.
pub(super) fn instant_of(zone: Zone, local: NaiveDateTime) -> Millis {
    let offset = match zone.resolve(&local) {
        Resolved::Single(offset) => offset,
        Resolved::Fold { earlier, .. } => earlier,
        Resolved::Gap { before } => before,
    };
    local.and_utc().timestamp_millis() - i64::from(offset.utc_offset()) * 1000
}

/// The UTC date of an instant, clamped to chrono's range of dates.
pub(super) fn utc_date(millis: Millis) -> NaiveDate {
    let earliest = DateTime::<Utc>::MIN_UTC.timestamp_millis();
    let latest = DateTime::<Utc>::MAX_UTC.timestamp_millis();
    // Always `Some` once clamped; the default only avoids a panic path.
    DateTime::<Utc>::from_timestamp_millis(millis.clamp(earliest, latest))
        .unwrap_or_default()
        .date_naive()
}
