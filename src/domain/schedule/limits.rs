//! The bounds on a schedule and on a read of it, kept apart so every sibling can use them
//! without importing the module that re-exports them.

/// The longest window a read may expand; the HTTP layer answers 400 beyond it.
pub const MAX_WINDOW_DAYS: i64 = 400;
/// Limits that keep one schedule's expansion cheap; more is refused as invalid.
pub const MAX_WEEKLY_RULES: usize = 100;
pub const MAX_OVERRIDES: usize = 1000;
pub const MAX_RANGES_PER_OVERRIDE: usize = 100;
