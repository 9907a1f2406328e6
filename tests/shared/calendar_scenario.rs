//! Bookings made through the handler for the calendar export tests: a host with an event type,
//! a booking between users, an invitee's booking rescheduled and another cancelled, and the
//! host's feed. The handler tests (`tests/api/calendars.rs`) and the independent readers
//! (`tests/e2e/calendar_clients.rs`) include this file with `#[path]`.

use availability_api::api::{self, App, Clock};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::{AvailabilityStore, MemoryStore};
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};

pub(crate) const NOW: &str = "2026-03-01T00:00:00Z";
/// The event type's title: every character TEXT escapes, and long enough to fold, in UTF-8.
pub(crate) const EVENT_TITLE: &str =
    "Intro call; ideas, plans \\ “next steps” — über-long to fold past 75 octets 😀";
pub(crate) const BOOKING_TITLE: &str = "Planning, quarterly; Zürich ⇄ 東京\nsecond line";

/// An app at `NOW` in `jwt` mode with room for the tests' writes.
pub(crate) fn calendar_app() -> App<MemoryStore> {
    let now = parse_timestamp(NOW).expect("valid");
    App::new(
        MemoryStore::new(),
        Config {
            public_writes_per_minute: 10_000,
            ..Config::jwt()
        },
    )
    .with_clock(Clock::Fixed(now))
}

/// What came back: status, headers (lower-case names) and the body's text.
#[derive(Debug)]
#[allow(dead_code)] // `headers` and `header` only the handler tests read.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Value,
    pub text: String,
}

#[allow(dead_code)]
impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(Value::as_str)
    }
}

/// `method path` through the Lambda door as an HTTP API event, as `user` (none: no identity).
pub(crate) async fn send(
    app: &App<impl AvailabilityStore>,
    method: &str,
    path: &str,
    user: Option<&str>,
    body: Value,
) -> Answer {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": {"host": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "k7pq2x9d1m",
            "domainName": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "test"},
            "requestId": "calendar-test", "routeKey": "$default", "stage": "$default",
            "time": "01/Mar/2026:00:00:00 +0000", "timeEpoch": 1772323200000u64
        },
        "isBase64Encoded": false
    });
    if let Some(user) = user {
        event["requestContext"]["authorizer"] = json!({"jwt": {"claims": {"sub": user, "iss": "https://issuer.example"}, "scopes": null}});
    }
    if !body.is_null() {
        event["headers"]["content-type"] = json!("application/json");
        event["body"] = json!(body.to_string());
    }
    let raw = api::handle_event(app, LambdaEvent::new(event, Context::default()))
        .await
        .expect("the handler answers every event");
    Answer {
        status: raw["statusCode"].as_u64().expect("a status") as u16,
        headers: raw["headers"].clone(),
        text: raw["body"].as_str().unwrap_or_default().to_owned(),
    }
}

async fn ok(
    app: &App<impl AvailabilityStore>,
    method: &str,
    path: &str,
    user: Option<&str>,
    body: Value,
) -> Value {
    let answer = send(app, method, path, user, body).await;
    assert!(
        answer.status < 300,
        "{method} {path}: {} {}",
        answer.status,
        answer.text
    );
    answer.json()
}

/// One booking as every reader must see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Expected {
    pub uid: String,
    pub start: String,
    pub end: String,
    pub sequence: u64,
    pub status: &'static str,
}

/// What the scenario made.
pub(crate) struct Scenario {
    pub feed_url: String,
    /// The live booking between users, its id.
    pub meeting_id: String,
    /// The rescheduled invitee booking's manage token, and the cancelled one's.
    pub moved_token: String,
    pub cancelled_token: String,
    /// Every booking of ana's feed, in start order.
    pub expected: Vec<Expected>,
}

/// ana offers "intro-call" (30 minutes) on Monday 2026-03-02, 09:00–17:00 UTC; books bo at
/// 14:00–15:00; an invitee books 09:00 and moves it to 10:00; another books 11:00 and cancels.
pub(crate) async fn scenario(app: &App<impl AvailabilityStore>) -> Scenario {
    let free = json!({"availability": [{"start_time": "2026-03-02T09:00:00Z", "end_time": "2026-03-02T17:00:00Z"}]});
    ok(app, "POST", "/availability", Some("ana"), free.clone()).await;
    ok(app, "POST", "/availability", Some("bo"), free).await;
    ok(
        app,
        "PUT",
        "/event-types/intro-call",
        Some("ana"),
        json!({"title": EVENT_TITLE, "duration": "PT30M", "location": "Room 4, Floor 2; Main St."}),
    )
    .await;
    let meeting = ok(
        app,
        "POST",
        "/bookings",
        Some("ana"),
        json!({
        "start_time": "2026-03-02T14:00:00Z", "end_time": "2026-03-02T15:00:00Z",
        "participants": ["bo"], "title": BOOKING_TITLE}),
    )
    .await;
    let invitee = |name: &str, email: &str| json!({"name": name, "email": email});
    let moved = ok(
        app,
        "POST",
        "/public/ana/intro-call/bookings",
        None,
        json!({
        "start_time": "2026-03-02T09:00:00Z", "invitee": invitee("Ina, Vitee", "ina@example.com"),
        "note": "Line one\nline two; with, punctuation"}),
    )
    .await;
    let moved_token = moved["manage_token"].as_str().expect("a token").to_owned();
    ok(
        app,
        "POST",
        &format!("/manage/{moved_token}/reschedule"),
        None,
        json!({"start_time": "2026-03-02T10:00:00Z"}),
    )
    .await;
    let cancelled = ok(
        app,
        "POST",
        "/public/ana/intro-call/bookings",
        None,
        json!({
        "start_time": "2026-03-02T11:00:00Z", "invitee": invitee("Otto", "otto@example.com")}),
    )
    .await;
    let cancelled_token = cancelled["manage_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    ok(
        app,
        "POST",
        &format!("/manage/{cancelled_token}/cancel"),
        None,
        json!({"reason": "Ill"}),
    )
    .await;
    let feed = ok(app, "POST", "/calendar/feed", Some("ana"), Value::Null).await;
    let uid = |id: &Value| format!("{}@availability-api", id.as_str().expect("an id"));
    let expected = vec![
        Expected {
            uid: uid(&moved["id"]),
            start: "2026-03-02T10:00:00Z".into(),
            end: "2026-03-02T10:30:00Z".into(),
            sequence: 1,
            status: "CONFIRMED",
        },
        Expected {
            uid: uid(&cancelled["id"]),
            start: "2026-03-02T11:00:00Z".into(),
            end: "2026-03-02T11:30:00Z".into(),
            sequence: 1,
            status: "CANCELLED",
        },
        Expected {
            uid: uid(&meeting["id"]),
            start: "2026-03-02T14:00:00Z".into(),
            end: "2026-03-02T15:00:00Z".into(),
            sequence: 0,
            status: "CONFIRMED",
        },
    ];
    Scenario {
        feed_url: feed["feed_url"].as_str().expect("a feed url").to_owned(),
        meeting_id: meeting["id"].as_str().expect("an id").to_owned(),
        moved_token,
        cancelled_token,
        expected,
    }
}

/// Every physical line of `text` ends in CRLF and holds at most 75 octets.
pub(crate) fn assert_lines_well_formed(text: &str) {
    assert!(text.ends_with("\r\n"), "ends in CRLF");
    for line in text.strip_suffix("\r\n").unwrap_or_default().split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare line break: {line:?}"
        );
    }
}
