//! The original app's client flow (tests/e2e_watch.rs) as a deployed client makes it: the same
//! requests and answers, each signed in as the user it acts for, since the deployed function
//! runs with `AUTH_MODE=jwt`.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use serde_json::{Value, json};

fn send(
    deployed: &mut Deployed,
    user: &str,
    method: &str,
    target: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = HttpRequest::new(method, target).signed_in(user);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = deployed.send(request);
    (response.status, response.json())
}

fn the_seed_client_flow(deployed: &mut Deployed) {
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
        send(
            deployed,
            "user123",
            "POST",
            "/availability",
            Some(set_user123)
        ),
        (200, ok.clone())
    );
    assert_eq!(
        send(
            deployed,
            "user456",
            "POST",
            "/availability",
            Some(set_user456)
        ),
        (200, ok)
    );

    let (status, mine) = send(deployed, "user123", "GET", "/availability", None);
    assert_eq!(status, 200);
    assert_eq!(mine["user_id"], "user123");
    let slots = mine["availability"].as_array().expect("a list");
    assert_eq!(slots.len(), 23, "21 weekdays and two one-off slots: {mine}");
    assert_eq!(
        slots[1],
        json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    );

    let (status, overlap) = send(
        deployed,
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
        send(
            deployed,
            "user123",
            "DELETE",
            "/availability",
            Some(gone.clone())
        ),
        (
            200,
            json!({"message": "Availability slot deleted successfully"})
        )
    );
    let (_, after) = send(deployed, "user123", "GET", "/availability", None);
    let after = after["availability"].as_array().expect("a list").clone();
    assert_eq!(after.len(), 22);
    assert!(!after.contains(
        &json!({"start_time": "2024-09-28T14:00:00Z", "end_time": "2024-09-28T16:00:00Z"})
    ));
    let (status, again) = send(deployed, "user123", "DELETE", "/availability", Some(gone));
    assert_eq!(
        (status, again["error"].as_str()),
        (404, Some("Slot not found in availability."))
    );
    if let Some((endpoint, table)) = &deployed.table {
        assert!(
            super::moto::item_count(endpoint, table) > 0,
            "the DynamoDB variant wrote to its table"
        );
    }
}

on_both_stores!(the_seed_client_flow);

/// tests/e2e_watch.rs's schedule flow: a weekly schedule expanded across New York's DST change.
fn a_schedule_across_a_dst_change(deployed: &mut Deployed) {
    let schedule = json!({
        "timezone": "America/New_York",
        "weekly": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
            {"days": ["sun"], "start": "00:00", "end": "12:00"}
        ]
    });
    let (status, stored) = send(
        deployed,
        "user123",
        "PUT",
        "/availability/schedule",
        Some(schedule),
    );
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["valid_until"], Value::Null);
    assert_eq!(
        send(deployed, "user123", "GET", "/availability/schedule", None),
        (200, stored)
    );
    let window = "from=2026-10-30T00:00:00Z&to=2026-11-03T00:00:00Z";
    let (status, utc) = send(
        deployed,
        "user123",
        "GET",
        &format!("/availability?{window}"),
        None,
    );
    assert_eq!(status, 200, "{utc}");
    assert_eq!(
        utc["availability"],
        json!([
            {"start_time": "2026-10-30T13:00:00Z", "end_time": "2026-10-30T21:00:00Z"},
            {"start_time": "2026-11-01T04:00:00Z", "end_time": "2026-11-01T17:00:00Z"},
            {"start_time": "2026-11-02T14:00:00Z", "end_time": "2026-11-02T22:00:00Z"}
        ])
    );
}

on_both_stores!(a_schedule_across_a_dst_change);
