//! What each kind of bad input gets. Every case here is a row of the table in
//! docs/hostile-input.md (checked below), so the documentation cannot drift from behaviour.

use crate::helpers::{dev_app, http_api, invoke, jwt_app, slot};
use serde_json::{Value, json};

struct Case {
    /// The row's first cell in docs/hostile-input.md.
    input: &'static str,
    event: Value,
    status: u16,
    jwt_mode: bool,
}

fn post_body(raw: &str) -> Value {
    http_api("POST", "/availability")
        .header("content-type", "application/json")
        .raw_body(raw)
        .build()
}

fn base64_event(body: &str) -> Value {
    let mut event = post_body("");
    event["isBase64Encoded"] = json!(true);
    event["body"] = json!(body);
    event
}

fn cases() -> Vec<Case> {
    let ok_slot = slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z");
    let case = |input, event, status| Case {
        input,
        event,
        status,
        jwt_mode: false,
    };
    let jwt = |input, event, status| Case {
        input,
        event,
        status,
        jwt_mode: true,
    };
    let mut wrong_event_shape = http_api("GET", "/").build();
    wrong_event_shape["requestContext"] = json!("not an object");
    let mut bad_host = http_api("GET", "/").build();
    bad_host["headers"]["host"] = json!("bad host");
    bad_host["requestContext"]["domainName"] = json!("bad host");
    let mut too_many_slots = Vec::new();
    too_many_slots.resize(1001, ok_slot.clone());
    vec![
        case("invalid JSON body", post_body("{\"availability\": ["), 400),
        case("JSON array as body", post_body("[1, 2, 3]"), 400),
        case("JSON number as body", post_body("12345678901234567890123456789"), 400),
        case("JSON null as body", post_body("null"), 400),
        case("nesting deeper than 128 levels", post_body(&format!("{}{}", "[".repeat(200), "]".repeat(200))), 400),
        case("huge number in a field", post_body("{\"availability\": 1e999999}"), 400),
        case("empty body on POST", post_body(""), 400),
        case("missing `availability`", post_body("{}"), 400),
        case("unknown field", post_body("{\"availability\": [], \"admin\": true}"), 400),
        case("unknown field in a slot", http_api("POST", "/availability").json(json!({"availability": [{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "color": "red"}]})).build(), 400),
        case("wrong type of a field", http_api("POST", "/availability").json(json!({"availability": [{"start_time": 1727686800, "end_time": "2024-09-30T10:00:00Z"}]})).build(), 400),
        case("unknown `period`", http_api("POST", "/availability").json(json!({"availability": [{"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "period": "hourly"}]})).build(), 400),
        case("timestamp without offset", http_api("POST", "/availability").json(json!({"availability": [slot("2024-09-30T09:00:00", "2024-09-30T10:00:00Z")]})).build(), 400),
        case("timestamp past year 9999", http_api("POST", "/availability").json(json!({"availability": [slot("+275760-09-13T00:00:00Z", "2024-09-30T10:00:00Z")]})).build(), 400),
        case("sub-millisecond timestamp", http_api("POST", "/availability").json(json!({"availability": [slot("2024-09-30T09:00:00.0001Z", "2024-09-30T10:00:00Z")]})).build(), 400),
        case("end before start", http_api("POST", "/availability").json(json!({"availability": [slot("2024-09-30T10:00:00Z", "2024-09-30T09:00:00Z")]})).build(), 400),
        case("body that is not JSON (`text/plain`)", http_api("POST", "/availability").header("content-type", "text/plain").raw_body("availability please").build(), 415),
        case("form-encoded body", http_api("POST", "/availability").header("content-type", "application/x-www-form-urlencoded").raw_body("a=1").build(), 415),
        case("body over 1 MiB", post_body(&format!("{{\"availability\": [], \"x\": \"{}\"}}", "a".repeat(1 << 20))), 413),
        case("more than 1000 slots in one POST", http_api("POST", "/availability").json(json!({"availability": too_many_slots})).build(), 413),
        case("`isBase64Encoded` with invalid base64", base64_event("***"), 400),
        case("base64 body that is not UTF-8", base64_event("//79/A=="), 400),
        case("non-ASCII `If-Match` header", http_api("POST", "/availability").header("if-match", "\u{9d}").json(json!({"availability": []})).build(), 400),
        case("weak `If-Match` tag", http_api("POST", "/availability").header("if-match", "W/\"0\"").json(json!({"availability": []})).build(), 412),
        case("unknown field with a name of a mebibyte", post_body(&format!("{{\"availability\": [], \"{}\": 1}}", "f".repeat(1_048_000))), 400),
        case("timestamp past 9999-12-31T00:00:00Z", http_api("POST", "/availability").json(json!({"availability": [slot("9999-12-30T00:00:00Z", "9999-12-31T00:00:00.001Z")]})).build(), 400),
        case("seconds field of 60", http_api("POST", "/availability").json(json!({"availability": [slot("2024-09-30T09:00:60Z", "2024-09-30T10:00:00Z")]})).build(), 400),
        case("DELETE with a body and a query", http_api("DELETE", "/availability").query("start_time=2024-09-30T09:00:00Z&end_time=2024-09-30T10:00:00Z").json(ok_slot.clone()).build(), 400),
        case("schedule of the wrong shape", http_api("PUT", "/availability/schedule").json(json!({"timezone": "UTC", "weekly": "mon"})).build(), 400),
        case("duplicate query parameter", http_api("GET", "/availability").query("from=2024-09-30T00:00:00Z&from=2024-10-01T00:00:00Z").build(), 400),
        case("misspelt query parameter", http_api("GET", "/availability").query("too=2024-09-30T00:00:00Z").build(), 400),
        case("user id with spaces or over 128 characters", http_api("GET", &format!("/overlap/{}", "u".repeat(129))).build(), 400),
        case("event that is not an HTTP event", json!({"Records": [{"eventSource": "aws:sqs"}]}), 400),
        case("event with fields of the wrong type", wrong_event_shape, 400),
        case("event whose `Host` lambda_http cannot parse", bad_host, 400),
        case("unknown path", http_api("GET", "/admin").build(), 404),
        case("known path, wrong method", http_api("PUT", "/availability").build(), 405),
        case("stale `If-Match`", http_api("POST", "/availability").header("if-match", "\"7\"").json(json!({"availability": [ok_slot.clone()]})).build(), 412),
        case("non-ASCII `Idempotency-Key` header", http_api("POST", "/bookings").header("idempotency-key", "\u{9d}").json(json!({"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "participants": []})).build(), 400),
        case("booking naming 100,000 participants", http_api("POST", "/bookings").json(json!({"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "participants": vec!["u"; 100_000]})).build(), 413),
        case("booking with an `organizer` in the body", http_api("POST", "/bookings").json(json!({"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z", "participants": [], "organizer": "bob"})).build(), 400),
        jwt("no identity in `jwt` mode", http_api("GET", "/availability").build(), 401),
        jwt("`x-user-id` header in `jwt` mode", http_api("GET", "/availability").header("x-user-id", "alice").build(), 401),
        jwt("body `user_id` of another user in `jwt` mode", http_api("POST", "/availability").jwt_sub("alice").json(json!({"user_id": "bob", "availability": [ok_slot]})).build(), 403),
    ]
}

fn documented_row<'a>(doc: &'a str, input: &str) -> &'a str {
    doc.lines()
        .find(|line| line.starts_with(&format!("| {input} |")))
        .unwrap_or_else(|| panic!("docs/hostile-input.md has no row for `{input}`"))
}

#[tokio::test]
async fn every_bad_input_gets_its_documented_answer_and_the_function_keeps_serving() {
    let doc = std::fs::read_to_string(crate::helpers::project_root().join("docs/hostile-input.md"))
        .expect("docs/hostile-input.md");
    let (dev, jwt) = (dev_app(), jwt_app());
    for case in cases() {
        let app = if case.jwt_mode { &jwt } else { &dev };
        let reply = invoke(app, case.event).await;
        assert_eq!(reply.status, case.status, "{}: {}", case.input, reply.raw);
        assert_eq!(
            reply.body["status"], case.status,
            "{}: problem details carry the status",
            case.input
        );
        let row = documented_row(&doc, case.input);
        assert!(
            row.contains(&format!("| {} |", case.status)),
            "`{row}` states status {}",
            case.status
        );
        assert!(
            row.contains(reply.error()),
            "`{row}` quotes the error `{}`",
            reply.error()
        );
    }
    assert_eq!(invoke(&dev, http_api("GET", "/").build()).await.status, 200);
    assert_eq!(
        invoke(&dev, http_api("GET", "/availability").build())
            .await
            .body["availability"],
        json!([]),
        "no bad request stored anything"
    );
}
