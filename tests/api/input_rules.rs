//! Issue 12's input rules through the handler: errors that stay small whatever the request,
//! timestamps that the API writes and reads alike, `If-Match` per RFC 9110, and the smaller
//! refusals (a DELETE with a body and a query, a seconds field of 60, schedule shape errors in
//! the API's words).

use crate::helpers::{Reply, dev_app, http_api, invoke, slot};
use availability_api::api::MAX_FIELD_ERRORS;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};

type App = availability_api::api::App<MemoryStore>;

/// What a 400 of any request may weigh: `MAX_FIELD_ERRORS` errors of a cut pointer (80
/// characters) and detail (300), and the sentence, with JSON escaping to spare.
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

fn raw_post(body: &str) -> Value {
    http_api("POST", "/availability")
        .header("content-type", "application/json")
        .raw_body(body)
        .build()
}

fn assert_small_error(reply: &Reply, what: &str) {
    assert_eq!(reply.status, 400, "{what}: {}", reply.raw);
    let size = reply.raw["body"].as_str().map_or(0, str::len);
    assert!(
        size < MAX_ERROR_BODY_BYTES,
        "{what}: a {size}-byte error body"
    );
    let listed = reply.body["errors"].as_array().map_or(0, Vec::len);
    assert!(listed <= MAX_FIELD_ERRORS, "{what}: {listed} errors listed");
}

#[tokio::test]
async fn an_error_about_a_request_of_a_mebibyte_stays_a_few_kilobytes() {
    let app = dev_app();
    let just_under_the_body_limit = 1024 * 1024 - 64;

    let name = "f".repeat(just_under_the_body_limit);
    let reply = invoke(
        &app,
        raw_post(&format!("{{\"availability\": [], \"{name}\": 1}}")),
    )
    .await;
    assert_small_error(&reply, "one huge unknown field name");
    let pointer = reply.body["errors"][0]["pointer"].as_str().unwrap_or("");
    assert!(
        pointer.starts_with("/fff") && pointer.ends_with('…'),
        "{pointer}"
    );

    let mut members = String::from("{\"availability\": []");
    let mut index = 0;
    while members.len() + 230 < just_under_the_body_limit {
        members.push_str(&format!(", \"{index}{}\": 0", "g".repeat(200)));
        index += 1;
    }
    members.push('}');
    let reply = invoke(&app, raw_post(&members)).await;
    assert_small_error(&reply, "thousands of long unknown fields");
    assert_eq!(
        reply.body["errors"].as_array().map(Vec::len),
        Some(MAX_FIELD_ERRORS)
    );
    assert!(
        reply.error().contains(&format!("{} more", index - 1)),
        "the sentence still counts them all: {}",
        reply.error()
    );

    let rules: Vec<Value> = (0..20)
        .map(|_| json!({"days": ["x".repeat(10_000)], "start": "y".repeat(10_000), "end": "09:00", "z".repeat(10_000): 1}))
        .collect();
    let schedule = http_api("PUT", "/availability/schedule")
        .json(json!({"timezone": "t".repeat(10_000), "weekly": rules}))
        .build();
    assert_small_error(
        &invoke(&app, schedule).await,
        "a schedule of long bad values",
    );

    let zone = http_api("GET", "/availability")
        .query(&format!("tz={}", "Z".repeat(10_000)))
        .build();
    let reply = invoke(&app, zone).await;
    assert_small_error(&reply, "a long tz");
    assert_eq!(reply.body["errors"][0]["pointer"], "?tz");

    let method = "M".repeat(10_000);
    let reply = invoke(&app, http_api(&method, "/availability").build()).await;
    assert_eq!(reply.status, 405);
    assert!(reply.error().len() < 200, "{}", reply.error());

    let path = format!("/{}", "p".repeat(10_000));
    let reply = invoke(&app, http_api("GET", &path).build()).await;
    assert_eq!(reply.status, 404);
    assert!(reply.error().len() < 200, "{}", reply.error());
}

async fn post_slots(app: &App, slots: Value) -> Reply {
    let event = http_api("POST", "/availability").json(json!({ "availability": slots }));
    invoke(app, event.build()).await
}

async fn get(app: &App, path: &str, query: &str) -> Reply {
    invoke(app, http_api("GET", path).query(query).build()).await
}

#[tokio::test]
async fn every_timestamp_the_api_writes_is_one_it_accepts() {
    let app = dev_app();
    let latest = slot("9999-12-30T23:00:00Z", "9999-12-31T00:00:00Z");
    let earliest = slot("0000-01-02T00:00:00Z", "0000-01-02T01:00:00Z");
    assert_eq!(
        post_slots(&app, json!([latest, earliest])).await.status,
        200
    );
    for zone in [
        "UTC",
        "Pacific/Kiritimati",
        "Etc/GMT-14",
        "Etc/GMT+12",
        "Asia/Manila",
        "America/Sitka",
        "Australia/Lord_Howe",
    ] {
        let read = get(&app, "/availability", &format!("tz={zone}")).await;
        assert_eq!(read.status, 200, "{zone}: {}", read.raw);
        let shown = read.body["availability"].clone();
        assert_eq!(shown.as_array().map(Vec::len), Some(2), "{zone}: {shown}");
        let again = post_slots(&app, shown.clone()).await;
        assert_eq!(
            again.status, 200,
            "{zone}: {shown} is accepted back: {}",
            again.raw
        );
    }

    for beyond in [
        slot("9999-12-31T23:00:00Z", "9999-12-31T23:59:00Z"),
        slot("9999-12-30T23:00:00Z", "9999-12-31T00:00:00.001Z"),
        slot("0000-01-01T00:00:00Z", "0000-01-03T00:00:00Z"),
    ] {
        let reply = post_slots(&app, json!([beyond])).await;
        assert_eq!(reply.status, 400, "{beyond}");
        assert!(
            reply.error().contains("9999-12-31T00:00:00Z"),
            "{}",
            reply.error()
        );
    }

    // Computed instants: a weekdays slot stops at the latest instant; a schedule's default
    // window ends there.
    let weekdays = json!([{"start_time": "9999-12-27T09:00:00Z", "end_time": "9999-12-27T10:00:00Z", "period": "weekdays"}]);
    assert_eq!(post_slots(&app, weekdays).await.status, 200);
    let schedule = http_api("PUT", "/availability/schedule")
        .json(json!({"timezone": "Pacific/Kiritimati", "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}]}))
        .build();
    assert_eq!(invoke(&app, schedule).await.status, 200);
    let read = get(
        &app,
        "/availability",
        "from=9999-12-20T00:00:00Z&tz=Pacific/Kiritimati",
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.raw);
    assert_eq!(read.body["window"]["to"], "9999-12-31T14:00:00+14:00");
    let mut shown: Vec<Value> = read.body["availability"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    shown.push(slot(
        read.body["window"]["from"].as_str().unwrap_or(""),
        read.body["window"]["to"].as_str().unwrap_or(""),
    ));
    let again = post_slots(&app, Value::Array(shown)).await;
    assert_eq!(again.status, 200, "{}", again.raw);
}

#[tokio::test]
async fn overlaps_at_the_end_of_time_are_written_as_valid_input() {
    let app = dev_app();
    let till_the_end = slot("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z");
    for user in ["user123", "user456"] {
        let event = http_api("POST", "/availability")
            .header("x-user-id", user)
            .json(json!({ "availability": [till_the_end.clone()] }));
        assert_eq!(invoke(&app, event.build()).await.status, 200);
    }
    for query in [
        "users=user456&tz=Pacific/Kiritimati",
        "users=user456&duration=PT1H&step=PT1H&buffer_after=PT12H&tz=Etc/GMT-14",
        "users=user456&duration=PT1H&from=9999-12-30T20:00:00Z&tz=Pacific/Kiritimati",
    ] {
        let reply = get(&app, "/overlap", query).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.raw);
        let found = reply.body["overlap"]
            .as_array()
            .or(reply.body["slots"].as_array())
            .cloned()
            .unwrap_or_default();
        let mut shown = found.clone();
        if let Some(window) = reply.body["window"].as_object() {
            shown.push(slot(
                window["from"].as_str().unwrap_or(""),
                window["to"].as_str().unwrap_or(""),
            ));
        }
        let times: Vec<Value> = shown
            .iter()
            .map(|item| {
                slot(
                    item["start_time"].as_str().unwrap_or(""),
                    item["end_time"].as_str().unwrap_or(""),
                )
            })
            .collect();
        let again = post_slots(&app, Value::Array(times)).await;
        assert_eq!(again.status, 200, "{query}: {found:?}: {}", again.raw);
    }
}

#[tokio::test]
async fn the_seconds_field_runs_to_59() {
    let app = dev_app();
    for leap in ["2016-12-31T23:59:60Z", "2024-09-30T09:00:60Z"] {
        let reply = post_slots(&app, json!([slot(leap, "2024-12-31T10:00:00Z")])).await;
        assert_eq!(reply.status, 400, "{leap}");
        assert_eq!(
            reply.body["errors"][0]["pointer"],
            "/availability/0/start_time"
        );
        assert!(reply.error().contains("60 seconds"), "{}", reply.error());
    }
}

async fn post_if_match(app: &App, if_match: &str) -> Reply {
    write(app, "POST", "/availability", Some(if_match)).await
}

async fn write(app: &App, method: &str, path: &str, if_match: Option<&str>) -> Reply {
    let mut event = http_api(method, path);
    if let Some(if_match) = if_match {
        event = event.header("if-match", if_match);
    }
    let event = match path {
        "/availability/schedule" if method == "PUT" => event.json(json!({"timezone": "UTC"})),
        "/availability" if method == "POST" => event
            .json(json!({"availability": [slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z")]})),
        _ => event,
    };
    invoke(app, event.build()).await
}

#[tokio::test]
async fn if_match_follows_rfc_9110() {
    let app = dev_app();

    // A user never written has the empty availability at "0": `*` matches it.
    let first = post_if_match(&app, "*").await;
    assert_eq!(
        (first.status, first.header("etag")),
        (200, Some("\"1\"".to_owned()))
    );
    let listed = post_if_match(&app, "\"7\", \"1\"").await;
    assert_eq!(
        listed.status, 200,
        "a list matches when any member does: {}",
        listed.raw
    );
    let current = listed.header("etag").unwrap_or_default();
    for (if_match, why) in [
        (format!("W/{current}"), "a weak tag never matches"),
        (
            "\"not-ours\"".to_owned(),
            "a well-formed tag that is not current",
        ),
        ("\"0\", \"7\"".to_owned(), "a list of stale tags"),
        (format!(" , {}", "\"0\""), "empty list elements are allowed"),
    ] {
        let reply = post_if_match(&app, &if_match).await;
        assert_eq!(reply.status, 412, "{why}: {}", reply.raw);
    }
    let weak = post_if_match(&app, &format!("W/{current}")).await;
    assert!(weak.error().contains("weak"), "{}", weak.error());
    for malformed in ["2", "\"2", "\"2\" \"3\"", "*, \"2\"", ",", "w/\"2\""] {
        let reply = post_if_match(&app, malformed).await;
        assert_eq!(reply.status, 400, "{malformed}: {}", reply.raw);
        assert_eq!(reply.body["errors"][0]["pointer"], "header If-Match");
    }
    assert_eq!(
        post_if_match(&app, &current).await.status,
        200,
        "the current tag matches"
    );

    // A schedule exists only once set: `*` asks for it.
    let schedule = "/availability/schedule";
    let put = write(&app, "PUT", schedule, Some("*")).await;
    assert_eq!(put.status, 412, "no schedule yet: {}", put.raw);
    let put = write(&app, "PUT", schedule, None).await;
    assert_eq!(put.status, 200);
    let put = write(&app, "PUT", schedule, Some("*")).await;
    assert_eq!(put.status, 200, "{}", put.raw);
    let delete = write(&app, "DELETE", schedule, Some("*")).await;
    assert_eq!(delete.status, 200, "{}", delete.raw);
    let delete = write(&app, "DELETE", schedule, Some("*")).await;
    assert_eq!(
        delete.status, 404,
        "no schedule is a 404 whatever If-Match says: {}",
        delete.raw
    );
}

#[tokio::test]
async fn a_delete_gives_its_range_in_the_body_or_the_query_not_both() {
    let app = dev_app();
    let nine = slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z");
    assert_eq!(post_slots(&app, json!([nine])).await.status, 200);
    let both = http_api("DELETE", "/availability")
        .query("start_time=2024-10-01T09:00:00Z&end_time=2024-10-01T10:00:00Z")
        .json(nine.clone())
        .build();
    let reply = invoke(&app, both).await;
    assert_eq!(reply.status, 400, "{}", reply.raw);
    assert!(reply.error().contains("not both"), "{}", reply.error());
    let read = get(&app, "/availability", "").await;
    assert_eq!(
        read.body["availability"],
        json!([nine]),
        "nothing was deleted"
    );
    let body_only = http_api("DELETE", "/availability").json(nine).build();
    assert_eq!(invoke(&app, body_only).await.status, 200);
}

#[tokio::test]
async fn schedule_shape_errors_say_what_is_expected_in_the_apis_words() {
    let app = dev_app();
    for (schedule, pointer, says) in [
        (
            json!({"timezone": "UTC", "weekly": "mon"}),
            "/weekly",
            "must be an array of weekly rules such as [{\"days\": [\"mon\"]",
        ),
        (
            json!({"timezone": "UTC", "weekly": ["mon"]}),
            "/weekly/0",
            "must be an object such as {\"days\"",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": "mon", "start": "09:00", "end": "17:00"}]}),
            "/weekly/0/days",
            "must be an array of days such as [\"mon\"]",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": [1], "start": "09:00", "end": "17:00"}]}),
            "/weekly/0/days/0",
            "must be a string such as \"mon\"",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": ["mon"], "start": 9, "end": "17:00"}]}),
            "/weekly/0/start",
            "must be a string",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": ["mon"], "end": "17:00"}]}),
            "/weekly/0/start",
            "is required",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": ["mon"], "start": "09:00", "end": "17:00", "tz": "x"}]}),
            "/weekly/0/tz",
            "is not a known field (expected days, start, end)",
        ),
        (
            json!({"timezone": "UTC", "overrides": [{"date": "2026-12-24"}]}),
            "/overrides/0/ranges",
            "is required",
        ),
        (
            json!({"timezone": "UTC", "overrides": [{"date": "2026-12-24", "ranges": [[]]}]}),
            "/overrides/0/ranges/0",
            "must be an object such as {\"start\": \"10:00\"",
        ),
        (json!({"timezone": 1}), "/timezone", "must be a string"),
        (json!({"weekly": []}), "/timezone", "is required"),
        (
            json!({"timezone": "UTC", "valid_from": 20261224}),
            "/valid_from",
            "must be a string",
        ),
        (
            json!({"timezone": "UTC", "weekly": [{"days": ["mon", "mon", "mon", "mon", "mon", "mon", "mon", "mon"], "start": "09:00", "end": "17:00"}]}),
            "/weekly/0/days",
            "has 8 days; at most 7",
        ),
    ] {
        let event = http_api("PUT", "/availability/schedule")
            .json(schedule.clone())
            .build();
        let reply = invoke(&app, event).await;
        assert_eq!(reply.status, 400, "{schedule}");
        assert_eq!(
            reply.body["errors"][0]["pointer"], pointer,
            "{schedule}: {}",
            reply.raw
        );
        let detail = reply.body["errors"][0]["detail"].as_str().unwrap_or("");
        assert!(detail.starts_with(says), "{schedule}: {detail}");
        let text = reply.raw["body"].as_str().unwrap_or("");
        for rust in ["struct", "Vec<", "sequence", "invalid type"] {
            assert!(!text.contains(rust), "{schedule}: {text}");
        }
    }
}
