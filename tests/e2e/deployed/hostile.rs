//! The hostile-input table (docs/hostile-input.md, `tests/shared/hostile_cases.rs`) sent as HTTP
//! requests through the deployed API, from the same rows the handler tests send as events.
//!
//! Deployed, some rows are answered by API Gateway before the function: a request without a
//! token on a guarded route (its 401), a path the template does not route (its 404). Rows about
//! malformed events (bad base64 with `isBase64Encoded`, a non-HTTP event, fields of the wrong
//! type, an unparsable `Host`) cannot be produced through API Gateway, which builds every event
//! itself; they are the handler tests' alone.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use crate::hostile_cases::{Body, HostileCase, Sender, hostile_cases};
use serde_json::json;

/// Signed in as the seed's user, as every request of the dev-mode rows is in production.
fn as_user(method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in("user123")
}

/// A shared row as the HTTP request a client sends.
fn request_of(case: &HostileCase) -> HttpRequest {
    let target = match &case.query {
        Some(query) => format!("{}?{query}", case.path),
        None => case.path.clone(),
    };
    let mut request = match case.sender {
        Sender::SeedUser => as_user(case.method, &target),
        Sender::Nobody => HttpRequest::new(case.method, &target),
        Sender::SignedIn(user) => HttpRequest::new(case.method, &target).signed_in(user),
    };
    for (name, value) in &case.headers {
        request = request.header(name, value);
    }
    match &case.body {
        Body::None => request,
        Body::Json(body) => request.json(body),
        Body::Raw { content_type, text } => request
            .header("content-type", content_type)
            .raw_body(text.as_bytes()),
    }
}

fn every_hostile_input(deployed: &mut Deployed) {
    for case in hostile_cases() {
        let response = deployed.send(request_of(&case));
        let body = response.json();
        assert_eq!(response.status, case.status, "{}: {body}", case.input);
        if case.answered_by_gateway {
            assert!(body["message"].is_string(), "{}: {body}", case.input);
            assert!(
                !deployed.gateway.exchanges.last().is_some_and(|e| e.invoked),
                "{}: API Gateway answers without invoking the function",
                case.input
            );
        } else {
            assert_eq!(
                response.header("content-type"),
                Some("application/problem+json"),
                "{}",
                case.input
            );
            assert_eq!(body["status"], case.status, "{}: {body}", case.input);
            assert!(body["error"].is_string(), "{}: {body}", case.input);
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
