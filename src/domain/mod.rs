//! The scheduling logic: pure functions and types, no Lambda or HTTP types.

pub mod booking;
pub mod calendar;
pub(crate) mod duration;
pub mod event_type;
pub(crate) mod field_error;
mod interval;
pub mod overlap;
mod record;
pub(crate) mod recurrence;
pub mod schedule;
pub mod sealed_secret;
#[cfg(test)]
pub(crate) mod test_support;
pub mod time;
pub mod timestamp;
mod tzdb;
mod user_id;
pub mod webhook;

pub use field_error::FieldError;
pub use interval::{Interval, IntervalSet};
pub use record::UserRecord;
pub use time::Millis;
pub(crate) use user_id::UserId;
