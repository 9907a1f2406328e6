//! Bookings and records for the booking module's unit tests, written once.

use super::held::Booking;
use crate::domain::UserRecord;
use crate::domain::test_support::{interval, set};

/// A booking by `participants[0]` of `from`..`to` (RFC 3339), made at instant 0.
pub(super) fn booking(id: &str, from: &str, to: &str, participants: &[&str]) -> Booking {
    Booking {
        id: id.to_owned(),
        range: interval(from, to),
        organizer: participants[0].to_owned(),
        participants: participants.iter().map(|p| (*p).to_owned()).collect(),
        title: None,
        created_at: 0,
        invited: None,
    }
}

/// A user free on Monday 2026-03-02 from 09:00 to 17:00 UTC.
pub(super) fn free_monday() -> UserRecord {
    UserRecord::default().with_added(&set(&[("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z")]))
}
