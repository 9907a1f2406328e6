//! The k-way sweep and the free intervals it yields.

use super::participants::ParticipantSet;
use super::query::{CheckedQuery, OverlapError, OverlapQuery};
use crate::domain::{Interval, IntervalSet, Millis};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A maximal stretch in which the same participants are free, at least `quorum` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeInterval {
    pub interval: Interval,
    pub free: ParticipantSet,
}

/// Free intervals of `participants` (each one person's availability) for `query`.
pub fn free_intervals<'a>(
    participants: &[&'a IntervalSet],
    query: &OverlapQuery,
) -> Result<FreeIntervals<'a>, OverlapError> {
    let checked = CheckedQuery::new(participants.len(), query, None)?;
    let min_duration = query.min_duration.unwrap_or(0);
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

/// The k-way sweep: yields, in order, the maximal stretches of `[from, to)` in which the set of
/// free participants is constant and has at least `quorum` members.
pub(super) struct Sweep<'a> {
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
    pub(super) fn new(
        participants: &[&'a IntervalSet],
        quorum: u32,
        from: Millis,
        to: Millis,
    ) -> Self {
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
            let first = list.partition_point(|interval| interval.end() <= from);
            if let Some(interval) = list.get(first) {
                let next_event = if interval.start() <= from {
                    sweep.free |= 1 << participant;
                    interval.end()
                } else {
                    interval.start()
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
            self.lists[participant].get(*index).map(|i| i.start())
        } else {
            self.free |= bit;
            self.lists[participant].get(*index).map(|i| i.end())
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
                return stretch(start, self.to, free);
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
                    if let Some(found) = stretch(start, now, free) {
                        return Some(found);
                    }
                }
                None if qualifies => self.open = Some((now, self.free)),
                _ => {}
            }
        }
    }
}

/// A stretch of the sweep; events are strictly increasing, so it is never empty (`None` if it
/// were, and it is then skipped).
fn stretch(start: Millis, end: Millis, free: u128) -> Option<FreeInterval> {
    Some(FreeInterval {
        interval: Interval::new(start, end)?,
        free: ParticipantSet(free),
    })
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
            let (start, end) = (found.interval.start(), found.interval.end());
            end.saturating_sub(start) >= self.min_duration
                && self.resume_after.is_none_or(|resume| start > resume)
        })
    }
}
