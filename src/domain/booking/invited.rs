//! What a booking made by an invitee of an event type holds beyond a booking between users: the
//! event type, its buffers, who booked, and the hash of the secret that manages it.

use crate::domain::time::Millis;
use serde::{Deserialize, Serialize};

/// The invitee's side of a booking of an event type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    /// The host whose event type it is (the booking's organizer).
    pub owner: String,
    /// The event type's slug.
    pub event_type: String,
    /// The event type's buffers when the booking was made: other bookings keep out of them.
    pub buffer_before: Millis,
    pub buffer_after: Millis,
    pub invitee: Invitee,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 0 when made; one more at each reschedule.
    pub sequence: u32,
    /// The SHA-256 of the manage token's secret, in hex: a copy of the table cannot act on it.
    pub manage_hash: String,
    /// Set once the booking is cancelled (it is then kept only in the keeper's `cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation: Option<Cancellation>,
}

/// When and why a booking of an event type was cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    pub at: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How long a cancelled booking stays readable through its manage token after it would have
/// ended.
pub const KEEP_CANCELLED: Millis = 30 * crate::domain::time::DAY_MS;
/// Cancelled bookings one keeper holds at most (the latest kept).
pub const MAX_CANCELLED: usize = 100;

impl crate::domain::UserRecord {
    /// The booking `id` this record keeps, live or cancelled.
    pub fn kept_booking(&self, id: &str) -> Option<&super::Booking> {
        self.booking(id)
            .or_else(|| self.cancelled.iter().find(|booking| booking.id == id))
    }

    /// The record keeping `cancelled` (a booking with its `cancellation` set) among its
    /// cancelled bookings, which forget those ended more than [`KEEP_CANCELLED`] ago and keep
    /// at most [`MAX_CANCELLED`].
    pub fn with_cancelled(&self, cancelled: super::Booking, now: Millis) -> Self {
        let mut kept: Vec<super::Booking> = self
            .cancelled
            .iter()
            .filter(|booking| booking.id != cancelled.id)
            .filter(|booking| booking.range.end().saturating_add(KEEP_CANCELLED) > now)
            .cloned()
            .collect();
        kept.push(cancelled);
        let excess = kept.len().saturating_sub(MAX_CANCELLED);
        kept.drain(..excess);
        Self {
            cancelled: kept,
            ..self.clone()
        }
    }
}

/// Who booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}
