//! The scheduling engine: when enough participants are free, and which meetings fit.
//!
//! One k-way sweep over the participants' normalized interval lists: a heap holds each
//! participant's next start or end, so the whole pass costs O(total intervals · log N) and
//! allocates O(N) up front, nothing per interval. Results come out lazily in increasing start
//! order, so a page of `limit` results costs the data up to that page, and a page can be
//! resumed exactly from the start of the last result of the previous one.
//!
//! - [`free_intervals`]: maximal intervals where at least `quorum` participants are free, split
//!   wherever the set of free participants changes (with the default quorum, all, that set never
//!   changes inside a result, so results are the plain normalized intersection).
//! - [`bookable_slots`]: meetings of a given length on a wall-clock step grid that fit, with
//!   their buffers, inside time where the same `quorum` participants are free throughout.

use super::interval::{Interval, IntervalSet, Millis};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// The most participants (the caller included) one query may name.
pub const MAX_PARTICIPANTS: usize = 100;
// A participant set is one u128 bitmask.
const _: () = assert!(MAX_PARTICIPANTS <= 128);

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// Some of a query's participants, as indices into the list passed to the engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ParticipantSet(u128);

impl ParticipantSet {
    pub fn contains(self, index: usize) -> bool {
        index < 128 && (self.0 >> index) & 1 == 1
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The indices in increasing order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let index = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                index
            })
        })
    }
}

/// Indices of 128 or more are ignored.
impl FromIterator<usize> for ParticipantSet {
    fn from_iter<I: IntoIterator<Item = usize>>(indices: I) -> Self {
        ParticipantSet(
            indices
                .into_iter()
                .filter(|&i| i < 128)
                .fold(0, |bits, i| bits | 1 << i),
        )
    }
}

/// What to look for; every field is optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OverlapQuery {
    /// At least this many participants free; `None` means all of them.
    pub quorum: Option<usize>,
    /// Results are clipped to `[from, to)`; either end may be open.
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    /// Free intervals shorter than this are dropped (intervals only, not slots).
    pub min_duration: Option<Millis>,
    /// Paging: only results that start strictly after this instant, which is the start of the
    /// last result of the previous page.
    pub resume_after: Option<Millis>,
}

/// Meetings instead of intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotQuery {
    /// The meeting's length.
    pub duration: Millis,
    /// Distance between candidate starts on the wall-clock grid; `None` means `duration`.
    pub step: Option<Millis>,
    /// Free time the participants need before and after the meeting.
    pub buffer_before: Millis,
    pub buffer_after: Millis,
}

impl SlotQuery {
    /// Back-to-back meetings of `duration` with no buffers.
    pub fn new(duration: Millis) -> Self {
        SlotQuery {
            duration,
            step: None,
            buffer_before: 0,
            buffer_after: 0,
        }
    }
}

/// A query the engine refuses; the message names the parameter, for a 400.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlapError {
    NoParticipants,
    TooManyParticipants { count: usize },
    QuorumOutOfRange { quorum: usize, participants: usize },
    EmptyWindow,
    NotPositive { parameter: &'static str },
    Negative { parameter: &'static str },
    StepLongerThanADay,
    MinDurationWithSlots,
}

impl OverlapError {
    /// The query parameter at fault.
    pub fn parameter(&self) -> &'static str {
        match self {
            OverlapError::NoParticipants | OverlapError::TooManyParticipants { .. } => "users",
            OverlapError::QuorumOutOfRange { .. } => "quorum",
            OverlapError::EmptyWindow => "from",
            OverlapError::NotPositive { parameter } | OverlapError::Negative { parameter } => {
                parameter
            }
            OverlapError::StepLongerThanADay => "step",
            OverlapError::MinDurationWithSlots => "min_duration",
        }
    }
}

impl fmt::Display for OverlapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverlapError::NoParticipants => f.write_str("`users`: a query needs at least one participant"),
            OverlapError::TooManyParticipants { count } => write!(
                f,
                "`users`: {count} participants is too many; at most {MAX_PARTICIPANTS} (the caller included)"
            ),
            OverlapError::QuorumOutOfRange { quorum, participants } => write!(
                f,
                "`quorum` must be between 1 and the number of participants ({participants}), not {quorum}"
            ),
            OverlapError::EmptyWindow => f.write_str("`from` must be before `to`"),
            OverlapError::NotPositive { parameter } => {
                write!(f, "`{parameter}` must be longer than zero")
            }
            OverlapError::Negative { parameter } => write!(f, "`{parameter}` must not be negative"),
            OverlapError::StepLongerThanADay => f.write_str("`step` must be at most one day (P1D)"),
            OverlapError::MinDurationWithSlots => f.write_str(
                "`min_duration` filters free intervals and cannot be combined with `duration` (slots)",
            ),
        }
    }
}

impl std::error::Error for OverlapError {}

/// A maximal stretch in which the same participants are free, at least `quorum` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeInterval {
    pub interval: Interval,
    pub free: ParticipantSet,
}

/// A bookable meeting and the participants free for all of it and its buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub meeting: Interval,
    pub free: ParticipantSet,
}

/// Free intervals of `participants` (each one person's availability) for `query`.
pub fn free_intervals<'a>(
    participants: &[&'a IntervalSet],
    query: &OverlapQuery,
) -> Result<FreeIntervals<'a>, OverlapError> {
    let checked = CheckedQuery::new(participants.len(), query)?;
    let min_duration = query.min_duration.unwrap_or(0);
    if min_duration < 0 {
        return Err(OverlapError::Negative {
            parameter: "min_duration",
        });
    }
    // A result that contains `resume_after` started at or before it and so was on an earlier
    // page: sweeping from there and dropping results that start at or before it is exact.
    let from = query
        .resume_after
        .map_or(checked.from, |resume| resume.max(checked.from));
    Ok(FreeIntervals {
        sweep: Sweep::new(participants, checked.quorum, from, checked.to),
        min_duration,
        resume_after: query.resume_after,
    })
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
    if query.min_duration.is_some() {
        return Err(OverlapError::MinDurationWithSlots);
    }
    let checked = CheckedQuery::new(participants.len(), query)?;
    let step = slots.step.unwrap_or(slots.duration);
    for (parameter, value) in [("duration", slots.duration), ("step", step)] {
        if value <= 0 {
            return Err(OverlapError::NotPositive { parameter });
        }
    }
    if step > DAY {
        return Err(OverlapError::StepLongerThanADay);
    }
    for (parameter, value) in [
        ("buffer_before", slots.buffer_before),
        ("buffer_after", slots.buffer_after),
    ] {
        if value < 0 {
            return Err(OverlapError::Negative { parameter });
        }
    }

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

/// The checks common to both kinds of query.
struct CheckedQuery {
    quorum: u32,
    from: Millis,
    to: Millis,
}

impl CheckedQuery {
    fn new(participants: usize, query: &OverlapQuery) -> Result<Self, OverlapError> {
        if participants == 0 {
            return Err(OverlapError::NoParticipants);
        }
        if participants > MAX_PARTICIPANTS {
            return Err(OverlapError::TooManyParticipants {
                count: participants,
            });
        }
        let quorum = query.quorum.unwrap_or(participants);
        if !(1..=participants).contains(&quorum) {
            return Err(OverlapError::QuorumOutOfRange {
                quorum,
                participants,
            });
        }
        let from = query.from.unwrap_or(Millis::MIN);
        let to = query.to.unwrap_or(Millis::MAX);
        if from >= to {
            return Err(OverlapError::EmptyWindow);
        }
        Ok(CheckedQuery {
            quorum: quorum as u32,
            from,
            to,
        })
    }
}

/// The k-way sweep: yields, in order, the maximal stretches of `[from, to)` in which the set of
/// free participants is constant and has at least `quorum` members.
struct Sweep<'a> {
    lists: Vec<&'a [Interval]>,
    /// Per participant: the interval its pending event (start or end) belongs to.
    current: Vec<usize>,
    /// Per participant at most one pending event: (time, participant).
    events: BinaryHeap<Reverse<(Millis, usize)>>,
    free: u128,
    quorum: u32,
    to: Millis,
    /// The stretch being built: its start and its free set.
    open: Option<(Millis, u128)>,
}

impl<'a> Sweep<'a> {
    fn new(participants: &[&'a IntervalSet], quorum: u32, from: Millis, to: Millis) -> Self {
        let mut sweep = Sweep {
            lists: Vec::with_capacity(participants.len()),
            current: Vec::with_capacity(participants.len()),
            events: BinaryHeap::with_capacity(participants.len()),
            free: 0,
            quorum,
            to,
            open: None,
        };
        if from >= to {
            return sweep;
        }
        for (participant, set) in participants.iter().enumerate() {
            let list = set.as_slice();
            // Binary search: intervals that end before the window cost nothing.
            let first = list.partition_point(|interval| interval.end <= from);
            if let Some(interval) = list.get(first) {
                let next_event = if interval.start <= from {
                    sweep.free |= 1 << participant;
                    interval.end
                } else {
                    interval.start
                };
                sweep.schedule(next_event, participant);
            }
            sweep.lists.push(list);
            sweep.current.push(first);
        }
        if sweep.free.count_ones() >= quorum {
            sweep.open = Some((from, sweep.free));
        }
        sweep
    }

    fn schedule(&mut self, at: Millis, participant: usize) {
        if at < self.to {
            self.events.push(Reverse((at, participant)));
        }
    }

    /// Applies `participant`'s pending event, which happens at `now`.
    fn advance(&mut self, participant: usize, now: Millis) {
        let bit = 1 << participant;
        let index = &mut self.current[participant];
        let next_event = if self.free & bit != 0 {
            self.free &= !bit;
            *index += 1;
            self.lists[participant].get(*index).map(|i| i.start)
        } else {
            self.free |= bit;
            self.lists[participant].get(*index).map(|i| i.end)
        };
        if let Some(at) = next_event {
            // Normalized lists never go back in time; `max` keeps any other list finite.
            self.schedule(at.max(now), participant);
        }
    }
}

impl Iterator for Sweep<'_> {
    type Item = FreeInterval;

    fn next(&mut self) -> Option<FreeInterval> {
        loop {
            let Some(&Reverse((now, _))) = self.events.peek() else {
                let (start, free) = self.open.take()?;
                return Some(stretch(start, self.to, free));
            };
            while let Some(&Reverse((at, participant))) = self.events.peek()
                && at == now
            {
                self.events.pop();
                self.advance(participant, now);
            }
            let qualifies = self.free.count_ones() >= self.quorum;
            match self.open {
                Some((start, free)) if free != self.free => {
                    self.open = qualifies.then_some((now, self.free));
                    return Some(stretch(start, now, free));
                }
                None if qualifies => self.open = Some((now, self.free)),
                _ => {}
            }
        }
    }
}

fn stretch(start: Millis, end: Millis, free: u128) -> FreeInterval {
    FreeInterval {
        interval: Interval { start, end },
        free: ParticipantSet(free),
    }
}

/// The iterator [`free_intervals`] returns.
pub struct FreeIntervals<'a> {
    sweep: Sweep<'a>,
    min_duration: Millis,
    resume_after: Option<Millis>,
}

impl Iterator for FreeIntervals<'_> {
    type Item = FreeInterval;

    fn next(&mut self) -> Option<FreeInterval> {
        self.sweep.by_ref().find(|found| {
            let Interval { start, end } = found.interval;
            end.saturating_sub(start) >= self.min_duration
                && self.resume_after.is_none_or(|resume| start > resume)
        })
    }
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
                .max(front.start.saturating_add(self.buffer_before));
            let start = self.grid.first_at_or_after(lower)?;
            if start > self.latest_start {
                return None;
            }
            let span_start = start.saturating_sub(self.buffer_before);
            let span_end = start
                .checked_add(self.duration)?
                .checked_add(self.buffer_after)?;
            if front.end <= span_start {
                self.block.pop_front();
                continue;
            }
            // Pull free stretches until the span is covered. No span fits across a gap, so a
            // gap starts a new block and the search goes on from there.
            while self.block.back_end() < span_end {
                let next = self.sweep.next()?;
                let gapless = next.interval.start == self.block.back_end();
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
                    meeting: Interval {
                        start,
                        end: start + self.duration,
                    },
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
            .map_or(Millis::MIN, |s| s.interval.end)
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

/// A time zone's wall clock, for the step grid of [`bookable_slots`].
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

impl WallClock for chrono_tz::Tz {
    fn utc_offset_at(&self, instant: Millis) -> Millis {
        use chrono::{Offset, TimeZone};
        chrono::DateTime::from_timestamp_millis(instant).map_or(0, |utc| {
            let offset = self.offset_from_utc_datetime(&utc.naive_utc());
            Millis::from(offset.fix().local_minus_utc()) * 1000
        })
    }
}

/// Any function from an instant to the UTC offset in force then, e.g. for tests.
impl<F: Fn(Millis) -> Millis> WallClock for F {
    fn utc_offset_at(&self, instant: Millis) -> Millis {
        self(instant)
    }
}

/// Instants whose wall-clock time, counted from the top of its hour (steps up to an hour) or
/// from local midnight (longer steps), is a multiple of the step.
struct StepGrid<C> {
    clock: C,
    step: Millis,
    period: Millis,
}

impl<C: WallClock> StepGrid<C> {
    fn new(clock: C, step: Millis) -> Self {
        let period = if step <= HOUR { HOUR } else { DAY };
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
    fn first_at_or_after(&self, at: Millis) -> Option<Millis> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Millis = 60_000;
    /// 2024-10-05T00:00:00Z, a Saturday.
    const DAY0: Millis = 1_728_086_400_000;

    fn at(hours: i64, minutes: i64) -> Millis {
        DAY0 + hours * HOUR + minutes * MINUTE
    }

    fn set(pairs: &[(Millis, Millis)]) -> IntervalSet {
        IntervalSet::from_intervals(
            pairs
                .iter()
                .map(|&(start, end)| Interval::new(start, end).expect("test intervals are valid"))
                .collect(),
        )
    }

    fn intervals(sets: &[&IntervalSet], query: OverlapQuery) -> Vec<(Millis, Millis, Vec<usize>)> {
        free_intervals(sets, &query)
            .expect("valid query")
            .map(|f| (f.interval.start, f.interval.end, f.free.iter().collect()))
            .collect()
    }

    fn slot_starts<C: WallClock>(
        sets: &[&IntervalSet],
        query: OverlapQuery,
        slots: SlotQuery,
        clock: C,
    ) -> Vec<Millis> {
        bookable_slots(sets, &query, &slots, clock)
            .expect("valid query")
            .map(|s| {
                assert_eq!(s.meeting.duration(), slots.duration);
                s.meeting.start
            })
            .collect()
    }

    #[test]
    fn everyone_free_is_the_merged_intersection() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 25)]);
        let c = set(&[(0, 40)]);
        assert_eq!(
            intervals(&[&a, &b, &c], OverlapQuery::default()),
            vec![(5, 10, vec![0, 1, 2]), (20, 25, vec![0, 1, 2])]
        );
        // One person alone: their own availability, unsplit.
        assert_eq!(
            intervals(&[&a], OverlapQuery::default()),
            vec![(0, 10, vec![0]), (20, 30, vec![0])]
        );
    }

    #[test]
    fn a_quorum_splits_where_the_free_set_changes() {
        let a = set(&[(0, 10)]);
        let b = set(&[(5, 20)]);
        let c = set(&[(8, 9), (15, 30)]);
        let query = OverlapQuery {
            quorum: Some(2),
            ..Default::default()
        };
        assert_eq!(
            intervals(&[&a, &b, &c], query),
            vec![
                (5, 8, vec![0, 1]),
                (8, 9, vec![0, 1, 2]),
                (9, 10, vec![0, 1]),
                (15, 20, vec![1, 2]),
            ]
        );
    }

    #[test]
    fn window_and_min_duration_apply_to_the_clipped_result() {
        let a = set(&[(0, 10), (20, 30), (40, 100)]);
        let query = OverlapQuery {
            from: Some(5),
            to: Some(45),
            min_duration: Some(6),
            ..Default::default()
        };
        assert_eq!(intervals(&[&a], query), vec![(20, 30, vec![0])]);
    }

    #[test]
    fn resuming_continues_after_the_last_start_even_inside_a_result() {
        let a = set(&[(0, 10), (20, 30), (40, 50)]);
        let b = set(&[(0, 100)]);
        let all = OverlapQuery {
            from: Some(5),
            ..Default::default()
        };
        let expected = intervals(&[&a, &b], all);
        assert_eq!(expected[0], (5, 10, vec![0, 1]));
        // Resuming after the first result's start, from inside it, and from a gap.
        for (resume, skip) in [(5, 1), (7, 1), (15, 1), (20, 2), (49, 3), (-99, 0)] {
            let page = OverlapQuery {
                resume_after: Some(resume),
                ..all
            };
            assert_eq!(
                intervals(&[&a, &b], page),
                expected[skip..],
                "after {resume}"
            );
        }
    }

    #[test]
    fn slots_sit_on_the_hour_grid_inside_the_buffered_free_time() {
        let free = set(&[(at(9, 10), at(12, 0))]);
        let thirty = SlotQuery::new(30 * MINUTE);
        assert_eq!(
            slot_starts(&[&free], OverlapQuery::default(), thirty, chrono::Utc),
            vec![at(9, 30), at(10, 0), at(10, 30), at(11, 0), at(11, 30)]
        );
        let buffered = SlotQuery {
            step: Some(15 * MINUTE),
            buffer_before: 10 * MINUTE,
            buffer_after: 20 * MINUTE,
            ..thirty
        };
        assert_eq!(
            slot_starts(&[&free], OverlapQuery::default(), buffered, chrono::Utc),
            vec![
                at(9, 30),
                at(9, 45),
                at(10, 0),
                at(10, 15),
                at(10, 30),
                at(10, 45),
                at(11, 0)
            ]
        );
    }

    #[test]
    fn steps_that_do_not_divide_an_hour_restart_each_hour_and_long_steps_each_day() {
        let free = set(&[(at(0, 0), at(4, 0))]);
        let forty_five = SlotQuery::new(45 * MINUTE);
        assert_eq!(
            slot_starts(&[&free], OverlapQuery::default(), forty_five, chrono::Utc),
            vec![
                at(0, 0),
                at(0, 45),
                at(1, 0),
                at(1, 45),
                at(2, 0),
                at(2, 45),
                at(3, 0)
            ]
        );
        let ninety = SlotQuery::new(90 * MINUTE);
        assert_eq!(
            slot_starts(&[&free], OverlapQuery::default(), ninety, chrono::Utc),
            vec![at(0, 0), at(1, 30)]
        );
        let late = set(&[(at(20, 0), at(26, 0))]);
        assert_eq!(
            slot_starts(&[&late], OverlapQuery::default(), ninety, chrono::Utc),
            vec![at(21, 0), at(22, 30), at(24, 0)]
        );
    }

    #[test]
    fn the_grid_follows_the_zone_s_top_of_the_hour() {
        let free = set(&[(at(9, 0), at(11, 0))]);
        let hour = SlotQuery::new(HOUR);
        assert_eq!(
            slot_starts(
                &[&free],
                OverlapQuery::default(),
                hour,
                chrono_tz::Asia::Kolkata
            ),
            vec![at(9, 30)]
        );
        let kathmandu = chrono::FixedOffset::east_opt(5 * 3600 + 45 * 60).expect("valid");
        assert_eq!(
            slot_starts(&[&free], OverlapQuery::default(), hour, kathmandu),
            vec![at(9, 15)]
        );
    }

    #[test]
    fn zone_names_parse_with_the_lean_chrono_tz_features() {
        assert_eq!(
            "Australia/Lord_Howe".parse::<chrono_tz::Tz>(),
            Ok(chrono_tz::Australia::Lord_Howe)
        );
        assert!("Mars/Olympus_Mons".parse::<chrono_tz::Tz>().is_err());
    }

    #[test]
    fn the_grid_crosses_a_half_hour_daylight_saving_change() {
        // Lord Howe Island moves from +10:30 to +11:00 at 02:00 local on 2024-10-06, which is
        // 15:30Z on DAY0: local 01:00 is 14:30Z, local 03:00 is 16:00Z.
        let free = set(&[(at(12, 0), at(19, 0))]);
        let hour = SlotQuery::new(HOUR);
        assert_eq!(
            slot_starts(
                &[&free],
                OverlapQuery::default(),
                hour,
                chrono_tz::Australia::Lord_Howe
            ),
            vec![
                at(12, 30),
                at(13, 30),
                at(14, 30),
                at(16, 0),
                at(17, 0),
                at(18, 0)
            ]
        );
    }

    #[test]
    fn a_slot_may_span_a_change_of_free_set_if_enough_stay_free_throughout() {
        let a = set(&[(at(9, 0), at(11, 0))]);
        let b = set(&[(at(9, 0), at(11, 0))]);
        let c = set(&[(at(9, 0), at(10, 0))]);
        let quorum = OverlapQuery {
            quorum: Some(2),
            ..Default::default()
        };
        let hour = SlotQuery {
            step: Some(30 * MINUTE),
            ..SlotQuery::new(HOUR)
        };
        let found: Vec<_> = bookable_slots(&[&a, &b, &c], &quorum, &hour, chrono::Utc)
            .expect("valid")
            .map(|s| (s.meeting.start, s.free.iter().collect::<Vec<_>>()))
            .collect();
        assert_eq!(
            found,
            vec![
                (at(9, 0), vec![0, 1, 2]),
                (at(9, 30), vec![0, 1]),
                (at(10, 0), vec![0, 1])
            ]
        );
        // Two free at every instant, but nobody but b for the whole hour: no meeting.
        let a = set(&[(at(9, 0), at(9, 30))]);
        let c = set(&[(at(9, 30), at(10, 0))]);
        let b = set(&[(at(9, 0), at(10, 0))]);
        assert_eq!(
            slot_starts(&[&a, &b, &c], quorum, hour, chrono::Utc),
            Vec::<Millis>::new()
        );
    }

    #[test]
    fn slot_buffers_may_reach_outside_the_window_but_meetings_may_not() {
        let free = set(&[(at(8, 0), at(12, 0))]);
        let window = OverlapQuery {
            from: Some(at(9, 0)),
            to: Some(at(11, 0)),
            ..Default::default()
        };
        let buffered = SlotQuery {
            buffer_before: HOUR,
            buffer_after: HOUR,
            ..SlotQuery::new(HOUR)
        };
        assert_eq!(
            slot_starts(&[&free], window, buffered, chrono::Utc),
            vec![at(9, 0), at(10, 0)]
        );
        let resumed = OverlapQuery {
            resume_after: Some(at(9, 0)),
            ..window
        };
        assert_eq!(
            slot_starts(&[&free], resumed, buffered, chrono::Utc),
            vec![at(10, 0)]
        );
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let everything = set(&[(Millis::MIN, Millis::MAX)]);
        let all: Vec<_> = free_intervals(&[&everything], &OverlapQuery::default())
            .expect("valid")
            .collect();
        assert_eq!(all.len(), 1);
        let long = OverlapQuery {
            min_duration: Some(Millis::MAX),
            ..Default::default()
        };
        assert_eq!(
            free_intervals(&[&everything], &long)
                .expect("valid")
                .count(),
            1
        );
        let after_the_start = OverlapQuery {
            resume_after: Some(Millis::MIN),
            ..long
        };
        let resumed = free_intervals(&[&everything], &after_the_start).expect("valid");
        assert_eq!(resumed.count(), 0);
        let slots = SlotQuery {
            buffer_before: Millis::MAX,
            buffer_after: Millis::MAX,
            ..SlotQuery::new(DAY)
        };
        for query in [
            OverlapQuery::default(),
            OverlapQuery {
                resume_after: Some(Millis::MAX),
                ..Default::default()
            },
            OverlapQuery {
                to: Some(Millis::MIN + 1),
                ..Default::default()
            },
        ] {
            let _ = bookable_slots(&[&everything], &query, &slots, chrono::Utc)
                .expect("valid")
                .take(3)
                .count();
            let _ = bookable_slots(
                &[&everything],
                &query,
                &SlotQuery::new(1),
                chrono_tz::Tz::Australia__Lord_Howe,
            )
            .expect("valid")
            .take(3)
            .count();
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let one = set(&[(0, 10)]);
        let many: Vec<&IntervalSet> = vec![&one; MAX_PARTICIPANTS + 1];
        let refused = |sets: &[&IntervalSet], query: OverlapQuery, slots: Option<SlotQuery>| {
            let error = match slots {
                None => free_intervals(sets, &query).err(),
                Some(slots) => bookable_slots(sets, &query, &slots, chrono::Utc).err(),
            }
            .expect("refused");
            let message = error.to_string();
            assert!(
                message.contains(&format!("`{}`", error.parameter())),
                "{message}"
            );
            error
        };
        let none = OverlapQuery::default();
        assert_eq!(refused(&[], none, None), OverlapError::NoParticipants);
        assert_eq!(
            refused(&many, none, None),
            OverlapError::TooManyParticipants { count: 101 }
        );
        assert!(refused(&many, none, None).to_string().contains("100"));
        for quorum in [0, 2] {
            let query = OverlapQuery {
                quorum: Some(quorum),
                ..none
            };
            assert_eq!(
                refused(&[&one], query, None),
                OverlapError::QuorumOutOfRange {
                    quorum,
                    participants: 1
                }
            );
        }
        let backwards = OverlapQuery {
            from: Some(5),
            to: Some(5),
            ..none
        };
        assert_eq!(refused(&[&one], backwards, None), OverlapError::EmptyWindow);
        let negative = OverlapQuery {
            min_duration: Some(-1),
            ..none
        };
        assert_eq!(refused(&[&one], negative, None).parameter(), "min_duration");
        assert_eq!(
            refused(&[&one], negative, Some(SlotQuery::new(5))),
            OverlapError::MinDurationWithSlots
        );
        for (slots, parameter) in [
            (SlotQuery::new(0), "duration"),
            (
                SlotQuery {
                    step: Some(-5),
                    ..SlotQuery::new(5)
                },
                "step",
            ),
            (
                SlotQuery {
                    step: Some(DAY + 1),
                    ..SlotQuery::new(5)
                },
                "step",
            ),
            (
                SlotQuery {
                    buffer_before: -1,
                    ..SlotQuery::new(5)
                },
                "buffer_before",
            ),
            (
                SlotQuery {
                    buffer_after: -1,
                    ..SlotQuery::new(5)
                },
                "buffer_after",
            ),
        ] {
            assert_eq!(refused(&[&one], none, Some(slots)).parameter(), parameter);
        }
    }
}
