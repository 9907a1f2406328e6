//! Bookings: a time several people take together, kept in each participant's record, and the
//! rules and limits of making and leaving one. Pure: the API reads requests into these types and
//! the store writes the records they change.

use super::time::{DAY_MS, HOUR_MS, Millis};
use super::{Interval, IntervalSet, UserRecord};
use serde::{Deserialize, Serialize};

/// People one booking may hold, the organizer included. A booking is one DynamoDB transaction
/// over the participants' items; it holds at most 100 items and a participant takes up to 4.
pub const MAX_PARTICIPANTS_PER_BOOKING: usize = 25;
/// The longest `title`, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest booking. Checking a participant expands their schedule over the booking only,
/// so this bounds that work (25 participants by one day each).
pub const MAX_BOOKING_LENGTH: Millis = DAY_MS;
/// Bookings one user may hold that have not ended yet. Ended bookings stay in the record (and
/// in `GET /bookings`) until a new booking needs their room: the record never holds more than
/// this many bookings in all.
pub const MAX_BOOKINGS_PER_USER: usize = 100;
/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_WINDOW: Millis = 24 * HOUR_MS;
/// `Idempotency-Key`s one organizer may have in use within [`IDEMPOTENCY_WINDOW`]; a new key
/// beyond it is refused rather than forgetting an older one, whose retry would book again.
pub const MAX_IDEMPOTENCY_KEYS: usize = 50;
/// The longest `Idempotency-Key`, in bytes (visible ASCII only).
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 100;

/// One booking as every participant keeps it. Within one record, bookings never overlap: each
/// was checked against the participant's others when it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: String,
    #[serde(with = "range")]
    pub range: Interval,
    pub organizer: String,
    /// The organizer first, then the others in the order the request named them; a participant
    /// who leaves is taken out of every remaining copy.
    pub participants: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub created_at: Millis,
}

/// Who may book a user: `Everyone` (the default), or only the users listed. The user themself
/// always may.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookableBy {
    #[default]
    Everyone,
    Only(Vec<String>),
}

impl BookableBy {
    pub fn allows(&self, user_id: &str) -> bool {
        match self {
            BookableBy::Everyone => true,
            BookableBy::Only(users) => users.iter().any(|user| user == user_id),
        }
    }
}

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
}

/// Why one participant cannot take the booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unbookable {
    /// The participant does not allow the organizer to book them.
    NotAllowed,
    /// Some of the range is outside their availability or inside another of their bookings.
    Busy,
    /// They already hold [`MAX_BOOKINGS_PER_USER`] bookings that have not ended.
    TooManyBookings,
}

impl UserRecord {
    /// The ranges of this user's bookings that meet `window`, clipped to it.
    pub fn booked_within(&self, window: Interval) -> IntervalSet {
        let first = self
            .bookings
            .partition_point(|booking| booking.range.end() <= window.start());
        IntervalSet::from_intervals(
            self.bookings[first..]
                .iter()
                .take_while(|booking| booking.range.start() < window.end())
                .filter_map(|booking| booking.range.intersection(&window))
                .collect(),
        )
    }

    /// The booking with this id, if the user holds a copy.
    pub fn booking(&self, id: &str) -> Option<&Booking> {
        self.bookings.iter().find(|booking| booking.id == id)
    }

    /// Whether `booking` can be added to this user's record at `now`, and why not. The record
    /// needs only its slots and removed ranges within the booking's range.
    pub fn can_take(
        &self,
        user_id: &str,
        booking: &Booking,
        now: Millis,
    ) -> Result<(), Unbookable> {
        if user_id != booking.organizer && !self.bookable_by.allows(&booking.organizer) {
            return Err(Unbookable::NotAllowed);
        }
        let free = self.availability_within(booking.range);
        if free.as_slice() != [booking.range] {
            return Err(Unbookable::Busy);
        }
        if self.upcoming_bookings(now) >= MAX_BOOKINGS_PER_USER {
            return Err(Unbookable::TooManyBookings);
        }
        Ok(())
    }

    /// Bookings that have not ended at `now`.
    pub fn upcoming_bookings(&self, now: Millis) -> usize {
        self.bookings
            .iter()
            .filter(|booking| booking.range.end() > now)
            .count()
    }

    /// The record with `booking` added in start order; ended bookings make room when the record
    /// is full (the oldest first). Call [`UserRecord::can_take`] first.
    pub fn with_booking(&self, booking: &Booking, now: Millis) -> UserRecord {
        let mut bookings = self.bookings.clone();
        while bookings.len() >= MAX_BOOKINGS_PER_USER {
            match bookings.iter().position(|b| b.range.end() <= now) {
                Some(ended) => {
                    bookings.remove(ended);
                }
                None => break,
            }
        }
        let at = bookings.partition_point(|b| b.range.start() < booking.range.start());
        bookings.insert(at, booking.clone());
        UserRecord {
            bookings,
            ..self.clone()
        }
    }

    /// The record without its copy of booking `id`.
    pub fn without_booking(&self, id: &str) -> UserRecord {
        UserRecord {
            bookings: self
                .bookings
                .iter()
                .filter(|booking| booking.id != id)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The record whose copy of booking `id` no longer lists `leaving`.
    pub fn with_participant_gone(&self, id: &str, leaving: &str) -> UserRecord {
        let bookings = self
            .bookings
            .iter()
            .map(|booking| {
                let mut booking = booking.clone();
                if booking.id == id {
                    booking.participants.retain(|user| user != leaving);
                }
                booking
            })
            .collect();
        UserRecord {
            bookings,
            ..self.clone()
        }
    }

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

/// A booking id: 16 hex digits of a hash of the organizer, the version their record reaches
/// with the booking, and the range. Unique per organizer (each booking bumps their version) and
/// the same however often a store retries the change; `salt` moves it off an id a participant
/// already holds.
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

/// Serde form of a booking's range: `[start, end]` milliseconds, checked when read back.
mod range {
    use super::{Interval, Millis};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer>(range: &Interval, s: S) -> Result<S::Ok, S::Error> {
        [range.start(), range.end()].serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Interval, D::Error> {
        let (start, end) = <(Millis, Millis)>::deserialize(d)?;
        Interval::new(start, end).ok_or_else(|| D::Error::custom("a booking's range is empty"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{at, interval, set};

    fn booking(id: &str, from: &str, to: &str, participants: &[&str]) -> Booking {
        Booking {
            id: id.to_owned(),
            range: interval(from, to),
            organizer: participants[0].to_owned(),
            participants: participants.iter().map(|p| (*p).to_owned()).collect(),
            title: None,
            created_at: 0,
        }
    }

    fn free_monday() -> UserRecord {
        UserRecord::default().with_added(&set(&[("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z")]))
    }

    #[test]
    fn booked_time_is_not_available_and_a_second_booking_there_is_busy() {
        let now = at("2026-03-01T00:00:00Z");
        let first = booking(
            "a",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z",
            &["u1", "u2"],
        );
        let record = free_monday();
        assert_eq!(record.can_take("u2", &first, now), Ok(()));
        let booked = record.with_booking(&first, now);
        let monday = interval("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
        assert_eq!(
            booked.availability_within(monday),
            set(&[
                ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
                ("2026-03-02T11:00:00Z", "2026-03-02T17:00:00Z"),
            ])
        );
        let overlapping = booking(
            "b",
            "2026-03-02T10:30:00Z",
            "2026-03-02T12:00:00Z",
            &["u1", "u2"],
        );
        assert_eq!(
            booked.can_take("u2", &overlapping, now),
            Err(Unbookable::Busy)
        );
        let touching = booking(
            "c",
            "2026-03-02T11:00:00Z",
            "2026-03-02T12:00:00Z",
            &["u1", "u2"],
        );
        assert_eq!(booked.can_take("u2", &touching, now), Ok(()));
        let outside = booking(
            "d",
            "2026-03-02T16:30:00Z",
            "2026-03-02T17:30:00Z",
            &["u1", "u2"],
        );
        assert_eq!(booked.can_take("u2", &outside, now), Err(Unbookable::Busy));
        assert_eq!(booked.without_booking("a"), record);
    }

    #[test]
    fn consent_binds_everyone_but_the_user_themself() {
        let now = 0;
        let only_u3 = UserRecord {
            bookable_by: BookableBy::Only(vec!["u3".into()]),
            ..free_monday()
        };
        let by_u1 = booking(
            "a",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z",
            &["u1", "u2"],
        );
        assert_eq!(
            only_u3.can_take("u2", &by_u1, now),
            Err(Unbookable::NotAllowed)
        );
        assert_eq!(only_u3.can_take("u1", &by_u1, now), Ok(()), "the organizer");
        let by_u3 = booking(
            "b",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z",
            &["u3", "u2"],
        );
        assert_eq!(only_u3.can_take("u2", &by_u3, now), Ok(()));
    }

    #[test]
    fn a_full_record_makes_room_from_ended_bookings_only() {
        let day = |d: i64| at("2026-01-01T00:00:00Z") + d * DAY_MS;
        let mut record = UserRecord::default().with_added(&IntervalSet::from_normalized(vec![
            Interval::new(day(0), day(400)).expect("valid"),
        ]));
        for d in 0..MAX_BOOKINGS_PER_USER as i64 {
            let mut b = booking("x", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", &["u1"]);
            b.id = format!("b{d}");
            b.range = Interval::new(day(d), day(d) + HOUR_MS).expect("valid");
            record = record.with_booking(&b, 0);
        }
        let mut next = booking(
            "new",
            "2026-01-01T00:00:00Z",
            "2026-01-01T01:00:00Z",
            &["u1"],
        );
        next.range = Interval::new(day(200), day(200) + HOUR_MS).expect("valid");
        assert_eq!(
            record.can_take("u1", &next, 0),
            Err(Unbookable::TooManyBookings)
        );
        let later = day(3);
        assert_eq!(record.can_take("u1", &next, later), Ok(()));
        let made = record.with_booking(&next, later);
        assert_eq!(made.bookings.len(), MAX_BOOKINGS_PER_USER);
        assert_eq!(
            made.bookings[0].id, "b1",
            "the oldest ended booking made room"
        );
        assert_eq!(made.bookings.last().map(|b| b.id.as_str()), Some("new"));
    }

    #[test]
    fn a_participant_leaving_drops_from_the_other_copies() {
        let b = booking(
            "a",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z",
            &["u1", "u2", "u3"],
        );
        let record = free_monday().with_booking(&b, 0);
        let left = record.with_participant_gone("a", "u2");
        assert_eq!(left.bookings[0].participants, ["u1", "u3"]);
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
    fn ids_depend_on_organizer_version_range_and_salt() {
        let range = interval("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z");
        let id = booking_id("u1", 3, range, 0);
        assert_eq!(id.len(), 16);
        assert_eq!(id, booking_id("u1", 3, range, 0));
        assert_ne!(id, booking_id("u2", 3, range, 0));
        assert_ne!(id, booking_id("u1", 4, range, 0));
        assert_ne!(id, booking_id("u1", 3, range, 1));
    }

    #[test]
    fn bookings_serialize_and_refuse_empty_ranges() {
        let b = booking("a", "2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", &["u1"]);
        let text = serde_json::to_string(&b).expect("serializes");
        assert_eq!(serde_json::from_str::<Booking>(&text).ok(), Some(b));
        let empty = text.replace(
            &at("2026-03-02T11:00:00Z").to_string(),
            &at("2026-03-02T10:00:00Z").to_string(),
        );
        assert!(serde_json::from_str::<Booking>(&empty).is_err());
    }
}
