//! Building responses: JSON bodies, plain messages, the OpenAPI description and `ETag`s.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// `openapi.yaml` as JSON, converted at build time by build.rs.
pub(crate) fn openapi_description() -> Response<Body> {
    let mut response = Response::new(Body::Text(
        include_str!(concat!(env!("OUT_DIR"), "/openapi.json")).to_owned(),
    ));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response<Body> {
    // Serializing these plain types cannot fail; an empty object is the safe fallback anyway.
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(crate) fn message(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &serde_json::json!({ "message": message }))
}

/// `ETag` values are the store's version, quoted.
fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

pub(crate) fn with_etag(mut response: Response<Body>, version: u64) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// How many intervals or slots a response lists: the request's `ResultItems` metric.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResultItems(pub(crate) u64);

pub(crate) fn with_result_items(mut response: Response<Body>, items: usize) -> Response<Body> {
    response.extensions_mut().insert(ResultItems(items as u64));
    response
}
