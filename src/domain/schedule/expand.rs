//! Expansion: a schedule's ranges as UTC instants inside one window at a time, by the rules of
//! the module documentation.

use super::clock::LocalRange;
use super::limits::MAX_WINDOW_DAYS;
use super::validated::Schedule;
use crate::domain::time::DAY_MS;
use crate::domain::timestamp::Resolved;
use crate::domain::timestamp::Zone;
use crate::domain::{Interval, IntervalSet, Millis};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

impl Schedule {
    /// Every instant of the schedule inside `window`, by the rules of the module documentation.
    ///
    /// Only the local dates whose ranges can reach the window are looked at, so the cost grows
    /// with the window's length (bounded by the validity dates); callers bound windows with
    /// [`MAX_WINDOW_DAYS`]. Any window is safe, up to chrono's limits of the calendar.
    pub fn expand(&self, window: Interval) -> IntervalSet {
        let intervals = self
            .dates_reaching(window)
            .flat_map(|date| self.occurrences_on(date))
            .filter_map(|occurrence| occurrence.intersection(&window))
            .collect();
        IntervalSet::from_intervals(intervals)
    }

    /// Whether some instant of the schedule lies in `open`, and how many local dates were
    /// expanded to tell.
    ///
    /// Each date whose ranges can reach an interval of `open` is expanded at most once, in
    /// increasing order, its ranges checked against all of `open` by binary search; dates without
    /// ranges are skipped, and the search stops at the first instant found. So the cost is at
    /// most (the dates within two days of `open`'s intervals) × (ranges per date), however long
    /// `open` is and however many intervals it has: a date inside an interval of `open` that has
    /// a range ends the search.
    pub fn search(&self, open: &IntervalSet) -> ScheduleSearch {
        let mut dates_expanded = 0;
        let mut first_unexpanded = NaiveDate::MIN;
        for &piece in open.as_slice() {
            let Some((first, last)) = self.date_bounds(piece) else {
                continue;
            };
            let mut from = first.max(first_unexpanded);
            while let Some(date) = self.next_date_with_ranges(from, last) {
                dates_expanded += 1;
                if self
                    .occurrences_on(date)
                    .any(|occurrence| open.overlaps(occurrence))
                {
                    return ScheduleSearch {
                        found: true,
                        dates_expanded,
                    };
                }
                let Some(next) = date.succ_opt() else { break };
                from = next;
            }
            match last.succ_opt() {
                Some(next) => first_unexpanded = first_unexpanded.max(next),
                None => break,
            }
        }
        ScheduleSearch {
            found: false,
            dates_expanded,
        }
    }

    /// The ranges starting on `date` as UTC instants (a range a jump empties is left out).
    /// On a date whose offset does not change (nearly all of them) each time is one
    /// subtraction; near a change each is resolved on its own.
    fn occurrences_on(&self, date: NaiveDate) -> impl Iterator<Item = Interval> + '_ {
        let ranges = self.ranges_starting_on(date);
        let day_start = date.and_time(NaiveTime::MIN);
        // A range ends by the end of the next day at the latest.
        let steady = match (ranges, day_start.checked_add_signed(TimeDelta::days(2))) {
            ([_, ..], Some(next_day_end)) => self.timezone.steady_offset(&day_start, &next_day_end),
            _ => None,
        };
        let instant = move |local: NaiveDateTime| match steady {
            Some(offset) => instant_at_offset(local, offset),
            None => instant_of(self.timezone, local),
        };
        ranges.iter().filter_map(move |range| {
            let (start, end) = range.on(date)?;
            Interval::new(instant(start), instant(end))
        })
    }

    /// The first date from `from` to `last` on which some range starts. Without weekly rules,
    /// straight to the next override with ranges; with them, a date has ranges unless its
    /// weekday has none or an override empties it, so the walk is short.
    fn next_date_with_ranges(&self, from: NaiveDate, last: NaiveDate) -> Option<NaiveDate> {
        if from > last {
            return None;
        }
        if self.ranges_by_weekday.iter().all(Vec::is_empty) {
            return self
                .overrides
                .range(from..=last)
                .find(|(_, ranges)| !ranges.is_empty())
                .map(|(&date, _)| date);
        }
        from.iter_days()
            .take_while(|date| *date <= last)
            .find(|&date| !self.ranges_starting_on(date).is_empty())
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
        let bounds = self.date_bounds(window);
        let (first, last) = bounds.unwrap_or((NaiveDate::MAX, NaiveDate::MIN));
        first
            .iter_days()
            .take_while(move |date| bounds.is_some() && *date <= last)
    }

    /// The first and last of [`Schedule::dates_reaching`]; `None` when there are none.
    fn date_bounds(&self, window: Interval) -> Option<(NaiveDate, NaiveDate)> {
        let first = utc_date(window.start())
            .checked_sub_days(Days::new(2))
            .unwrap_or(NaiveDate::MIN)
            .max(self.valid_from.unwrap_or(NaiveDate::MIN));
        let last = utc_date(window.end())
            .checked_add_days(Days::new(2))
            .unwrap_or(NaiveDate::MAX)
            .min(self.valid_until.unwrap_or(NaiveDate::MAX));
        (first <= last).then_some((first, last))
    }

    pub(super) fn ranges_starting_on(&self, date: NaiveDate) -> &[LocalRange] {
        match self.overrides.get(&date) {
            Some(ranges) => ranges,
            None => &self.ranges_by_weekday[date.weekday().num_days_from_monday() as usize],
        }
    }
}

/// What [`Schedule::search`] found, and what it cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduleSearch {
    pub found: bool,
    /// Local dates whose ranges were turned into instants.
    pub dates_expanded: usize,
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
    instant_at_offset(local, offset.utc_offset())
}

/// The instant a wall-clock time names at `offset` seconds east of UTC.
fn instant_at_offset(local: NaiveDateTime, offset: i32) -> Millis {
    local.and_utc().timestamp_millis() - i64::from(offset) * 1000
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
