//! The scheduling logic: pure functions and types, no Lambda or HTTP types.

pub mod duration;
pub mod interval;
pub mod overlap;
pub mod recurrence;
pub mod schedule;
pub mod time;
pub mod tzdb;

pub use interval::{Interval, IntervalSet, Millis};
