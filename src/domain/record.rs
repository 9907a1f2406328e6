//! A user's record and the rule of what they are available in: the one place the API's
//! writes (`POST`, `DELETE`, the schedule) meet to answer reads and overlaps.

use super::booking::{BookableBy, Booking, IdempotencyEntry};
use super::event_type::EventType;
use super::schedule::{Schedule, ScheduleSearch};
use super::webhook::{OutboxEntry, Webhook};
use super::{Interval, IntervalSet};
use serde::{Deserialize, Serialize};

/// Everything stored for one user. A user never written has the empty record at version 0.
///
/// Its serde form is how durable stores keep it: fields by name, and a field missing from an
/// older stored record takes its default, so a new field needs no store change. The schedule
/// is kept in its API shape and checked again when read back.
///
/// # What a user is available in
/// `(schedule − removed) ∪ slots`: each instant is in one of three states, and the latest
/// explicit word about it wins.
/// - `slots`: made available by a `POST`, whatever the schedule says;
/// - `removed`: made unavailable by a `DELETE`, whatever the schedule says;
/// - anything else: as the weekly schedule (if any) says, expanded on read.
///
/// A `POST` adds to `slots` and takes its instants out of `removed`; a `DELETE` takes its range
/// out of `slots` and adds it to `removed`. So `slots` and `removed` never share an instant,
/// and changing or deleting the schedule keeps every explicit `POST` and `DELETE`: a blocked
/// holiday stays blocked when the weekly hours change.
///
/// Booked time is busy: reads and overlaps see the above minus the ranges of `bookings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserRecord {
    /// Bumped by every write that changes the record; the API's `ETag` is made from it.
    /// Stores keep it beside the serialized record, where their write conditions can see it.
    #[serde(skip)]
    pub version: u64,
    pub slots: IntervalSet,
    pub removed: IntervalSet,
    pub schedule: Option<Schedule>,
    /// This user's copy of each booking they take part in, in start order; never overlapping.
    pub bookings: Vec<Booking>,
    /// Who may book this user.
    pub bookable_by: BookableBy,
    /// `Idempotency-Key`s this user sent with `POST /bookings`, with their first answers.
    pub idempotency: Vec<IdempotencyEntry>,
    /// The kinds of meeting this user offers to anyone (`/event-types`), in slug order.
    pub event_types: Vec<EventType>,
    /// Bookings of event types this user keeps that were cancelled, readable through their
    /// manage tokens for a while (see `domain::booking::KEEP_CANCELLED`); never busy time.
    pub cancelled: Vec<Booking>,
    /// Webhook subscriptions (`/webhooks`), in id order.
    pub webhooks: Vec<Webhook>,
    /// Deliveries owed to those webhooks: each booking change records its events here, in the
    /// same write (see `domain::webhook`).
    pub outbox: Vec<OutboxEntry>,
    /// Stored intervals that are not in `slots` or `removed` here: an update's record holds only
    /// the part of the user's intervals near its change (see `store::Scope`), and limits count
    /// the rest through this.
    #[serde(skip)]
    pub held_elsewhere: usize,
    /// The SHA-256 (hex) of the secret of this user's calendar feed (`POST /calendar/feed`),
    /// when they have one; the secret itself is never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_feed: Option<String>,
    /// The calendars this user imports busy time from (`/calendars`), in id order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calendars: Vec<crate::domain::calendar::source::CalendarSource>,
    /// Only in the calendar sync's index record (`calendar_sync::scheduled::INDEX_KEY`): the
    /// users who have calendars.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calendar_users: Vec<String>,
}

impl UserRecord {
    /// The user's availability inside `window`: what reads and overlaps see, and the one place
    /// it is computed; booked time is not in it. A schedule is expanded for `window` only; with
    /// a schedule, callers bound `window` (the API to `MAX_WINDOW_DAYS`), since expansion costs
    /// its length.
    pub fn availability_within(&self, window: Interval) -> IntervalSet {
        let available = self.unbooked_availability_within(window);
        if self.bookings.is_empty() {
            return available;
        }
        available.difference(&self.booked_within(window))
    }

    /// What the user made available inside `window`, booked time included: `GET /availability`
    /// with `include_booked=true`.
    /// Imported busy time (`/calendars`) is never in it: unlike a booking, it is not the user's
    /// to show as booked.
    pub fn unbooked_availability_within(&self, window: Interval) -> IntervalSet {
        let slots = self.slots.clip(window);
        let available = match &self.schedule {
            None => slots,
            Some(schedule) => schedule
                .expand(window)
                .difference(&self.removed.clip(window))
                .union(&slots),
        };
        if self.calendars.is_empty() {
            return available;
        }
        available.difference(&self.imported_busy_within(window))
    }

    /// True when some instant of `range` is available, for any `range`, however long; booked
    /// time counts as available here (a `DELETE` may mark it unavailable beneath a booking).
    ///
    /// Slots are one binary search. The schedule is searched only where it can yield anything
    /// and no removed range covers it, each date expanded at most once (see
    /// [`Schedule::search`]): the cost is bounded by the removed ranges' count, not by the
    /// range's length, and by one expansion per date rather than per gap.
    pub fn has_availability_in(&self, range: Interval) -> bool {
        self.slots.overlaps(range) || self.schedule_search(range).found
    }

    /// The search behind [`UserRecord::has_availability_in`] for the schedule's part.
    pub fn schedule_search(&self, range: Interval) -> ScheduleSearch {
        let nothing = ScheduleSearch {
            found: false,
            dates_expanded: 0,
        };
        let Some(schedule) = &self.schedule else {
            return nothing;
        };
        let Some(searched) = schedule.span().and_then(|span| span.intersection(&range)) else {
            return nothing;
        };
        let open = IntervalSet::from_normalized(vec![searched]).difference(&self.removed);
        schedule.search(&open)
    }

    /// `POST`: `additions` become available, whatever a `DELETE` said about them before.
    pub fn with_added(&self, additions: &IntervalSet) -> UserRecord {
        UserRecord {
            slots: self.slots.union(additions),
            removed: self.removed.difference(additions),
            ..self.clone()
        }
    }

    /// `DELETE`: `range` becomes unavailable, whatever a `POST` or the schedule says.
    pub fn with_removed(&self, range: Interval) -> UserRecord {
        let range = IntervalSet::from_normalized(vec![range]);
        UserRecord {
            slots: self.slots.difference(&range),
            removed: self.removed.union(&range),
            ..self.clone()
        }
    }

    /// The stored intervals, slots and removed ranges together (those held elsewhere
    /// included): what per-user limits count.
    pub fn interval_count(&self) -> usize {
        self.slots.len() + self.removed.len() + self.held_elsewhere
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Millis;
    use crate::domain::test_support::{at, interval, set};
    use serde_json::json;

    fn utc_nine_to_five() -> Schedule {
        serde_json::from_value(json!({"timezone": "UTC",
            "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]}))
        .expect("valid schedule")
    }

    #[test]
    fn the_latest_post_or_delete_wins_and_the_schedule_fills_the_rest() {
        let monday = interval("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
        let record = UserRecord {
            schedule: Some(utc_nine_to_five()),
            ..UserRecord::default()
        }
        .with_removed(interval("2026-03-02T08:00:00Z", "2026-03-02T12:00:00Z"))
        .with_added(&set(&[("2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z")]));
        assert_eq!(
            record.availability_within(monday),
            set(&[
                ("2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z"),
                ("2026-03-02T12:00:00Z", "2026-03-02T17:00:00Z"),
            ])
        );
        assert!(
            record.slots.intersection(&record.removed).is_empty(),
            "slots and removed ranges never share an instant"
        );
        assert_eq!(record.interval_count(), 3);
        let removed_again =
            record.with_removed(interval("2026-03-02T11:00:00Z", "2026-03-02T11:30:00Z"));
        assert!(removed_again.slots.is_empty());
        assert_eq!(
            removed_again.removed,
            set(&[("2026-03-02T08:00:00Z", "2026-03-02T12:00:00Z")])
        );
    }

    #[test]
    fn availability_in_a_range_looks_at_slots_and_the_schedule_past_removed_ranges() {
        let plain = UserRecord::default();
        assert!(
            !plain.has_availability_in(Interval::new(Millis::MIN, Millis::MAX).expect("valid"))
        );
        let scheduled = UserRecord {
            schedule: Some(utc_nine_to_five()),
            ..UserRecord::default()
        };
        let saturday = interval("2026-03-07T00:00:00Z", "2026-03-08T00:00:00Z");
        assert!(!scheduled.has_availability_in(saturday));
        let everything = Interval::new(Millis::MIN, Millis::MAX).expect("valid");
        assert!(scheduled.has_availability_in(everything));
        let blocked =
            scheduled.with_removed(interval("0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z"));
        assert!(
            !blocked.has_availability_in(interval("0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z"))
        );
        assert!(
            blocked.has_availability_in(everything),
            "before year 1 and after 9999"
        );
    }

    /// 100 five-minute ranges a day, every day: the densest weekly schedule the limits allow.
    fn dense_schedule() -> Schedule {
        let rules: Vec<_> = (0..100)
            .map(|i| {
                let start = i * 10;
                json!({"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": format!("{:02}:{:02}", start / 60, start % 60),
                    "end": format!("{:02}:{:02}", (start + 5) / 60, (start + 5) % 60)})
            })
            .collect();
        serde_json::from_value(json!({"timezone": "America/New_York", "weekly": rules}))
            .expect("valid schedule")
    }

    #[test]
    fn a_search_expands_each_date_once_however_many_gaps_it_holds() {
        let schedule = dense_schedule();
        let sixty_days = interval("2026-02-01T00:00:00Z", "2026-04-02T00:00:00Z");
        // Every range removed, one by one: 6000 removed ranges with a gap between each pair.
        let removed = schedule.expand(sixty_days);
        assert!(removed.len() > 5900, "{}", removed.len());
        let record = UserRecord {
            schedule: Some(schedule),
            removed,
            ..UserRecord::default()
        };
        let search = record.schedule_search(sixty_days);
        assert!(!search.found);
        // Each date reaching the range once: its 61 UTC dates (the end's included) and two more
        // on each side. Expanding once per gap, as before, took 6000 expansions of 5 dates.
        assert_eq!(search.dates_expanded, 65, "{search:?}");
        assert!(!record.has_availability_in(sixty_days));
        let one_more_day = interval("2026-02-01T00:00:00Z", "2026-04-03T00:00:00Z");
        assert!(record.has_availability_in(one_more_day));
    }

    #[test]
    fn a_search_skips_removed_years_and_dates_without_ranges() {
        let blocked = UserRecord {
            schedule: Some(dense_schedule()),
            ..UserRecord::default()
        }
        .with_removed(interval("0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z"));
        let search =
            blocked.schedule_search(interval("0001-01-01T00:00:00Z", "9999-01-02T00:00:00Z"));
        assert!(search.found);
        assert!(search.dates_expanded <= 3, "{search:?}");
        let far_apart: Schedule = serde_json::from_value(json!({"timezone": "UTC",
            "overrides": [{"date": "0001-01-01", "ranges": []},
                          {"date": "9000-06-01", "ranges": [{"start": "10:00", "end": "11:00"}]}]}))
        .expect("valid schedule");
        let overrides_only = UserRecord {
            schedule: Some(far_apart),
            ..UserRecord::default()
        };
        let search = overrides_only.schedule_search(Interval::ALL);
        assert_eq!((search.found, search.dates_expanded), (true, 1));
    }

    #[test]
    fn records_serialize_for_stores_and_old_records_still_read() {
        let record = UserRecord {
            schedule: Some(utc_nine_to_five()),
            ..UserRecord::default()
        }
        .with_removed(interval("2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z"))
        .with_added(&set(&[("2026-03-07T10:00:00Z", "2026-03-07T11:00:00Z")]));
        let stored = serde_json::to_value(&record).expect("serializes");
        assert_eq!(stored["schedule"]["timezone"], "UTC");
        assert_eq!(
            stored["removed"],
            json!([[at("2026-03-02T12:00:00Z"), at("2026-03-02T13:00:00Z")]])
        );
        assert_eq!(
            serde_json::from_value::<UserRecord>(stored).ok(),
            Some(record)
        );
        let before_schedules: UserRecord =
            serde_json::from_value(json!({"slots": [[0, 10]]})).expect("reads");
        assert_eq!(
            (before_schedules.removed, before_schedules.schedule),
            (IntervalSet::new(), None)
        );
        let bad_schedule = json!({"slots": [], "schedule": {"timezone": "Nowhere"}});
        assert!(serde_json::from_value::<UserRecord>(bad_schedule).is_err());
    }
}
