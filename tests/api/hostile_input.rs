//! What each kind of bad input gets. Every case here is a row of the table in
//! docs/hostile-input.md (checked below), so the documentation cannot drift from behaviour: the
//! rows a client can send over HTTP come from the table the deployed harness sends too
//! (`tests/shared/hostile_cases.rs`), and the malformed events below only a broken caller makes.

use crate::helpers::{dev_app, http_api, invoke, jwt_app};
use crate::hostile_cases::{Body, HostileCase, Sender, hostile_cases};
use serde_json::{Value, json};

struct Case {
    /// The row's first cell in docs/hostile-input.md.
    input: &'static str,
    event: Value,
    status: u16,
    jwt_mode: bool,
}

/// A shared row as the API Gateway event that carries it.
fn from_table(case: HostileCase) -> Case {
    let mut event = http_api(case.method, &case.path);
    if let Some(query) = &case.query {
        event = event.query(query);
    }
    for (name, value) in &case.headers {
        event = event.header(name, value);
    }
    event = match case.body {
        Body::None => event,
        Body::Json(body) => event.json(body),
        Body::Raw { content_type, text } => {
            event.header("content-type", content_type).raw_body(&text)
        }
    };
    if let Sender::SignedIn(user) = case.sender {
        event = event.jwt_sub(user);
    }
    Case {
        input: case.input,
        event: event.build(),
        status: case.status,
        jwt_mode: case.sender != Sender::SeedUser,
    }
}

fn base64_event(body: &str) -> Value {
    let mut event = http_api("POST", "/availability")
        .header("content-type", "application/json")
        .build();
    event["isBase64Encoded"] = json!(true);
    event["body"] = json!(body);
    event
}

/// Events API Gateway never builds: malformed, or not HTTP at all.
fn malformed_events() -> Vec<Case> {
    let case = |input, event| Case {
        input,
        event,
        status: 400,
        jwt_mode: false,
    };
    let mut wrong_event_shape = http_api("GET", "/").build();
    wrong_event_shape["requestContext"] = json!("not an object");
    let mut bad_host = http_api("GET", "/").build();
    bad_host["headers"]["host"] = json!("bad host");
    bad_host["requestContext"]["domainName"] = json!("bad host");
    vec![
        case("`isBase64Encoded` with invalid base64", base64_event("***")),
        case("base64 body that is not UTF-8", base64_event("//79/A==")),
        case(
            "event that is not an HTTP event",
            json!({"Records": [{"eventSource": "aws:sqs"}]}),
        ),
        case("event with fields of the wrong type", wrong_event_shape),
        case("event whose `Host` lambda_http cannot parse", bad_host),
    ]
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = hostile_cases().into_iter().map(from_table).collect();
    cases.extend(malformed_events());
    cases
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
