//! The public slots of an event type in the common case (issue 22: "tens of microseconds"): one
//! host with a weekly schedule in America/New_York (Mon–Fri 09:00–17:00) and 20 bookings, an
//! event type of PT30M, a 7-day window; `Offer::new` and collecting `Offer::slots`, as
//! `GET /public/{user_id}/{slug}/slots` runs them once the record is read. Beside it, for the same
//! host and window, what `/overlap`'s engine does for one participant with `duration=PT30M`:
//! `record.availability_within(window)`, then `domain::overlap::bookable_slots`. Both answer
//! the same slots here (checked before measuring), so the two figures compare in one run.

use availability_api::domain::booking::{Booking, Invited, Invitee};
use availability_api::domain::event_type::{Assignment, EventType, Offer};
use availability_api::domain::overlap::{OverlapQuery, SlotQuery, bookable_slots};
use availability_api::domain::schedule::Schedule;
use availability_api::domain::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use availability_api::domain::timestamp::{Zone, parse_timestamp};
use availability_api::domain::{Interval, Millis, UserRecord};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

const HOST: &str = "host";

fn at(text: &str) -> Millis {
    parse_timestamp(text).expect("a valid timestamp")
}

fn event_type() -> EventType {
    EventType {
        slug: "intro".to_owned(),
        title: "Intro".to_owned(),
        duration: 30 * MINUTE_MS,
        step: 30 * MINUTE_MS,
        buffer_before: 0,
        buffer_after: 0,
        minimum_notice: 0,
        horizon: 60 * DAY_MS,
        max_per_day: None,
        timezone: "America/New_York".to_owned(),
        hosts: vec![HOST.to_owned()],
        assignment: Assignment::All,
        location: None,
        description: None,
        active: true,
    }
}

/// Mon–Fri 09:00–17:00 New York time, and 20 bookings in the week from `monday` (local
/// midnight): four a weekday, half of them invitees' bookings of the event type.
fn host(monday: Millis) -> UserRecord {
    let schedule: Schedule = serde_json::from_value(json!({"timezone": "America/New_York",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]}))
    .expect("a valid schedule");
    let mut record = UserRecord {
        schedule: Some(schedule),
        ..UserRecord::default()
    };
    for day in 0..5 {
        for (n, (hour, minutes)) in [(9, 30), (11, 60), (13, 30), (15, 90)].iter().enumerate() {
            let start = monday + day * DAY_MS + hour * HOUR_MS + (n as i64 % 2) * 30 * MINUTE_MS;
            let invited = (n % 2 == 0).then(|| {
                Box::new(Invited {
                    owner: HOST.to_owned(),
                    event_type: "intro".to_owned(),
                    buffer_before: 0,
                    buffer_after: 0,
                    invitee: Invitee {
                        name: "Invitee".to_owned(),
                        email: format!("invitee{day}{n}@example.com"),
                        timezone: None,
                    },
                    note: None,
                    sequence: 0,
                    manage_hash: String::new(),
                    cancellation: None,
                })
            });
            let booking = Booking {
                id: format!("b{day}{n}"),
                range: Interval::new(start, start + minutes * MINUTE_MS).expect("valid"),
                organizer: HOST.to_owned(),
                participants: vec![HOST.to_owned()],
                title: None,
                created_at: 0,
                invited,
            };
            record = record.with_booking(&booking, 0);
        }
    }
    record
}

/// What the public slots route computes once the host's record is read.
fn event_slots(
    record: &UserRecord,
    event_type: &EventType,
    window: Interval,
    now: Millis,
) -> Vec<Interval> {
    let offer = Offer::new(HOST, event_type, &[record], window, now, None);
    offer.slots(window.start(), window.end()).collect()
}

/// What `/overlap?duration=PT30M&tz=America/New_York` computes for one participant.
fn overlap_slots(record: &UserRecord, window: Interval, zone: Zone) -> Vec<Interval> {
    let free = record.availability_within(window);
    let query = OverlapQuery {
        from: Some(window.start()),
        to: Some(window.end()),
        ..OverlapQuery::default()
    };
    bookable_slots(&[&free], &query, &SlotQuery::new(30 * MINUTE_MS), zone)
        .expect("a valid query")
        .map(|slot| slot.meeting)
        .collect()
}

fn common_case(c: &mut Criterion) {
    // Monday 2026-04-06, 00:00 New York time (EDT), and the 7 days after.
    let monday = at("2026-04-06T04:00:00Z");
    let window = Interval::new(monday, monday + 7 * DAY_MS).expect("a valid window");
    let now = monday - HOUR_MS;
    let record = host(monday);
    let event_type = event_type();
    let zone = Zone::named("America/New_York").expect("a known zone");
    assert_eq!(record.bookings.len(), 20);
    let offered = event_slots(&record, &event_type, window, now);
    assert_eq!(
        offered,
        overlap_slots(&record, window, zone),
        "both answer the same slots"
    );
    assert_eq!(offered.len(), 5 * 16 - 35, "80 half hours less 35 booked");

    let mut group = c.benchmark_group("event_slots/1_host_20_bookings_7_days");
    group.bench_function("offer", |b| {
        b.iter(|| {
            event_slots(
                black_box(&record),
                black_box(&event_type),
                black_box(window),
                now,
            )
            .len()
        })
    });
    group.bench_function("overlap_engine", |b| {
        b.iter(|| overlap_slots(black_box(&record), black_box(window), zone).len())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = common_case
}
criterion_main!(benches);
