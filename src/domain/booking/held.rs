//! A booking as every participant holds it, who may book a user, and the rules of one record
//! taking, dropping or leaving a booking.

use super::invited::Invited;
use crate::domain::time::Millis;
use crate::domain::{Interval, IntervalSet, UserRecord};
use serde::{Deserialize, Serialize};

/// Bookings one user may hold that have not ended yet. Ended bookings stay in the record (and
/// in `GET /bookings`) until a new booking needs their room: the record never holds more than
/// this many bookings in all.
pub const MAX_BOOKINGS_PER_USER: usize = 100;

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
    /// Set on a booking an invitee made of an event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited: Option<Box<Invited>>,
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
}

/// Serde form of a booking's range: `[start, end]` milliseconds, checked when read back.
mod range {
    use crate::domain::{Interval, Millis};
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
    use super::super::test_support::{booking, free_monday};
    use super::*;
    use crate::domain::test_support::{at, interval, set};
    use crate::domain::time::{DAY_MS, HOUR_MS};

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
