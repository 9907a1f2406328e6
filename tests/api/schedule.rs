//! Weekly schedules through the handler: `/availability/schedule`, their expansion in every
//! read, removed ranges and slots on top, default windows on a fixed clock, `tz` output.

use crate::helpers::{Reply, http_api, intervals, invoke, slot};
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// "Now" for every test here: a Sunday morning in UTC.
const NOW: &str = "2026-03-01T10:20:30Z";
const WEEKDAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

fn app_with(config: Config) -> App<MemoryStore> {
    let now = parse_timestamp(NOW).expect("valid test timestamp");
    App::new(MemoryStore::new(), config).with_clock(Clock::Fixed(now))
}

fn dev_app() -> App<MemoryStore> {
    app_with(Config::dev())
}

fn nine_to_five(zone: &str) -> Value {
    json!({"timezone": zone, "weekly": [{"days": WEEKDAYS, "start": "09:00", "end": "17:00"}]})
}

async fn put_schedule(app: &App<MemoryStore>, user: &str, schedule: Value) -> Reply {
    let event = http_api("PUT", "/availability/schedule")
        .header("x-user-id", user)
        .json(schedule);
    invoke(app, event.build()).await
}

async fn get(app: &App<MemoryStore>, user: &str, path: &str, query: &str) -> Reply {
    let event = http_api("GET", path).header("x-user-id", user).query(query);
    invoke(app, event.build()).await
}

/// `GET /availability?{query}` for `user`, asserted to succeed.
async fn read(app: &App<MemoryStore>, user: &str, query: &str) -> Value {
    let reply = get(app, user, "/availability", query).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply.body
}

async fn post(app: &App<MemoryStore>, user: &str, slots: Value) -> u16 {
    let event = http_api("POST", "/availability")
        .header("x-user-id", user)
        .json(json!({"availability": slots}));
    invoke(app, event.build()).await.status
}

async fn delete_range(app: &App<MemoryStore>, user: &str, start: &str, end: &str) -> Reply {
    let event = http_api("DELETE", "/availability")
        .header("x-user-id", user)
        .json(slot(start, end));
    invoke(app, event.build()).await
}

fn window(from: &str, to: &str) -> Value {
    json!({"from": from, "to": to})
}

/// The query of an explicit window.
fn between(from: &str, to: &str) -> String {
    format!("from={from}&to={to}")
}

#[tokio::test]
async fn a_schedule_is_put_read_back_as_stored_and_deleted() {
    let app = dev_app();
    let reply = get(&app, "ana", "/availability/schedule", "").await;
    assert_eq!(reply.status, 404, "no schedule yet");
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/problem+json")
    );

    let sent = json!({
        "timezone": "Europe/Berlin",
        "weekly": [{"days": WEEKDAYS, "start": "09:00", "end": "17:00"}],
        "overrides": [
            {"date": "2027-01-02", "ranges": [{"start": "10:00", "end": "14:00"}]},
            {"date": "2026-12-24", "ranges": []}
        ],
        "valid_from": "2026-01-01"
    });
    let stored = json!({
        "timezone": "Europe/Berlin",
        "weekly": [{"days": WEEKDAYS, "start": "09:00", "end": "17:00"}],
        "overrides": [
            {"date": "2026-12-24", "ranges": []},
            {"date": "2027-01-02", "ranges": [{"start": "10:00", "end": "14:00"}]}
        ],
        "valid_from": "2026-01-01",
        "valid_until": null
    });
    let put = put_schedule(&app, "ana", sent).await;
    assert_eq!((put.status, &put.body), (200, &stored), "{}", put.raw);
    assert_eq!(put.header("etag").as_deref(), Some("\"1\""));

    let got = get(&app, "ana", "/availability/schedule", "").await;
    assert_eq!((got.status, &got.body), (200, &stored));
    assert_eq!(got.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(
        get(&app, "bo", "/availability/schedule", "").await.status,
        404,
        "each user has their own"
    );

    let same_again = put_schedule(&app, "ana", stored.clone()).await;
    assert_eq!(
        same_again.header("etag").as_deref(),
        Some("\"1\""),
        "an identical PUT changes nothing"
    );

    let delete = || {
        http_api("DELETE", "/availability/schedule")
            .header("x-user-id", "ana")
            .build()
    };
    let deleted = invoke(&app, delete()).await;
    assert_eq!(
        (deleted.status, deleted.body),
        (200, json!({"message": "Schedule deleted successfully"}))
    );
    assert_eq!(
        get(&app, "ana", "/availability/schedule", "").await.status,
        404
    );
    let again = invoke(&app, delete()).await;
    assert_eq!(again.status, 404);
    assert!(again.error().contains("No schedule"), "{}", again.error());
}

#[tokio::test]
async fn bad_schedules_are_400_with_a_pointer_for_each_bad_field() {
    let app = dev_app();
    let reply = put_schedule(
        &app,
        "ana",
        json!({
            "timezone": "Europe/Berln",
            "weekly": [{"days": ["mon", "funday"], "start": "9:00", "end": "17:00"}],
            "overrides": [{"date": "2026-02-30", "ranges": [{"start": "10:00", "end": "24:01"}]}],
            "valid_from": "2026-02-01",
            "valid_until": "2026-01-31"
        }),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.raw);
    let pointers: Vec<&str> = reply.body["errors"]
        .as_array()
        .expect("an errors list")
        .iter()
        .filter_map(|error| error["pointer"].as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/timezone",
            "/weekly/0/days/1",
            "/weekly/0/start",
            "/overrides/0/date",
            "/overrides/0/ranges/0/end",
            "/valid_until"
        ]
    );
    assert!(
        reply.body["errors"][0]["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("`Europe/Berln` is not an IANA time zone")),
        "{}",
        reply.body
    );
    assert_eq!(
        reply.error(),
        "/timezone: `Europe/Berln` is not an IANA time zone name such as `Europe/Berlin` or `America/New_York` (and 5 more problems)."
    );

    let put = || http_api("PUT", "/availability/schedule");
    for (event, status, says) in [
        (
            put().json(json!({"weekly": []})),
            400,
            "/timezone: is required",
        ),
        (
            put().json(json!({"timezone": "UTC", "user_id": "bo"})),
            400,
            "/user_id: is not a known field (expected timezone, weekly, overrides, valid_from, valid_until)",
        ),
        (
            put().json(json!({"timezone": "UTC", "weekly": "mon-fri"})),
            400,
            "/weekly: must be an array of weekly rules",
        ),
        (put().json(json!([])), 400, "must be a JSON object"),
        (put(), 400, "needs a JSON body"),
        (
            put().header("content-type", "text/plain").raw_body("{}"),
            415,
            "must be JSON",
        ),
    ] {
        let event = event.build();
        let reply = invoke(&app, event.clone()).await;
        assert_eq!(reply.status, status, "{event}: {}", reply.raw);
        assert!(reply.error().contains(says), "{}", reply.error());
    }
    assert_eq!(
        get(&app, "user123", "/availability/schedule", "")
            .await
            .status,
        404,
        "nothing was stored"
    );
}

#[tokio::test]
async fn expansion_follows_the_wall_clock_across_the_new_york_spring_change() {
    let app = dev_app();
    let mut schedule = nine_to_five("America/New_York");
    schedule["weekly"]
        .as_array_mut()
        .expect("a list")
        .push(json!({"days": ["sun"], "start": "00:00", "end": "12:00"}));
    assert_eq!(put_schedule(&app, "ny", schedule).await.status, 200);

    // Clocks jump from 02:00 EST to 03:00 EDT on Sunday 2026-03-08.
    let body = read(
        &app,
        "ny",
        &between("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z"),
    )
    .await;
    assert_eq!(
        body,
        json!({
            "user_id": "ny",
            "availability": intervals(&[
                ("2026-03-06T14:00:00Z", "2026-03-06T22:00:00Z"), // Fri 09-17 EST
                ("2026-03-08T05:00:00Z", "2026-03-08T16:00:00Z"), // Sun 00-12: 11 hours
                ("2026-03-09T13:00:00Z", "2026-03-09T21:00:00Z"), // Mon 09-17 EDT
            ]),
            "window": window("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z")
        })
    );
    let in_new_york = read(
        &app,
        "ny",
        &format!(
            "{}&tz=America/New_York",
            between("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z")
        ),
    )
    .await;
    assert_eq!(
        in_new_york["availability"],
        intervals(&[
            ("2026-03-06T09:00:00-05:00", "2026-03-06T17:00:00-05:00"),
            ("2026-03-08T00:00:00-05:00", "2026-03-08T12:00:00-04:00"),
            ("2026-03-09T09:00:00-04:00", "2026-03-09T17:00:00-04:00"),
        ])
    );
    assert_eq!(
        in_new_york["window"],
        window("2026-03-05T19:00:00-05:00", "2026-03-09T20:00:00-04:00")
    );
}

#[tokio::test]
async fn removed_ranges_cut_the_schedule_and_a_later_post_makes_time_available_again() {
    let app = dev_app();
    assert_eq!(
        put_schedule(&app, "ana", nine_to_five("UTC")).await.status,
        200
    );
    let week = between("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"); // Mon and Tue
    let monday_and_tuesday = |pairs: &[(&str, &str)]| intervals(pairs);

    // A DELETE of time only the schedule provides: the schedule counts for the 404 rule.
    let cut = delete_range(&app, "ana", "2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z").await;
    assert_eq!(cut.status, 200, "{}", cut.raw);
    let nothing_there =
        delete_range(&app, "ana", "2026-03-07T09:00:00Z", "2026-03-07T17:00:00Z").await;
    assert_eq!(nothing_there.status, 404, "Saturday has no hours");
    let already_cut =
        delete_range(&app, "ana", "2026-03-02T12:15:00Z", "2026-03-02T12:45:00Z").await;
    assert_eq!(already_cut.status, 404, "removed already");

    // A POST after the DELETE wins for its instants, inside the schedule's hours or not.
    let slots = json!([
        slot("2026-03-02T12:00:00Z", "2026-03-02T12:30:00Z"),
        slot("2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z")
    ]);
    assert_eq!(post(&app, "ana", slots).await, 200);
    assert_eq!(
        read(&app, "ana", &week).await["availability"],
        monday_and_tuesday(&[
            ("2026-03-02T09:00:00Z", "2026-03-02T12:30:00Z"),
            ("2026-03-02T13:00:00Z", "2026-03-02T17:00:00Z"),
            ("2026-03-03T09:00:00Z", "2026-03-03T17:00:00Z"),
            ("2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z"),
        ])
    );

    // New weekly hours keep what POST and DELETE said explicitly.
    let mut longer = nine_to_five("UTC");
    longer["weekly"][0]["end"] = json!("18:00");
    assert_eq!(put_schedule(&app, "ana", longer).await.status, 200);
    assert_eq!(
        read(&app, "ana", &week).await["availability"],
        monday_and_tuesday(&[
            ("2026-03-02T09:00:00Z", "2026-03-02T12:30:00Z"),
            ("2026-03-02T13:00:00Z", "2026-03-02T18:00:00Z"),
            ("2026-03-03T09:00:00Z", "2026-03-03T19:00:00Z"),
        ])
    );

    // Without the schedule only the slots remain, shown as reads always showed them.
    let gone = http_api("DELETE", "/availability/schedule").header("x-user-id", "ana");
    assert_eq!(invoke(&app, gone.build()).await.status, 200);
    let reply = get(&app, "ana", "/availability", "").await;
    assert_eq!(
        reply.raw["body"],
        r#"{"user_id":"ana","availability":[{"start_time":"2026-03-02T12:00:00Z","end_time":"2026-03-02T12:30:00Z"},{"start_time":"2026-03-03T18:00:00Z","end_time":"2026-03-03T19:00:00Z"}]}"#
    );
}

#[tokio::test]
async fn a_delete_over_centuries_is_answered_quickly_and_considers_the_whole_schedule() {
    let app = dev_app();
    let mut far = nine_to_five("Asia/Tokyo");
    far["valid_from"] = json!("9000-01-01");
    assert_eq!(put_schedule(&app, "kei", far).await.status, 200);
    let started = Instant::now();
    let everything =
        delete_range(&app, "kei", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z").await;
    assert_eq!(
        everything.status, 200,
        "hours from 9000 on are availability"
    );
    let again = delete_range(&app, "kei", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z").await;
    assert_eq!(again.status, 404, "all of it is removed now");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    let far_week = between("9500-03-01T00:00:00Z", "9500-03-08T00:00:00Z");
    assert_eq!(
        read(&app, "kei", &far_week).await["availability"],
        json!([])
    );
}

#[tokio::test]
async fn two_users_in_different_zones_overlap_where_their_hours_meet() {
    let app = dev_app();
    assert_eq!(
        put_schedule(&app, "ny", nine_to_five("America/New_York"))
            .await
            .status,
        200
    );
    assert_eq!(
        put_schedule(&app, "berlin", nine_to_five("Europe/Berlin"))
            .await
            .status,
        200
    );
    // New York moves to EDT on 2026-03-08, Berlin stays on CET until 2026-03-29: the common
    // hour grows from two (14-16Z) to three (13-16Z).
    let query = between("2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z");
    let reply = get(&app, "ny", "/overlap/berlin", &query).await;
    assert_eq!(
        (reply.status, &reply.body),
        (
            200,
            &json!({
                "overlap": intervals(&[
                    ("2026-03-05T14:00:00Z", "2026-03-05T16:00:00Z"),
                    ("2026-03-06T14:00:00Z", "2026-03-06T16:00:00Z"),
                    ("2026-03-09T13:00:00Z", "2026-03-09T16:00:00Z"),
                ]),
                "window": window("2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z")
            })
        ),
        "{}",
        reply.raw
    );
    let in_berlin = get(
        &app,
        "berlin",
        "/overlap",
        &format!("user_id_2=ny&{query}&tz=Europe/Berlin"),
    )
    .await;
    assert_eq!(
        in_berlin.body["overlap"][2],
        slot("2026-03-09T14:00:00+01:00", "2026-03-09T17:00:00+01:00")
    );

    // One participant with a schedule is enough for the default window.
    assert_eq!(
        post(
            &app,
            "plain",
            json!([slot("2026-03-02T15:00:00Z", "2026-03-02T20:00:00Z")])
        )
        .await,
        200
    );
    let reply = get(&app, "plain", "/overlap/ny", "").await;
    assert_eq!(
        reply.body,
        json!({
            "overlap": intervals(&[("2026-03-02T15:00:00Z", "2026-03-02T20:00:00Z")]),
            "window": window("2026-03-01T10:20:00Z", "2026-03-31T10:20:00Z")
        })
    );
}

#[tokio::test]
async fn without_from_and_to_a_schedule_is_read_for_the_next_30_days() {
    let app = dev_app();
    assert_eq!(
        put_schedule(&app, "ana", nine_to_five("UTC")).await.status,
        200
    );
    let far_slot = json!([slot("2030-01-01T09:00:00Z", "2030-01-01T10:00:00Z")]);
    assert_eq!(post(&app, "ana", far_slot).await, 200);

    let body = read(&app, "ana", "").await;
    assert_eq!(
        body["window"],
        window("2026-03-01T10:20:00Z", "2026-03-31T10:20:00Z"),
        "from the current minute"
    );
    let shown = body["availability"].as_array().expect("a list");
    assert_eq!(shown.len(), 22, "the weekdays of March from the 2nd");
    assert_eq!(
        shown[0],
        slot("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z")
    );
    assert_eq!(
        shown[21],
        slot("2026-03-31T09:00:00Z", "2026-03-31T10:20:00Z")
    );

    // One open end: 30 days from the given one, whatever the clock says.
    let from_only = read(&app, "ana", "from=2030-01-01T00:00:00Z").await;
    assert_eq!(
        from_only["window"],
        window("2030-01-01T00:00:00Z", "2030-01-31T00:00:00Z")
    );
    assert_eq!(
        from_only["availability"][0],
        slot("2030-01-01T09:00:00Z", "2030-01-01T17:00:00Z")
    );
    let to_only = read(&app, "ana", "to=2026-01-31T00:00:00Z").await;
    assert_eq!(
        to_only["window"],
        window("2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z")
    );

    // Users without a schedule read all their slots, with no window member, as before.
    assert_eq!(
        post(
            &app,
            "plain",
            json!([slot("2020-01-01T09:00:00Z", "2020-01-01T10:00:00Z")])
        )
        .await,
        200
    );
    let reply = get(&app, "plain", "/availability", "").await;
    assert_eq!(
        reply.raw["body"],
        r#"{"user_id":"plain","availability":[{"start_time":"2020-01-01T09:00:00Z","end_time":"2020-01-01T10:00:00Z"}]}"#
    );
}

#[tokio::test]
async fn windows_that_expand_a_schedule_are_at_most_400_days() {
    let app = dev_app();
    assert_eq!(
        put_schedule(&app, "ana", nine_to_five("UTC")).await.status,
        200
    );
    let ok = between("2026-01-01T00:00:00Z", "2027-02-05T00:00:00Z");
    assert_eq!(get(&app, "ana", "/availability", &ok).await.status, 200);
    let too_long = between("2026-01-01T00:00:00Z", "2027-02-05T00:01:00Z");
    for (user, path) in [
        ("ana", "/availability"),
        ("ana", "/overlap/bo"),
        ("bo", "/overlap/ana"),
    ] {
        let reply = get(&app, user, path, &too_long).await;
        assert_eq!(reply.status, 400, "{path}");
        assert_eq!(reply.body["errors"][0]["pointer"], "?to");
        assert!(reply.error().contains("400 days"), "{}", reply.error());
    }
    // Nothing to expand: a long window costs only the slots, as it always did.
    let reply = get(&app, "bo", "/availability", &too_long).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn tz_writes_output_in_that_zone_and_unknown_zones_are_400() {
    let app = dev_app();
    assert_eq!(
        post(
            &app,
            "plain",
            json!([slot("2026-03-02T03:30:00Z", "2026-03-02T04:00:00.500Z")])
        )
        .await,
        200
    );
    let in_kolkata = read(&app, "plain", "tz=Asia/Kolkata").await;
    assert_eq!(
        in_kolkata,
        json!({"user_id": "plain", "availability": intervals(&[
            ("2026-03-02T09:00:00+05:30", "2026-03-02T09:30:00.500+05:30")
        ])})
    );
    for (query, says) in [
        (
            "tz=Mars/Olympus_Mons",
            "`Mars/Olympus_Mons` is not an IANA time zone",
        ),
        ("tz=asia/kolkata", "did you mean `Asia/Kolkata`?"),
        ("tz=UTC&tz=UTC", "more than once"),
    ] {
        for path in ["/availability", "/overlap/bo"] {
            let reply = get(&app, "plain", path, query).await;
            assert_eq!(reply.status, 400, "{path}?{query}");
            assert_eq!(reply.body["errors"][0]["pointer"], "?tz");
            assert!(reply.error().contains(says), "{}", reply.error());
        }
    }
}

#[tokio::test]
async fn schedule_writes_honour_if_match() {
    let app = dev_app();
    let etag = get(&app, "ana", "/availability", "")
        .await
        .header("etag")
        .expect("an ETag");
    let put = |if_match: &str| {
        http_api("PUT", "/availability/schedule")
            .header("if-match", if_match)
            .header("x-user-id", "ana")
            .json(nine_to_five("UTC"))
            .build()
    };
    let first = invoke(&app, put(&etag)).await;
    assert_eq!(
        (first.status, first.header("etag").as_deref()),
        (200, Some("\"1\""))
    );
    let stale = invoke(&app, put(&etag)).await;
    assert_eq!(stale.status, 412);
    assert_eq!(invoke(&app, put("nonsense")).await.status, 400);

    let delete = |if_match: &str| {
        http_api("DELETE", "/availability/schedule")
            .header("if-match", if_match)
            .header("x-user-id", "ana")
            .build()
    };
    assert_eq!(invoke(&app, delete("\"0\"")).await.status, 412);
    let deleted = invoke(&app, delete("\"1\"")).await;
    assert_eq!(
        (deleted.status, deleted.header("etag").as_deref()),
        (200, Some("\"2\""))
    );
    assert_eq!(
        get(&app, "ana", "/availability/schedule", "").await.status,
        404
    );
}

#[tokio::test]
async fn in_jwt_mode_a_schedule_is_the_signed_in_users_own() {
    let app = app_with(Config::jwt());
    for method in ["GET", "PUT", "DELETE"] {
        let event = http_api(method, "/availability/schedule")
            .header("x-user-id", "ana")
            .json(nine_to_five("UTC"));
        assert_eq!(invoke(&app, event.build()).await.status, 401, "{method}");
    }
    let as_ana = |method: &str| http_api(method, "/availability/schedule").jwt_sub("ana");
    let put = invoke(&app, as_ana("PUT").json(nine_to_five("UTC")).build()).await;
    assert_eq!(put.status, 200, "{}", put.raw);
    let smuggled = {
        let mut body = nine_to_five("UTC");
        body["user_id"] = json!("bo");
        as_ana("PUT").json(body)
    };
    assert_eq!(invoke(&app, smuggled.build()).await.status, 400);
    let as_bo = http_api("GET", "/availability/schedule")
        .jwt_sub("bo")
        .header("x-user-id", "ana");
    assert_eq!(
        invoke(&app, as_bo.build()).await.status,
        404,
        "the header names nobody in jwt mode"
    );
    assert_eq!(
        invoke(&app, as_ana("GET").build()).await.body,
        json!({"timezone": "UTC",
               "weekly": [{"days": WEEKDAYS, "start": "09:00", "end": "17:00"}],
               "overrides": [], "valid_from": null, "valid_until": null})
    );
}

#[tokio::test]
async fn the_schedule_route_allows_get_put_and_delete() {
    let app = dev_app();
    let reply = invoke(&app, http_api("POST", "/availability/schedule").build()).await;
    assert_eq!(
        (reply.status, reply.header("allow").as_deref()),
        (405, Some("GET, PUT, DELETE, HEAD, OPTIONS"))
    );
    let reply = invoke(&app, http_api("GET", "/availability/schedules").build()).await;
    assert_eq!(reply.status, 404);
}

/// `removed` one-hour cuts on consecutive weekdays (10:00 in New York) into a user's weekly
/// hours, then a DELETE over two years.
async fn two_years_after_cuts(app: &App<MemoryStore>, removed: usize) -> Reply {
    let user = format!("cuts{removed}");
    let schedule = nine_to_five("America/New_York");
    assert_eq!(put_schedule(app, &user, schedule).await.status, 200);
    let monday = parse_timestamp("2026-03-02T15:00:00Z").expect("a time");
    let show = |millis| {
        chrono::DateTime::from_timestamp_millis(millis)
            .expect("in range")
            .to_rfc3339()
    };
    for day in (0..).filter(|day| day % 7 < 5).take(removed) {
        let start = monday + day * 86_400_000;
        let cut = delete_range(app, &user, &show(start), &show(start + 3_600_000)).await;
        assert_eq!(cut.status, 200);
    }
    delete_range(app, &user, "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z").await
}

#[tokio::test]
async fn a_delete_over_more_than_400_days_may_hold_few_removed_ranges_with_a_schedule() {
    let app = dev_app();
    let over = two_years_after_cuts(&app, 81).await;
    assert_eq!(over.status, 400, "{:?}", over.body);
    assert_eq!(over.body["errors"][0]["pointer"], "/end_time");
    let detail = over.body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(
        detail.contains("400 days") && detail.contains("at most 80"),
        "{detail}"
    );
    assert_eq!(two_years_after_cuts(&app, 80).await.status, 200);
    let within = delete_range(
        &app,
        "cuts81",
        "2026-01-01T00:00:00Z",
        "2027-02-05T00:00:00Z",
    );
    assert_eq!(
        within.await.status,
        200,
        "400 days, however many removed ranges"
    );
}
