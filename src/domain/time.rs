//! Instants and lengths of time in milliseconds, each length defined once.

/// Milliseconds since the Unix epoch, UTC. The API keeps millisecond precision.
pub type Millis = i64;

pub const SECOND_MS: Millis = 1000;
pub const MINUTE_MS: Millis = 60 * SECOND_MS;
pub const HOUR_MS: Millis = 60 * MINUTE_MS;
pub const DAY_MS: Millis = 24 * HOUR_MS;
pub const WEEK_MS: Millis = 7 * DAY_MS;

/// The earliest instant the API accepts, stores or shows: 0000-01-02T00:00:00Z. RFC 3339
/// writes four-digit years and offsets under 24 hours, so keeping instants a day inside years
/// 0000–9999 makes every instant writable with any zone's offset (see `timestamp`).
pub const EARLIEST_INSTANT: Millis = -62_167_132_800_000;
/// The latest instant the API accepts, stores or shows: 9999-12-31T00:00:00Z.
pub const LATEST_INSTANT: Millis = 253_402_214_400_000;
