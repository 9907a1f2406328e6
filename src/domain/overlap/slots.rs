//! Bookable meetings: slots of a given length on the step grid, inside shared free time.

use super::grid::{StepGrid, WallClock};
use super::participants::ParticipantSet;
use super::query::{CheckedQuery, OverlapError, OverlapQuery, SlotQuery};
use super::sweep::{FreeInterval, Sweep};
use crate::domain::{Interval, IntervalSet, Millis};
use std::collections::VecDeque;

/// A bookable meeting and the participants free for all of it and its buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub meeting: Interval,
    pub free: ParticipantSet,
}

/// Bookable meetings for `slots` among `participants`, on the step grid of `clock`'s wall time.
///
/// A meeting `[start, start + duration)` is offered when:
/// - it lies inside the window `[from, to)` (its buffers may reach outside the window: they are
///   checked against the participants' availability, not the window);
/// - at least `quorum` participants are each free for all of
///   `[start - buffer_before, start + duration + buffer_after)`; those are its `free` set;
/// - `start` is on the grid: its wall-clock time in `clock`'s zone, counted from the top of its
///   hour, is a multiple of `step` (so a 45-minute step gives :00 and :45 each hour). A step
///   longer than an hour is counted from local midnight instead (90 minutes gives 00:00, 01:30,
///   03:00, ...). Wall-clock times a change of offset skips are not on the grid; repeated ones
///   are on it twice.
pub fn bookable_slots<'a, C: WallClock>(
    participants: &[&'a IntervalSet],
    query: &OverlapQuery,
    slots: &SlotQuery,
    clock: C,
) -> Result<BookableSlots<'a, C>, OverlapError> {
    let checked = CheckedQuery::new(participants.len(), query, Some(slots))?;
    let step = slots.step.unwrap_or(slots.duration);
    let earliest_start = query.resume_after.map_or(checked.from, |resume| {
        resume.saturating_add(1).max(checked.from)
    });
    // `None` when no meeting can end by `to`: then nothing is swept.
    let latest_start = checked.to.checked_sub(slots.duration);
    let (sweep_from, sweep_to) = match latest_start {
        Some(_) => (
            earliest_start.saturating_sub(slots.buffer_before),
            checked.to.saturating_add(slots.buffer_after),
        ),
        None => (checked.to, checked.to),
    };
    Ok(BookableSlots {
        sweep: Sweep::new(participants, checked.quorum, sweep_from, sweep_to),
        block: Block::new(),
        grid: StepGrid::new(clock, step),
        duration: slots.duration,
        buffer_before: slots.buffer_before,
        buffer_after: slots.buffer_after,
        quorum: checked.quorum,
        earliest_start,
        latest_start: latest_start.unwrap_or(Millis::MIN),
    })
}

/// The iterator [`bookable_slots`] returns.
pub struct BookableSlots<'a, C> {
    sweep: Sweep<'a>,
    block: Block,
    grid: StepGrid<C>,
    duration: Millis,
    buffer_before: Millis,
    buffer_after: Millis,
    quorum: u32,
    /// The next meeting starts at or after this...
    earliest_start: Millis,
    /// ...and at or before this, to end by `to`.
    latest_start: Millis,
}

impl<C: WallClock> Iterator for BookableSlots<'_, C> {
    type Item = Slot;

    fn next(&mut self) -> Option<Slot> {
        'search: loop {
            let Some(front) = self.block.front() else {
                self.block.push(self.sweep.next()?);
                continue;
            };
            let lower = self
                .earliest_start
                .max(front.start().saturating_add(self.buffer_before));
            let start = self.grid.first_at_or_after(lower)?;
            if start > self.latest_start {
                return None;
            }
            let span_start = start.saturating_sub(self.buffer_before);
            let span_end = start
                .checked_add(self.duration)?
                .checked_add(self.buffer_after)?;
            if front.end() <= span_start {
                self.block.pop_front();
                continue;
            }
            // Pull free stretches until the span is covered. No span fits across a gap, so a
            // gap starts a new block and the search goes on from there.
            while self.block.back_end() < span_end {
                let next = self.sweep.next()?;
                let gapless = next.interval.start() == self.block.back_end();
                if !gapless {
                    self.block.clear();
                }
                self.block.push(next);
                if !gapless {
                    continue 'search;
                }
            }
            let free = self.block.common_free();
            if free.count_ones() >= self.quorum {
                self.earliest_start = start.saturating_add(1);
                return Some(Slot {
                    // `span_end` above showed the end fits; `duration` is positive.
                    meeting: Interval::new(start, start + self.duration)?,
                    free: ParticipantSet(free),
                });
            }
            // Every span that still holds the first stretch holds all of this one's stretches
            // too, so it fails as well: skip past the first stretch.
            self.block.pop_front();
        }
    }
}

/// Consecutive free stretches of one gapless block, with the free set common to all of them
/// kept in amortized O(1) per push and pop (a queue made of two stacks).
struct Block {
    stretches: VecDeque<FreeInterval>,
    /// For each of the first `front_common.len()` stretches: the set common to it and the
    /// stretches after it up to that point.
    front_common: VecDeque<u128>,
    /// The set common to the stretches after those.
    back_common: u128,
}

impl Block {
    fn new() -> Self {
        Block {
            stretches: VecDeque::new(),
            front_common: VecDeque::new(),
            back_common: u128::MAX,
        }
    }

    fn front(&self) -> Option<Interval> {
        self.stretches.front().map(|s| s.interval)
    }

    fn back_end(&self) -> Millis {
        self.stretches
            .back()
            .map_or(Millis::MIN, |s| s.interval.end())
    }

    fn push(&mut self, stretch: FreeInterval) {
        self.back_common &= stretch.free.0;
        self.stretches.push_back(stretch);
    }

    fn pop_front(&mut self) {
        if self.front_common.is_empty() {
            let mut common = u128::MAX;
            for stretch in self.stretches.iter().rev() {
                common &= stretch.free.0;
                self.front_common.push_front(common);
            }
            self.back_common = u128::MAX;
        }
        self.stretches.pop_front();
        self.front_common.pop_front();
    }

    fn clear(&mut self) {
        self.stretches.clear();
        self.front_common.clear();
        self.back_common = u128::MAX;
    }

    fn common_free(&self) -> u128 {
        self.front_common.front().copied().unwrap_or(u128::MAX) & self.back_common
    }
}
