//! Bookings: a time several people take together, kept in each participant's record, and the
//! rules and limits of making and leaving one. Pure: the API reads requests into these types and
//! the store writes the records they change.
//!
//! - [`held`]: a booking as each participant holds it, and one record taking or dropping it;
//! - [`make`]: making a booking for everyone at once ([`make_booking`]), and the order of its
//!   refusals ([`Refusal`]);
//! - [`idempotency`]: `Idempotency-Key`s, the earlier answer a retry gets again;
//! - [`id`]: booking ids;
//! - [`invited`]: what a booking of an event type holds of its invitee, and
//!   [`manage_token`]: the secret that manages it;
//! - [`request`]: a booking between users as a client asks for it.

mod held;
mod id;
mod idempotency;
mod invited;
mod make;
mod manage_token;
mod refusal;
mod request;
#[cfg(test)]
mod test_support;

pub use held::{BookableBy, Booking, MAX_BOOKINGS_PER_USER, Unbookable};
pub use id::{booking_id, fnv1a};
pub use idempotency::{
    IDEMPOTENCY_WINDOW, IdempotencyEntry, IdempotencyKey, MAX_IDEMPOTENCY_KEY_BYTES,
    MAX_IDEMPOTENCY_KEYS,
};
pub use invited::{Cancellation, Invited, Invitee, KEEP_CANCELLED, MAX_CANCELLED};
pub use make::{BookingPlan, make_booking};
pub use manage_token::{MAX_TOKEN_CHARS, ManageToken, SECRET_BYTES, hash_matches, secret_hash};
pub use refusal::{NotBooked, Refusal};
pub use request::{
    BookingRequest, MAX_BOOKING_LENGTH, MAX_PARTICIPANTS_PER_BOOKING, MAX_TITLE_CHARS,
};
