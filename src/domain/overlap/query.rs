//! What the engine is asked, and the checks every query passes before any data is read.

use super::{MAX_BUFFER, MAX_PARTICIPANTS};
use crate::domain::time::DAY_MS;
use crate::domain::{Interval, Millis};
use std::fmt;

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
    BufferLongerThanADay { parameter: &'static str },
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
            OverlapError::BufferLongerThanADay { parameter } => parameter,
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
            OverlapError::BufferLongerThanADay { parameter } => {
                write!(f, "`{parameter}` must be at most one day (P1D)")
            }
            OverlapError::MinDurationWithSlots => f.write_str(
                "`min_duration` filters free intervals and cannot be combined with `duration` (slots)",
            ),
        }
    }
}

impl std::error::Error for OverlapError {}

/// Checks a query for `participants` people as [`free_intervals`](super::free_intervals)
/// (`slots` is `None`) or [`bookable_slots`](super::bookable_slots) would, without any availability: lets a caller refuse a bad query before
/// it loads anyone's data.
pub fn validate(
    participants: usize,
    query: &OverlapQuery,
    slots: Option<&SlotQuery>,
) -> Result<(), OverlapError> {
    CheckedQuery::new(participants, query, slots).map(drop)
}

/// The span of the participants' availability that answering `query` reads: the window, widened
/// by the buffers for slots (a meeting at the window's edge needs free time beyond it). Passing
/// availability clipped to this span gives the same results as passing all of it. `None` when
/// the window is empty (a query [`validate`] refuses).
pub fn reach(query: &OverlapQuery, slots: Option<&SlotQuery>) -> Option<Interval> {
    let (before, after) = slots.map_or((0, 0), |s| (s.buffer_before, s.buffer_after));
    Interval::new(
        query
            .from
            .unwrap_or(Millis::MIN)
            .saturating_sub(before.max(0)),
        query.to.unwrap_or(Millis::MAX).saturating_add(after.max(0)),
    )
}

/// The checks of a query, for intervals or for `slots`.
pub(super) struct CheckedQuery {
    pub(super) quorum: u32,
    pub(super) from: Millis,
    pub(super) to: Millis,
}

impl CheckedQuery {
    pub(super) fn new(
        participants: usize,
        query: &OverlapQuery,
        slots: Option<&SlotQuery>,
    ) -> Result<Self, OverlapError> {
        if slots.is_some() && query.min_duration.is_some() {
            return Err(OverlapError::MinDurationWithSlots);
        }
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
        if query.min_duration.is_some_and(|length| length < 0) {
            return Err(OverlapError::Negative {
                parameter: "min_duration",
            });
        }
        if let Some(slots) = slots {
            let step = slots.step.unwrap_or(slots.duration);
            for (parameter, value) in [("duration", slots.duration), ("step", step)] {
                if value <= 0 {
                    return Err(OverlapError::NotPositive { parameter });
                }
            }
            if step > DAY_MS {
                return Err(OverlapError::StepLongerThanADay);
            }
            for (parameter, value) in [
                ("buffer_before", slots.buffer_before),
                ("buffer_after", slots.buffer_after),
            ] {
                if value < 0 {
                    return Err(OverlapError::Negative { parameter });
                }
                // Buffers widen the span every participant's schedule is expanded over.
                if value > MAX_BUFFER {
                    return Err(OverlapError::BufferLongerThanADay { parameter });
                }
            }
        }
        Ok(CheckedQuery {
            quorum: quorum as u32,
            from,
            to,
        })
    }
}
