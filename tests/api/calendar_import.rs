//! Imported calendars through the handler, fetched from a local HTTP server
//! (`OUTBOUND_ALLOW_LOCAL=true`): busy time blocks availability and bookings, conditional
//! re-fetches, a failing source keeping its busy time, the limit of 10, passwords never shown,
//! and each refused URL of docs/hostile-input.md's SSRF table.

use crate::calendar_scenario::send;
use crate::calendar_server::{CalendarServer, Served};
use availability_api::api::{App, Clock};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::outbound::Outbound;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

const NOW: &str = "2026-03-01T00:00:00Z";

fn app_at(now: &str, allow_local: bool) -> App<MemoryStore> {
    let config = Config {
        outbound_allow_local: allow_local,
        ..Config::jwt()
    };
    App::new(MemoryStore::new(), config)
        .with_clock(Clock::Fixed(parse_timestamp(now).expect("valid")))
}

/// A weekly 10:00–11:00 (Berlin) meeting on Mondays from 2026-03-02, four times, with one
/// cancelled instance and a free event beside it.
const WORK: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:standup\r\nDTSTART;TZID=Europe/Berlin:20260302T100000\r\n\
DTEND;TZID=Europe/Berlin:20260302T110000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:standup\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260309T100000\r\n\
DTSTART;TZID=Europe/Berlin:20260309T100000\r\nDTEND;TZID=Europe/Berlin:20260309T110000\r\n\
STATUS:CANCELLED\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:lunch\r\nDTSTART:20260302T120000Z\r\nDTEND:20260302T130000Z\r\n\
TRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn busy_of(reply: &Value) -> Vec<(String, String)> {
    reply["busy"]
        .as_array()
        .expect("busy")
        .iter()
        .map(|i| {
            (
                i["start_time"].as_str().expect("start").to_owned(),
                i["end_time"].as_str().expect("end").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_imported_calendar_blocks_availability_and_bookings() {
    let server = CalendarServer::start();
    server.serve("/work.ics", Served::calendar(WORK, "\"v1\""));
    let app = app_at(NOW, true);
    let free = json!({"availability": [{"start_time": "2026-03-02T08:00:00Z", "end_time": "2026-03-02T17:00:00Z"}]});
    assert_eq!(
        send(&app, "POST", "/availability", Some("ana"), free)
            .await
            .status,
        200
    );
    let put = send(
        &app,
        "PUT",
        "/calendars/work",
        Some("ana"),
        json!({"kind": "ics", "url": server.url("/work.ics")}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(
        put.json(),
        json!({"id": "work", "kind": "ics", "url": server.url("/work.ics"), "status": "ok",
               "last_synced": NOW, "busy_count": 3})
    );
    let busy = send(
        &app,
        "GET",
        "/calendars/work/busy",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(
        busy_of(&busy.json()),
        [
            (
                "2026-03-02T09:00:00Z".to_owned(),
                "2026-03-02T10:00:00Z".to_owned()
            ),
            (
                "2026-03-16T09:00:00Z".to_owned(),
                "2026-03-16T10:00:00Z".to_owned()
            ),
            (
                "2026-03-23T09:00:00Z".to_owned(),
                "2026-03-23T10:00:00Z".to_owned()
            ),
        ]
    );
    let windowed = send(
        &app,
        "GET",
        "/calendars/work/busy?from=2026-03-10T00:00:00Z&to=2026-03-17T00:00:00Z",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(busy_of(&windowed.json()).len(), 1, "{}", windowed.text);
    // Availability and bookings see it as busy.
    let available = send(&app, "GET", "/availability", Some("ana"), Value::Null).await;
    assert_eq!(
        available.json()["availability"],
        json!([{"start_time": "2026-03-02T08:00:00Z", "end_time": "2026-03-02T09:00:00Z"},
               {"start_time": "2026-03-02T10:00:00Z", "end_time": "2026-03-02T17:00:00Z"}])
    );
    let booking = send(&app, "POST", "/bookings", Some("ana"), json!({
        "start_time": "2026-03-02T09:30:00Z", "end_time": "2026-03-02T10:30:00Z", "participants": []})).await;
    assert_eq!(booking.status, 409, "{}", booking.text);
    // Dropped: its busy time goes with it.
    let deleted = send(&app, "DELETE", "/calendars/work", Some("ana"), Value::Null).await;
    assert_eq!(deleted.status, 200);
    let available = send(&app, "GET", "/availability", Some("ana"), Value::Null).await;
    assert_eq!(
        available.json()["availability"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        send(&app, "DELETE", "/calendars/work", Some("ana"), Value::Null)
            .await
            .status,
        404
    );
    assert_eq!(
        send(
            &app,
            "GET",
            "/calendars/work/busy",
            Some("ana"),
            Value::Null
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn syncs_are_conditional_rate_limited_and_a_failing_source_keeps_its_busy_time() {
    let server = CalendarServer::start();
    server.serve("/work.ics", Served::calendar(WORK, "\"v1\""));
    let mut app = app_at(NOW, true);
    let put = send(
        &app,
        "PUT",
        "/calendars/work",
        Some("ana"),
        json!({"kind": "ics", "url": server.url("/work.ics")}),
    )
    .await;
    assert_eq!(put.json()["busy_count"], 3);
    // Within a minute, a sync answers what is held without a fetch.
    let again = send(
        &app,
        "POST",
        "/calendars/work/sync",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!((again.status, server.seen().len()), (200, 1));
    // Later, a conditional fetch: the server answers 304, the busy time stays.
    app = app.with_clock(Clock::Fixed(
        parse_timestamp("2026-03-01T00:15:00Z").expect("valid"),
    ));
    let unchanged = send(
        &app,
        "POST",
        "/calendars/work/sync",
        Some("ana"),
        Value::Null,
    )
    .await;
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(
        (
            unchanged.json()["status"].as_str(),
            unchanged.json()["busy_count"].as_u64(),
            unchanged.json()["last_synced"].as_str()
        ),
        (Some("ok"), Some(3), Some("2026-03-01T00:15:00Z"))
    );
    // The server fails: the source says so and keeps its busy time.
    server.serve("/work.ics", Served::status(500));
    app = app.with_clock(Clock::Fixed(
        parse_timestamp("2026-03-01T00:30:00Z").expect("valid"),
    ));
    let failing = send(
        &app,
        "POST",
        "/calendars/work/sync",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(failing.status, 200);
    let entry = failing.json();
    assert_eq!(
        (entry["status"].as_str(), entry["busy_count"].as_u64()),
        (Some("error"), Some(3))
    );
    assert_eq!(entry["last_synced"], "2026-03-01T00:15:00Z");
    assert!(
        entry["error"].as_str().is_some_and(|e| e.contains("500")),
        "{entry}"
    );
    let listed = send(&app, "GET", "/calendars", Some("ana"), Value::Null).await;
    assert_eq!(listed.json()["calendars"][0], entry);
    // Text that is not a calendar is an error too.
    server.serve(
        "/work.ics",
        Served::calendar("<html>Sign in</html>", "\"v2\""),
    );
    app = app.with_clock(Clock::Fixed(
        parse_timestamp("2026-03-01T00:45:00Z").expect("valid"),
    ));
    let html = send(
        &app,
        "POST",
        "/calendars/work/sync",
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_eq!(html.json()["status"], "error");
    assert_eq!(html.json()["busy_count"], 3);
}

#[tokio::test]
async fn at_most_ten_calendars_and_passwords_are_never_shown() {
    let server = CalendarServer::start();
    server.serve("/work.ics", Served::calendar(WORK, "\"v1\""));
    let app = app_at(NOW, true);
    for n in 0..10 {
        let put = send(&app, "PUT", &format!("/calendars/c{n}"), Some("ana"),
            json!({"kind": "caldav", "url": server.url("/work.ics"), "username": "ana", "password": "s3cret-pass"})).await;
        assert_eq!(put.status, 200, "{}", put.text);
        assert!(!put.text.contains("s3cret-pass"));
    }
    let eleventh = send(
        &app,
        "PUT",
        "/calendars/c10",
        Some("ana"),
        json!({"kind": "ics", "url": server.url("/work.ics")}),
    )
    .await;
    assert_eq!(eleventh.status, 413, "{}", eleventh.text);
    // Replacing one is not adding one.
    let replaced = send(
        &app,
        "PUT",
        "/calendars/c0",
        Some("ana"),
        json!({"kind": "ics", "url": server.url("/work.ics")}),
    )
    .await;
    assert_eq!(replaced.status, 200);
    let listed = send(&app, "GET", "/calendars", Some("ana"), Value::Null).await;
    assert_eq!(
        listed.json()["calendars"].as_array().map(Vec::len),
        Some(10)
    );
    assert!(!listed.text.contains("s3cret-pass") && !listed.text.contains("password"));
    // Bad bodies.
    for (body, pointer) in [
        (
            json!({"kind": "ical", "url": "https://example.com/a.ics"}),
            "/kind",
        ),
        (json!({"kind": "ics"}), "/url"),
        (
            json!({"kind": "ics", "url": "https://example.com/a.ics", "password": "x"}),
            "/password",
        ),
        (
            json!({"kind": "ics", "url": "https://example.com/a.ics", "owner_emails": ["nope"]}),
            "/owner_emails/0",
        ),
        (
            json!({"kind": "ics", "url": "https://example.com/a.ics", "color": "red"}),
            "/color",
        ),
    ] {
        let answer = send(&app, "PUT", "/calendars/c1", Some("ana"), body).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
        assert_eq!(
            answer.json()["errors"][0]["pointer"],
            pointer,
            "{}",
            answer.text
        );
    }
    assert_eq!(
        send(&app, "PUT", "/calendars/Not_An_Id", Some("ana"), json!({}))
            .await
            .status,
        400
    );
}

/// The SSRF rows of docs/hostile-input.md: each refused URL and its answer.
#[tokio::test]
async fn every_refused_url_gets_its_documented_answer() {
    let server = CalendarServer::start();
    server.serve("/moved.ics", Served::redirect("https://10.0.0.1/work.ics"));
    // As deployed, except that the test's own server on loopback is reachable and one name
    // resolves to a private address.
    let pinned = [(
        "calendar.internal.example",
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
    )];
    let test_rules = app_at(NOW, false).with_outbound(Outbound::loopback_for_tests(&pinned));
    let deployed = app_at(NOW, false);
    let doc = std::fs::read_to_string(crate::helpers::project_root().join("docs/hostile-input.md"))
        .expect("the doc");
    let cases = [
        (
            "`http://169.254.169.254/`",
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            &deployed,
        ),
        (
            "`https://169.254.169.254/`",
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            &deployed,
        ),
        (
            "`https://127.0.0.1/`",
            "https://127.0.0.1/".to_owned(),
            &deployed,
        ),
        ("`https://[::1]/`", "https://[::1]/".to_owned(), &deployed),
        (
            "`https://10.0.0.1/`",
            "https://10.0.0.1/work.ics".to_owned(),
            &deployed,
        ),
        (
            "a name resolving to 10.0.0.1",
            "https://calendar.internal.example/work.ics".to_owned(),
            &test_rules,
        ),
        (
            "a redirect to 10.0.0.1",
            server.url("/moved.ics"),
            &test_rules,
        ),
        (
            "`file:///etc/passwd`",
            "file:///etc/passwd".to_owned(),
            &deployed,
        ),
        (
            "`ftp://`",
            "ftp://example.com/work.ics".to_owned(),
            &deployed,
        ),
        (
            "credentials in the URL",
            "https://ana:secret@example.com/work.ics".to_owned(),
            &deployed,
        ),
    ];
    let mut rows = Vec::new();
    for (input, url, app) in cases {
        let answer = send(
            app,
            "PUT",
            "/calendars/probe",
            Some("ana"),
            json!({"kind": "ics", "url": url}),
        )
        .await;
        let said = match answer.status {
            400 => format!(
                "400 | {}",
                answer.json()["error"].as_str().unwrap_or_default()
            ),
            200 => format!(
                "200, `status: error` | {}",
                answer.json()["error"].as_str().unwrap_or_default()
            ),
            other => panic!("{input}: {other} {}", answer.text),
        };
        let documented = doc
            .lines()
            .find(|line| line.starts_with(&format!("| {input} |")))
            .unwrap_or_default();
        rows.push((documented.to_owned(), format!("| {input} | {said} |")));
        let listed = send(app, "GET", "/calendars", Some("ana"), Value::Null).await;
        assert!(
            listed.json()["calendars"]
                .as_array()
                .is_some_and(|list| list.iter().all(|c| c["busy_count"] == 0))
        );
    }
    let (documented, answered): (Vec<String>, Vec<String>) = rows.into_iter().unzip();
    assert_eq!(documented.join("\n"), answered.join("\n"));
    // Nothing reached the private address through the redirect: the server saw only the first hop.
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_caldav_calendar_is_asked_with_a_time_range_report_and_basic_auth() {
    let server = CalendarServer::start();
    server.serve("/cal/", Served::calendar(WORK, "\"v1\""));
    let app = app_at(NOW, true);
    let put = send(&app, "PUT", "/calendars/team", Some("ana"),
        json!({"kind": "caldav", "url": server.url("/cal/"), "username": "ana", "password": "s3cret-pass"})).await;
    assert_eq!(put.status, 200, "{}", put.text);
    let seen = server.seen();
    let report = seen
        .iter()
        .find(|request| request.method == "REPORT")
        .unwrap_or_else(|| panic!("a REPORT among {seen:?}"));
    // base64("ana:s3cret-pass")
    assert_eq!(
        report.headers.get("authorization").map(String::as_str),
        Some("Basic YW5hOnMzY3JldC1wYXNz")
    );
    assert!(report.body.contains("time-range"), "{}", report.body);
    // Without credentials, none are sent.
    let put = send(
        &app,
        "PUT",
        "/calendars/open",
        Some("ana"),
        json!({"kind": "caldav", "url": server.url("/cal/")}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let last = server.seen().pop().expect("a request");
    assert_eq!(last.headers.get("authorization"), None);
}
