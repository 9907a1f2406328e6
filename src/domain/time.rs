//! Instants and lengths of time in milliseconds, each length defined once.

/// Milliseconds since the Unix epoch, UTC. The API keeps millisecond precision.
pub type Millis = i64;

pub const SECOND_MS: Millis = 1000;
pub const MINUTE_MS: Millis = 60 * SECOND_MS;
pub const HOUR_MS: Millis = 60 * MINUTE_MS;
pub const DAY_MS: Millis = 24 * HOUR_MS;
pub const WEEK_MS: Millis = 7 * DAY_MS;
