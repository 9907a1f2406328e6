//! Events shaped as API Gateway sends them, and invocations through the same door Lambda uses
//! (`api::handle_event` on raw event JSON).

use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::store::MemoryStore;
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

pub(crate) fn dev_app() -> App<MemoryStore> {
    App::new(MemoryStore::new(), Config::dev())
}

pub(crate) fn jwt_app() -> App<MemoryStore> {
    App::new(MemoryStore::new(), Config::jwt())
}

/// What came back, read the way a client of the event source would read it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub raw: Value,
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// A response header, whichever of `headers`/`multiValueHeaders` the source uses.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        if let Some(value) = self.raw["headers"].get(name) {
            return value.as_str().map(str::to_owned);
        }
        self.raw["multiValueHeaders"].get(name).and_then(|values| {
            values.as_array().map(|vs| {
                vs.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
    }

    pub(crate) fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("<no error member>")
    }
}

pub(crate) async fn invoke<S: availability_api::store::AvailabilityStore>(
    app: &App<S>,
    event: Value,
) -> Reply {
    let raw = api::handle_event(app, LambdaEvent::new(event, Context::default()))
        .await
        .expect("the handler answers every event");
    let status = raw["statusCode"].as_u64().expect("statusCode is a number") as u16;
    let text = raw["body"].as_str().unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(text).expect("every response body is JSON")
    };
    Reply { raw, status, body }
}

/// An HTTP API (payload v2) event as API Gateway builds it, with no authorizer.
pub(crate) fn http_api(method: &str, path: &str) -> HttpApiEvent {
    HttpApiEvent(json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "k7pq2x9d1m",
            "domainName": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "k7pq2x9d1m",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "test"},
            "requestId": "test-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Sep/2024:08:59:12 +0000",
            "timeEpoch": 1727427552000u64
        },
        "isBase64Encoded": false
    }))
}

pub(crate) struct HttpApiEvent(pub Value);

impl HttpApiEvent {
    pub(crate) fn query(mut self, raw_query: &str) -> Self {
        self.0["rawQueryString"] = json!(raw_query);
        self
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.0["headers"][name] = json!(value);
        self
    }

    /// A JSON body with `content-type: application/json`, as the seed's clients send it.
    pub(crate) fn json(self, body: Value) -> Self {
        self.header("content-type", "application/json")
            .raw_body(&body.to_string())
    }

    pub(crate) fn raw_body(mut self, body: &str) -> Self {
        self.0["body"] = json!(body);
        self
    }

    pub(crate) fn jwt_sub(mut self, sub: &str) -> Self {
        self.0["requestContext"]["authorizer"] = json!({"jwt": {"claims": {"sub": sub, "iss": "https://issuer.example"}, "scopes": null}});
        self
    }

    pub(crate) fn build(self) -> Value {
        self.0
    }
}

pub(crate) fn slot(start: &str, end: &str) -> Value {
    json!({"start_time": start, "end_time": end})
}

/// `[{"start_time", "end_time"}]` as the API answers it.
pub(crate) fn intervals(pairs: &[(&str, &str)]) -> Value {
    Value::Array(pairs.iter().map(|(s, e)| slot(s, e)).collect())
}

pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn read_event(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
