//! The scheduling logic: pure functions and types, no Lambda or HTTP types.

pub mod duration;
pub mod field_error;
pub mod interval;
pub mod overlap;
pub mod record;
pub mod recurrence;
pub mod schedule;
#[cfg(test)]
pub(crate) mod test_support;
pub mod time;
pub mod timestamp;
pub mod user_id;

pub use field_error::FieldError;
pub use interval::{Interval, IntervalSet};
pub use record::UserRecord;
pub use time::Millis;
pub use user_id::UserId;
