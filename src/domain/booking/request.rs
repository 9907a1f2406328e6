//! A booking between users as a client asks for it: the caller organizes it and names the other
//! participants.

use super::idempotency::IdempotencyKey;
use super::make::BookingPlan;
use crate::domain::Interval;
use crate::domain::time::{DAY_MS, Millis};

/// People one booking may hold, the organizer included. A booking is one DynamoDB transaction
/// over the participants' items; it holds at most 100 items and a participant takes up to 4.
pub const MAX_PARTICIPANTS_PER_BOOKING: usize = 25;
/// The longest `title`, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest booking. Checking a participant expands their schedule over the booking only,
/// so this bounds that work (25 participants by one day each).
pub const MAX_BOOKING_LENGTH: Millis = DAY_MS;

/// What a booking asks, checked for shape and limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingRequest {
    pub range: Interval,
    pub organizer: String,
    /// The other participants as the request named them (the organizer, if named, included);
    /// distinct.
    pub named: Vec<String>,
    pub title: Option<String>,
}

impl BookingRequest {
    /// Everyone the booking holds: the organizer, then the others in the order named.
    pub fn participants(&self) -> Vec<String> {
        let mut everyone = vec![self.organizer.clone()];
        everyone.extend(
            self.named
                .iter()
                .filter(|user| **user != self.organizer)
                .cloned(),
        );
        everyone
    }

    /// Where the request named `participant`: `/participants/{index}`, or `""` (the request
    /// as a whole) for an organizer it did not name.
    pub fn pointer_of(&self, participant: &str) -> String {
        self.named
            .iter()
            .position(|user| user == participant)
            .map_or_else(String::new, |index| format!("/participants/{index}"))
    }

    /// The booking to make: held by every participant, the organizer first, whose record keeps
    /// `idempotency`.
    pub fn plan(&self, idempotency: Option<IdempotencyKey>) -> BookingPlan {
        BookingPlan {
            holders: self.participants(),
            range: self.range,
            organizer: self.organizer.clone(),
            title: self.title.clone(),
            idempotency,
            invited: None,
        }
    }
}
