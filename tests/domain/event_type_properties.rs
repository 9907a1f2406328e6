//! Event types' offers against brute force, around daylight-saving changes.
//!
//! One or two hosts, each with random slots, removed ranges and perhaps a weekly schedule in
//! New York or Berlin time, over a few days around one of 2026's changes of those zones; random
//! bookings already held (some of event types, with buffers and invitees), never overlapping
//! within one record as the store guarantees; a random event type and a random clock.
//!
//! (a) `Offer::slots(from, to)` lists exactly the instants, among every minute of the window
//!     and an hour either side, that `Offer::decide(start, None)` accepts: the slots list is that
//!     function applied to the grid, and no grid start is skipped or added.
//! (b) Booking one start after another, as `POST /public/{host}/{slug}/bookings` does (an offer
//!     read over the meeting and its buffers, `decide` with the invitee's email, then
//!     `make_booking`), agrees with the listing (a start inside the listed window is decided the
//!     same by both offers) and never leaves two bookings of one host overlapping, a new meeting
//!     inside another booking's buffer or a booking inside a new one's buffers, more than
//!     `max_per_day` bookings of the event type on one local date, or an email holding more than
//!     `MAX_UPCOMING_PER_INVITEE` upcoming bookings with a host.

use availability_api::domain::booking::{Booking, BookingPlan, Invited, Invitee, make_booking};
use availability_api::domain::event_type::{
    Assignment, EventType, MAX_UPCOMING_PER_INVITEE, Offer,
};
use availability_api::domain::schedule::Schedule;
use availability_api::domain::time::{DAY_MS, MINUTE_MS};
use availability_api::domain::timestamp::{Zone, parse_timestamp};
use availability_api::domain::{Interval, IntervalSet, Millis, UserRecord};
use chrono::{DateTime, Offset, TimeZone};
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

const HOSTS: [&str; 2] = ["ana", "bo"];
const SLUG: &str = "intro";
/// Emails of invitees, two of them one address in different case.
const EMAILS: [&str; 4] = [
    "ivy@example.com",
    "IVY@example.com",
    "joe@example.com",
    "kim@example.com",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// The zones a schedule is written in.
const DST_ZONES: [&str; 2] = ["America/New_York", "Europe/Berlin"];
/// The zones an event type's grid may follow: those two, one without changes and one with a
/// half-hour offset.
const GRID_ZONES: [&str; 4] = ["America/New_York", "Europe/Berlin", "UTC", "Asia/Kolkata"];
/// 2026's changes of offset in New York and Berlin: every case is drawn around one of them.
const ANCHORS: [&str; 4] = [
    "2026-03-08T07:00:00Z",
    "2026-03-29T01:00:00Z",
    "2026-10-25T01:00:00Z",
    "2026-11-01T06:00:00Z",
];

/// A weekly rule: a mask of days (bit 0 Monday), the start and the length in minutes.
type Rule = (u8, i64, i64);

#[derive(Clone, Debug)]
struct HostCase {
    /// Minutes from the anchor, and lengths in minutes.
    slots: Vec<(i64, i64)>,
    removed: Vec<(i64, i64)>,
    /// A zone of [`DST_ZONES`] and its weekly rules (ranges may run past midnight).
    schedule: Option<(usize, Vec<Rule>)>,
}

#[derive(Clone, Debug)]
struct HeldCase {
    /// Minutes from the anchor, and the length in minutes.
    start: i64,
    length: i64,
    /// Bit i: host i holds it.
    holders: u8,
    /// Of an event type: of this one or another, its buffers in minutes, the invitee's email.
    invited: Option<(bool, i64, i64, usize)>,
}

#[derive(Clone, Debug)]
struct TypeCase {
    duration: i64,
    step: Option<i64>,
    buffer_before: i64,
    buffer_after: i64,
    minimum_notice: i64,
    horizon: i64,
    max_per_day: Option<u32>,
    one: bool,
    zone: usize,
}

/// One attempt to book: a start listed at that moment (by index), or any minute of the
/// window; and the invitee's email.
#[derive(Clone, Debug)]
struct Attempt {
    listed: bool,
    index: usize,
    minute: i64,
    email: usize,
}

#[derive(Clone, Debug)]
struct Case {
    anchor: usize,
    hosts: Vec<HostCase>,
    held: Vec<HeldCase>,
    event_type: TypeCase,
    /// Minutes from the anchor plus milliseconds, and the window's length in minutes plus
    /// milliseconds.
    from: (i64, i64),
    length: (i64, i64),
    /// Minutes from `from`, plus milliseconds.
    now: (i64, i64),
    attempts: Vec<Attempt>,
}

fn ranges(most: usize, longest: i64) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((-3 * 1440..3 * 1440i64, 1..=longest), 0..=most)
}

fn host() -> impl Strategy<Value = HostCase> {
    let rule = (1..128u8, 0..1440i64, 30..1440i64);
    (
        ranges(5, 720),
        ranges(2, 240),
        prop::option::weighted(0.8, (0..2usize, prop::collection::vec(rule, 1..=3))),
    )
        .prop_map(|(slots, removed, schedule)| HostCase {
            slots,
            removed,
            schedule,
        })
}

fn held() -> impl Strategy<Value = HeldCase> {
    (
        -3 * 1440..3 * 1440i64,
        5..=180i64,
        1..4u8,
        prop::option::weighted(0.7, (any::<bool>(), 0..=60i64, 0..=60i64, 0..4usize)),
    )
        .prop_map(|(start, length, holders, invited)| HeldCase {
            start,
            length,
            holders,
            invited,
        })
}

fn event_type() -> impl Strategy<Value = TypeCase> {
    let step = prop_oneof![
        2 => Just(None),
        3 => (5..=90i64).prop_map(Some),
        1 => (61..=720i64).prop_map(Some),
    ];
    let buffer = prop_oneof![2 => Just(0i64), 3 => 0..=60i64];
    (
        prop_oneof![8 => 5..=120i64, 1 => 121..=720i64],
        step,
        buffer.clone(),
        buffer,
        prop_oneof![1 => Just(0i64), 1 => 0..=720i64],
        1440..=5 * 1440i64,
        prop::option::of(1..=3u32),
        any::<bool>(),
        0..GRID_ZONES.len(),
    )
        .prop_map(
            |(
                duration,
                step,
                buffer_before,
                buffer_after,
                minimum_notice,
                horizon,
                max_per_day,
                one,
                zone,
            )| TypeCase {
                duration,
                step,
                buffer_before,
                buffer_after,
                minimum_notice,
                horizon,
                max_per_day,
                one,
                zone,
            },
        )
}

fn attempt() -> impl Strategy<Value = Attempt> {
    (
        prop::bool::weighted(0.75),
        any::<usize>(),
        0..2880i64,
        0..4usize,
    )
        .prop_map(|(listed, index, minute, email)| Attempt {
            listed,
            index,
            minute,
            email,
        })
}

fn case() -> impl Strategy<Value = Case> {
    let millis = prop_oneof![2 => Just(0i64), 1 => 0..MINUTE_MS];
    (
        0..ANCHORS.len(),
        prop::collection::vec(host(), 1..=2),
        prop::collection::vec(held(), 0..12),
        event_type(),
        (-2 * 1440..1440i64, millis.clone()),
        (30..=2 * 1440i64, millis.clone()),
        (-1440..360i64, millis),
        prop::collection::vec(attempt(), 0..12),
    )
        .prop_map(
            |(anchor, hosts, held, event_type, from, length, now, attempts)| Case {
                anchor,
                hosts,
                held,
                event_type,
                from,
                length,
                now,
                attempts,
            },
        )
}

fn interval(start: Millis, end: Millis) -> Interval {
    Interval::new(start, end).expect("a non-empty test interval")
}

fn clock(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn schedule(zone: usize, rules: &[Rule]) -> Schedule {
    let weekly: Vec<_> = rules
        .iter()
        .map(|&(days, start, length)| {
            let days: Vec<&str> = (0..7)
                .filter(|day| days & (1 << day) != 0)
                .map(|day| DAYS[day])
                .collect();
            json!({"days": days, "start": clock(start), "end": clock((start + length) % 1440)})
        })
        .collect();
    serde_json::from_value(json!({"timezone": DST_ZONES[zone], "weekly": weekly}))
        .expect("a valid schedule")
}

fn record(anchor: Millis, host: &HostCase) -> UserRecord {
    let at = |minute: i64| anchor + minute * MINUTE_MS;
    let slots = IntervalSet::from_intervals(
        host.slots
            .iter()
            .map(|&(start, length)| interval(at(start), at(start + length)))
            .collect(),
    );
    let mut record = UserRecord {
        schedule: host
            .schedule
            .as_ref()
            .map(|(zone, rules)| schedule(*zone, rules)),
        ..UserRecord::default()
    }
    .with_added(&slots);
    for &(start, length) in &host.removed {
        record = record.with_removed(interval(at(start), at(start + length)));
    }
    record
}

fn the_event_type(case: &TypeCase, hosts: usize) -> EventType {
    EventType {
        slug: SLUG.to_owned(),
        title: "Intro".to_owned(),
        duration: case.duration * MINUTE_MS,
        step: case.step.unwrap_or(case.duration) * MINUTE_MS,
        buffer_before: case.buffer_before * MINUTE_MS,
        buffer_after: case.buffer_after * MINUTE_MS,
        minimum_notice: case.minimum_notice * MINUTE_MS,
        horizon: case.horizon * MINUTE_MS,
        max_per_day: case.max_per_day,
        timezone: GRID_ZONES[case.zone].to_owned(),
        hosts: HOSTS[..hosts]
            .iter()
            .map(|host| (*host).to_owned())
            .collect(),
        assignment: if case.one {
            Assignment::One
        } else {
            Assignment::All
        },
        location: None,
        description: None,
        active: true,
    }
}

fn invited(slug: &str, buffer_before: Millis, buffer_after: Millis, email: &str) -> Invited {
    Invited {
        owner: HOSTS[0].to_owned(),
        event_type: slug.to_owned(),
        buffer_before,
        buffer_after,
        invitee: Invitee {
            name: "Invitee".to_owned(),
            email: email.to_owned(),
            timezone: None,
        },
        note: None,
        sequence: 0,
        manage_hash: String::new(),
        cancellation: None,
    }
}

/// The bookings held before the clock starts, each added to every holder's record where it
/// overlaps none of that record's bookings (the store never keeps two that do).
fn hold(records: &mut [UserRecord], anchor: Millis, held: &[HeldCase]) {
    for (n, case) in held.iter().enumerate() {
        let holders: Vec<usize> = (0..records.len())
            .filter(|host| case.holders & (1 << host) != 0)
            .collect();
        let range = interval(
            anchor + case.start * MINUTE_MS,
            anchor + (case.start + case.length) * MINUTE_MS,
        );
        let free = |record: &UserRecord| {
            record
                .bookings
                .iter()
                .all(|booking| booking.range.intersection(&range).is_none())
        };
        if holders.is_empty() || !holders.iter().all(|&host| free(&records[host])) {
            continue;
        }
        let booking = Booking {
            id: format!("held{n}"),
            range,
            organizer: HOSTS[holders[0]].to_owned(),
            participants: holders.iter().map(|&h| HOSTS[h].to_owned()).collect(),
            title: None,
            created_at: 0,
            invited: case.invited.map(|(this_type, before, after, email)| {
                Box::new(invited(
                    if this_type { SLUG } else { "other" },
                    before * MINUTE_MS,
                    after * MINUTE_MS,
                    EMAILS[email],
                ))
            }),
        };
        for &host in &holders {
            records[host] = records[host].with_booking(&booking, 0);
        }
    }
}

/// The local date (days since 1970-01-01 there) of `instant` in `zone`, through chrono.
fn local_date(zone: Zone, instant: Millis) -> i64 {
    let utc = DateTime::from_timestamp_millis(instant).expect("in range");
    let offset = zone
        .offset_from_utc_datetime(&utc.naive_utc())
        .fix()
        .local_minus_utc();
    (instant + Millis::from(offset) * 1000).div_euclid(DAY_MS)
}

fn of_this_type(booking: &Booking) -> bool {
    booking
        .invited
        .as_ref()
        .is_some_and(|invited| invited.owner == HOSTS[0] && invited.event_type == SLUG)
}

/// What a booking of `event_type` must not break, checked on the records after `made` was
/// added to its holders.
fn check_after_booking(
    records: &[UserRecord],
    event_type: &EventType,
    made: &Booking,
    counted_before: &BTreeMap<(usize, String), usize>,
) -> Result<(), TestCaseError> {
    let widened = interval(
        made.range.start() - event_type.buffer_before,
        made.range.end() + event_type.buffer_after,
    );
    for (host, record) in records.iter().enumerate() {
        prop_assert!(
            record
                .bookings
                .windows(2)
                .all(|pair| pair[0].range.end() <= pair[1].range.start()),
            "{}'s bookings overlap: {:?}",
            HOSTS[host],
            record.bookings
        );
        if !made.participants.iter().any(|name| name == HOSTS[host]) {
            continue;
        }
        for other in record.bookings.iter().filter(|b| b.id != made.id) {
            prop_assert!(
                other.range.intersection(&widened).is_none(),
                "{}: {} lies in the new booking's buffers",
                HOSTS[host],
                other.id
            );
            if let Some(invited) = &other.invited {
                let around = interval(
                    other.range.start() - invited.buffer_before,
                    other.range.end() + invited.buffer_after,
                );
                prop_assert!(
                    around.intersection(&made.range).is_none(),
                    "{}: the new booking lies in {}'s buffers",
                    HOSTS[host],
                    other.id
                );
            }
        }
        let email = made
            .invited
            .as_ref()
            .map(|invited| invited.invitee.email.to_lowercase())
            .unwrap_or_default();
        let before = counted_before
            .get(&(host, email))
            .copied()
            .unwrap_or_default();
        prop_assert!(
            before < MAX_UPCOMING_PER_INVITEE,
            "{} already had {} upcoming bookings with {}",
            HOSTS[host],
            before,
            made.id
        );
    }
    if let Some(most) = event_type.max_per_day {
        let zone = Zone::named(&event_type.timezone).expect("a known zone");
        let day = local_date(zone, made.range.start());
        let that_day: BTreeSet<&str> = records
            .iter()
            .flat_map(|record| &record.bookings)
            .filter(|b| of_this_type(b) && local_date(zone, b.range.start()) == day)
            .map(|b| b.id.as_str())
            .collect();
        prop_assert!(
            that_day.len() <= most as usize,
            "{} bookings of the event type on local day {} (max_per_day {}): {:?}",
            that_day.len(),
            day,
            most,
            that_day
        );
    }
    Ok(())
}

/// Upcoming bookings at `now` by (host, lowercase invitee email).
fn upcoming_by_email(records: &[UserRecord], now: Millis) -> BTreeMap<(usize, String), usize> {
    let mut counted = BTreeMap::new();
    for (host, record) in records.iter().enumerate() {
        for booking in record.bookings.iter().filter(|b| b.range.end() > now) {
            if let Some(invited) = &booking.invited {
                *counted
                    .entry((host, invited.invitee.email.to_lowercase()))
                    .or_default() += 1;
            }
        }
    }
    counted
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn slots_are_the_decision_on_the_grid_and_bookings_keep_the_rules(case in case()) {
        let anchor = parse_timestamp(ANCHORS[case.anchor]).expect("a valid anchor");
        let mut records: Vec<UserRecord> =
            case.hosts.iter().map(|host| record(anchor, host)).collect();
        hold(&mut records, anchor, &case.held);
        let event_type = the_event_type(&case.event_type, records.len());
        let from = anchor + case.from.0 * MINUTE_MS + case.from.1;
        let to = from + case.length.0 * MINUTE_MS + case.length.1;
        let now = from + case.now.0 * MINUTE_MS + case.now.1;
        // What GET /public/{host}/{slug}/slots reads: the window widened by the buffers.
        let read = interval(from - event_type.buffer_before, to + event_type.buffer_after);

        // (a) The listing is the decision applied to every instant that could be on the grid:
        // grids are whole local minutes and every zone here is a whole number of minutes off
        // UTC, so every grid start is a whole UTC minute.
        {
            let refs: Vec<&UserRecord> = records.iter().collect();
            let offer = Offer::new(HOSTS[0], &event_type, &refs, read, now, None);
            let listed: Vec<Interval> = offer.slots(from, to).collect();
            let first = from.div_euclid(MINUTE_MS) - 60;
            let last = to.div_euclid(MINUTE_MS) + 60;
            let accepted: Vec<Interval> = (first..=last)
                .map(|minute| minute * MINUTE_MS)
                .filter(|&start| offer.decide(start, None).is_ok())
                .map(|start| interval(start, start + event_type.duration))
                .collect();
            prop_assert_eq!(listed, accepted);
        }

        // (b) Bookings one after another, each decided as the booking route decides it.
        for (n, attempt) in case.attempts.iter().enumerate() {
            let refs: Vec<&UserRecord> = records.iter().collect();
            let listing = Offer::new(HOSTS[0], &event_type, &refs, read, now, None);
            let listed: Vec<Interval> = listing.slots(from, to).collect();
            let start = if attempt.listed && !listed.is_empty() {
                listed[attempt.index % listed.len()].start()
            } else {
                from.div_euclid(MINUTE_MS) * MINUTE_MS
                    + attempt.minute % case.length.0.max(1) * MINUTE_MS
            };
            let Some(needed) = Offer::needs(&event_type, start) else {
                continue;
            };
            let booking_offer = Offer::new(HOSTS[0], &event_type, &refs, needed, now, None);
            if start >= from && start + event_type.duration <= to {
                prop_assert_eq!(
                    booking_offer.decide(start, None),
                    listing.decide(start, None),
                    "the booking route and the listing disagree at {}",
                    start
                );
            }
            let email = EMAILS[attempt.email];
            let Ok(chosen) = booking_offer.decide(start, Some(email)) else {
                continue;
            };
            prop_assert!(!chosen.is_empty());
            if event_type.assignment == Assignment::One {
                prop_assert_eq!(chosen.len(), 1);
            } else {
                prop_assert_eq!(chosen.len(), records.len());
            }
            let counted_before = upcoming_by_email(&records, now);
            let plan = BookingPlan {
                holders: chosen.iter().map(|&h| HOSTS[h].to_owned()).collect(),
                range: interval(start, start + event_type.duration),
                organizer: HOSTS[0].to_owned(),
                title: Some(event_type.title.clone()),
                idempotency: None,
                invited: Some(Box::new(invited(
                    SLUG,
                    event_type.buffer_before,
                    event_type.buffer_after,
                    email,
                ))),
            };
            let holder_records: Vec<Arc<UserRecord>> =
                chosen.iter().map(|&h| Arc::new(records[h].clone())).collect();
            let made = make_booking(&holder_records, &plan, now);
            prop_assert!(made.is_ok(), "attempt {}: decided, then refused: {:?}", n, made);
            let (changed, booking) = made.expect("checked");
            for (&host, record) in chosen.iter().zip(changed) {
                records[host] = record;
            }
            check_after_booking(&records, &event_type, &booking, &counted_before)?;
        }
    }
}
