//! HTTP routing and the mapping between requests/responses and the domain.

mod availability;
pub mod error;
mod event;
mod identity;
pub mod input;
mod overlap;
mod routes;

pub use event::handle_event;
pub use identity::DEV_USER_HEADER;

use crate::config::Config;
use crate::domain::Interval;
use crate::domain::time::FormattedTimestamp;
use crate::store::{AvailabilityStore, StoreError, WriteError};
use error::{ApiError, ProblemKind};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Error, Request, Response};
use routes::Route;
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct};
use std::time::Instant;

/// The function's state, built once per Lambda instance and shared by every invocation.
pub struct App<S> {
    store: S,
    config: Config,
}

/// Why a request was not served: a client's mistake (answered), or the unexpected (an `Err`
/// for the Lambda runtime, so it shows in the function's error metrics).
pub enum Failure {
    Client(ApiError),
    Unexpected(Error),
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure::Client(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(why) => {
                tracing::warn!(why, "store unavailable");
                Failure::Client(
                    ApiError::new(
                        ProblemKind::Unavailable,
                        "The service is busy; retry the request shortly.",
                    )
                    .with_header(header::RETRY_AFTER, "1"),
                )
            }
            StoreError::Internal(_) => Failure::Unexpected(Box::new(error)),
        }
    }
}

impl From<WriteError<ApiError>> for Failure {
    fn from(error: WriteError<ApiError>) -> Self {
        match error {
            WriteError::Rejected(error) => Failure::Client(error),
            WriteError::VersionMismatch { current } => Failure::Client(ApiError::new(
                ProblemKind::PreconditionFailed,
                format!(
                    "The availability changed since it was read (it is now at ETag \"{current}\"); read it again and retry."
                ),
            )),
            WriteError::Store(error) => error.into(),
        }
    }
}

type Handled = Result<Response<Body>, Failure>;

/// The window of a read that names none.
const ALL_TIME: Interval = Interval {
    start: i64::MIN,
    end: i64::MAX,
};

impl<S> App<S> {
    pub fn new(store: S, config: Config) -> Self {
        Self { store, config }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl<S: AvailabilityStore> App<S> {
    /// Serves one request and logs one line for it (never its body).
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        let started = Instant::now();
        let route = Route::resolve(&request);
        let outcome = match &route {
            Some(route) => self.dispatch(route, &request).await,
            None => Err(ApiError::new(
                ProblemKind::NotFound,
                format!("There is no route {}.", request.uri().path()),
            )
            .into()),
        };
        let response = match outcome {
            Ok(response) => response,
            Err(Failure::Client(error)) => error.into_response(),
            Err(Failure::Unexpected(error)) => {
                tracing::error!(error = %error, method = %request.method(), "request failed");
                return Err(error);
            }
        };
        tracing::info!(
            method = %request.method(),
            route = route.as_ref().map_or("unmatched", Route::label),
            status = response.status().as_u16(),
            duration_us = started.elapsed().as_micros() as u64,
            "request"
        );
        Ok(response)
    }

    async fn dispatch(&self, route: &Route, request: &Request) -> Handled {
        match (route, request.method()) {
            (Route::Root, &Method::GET) => Ok(message(StatusCode::OK, "Server Running")),
            (Route::Availability, &Method::POST) => availability::set(self, request).await,
            (Route::Availability, &Method::GET) => availability::get(self, request).await,
            (Route::Availability, &Method::DELETE) => availability::delete(self, request).await,
            (Route::Overlap { other_user }, &Method::GET) => {
                overlap::get(self, request, other_user.as_deref()).await
            }
            (route, method) => {
                let allowed: Vec<&str> =
                    route.allowed_methods().iter().map(Method::as_str).collect();
                Err(ApiError::new(
                    ProblemKind::MethodNotAllowed,
                    format!(
                        "{} does not allow {method}; use {}.",
                        route.label(),
                        allowed.join(" or ")
                    ),
                )
                .with_header(header::ALLOW, allowed.join(", "))
                .into())
            }
        }
    }
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

fn message(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &serde_json::json!({ "message": message }))
}

/// Intervals as the API shows them: `[{"start_time": "...Z", "end_time": "...Z"}]`.
struct IntervalList<'a>(&'a [Interval]);

impl Serialize for IntervalList<'_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for interval in self.0 {
            seq.serialize_element(&ShownInterval(interval))?;
        }
        seq.end()
    }
}

/// One interval, its timestamps formatted on the stack (no `String` per timestamp).
struct ShownInterval<'a>(&'a Interval);

impl Serialize for ShownInterval<'_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut item = serializer.serialize_struct("Interval", 2)?;
        item.serialize_field("start_time", FormattedTimestamp::new(self.0.start).as_str())?;
        item.serialize_field("end_time", FormattedTimestamp::new(self.0.end).as_str())?;
        item.end()
    }
}

/// `ETag` values are the store's version, quoted.
fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The version a write must apply on top of, from `If-Match`; `*` or no header means any.
fn expected_version(request: &Request) -> Result<Option<u64>, ApiError> {
    let Some(value) = request.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|t| t.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "header If-Match",
                "must be an ETag this API returned, such as \"3\", or *",
            )
        })
}

fn with_etag(mut response: Response<Body>, version: u64) -> Response<Body> {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
