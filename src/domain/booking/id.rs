//! Booking ids, and the hash they (and idempotent requests) are made with.

use crate::domain::Interval;

/// A booking id: 16 hex digits of a hash of the user whose record keeps the booking's
/// idempotency key (for a booking between users, the organizer), the version their record
/// reaches with the booking, and the range. Unique per such user (each booking bumps their
/// version) and the same however often a store retries the change; `salt` moves it off an id a
/// participant already holds.
pub fn booking_id(organizer: &str, organizer_version: u64, range: Interval, salt: u32) -> String {
    let mut text = format!(
        "{organizer}\n{organizer_version}\n{}\n{}",
        range.start(),
        range.end()
    );
    if salt > 0 {
        text.push_str(&format!("\n{salt}"));
    }
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// FNV-1a, 64 bits: stable across Rust releases, so stored hashes stay comparable.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::interval;

    #[test]
    fn ids_depend_on_organizer_version_range_and_salt() {
        let range = interval("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z");
        let id = booking_id("u1", 3, range, 0);
        assert_eq!(id.len(), 16);
        assert_eq!(id, booking_id("u1", 3, range, 0));
        assert_ne!(id, booking_id("u2", 3, range, 0));
        assert_ne!(id, booking_id("u1", 4, range, 0));
        assert_ne!(id, booking_id("u1", 3, range, 1));
    }
}
