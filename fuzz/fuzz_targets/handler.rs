//! Arbitrary bytes through the real handler, two ways: as a whole Lambda event, and as the body
//! of a well-formed event on one of the routes. Whatever comes in, the handler must answer
//! (no panic escapes, no `Err`), with a 4xx or 2xx status and a JSON body (or, for the booking
//! pages and their files under `/book/`, the `text/...` body it says it is).
#![no_main]

use availability_api::api::{App, handle_event};
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use lambda_http::{Context, LambdaEvent};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::sync::OnceLock;

struct Harness {
    runtime: tokio::runtime::Runtime,
    app: App<MemoryStore>,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        // libFuzzer's hook aborts on every panic, even one the handler catches on purpose (see
        // src/api/event.rs); the default hook lets caught panics pass and escaped ones still fail.
        let _ = std::panic::take_hook();
        Harness {
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime"),
            app: App::new(MemoryStore::new(), Config::dev()).with_metrics_output(std::io::sink()),
        }
    })
}

const ROUTES: [(&str, &str); 6] = [
    ("POST", "/availability"),
    ("DELETE", "/availability"),
    ("GET", "/availability"),
    ("GET", "/overlap"),
    ("GET", "/overlap/user456"),
    ("PUT", "/availability"),
];

/// An HTTP API event carrying `body` (base64 when it is not UTF-8) on the route `selector` picks.
fn event_with_body(selector: u8, body: &[u8]) -> Value {
    let (method, path) = ROUTES[usize::from(selector) % ROUTES.len()];
    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (BASE64.encode(body), true),
    };
    let content_type = if selector & 0x80 == 0 {
        "application/json"
    } else {
        "text/plain"
    };
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "fuzz.example", "content-type": content_type},
        "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "fuzz"},
                           "stage": "$default", "requestId": "fuzz", "routeKey": "$default",
                           "accountId": "1", "apiId": "fuzz", "domainName": "fuzz.example",
                           "domainPrefix": "fuzz", "time": "", "timeEpoch": 0},
        "body": body, "isBase64Encoded": encoded
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let event = if selector == 0 {
        match serde_json::from_slice::<Value>(rest) {
            Ok(event) => event,
            Err(_) => return,
        }
    } else {
        event_with_body(selector, rest)
    };
    let Harness { runtime, app } = harness();
    let response = runtime
        .block_on(handle_event(
            app,
            LambdaEvent::new(event, Context::default()),
        ))
        .expect("the handler answers every event");
    let status = response["statusCode"].as_u64().expect("a status code");
    assert!((200..500).contains(&status), "status {status}: {response}");
    let body = response["body"].as_str().expect("a body");
    let content_type = response["headers"]["content-type"]
        .as_str()
        .unwrap_or_default();
    if !content_type.starts_with("text/") {
        serde_json::from_str::<Value>(body).expect("a JSON body");
    }
});
