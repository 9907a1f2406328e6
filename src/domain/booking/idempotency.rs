//! `Idempotency-Key`s: a booking sent again with the key of an earlier one gets that booking
//! as its answer, and books nothing more.

use super::held::Booking;
use super::refusal::{NotBooked, Refusal};
use crate::domain::UserRecord;
use crate::domain::time::{HOUR_MS, Millis};
use serde::{Deserialize, Serialize};

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_WINDOW: Millis = 24 * HOUR_MS;
/// `Idempotency-Key`s one organizer may have in use within [`IDEMPOTENCY_WINDOW`]; a new key
/// beyond it is refused rather than forgetting an older one, whose retry would book again.
pub const MAX_IDEMPOTENCY_KEYS: usize = 50;
/// The longest `Idempotency-Key`, in bytes (visible ASCII only).
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 100;

/// An `Idempotency-Key` the organizer used, with the first answer it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyEntry {
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: u64,
    /// The booking as the first answer showed it.
    pub booking: Booking,
    pub used_at: Millis,
}

/// The key a booking was sent with, and a hash of its request: a retry has both the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: u64,
}

impl IdempotencyKey {
    /// Whether a booking with this key may go on at `now`, by the record that keeps the keys:
    /// a replay of the earlier booking when the key was used for this request, a refusal when
    /// it was used for another or when the keeper has no room for a new key.
    pub(super) fn check(&self, keeper: &UserRecord, now: Millis) -> Result<(), NotBooked> {
        if let Some(entry) = keeper.idempotent_answer(&self.key, now) {
            if entry.request_hash == self.request_hash {
                return Err(NotBooked::Replay(Box::new(entry.booking.clone())));
            }
            return Err(Refusal::IdempotencyKeyReused.into());
        }
        if keeper.live_idempotency_keys(now) >= MAX_IDEMPOTENCY_KEYS {
            return Err(Refusal::TooManyIdempotencyKeys.into());
        }
        Ok(())
    }
}

/// The keeper's record once `booking` is made: remembering `key` (if any) with the booking, and
/// forgetting keys past the window either way.
pub(super) fn keeping_key(
    keeper: &UserRecord,
    key: Option<&IdempotencyKey>,
    booking: &Booking,
    now: Millis,
) -> UserRecord {
    match key {
        Some(key) => {
            let entry = IdempotencyEntry {
                key: key.key.clone(),
                request_hash: key.request_hash,
                booking: booking.clone(),
                used_at: now,
            };
            keeper.with_idempotency_entry(entry, now)
        }
        None => keeper.without_expired_keys(now),
    }
}

impl UserRecord {
    /// The organizer's remembered answer for `key`, if it was used within the window at `now`.
    pub fn idempotent_answer(&self, key: &str, now: Millis) -> Option<&IdempotencyEntry> {
        self.idempotency
            .iter()
            .find(|entry| entry.key == key && now - entry.used_at < IDEMPOTENCY_WINDOW)
    }

    /// Keys still within the window at `now`.
    pub fn live_idempotency_keys(&self, now: Millis) -> usize {
        self.idempotency
            .iter()
            .filter(|entry| now - entry.used_at < IDEMPOTENCY_WINDOW)
            .count()
    }

    /// The record forgetting keys past the window at `now`.
    pub fn without_expired_keys(&self, now: Millis) -> UserRecord {
        UserRecord {
            idempotency: self
                .idempotency
                .iter()
                .filter(|old| now - old.used_at < IDEMPOTENCY_WINDOW)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The record remembering `entry`, and forgetting keys past the window at `now`.
    pub fn with_idempotency_entry(&self, entry: IdempotencyEntry, now: Millis) -> UserRecord {
        let mut next = self.without_expired_keys(now);
        next.idempotency.push(entry);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::booking;
    use super::*;

    fn key(key: &str, request_hash: u64) -> IdempotencyKey {
        IdempotencyKey {
            key: key.to_owned(),
            request_hash,
        }
    }

    #[test]
    fn idempotency_keys_expire_after_the_window() {
        let b = booking("a", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", &["u1"]);
        let entry = IdempotencyEntry {
            key: "k".into(),
            request_hash: 7,
            booking: b,
            used_at: 0,
        };
        let record = UserRecord::default().with_idempotency_entry(entry, 0);
        assert!(
            record
                .idempotent_answer("k", IDEMPOTENCY_WINDOW - 1)
                .is_some()
        );
        assert!(record.idempotent_answer("k", IDEMPOTENCY_WINDOW).is_none());
        assert_eq!(record.live_idempotency_keys(IDEMPOTENCY_WINDOW), 0);
        let pruned = record.with_idempotency_entry(
            IdempotencyEntry {
                key: "k2".into(),
                ..record.idempotency[0].clone()
            },
            IDEMPOTENCY_WINDOW,
        );
        assert_eq!(pruned.idempotency.len(), 1);
    }

    #[test]
    fn a_used_key_replays_for_its_request_and_is_refused_for_another() {
        let first = booking("a", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", &["u1"]);
        let keeper = keeping_key(&UserRecord::default(), Some(&key("k", 7)), &first, 0);
        assert_eq!(
            key("k", 7).check(&keeper, IDEMPOTENCY_WINDOW - 1),
            Err(NotBooked::Replay(Box::new(first)))
        );
        assert_eq!(
            key("k", 8).check(&keeper, 0),
            Err(NotBooked::Refused(Refusal::IdempotencyKeyReused))
        );
        assert_eq!(
            key("k", 8).check(&keeper, IDEMPOTENCY_WINDOW),
            Ok(()),
            "expired"
        );
        assert_eq!(key("other", 7).check(&keeper, 0), Ok(()));
    }

    #[test]
    fn a_new_key_beyond_the_limit_is_refused_until_one_expires() {
        let made = booking("a", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", &["u1"]);
        let keeper = (0..MAX_IDEMPOTENCY_KEYS as i64).fold(UserRecord::default(), |record, i| {
            keeping_key(&record, Some(&key(&format!("k{i}"), 0)), &made, i)
        });
        assert_eq!(
            key("new", 0).check(&keeper, MAX_IDEMPOTENCY_KEYS as i64),
            Err(NotBooked::Refused(Refusal::TooManyIdempotencyKeys))
        );
        assert_eq!(
            key("k0", 0).check(&keeper, 1),
            Err(NotBooked::Replay(Box::new(made))),
            "a used key still replays at the limit"
        );
        assert_eq!(key("new", 0).check(&keeper, IDEMPOTENCY_WINDOW), Ok(()));
    }

    #[test]
    fn a_booking_without_a_key_forgets_expired_keys_only() {
        let made = booking("a", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", &["u1"]);
        let old = keeping_key(&UserRecord::default(), Some(&key("old", 0)), &made, 0);
        let both = keeping_key(&old, Some(&key("new", 0)), &made, 10);
        assert_eq!(keeping_key(&both, None, &made, 10), both);
        let later = keeping_key(&both, None, &made, IDEMPOTENCY_WINDOW);
        let kept: Vec<&str> = later.idempotency.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(kept, ["new"]);
    }
}
