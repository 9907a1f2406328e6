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
}

/// Who booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitee {
    pub name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}
