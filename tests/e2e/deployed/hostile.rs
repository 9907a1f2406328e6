//! The hostile-input table (tests/hostile_input.rs, docs/hostile-input.md) sent as HTTP requests
//! through the deployed API. Copied here for now; the lead unifies the two lists later.
//!
//! Deployed, some rows are answered by API Gateway before the function: a request without a
//! token on a guarded route (its 401), a path the template does not route (its 404). Rows about
//! malformed events (bad base64 with `isBase64Encoded`, a non-HTTP event, fields of the wrong
//! type, an unparsable `Host`) cannot be produced through API Gateway, which builds every event
//! itself, and are left to tests/hostile_input.rs.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AnsweredBy {
    /// An RFC 9457 problem from the function, with `status` and `error`.
    Function,
    /// API Gateway's own `{"message": ...}`.
    Gateway,
}

struct Case {
    input: &'static str,
    request: HttpRequest,
    status: u16,
    answered_by: AnsweredBy,
}

fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

/// Signed in as the seed's user, as every request of the dev-mode rows is in production.
fn as_user(method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in("user123")
}

fn post_body(raw: &[u8]) -> HttpRequest {
    as_user("POST", "/availability")
        .header("content-type", "application/json")
        .raw_body(raw)
}

fn cases() -> Vec<Case> {
    use AnsweredBy::{Function, Gateway};
    let ok_slot = slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z");
    let case = |input, request, status| Case {
        input,
        request,
        status,
        answered_by: Function,
    };
    let by_gateway = |input, request, status| Case {
        input,
        request,
        status,
        answered_by: Gateway,
    };
    let post_json = |body: Value| as_user("POST", "/availability").json(&body);
    let too_many_slots = vec![ok_slot.clone(); 1001];
    vec![
        case("invalid JSON body", post_body(b"{\"availability\": ["), 400),
        case("JSON array as body", post_body(b"[1, 2, 3]"), 400),
        case(
            "JSON number as body",
            post_body(b"12345678901234567890123456789"),
            400,
        ),
        case("JSON null as body", post_body(b"null"), 400),
        case(
            "nesting deeper than 128 levels",
            post_body(format!("{}{}", "[".repeat(200), "]".repeat(200)).as_bytes()),
            400,
        ),
        case(
            "huge number in a field",
            post_body(b"{\"availability\": 1e999999}"),
            400,
        ),
        case("empty body on POST", post_body(b""), 400),
        case("missing `availability`", post_body(b"{}"), 400),
        case(
            "unknown field",
            post_body(b"{\"availability\": [], \"admin\": true}"),
            400,
        ),
        case(
            "unknown field in a slot",
            post_json(
                json!({"availability": [{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "color": "red"}]}),
            ),
            400,
        ),
        case(
            "wrong type of a field",
            post_json(
                json!({"availability": [{"start_time": 1727686800, "end_time": "2024-09-30T10:00:00Z"}]}),
            ),
            400,
        ),
        case(
            "unknown `period`",
            post_json(
                json!({"availability": [{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "period": "hourly"}]}),
            ),
            400,
        ),
        case(
            "timestamp without offset",
            post_json(
                json!({"availability": [slot("2024-09-30T09:00:00", "2024-09-30T10:00:00Z")]}),
            ),
            400,
        ),
        case(
            "timestamp past year 9999",
            post_json(
                json!({"availability": [slot("+275760-09-13T00:00:00Z", "2024-09-30T10:00:00Z")]}),
            ),
            400,
        ),
        case(
            "sub-millisecond timestamp",
            post_json(
                json!({"availability": [slot("2024-09-30T09:00:00.0001Z", "2024-09-30T10:00:00Z")]}),
            ),
            400,
        ),
        case(
            "end before start",
            post_json(
                json!({"availability": [slot("2024-09-30T10:00:00Z", "2024-09-30T09:00:00Z")]}),
            ),
            400,
        ),
        case(
            "body that is not JSON (`text/plain`)",
            as_user("POST", "/availability")
                .header("content-type", "text/plain")
                .raw_body(b"availability please"),
            415,
        ),
        case(
            "form-encoded body",
            as_user("POST", "/availability")
                .header("content-type", "application/x-www-form-urlencoded")
                .raw_body(b"a=1"),
            415,
        ),
        case(
            "body over 1 MiB",
            post_body(
                format!(
                    "{{\"availability\": [], \"x\": \"{}\"}}",
                    "a".repeat(1 << 20)
                )
                .as_bytes(),
            ),
            413,
        ),
        case(
            "more than 1000 slots in one POST",
            post_json(json!({"availability": too_many_slots})),
            413,
        ),
        // Through API Gateway a body that is not text arrives base64-encoded.
        case(
            "base64 body that is not UTF-8",
            post_body(&[0xff, 0xfe, 0xfd, 0xfc]),
            400,
        ),
        case(
            "non-ASCII `If-Match` header",
            as_user("POST", "/availability")
                .header("if-match", "\u{9d}")
                .json(&json!({"availability": []})),
            400,
        ),
        case(
            "duplicate query parameter",
            as_user(
                "GET",
                "/availability?from=2024-09-30T00:00:00Z&from=2024-10-01T00:00:00Z",
            ),
            400,
        ),
        case(
            "misspelt query parameter",
            as_user("GET", "/availability?too=2024-09-30T00:00:00Z"),
            400,
        ),
        case(
            "user id with spaces or over 128 characters",
            as_user("GET", &format!("/overlap/{}", "u".repeat(129))),
            400,
        ),
        // Not in docs/hostile-input.md yet: the one malformed event a client can cause through
        // API Gateway, which passes the raw query on. lambda_http's request builder panics on it
        // (`expect`); the event door catches that only where panics unwind.
        case(
            "query with characters a URI may not hold",
            as_user("GET", "/availability?x=\"<>"),
            400,
        ),
        by_gateway("unknown path", as_user("GET", "/admin"), 404),
        case(
            "known path, wrong method",
            as_user("PUT", "/availability"),
            405,
        ),
        case(
            "weak `If-Match` tag",
            as_user("POST", "/availability")
                .header("if-match", "W/\"0\"")
                .json(&json!({"availability": []})),
            412,
        ),
        case(
            "unknown field with a name of a mebibyte",
            post_body(
                format!("{{\"availability\": [], \"{}\": 1}}", "f".repeat(1_048_000)).as_bytes(),
            ),
            400,
        ),
        case(
            "timestamp past 9999-12-31T00:00:00Z",
            post_json(
                json!({"availability": [slot("9999-12-30T00:00:00Z", "9999-12-31T00:00:00.001Z")]}),
            ),
            400,
        ),
        case(
            "seconds field of 60",
            post_json(
                json!({"availability": [slot("2024-09-30T09:00:60Z", "2024-09-30T10:00:00Z")]}),
            ),
            400,
        ),
        case(
            "DELETE with a body and a query",
            as_user(
                "DELETE",
                "/availability?start_time=2024-09-30T09:00:00Z&end_time=2024-09-30T10:00:00Z",
            )
            .json(&ok_slot),
            400,
        ),
        case(
            "schedule of the wrong shape",
            as_user("PUT", "/availability/schedule")
                .json(&json!({"timezone": "UTC", "weekly": "mon"})),
            400,
        ),
        case(
            "stale `If-Match`",
            as_user("POST", "/availability")
                .header("if-match", "\"7\"")
                .json(&json!({"availability": [ok_slot.clone()]})),
            412,
        ),
        by_gateway(
            "no identity in `jwt` mode",
            HttpRequest::new("GET", "/availability"),
            401,
        ),
        by_gateway(
            "`x-user-id` header in `jwt` mode",
            HttpRequest::new("GET", "/availability").header("x-user-id", "alice"),
            401,
        ),
        case(
            "body `user_id` of another user in `jwt` mode",
            HttpRequest::new("POST", "/availability")
                .signed_in("alice")
                .json(&json!({"user_id": "bob", "availability": [ok_slot]})),
            403,
        ),
    ]
}

fn every_hostile_input(deployed: &mut Deployed) {
    for case in cases() {
        let response = deployed.send(case.request);
        let body = response.json();
        assert_eq!(response.status, case.status, "{}: {body}", case.input);
        match case.answered_by {
            AnsweredBy::Function => {
                assert_eq!(
                    response.header("content-type"),
                    Some("application/problem+json"),
                    "{}",
                    case.input
                );
                assert_eq!(body["status"], case.status, "{}: {body}", case.input);
                assert!(body["error"].is_string(), "{}: {body}", case.input);
            }
            AnsweredBy::Gateway => {
                assert!(body["message"].is_string(), "{}: {body}", case.input);
                assert!(
                    !deployed.gateway.exchanges.last().is_some_and(|e| e.invoked),
                    "{}: API Gateway answers without invoking the function",
                    case.input
                );
            }
        }
    }
    let alive = deployed.send(as_user("GET", "/availability"));
    assert_eq!(alive.status, 200);
    assert_eq!(
        alive.json()["availability"],
        json!([]),
        "no bad request stored anything"
    );
    assert_eq!(
        deployed.gateway.function.starts, 1,
        "one execution environment served them all"
    );
}

on_both_stores!(every_hostile_input);
