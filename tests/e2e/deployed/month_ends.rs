//! A user past the store's inline limit (250 intervals), whose intervals the DynamoDB store
//! keeps in month items: slots and removed ranges across a month's end read back as written,
//! through the deployed function.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use serde_json::{Value, json};

fn as_user(method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in("monthly")
}

fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

fn shown(deployed: &mut Deployed, query: &str) -> Vec<(String, String)> {
    let response = deployed.send(as_user("GET", &format!("/availability?{query}")));
    assert_eq!(response.status, 200, "{query}");
    response.json()["availability"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| (i["start_time"].to_string(), i["end_time"].to_string()))
        .collect()
}

fn month_ends_read_as_written(deployed: &mut Deployed) {
    // 300 one-hour slots, two hours apart, from 2000-01-01: all of January 1-25.
    let many: Vec<Value> = (0..300)
        .map(|i| {
            let (day, hour) = (1 + (2 * i) / 24, (2 * i) % 24);
            slot(
                &format!("2000-01-{day:02}T{hour:02}:00:00Z"),
                &format!("2000-01-{day:02}T{hour:02}:30:00Z"),
            )
        })
        .collect();
    let post = as_user("POST", "/availability").json(&json!({"availability": many}));
    assert_eq!(deployed.send(post).status, 200);
    let across = slot("2000-01-31T20:00:00Z", "2000-02-01T04:00:00Z");
    let post = as_user("POST", "/availability").json(&json!({"availability": [across]}));
    assert_eq!(deployed.send(post).status, 200);
    let split = as_user("DELETE", "/availability")
        .json(&slot("2000-01-31T23:00:00Z", "2000-02-01T01:00:00Z"));
    assert_eq!(deployed.send(split).status, 200);

    let around = shown(
        deployed,
        "from=2000-01-31T12:00:00Z&to=2000-02-01T12:00:00Z",
    );
    let expected = [
        ("2000-01-31T20:00:00Z", "2000-01-31T23:00:00Z"),
        ("2000-02-01T01:00:00Z", "2000-02-01T04:00:00Z"),
    ]
    .map(|(s, e)| (format!("\"{s}\""), format!("\"{e}\"")));
    assert_eq!(around, expected);
    // A window that starts inside a month and ends inside the next.
    let inside = shown(
        deployed,
        "from=2000-01-25T21:00:00Z&to=2000-02-01T02:00:00Z",
    );
    let expected = [
        ("2000-01-25T22:00:00Z", "2000-01-25T22:30:00Z"),
        ("2000-01-31T20:00:00Z", "2000-01-31T23:00:00Z"),
        ("2000-02-01T01:00:00Z", "2000-02-01T02:00:00Z"),
    ]
    .map(|(s, e)| (format!("\"{s}\""), format!("\"{e}\"")));
    assert_eq!(inside, expected);
    let all = shown(
        deployed,
        "from=1999-12-01T00:00:00Z&to=2000-03-01T00:00:00Z",
    );
    assert_eq!(all.len(), 302);
    // The removed range lies across the month's end too: taking it back restores one slot.
    let post = as_user("POST", "/availability").json(&json!({"availability": [
        slot("2000-01-31T23:00:00Z", "2000-02-01T01:00:00Z")]}));
    assert_eq!(deployed.send(post).status, 200);
    let around = shown(
        deployed,
        "from=2000-01-31T12:00:00Z&to=2000-02-01T12:00:00Z",
    );
    assert_eq!(around.len(), 1, "{around:?}");
}

on_both_stores!(month_ends_read_as_written);
