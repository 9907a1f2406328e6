//! A stand-in for the HTTP API (API Gateway v2) that template.yaml declares, in process: it
//! routes only the template's route keys (else API Gateway's own 404), answers 401 for a route
//! guarded by the JWT authorizer when the request has no usable bearer token, builds the
//! payload-format-2.0 event API Gateway sends (with the token's claims as
//! `requestContext.authorizer.jwt.claims`), and maps the invocation's result back to HTTP:
//! any failed invocation (function error, response over the limit, timeout, crash, memory, and
//! an event over Lambda's limit, which Lambda refuses with 413 before the function sees it) is
//! the HTTP API's 500 `{"message":"Internal Server Error"}`; only a function slower than the
//! integration's 30 s gets 503 `{"message":"Service Unavailable"}`. (The 500 for an oversized
//! event follows the HTTP API's rule for integration failures; it is not measured here.)
//!
//! Test tokens are unsigned JWTs (`header.payload.signature`, base64url): verifying signature,
//! issuer and audience is API Gateway's job, and the harness only decodes the payload and
//! honours `exp`.

use super::lambda::{Failure, Function, Record};
use super::template::RouteKey;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The HTTP API's own limits: a 10 MB request body, and a 30 s integration timeout.
const API_PAYLOAD_LIMIT: usize = 10 * 1024 * 1024;
const INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

const DOMAIN: &str = "k7pq2x9d1m.execute-api.us-east-1.amazonaws.com";

#[derive(Clone, Debug)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    /// Path and query as sent, e.g. `/availability?from=...`.
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpRequest {
    pub(crate) fn new(method: &str, target: &str) -> HttpRequest {
        HttpRequest {
            method: method.to_owned(),
            target: target.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> HttpRequest {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn json(self, body: &Value) -> HttpRequest {
        self.header("content-type", "application/json")
            .raw_body(body.to_string().as_bytes())
    }

    pub(crate) fn raw_body(mut self, body: &[u8]) -> HttpRequest {
        self.body = body.to_vec();
        self
    }

    /// `authorization: Bearer <an unsigned JWT with these claims>`.
    pub(crate) fn bearer(self, claims: &Value) -> HttpRequest {
        let token = test_token(claims);
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Signed in as `sub`.
    pub(crate) fn signed_in(self, sub: &str) -> HttpRequest {
        self.bearer(&json!({
            "sub": sub,
            "iss": "https://issuer.example",
            "aud": "availability-web",
            "token_use": "id"
        }))
    }
}

pub(crate) fn test_token(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[derive(Clone, Debug)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when empty).
    pub(crate) fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "a JSON body, got: {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }
}

/// One request through the API, for the run's summary and the per-request limit checks.
#[derive(Clone, Debug)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) status: u16,
    /// Who answered: `false` when API Gateway answered without invoking the function.
    pub(crate) invoked: bool,
    pub(crate) record: Option<Record>,
}

pub(crate) struct Gateway {
    pub(crate) routes: Vec<RouteKey>,
    pub(crate) function: Function,
    pub(crate) exchanges: Vec<Exchange>,
}

fn gateway_answer(status: u16, message: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: json!({ "message": message }).to_string().into_bytes(),
    }
}

/// The route that API Gateway picks: an exact method beats `ANY`, and a path with more
/// literal segments beats one with parameters. Returns the route and its path parameters.
fn match_route<'a>(
    routes: &'a [RouteKey],
    method: &str,
    path: &str,
) -> Option<(&'a RouteKey, Map<String, Value>)> {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut best: Option<(usize, &RouteKey, Map<String, Value>)> = None;
    for route in routes {
        if route.method != "ANY" && route.method != method {
            continue;
        }
        let pattern: Vec<&str> = route.path.split('/').skip(1).collect();
        let mut parameters = Map::new();
        let mut literal = 0;
        let mut matched = true;
        let mut index = 0;
        while index < pattern.len() {
            let part = pattern[index];
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
                let rest = segments
                    .get(index..)
                    .map(|s| s.join("/"))
                    .unwrap_or_default();
                matched = !rest.is_empty();
                parameters.insert(name.into(), json!(decode(&rest)));
                index = segments.len();
                break;
            }
            match segments.get(index) {
                Some(segment) if part.starts_with('{') && part.ends_with('}') => {
                    if segment.is_empty() {
                        matched = false;
                        break;
                    }
                    parameters.insert(part[1..part.len() - 1].into(), json!(decode(segment)));
                }
                Some(segment) if *segment == part => literal += 1,
                _ => {
                    matched = false;
                    break;
                }
            }
            index += 1;
        }
        if !matched || index != segments.len() {
            continue;
        }
        let score = literal * 2 + usize::from(route.method != "ANY");
        if best.as_ref().is_none_or(|(s, ..)| score > *s) {
            best = Some((score, route, parameters));
        }
    }
    best.map(|(_, route, parameters)| (route, parameters))
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The JWT authorizer's view of the request: the claims, or why it is refused.
fn authorize(headers: &[(String, String)]) -> Result<Map<String, Value>, HttpResponse> {
    let unauthorized = || gateway_answer(401, "Unauthorized");
    let value = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(unauthorized)?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value);
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts[..] else {
        return Err(unauthorized());
    };
    let claims: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(unauthorized)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if claims
        .get("exp")
        .and_then(|exp| exp.as_u64().or_else(|| exp.as_str()?.parse().ok()))
        .is_some_and(|exp| exp <= now)
    {
        return Err(unauthorized());
    }
    // API Gateway hands every claim over as a string; arrays as `[a b]`.
    Ok(claims
        .into_iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s,
                Value::Array(items) => format!(
                    "[{}]",
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                other => other.to_string(),
            };
            (name, Value::String(text))
        })
        .collect())
}

/// Whether API Gateway passes the body as text: a textual content type and valid UTF-8.
fn is_text(content_type: Option<&str>, body: &[u8]) -> bool {
    let Some(content_type) = content_type else {
        return false;
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let textual = media.starts_with("text/")
        || media.ends_with("/json")
        || media.ends_with("+json")
        || media.ends_with("/xml")
        || media.ends_with("+xml")
        || media == "application/javascript";
    textual && std::str::from_utf8(body).is_ok()
}

impl Gateway {
    pub(crate) fn send(&mut self, request: &HttpRequest) -> HttpResponse {
        let (response, record) = self.handle(request);
        self.exchanges.push(Exchange {
            method: request.method.clone(),
            target: request.target.chars().take(120).collect(),
            status: response.status,
            invoked: record.is_some(),
            record,
        });
        response
    }

    fn handle(&mut self, request: &HttpRequest) -> (HttpResponse, Option<Record>) {
        let target = request.target.split('#').next().unwrap_or_default();
        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        if request.body.len() > API_PAYLOAD_LIMIT {
            return (gateway_answer(413, "Request Entity Too Large"), None);
        }
        let Some((route, path_parameters)) = match_route(&self.routes, &request.method, raw_path)
        else {
            return (gateway_answer(404, "Not Found"), None);
        };
        let route = route.clone();
        let claims = if route.authorized {
            match authorize(&request.headers) {
                Ok(claims) => Some(claims),
                Err(refusal) => return (refusal, None),
            }
        } else {
            None
        };
        let event = self.event(
            request,
            &route,
            raw_path,
            raw_query,
            path_parameters,
            claims,
        );
        let payload = serde_json::to_vec(&event).expect("an event serializes");
        let outcome = self.function.invoke(&payload);
        let record = outcome.record;
        let response = match (&record.failure, outcome.payload) {
            (Some(Failure::Timeout), _) if self.function.spec().timeout >= INTEGRATION_TIMEOUT => {
                gateway_answer(503, "Service Unavailable")
            }
            (None, Some(payload)) => response_from_payload(&payload, request.method == "HEAD")
                .unwrap_or_else(|| gateway_answer(500, "Internal Server Error")),
            _ => gateway_answer(500, "Internal Server Error"),
        };
        (response, Some(record))
    }

    fn event(
        &self,
        request: &HttpRequest,
        route: &RouteKey,
        raw_path: &str,
        raw_query: &str,
        path_parameters: Map<String, Value>,
        claims: Option<Map<String, Value>>,
    ) -> Value {
        let mut headers = Map::new();
        let mut cookies = Vec::new();
        for (name, value) in &request.headers {
            let name = name.to_ascii_lowercase();
            if name == "cookie" {
                cookies.extend(value.split(';').map(|c| json!(c.trim())));
                continue;
            }
            match headers.get_mut(&name) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(value);
                }
                _ => {
                    headers.insert(name, json!(value));
                }
            }
        }
        for (name, value) in [
            ("host", DOMAIN.to_owned()),
            ("content-length", request.body.len().to_string()),
            ("x-forwarded-for", "203.0.113.7".to_owned()),
            ("x-forwarded-port", "443".to_owned()),
            ("x-forwarded-proto", "https".to_owned()),
            (
                "x-amzn-trace-id",
                format!("Root=1-00000000-{:024x}", self.exchanges.len()),
            ),
        ] {
            headers.insert(name.to_owned(), json!(value));
        }
        let mut query = Map::new();
        for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (name, value) = (decode(name), decode(value));
            match query.get_mut(&name) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                _ => {
                    query.insert(name, json!(value));
                }
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let user_agent = headers
            .get("user-agent")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let content_type = headers
            .get("content-type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut context = json!({
            "accountId": "123456789012",
            "apiId": "k7pq2x9d1m",
            "domainName": DOMAIN,
            "domainPrefix": "k7pq2x9d1m",
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": user_agent
            },
            "requestId": format!("Hx{:012}=", self.exchanges.len()),
            "routeKey": route.name(),
            "stage": "$default",
            "time": "27/Sep/2024:08:59:12 +0000",
            "timeEpoch": now.as_millis() as u64
        });
        if let Some(claims) = claims {
            context["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
        }
        let mut event = json!({
            "version": "2.0",
            "routeKey": route.name(),
            "rawPath": raw_path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": false
        });
        if !cookies.is_empty() {
            event["cookies"] = Value::Array(cookies);
        }
        if !query.is_empty() {
            event["queryStringParameters"] = Value::Object(query);
        }
        if !path_parameters.is_empty() {
            event["pathParameters"] = Value::Object(path_parameters);
        }
        if !request.body.is_empty() {
            if is_text(content_type.as_deref(), &request.body) {
                event["body"] = json!(String::from_utf8_lossy(&request.body));
            } else {
                event["body"] = json!(STANDARD.encode(&request.body));
                event["isBase64Encoded"] = json!(true);
            }
        }
        event
    }
}

/// A payload-format-2.0 response as API Gateway reads it; `None` when it cannot (a 500).
fn response_from_payload(payload: &[u8], head: bool) -> Option<HttpResponse> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let Some(status) = value.get("statusCode") else {
        // Without `statusCode`, API Gateway answers 200 with the payload as a JSON body.
        return Some(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: if head { Vec::new() } else { payload.to_vec() },
        });
    };
    let status = u16::try_from(status.as_u64()?).ok()?;
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(map) = value.get("headers").and_then(Value::as_object) {
        for (name, value) in map {
            headers.push((name.clone(), value.as_str()?.to_owned()));
        }
    }
    if let Some(map) = value.get("multiValueHeaders").and_then(Value::as_object) {
        for (name, values) in map {
            for value in values.as_array()? {
                headers.push((name.clone(), value.as_str()?.to_owned()));
            }
        }
    }
    for cookie in value
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        headers.push(("set-cookie".into(), cookie.as_str()?.to_owned()));
    }
    headers.push(("apigw-requestid".into(), "Hx000000000000=".into()));
    let text = value
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let body = if value.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        STANDARD.decode(text).ok()?
    } else {
        text.as_bytes().to_vec()
    };
    Some(HttpResponse {
        status,
        headers,
        body: if head { Vec::new() } else { body },
    })
}
