//! The hostile-input table of docs/hostile-input.md, written once: every kind of bad input a
//! client can send over HTTP, who sends it, and the status it gets. The handler tests send each
//! row as an API Gateway event (`tests/api/hostile_input.rs`, which adds the malformed events
//! that only a broken caller could make); the deployed harness sends each row as an HTTP
//! request through the stand-ins of API Gateway and Lambda (`tests/e2e/deployed/hostile.rs`).
//! Shared by the `api` and `e2e` test programs, which include it with `#[path]`.

use serde_json::{Value, json};

/// Who sends a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sender {
    /// The seed's user, `user123`: `AUTH_MODE=dev`'s default; deployed, signed in as them.
    SeedUser,
    /// `AUTH_MODE=jwt` without any identity (deployed: no token).
    Nobody,
    /// `AUTH_MODE=jwt`, signed in as this user.
    SignedIn(&'static str),
}

/// A row's body.
pub(crate) enum Body {
    None,
    Json(Value),
    /// Text with its content type.
    Raw {
        content_type: &'static str,
        text: String,
    },
}

pub(crate) struct HostileCase {
    /// The row's first cell in docs/hostile-input.md.
    pub(crate) input: &'static str,
    pub(crate) method: &'static str,
    pub(crate) path: String,
    /// The raw query string, without `?`.
    pub(crate) query: Option<String>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body,
    pub(crate) sender: Sender,
    pub(crate) status: u16,
    /// Deployed, API Gateway answers it itself, without invoking the function.
    pub(crate) answered_by_gateway: bool,
}

impl HostileCase {
    fn new(input: &'static str, method: &'static str, path: &str, status: u16) -> HostileCase {
        HostileCase {
            input,
            method,
            path: path.to_owned(),
            query: None,
            headers: Vec::new(),
            body: Body::None,
            sender: Sender::SeedUser,
            status,
            answered_by_gateway: false,
        }
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn raw(mut self, content_type: &'static str, text: impl Into<String>) -> Self {
        self.body = Body::Raw {
            content_type,
            text: text.into(),
        };
        self
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn query(mut self, query: &str) -> Self {
        self.query = Some(query.to_owned());
        self
    }

    fn sent_by(mut self, sender: Sender) -> Self {
        self.sender = sender;
        self
    }

    fn by_gateway(mut self) -> Self {
        self.answered_by_gateway = true;
        self
    }
}

fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

/// A `POST /availability` with this JSON text as its body.
fn post_text(input: &'static str, text: impl Into<String>, status: u16) -> HostileCase {
    HostileCase::new(input, "POST", "/availability", status).raw("application/json", text)
}

/// A `POST /availability` of these slots.
fn post_slots(input: &'static str, slots: Value, status: u16) -> HostileCase {
    HostileCase::new(input, "POST", "/availability", status).json(json!({ "availability": slots }))
}

pub(crate) fn hostile_cases() -> Vec<HostileCase> {
    let ok_slot = slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z");
    let booking = |extra: Value| {
        let mut body = json!({"start_time": "2024-09-30T09:00:00Z",
            "end_time": "2024-09-30T10:00:00Z", "participants": []});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    let case = HostileCase::new;
    vec![
        post_text("invalid JSON body", "{\"availability\": [", 400),
        post_text("JSON array as body", "[1, 2, 3]", 400),
        post_text("JSON number as body", "12345678901234567890123456789", 400),
        post_text("JSON null as body", "null", 400),
        post_text(
            "nesting deeper than 128 levels",
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            400,
        ),
        post_text(
            "huge number in a field",
            "{\"availability\": 1e999999}",
            400,
        ),
        post_text("empty body on POST", "", 400),
        post_text("missing `availability`", "{}", 400),
        post_text(
            "unknown field",
            "{\"availability\": [], \"admin\": true}",
            400,
        ),
        post_slots(
            "unknown field in a slot",
            json!([{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "color": "red"}]),
            400,
        ),
        post_slots(
            "wrong type of a field",
            json!([{"start_time": 1727686800, "end_time": "2024-09-30T10:00:00Z"}]),
            400,
        ),
        post_slots(
            "unknown `period`",
            json!([{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "period": "hourly"}]),
            400,
        ),
        post_slots(
            "timestamp without offset",
            json!([slot("2024-09-30T09:00:00", "2024-09-30T10:00:00Z")]),
            400,
        ),
        post_slots(
            "timestamp past year 9999",
            json!([slot("+275760-09-13T00:00:00Z", "2024-09-30T10:00:00Z")]),
            400,
        ),
        post_slots(
            "sub-millisecond timestamp",
            json!([slot("2024-09-30T09:00:00.0001Z", "2024-09-30T10:00:00Z")]),
            400,
        ),
        post_slots(
            "end before start",
            json!([slot("2024-09-30T10:00:00Z", "2024-09-30T09:00:00Z")]),
            400,
        ),
        case(
            "body that is not JSON (`text/plain`)",
            "POST",
            "/availability",
            415,
        )
        .raw("text/plain", "availability please"),
        case("form-encoded body", "POST", "/availability", 415)
            .raw("application/x-www-form-urlencoded", "a=1"),
        post_text(
            "body over 1 MiB",
            format!(
                "{{\"availability\": [], \"x\": \"{}\"}}",
                "a".repeat(1 << 20)
            ),
            413,
        ),
        post_slots(
            "more than 1000 slots in one POST",
            json!(vec![ok_slot.clone(); 1001]),
            413,
        ),
        post_slots("non-ASCII `If-Match` header", json!([]), 400).header("if-match", "\u{9d}"),
        post_slots("weak `If-Match` tag", json!([]), 412).header("if-match", "W/\"0\""),
        post_text(
            "unknown field with a name of a mebibyte",
            format!("{{\"availability\": [], \"{}\": 1}}", "f".repeat(1_048_000)),
            400,
        ),
        post_slots(
            "timestamp past 9999-12-31T00:00:00Z",
            json!([slot("9999-12-30T00:00:00Z", "9999-12-31T00:00:00.001Z")]),
            400,
        ),
        post_slots(
            "seconds field of 60",
            json!([slot("2024-09-30T09:00:60Z", "2024-09-30T10:00:00Z")]),
            400,
        ),
        case(
            "DELETE with a body and a query",
            "DELETE",
            "/availability",
            400,
        )
        .query("start_time=2024-09-30T09:00:00Z&end_time=2024-09-30T10:00:00Z")
        .json(ok_slot.clone()),
        case(
            "schedule of the wrong shape",
            "PUT",
            "/availability/schedule",
            400,
        )
        .json(json!({"timezone": "UTC", "weekly": "mon"})),
        case("duplicate query parameter", "GET", "/availability", 400)
            .query("from=2024-09-30T00:00:00Z&from=2024-10-01T00:00:00Z"),
        case("misspelt query parameter", "GET", "/availability", 400)
            .query("too=2024-09-30T00:00:00Z"),
        case(
            "query with characters a URI may not hold",
            "GET",
            "/availability",
            400,
        )
        .query("x=\"<>"),
        case(
            "user id with spaces or over 128 characters",
            "GET",
            &format!("/overlap/{}", "u".repeat(129)),
            400,
        ),
        case("unknown path", "GET", "/admin", 404).by_gateway(),
        case("known path, wrong method", "PUT", "/availability", 405),
        post_slots("stale `If-Match`", json!([ok_slot.clone()]), 412).header("if-match", "\"7\""),
        case(
            "non-ASCII `Idempotency-Key` header",
            "POST",
            "/bookings",
            400,
        )
        .header("idempotency-key", "\u{9d}")
        .json(booking(json!({}))),
        case(
            "booking naming 100,000 participants",
            "POST",
            "/bookings",
            413,
        )
        .json(booking(json!({"participants": vec!["u"; 100_000]}))),
        case(
            "booking with an `organizer` in the body",
            "POST",
            "/bookings",
            400,
        )
        .json(booking(json!({"organizer": "bob"}))),
        case("no identity in `jwt` mode", "GET", "/availability", 401)
            .sent_by(Sender::Nobody)
            .by_gateway(),
        case(
            "`x-user-id` header in `jwt` mode",
            "GET",
            "/availability",
            401,
        )
        .header("x-user-id", "alice")
        .sent_by(Sender::Nobody)
        .by_gateway(),
        post_slots(
            "body `user_id` of another user in `jwt` mode",
            json!([ok_slot.clone()]),
            403,
        )
        .json(json!({"user_id": "bob", "availability": [ok_slot]}))
        .sent_by(Sender::SignedIn("alice")),
        case(
            "event type duration out of range",
            "PUT",
            "/event-types/intro",
            400,
        )
        .json(json!({"title": "Intro", "duration": "PT1M"})),
        case(
            "event type title of 10,000 characters",
            "PUT",
            "/event-types/intro",
            400,
        )
        .json(json!({"title": "x".repeat(10_000), "duration": "PT30M"})),
        case(
            "event type in a zone that does not exist",
            "PUT",
            "/event-types/intro",
            400,
        )
        .json(json!({"title": "Intro", "duration": "PT30M", "timezone": "Mars/Olympus_Mons"})),
        case(
            "event type slug of the wrong shape",
            "PUT",
            "/event-types/Intro_Call",
            400,
        )
        .json(json!({"title": "Intro", "duration": "PT30M"})),
        case(
            "slots window over 31 days",
            "GET",
            "/public/user123/intro/slots",
            400,
        )
        .query("from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z")
        .sent_by(Sender::Nobody),
        case(
            "invitee email that is not one",
            "POST",
            "/public/user123/intro/bookings",
            400,
        )
        .json(json!({"start_time": "2030-01-01T09:00:00Z",
                "invitee": {"name": "Ina", "email": "ina at example"}}))
        .sent_by(Sender::Nobody),
        case(
            "invitee name of 10,000 characters",
            "POST",
            "/public/user123/intro/bookings",
            400,
        )
        .json(json!({"start_time": "2030-01-01T09:00:00Z",
                "invitee": {"name": "x".repeat(10_000), "email": "ina@example.com"}}))
        .sent_by(Sender::Nobody),
        case(
            "booking of an unknown event type",
            "POST",
            "/public/user123/none/bookings",
            404,
        )
        .json(json!({"start_time": "2030-01-01T09:00:00Z",
                "invitee": {"name": "Ina", "email": "ina@example.com"}}))
        .sent_by(Sender::Nobody),
        case(
            "manage token of the wrong shape",
            "GET",
            "/manage/not-a-token",
            404,
        )
        .sent_by(Sender::Nobody),
    ]
}
