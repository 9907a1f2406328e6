//! The samples in events/, in the order they are replayed, with the status and body each must
//! get: one table for the handler tests (`tests/api/events.rs`) and the deployed harness
//! (`tests/e2e/deployed/events_replay.rs`), which include this file with `#[path]`.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

fn intervals(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(s, e)| slot(s, e)).collect())
}

fn weekdays_from_sep_27() -> Vec<(String, String)> {
    // 2024-09-27 (Fri) 09:00-12:00, repeated on each weekday of the 30 days from then.
    let days = [
        "09-27", "09-30", "10-01", "10-02", "10-03", "10-04", "10-07", "10-08", "10-09", "10-10",
        "10-11", "10-14", "10-15", "10-16", "10-17", "10-18", "10-21", "10-22", "10-23", "10-24",
        "10-25",
    ];
    days.iter()
        .map(|d| (format!("2024-{d}T09:00:00Z"), format!("2024-{d}T12:00:00Z")))
        .collect()
}

fn full_availability_of_user123() -> Value {
    let mut all = weekdays_from_sep_27();
    all.push(("2024-09-30T13:00:00Z".into(), "2024-09-30T15:00:00Z".into()));
    all.push(("2024-10-01T16:00:00Z".into(), "2024-10-01T18:00:00Z".into()));
    all.sort();
    let pairs: Vec<(&str, &str)> = all.iter().map(|(s, e)| (s.as_str(), e.as_str())).collect();
    intervals(&pairs)
}

fn overlap_with_user456() -> Value {
    json!({"overlap": intervals(&[
        ("2024-09-30T10:00:00Z", "2024-09-30T12:00:00Z"),
        ("2024-09-30T13:00:00Z", "2024-09-30T14:00:00Z"),
        ("2024-10-01T09:00:00Z", "2024-10-01T12:00:00Z"),
        ("2024-10-01T16:00:00Z", "2024-10-01T17:00:00Z"),
    ])})
}

/// user123, user456 and user789, at least two of them free, 2024-09-30 and 2024-10-01.
fn two_of_three_free() -> Value {
    fn found(start: &str, end: &str, users: &[&str]) -> Value {
        let at = |time: &str| format!("2024-{time}:00Z");
        json!({"start_time": at(start), "end_time": at(end), "users": users})
    }
    let (all, a, b, c) = (
        &["user123", "user456", "user789"][..],
        &["user123", "user456"][..],
        &["user456", "user789"][..],
        &["user123", "user789"][..],
    );
    json!({"overlap": [
        found("09-30T10:00", "09-30T11:00", a),
        found("09-30T11:00", "09-30T12:00", all),
        found("09-30T12:00", "09-30T13:00", b),
        found("09-30T13:00", "09-30T14:00", all),
        found("09-30T14:00", "09-30T15:00", c),
        found("10-01T09:00", "10-01T10:00", a),
        found("10-01T10:00", "10-01T12:00", all),
        found("10-01T16:00", "10-01T17:00", a),
    ]})
}

/// One-hour meetings of user123 and user456 starting on the hour in India (UTC+05:30), shown
/// in that zone, two per page: the third is on the page `next` asks for.
fn hour_slots_on_the_kolkata_grid() -> Value {
    json!({
        "slots": intervals(&[
            ("2024-09-30T16:00:00+05:30", "2024-09-30T17:00:00+05:30"),
            ("2024-10-01T15:00:00+05:30", "2024-10-01T16:00:00+05:30"),
        ]),
        "next": "AQAAAZJHakXA0-we3aNTg68",
    })
}

fn new_york_schedule_of_user789() -> Value {
    json!({
        "timezone": "America/New_York",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}],
        "overrides": [{"date": "2026-03-10", "ranges": [{"start": "10:00", "end": "14:00"}]}],
        "valid_from": "2026-01-01",
        "valid_until": null
    })
}

/// New York springs forward on Sunday 2026-03-08: Friday's hours are at -05:00, Monday's at
/// -04:00, and Tuesday has its override's hours.
fn user789_across_the_spring_change() -> Value {
    json!({
        "user_id": "user789",
        "availability": intervals(&[
            ("2026-03-06T09:00:00-05:00", "2026-03-06T17:00:00-05:00"),
            ("2026-03-09T09:00:00-04:00", "2026-03-09T17:00:00-04:00"),
            ("2026-03-10T10:00:00-04:00", "2026-03-10T14:00:00-04:00"),
        ]),
        "window": {"from": "2026-03-05T19:00:00-05:00", "to": "2026-03-10T20:00:00-04:00"}
    })
}

/// The id `book-meeting` gets: booking ids are a hash of the organizer, the version the booking
/// takes their record to, and the range, so a replay from an empty store always makes this one.
pub(crate) const SAMPLE_BOOKING_ID: &str = "5eeaf6662c906c0a";

/// What `created_at` shows in expected bodies: the time of the replay, which no table can know.
const ANY_TIME: &str = "(the time of the request)";

/// What `instance` shows in expected bodies: the request's id, which a deployed run makes anew.
const ANY_REQUEST: &str = "(the request's id)";
/// Stands for a webhook's signing secret (`whsec_…`), new at each creation.
const ANY_SECRET: &str = "(a new secret)";

/// `body` with every `created_at` member replaced by [`ANY_TIME`] and every `instance` by
/// [`ANY_REQUEST`], to compare with the table.
pub(crate) fn comparable(body: &Value) -> Value {
    match body {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, value)| match name.as_str() {
                    "created_at" if value.is_string() => (name.clone(), json!(ANY_TIME)),
                    "instance" if value.is_string() => (name.clone(), json!(ANY_REQUEST)),
                    "secret" if value.as_str().is_some_and(|s| s.starts_with("whsec_")) => {
                        (name.clone(), json!(ANY_SECRET))
                    }
                    _ => (name.clone(), comparable(value)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(comparable).collect()),
        other => other.clone(),
    }
}

/// user123's booking of 2024-09-30 11:00-12:00 with user456 and user789.
fn the_planning_meeting() -> Value {
    json!({
        "id": SAMPLE_BOOKING_ID,
        "start_time": "2024-09-30T11:00:00Z",
        "end_time": "2024-09-30T12:00:00Z",
        "organizer": "user123",
        "participants": ["user123", "user456", "user789"],
        "title": "Planning",
        "created_at": ANY_TIME,
    })
}

/// `two_of_three_free` once the three of them booked 2024-09-30 11:00-12:00: that hour is gone.
fn two_of_three_free_after_the_booking() -> Value {
    let mut free = two_of_three_free();
    if let Some(found) = free["overlap"].as_array_mut() {
        found.retain(|interval| interval["start_time"] != "2024-09-30T11:00:00Z");
    }
    free
}

/// Every sample's name (its file in events/ without `.json`), status and body, in replay
/// order; the store starts empty.
pub(crate) fn replay_steps() -> Vec<(&'static str, u16, Value)> {
    let ok = |message: &str| json!({"message": message});
    let set = ok("Availability set successfully");
    let user123 = json!({"user_id": "user123", "availability": full_availability_of_user123()});
    let window_before_delete = json!({"user_id": "user123", "availability": intervals(&[
        ("2024-09-30T09:00:00Z", "2024-09-30T12:00:00Z"),
        ("2024-09-30T13:00:00Z", "2024-09-30T15:00:00Z"),
        ("2024-10-01T09:00:00Z", "2024-10-01T12:00:00Z"),
        ("2024-10-01T16:00:00Z", "2024-10-01T18:00:00Z"),
    ])});
    let window_after_delete = json!({"user_id": "user123", "availability": intervals(&[
        ("2024-09-30T10:00:00Z", "2024-09-30T12:00:00Z"),
        ("2024-09-30T13:00:00Z", "2024-09-30T15:00:00Z"),
        ("2024-10-01T09:00:00Z", "2024-10-01T12:00:00Z"),
    ])});
    vec![
        ("ping", 200, ok("Server Running")),
        ("set-availability", 200, set.clone()),
        ("set-availability-weekdays", 200, set.clone()),
        ("set-availability-user456", 200, set.clone()),
        ("set-availability-user789", 200, set),
        ("get-availability", 200, user123.clone()),
        ("get-availability-window", 200, window_before_delete),
        ("overlap-path", 200, overlap_with_user456()),
        ("overlap-query", 200, overlap_with_user456()),
        ("overlap-body", 200, overlap_with_user456()),
        ("http-api-named-stage", 200, overlap_with_user456()),
        ("function-url", 200, overlap_with_user456()),
        ("overlap-quorum", 200, two_of_three_free()),
        (
            "set-sharing",
            200,
            json!({"bookable_by": ["user123", "user456"]}),
        ),
        ("book-meeting", 201, the_planning_meeting()),
        // A retry with the same Idempotency-Key: the first answer, nothing more booked.
        ("book-meeting", 201, the_planning_meeting()),
        (
            "list-bookings",
            200,
            json!({"bookings": [the_planning_meeting()]}),
        ),
        ("read-booking", 200, the_planning_meeting()),
        ("overlap-quorum", 200, two_of_three_free_after_the_booking()),
        (
            "cancel-booking",
            200,
            ok("Booking cancelled for every participant"),
        ),
        (
            "read-booking",
            404,
            json!({"error": format!("You take part in no booking `{SAMPLE_BOOKING_ID}`.")}),
        ),
        ("overlap-quorum", 200, two_of_three_free()),
        ("overlap-slots", 200, hour_slots_on_the_kolkata_grid()),
        ("http-api-jwt-authorizer", 200, user123),
        (
            "rest-api-stage",
            200,
            json!({"user_id": "user123", "availability": intervals(&[
                ("2024-09-30T09:00:00Z", "2024-09-30T12:00:00Z"),
                ("2024-09-30T13:00:00Z", "2024-09-30T15:00:00Z"),
            ])}),
        ),
        ("alb", 200, ok("Server Running")),
        (
            "delete-availability",
            200,
            ok("Availability slot deleted successfully"),
        ),
        (
            "delete-availability-query",
            200,
            ok("Availability slot deleted successfully"),
        ),
        ("get-availability-window", 200, window_after_delete),
        (
            "delete-availability",
            404,
            json!({"error": "Slot not found in availability."}),
        ),
        ("set-schedule", 200, new_york_schedule_of_user789()),
        (
            "get-availability-tz",
            200,
            user789_across_the_spring_change(),
        ),
        ("put-event-type", 200, intro_call()),
        (
            "list-event-types",
            200,
            json!({"event_types": [intro_call()]}),
        ),
        (
            "public-event-type",
            200,
            json!({"host": "user123", "slug": "intro-call", "title": "Intro call",
                   "duration": "PT30M", "timezone": "UTC", "location": "Video call"}),
        ),
        // Those days are past: no slot is ever offered before now.
        (
            "public-slots",
            200,
            json!({"slots": [], "window": {"from": "2024-09-30T00:00:00Z", "to": "2024-10-02T00:00:00Z"}}),
        ),
        ("get-event-type", 200, intro_call()),
        (
            "public-book",
            409,
            json!({
                "type": "urn:availability-api:problem:conflict",
                "title": "Conflict",
                "status": 409,
                "detail": "This time is too soon to book; pick a later one.",
                "error": "This time is too soon to book; pick a later one.",
                "reason": "too_soon",
                "instance": ANY_REQUEST,
            }),
        ),
        (
            "manage-booking",
            404,
            json!({"error": "There is no booking with this link."}),
        ),
        (
            "calendar-feed",
            404,
            json!({"error": "There is no calendar feed at this address."}),
        ),
        ("list-calendars", 200, json!({"calendars": []})),
        (
            "manage-slots",
            404,
            json!({"error": "There is no booking with this link."}),
        ),
        (
            "delete-event-type",
            200,
            ok("Event type deleted successfully"),
        ),
        (
            "public-event-type",
            404,
            json!({"error": "There is no event type `intro-call`."}),
        ),
        ("put-webhook", 200, {
            let mut created = crm_webhook();
            created["secret"] = json!(ANY_SECRET);
            created
        }),
        ("list-webhooks", 200, json!({"webhooks": [crm_webhook()]})),
        ("delete-webhook", 200, ok("Webhook deleted successfully")),
    ]
}

/// user123's webhook as `put-webhook.json` stores it (without its secret).
fn crm_webhook() -> Value {
    json!({
        "id": "crm", "url": "https://hooks.example.com/bookings",
        "events": ["booking.created", "booking.cancelled", "booking.rescheduled"],
        "created_at": ANY_TIME, "disabled": null
    })
}

/// user123's event type as `put-event-type.json` stores it, defaults filled in.
fn intro_call() -> Value {
    json!({
        "slug": "intro-call", "title": "Intro call", "duration": "PT30M", "step": "PT30M",
        "buffer_before": "PT0M", "buffer_after": "PT0M", "minimum_notice": "PT0M",
        "horizon": "P60D", "timezone": "UTC", "hosts": ["user123"], "assignment": "all",
        "location": "Video call", "active": true
    })
}

/// Asserts that `steps` name every file in events/ and only those.
pub(crate) fn assert_every_sample_is_replayed(root: &Path, steps: &[(&str, u16, Value)]) {
    let on_disk: BTreeSet<String> = std::fs::read_dir(root.join("events"))
        .expect("events/ exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    let replayed: BTreeSet<String> = steps.iter().map(|(name, ..)| name.to_string()).collect();
    assert_eq!(
        on_disk, replayed,
        "every file in events/ is replayed, and only those"
    );
}
