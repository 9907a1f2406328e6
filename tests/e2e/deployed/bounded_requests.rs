//! Requests at and past the API's limits, through the deployed function: each limit answers
//! as documented (a page, a 413 or 400 before the work, an error that stays small), and every
//! request also passes the per-request checks (no 5xx, at most 6 MB, within memory and timeout).
//! Not here: many participants holding many intervals and the longest DELETE (their setup
//! takes the interval limit's worth of requests: the worst-case benchmark, `worst_case.rs`),
//! and a write whose answer is lost (it needs a fault: `tests/store/retried_writes.rs`).

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use serde_json::{Value, json};

fn as_user(user: &str, method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in(user)
}

/// `count` one-hour slots, two hours apart, from `first_hour` hours after 2000-01-01.
fn hourly_slots(first_hour: i64, count: usize) -> Vec<Value> {
    let base = chrono::DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").expect("a time");
    (0..count as i64)
        .map(|i| {
            let start = base + chrono::Duration::hours(first_hour + 2 * i);
            let end = start + chrono::Duration::hours(1);
            let format = |t: chrono::DateTime<chrono::FixedOffset>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            };
            json!({"start_time": format(start), "end_time": format(end)})
        })
        .collect()
}

/// A user at the per-user interval limit reads all of it, page by page.
fn a_read_at_the_interval_limit_fits_in_a_response(deployed: &mut Deployed) {
    for batch in 0..100 {
        let slots = hourly_slots(batch * 2000, 1000);
        let response = deployed
            .send(as_user("heavy", "POST", "/availability").json(&json!({"availability": slots})));
        assert_eq!(response.status, 200, "batch {batch}");
    }
    let (mut read, mut pages) = (0, 0);
    let mut target = "/availability".to_owned();
    loop {
        let response = deployed.send(as_user("heavy", "GET", &target));
        assert_eq!(response.status, 200, "page {pages}");
        let page = response.json();
        read += page["availability"].as_array().map_or(0, Vec::len);
        pages += 1;
        match page["next"].as_str() {
            Some(next) => target = format!("/availability?cursor={next}"),
            None => break,
        }
    }
    assert_eq!(read, 100_000);
    assert!(pages > 1, "a page, with `next` for the rest");
}

on_both_stores!(a_read_at_the_interval_limit_fits_in_a_response);

/// The most intervals a weekly schedule may make: 100 rules, every day, 5 minutes each.
fn dense_schedule() -> Value {
    let rules: Vec<Value> = (0..100)
        .map(|i| {
            let start = i * 10;
            json!({
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": format!("{:02}:{:02}", start / 60, start % 60),
                "end": format!("{:02}:{:02}", (start + 5) / 60, (start + 5) % 60)
            })
        })
        .collect();
    json!({"timezone": "UTC", "weekly": rules})
}

/// Buffers so long that the schedule's expansion would not fit in memory.
fn huge_buffers_are_refused_before_any_expansion(deployed: &mut Deployed) {
    let response =
        deployed.send(as_user("user456", "PUT", "/availability/schedule").json(&dense_schedule()));
    assert_eq!(response.status, 200);
    let response = deployed.send(as_user(
        "user123",
        "GET",
        "/overlap?users=user456&duration=PT1M&buffer_before=P3650000D&buffer_after=P3650000D\
         &from=2024-09-30T00:00:00Z&to=2024-10-01T00:00:00Z",
    ));
    assert_eq!(
        response.status,
        400,
        "a limit on buffers, named: {}",
        String::from_utf8_lossy(&response.body)
    );
}

on_both_stores!(huge_buffers_are_refused_before_any_expansion);

/// An error about a request under the body limit stays far under 6 MB.
fn an_error_never_echoes_the_request_without_bound(deployed: &mut Deployed) {
    let name = "f".repeat(1_040_000);
    let body = format!("{{\"availability\": [], \"{name}\": 1}}");
    let response = deployed.send(
        as_user("user123", "POST", "/availability")
            .header("content-type", "application/json")
            .raw_body(body.as_bytes()),
    );
    assert_eq!(response.status, 400);
    assert!(
        response.body.len() < 64 * 1024,
        "{} bytes",
        response.body.len()
    );
}

on_both_stores!(an_error_never_echoes_the_request_without_bound);

/// Every timestamp the API writes is one it accepts, in every zone. Instants are
/// Accepted up to 9999-12-31T00:00:00Z, a day inside year 9999, so that a zone east of UTC
/// Still writes them with four digits.
fn every_output_timestamp_is_a_valid_input(deployed: &mut Deployed) {
    let beyond = json!({"start_time": "9999-12-31T23:00:00Z", "end_time": "9999-12-31T23:59:00Z"});
    let response = deployed
        .send(as_user("late", "POST", "/availability").json(&json!({"availability": [beyond]})));
    assert_eq!(response.status, 400, "past the latest instant");
    let slot = json!({"start_time": "9999-12-30T23:00:00Z", "end_time": "9999-12-31T00:00:00Z"});
    let response = deployed
        .send(as_user("late", "POST", "/availability").json(&json!({"availability": [slot]})));
    assert_eq!(response.status, 200);
    let response = deployed.send(as_user(
        "late",
        "GET",
        "/availability?from=9999-12-30T00:00:00Z&to=9999-12-31T00:00:00Z&tz=Pacific/Kiritimati",
    ));
    assert_eq!(response.status, 200);
    let answer = response.json();
    let shown = answer["availability"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!shown.is_empty(), "{answer}");
    let response = deployed
        .send(as_user("late", "POST", "/availability").json(&json!({"availability": shown})));
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
}

on_both_stores!(every_output_timestamp_is_a_valid_input);

fn current_etag(deployed: &mut Deployed, user: &str) -> String {
    let response = deployed.send(as_user(user, "GET", "/availability"));
    response
        .header("etag")
        .expect("GET /availability has an ETag")
        .to_owned()
}

/// `If-Match` as RFC 9110 §13.1.1 defines it.
fn if_match_follows_rfc_9110(deployed: &mut Deployed) {
    let body = json!({"availability": [{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z"}]});
    let etag = current_etag(deployed, "tagger");
    let listed = deployed.send(
        as_user("tagger", "POST", "/availability")
            .header("if-match", &format!("\"999\", {etag}"))
            .json(&body),
    );
    assert_eq!(listed.status, 200, "a list matches when any member does");
    let etag = current_etag(deployed, "tagger");
    let weak = deployed.send(
        as_user("tagger", "POST", "/availability")
            .header("if-match", &format!("W/{etag}"))
            .json(&body),
    );
    assert_eq!(weak.status, 412, "a weak tag never matches");
    let foreign = deployed.send(
        as_user("tagger", "POST", "/availability")
            .header("if-match", "\"not-ours\"")
            .json(&body),
    );
    assert_eq!(foreign.status, 412, "a well-formed tag that is not current");
}

on_both_stores!(if_match_follows_rfc_9110);

/// Query parameters: a name the route does not read is a 400 naming it.
fn unknown_query_parameters_are_refused(deployed: &mut Deployed) {
    for (method, target) in [
        ("GET", "/availability?too=2024-09-30T00:00:00Z"),
        ("DELETE", "/availability?too=2024-09-30T00:00:00Z"),
        ("GET", "/availability/schedule?too=1"),
    ] {
        let response = deployed.send(as_user("user123", method, target));
        assert_eq!(response.status, 400, "{method} {target}");
        assert_eq!(
            response.json()["errors"][0]["pointer"],
            "?too",
            "{method} {target}"
        );
    }
}

on_both_stores!(unknown_query_parameters_are_refused);

/// Input that could mean two things (a DELETE with a body and a query; seconds `60`) is a 400,
/// never a guess.
fn ambiguous_input_is_refused(deployed: &mut Deployed) {
    let response = deployed.send(
        as_user(
            "user123",
            "DELETE",
            "/availability?start_time=2024-09-30T09:00:00Z&end_time=2024-09-30T10:00:00Z",
        )
        .json(&json!({"start_time": "2024-10-01T09:00:00Z", "end_time": "2024-10-01T10:00:00Z"})),
    );
    assert_eq!(
        response.status, 400,
        "a DELETE with both a body and a query"
    );
    let response = deployed.send(as_user("user123", "POST", "/availability").json(
        &json!({"availability": [{"start_time": "2024-09-30T09:00:60Z", "end_time": "2024-09-30T10:00:00Z"}]}),
    ));
    assert_eq!(response.status, 400, "second 60 outside a leap second");
    let response = deployed.send(
        as_user("user123", "PUT", "/availability/schedule")
            .json(&json!({"timezone": "UTC", "weekly": "mon"})),
    );
    let text = String::from_utf8_lossy(&response.body).into_owned();
    assert!(
        !text.contains("expected struct") && !text.contains("Vec<"),
        "{text}"
    );
}

on_both_stores!(ambiguous_input_is_refused);
