//! The public half through the handler, with no identity: slots of an event type
//! (`GET /public/{user_id}/{slug}/slots`) across daylight saving changes, on other zones' grids,
//! with buffers, notice, horizon and teams.

use crate::helpers::{Reply, http_api, invoke, slot};
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};

fn app_at(now: &str) -> App<MemoryStore> {
    let now = parse_timestamp(now).expect("valid");
    App::new(MemoryStore::new(), Config::jwt()).with_clock(Clock::Fixed(now))
}

async fn as_host(
    app: &App<MemoryStore>,
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

async fn open_slots(app: &App<MemoryStore>, path: &str, query: &str) -> Reply {
    invoke(app, http_api("GET", path).query(query).build()).await
}

/// The starts of the slots a reply lists.
fn starts(reply: &Reply) -> Vec<String> {
    reply.body["slots"]
        .as_array()
        .unwrap_or_else(|| panic!("slots in {}", reply.raw))
        .iter()
        .map(|slot| slot["start_time"].as_str().expect("a start").to_owned())
        .collect()
}

#[tokio::test]
async fn a_new_york_host_s_slots_follow_the_wall_clock_across_the_march_change() {
    let app = app_at("2026-03-01T00:00:00Z");
    let schedule = json!({"timezone": "America/New_York",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "12:00"}]});
    as_host(&app, "nyc", "PUT", "/availability/schedule", schedule).await;
    let hour = json!({"title": "Hour", "duration": "PT1H"});
    as_host(&app, "nyc", "PUT", "/event-types/hour", hour).await;
    let reply = open_slots(
        &app,
        "/public/nyc/hour/slots",
        "from=2026-03-06T00:00:00Z&to=2026-03-10T00:00:00Z",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    // Friday on EST (UTC-5), Monday on EDT (UTC-4): 09:00, 10:00 and 11:00 local each day.
    assert_eq!(
        starts(&reply),
        [
            "2026-03-06T14:00:00Z",
            "2026-03-06T15:00:00Z",
            "2026-03-06T16:00:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-09T14:00:00Z",
            "2026-03-09T15:00:00Z",
        ]
    );
    assert_eq!(
        reply.body["window"],
        json!({"from": "2026-03-06T00:00:00Z", "to": "2026-03-10T00:00:00Z"})
    );
    // In New York's own offsets on request.
    let local = open_slots(
        &app,
        "/public/nyc/hour/slots",
        "from=2026-03-09T00:00:00Z&to=2026-03-10T00:00:00Z&tz=America/New_York",
    )
    .await;
    assert_eq!(
        local.body["slots"][0]["start_time"],
        "2026-03-09T09:00:00-04:00"
    );

    // November: the fall back moves the same local hours an hour later in UTC.
    let november = open_slots(
        &app,
        "/public/nyc/hour/slots",
        "from=2026-10-30T00:00:00Z&to=2026-11-03T00:00:00Z",
    )
    .await;
    assert_eq!(
        november.body["slots"],
        json!([]),
        "beyond the default 60-day horizon"
    );
    let far = json!({"title": "Hour", "duration": "PT1H", "horizon": "P400D"});
    as_host(&app, "nyc", "PUT", "/event-types/hour", far).await;
    let november = open_slots(
        &app,
        "/public/nyc/hour/slots",
        "from=2026-10-30T00:00:00Z&to=2026-11-03T00:00:00Z",
    )
    .await;
    assert_eq!(
        starts(&november),
        [
            "2026-10-30T13:00:00Z",
            "2026-10-30T14:00:00Z",
            "2026-10-30T15:00:00Z",
            "2026-11-02T14:00:00Z",
            "2026-11-02T15:00:00Z",
            "2026-11-02T16:00:00Z",
        ]
    );
}

#[tokio::test]
async fn a_kolkata_grid_starts_on_the_half_hour_in_utc() {
    let app = app_at("2026-03-01T00:00:00Z");
    let free = json!({"availability": [slot("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z")]});
    as_host(&app, "ana", "POST", "/availability", free).await;
    let call = json!({"title": "Call", "duration": "PT1H", "timezone": "Asia/Kolkata"});
    as_host(&app, "ana", "PUT", "/event-types/call", call).await;
    let reply = open_slots(
        &app,
        "/public/ana/call/slots",
        "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z",
    )
    .await;
    assert_eq!(
        starts(&reply),
        ["2026-03-02T09:30:00Z", "2026-03-02T10:30:00Z"]
    );
}

#[tokio::test]
async fn notice_horizon_and_buffers_around_another_booking_narrow_the_slots() {
    let app = app_at("2026-03-02T08:00:00Z");
    let free = json!({"availability": [slot("2026-03-02T08:00:00Z", "2026-03-02T14:00:00Z")]});
    as_host(&app, "ana", "POST", "/availability", free).await;
    // A booking between users, 11:00-12:00: busy time.
    let meeting = json!({"start_time": "2026-03-02T11:00:00Z", "end_time": "2026-03-02T12:00:00Z", "participants": []});
    as_host(&app, "ana", "POST", "/bookings", meeting).await;
    let call = json!({"title": "Call", "duration": "PT30M", "minimum_notice": "PT2H",
        "buffer_before": "PT30M", "buffer_after": "PT15M"});
    as_host(&app, "ana", "PUT", "/event-types/call", call).await;
    let reply = open_slots(
        &app,
        "/public/ana/call/slots",
        "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z",
    )
    .await;
    assert_eq!(
        starts(&reply),
        [
            // From 10:00 (two hours' notice); 10:30 would end at 11:00 with 15 minutes after
            // it inside the booking; after it, 12:30 is the first start with 30 minutes free
            // before; 13:30 would need 14:15.
            "2026-03-02T10:00:00Z",
            "2026-03-02T12:30:00Z",
            "2026-03-02T13:00:00Z",
        ]
    );
    let horizon = json!({"title": "Call", "duration": "PT30M", "horizon": "P1D"});
    as_host(&app, "ana", "PUT", "/event-types/call", horizon).await;
    let free = json!({"availability": [slot("2026-03-03T07:00:00Z", "2026-03-03T09:00:00Z")]});
    as_host(&app, "ana", "POST", "/availability", free).await;
    let reply = open_slots(
        &app,
        "/public/ana/call/slots",
        "from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z",
    )
    .await;
    assert_eq!(
        starts(&reply),
        ["2026-03-03T07:00:00Z", "2026-03-03T07:30:00Z"],
        "starts before now + P1D only"
    );
}

#[tokio::test]
async fn a_team_needs_everyone_or_anyone_as_its_assignment_says() {
    let app = app_at("2026-03-01T00:00:00Z");
    for (host, from, to) in [
        ("ana", "2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"),
        ("ben", "2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z"),
    ] {
        let free = json!({"availability": [slot(from, to)]});
        as_host(&app, host, "POST", "/availability", free).await;
    }
    let all = json!({"title": "Both", "duration": "PT1H", "hosts": ["ana", "ben"]});
    as_host(&app, "ana", "PUT", "/event-types/both", all).await;
    let one = json!({"title": "Either", "duration": "PT1H", "hosts": ["ana", "ben"], "assignment": "one"});
    as_host(&app, "ana", "PUT", "/event-types/either", one).await;
    let window = "from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z";
    let both = open_slots(&app, "/public/ana/both/slots", window).await;
    assert_eq!(starts(&both), ["2026-03-02T10:00:00Z"]);
    let either = open_slots(&app, "/public/ana/either/slots", window).await;
    assert_eq!(
        starts(&either),
        [
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
            "2026-03-02T11:00:00Z"
        ]
    );
}

#[tokio::test]
async fn a_slots_window_is_bounded_and_the_path_checked_before_any_lookup() {
    let app = app_at("2026-03-01T00:00:00Z");
    let call = json!({"title": "Call", "duration": "PT30M"});
    as_host(&app, "ana", "PUT", "/event-types/call", call).await;
    let too_long = open_slots(
        &app,
        "/public/ana/call/slots",
        "from=2026-03-01T00:00:00Z&to=2026-04-02T00:00:00Z",
    )
    .await;
    assert_eq!(too_long.status, 400, "{}", too_long.raw);
    let backwards = open_slots(
        &app,
        "/public/ana/call/slots",
        "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
    )
    .await;
    assert_eq!(backwards.status, 400);
    let unknown = open_slots(&app, "/public/ana/call/slots", "form=x").await;
    assert_eq!(unknown.status, 400);
    let default = open_slots(&app, "/public/ana/call/slots", "").await;
    assert_eq!(default.status, 200);
    assert_eq!(
        default.body["window"],
        json!({"from": "2026-03-01T00:00:00Z", "to": "2026-03-08T00:00:00Z"})
    );
    for path in [
        "/public/ana/other/slots",
        "/public/ana/CALL/slots",
        "/public/a%20b/call/slots",
    ] {
        assert_eq!(open_slots(&app, path, "").await.status, 404, "{path}");
    }
}
