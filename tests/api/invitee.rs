//! Invitees booking a host through the handler with no identity: every refusal reason, manage
//! links (read, reschedule, cancel), idempotent retries, the per-address limit, teams, races,
//! and what the store keeps of a manage token.

use crate::helpers::{Reply, http_api, invoke, slot};
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::{AvailabilityStore, MemoryStore};
use serde_json::{Value, json};
use std::sync::Arc;

const NOW: &str = "2026-03-01T00:00:00Z";

/// An app at `NOW` in `jwt` mode, with room for many writes from the tests' one address.
fn app() -> App<MemoryStore> {
    app_with(Config {
        public_writes_per_minute: 10_000,
        ..Config::jwt()
    })
}

fn app_with(config: Config) -> App<MemoryStore> {
    let now = parse_timestamp(NOW).expect("valid");
    App::new(MemoryStore::new(), config).with_clock(Clock::Fixed(now))
}

async fn as_host(
    app: &App<impl AvailabilityStore>,
    host: &str,
    method: &str,
    path: &str,
    body: Value,
) -> Reply {
    let event = http_api(method, path).jwt_sub(host);
    let event = match body {
        Value::Null => event,
        body => event.json(body),
    };
    let reply = invoke(app, event.build()).await;
    assert!(reply.status < 300, "{method} {path}: {}", reply.raw);
    reply
}

/// A host free on Monday 2026-03-02, 09:00 to 12:00 UTC, offering `event_type` as `slug`.
async fn offering(app: &App<impl AvailabilityStore>, host: &str, slug: &str, event_type: Value) {
    let free = json!({"availability": [slot("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z")]});
    as_host(app, host, "POST", "/availability", free).await;
    as_host(
        app,
        host,
        "PUT",
        &format!("/event-types/{slug}"),
        event_type,
    )
    .await;
}

fn invitee(email: &str) -> Value {
    json!({"name": "Ina Vitee", "email": email, "timezone": "Europe/Berlin"})
}

async fn book(app: &App<impl AvailabilityStore>, path: &str, start: &str, email: &str) -> Reply {
    let body = json!({"start_time": start, "invitee": invitee(email), "note": "Hello"});
    invoke(app, http_api("POST", path).json(body).build()).await
}

async fn open(app: &App<impl AvailabilityStore>, method: &str, path: &str, body: Value) -> Reply {
    let event = http_api(method, path);
    let event = match body {
        Value::Null => event,
        body => event.json(body),
    };
    invoke(app, event.build()).await
}

/// The starts `path`'s slots list on Monday 2026-03-02.
async fn slot_starts(app: &App<impl AvailabilityStore>, path: &str) -> Vec<String> {
    let event = http_api("GET", &format!("{path}/slots"))
        .query("from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z")
        .build();
    let reply = invoke(app, event).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|slot| slot["start_time"].as_str().expect("start").to_owned())
        .collect()
}

fn reason(reply: &Reply) -> &str {
    reply.body["reason"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_invitee_books_reschedules_and_cancels_with_the_manage_link() {
    let app = app();
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT1H"}),
    )
    .await;
    let path = "/public/ana/call/bookings";
    assert_eq!(
        slot_starts(&app, "/public/ana/call").await,
        [
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z"
        ]
    );
    let made = book(&app, path, "2026-03-02T10:00:00Z", "ina@example.com").await;
    assert_eq!(made.status, 201, "{}", made.raw);
    let token = made.body["manage_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(made.header("location"), Some(format!("/manage/{token}")));
    let id = made.body["id"].clone();
    assert_eq!(
        made.body,
        json!({"id": id, "event_type": "call", "hosts": ["ana"],
               "start_time": "2026-03-02T10:00:00Z", "end_time": "2026-03-02T11:00:00Z",
               "invitee": invitee("ina@example.com"), "note": "Hello", "status": "confirmed",
               "sequence": 0, "manage_token": token})
    );
    // The time is busy everywhere: the slots, the host's availability, their bookings.
    assert_eq!(
        slot_starts(&app, "/public/ana/call").await,
        ["2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"]
    );
    let bookings = as_host(&app, "ana", "GET", "/bookings", Value::Null).await;
    assert_eq!(bookings.body["bookings"][0]["event_type"], "call");
    assert_eq!(
        bookings.body["bookings"][0]["invitee"]["email"],
        "ina@example.com"
    );
    let taken = book(&app, path, "2026-03-02T10:00:00Z", "other@example.com").await;
    assert_eq!(
        (taken.status, reason(&taken)),
        (409, "unavailable"),
        "{}",
        taken.raw
    );

    let manage = format!("/manage/{token}");
    let read = open(&app, "GET", &manage, Value::Null).await;
    assert_eq!(read.status, 200, "{}", read.raw);
    assert_eq!(read.body["id"], id);
    assert!(read.body.get("manage_token").is_none());

    // Onto itself: the booking does not count against itself.
    let itself = open(
        &app,
        "POST",
        &format!("{manage}/reschedule"),
        json!({"start_time": "2026-03-02T10:00:00Z"}),
    )
    .await;
    assert_eq!(
        (itself.status, &itself.body["sequence"]),
        (200, &json!(1)),
        "{}",
        itself.raw
    );
    let moved = open(
        &app,
        "POST",
        &format!("{manage}/reschedule"),
        json!({"start_time": "2026-03-02T11:00:00Z"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.raw);
    assert_eq!(
        (
            &moved.body["id"],
            &moved.body["sequence"],
            &moved.body["start_time"]
        ),
        (&id, &json!(2), &json!("2026-03-02T11:00:00Z"))
    );
    assert_eq!(
        slot_starts(&app, "/public/ana/call").await,
        ["2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"],
        "the old time is free again"
    );

    let cancel = format!("{manage}/cancel");
    let cancelled = open(
        &app,
        "POST",
        &cancel,
        json!({"reason": "Something came up"}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.raw);
    assert_eq!(cancelled.body["status"], "cancelled");
    let again = open(&app, "POST", &cancel, Value::Null).await;
    assert_eq!((again.status, &again.body), (200, &cancelled.body));
    assert_eq!(
        open(&app, "GET", &manage, Value::Null).await.body["status"],
        "cancelled"
    );
    assert_eq!(slot_starts(&app, "/public/ana/call").await.len(), 3);
    let late = open(
        &app,
        "POST",
        &format!("{manage}/reschedule"),
        json!({"start_time": "2026-03-02T09:00:00Z"}),
    )
    .await;
    assert_eq!(
        (late.status, reason(&late)),
        (409, "cancelled"),
        "{}",
        late.raw
    );
    let bookings = as_host(&app, "ana", "GET", "/bookings", Value::Null).await;
    assert_eq!(bookings.body["bookings"], json!([]));
}

#[tokio::test]
async fn every_reason_of_the_contract() {
    every_reason_of_the_contract_on(&app()).await;
}

/// Every refusal `reason` of a new booking, on `app` at `NOW` (any store).
pub(crate) async fn every_reason_of_the_contract_on(app: &App<impl AvailabilityStore>) {
    let event_type = json!({"title": "Call", "duration": "PT30M", "minimum_notice": "P1D",
        "horizon": "P3D", "max_per_day": 2});
    offering(app, "ana", "call", event_type).await;
    let path = "/public/ana/call/bookings";
    let too_soon = book(app, path, "2026-03-01T12:00:00Z", "a@example.com").await;
    assert_eq!((too_soon.status, reason(&too_soon)), (409, "too_soon"));
    let past = book(app, path, "2020-01-01T00:00:00Z", "a@example.com").await;
    assert_eq!((past.status, reason(&past)), (409, "too_soon"));
    let beyond = book(app, path, "2026-03-04T09:00:00Z", "a@example.com").await;
    assert_eq!((beyond.status, reason(&beyond)), (409, "beyond_horizon"));
    let off_grid = book(app, path, "2026-03-02T09:10:00Z", "a@example.com").await;
    assert_eq!((off_grid.status, reason(&off_grid)), (409, "off_grid"));
    let outside = book(app, path, "2026-03-02T13:00:00Z", "a@example.com").await;
    assert_eq!((outside.status, reason(&outside)), (409, "unavailable"));
    for start in ["2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"] {
        assert_eq!(book(app, path, start, "a@example.com").await.status, 201);
    }
    let full = book(app, path, "2026-03-02T10:00:00Z", "b@example.com").await;
    assert_eq!(
        (full.status, reason(&full)),
        (409, "day_full"),
        "{}",
        full.raw
    );
    let monday = slot_starts(app, "/public/ana/call").await;
    assert!(monday.is_empty(), "{monday:?}");

    // Three upcoming bookings per email with one host.
    offering(
        app,
        "ben",
        "chat",
        json!({"title": "Chat", "duration": "PT30M"}),
    )
    .await;
    let path = "/public/ben/chat/bookings";
    for start in [
        "2026-03-02T09:00:00Z",
        "2026-03-02T10:00:00Z",
        "2026-03-02T11:00:00Z",
    ] {
        assert_eq!(book(app, path, start, "Ina@Example.com").await.status, 201);
    }
    let fourth = book(app, path, "2026-03-02T11:30:00Z", "ina@example.com").await;
    assert_eq!(
        (fourth.status, reason(&fourth)),
        (409, "invitee_limit"),
        "{}",
        fourth.raw
    );
    assert_eq!(
        book(app, path, "2026-03-02T11:30:00Z", "other@example.com")
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_writes_nothing() {
    let app = app();
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M"}),
    )
    .await;
    let path = "/public/ana/call/bookings";
    let start = "2026-03-02T09:00:00Z";
    for (body, pointer) in [
        (
            json!({"start_time": start, "invitee": {"name": "Ina", "email": "not an email"}}),
            "/invitee/email",
        ),
        (
            json!({"start_time": start, "invitee": {"name": "x".repeat(10_000), "email": "i@example.com"}}),
            "/invitee/name",
        ),
        (
            json!({"start_time": start, "invitee": {"name": "Ina", "email": "i@example.com", "timezone": "Mars/Base"}}),
            "/invitee/timezone",
        ),
        (
            json!({"start_time": "2026-03-02T09:00:00", "invitee": {"name": "Ina", "email": "i@example.com"}}),
            "/start_time",
        ),
        (
            json!({"start_time": start, "invitee": {"name": "Ina", "email": "i@example.com"}, "note": "x".repeat(1_001)}),
            "/note",
        ),
        (json!({"start_time": start}), "/invitee"),
        (
            json!({"start_time": start, "invitee": {"name": "Ina", "email": "i@example.com"}, "host": "ben"}),
            "/host",
        ),
    ] {
        let reply = open(&app, "POST", path, body).await;
        assert_eq!(reply.status, 400, "{pointer}: {}", reply.raw);
        assert_eq!(reply.body["errors"][0]["pointer"], pointer, "{}", reply.raw);
    }
    assert_eq!(
        slot_starts(&app, "/public/ana/call").await.len(),
        6,
        "nothing was booked"
    );
    let unknown = book(&app, "/public/ana/other/bookings", start, "i@example.com").await;
    assert_eq!(unknown.status, 404);
    for token in [
        "x",
        "a.b.c",
        &"A".repeat(300),
        "dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let reply = open(&app, "GET", &format!("/manage/{token}"), Value::Null).await;
        assert_eq!(reply.status, 404, "{token}");
        let reply = open(
            &app,
            "POST",
            &format!("/manage/{token}/cancel"),
            Value::Null,
        )
        .await;
        assert_eq!(reply.status, 404, "{token}");
    }
    // A real booking's token with another secret is no token.
    let made = book(&app, path, start, "i@example.com").await;
    let token = made.body["manage_token"].as_str().expect("a token");
    let (place, _) = token.rsplit_once('.').expect("three parts");
    let forged = format!("{place}.AAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(
        open(&app, "GET", &format!("/manage/{forged}"), Value::Null)
            .await
            .status,
        404
    );
    let reply = open(
        &app,
        "POST",
        &format!("/manage/{forged}/cancel"),
        Value::Null,
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn a_retry_with_its_idempotency_key_answers_the_same_booking_once() {
    let app = app();
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M"}),
    )
    .await;
    let body = json!({"start_time": "2026-03-02T09:00:00Z", "invitee": invitee("i@example.com")});
    let send = || {
        http_api("POST", "/public/ana/call/bookings")
            .header("idempotency-key", "k-1")
            .json(body.clone())
            .build()
    };
    let first = invoke(&app, send()).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    let retry = invoke(&app, send()).await;
    assert_eq!(retry.status, 201, "{}", retry.raw);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert!(
        retry.body.get("manage_token").is_none(),
        "only the first answer shows the token"
    );
    assert_eq!(slot_starts(&app, "/public/ana/call").await.len(), 5);
}

#[tokio::test]
async fn one_address_gets_twenty_writes_a_minute_then_429_with_retry_after() {
    let app = app_with(Config::jwt());
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M"}),
    )
    .await;
    for n in 0..20 {
        let reply = book(
            &app,
            "/public/ana/other/bookings",
            "2026-03-02T09:00:00Z",
            "i@example.com",
        )
        .await;
        assert_eq!(reply.status, 404, "{n}: counted, then answered");
    }
    let limited = book(
        &app,
        "/public/ana/call/bookings",
        "2026-03-02T09:00:00Z",
        "i@example.com",
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.raw);
    assert_eq!(limited.header("retry-after").as_deref(), Some("60"));
    // Another address, as API Gateway saw the connection, still books; a header says nothing.
    let mut elsewhere = http_api("POST", "/public/ana/call/bookings")
        .header("x-forwarded-for", "198.51.100.9")
        .json(json!({"start_time": "2026-03-02T09:00:00Z", "invitee": invitee("i@example.com")}))
        .build();
    assert_eq!(invoke(&app, elsewhere.clone()).await.status, 429);
    elsewhere["requestContext"]["http"]["sourceIp"] = json!("198.51.100.9");
    assert_eq!(invoke(&app, elsewhere).await.status, 201);
    // Reads are not counted.
    assert_eq!(slot_starts(&app, "/public/ana/call").await.len(), 5);
}

#[tokio::test]
async fn a_team_books_everyone_or_the_free_host_with_the_fewest_bookings() {
    let app = app();
    for host in ["ana", "ben"] {
        let free = json!({"availability": [slot("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z")]});
        as_host(&app, host, "POST", "/availability", free).await;
    }
    let all = json!({"title": "Both", "duration": "PT1H", "hosts": ["ana", "ben"]});
    as_host(&app, "ana", "PUT", "/event-types/both", all).await;
    let one = json!({"title": "Either", "duration": "PT1H", "hosts": ["ana", "ben"], "assignment": "one"});
    as_host(&app, "ana", "PUT", "/event-types/either", one).await;

    let both = book(
        &app,
        "/public/ana/both/bookings",
        "2026-03-02T09:00:00Z",
        "a@example.com",
    )
    .await;
    assert_eq!(
        (both.status, &both.body["hosts"]),
        (201, &json!(["ana", "ben"])),
        "{}",
        both.raw
    );
    let first = book(
        &app,
        "/public/ana/either/bookings",
        "2026-03-02T10:00:00Z",
        "b@example.com",
    )
    .await;
    assert_eq!(
        first.body["hosts"],
        json!(["ana"]),
        "ties go to the first host"
    );
    let second = book(
        &app,
        "/public/ana/either/bookings",
        "2026-03-02T10:00:00Z",
        "c@example.com",
    )
    .await;
    assert_eq!(second.body["hosts"], json!(["ben"]), "ana is taken then");
    let third = book(
        &app,
        "/public/ana/either/bookings",
        "2026-03-02T11:00:00Z",
        "d@example.com",
    )
    .await;
    assert_eq!(
        third.body["hosts"],
        json!(["ana"]),
        "both hold one of this type: ana first"
    );
    let none = book(
        &app,
        "/public/ana/either/bookings",
        "2026-03-02T10:00:00Z",
        "e@example.com",
    )
    .await;
    assert_eq!((none.status, reason(&none)), (409, "unavailable"));
    for host in ["ana", "ben"] {
        let bookings = as_host(&app, host, "GET", "/bookings", Value::Null).await;
        assert!(
            bookings.body["bookings"].as_array().expect("list").len() >= 2,
            "{host}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_invitees_get_one_booking_per_slot_and_no_more_than_max_per_day() {
    let app = Arc::new(app());
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M", "step": "PT5M", "max_per_day": 5}),
    )
    .await;
    let racers: Vec<_> = (0..50)
        .map(|n| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                book(
                    &app,
                    "/public/ana/call/bookings",
                    "2026-03-02T09:00:00Z",
                    &format!("i{n}@example.com"),
                )
                .await
                .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for racer in racers {
        statuses.push(racer.await.expect("a racer"));
    }
    let won = statuses.iter().filter(|status| **status == 201).count();
    println!(
        "50 invitees on one slot: {won} × 201, {} × 409",
        statuses.iter().filter(|s| **s == 409).count()
    );
    assert_eq!(won, 1, "{statuses:?}");

    // 30 invitees on distinct, non-overlapping starts of Tuesday: max_per_day 5 holds.
    let free = json!({"availability": [slot("2026-03-03T00:00:00Z", "2026-03-03T23:00:00Z")]});
    as_host(&app, "ana", "POST", "/availability", free).await;
    let racers: Vec<_> = (0..30)
        .map(|n| {
            let app = Arc::clone(&app);
            let start = format!("2026-03-03T{:02}:{:02}:00Z", n * 45 / 60, n * 45 % 60);
            tokio::spawn(async move {
                let reply = book(
                    &app,
                    "/public/ana/call/bookings",
                    &start,
                    &format!("j{n}@example.com"),
                )
                .await;
                (reply.status, reason(&reply).to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.expect("a racer"));
    }
    let made = outcomes.iter().filter(|(status, _)| *status == 201).count();
    println!("30 invitees on distinct slots, max_per_day 5: {made} × 201");
    assert_eq!(made, 5, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|(status, why)| *status == 201 || why == "day_full"),
        "{outcomes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reschedules_onto_one_slot_one_wins() {
    let app = Arc::new(app());
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M"}),
    )
    .await;
    let mut tokens = Vec::new();
    for (start, email) in [
        ("2026-03-02T09:00:00Z", "a@example.com"),
        ("2026-03-02T09:30:00Z", "b@example.com"),
    ] {
        let made = book(&app, "/public/ana/call/bookings", start, email).await;
        tokens.push(
            made.body["manage_token"]
                .as_str()
                .expect("a token")
                .to_owned(),
        );
    }
    let movers: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                let body = json!({"start_time": "2026-03-02T11:00:00Z"});
                open(&app, "POST", &format!("/manage/{token}/reschedule"), body)
                    .await
                    .status
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for mover in movers {
        statuses.push(mover.await.expect("a mover"));
    }
    statuses.sort_unstable();
    println!("two reschedules onto one slot: {statuses:?}");
    assert_eq!(statuses, [200, 409]);
}

#[tokio::test]
async fn the_store_keeps_no_manage_token_only_its_hash() {
    let app = app();
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT30M"}),
    )
    .await;
    let made = book(
        &app,
        "/public/ana/call/bookings",
        "2026-03-02T09:00:00Z",
        "i@example.com",
    )
    .await;
    let token = made.body["manage_token"].as_str().expect("a token");
    let secret = token.rsplit('.').next().expect("a secret");
    let record = app.store().load("ana", None).await.expect("a record");
    let stored = serde_json::to_string(&*record).expect("JSON");
    assert!(
        !stored.contains(token) && !stored.contains(secret),
        "{stored}"
    );
    assert!(stored.contains("manage_hash"));
}

#[tokio::test]
async fn a_reschedule_across_days_frees_the_old_day_and_takes_the_new() {
    let app = app();
    offering(
        &app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT1H", "max_per_day": 1}),
    )
    .await;
    let tuesday = json!({"availability": [slot("2026-03-03T09:00:00Z", "2026-03-03T11:00:00Z")]});
    as_host(&app, "ana", "POST", "/availability", tuesday).await;
    let made = book(
        &app,
        "/public/ana/call/bookings",
        "2026-03-02T10:00:00Z",
        "i@example.com",
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.raw);
    let token = made.body["manage_token"].as_str().expect("a token");
    // Monday is full (max_per_day 1), Tuesday open.
    let monday = slot_starts(&app, "/public/ana/call").await;
    assert!(monday.is_empty(), "{monday:?}");
    let moved = open(
        &app,
        "POST",
        &format!("/manage/{token}/reschedule"),
        json!({"start_time": "2026-03-03T09:00:00Z"}),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.raw);
    assert_eq!(
        (&moved.body["id"], &moved.body["sequence"]),
        (&made.body["id"], &json!(1))
    );
    assert_eq!(
        slot_starts(&app, "/public/ana/call").await,
        [
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z"
        ],
        "Monday is free again"
    );
    let tuesday = http_api("GET", "/public/ana/call/slots")
        .query("from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z")
        .build();
    let tuesday = invoke(&app, tuesday).await;
    assert_eq!(
        tuesday.body["slots"],
        json!([]),
        "Tuesday holds its one booking"
    );
}

#[tokio::test]
async fn a_host_cancels_an_invitee_s_booking_for_every_host_and_the_link_shows_it_cancelled() {
    let app = app();
    for host in ["ana", "ben"] {
        let free = json!({"availability": [slot("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z")]});
        as_host(&app, host, "POST", "/availability", free).await;
    }
    let both = json!({"title": "Both", "duration": "PT1H", "hosts": ["ana", "ben"]});
    as_host(&app, "ana", "PUT", "/event-types/both", both).await;
    let made = book(
        &app,
        "/public/ana/both/bookings",
        "2026-03-02T09:00:00Z",
        "i@example.com",
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.raw);
    let id = made.body["id"].as_str().expect("an id");
    let token = made.body["manage_token"].as_str().expect("a token");
    // ben, a host but not the owner, cancels it.
    let cancelled = as_host(
        &app,
        "ben",
        "DELETE",
        &format!("/bookings/{id}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        cancelled.body["message"],
        "Booking cancelled for every participant"
    );
    for host in ["ana", "ben"] {
        let bookings = as_host(&app, host, "GET", "/bookings", Value::Null).await;
        assert_eq!(bookings.body["bookings"], json!([]), "{host}");
    }
    let read = open(&app, "GET", &format!("/manage/{token}"), Value::Null).await;
    assert_eq!(
        (read.status, &read.body["status"]),
        (200, &json!("cancelled")),
        "{}",
        read.raw
    );
    assert_eq!(
        slot_starts(&app, "/public/ana/both").await.len(),
        3,
        "free again"
    );
}

#[tokio::test]
async fn the_manage_link_lists_the_times_a_reschedule_would_take() {
    manage_link_slots_on(&app()).await;
}

/// `GET /manage/{token}/slots` on `app`'s store (also run on DynamoDB, `tests/api/dynamodb.rs`).
pub(crate) async fn manage_link_slots_on(app: &App<impl AvailabilityStore>) {
    offering(
        app,
        "ana",
        "call",
        json!({"title": "Call", "duration": "PT1H"}),
    )
    .await;
    let made = book(
        app,
        "/public/ana/call/bookings",
        "2026-03-02T10:00:00Z",
        "ina@example.com",
    )
    .await;
    let token = made.body["manage_token"].as_str().expect("a token");
    let manage = format!("/manage/{token}");
    // Its own time is listed: the booking does not count against itself.
    assert_eq!(
        slot_starts(app, &manage).await,
        [
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z"
        ]
    );
    let other = book(
        app,
        "/public/ana/call/bookings",
        "2026-03-02T11:00:00Z",
        "other@example.com",
    )
    .await;
    assert_eq!(other.status, 201);
    assert_eq!(
        slot_starts(app, &manage).await,
        ["2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"]
    );
    // The window rules of the public slots, checked before any lookup.
    let too_long = http_api("GET", &format!("{manage}/slots"))
        .query("from=2026-03-02T00:00:00Z&to=2026-04-30T00:00:00Z")
        .build();
    assert_eq!(invoke(app, too_long).await.status, 400);
    let unknown = http_api(
        "GET",
        "/manage/dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA/slots",
    )
    .build();
    assert_eq!(invoke(app, unknown).await.status, 404);
    let cancel = open(app, "POST", &format!("{manage}/cancel"), json!({})).await;
    assert_eq!(cancel.status, 200);
    let event = http_api("GET", &format!("{manage}/slots")).build();
    let after = invoke(app, event).await;
    assert_eq!((after.status, reason(&after)), (409, "cancelled"));
}
