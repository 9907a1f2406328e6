//! HTTP routing and the mapping between requests/responses and the domain.

mod availability;
pub mod cors;
mod cursor;
pub mod error;
mod event;
mod identity;
pub mod input;
mod overlap;
pub mod routes;
mod schedule;
mod window;

pub use event::handle_event;
pub use identity::DEV_USER_HEADER;
pub use overlap::{DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE_BYTES};
pub use window::Clock;

use crate::config::Config;
use crate::domain::Interval;
use crate::domain::timestamp::{FormattedTimestamp, format_instant, format_timestamp_in};
use crate::store::{AvailabilityStore, StoreError, WriteError};
use chrono_tz::Tz;
use error::{ApiError, ProblemKind};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Error, Request, Response};
use routes::Route;
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct};
use std::time::Instant;
use window::ReadWindow;

/// The function's state, built once per Lambda instance and shared by every invocation.
pub struct App<S> {
    store: S,
    config: Config,
    clock: Clock,
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

/// The window of a read that names none and expands no schedule.
const ALL_TIME: Interval = Interval {
    start: i64::MIN,
    end: i64::MAX,
};

impl<S> App<S> {
    /// An app on the system clock.
    pub fn new(store: S, config: Config) -> Self {
        Self {
            store,
            config,
            clock: Clock::System,
        }
    }

    /// The same app reading "now" from `clock` (tests fix it).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }
}

impl<S: AvailabilityStore> App<S> {
    /// Serves one request and logs one line for it (never its body).
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        let started = Instant::now();
        let route = Route::resolve(&request);
        let outcome = match &route {
            Some(route) if request.method() == Method::OPTIONS => Ok(self
                .config
                .cors_origins
                .options_response(&request, &route.allowed_methods())),
            Some(route) => self.dispatch(route, &request).await,
            None => Err(ApiError::new(
                ProblemKind::NotFound,
                format!("There is no route {}.", request.uri().path()),
            )
            .into()),
        };
        let mut response = match outcome {
            Ok(response) => response,
            Err(Failure::Client(error)) => error.into_response(),
            Err(Failure::Unexpected(error)) => {
                tracing::error!(error = %error, method = %request.method(), "request failed");
                return Err(error);
            }
        };
        if request.method() == Method::HEAD {
            *response.body_mut() = Body::Empty;
        }
        self.config.cors_origins.decorate(&request, &mut response);
        tracing::info!(
            method = %request.method(),
            route = route.as_ref().map_or("unmatched", Route::template),
            status = response.status().as_u16(),
            duration_us = started.elapsed().as_micros() as u64,
            "request"
        );
        Ok(response)
    }

    async fn dispatch(&self, route: &Route, request: &Request) -> Handled {
        // HEAD is answered as GET, and the body dropped after.
        let method = match request.method() {
            &Method::HEAD => &Method::GET,
            method => method,
        };
        match (route, method) {
            (Route::Root, &Method::GET) => Ok(message(StatusCode::OK, "Server Running")),
            (Route::OpenApi, &Method::GET) => Ok(openapi_description()),
            (Route::Availability, &Method::POST) => availability::set(self, request).await,
            (Route::Availability, &Method::GET) => availability::get(self, request).await,
            (Route::Availability, &Method::DELETE) => availability::delete(self, request).await,
            (Route::Schedule, &Method::GET) => schedule::get(self, request).await,
            (Route::Schedule, &Method::PUT) => schedule::put(self, request).await,
            (Route::Schedule, &Method::DELETE) => schedule::delete(self, request).await,
            (Route::Overlap { other_user }, &Method::GET | &Method::POST) => {
                overlap::find(self, request, other_user.as_deref()).await
            }
            (route, _) => {
                let methods = route.allowed_methods();
                let allowed: Vec<&str> = methods.iter().map(Method::as_str).collect();
                Err(ApiError::new(
                    ProblemKind::MethodNotAllowed,
                    format!(
                        "{} does not allow {}; use {}.",
                        route.template(),
                        request.method(),
                        allowed.join(" or ")
                    ),
                )
                .with_header(header::ALLOW, allowed.join(", "))
                .into())
            }
        }
    }
}

/// `openapi.yaml` as JSON, converted at build time by build.rs.
fn openapi_description() -> Response<Body> {
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

fn message(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &serde_json::json!({ "message": message }))
}

/// One interval as the API shows it: `{"start_time", "end_time"}`, in UTC with `Z` (formatted on
/// the stack: no `String` per timestamp) or in the read's `tz`.
struct ShownInterval(Interval, Option<Tz>);

impl Serialize for ShownInterval {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let ShownInterval(interval, zone) = *self;
        let mut item = serializer.serialize_struct("Interval", 2)?;
        match zone {
            None => {
                item.serialize_field(
                    "start_time",
                    FormattedTimestamp::new(interval.start).as_str(),
                )?;
                item.serialize_field("end_time", FormattedTimestamp::new(interval.end).as_str())?;
            }
            Some(zone) => {
                item.serialize_field("start_time", &format_timestamp_in(interval.start, zone))?;
                item.serialize_field("end_time", &format_timestamp_in(interval.end, zone))?;
            }
        }
        item.end()
    }
}

/// Intervals as the API shows them: `[{"start_time": "...Z", "end_time": "...Z"}]`, in the
/// read's `tz` when it names one.
struct IntervalList<'a>(&'a [Interval], Option<Tz>);

impl Serialize for IntervalList<'_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for &interval in self.0 {
            seq.serialize_element(&ShownInterval(interval, self.1))?;
        }
        seq.end()
    }
}

/// The `window` member of a read that expanded a schedule: `{"from", "to"}`, the instants its
/// answer covers.
#[derive(Serialize)]
struct WindowMember {
    from: String,
    to: String,
}

impl WindowMember {
    /// `None` when the window is not to be reported (nothing was expanded).
    fn of(window: ReadWindow, zone: Option<Tz>) -> Option<WindowMember> {
        window.reported.then(|| WindowMember {
            from: format_instant(window.interval.start, zone),
            to: format_instant(window.interval.end, zone),
        })
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
