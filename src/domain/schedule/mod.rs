//! Recurring weekly hours in an IANA time zone, with date overrides, expanded on read.
//!
//! A schedule travels in the API's shape ([`ScheduleInput`], plain strings, what clients send
//! and what is stored) and is used in its validated form ([`Schedule`]). [`Schedule::expand`]
//! turns it into UTC instants for one window at a time: nothing is materialized ahead.
//!
//! # Semantics
//! - Times are wall-clock `HH:MM` in the schedule's zone. A range whose `end` is at or before
//!   its `start`, or is `24:00`, runs past midnight into the next day. A range belongs to the
//!   local date it starts on.
//! - An override replaces the ranges that *start* on its date; with no ranges, nothing starts
//!   that day. A weekly range of the previous day that runs past midnight into the overridden
//!   date is still the previous day's and is kept: an override states that day's own hours, it
//!   does not cut short the night before.
//! - `valid_from` and `valid_until` are inclusive local dates: a range exists when the date it
//!   starts on lies between them.
//!
//! # Daylight saving and other offset changes
//! Each end of a range becomes an instant on its own, by the zone's rules at that date:
//! - A local time that occurs once is that instant.
//! - A local time that does not exist (the clocks jump over it) moves forward by the length of
//!   the jump: it is read with the offset in force before the jump. On 2026-03-08 New York
//!   jumps from 02:00 to 03:00, so `02:30` is 03:30 EDT, the instant 02:30 EST would have been.
//! - A local time that occurs twice (the clocks fall back over it) is its first occurrence.
//! - So a range containing a change lasts what the wall clock says: 00:00–12:00 is 11 hours on
//!   the day New York springs forward, 13 hours on the day it falls back (on Lord Howe Island,
//!   whose clocks move by 30 minutes, 11.5 and 12.5 hours).
//! - When a jump moves a start past its end (02:30–03:15 on that New York day would run from
//!   03:30 to 03:15), the range is empty that day.

mod clock;
mod expand;
mod input;
mod limits;
mod parse;
#[cfg(test)]
mod tests;
mod validated;

pub use expand::{ScheduleSearch, window_within_limit};
pub use input::{OverrideInput, RangeInput, ScheduleInput, WeeklyRuleInput};
pub use limits::{MAX_OVERRIDES, MAX_RANGES_PER_OVERRIDE, MAX_WEEKLY_RULES, MAX_WINDOW_DAYS};
pub use parse::InvalidSchedule;
pub use validated::Schedule;
