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

mod grid;
mod participants;
mod query;
mod slots;
mod sweep;
#[cfg(test)]
mod tests;

pub use grid::{WallClock, grid_starts, on_grid};
pub use participants::ParticipantSet;
pub use query::{OverlapError, OverlapQuery, SlotQuery, reach, validate};
pub use slots::{BookableSlots, Slot, bookable_slots};
pub use sweep::{FreeInterval, FreeIntervals, free_intervals};

/// The most participants (the caller included) one query may name.
pub const MAX_PARTICIPANTS: usize = 100;
/// The longest `buffer_before` or `buffer_after`: one day, past the longest buffers calendars
/// offer (hours), so that buffers add at most two days to the window a schedule is expanded
/// over.
pub const MAX_BUFFER: crate::domain::Millis = crate::domain::time::DAY_MS;
// A participant set is one u128 bitmask.
const _: () = assert!(MAX_PARTICIPANTS <= 128);
