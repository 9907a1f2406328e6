//! Every sample in events/ turned back into the HTTP request that would have produced it, and
//! sent through the deployed API in the order and with the statuses and bodies of
//! `crate::sample_events`, the table the handler tests replay too. Deployed, the function runs with `AUTH_MODE=jwt`, so each
//! request carries a bearer token for the user the event names: its authorizer's `sub`, else
//! its `x-user-id` header, else its body's `user_id`, else the original app's `user123`. Named stages
//! and REST/ALB/function-URL shapes become plain paths on the HTTP API's `$default` stage.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use super::template::project_root;
use crate::sample_events::{assert_every_sample_is_replayed, comparable, replay_steps};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Headers that API Gateway sets itself; the request a client sends does not carry them.
const GATEWAY_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-amzn-trace-id",
];

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// The HTTP request behind an event (HTTP API v2, function URL, REST API v1 or ALB).
pub(crate) fn request_of_event(event: &Value) -> HttpRequest {
    let context = &event["requestContext"];
    let (method, path, query) = if event["version"] == "2.0" {
        let mut path = event["rawPath"].as_str().unwrap_or("/").to_owned();
        if let Some(stage) = context["stage"].as_str().filter(|s| *s != "$default")
            && let Some(rest) = path.strip_prefix(&format!("/{stage}"))
        {
            path = if rest.is_empty() {
                "/".into()
            } else {
                rest.into()
            };
        }
        (
            context["http"]["method"]
                .as_str()
                .unwrap_or("GET")
                .to_owned(),
            path,
            event["rawQueryString"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    } else {
        let multi = event["multiValueQueryStringParameters"].as_object();
        let single = event["queryStringParameters"].as_object();
        let mut pairs = Vec::new();
        if let Some(multi) = multi {
            for (name, values) in multi {
                for value in values.as_array().into_iter().flatten() {
                    pairs.push(format!(
                        "{}={}",
                        encode(name),
                        encode(value.as_str().unwrap_or_default())
                    ));
                }
            }
        } else if let Some(single) = single {
            for (name, value) in single {
                pairs.push(format!(
                    "{}={}",
                    encode(name),
                    encode(value.as_str().unwrap_or_default())
                ));
            }
        }
        (
            event["httpMethod"].as_str().unwrap_or("GET").to_owned(),
            event["path"].as_str().unwrap_or("/").to_owned(),
            pairs.join("&"),
        )
    };
    let target = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut request = HttpRequest::new(&method, &target);
    for (name, value) in event["headers"].as_object().into_iter().flatten() {
        let lower = name.to_ascii_lowercase();
        if GATEWAY_HEADERS.contains(&lower.as_str()) || lower == "authorization" {
            continue;
        }
        request = request.header(&lower, value.as_str().unwrap_or_default());
    }
    if let Some(cookies) = event["cookies"].as_array() {
        let joined: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
        request = request.header("cookie", &joined.join("; "));
    }
    let body = event["body"].as_str().unwrap_or_default();
    let body = if event["isBase64Encoded"] == true {
        STANDARD
            .decode(body)
            .expect("a sample's base64 body decodes")
    } else {
        body.as_bytes().to_vec()
    };
    let identity = identity_of_event(event, &body);
    request.raw_body(&body).signed_in(&identity)
}

fn identity_of_event(event: &Value, body: &[u8]) -> String {
    let context = &event["requestContext"];
    let string = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    string(&context["authorizer"]["jwt"]["claims"]["sub"])
        .or_else(|| string(&context["authorizer"]["claims"]["sub"]))
        .or_else(|| string(&event["headers"]["x-user-id"]))
        .or_else(|| {
            serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|b| string(&b["user_id"]))
        })
        .unwrap_or_else(|| "user123".into())
}

fn read_event(name: &str) -> Value {
    let path = project_root().join("events").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn every_sample_event(deployed: &mut Deployed) {
    let steps = replay_steps();
    assert_every_sample_is_replayed(&project_root(), &steps);

    for (name, status, body) in steps {
        let request = request_of_event(&read_event(name));
        let response = deployed.send(request);
        let answer = response.json();
        assert_eq!(response.status, status, "{name}: {answer}");
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.contains("json")),
            "{name}: JSON content type"
        );
        if status == 404 {
            // A problem+json body: its `error` member is the original app's message.
            assert_eq!(answer["error"], body["error"], "{name}");
        } else {
            assert_eq!(comparable(&answer), body, "{name}");
        }
    }
}

on_both_stores!(every_sample_event);
