//! Making a booking: every holder's record takes it at once, or nobody's does, and the order in
//! which the reasons not to are told.

use super::held::{Booking, Unbookable};
use super::id::booking_id;
use super::idempotency::{IdempotencyKey, keeping_key};
use super::invited::Invited;
use super::refusal::{NotBooked, Refusal};
use crate::domain::time::Millis;
use crate::domain::{Interval, UserRecord};
use std::sync::Arc;

/// A booking to make, whoever asked for it: a user booking others (see
/// [`BookingRequest::plan`](super::BookingRequest::plan)), or anyone booking the hosts of
/// something offered for booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingPlan {
    /// Everyone whose record takes a copy, in the order of the records given to
    /// [`make_booking`]; the booking lists them as its participants. The first one's record
    /// keeps the idempotency key, and the version it reaches names the booking (see
    /// [`booking_id`]).
    pub holders: Vec<String>,
    pub range: Interval,
    /// Who the booking names as its organizer: every other holder must allow them to book
    /// them ([`BookableBy`](super::BookableBy)).
    pub organizer: String,
    pub title: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
    /// The invitee's side, for a booking of an event type.
    pub invited: Option<Box<Invited>>,
}

/// The booking `plan` asks for, made at `now`: the holders' `records` (one per holder, in the
/// plan's order) with it added, and the booking; or why nothing was booked.
///
/// The order of refusals, each one coming before those after it:
/// 1. The idempotency key, when the plan has one, against the first holder's record: a key
///    used within [`IDEMPOTENCY_WINDOW`](super::IDEMPOTENCY_WINDOW) for the same request is a
///    [`NotBooked::Replay`] of its booking, whatever became of the time since; for another
///    request, [`Refusal::IdempotencyKeyReused`]; a new key when the keeper has
///    [`MAX_IDEMPOTENCY_KEYS`](super::MAX_IDEMPOTENCY_KEYS) in use,
///    [`Refusal::TooManyIdempotencyKeys`].
/// 2. Each holder's own reason, the first of not allowing the organizer, being busy, and
///    holding too many bookings ([`UserRecord::can_take`]). Of these, the refusal is of the
///    first kind anyone has in the order [`Refusal::NotAllowed`], then
///    [`Refusal::TooManyBookings`], then [`Refusal::Busy`], and names every holder with that
///    reason, in the plan's order.
pub fn make_booking(
    records: &[Arc<UserRecord>],
    plan: &BookingPlan,
    now: Millis,
) -> Result<(Vec<UserRecord>, Booking), NotBooked> {
    let (Some(keeper), Some(keeper_id)) = (records.first(), plan.holders.first()) else {
        return Err(Refusal::NoRecords.into());
    };
    if let Some(key) = &plan.idempotency {
        key.check(keeper, now)?;
    }
    // The keeper's record reaches this version with the booking.
    let version = keeper.version + 1;
    let id = (0..)
        .map(|salt| booking_id(keeper_id, version, plan.range, salt))
        .find(|id| records.iter().all(|record| record.booking(id).is_none()))
        .unwrap_or_default();
    let booking = Booking {
        id,
        range: plan.range,
        organizer: plan.organizer.clone(),
        participants: plan.holders.clone(),
        title: plan.title.clone(),
        created_at: now,
        invited: plan.invited.clone(),
    };
    refuse_unbookable(records, &plan.holders, &booking, now)?;
    let mut next: Vec<UserRecord> = records
        .iter()
        .map(|record| record.with_booking(&booking, now))
        .collect();
    if let Some(keeper) = next.first_mut() {
        *keeper = keeping_key(keeper, plan.idempotency.as_ref(), &booking, now);
    }
    Ok((next, booking))
}

/// The refusal of step 2 of [`make_booking`], if any holder cannot take `booking`.
fn refuse_unbookable(
    records: &[Arc<UserRecord>],
    holders: &[String],
    booking: &Booking,
    now: Millis,
) -> Result<(), Refusal> {
    let reasons: Vec<(Unbookable, &String)> = records
        .iter()
        .zip(holders)
        .filter_map(|(record, user)| {
            record
                .can_take(user, booking, now)
                .err()
                .map(|why| (why, user))
        })
        .collect();
    let rank = |why: &Unbookable| match why {
        Unbookable::NotAllowed => 0,
        Unbookable::TooManyBookings => 1,
        Unbookable::Busy => 2,
    };
    let Some(first) = reasons
        .iter()
        .map(|(why, _)| why)
        .min_by_key(|why| rank(why))
    else {
        return Ok(());
    };
    let users: Vec<String> = reasons
        .iter()
        .filter(|(why, _)| why == first)
        .map(|(_, user)| (*user).clone())
        .collect();
    Err(match first {
        Unbookable::NotAllowed => Refusal::NotAllowed(users),
        Unbookable::TooManyBookings => Refusal::TooManyBookings(users),
        Unbookable::Busy => Refusal::Busy(users),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{booking, free_monday};
    use super::super::{BookableBy, MAX_BOOKINGS_PER_USER};
    use super::*;
    use crate::domain::test_support::{at, interval};
    use crate::domain::time::DAY_MS;

    const NOW: &str = "2026-03-01T00:00:00Z";

    fn plan(holders: &[&str], key: Option<(&str, u64)>) -> BookingPlan {
        BookingPlan {
            holders: holders.iter().map(|user| (*user).to_owned()).collect(),
            range: interval("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z"),
            organizer: holders[0].to_owned(),
            title: Some("planning".to_owned()),
            idempotency: key.map(|(key, request_hash)| IdempotencyKey {
                key: key.to_owned(),
                request_hash,
            }),
            invited: None,
        }
    }

    fn shared(records: Vec<UserRecord>) -> Vec<Arc<UserRecord>> {
        records.into_iter().map(Arc::new).collect()
    }

    fn allowing_only(user: &str) -> UserRecord {
        UserRecord {
            bookable_by: BookableBy::Only(vec![user.to_owned()]),
            ..free_monday()
        }
    }

    /// Free on the Monday, with as many upcoming bookings elsewhere as a user may hold.
    fn full() -> UserRecord {
        (0..MAX_BOOKINGS_PER_USER as i64).fold(free_monday(), |record, day| {
            let mut held = booking(
                "x",
                "2026-04-01T10:00:00Z",
                "2026-04-01T11:00:00Z",
                &["zed"],
            );
            held.id = format!("held{day}");
            held.range = Interval::new(
                held.range.start() + day * DAY_MS,
                held.range.end() + day * DAY_MS,
            )
            .expect("valid");
            record.with_booking(&held, 0)
        })
    }

    fn refusal(records: Vec<UserRecord>, holders: &[&str]) -> Option<Refusal> {
        match make_booking(&shared(records), &plan(holders, None), at(NOW)) {
            Err(NotBooked::Refused(refusal)) => Some(refusal),
            _ => None,
        }
    }

    #[test]
    fn every_holder_takes_the_booking_and_the_first_keeps_the_key() {
        let records = shared(vec![free_monday(), free_monday()]);
        let plan = plan(&["ana", "bo"], Some(("k", 7)));
        let (next, made) = make_booking(&records, &plan, at(NOW)).expect("both are free");
        assert_eq!(made.id, booking_id("ana", 1, plan.range, 0));
        assert_eq!(made.participants, ["ana", "bo"]);
        assert_eq!((made.organizer.as_str(), made.created_at), ("ana", at(NOW)));
        assert_eq!(made.title.as_deref(), Some("planning"));
        for record in &next {
            assert_eq!(record.bookings, std::slice::from_ref(&made));
        }
        assert_eq!(next[0].idempotency.len(), 1);
        assert_eq!(next[0].idempotency[0].booking, made);
        assert!(next[1].idempotency.is_empty(), "only the keeper keeps keys");
    }

    #[test]
    fn an_id_a_holder_already_holds_is_salted() {
        let range = plan(&["ana"], None).range;
        let mut taken = booking("", "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z", &["bo"]);
        taken.id = booking_id("ana", 1, range, 0);
        let bo = free_monday().with_booking(&taken, 0);
        let (_, made) = make_booking(
            &shared(vec![free_monday(), bo]),
            &plan(&["ana", "bo"], None),
            at(NOW),
        )
        .expect("free");
        assert_eq!(made.id, booking_id("ana", 1, range, 1));
    }

    #[test]
    fn not_allowed_comes_before_too_many_bookings_before_busy() {
        let busy = UserRecord::default();
        let not_allowed_and_busy = UserRecord {
            bookable_by: BookableBy::Only(vec![]),
            ..UserRecord::default()
        };
        let holders = ["ana", "bo", "cy", "di", "eve"];
        assert_eq!(
            refusal(
                vec![
                    free_monday(),
                    not_allowed_and_busy,
                    full(),
                    busy.clone(),
                    allowing_only("cy")
                ],
                &holders
            ),
            Some(Refusal::NotAllowed(vec!["bo".into(), "eve".into()])),
            "everyone not allowing the organizer, in the plan's order, however else they fail"
        );
        assert_eq!(
            refusal(
                vec![free_monday(), busy.clone(), full(), busy.clone(), full()],
                &holders
            ),
            Some(Refusal::TooManyBookings(vec!["cy".into(), "eve".into()]))
        );
        assert_eq!(
            refusal(
                vec![
                    busy.clone(),
                    free_monday(),
                    free_monday(),
                    busy,
                    allowing_only("ana")
                ],
                &holders
            ),
            Some(Refusal::Busy(vec!["ana".into(), "di".into()])),
            "the organizer too"
        );
        assert_eq!(
            refusal(vec![free_monday(), allowing_only("ana")], &["ana", "bo"]),
            None
        );
    }

    #[test]
    fn a_retry_replays_its_booking_though_the_time_is_taken_since() {
        let plan = plan(&["ana", "bo"], Some(("k", 7)));
        let records = shared(vec![free_monday(), free_monday()]);
        let (next, made) = make_booking(&records, &plan, at(NOW)).expect("free");
        let mut taken = shared(next);
        // bo no longer allows ana either: the key is answered before anyone's time or consent.
        taken[1] = Arc::new(UserRecord {
            bookable_by: BookableBy::Only(vec![]),
            ..(*taken[1]).clone()
        });
        assert_eq!(
            make_booking(&taken, &plan, at(NOW) + 1),
            Err(NotBooked::Replay(Box::new(made)))
        );
        let other_request = BookingPlan {
            idempotency: Some(IdempotencyKey {
                key: "k".to_owned(),
                request_hash: 8,
            }),
            ..plan.clone()
        };
        assert_eq!(
            make_booking(&taken, &other_request, at(NOW) + 1),
            Err(NotBooked::Refused(Refusal::IdempotencyKeyReused))
        );
        let without_key = BookingPlan {
            idempotency: None,
            ..plan
        };
        assert_eq!(
            make_booking(&taken, &without_key, at(NOW) + 1),
            Err(NotBooked::Refused(Refusal::NotAllowed(vec!["bo".into()])))
        );
    }

    #[test]
    fn no_records_is_a_refusal_not_a_panic() {
        assert_eq!(
            make_booking(&[], &plan(&["ana"], None), at(NOW)),
            Err(NotBooked::Refused(Refusal::NoRecords))
        );
    }
}
