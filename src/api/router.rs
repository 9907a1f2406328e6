//! The app: one request in, one response out. Routes it, resolves the caller once for the
//! handlers that need one, and turns every failure into its response (and its log line).

use super::error::{ApiError, ProblemKind};
use super::response::{message, openapi_description};
use super::routes::Route;
use super::window::Clock;
use super::{availability, identity, overlap, schedule};
use crate::config::Config;
use crate::store::{AvailabilityStore, StoreError, WriteError, usage};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Error, Request, Response};
use std::time::Instant;

/// The function's state, built once per Lambda instance and shared by every invocation.
pub struct App<S> {
    store: S,
    config: Config,
    clock: Clock,
}

/// Why a request was not served: a client's mistake (answered), a busy store (answered 503),
/// or the unexpected (an `Err` for the Lambda runtime, so it shows in the function's error
/// metrics).
pub(super) enum Failure {
    Client(ApiError),
    Unavailable(String),
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
            StoreError::Unavailable(why) => Failure::Unavailable(why),
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

pub(crate) type Handled = Result<Response<Body>, Failure>;

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
        let (outcome, store) = usage::measured(async {
            match &route {
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
            }
        })
        .await;
        let mut response = match outcome {
            Ok(response) => response,
            Err(Failure::Client(error)) => error.into_response(),
            Err(Failure::Unavailable(why)) => {
                tracing::warn!(why, "store unavailable");
                ApiError::new(
                    ProblemKind::Unavailable,
                    "The service is busy; retry the request shortly.",
                )
                .with_header(header::RETRY_AFTER, "1")
                .into_response()
            }
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
            store_requests = store.requests,
            store_items_read = store.items_read,
            store_items_written = store.items_written,
            store_bytes_sent = store.bytes_sent,
            store_bytes_received = store.bytes_received,
            store_read_milli_units = store.read_milli_units,
            store_write_milli_units = store.write_milli_units,
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
        // Only the arm that runs asks who the caller is, after the route and method are known
        // good, so a 404 or 405 never depends on identity.
        let caller = || identity::caller(request, &self.config);
        match (route, method) {
            (Route::Root, &Method::GET) => Ok(message(StatusCode::OK, "Server Running")),
            (Route::OpenApi, &Method::GET) => Ok(openapi_description()),
            (Route::Availability, &Method::POST) => {
                availability::set(self, request, caller()?).await
            }
            (Route::Availability, &Method::GET) => {
                availability::get(self, request, caller()?).await
            }
            (Route::Availability, &Method::DELETE) => {
                availability::delete(self, request, caller()?).await
            }
            (Route::Schedule, &Method::GET) => schedule::get(self, caller()?).await,
            (Route::Schedule, &Method::PUT) => schedule::put(self, request, caller()?).await,
            (Route::Schedule, &Method::DELETE) => schedule::delete(self, request, caller()?).await,
            (Route::Overlap { other_user }, &Method::GET | &Method::POST) => {
                overlap::find(self, request, caller()?, other_user.as_deref()).await
            }
            (route, _) => Err(method_not_allowed(route, request).into()),
        }
    }
}

/// A 405 naming the methods `route` serves, in the sentence and in `Allow`.
fn method_not_allowed(route: &Route, request: &Request) -> ApiError {
    let methods = route.allowed_methods();
    let allowed: Vec<&str> = methods.iter().map(Method::as_str).collect();
    ApiError::new(
        ProblemKind::MethodNotAllowed,
        format!(
            "{} does not allow {}; use {}.",
            route.template(),
            request.method(),
            allowed.join(" or ")
        ),
    )
    .with_header(header::ALLOW, allowed.join(", "))
}
