//! Every sample in events/ turned back into the HTTP request that would have produced it, and
//! sent through the deployed API in the order tests/events.rs replays them, with the same
//! expected statuses and bodies. Deployed, the function runs with `AUTH_MODE=jwt`, so each
//! request carries a bearer token for the user the event names: its authorizer's `sub`, else
//! its `x-user-id` header, else its body's `user_id`, else the seed's `user123`. Named stages
//! and REST/ALB/function-URL shapes become plain paths on the HTTP API's `$default` stage.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use super::template::project_root;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Headers that API Gateway sets itself; the request a client sends does not carry them.
const GATEWAY_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-amzn-trace-id",
];

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// The HTTP request behind an event (HTTP API v2, function URL, REST API v1 or ALB).
pub(crate) fn request_of_event(event: &Value) -> HttpRequest {
    let context = &event["requestContext"];
    let (method, path, query) = if event["version"] == "2.0" {
        let mut path = event["rawPath"].as_str().unwrap_or("/").to_owned();
        if let Some(stage) = context["stage"].as_str().filter(|s| *s != "$default")
            && let Some(rest) = path.strip_prefix(&format!("/{stage}"))
        {
            path = if rest.is_empty() {
                "/".into()
            } else {
                rest.into()
            };
        }
        (
            context["http"]["method"]
                .as_str()
                .unwrap_or("GET")
                .to_owned(),
            path,
            event["rawQueryString"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    } else {
        let multi = event["multiValueQueryStringParameters"].as_object();
        let single = event["queryStringParameters"].as_object();
        let mut pairs = Vec::new();
        if let Some(multi) = multi {
            for (name, values) in multi {
                for value in values.as_array().into_iter().flatten() {
                    pairs.push(format!(
                        "{}={}",
                        encode(name),
                        encode(value.as_str().unwrap_or_default())
                    ));
                }
            }
        } else if let Some(single) = single {
            for (name, value) in single {
                pairs.push(format!(
                    "{}={}",
                    encode(name),
                    encode(value.as_str().unwrap_or_default())
                ));
            }
        }
        (
            event["httpMethod"].as_str().unwrap_or("GET").to_owned(),
            event["path"].as_str().unwrap_or("/").to_owned(),
            pairs.join("&"),
        )
    };
    let target = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut request = HttpRequest::new(&method, &target);
    for (name, value) in event["headers"].as_object().into_iter().flatten() {
        let lower = name.to_ascii_lowercase();
        if GATEWAY_HEADERS.contains(&lower.as_str()) || lower == "authorization" {
            continue;
        }
        request = request.header(&lower, value.as_str().unwrap_or_default());
    }
    if let Some(cookies) = event["cookies"].as_array() {
        let joined: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
        request = request.header("cookie", &joined.join("; "));
    }
    let body = event["body"].as_str().unwrap_or_default();
    let body = if event["isBase64Encoded"] == true {
        STANDARD
            .decode(body)
            .expect("a sample's base64 body decodes")
    } else {
        body.as_bytes().to_vec()
    };
    let identity = identity_of_event(event, &body);
    request.raw_body(&body).signed_in(&identity)
}

fn identity_of_event(event: &Value, body: &[u8]) -> String {
    let context = &event["requestContext"];
    let string = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    string(&context["authorizer"]["jwt"]["claims"]["sub"])
        .or_else(|| string(&context["authorizer"]["claims"]["sub"]))
        .or_else(|| string(&event["headers"]["x-user-id"]))
        .or_else(|| {
            serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|b| string(&b["user_id"]))
        })
        .unwrap_or_else(|| "user123".into())
}

fn read_event(name: &str) -> Value {
    let path = project_root().join("events").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

fn intervals(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(s, e)| slot(s, e)).collect())
}

// The expectations below are tests/events.rs's, for the same samples.

fn weekdays_from_sep_27() -> Vec<(String, String)> {
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

fn every_sample_event(deployed: &mut Deployed) {
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
    let not_found = json!({"error": "Slot not found in availability."});
    let steps: Vec<(&str, u16, Value)> = vec![
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
        ("delete-availability", 404, not_found),
        ("set-schedule", 200, new_york_schedule_of_user789()),
        (
            "get-availability-tz",
            200,
            user789_across_the_spring_change(),
        ),
    ];

    let on_disk: BTreeSet<String> = std::fs::read_dir(project_root().join("events"))
        .expect("events/ exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    let replayed: BTreeSet<String> = steps.iter().map(|(name, ..)| name.to_string()).collect();
    assert_eq!(
        on_disk, replayed,
        "every file in events/ is replayed, and only those"
    );

    for (name, status, body) in steps {
        let request = request_of_event(&read_event(name));
        let response = deployed.send(request);
        let answer = response.json();
        assert_eq!(response.status, status, "{name}: {answer}");
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.contains("json")),
            "{name}: JSON content type"
        );
        if status == 404 {
            assert_eq!(answer["error"], body["error"], "{name}");
        } else {
            assert_eq!(answer, body, "{name}");
        }
    }
}

on_both_stores!(every_sample_event);
