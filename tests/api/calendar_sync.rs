//! The scheduled calendar sync, invoked with events/calendar-sync/scheduled-event.json as the
//! deployed schedule invokes it, on both stores: a user's calendar changed since it was stored
//! is synced, a user without calendars any more is dropped from the index.

use crate::calendar_scenario::send;
use crate::calendar_server::{CalendarServer, Served};
use availability_api::api::{App, Clock};
use availability_api::calendar_sync::handle_scheduled_event;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::observability::Telemetry;
use availability_api::store::AvailabilityStore;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};

const ONE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n\
DTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
const TWO: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n\
DTSTART:20260302T090000Z\r\nDTEND:20260302T100000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\n\
DTSTART:20260303T090000Z\r\nDTEND:20260303T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn at(text: &str) -> i64 {
    parse_timestamp(text).expect("valid")
}

async fn scheduled<S: AvailabilityStore>(app: &App<S>, now: &str) -> Value {
    let event = crate::helpers::read_event(
        &crate::helpers::project_root().join("events/calendar-sync/scheduled-event.json"),
    );
    let telemetry = Telemetry::from_env();
    handle_scheduled_event(
        app.store(),
        app.outbound(),
        app.secrets(),
        &telemetry,
        at(now),
        LambdaEvent::new(event, Context::default()),
    )
    .await
    .expect("the run answers")
}

/// The whole scenario on `app` (its clock at 2026-03-01T00:00:00Z, local fetches allowed).
pub(crate) async fn the_schedule_syncs_due_calendars<S: AvailabilityStore>(mut app: App<S>) {
    let server = CalendarServer::start();
    server.serve("/work.ics", Served::calendar(ONE, "\"one\""));
    let put = send(
        &app,
        "PUT",
        "/calendars/work",
        Some("ana"),
        json!({"kind": "ics", "url": server.url("/work.ics")}),
    )
    .await;
    assert_eq!(put.json()["busy_count"], 1, "{}", put.text);
    // Not due yet: nothing fetched.
    assert_eq!(
        scheduled(&app, "2026-03-01T00:05:00Z").await,
        json!({"users": 1, "calendars_synced": 0, "calendars_failed": 0, "users_dropped": 0})
    );
    assert_eq!(server.seen().len(), 1);
    // Due: the changed calendar is read again.
    server.serve("/work.ics", Served::calendar(TWO, "\"two\""));
    assert_eq!(
        scheduled(&app, "2026-03-01T00:15:00Z").await,
        json!({"users": 1, "calendars_synced": 1, "calendars_failed": 0, "users_dropped": 0})
    );
    app = app.with_clock(Clock::Fixed(at("2026-03-01T00:16:00Z")));
    let listed = send(&app, "GET", "/calendars", Some("ana"), Value::Null).await;
    assert_eq!(
        listed.json()["calendars"][0]["busy_count"],
        2,
        "{}",
        listed.text
    );
    assert_eq!(
        listed.json()["calendars"][0]["last_synced"],
        "2026-03-01T00:15:00Z"
    );
    // The busy time the run stored blocks availability, on this store too.
    let free = json!({"availability": [{"start_time": "2026-03-03T08:00:00Z", "end_time": "2026-03-03T12:00:00Z"}]});
    assert_eq!(
        send(&app, "POST", "/availability", Some("ana"), free)
            .await
            .status,
        200
    );
    let available = send(
        &app,
        "GET",
        "/availability?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(
        available.json()["availability"],
        json!([{"start_time": "2026-03-03T08:00:00Z", "end_time": "2026-03-03T09:00:00Z"},
               {"start_time": "2026-03-03T10:00:00Z", "end_time": "2026-03-03T12:00:00Z"}]),
        "{}",
        available.text
    );
    // A failing calendar is counted as failed and keeps its busy time.
    server.serve("/work.ics", Served::status(503));
    assert_eq!(
        scheduled(&app, "2026-03-01T00:30:00Z").await["calendars_failed"],
        1
    );
    // Gone: the next run drops the user from the index, and the one after looks at no one.
    assert_eq!(
        send(&app, "DELETE", "/calendars/work", Some("ana"), Value::Null)
            .await
            .status,
        200
    );
    assert_eq!(
        scheduled(&app, "2026-03-01T00:45:00Z").await["users_dropped"],
        1
    );
    assert_eq!(scheduled(&app, "2026-03-01T01:00:00Z").await["users"], 0);
}

#[tokio::test]
async fn the_scheduled_sync_in_memory() {
    let app = App::new(
        availability_api::store::MemoryStore::new(),
        availability_api::config::Config {
            outbound_allow_local: true,
            ..availability_api::config::Config::jwt()
        },
    )
    .with_clock(Clock::Fixed(at("2026-03-01T00:00:00Z")));
    the_schedule_syncs_due_calendars(app).await;
}

#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn the_scheduled_sync_on_dynamodb() {
    let table = crate::moto::fresh_table().await;
    let app = App::new(
        crate::moto::store_on(&table).await,
        availability_api::config::Config {
            outbound_allow_local: true,
            ..availability_api::config::Config::jwt()
        },
    )
    .with_clock(Clock::Fixed(at("2026-03-01T00:00:00Z")));
    the_schedule_syncs_due_calendars(app).await;
}
