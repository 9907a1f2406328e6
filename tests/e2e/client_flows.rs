//! The client flows the end-to-end tests drive through each door (`cargo lambda watch`, the
//! deployed harness): the original app's own client flow, and a weekly schedule across a DST
//! change. A door is a `send(user, method, target, body) -> (status, JSON body)`; `user` is who
//! the request acts for (a door in dev mode may leave it to the body and the default user, as
//! the original app's client does).

use serde_json::{Value, json};

pub(crate) type Send<'a> = dyn FnMut(&str, &str, &str, Option<Value>) -> (u16, Value) + 'a;

/// The original app's client: two users set availability, one reads it back, asks for the
/// overlap (with the other user in the path and in a GET body, as that client sends), deletes a
/// slot and deletes it again.
pub(crate) fn original_client_flow(send: &mut Send<'_>) {
    let set_user123 = json!({"user_id": "user123", "availability": [
        {"start_time": "2024-09-27T09:00:00+00:00", "end_time": "2024-09-27T11:00:00+00:00", "period": "weekdays"},
        {"start_time": "2024-09-28T14:00:00+00:00", "end_time": "2024-09-28T16:00:00+00:00"},
        {"start_time": "2024-09-30T15:00:00+00:00", "end_time": "2024-09-30T17:00:00+00:00"},
    ]});
    let set_user456 = json!({"user_id": "user456", "availability": [
        {"start_time": "2024-09-28T15:00:00+00:00", "end_time": "2024-09-28T18:00:00+00:00"},
        {"start_time": "2024-09-30T10:00:00+00:00", "end_time": "2024-09-30T16:00:00+00:00"},
    ]});
    let ok = json!({"message": "Availability set successfully"});
    assert_eq!(
        send("user123", "POST", "/availability", Some(set_user123)),
        (200, ok.clone())
    );
    assert_eq!(
        send("user456", "POST", "/availability", Some(set_user456)),
        (200, ok)
    );

    let (status, mine) = send("user123", "GET", "/availability", None);
    assert_eq!(status, 200);
    assert_eq!(mine["user_id"], "user123");
    let slots = mine["availability"].as_array().expect("a list");
    assert_eq!(slots.len(), 23, "21 weekdays and two one-off slots: {mine}");
    assert_eq!(
        slots[1],
        json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    );

    let (status, overlap) = send(
        "user123",
        "GET",
        "/overlap/user456",
        Some(json!({"user_id_2": "user456"})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        overlap,
        json!({"overlap": [
            {"start_time": "2024-09-28T15:00:00Z", "end_time": "2024-09-28T16:00:00Z"},
            {"start_time": "2024-09-30T10:00:00Z", "end_time": "2024-09-30T11:00:00Z"},
            {"start_time": "2024-09-30T15:00:00Z", "end_time": "2024-09-30T16:00:00Z"},
        ]})
    );

    let gone =
        json!({"start_time": "2024-09-28T14:00:00+00:00", "end_time": "2024-09-28T16:00:00+00:00"});
    assert_eq!(
        send("user123", "DELETE", "/availability", Some(gone.clone())),
        (
            200,
            json!({"message": "Availability slot deleted successfully"})
        )
    );
    let (_, after) = send("user123", "GET", "/availability", None);
    let after = after["availability"].as_array().expect("a list").clone();
    assert_eq!(after.len(), 22);
    assert!(!after.contains(
        &json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    ));
    let (status, again) = send("user123", "DELETE", "/availability", Some(gone));
    assert_eq!(
        (status, again["error"].as_str()),
        (404, Some("Slot not found in availability."))
    );
}

/// New York falls back from 02:00 EDT to 01:00 EST on Sunday 2026-11-01: a weekly schedule
/// read across it in UTC and in the zone.
pub(crate) fn schedule_across_a_dst_change(send: &mut Send<'_>) {
    let schedule = json!({
        "timezone": "America/New_York",
        "weekly": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
            {"days": ["sun"], "start": "00:00", "end": "12:00"}
        ]
    });
    let (status, stored) = send("user123", "PUT", "/availability/schedule", Some(schedule));
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["valid_until"], Value::Null);
    assert_eq!(
        send("user123", "GET", "/availability/schedule", None),
        (200, stored)
    );

    // New York falls back from 02:00 EDT to 01:00 EST on Sunday 2026-11-01.
    let window = "from=2026-10-30T00:00:00Z&to=2026-11-03T00:00:00Z";
    let (status, utc) = send("user123", "GET", &format!("/availability?{window}"), None);
    assert_eq!(status, 200, "{utc}");
    assert_eq!(
        utc,
        json!({
            "user_id": "user123",
            "availability": [
                {"start_time": "2026-10-30T13:00:00Z", "end_time": "2026-10-30T21:00:00Z"},
                {"start_time": "2026-11-01T04:00:00Z", "end_time": "2026-11-01T17:00:00Z"},
                {"start_time": "2026-11-02T14:00:00Z", "end_time": "2026-11-02T22:00:00Z"}
            ],
            "window": {"from": "2026-10-30T00:00:00Z", "to": "2026-11-03T00:00:00Z"}
        })
    );
    let (_, local) = send(
        "user123",
        "GET",
        &format!("/availability?{window}&tz=America/New_York"),
        None,
    );
    assert_eq!(
        local["availability"][1],
        json!({"start_time": "2026-11-01T00:00:00-04:00", "end_time": "2026-11-01T12:00:00-05:00"}),
        "Sunday 00:00-12:00 lasts 13 hours"
    );
}

/// Two users book a meeting, the second a participant who allows only the first: the booking
/// takes the hour from `/overlap`, an overlapping one is a 409 pointing at the busy participant,
/// the participant leaves (the organizer keeps it) and the organizer cancels it. `user` must be
/// who the request acts for: the door signs it in as them.
pub(crate) fn booking_flow(send: &mut Send<'_>) {
    let day = |time: &str| format!("2025-03-03T{time}:00Z");
    for (user, from, to) in [("ana", "09:00", "17:00"), ("bo", "10:00", "12:00")] {
        let slots = json!({"availability": [{"start_time": day(from), "end_time": day(to)}]});
        let (status, body) = send(user, "POST", "/availability", Some(slots));
        assert_eq!(status, 200, "{body}");
    }
    let only_ana = json!({"bookable_by": ["ana"]});
    assert_eq!(
        send("bo", "PUT", "/availability/sharing", Some(only_ana.clone())),
        (200, only_ana)
    );
    let overlap = |send: &mut Send<'_>| {
        let (status, body) = send("ana", "GET", "/overlap/bo", None);
        assert_eq!(status, 200, "{body}");
        body["overlap"].clone()
    };
    let interval = |from: &str, to: &str| json!({"start_time": day(from), "end_time": day(to)});
    assert_eq!(overlap(send), json!([interval("10:00", "12:00")]));

    let meeting = json!({"start_time": day("10:00"), "end_time": day("11:00"),
        "participants": ["bo"], "title": "1:1"});
    let (status, booking) = send("ana", "POST", "/bookings", Some(meeting));
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["participants"], json!(["ana", "bo"]));
    let path = format!("/bookings/{}", booking["id"].as_str().expect("an id"));
    assert_eq!(send("bo", "GET", &path, None), (200, booking.clone()));
    assert_eq!(overlap(send), json!([interval("11:00", "12:00")]));

    let clash =
        json!({"start_time": day("10:30"), "end_time": day("11:30"), "participants": ["bo"]});
    let (status, problem) = send("ana", "POST", "/bookings", Some(clash));
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        problem["errors"][1]["pointer"], "/participants/0",
        "{problem}"
    );

    let (status, left) = send("bo", "DELETE", &path, None);
    assert_eq!(status, 200, "{left}");
    assert_eq!(send("bo", "GET", &path, None).0, 404);
    let (_, kept) = send("ana", "GET", &path, None);
    assert_eq!(kept["participants"], json!(["ana"]));
    let (status, _) = send("ana", "DELETE", &path, None);
    assert_eq!(status, 200);
    assert_eq!(
        send("ana", "GET", "/bookings", None),
        (200, json!({"bookings": []}))
    );
    assert_eq!(overlap(send), json!([interval("10:00", "12:00")]));
}
