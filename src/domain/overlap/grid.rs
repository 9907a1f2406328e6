//! The wall-clock step grid on which meetings start, in any time zone.

use crate::domain::Millis;
use crate::domain::time::{DAY_MS, HOUR_MS};
use crate::domain::timestamp::Zone;

/// A time zone's wall clock, for the step grid of
/// [`bookable_slots`](super::bookable_slots).
pub trait WallClock {
    /// The zone's offset from UTC (east positive) in force at `instant`, in milliseconds.
    fn utc_offset_at(&self, instant: Millis) -> Millis;
}

impl WallClock for chrono::Utc {
    fn utc_offset_at(&self, _: Millis) -> Millis {
        0
    }
}

impl WallClock for chrono::FixedOffset {
    fn utc_offset_at(&self, _: Millis) -> Millis {
        Millis::from(self.local_minus_utc()) * 1000
    }
}

impl WallClock for Zone {
    fn utc_offset_at(&self, instant: Millis) -> Millis {
        // The zone's own method, in seconds (offsets and transitions are whole seconds).
        Millis::from(Zone::utc_offset_at(*self, instant.div_euclid(1000))) * 1000
    }
}

/// Any function from an instant to the UTC offset in force then, e.g. for tests.
impl<F: Fn(Millis) -> Millis> WallClock for F {
    fn utc_offset_at(&self, instant: Millis) -> Millis {
        self(instant)
    }
}

/// Whether `at` is on the step grid of `clock` (see [`bookable_slots`](super::bookable_slots)).
pub fn on_grid<C: WallClock>(clock: C, step: Millis, at: Millis) -> bool {
    StepGrid::new(clock, step).first_at_or_after(at) == Some(at)
}

/// The step grid's instants in `[from, to)`, in order: the starts a meeting of that step may
/// have, as [`bookable_slots`](super::bookable_slots) lays them out.
pub fn grid_starts<C: WallClock>(
    clock: C,
    step: Millis,
    from: Millis,
    to: Millis,
) -> impl Iterator<Item = Millis> {
    let grid = StepGrid::new(clock, step);
    let mut next = grid.first_at_or_after(from);
    std::iter::from_fn(move || {
        let at = next.filter(|at| *at < to)?;
        next = at
            .checked_add(1)
            .and_then(|after| grid.first_at_or_after(after));
        Some(at)
    })
}

/// Instants whose wall-clock time, counted from the top of its hour (steps up to an hour) or
/// from local midnight (longer steps), is a multiple of the step.
pub(super) struct StepGrid<C> {
    clock: C,
    step: Millis,
    period: Millis,
}

impl<C: WallClock> StepGrid<C> {
    pub(super) fn new(clock: C, step: Millis) -> Self {
        let period = if step <= HOUR_MS { HOUR_MS } else { DAY_MS };
        StepGrid {
            clock,
            step,
            period,
        }
    }

    /// The first grid instant at or after `at`; `None` past the end of time.
    ///
    /// Assumes a zone changes its offset at most once within one hour or day, true of every
    /// zone in the tz database.
    pub(super) fn first_at_or_after(&self, at: Millis) -> Option<Millis> {
        let mut from = at;
        let mut candidate = at;
        // Each round either ends or moves past one change of offset.
        for _ in 0..4 {
            let offset = self.clock.utc_offset_at(from);
            let local = from.checked_add(offset)?;
            let into_period = local.rem_euclid(self.period);
            let past_step = into_period % self.step;
            let to_next = if past_step == 0 {
                0
            } else {
                (self.step - past_step).min(self.period - into_period)
            };
            candidate = local.checked_add(to_next)?.checked_sub(offset)?;
            if self.clock.utc_offset_at(candidate) == offset {
                return Some(candidate);
            }
            // The offset changed in (from, candidate]: no grid point of the old offset lies
            // before the change, so look again from the change on.
            from = self.first_change(from, candidate, offset);
        }
        Some(candidate)
    }

    /// The first instant in `(before, after]` whose offset is not `offset`, by bisection;
    /// the offset at `before` is `offset` and at `after` it is not.
    fn first_change(&self, mut before: Millis, mut after: Millis, offset: Millis) -> Millis {
        while after.abs_diff(before) > 1 {
            let middle = before + (after.abs_diff(before) / 2) as Millis;
            if self.clock.utc_offset_at(middle) == offset {
                before = middle;
            } else {
                after = middle;
            }
        }
        after
    }
}
