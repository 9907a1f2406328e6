//! CORS for browsers calling the function directly (function URLs, ALB, REST APIs). On an
//! HTTP API, template.yaml also configures CORS on the API itself. The setting itself,
//! [`CorsOrigins`], is read with the rest of the configuration.

use crate::config::CorsOrigins;
use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};

/// Request headers browsers may send (beyond the CORS-safelisted ones).
const ALLOWED_HEADERS: &str = "authorization, content-type, if-match, idempotency-key, x-user-id";
/// Response headers scripts may read.
const EXPOSED_HEADERS: &str = "etag, allow, retry-after, location, idempotent-replayed";
/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE_SECONDS: &str = "600";

impl CorsOrigins {
    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it is allowed.
    fn allow(&self, origin: &str) -> Option<HeaderValue> {
        match self {
            CorsOrigins::None => None,
            CorsOrigins::Any => Some(HeaderValue::from_static("*")),
            CorsOrigins::List(list) => list
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(origin))
                .then(|| HeaderValue::from_str(origin).ok())
                .flatten(),
        }
    }

    /// Adds the CORS response headers an allowed origin needs.
    pub fn decorate(&self, request: &Request, response: &mut Response<Body>) {
        let headers = response.headers_mut();
        if matches!(self, CorsOrigins::List(_)) {
            // The answer depends on the request's Origin: caches must key on it.
            headers.append(header::VARY, HeaderValue::from_static("origin"));
        }
        let Some(allowed) = origin_of(request.headers()).and_then(|o| self.allow(o)) else {
            return;
        };
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }

    /// The answer to `OPTIONS` on a route serving `methods`: a CORS preflight when the request
    /// is one, else a plain `Allow` listing.
    pub fn options_response(&self, request: &Request, methods: &[Method]) -> Response<Body> {
        let allow = methods
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&allow) {
            headers.insert(header::ALLOW, value.clone());
            let is_preflight = request
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
            if is_preflight
                && origin_of(request.headers())
                    .and_then(|o| self.allow(o))
                    .is_some()
            {
                headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, value);
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(ALLOWED_HEADERS),
                );
                headers.insert(
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static(MAX_AGE_SECONDS),
                );
            }
        }
        response
    }
}

fn origin_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
}
