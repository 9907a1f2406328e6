//! The scheduled calendar sync as deployed: the release `calendar-sync` binary behind the
//! Lambda stand-in, with the template's memory and timeout for `CalendarSyncFunction`, invoked
//! with events/calendar-sync/scheduled-event.json as the schedule invokes it. In memory its own
//! process holds nobody; on a table under moto it finds, through the index the API keeps, the
//! user whose calendar the API stored.

use super::background::{background_function, invoke};
use super::template::project_root;
use serde_json::json;

fn scheduled_event() -> Vec<u8> {
    std::fs::read(project_root().join("events/calendar-sync/scheduled-event.json"))
        .expect("the sample")
}

#[test]
fn the_release_calendar_sync_answers_its_schedule_in_memory() {
    let Some(mut function) = background_function(
        "CalendarSyncFunction",
        "calendar-sync",
        "calendar-sync-memory",
        &[],
    ) else {
        return;
    };
    for _ in 0..2 {
        assert_eq!(
            invoke(&mut function, &scheduled_event()),
            json!({"users": 0, "calendars_synced": 0, "calendars_failed": 0, "users_dropped": 0})
        );
    }
    assert_eq!(function.starts, 1, "one instance served both");
}

#[cfg(feature = "dynamodb")]
#[test]
fn the_release_calendar_sync_finds_the_apis_calendars_on_dynamodb() {
    use crate::calendar_scenario::send;
    use crate::calendar_server::{CalendarServer, Served};
    use availability_api::api::App;
    use availability_api::config::Config;
    use availability_api::store::DynamoDbStore;
    let Some((endpoint, table)) = super::moto::endpoint_and_table("calendar-sync") else {
        return;
    };
    // Tomorrow 09:00-10:00 UTC: inside the window a sync holds, whenever the test runs.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let day = tomorrow.format("%Y%m%d");
    let calendar = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n\
         DTSTART:{day}T090000Z\r\nDTEND:{day}T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let server = CalendarServer::start();
    server.serve("/work.ics", Served::calendar(&calendar, "\"one\""));
    // The API's side, in process on the same table: a calendar, read at once.
    super::background::block_on(async {
        let config = Config {
            outbound_allow_local: true,
            ..Config::jwt()
        };
        let app = App::new(DynamoDbStore::from_env(&table).await, config);
        let put = send(
            &app,
            "PUT",
            "/calendars/work",
            Some("ana"),
            json!({"kind": "ics", "url": server.url("/work.ics")}),
        )
        .await;
        assert_eq!(put.json()["busy_count"], 1, "{}", put.text);
    });
    let Some(mut function) = background_function(
        "CalendarSyncFunction",
        "calendar-sync",
        "calendar-sync-dynamodb",
        &[("TABLE_NAME", &table), ("AWS_ENDPOINT_URL", &endpoint)],
    ) else {
        return;
    };
    // Read a moment ago, so not due: the run finds the user and leaves the calendar be.
    assert_eq!(
        invoke(&mut function, &scheduled_event()),
        json!({"users": 1, "calendars_synced": 0, "calendars_failed": 0, "users_dropped": 0})
    );
    assert_eq!(server.seen().len(), 1, "only the API's own read");
}

/// The API seals a CalDAV password with a KMS key (on the local server); an hour later the
/// release calendar-sync, given the same key as the template gives it, opens it for the
/// REPORT's Basic authentication.
#[cfg(feature = "dynamodb")]
#[test]
fn the_release_calendar_sync_opens_a_kms_sealed_password_on_dynamodb() {
    use crate::calendar_scenario::send;
    use crate::calendar_server::{CalendarServer, Served};
    use availability_api::api::{App, Clock};
    use availability_api::config::Config;
    use availability_api::store::DynamoDbStore;
    use base64::Engine;
    let Some((endpoint, table)) = super::moto::endpoint_and_table("calendar-sync-kms") else {
        return;
    };
    let key = super::moto::fresh_key(&endpoint);
    let server = CalendarServer::start();
    server.serve(
        "/dav/ana/",
        Served {
            status: 207,
            headers: vec![("content-type".into(), "application/xml".into())],
            body: "<?xml version=\"1.0\"?><d:multistatus xmlns:d=\"DAV:\"/>".into(),
        },
    );
    let an_hour_ago = chrono::Utc::now().timestamp_millis() - 3_600_000;
    super::background::block_on(async {
        let config = Config {
            outbound_allow_local: true,
            secrets_key_id: Some(key.clone()),
            ..Config::jwt()
        };
        let app = App::new(DynamoDbStore::from_env(&table).await, config)
            .with_clock(Clock::Fixed(an_hour_ago));
        let put = send(&app, "PUT", "/calendars/team", Some("ana"),
            json!({"kind": "caldav", "url": server.url("/dav/ana/"), "username": "ana", "password": "pa55 word"})).await;
        assert_eq!(put.json()["status"], "ok", "{}", put.text);
    });
    assert!(!super::moto::table_holds(&endpoint, &table, b"pa55 word"));
    let Some(mut function) = background_function(
        "CalendarSyncFunction",
        "calendar-sync",
        "calendar-sync-kms",
        &[
            ("TABLE_NAME", &table),
            ("SECRETS_KEY_ID", &key),
            ("AWS_ENDPOINT_URL", &endpoint),
        ],
    ) else {
        return;
    };
    assert_eq!(
        invoke(&mut function, &scheduled_event()),
        json!({"users": 1, "calendars_synced": 1, "calendars_failed": 0, "users_dropped": 0})
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "the API's read and the schedule's: {seen:?}");
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ana:pa55 word")
    );
    for request in &seen {
        assert_eq!(request.method, "REPORT");
        assert_eq!(request.headers.get("authorization"), Some(&expected));
    }
}
