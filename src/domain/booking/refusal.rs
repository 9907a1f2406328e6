//! Why a booking was not made: a refusal, or an earlier answer to give again.

use super::held::Booking;

/// Why [`make_booking`](super::make_booking) made nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotBooked {
    /// The booking may not be made.
    Refused(Refusal),
    /// A retry: its idempotency key already made this booking, which is the answer again.
    Replay(Box<Booking>),
}

/// Why a booking may not be made. Users are named in the order of the plan's holders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The change was given no records: a caller's bug, not the client's.
    NoRecords,
    /// The idempotency key already made another booking, for another request.
    IdempotencyKeyReused,
    /// The keeper already has [`MAX_IDEMPOTENCY_KEYS`](super::MAX_IDEMPOTENCY_KEYS) keys in use.
    TooManyIdempotencyKeys,
    /// These holders do not allow the organizer to book them.
    NotAllowed(Vec<String>),
    /// These holders already hold [`MAX_BOOKINGS_PER_USER`](super::MAX_BOOKINGS_PER_USER)
    /// bookings that have not ended.
    TooManyBookings(Vec<String>),
    /// These holders are not free for the whole range.
    Busy(Vec<String>),
}

impl From<Refusal> for NotBooked {
    fn from(refusal: Refusal) -> Self {
        NotBooked::Refused(refusal)
    }
}
