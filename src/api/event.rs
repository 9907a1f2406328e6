//! The Lambda door: raw event JSON in, the event source's response JSON out.
//!
//! `lambda_http::run` would parse events itself and panic inside the library on some malformed
//! ones (an `isBase64Encoded` body that is not base64, for one). Owning this step means every
//! event gets an answer: events that are not HTTP requests, or cannot be read as one, get a 400.

use super::app::App;
use crate::store::AvailabilityStore;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_http::{Body, Error, LambdaEvent, Request, RequestExt, Response};
use serde_json::{Map, Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The shape of response each event source expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    RestApi,
    HttpApi,
    Alb,
    /// The event could not be read: answer in a shape every source accepts.
    Unknown,
}

pub async fn handle_event<S: AvailabilityStore>(
    app: &App<S>,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let LambdaEvent { payload, context } = event;
    // Read before the event is: a malformed event's answer still names its request.
    let gateway_request_id = payload
        .pointer("/requestContext/requestId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let malformed = |origin: Origin, detail: &str| {
        tracing::warn!(detail, "malformed event");
        let response = app.refuse_event(&context, gateway_request_id.clone(), detail);
        to_lambda_response(origin, response)
    };
    let lambda_request: LambdaRequest = match serde_json::from_value(payload) {
        Ok(request) => request,
        Err(_) => {
            return Ok(malformed(
                Origin::Unknown,
                "The event is not an HTTP request from API Gateway, a function URL or ALB.",
            ));
        }
    };
    let origin = match lambda_request.request_origin() {
        RequestOrigin::ApiGatewayV1 => Origin::RestApi,
        RequestOrigin::ApiGatewayV2 => Origin::HttpApi,
        RequestOrigin::Alb => Origin::Alb,
        _ => Origin::Unknown,
    };
    if has_undecodable_body(&lambda_request) {
        return Ok(malformed(
            origin,
            "The request body is marked base64 but is not valid base64.",
        ));
    }
    // The conversion uses `expect` on a few fields (a malformed `Host`, for one): a panic there
    // is a bad request, not a reason to lose the process.
    let request = match catch_unwind(AssertUnwindSafe(|| Request::from(lambda_request))) {
        Ok(request) => request.with_lambda_context(context),
        Err(_) => {
            return Ok(malformed(
                origin,
                "The event could not be read as an HTTP request.",
            ));
        }
    };
    let response = app.handle(request).await?;
    Ok(to_lambda_response(origin, response))
}

fn has_undecodable_body(request: &LambdaRequest) -> bool {
    let (encoded, body) = match request {
        LambdaRequest::ApiGatewayV1(event) => (event.is_base64_encoded, event.body.as_deref()),
        LambdaRequest::ApiGatewayV2(event) => (event.is_base64_encoded, event.body.as_deref()),
        LambdaRequest::Alb(event) => (event.is_base64_encoded, event.body.as_deref()),
        _ => (false, None),
    };
    encoded && body.is_some_and(|body| BASE64.decode(body).is_err())
}

fn to_lambda_response(origin: Origin, response: Response<Body>) -> Value {
    let (parts, body) = response.into_parts();
    let (body, is_base64_encoded) = match body {
        Body::Text(text) => (text, false),
        Body::Binary(bytes) => (BASE64.encode(bytes), true),
        _ => (String::new(), false),
    };
    let mut single = Map::new();
    let mut multi = Map::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        single.insert(name.to_string(), json!(values.join(", ")));
        multi.insert(name.to_string(), json!(values));
    }
    let status = parts.status.as_u16();
    let mut event_response = match origin {
        Origin::RestApi => json!({
            "statusCode": status, "multiValueHeaders": multi,
            "isBase64Encoded": is_base64_encoded,
        }),
        // `cookies` is optional for API Gateway but required by `cargo lambda watch`.
        Origin::HttpApi => json!({
            "statusCode": status, "headers": single, "cookies": [],
            "isBase64Encoded": is_base64_encoded,
        }),
        Origin::Alb => json!({
            "statusCode": status,
            "statusDescription": format!("{status} {}", parts.status.canonical_reason().unwrap_or("")),
            "headers": single, "multiValueHeaders": multi,
            "isBase64Encoded": is_base64_encoded,
        }),
        Origin::Unknown => json!({
            "statusCode": status, "headers": single, "multiValueHeaders": multi,
            "isBase64Encoded": is_base64_encoded,
        }),
    };
    // Moved in: `json!` would copy it, and a large read's body is megabytes.
    event_response["body"] = Value::String(body);
    event_response
}
