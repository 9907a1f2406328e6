//! Bookings through the Lambda door: making one (201, Location), busy participants (409 with
//! pointers), consent (403), reads that never show another's booking (404), cancelling and
//! leaving, idempotent retries, limits, booked time gone from `GET /availability` and every
//! form of `/overlap`, and 50 overlapping bookings racing on one app.

use crate::helpers::{Reply, http_api, invoke, jwt_app, slot};
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::booking::{
    MAX_BOOKINGS_PER_USER, MAX_PARTICIPANTS_PER_BOOKING, MAX_TITLE_CHARS,
};
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Monday 2024-10-07 at `hh:mm` UTC.
fn at(time: &str) -> String {
    format!("2024-10-07T{time}:00Z")
}

/// An app whose clock reads 2024-10-01, a week before the test day.
fn app() -> App<MemoryStore> {
    let now = parse_timestamp("2024-10-01T08:00:00Z").expect("valid");
    App::new(MemoryStore::new(), Config::dev()).with_clock(Clock::Fixed(now))
}

async fn call(app: &App<MemoryStore>, user: &str, method: &str, path: &str, body: Value) -> Reply {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let event = http_api(method, path)
        .query(query)
        .header("x-user-id", user);
    let event = match body {
        Value::Null => event,
        body => event.json(body),
    };
    invoke(app, event.build()).await
}

async fn set(app: &App<MemoryStore>, user: &str, pairs: &[(&str, &str)]) {
    let slots: Vec<Value> = pairs.iter().map(|(s, e)| slot(&at(s), &at(e))).collect();
    let reply = call(
        app,
        user,
        "POST",
        "/availability",
        json!({"availability": slots}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
}

/// user123 09-12 and 13-17, user456 10-14, user789 11-16 (as in the overlap tests).
async fn three_users() -> App<MemoryStore> {
    let app = app();
    set(&app, "user123", &[("09:00", "12:00"), ("13:00", "17:00")]).await;
    set(&app, "user456", &[("10:00", "14:00")]).await;
    set(&app, "user789", &[("11:00", "16:00")]).await;
    app
}

fn booking_body(from: &str, to: &str, participants: &[&str]) -> Value {
    json!({"start_time": at(from), "end_time": at(to), "participants": participants})
}

async fn book(
    app: &App<MemoryStore>,
    organizer: &str,
    from: &str,
    to: &str,
    participants: &[&str],
) -> Reply {
    call(
        app,
        organizer,
        "POST",
        "/bookings",
        booking_body(from, to, participants),
    )
    .await
}

/// The id of a 201's booking.
fn created(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "{}", reply.raw);
    let id = reply.body["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        reply.header("location").as_deref(),
        Some(format!("/bookings/{id}").as_str())
    );
    id
}

fn problem(reply: &Reply, status: u16) -> Vec<(String, String)> {
    assert_eq!(reply.status, status, "{}", reply.raw);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["pointer"].as_str().unwrap_or_default().to_owned(),
                        e["detail"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn availability(app: &App<MemoryStore>, user: &str, query: &str) -> Reply {
    let event = http_api("GET", "/availability")
        .header("x-user-id", user)
        .query(query);
    invoke(app, event.build()).await
}

async fn overlap(app: &App<MemoryStore>, query: &str) -> Value {
    let reply = invoke(app, http_api("GET", "/overlap").query(query).build()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body
}

fn times(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(s, e)| slot(&at(s), &at(e))).collect())
}

fn with_users(found: &[(&str, &str, &[&str])]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|(s, e, users)| json!({"start_time": at(s), "end_time": at(e), "users": users}))
            .collect(),
    )
}

async fn bookings_of(app: &App<MemoryStore>, user: &str) -> Vec<String> {
    let reply = call(app, user, "GET", "/bookings", Value::Null).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body["bookings"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|b| b["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_booking_is_made_for_everyone_and_each_participant_reads_it() {
    let app = three_users().await;
    let body = json!({"start_time": at("11:00"), "end_time": at("12:00"),
        "participants": ["user456", "user789"], "title": "Planning"});
    let reply = call(&app, "user123", "POST", "/bookings", body).await;
    let id = created(&reply);
    assert_eq!(
        reply.body,
        json!({"id": id, "start_time": at("11:00"), "end_time": at("12:00"),
            "organizer": "user123", "participants": ["user123", "user456", "user789"],
            "title": "Planning", "created_at": "2024-10-01T08:00:00Z"})
    );
    for user in ["user123", "user456", "user789"] {
        let read = call(&app, user, "GET", &format!("/bookings/{id}"), Value::Null).await;
        assert_eq!((read.status, &read.body), (200, &reply.body), "{user}");
        assert_eq!(bookings_of(&app, user).await, [id.as_str()], "{user}");
    }
    let in_kolkata = call(
        &app,
        "user456",
        "GET",
        &format!("/bookings/{id}?tz=Asia/Kolkata"),
        Value::Null,
    )
    .await;
    assert_eq!(in_kolkata.body["start_time"], "2024-10-07T16:30:00+05:30");
    // Never another's booking: the same 404 as for an id nobody holds.
    for (user, path) in [
        ("user999", format!("/bookings/{id}")),
        ("user123", "/bookings/0000000000000000".to_owned()),
    ] {
        let reply = call(&app, user, "GET", &path, Value::Null).await;
        problem(&reply, 404);
        let reply = call(&app, user, "DELETE", &path, Value::Null).await;
        problem(&reply, 404);
    }
    assert!(bookings_of(&app, "user999").await.is_empty());
}

#[tokio::test]
async fn booked_time_is_gone_from_availability_and_every_form_of_overlap() {
    let app = three_users().await;
    let etags = |replies: &[Reply]| -> Vec<Option<String>> {
        replies.iter().map(|r| r.header("etag")).collect()
    };
    let mut before = Vec::new();
    for user in ["user123", "user456", "user789", "user999"] {
        before.push(availability(&app, user, "").await);
    }
    let everyone = "users=user456,user789";
    assert_eq!(
        overlap(&app, everyone).await,
        json!({"overlap": times(&[("11:00", "12:00"), ("13:00", "14:00")])})
    );

    // The three-participant booking takes 11:00-12:00 from each of them.
    created(&book(&app, "user123", "11:00", "12:00", &["user456", "user789"]).await);

    assert_eq!(
        overlap(&app, everyone).await,
        json!({"overlap": times(&[("13:00", "14:00")])})
    );
    assert_eq!(
        overlap(&app, &format!("{everyone}&quorum=2")).await,
        json!({"overlap": with_users(&[
            ("10:00", "11:00", &["user123", "user456"]),
            ("12:00", "13:00", &["user456", "user789"]),
            ("13:00", "14:00", &["user123", "user456", "user789"]),
            ("14:00", "16:00", &["user123", "user789"]),
        ])})
    );
    assert_eq!(
        overlap(&app, &format!("{everyone}&duration=PT1H&step=PT30M")).await,
        json!({"slots": times(&[("13:00", "14:00")])})
    );
    assert_eq!(
        overlap(&app, "users=user456&duration=PT1H&step=PT30M").await,
        json!({"slots": times(&[("10:00", "11:00"), ("13:00", "14:00")])})
    );
    let pair = invoke(&app, http_api("GET", "/overlap/user789").build()).await;
    assert_eq!(pair.body, json!({"overlap": times(&[("13:00", "16:00")])}));

    let after = availability(&app, "user123", "").await;
    assert_eq!(
        after.body["availability"],
        times(&[("09:00", "11:00"), ("13:00", "17:00")])
    );
    let raw = availability(&app, "user123", "include_booked=true").await;
    assert_eq!(
        raw.body["availability"],
        times(&[("09:00", "12:00"), ("13:00", "17:00")])
    );
    let bad = availability(&app, "user123", "include_booked=yes").await;
    assert_eq!(problem(&bad, 400)[0].0, "?include_booked");
    assert_eq!(
        availability(&app, "user789", "").await.body["availability"],
        times(&[("12:00", "16:00")])
    );

    // A booking changes each participant's record, so their ETags move; others' do not.
    let mut now = Vec::new();
    for user in ["user123", "user456", "user789", "user999"] {
        now.push(availability(&app, user, "").await);
    }
    let (before, now) = (etags(&before), etags(&now));
    for i in 0..3 {
        assert_ne!(before[i], now[i], "participant {i}");
    }
    assert_eq!(before[3], now[3], "not a participant");
}

#[tokio::test]
async fn a_busy_participant_is_a_409_pointing_at_them_and_nothing_is_booked() {
    let app = three_users().await;
    // user789 is free from 11:00 only; user456 from 10:00.
    let reply = book(&app, "user123", "10:00", "11:30", &["user456", "user789"]).await;
    let errors = problem(&reply, 409);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "/participants/1");
    assert!(errors[0].1.starts_with("user789 "), "{errors:?}");
    assert!(reply.error().contains("user789"), "{}", reply.error());
    for user in ["user123", "user456", "user789"] {
        assert!(bookings_of(&app, user).await.is_empty(), "{user}");
    }

    // Once booked, an overlapping booking finds every one of them busy, the organizer too.
    created(&book(&app, "user456", "11:00", "12:00", &["user789", "user123"]).await);
    let reply = book(&app, "user123", "11:30", "12:00", &["user789", "user456"]).await;
    let pointers: Vec<String> = problem(&reply, 409).into_iter().map(|e| e.0).collect();
    assert_eq!(pointers, ["", "/participants/0", "/participants/1"]);
    // Elsewhere they are still bookable together.
    created(&book(&app, "user123", "13:00", "14:00", &["user456", "user789"]).await);
    // Someone with no availability at all is busy too.
    let reply = book(&app, "user123", "15:00", "16:00", &["user789", "nobody"]).await;
    let pointers: Vec<String> = problem(&reply, 409).into_iter().map(|e| e.0).collect();
    assert_eq!(pointers, ["/participants/1"]);
}

#[tokio::test]
async fn a_participant_who_does_not_allow_the_organizer_is_a_403_naming_them() {
    let app = three_users().await;
    let sharing = call(&app, "user456", "GET", "/availability/sharing", Value::Null).await;
    assert_eq!(sharing.body, json!({"bookable_by": "everyone"}));
    let etag = sharing.header("etag");
    let put = call(
        &app,
        "user456",
        "PUT",
        "/availability/sharing",
        json!({"bookable_by": ["user789", "user789"]}),
    )
    .await;
    assert_eq!(
        (put.status, &put.body),
        (200, &json!({"bookable_by": ["user789"]}))
    );
    assert_ne!(put.header("etag"), etag);

    // Refused before availability is looked at: user789 is also busy at 10:00, unnamed.
    let reply = book(&app, "user123", "10:00", "11:00", &["user789", "user456"]).await;
    let errors = problem(&reply, 403);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "/participants/1");
    assert!(reply.error().contains("user456"), "{}", reply.error());
    assert!(bookings_of(&app, "user456").await.is_empty());
    // The user allowed may book them; and anyone may book themself with them.
    created(&book(&app, "user789", "12:00", "13:00", &["user456"]).await);
    created(&book(&app, "user456", "10:00", "11:00", &["user123"]).await);

    let everyone = call(
        &app,
        "user456",
        "PUT",
        "/availability/sharing",
        json!({"bookable_by": "everyone"}),
    )
    .await;
    assert_eq!(everyone.status, 200, "{}", everyone.raw);
    created(&book(&app, "user123", "13:00", "14:00", &["user456"]).await);
    for bad in [
        json!({"bookable_by": "nobody"}),
        json!({"bookable_by": [1]}),
        json!({"bookable_by": ["a b"]}),
        json!({}),
        json!({"bookable_by": "everyone", "extra": 1}),
    ] {
        let reply = call(&app, "user456", "PUT", "/availability/sharing", bad.clone()).await;
        problem(&reply, 400);
    }
    let too_many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    let reply = call(
        &app,
        "user456",
        "PUT",
        "/availability/sharing",
        json!({ "bookable_by": too_many }),
    )
    .await;
    problem(&reply, 413);
}

#[tokio::test]
async fn the_organizer_cancels_for_everyone_and_a_participant_leaves_alone() {
    let app = three_users().await;
    let id = created(&book(&app, "user123", "11:00", "12:00", &["user456", "user789"]).await);
    let path = format!("/bookings/{id}");

    // user789 leaves: their copy is gone and their time free; the others keep it without them.
    let left = call(&app, "user789", "DELETE", &path, Value::Null).await;
    assert_eq!(left.status, 200, "{}", left.raw);
    assert!(bookings_of(&app, "user789").await.is_empty());
    let kept = call(&app, "user456", "GET", &path, Value::Null).await;
    assert_eq!(kept.body["participants"], json!(["user123", "user456"]));
    assert_eq!(
        availability(&app, "user789", "").await.body["availability"],
        times(&[("11:00", "16:00")])
    );
    assert_eq!(
        availability(&app, "user456", "").await.body["availability"],
        times(&[("10:00", "11:00"), ("12:00", "14:00")])
    );
    problem(
        &call(&app, "user789", "DELETE", &path, Value::Null).await,
        404,
    );

    // The organizer cancels: gone for everyone, everyone's time free.
    let cancelled = call(&app, "user123", "DELETE", &path, Value::Null).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.raw);
    for user in ["user123", "user456"] {
        assert!(bookings_of(&app, user).await.is_empty(), "{user}");
        problem(&call(&app, user, "GET", &path, Value::Null).await, 404);
    }
    assert_eq!(
        overlap(&app, "users=user456,user789").await,
        json!({"overlap": times(&[("11:00", "12:00"), ("13:00", "14:00")])})
    );
}

#[tokio::test]
async fn a_retry_with_the_same_key_returns_the_first_answer_and_books_nothing_more() {
    let app = three_users().await;
    let post = |user: &str, key: &str, body: Value| {
        http_api("POST", "/bookings")
            .header("x-user-id", user)
            .header("idempotency-key", key)
            .json(body)
            .build()
    };
    let body = booking_body("11:00", "12:00", &["user456"]);
    let first = invoke(&app, post("user123", "key-1", body.clone())).await;
    let id = created(&first);
    // The same body spelled otherwise is the same request.
    let respelled =
        json!({"participants": ["user456"], "end_time": at("12:00"), "start_time": at("11:00")});
    for retry in [body.clone(), respelled] {
        let again = invoke(&app, post("user123", "key-1", retry)).await;
        assert_eq!(created(&again), id);
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    }
    assert_eq!(bookings_of(&app, "user123").await, [id.as_str()]);

    // The same key with another body: 422, nothing booked.
    let other = booking_body("13:00", "14:00", &["user456"]);
    let reply = invoke(&app, post("user123", "key-1", other.clone())).await;
    problem(&reply, 422);
    assert_eq!(bookings_of(&app, "user456").await, [id.as_str()]);
    // Keys are the caller's own: user456 may use the same one.
    created(&invoke(&app, post("user456", "key-1", other)).await);

    // A retry after the booking was cancelled still gets the first answer, and books nothing.
    let cancel = call(
        &app,
        "user123",
        "DELETE",
        &format!("/bookings/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(cancel.status, 200);
    let late = invoke(&app, post("user123", "key-1", body)).await;
    assert_eq!((late.status, &late.body), (201, &first.body));
    assert!(bookings_of(&app, "user123").await.is_empty());

    for bad in ["", "a b", &"k".repeat(101)] {
        let reply = invoke(
            &app,
            post("user123", bad, booking_body("09:00", "09:30", &[])),
        )
        .await;
        assert_eq!(
            problem(&reply, 400)[0].0,
            "header Idempotency-Key",
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn limits_and_bad_requests_are_refused_naming_the_field() {
    let app = three_users().await;
    let refused = |reply: &Reply, status: u16, pointer: &str| {
        let errors = problem(reply, status);
        assert_eq!(
            errors.first().map(|e| e.0.as_str()),
            Some(pointer),
            "{}",
            reply.raw
        );
    };
    let long_title = json!({"start_time": at("11:00"), "end_time": at("12:00"),
        "participants": [], "title": "t".repeat(MAX_TITLE_CHARS + 1)});
    refused(
        &call(&app, "user123", "POST", "/bookings", long_title).await,
        400,
        "/title",
    );
    let crowd: Vec<String> = (0..MAX_PARTICIPANTS_PER_BOOKING)
        .map(|i| format!("u{i}"))
        .collect();
    let crowd: Vec<&str> = crowd.iter().map(String::as_str).collect();
    refused(
        &book(&app, "user123", "11:00", "12:00", &crowd).await,
        413,
        "/participants",
    );
    // The organizer named among them is not counted twice: 25 in all is fine (and busy here).
    let mut with_self = crowd[..MAX_PARTICIPANTS_PER_BOOKING - 1].to_vec();
    with_self.push("user123");
    assert_eq!(
        book(&app, "user123", "11:00", "12:00", &with_self)
            .await
            .status,
        409
    );
    let day_and_a_minute = json!({"start_time": "2024-10-07T09:00:00Z",
        "end_time": "2024-10-08T09:01:00Z", "participants": []});
    refused(
        &call(&app, "user123", "POST", "/bookings", day_and_a_minute).await,
        400,
        "/end_time",
    );
    refused(
        &book(&app, "user123", "11:00", "12:00", &["user456", "user456"]).await,
        400,
        "/participants/1",
    );
    refused(
        &book(&app, "user123", "12:00", "11:00", &[]).await,
        400,
        "/end_time",
    );
    refused(
        &call(
            &app,
            "user123",
            "POST",
            "/bookings",
            json!({"start_time": at("11:00"), "end_time": at("12:00"),
                "participants": [], "organizer": "user456"}),
        )
        .await,
        400,
        "/organizer",
    );
    refused(
        &call(
            &app,
            "user123",
            "POST",
            "/bookings",
            json!({"start_time": at("11:00"), "end_time": at("12:00")}),
        )
        .await,
        400,
        "/participants",
    );
    problem(
        &call(&app, "user123", "POST", "/bookings", Value::Null).await,
        400,
    );
    refused(
        &call(&app, "user123", "GET", "/bookings?limit=0", Value::Null).await,
        400,
        "?limit",
    );
    refused(
        &call(&app, "user123", "GET", "/bookings?user=x", Value::Null).await,
        400,
        "?user",
    );
    let wrong_method = call(&app, "user123", "PUT", "/bookings", Value::Null).await;
    problem(&wrong_method, 405);
    assert_eq!(
        wrong_method.header("allow").as_deref(),
        Some("GET, POST, HEAD, OPTIONS")
    );
}

#[tokio::test]
async fn a_user_holds_a_bounded_number_of_bookings_that_have_not_ended() {
    let app = app();
    let days = 120;
    let slots: Vec<Value> = (0..days)
        .map(|d| {
            let day = parse_timestamp("2024-10-07T00:00:00Z").expect("valid") + d * 86_400_000;
            json!({"start_time": format_ms(day), "end_time": format_ms(day + 3_600_000)})
        })
        .collect();
    for user in ["user123", "user456"] {
        let reply = call(
            &app,
            user,
            "POST",
            "/availability",
            json!({"availability": slots}),
        )
        .await;
        assert_eq!(reply.status, 200);
    }
    for booking in &slots[..MAX_BOOKINGS_PER_USER] {
        let body = json!({"start_time": booking["start_time"], "end_time": booking["end_time"],
            "participants": []});
        created(&call(&app, "user456", "POST", "/bookings", body).await);
    }
    let next = &slots[MAX_BOOKINGS_PER_USER];
    let body = json!({"start_time": next["start_time"], "end_time": next["end_time"],
        "participants": ["user456"]});
    let reply = call(&app, "user123", "POST", "/bookings", body).await;
    let errors = problem(&reply, 413);
    assert_eq!(errors[0].0, "/participants/0");
    assert!(bookings_of(&app, "user123").await.is_empty());
}

fn format_ms(millis: i64) -> String {
    availability_api::domain::timestamp::format_timestamp(millis)
}

#[tokio::test]
async fn the_list_is_paged_and_windowed_like_the_other_lists() {
    let app = three_users().await;
    let mut ids = Vec::new();
    for (from, to) in [("09:00", "09:30"), ("10:00", "10:30"), ("13:00", "13:30")] {
        ids.push(created(&book(&app, "user123", from, to, &[]).await));
    }
    let first = call(&app, "user123", "GET", "/bookings?limit=2", Value::Null).await;
    let page: Vec<&str> = first.body["bookings"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert_eq!(page, [ids[0].as_str(), ids[1].as_str()]);
    let next = first.body["next"].as_str().expect("a next page");
    let second = call(
        &app,
        "user123",
        "GET",
        &format!("/bookings?limit=2&cursor={next}"),
        Value::Null,
    )
    .await;
    assert_eq!(second.body["bookings"][0]["id"], ids[2].as_str());
    assert!(second.body.get("next").is_none());
    let other_query = call(
        &app,
        "user123",
        "GET",
        &format!("/bookings?limit=2&from=2024-01-01T00:00:00Z&cursor={next}"),
        Value::Null,
    )
    .await;
    problem(&other_query, 400);
    // A booking meeting the window is listed; `tz` shows its instants in that zone.
    let window = format!(
        "/bookings?from={}&to={}&tz=Europe/Berlin",
        at("09:15"),
        at("10:00")
    );
    let windowed = call(&app, "user123", "GET", &window, Value::Null).await;
    assert_eq!(windowed.body["bookings"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        windowed.body["bookings"][0]["start_time"],
        "2024-10-07T11:00:00+02:00"
    );
    assert_eq!(
        windowed.body["bookings"][0]["created_at"],
        "2024-10-01T10:00:00+02:00"
    );
}

#[tokio::test]
async fn in_jwt_mode_bookings_are_the_signed_in_user_s_only() {
    let app = jwt_app();
    let body = json!({"start_time": at("11:00"), "end_time": at("12:00"), "participants": []});
    for (method, path) in [
        ("POST", "/bookings"),
        ("GET", "/bookings"),
        ("GET", "/bookings/x"),
        ("DELETE", "/bookings/x"),
        ("GET", "/availability/sharing"),
        ("PUT", "/availability/sharing"),
    ] {
        let reply = invoke(&app, http_api(method, path).json(body.clone()).build()).await;
        assert_eq!(reply.status, 401, "{method} {path}");
    }
    let signed_in = |sub: &str, method: &str, path: &str| {
        http_api(method, path)
            .jwt_sub(sub)
            .header("x-user-id", "user456")
    };
    let slots = json!({"availability": [slot(&at("09:00"), &at("17:00"))]});
    for sub in ["alice", "bob"] {
        let reply = invoke(
            &app,
            signed_in(sub, "POST", "/availability")
                .json(slots.clone())
                .build(),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
    }
    let made = invoke(
        &app,
        signed_in("alice", "POST", "/bookings").json(body).build(),
    )
    .await;
    let id = created(&made);
    assert_eq!(made.body["organizer"], "alice", "the token, not the header");
    let path = format!("/bookings/{id}");
    let theirs = invoke(&app, signed_in("bob", "GET", &path).build()).await;
    problem(&theirs, 404);
    let cancel = invoke(&app, signed_in("bob", "DELETE", &path).build()).await;
    problem(&cancel, 404);
    let mine = invoke(&app, signed_in("alice", "GET", &path).build()).await;
    assert_eq!(mine.status, 200);
}

/// 50 bookings of overlapping times sharing user456, racing on one app: exactly one wins, and
/// every participant's record holds exactly the winner.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_overlapping_bookings_racing_on_one_app_book_exactly_one() {
    const RACERS: usize = 50;
    let app = Arc::new(app());
    let everyone: Vec<String> = (0..RACERS).map(|i| format!("racer{i}")).collect();
    for user in everyone.iter().map(String::as_str).chain(["user456"]) {
        set(&app, user, &[("09:00", "17:00")]).await;
    }
    let mut tasks = Vec::new();
    for (i, organizer) in everyone.iter().enumerate() {
        let (app, organizer) = (Arc::clone(&app), organizer.clone());
        // Each a different range, each overlapping all others at 12:00-12:05.
        let from = format!("{:02}:{:02}", 10 + i / 30, (i * 2) % 60);
        tasks.push(tokio::spawn(async move {
            let body = json!({"start_time": at(&from), "end_time": at("12:05"),
                "participants": ["user456"]});
            let reply = call(&app, &organizer, "POST", "/bookings", body).await;
            (organizer, reply)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (organizer, reply) = task.await.expect("the task finishes");
        match reply.status {
            201 => winners.push((organizer, created(&reply))),
            409 => {
                let pointers: Vec<String> = problem(&reply, 409).into_iter().map(|e| e.0).collect();
                assert_eq!(pointers, ["/participants/0"], "user456 is the busy one");
            }
            other => panic!("{other}: {}", reply.raw),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (winner, id) = &winners[0];
    assert_eq!(bookings_of(&app, "user456").await, [id.as_str()]);
    assert_eq!(bookings_of(&app, winner).await, [id.as_str()]);
    let holders: BTreeSet<&str> = {
        let mut holders = BTreeSet::new();
        for user in &everyone {
            if !bookings_of(&app, user).await.is_empty() {
                holders.insert(user.as_str());
            }
        }
        holders
    };
    assert_eq!(holders, BTreeSet::from([winner.as_str()]));
    println!("race: {RACERS} requests, 1 winner ({winner}), user456 holds [{id}]");
}

#[tokio::test]
async fn a_weekly_schedule_is_availability_for_booking_as_reads_show_it() {
    let app = app();
    let schedule = json!({"timezone": "Europe/Berlin",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]});
    let put = call(&app, "user456", "PUT", "/availability/schedule", schedule).await;
    assert_eq!(put.status, 200, "{}", put.raw);
    let removed = json!({"start_time": "2026-03-03T08:00:00Z", "end_time": "2026-03-03T09:00:00Z"});
    let delete = call(&app, "user456", "DELETE", "/availability", removed).await;
    assert_eq!(delete.status, 200, "{}", delete.raw);
    let book_utc = |from: &str, to: &str| json!({"start_time": from, "end_time": to, "participants": ["user456"]});
    // Monday 09:00-10:00 in Berlin (UTC+1) is inside the schedule; the organizer's own time
    // comes from a slot.
    let slots = json!({"availability": [slot("2026-03-02T00:00:00Z", "2026-03-08T00:00:00Z")]});
    assert_eq!(
        call(&app, "user123", "POST", "/availability", slots)
            .await
            .status,
        200
    );
    let monday = book_utc("2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z");
    created(&call(&app, "user123", "POST", "/bookings", monday).await);
    for (from, to) in [
        // 07:30-08:30 in Berlin starts before the schedule's hours.
        ("2026-03-02T06:30:00Z", "2026-03-02T07:30:00Z"),
        // Tuesday's first hour was removed.
        ("2026-03-03T08:00:00Z", "2026-03-03T09:00:00Z"),
        // Saturday has no hours.
        ("2026-03-07T10:00:00Z", "2026-03-07T11:00:00Z"),
    ] {
        let reply = call(&app, "user123", "POST", "/bookings", book_utc(from, to)).await;
        let pointers: Vec<String> = problem(&reply, 409).into_iter().map(|e| e.0).collect();
        assert_eq!(pointers, ["/participants/0"], "{from}");
    }
    let read = availability(
        &app,
        "user456",
        "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z",
    )
    .await;
    assert_eq!(
        read.body["availability"],
        json!([slot("2026-03-02T09:00:00Z", "2026-03-02T16:00:00Z")])
    );
}
