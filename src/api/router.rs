//! The app: one request in, one response out. Routes it, resolves the caller once for the
//! handlers that need one, and turns every failure into its response (and its log line).

use super::error::{ApiError, ProblemKind};
use super::input::{NO_PARAMETERS, Query};
use super::response::{ResultItems, message, openapi_description};
use super::routes::Route;
use super::window::Clock;
use super::{availability, bookings, identity, overlap, schedule, sharing};
use crate::config::Config;
use crate::domain::UserId;
use crate::domain::field_error::{QUOTED_CHARS, clipped, quoted};
use crate::observability::{HttpOutcome, Outcome, Telemetry};
use crate::store::{AvailabilityStore, StoreError, WriteError};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Context, Error, Request, RequestExt, Response};
use std::io::Write;

/// The function's state, built once per Lambda instance and shared by every invocation.
pub struct App<S> {
    store: S,
    config: Config,
    clock: Clock,
    telemetry: Telemetry,
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
            WriteError::TooLarge(why) => Failure::Client(too_large_to_write(&why)),
            WriteError::Store(error) => error.into(),
        }
    }
}

/// The 413 for a write the store cannot make in one piece.
pub(super) fn too_large_to_write(why: &str) -> ApiError {
    ApiError::new(
        ProblemKind::TooLarge,
        format!("{why}; nothing was written. Change fewer users (or a shorter range) at once."),
    )
}

pub(crate) type Handled = Result<Response<Body>, Failure>;

impl<S> App<S> {
    /// An app on the system clock.
    pub fn new(store: S, config: Config) -> Self {
        Self {
            store,
            config,
            clock: Clock::System,
            telemetry: Telemetry::from_env(),
        }
    }

    /// The same app writing its metrics documents to `out` instead of stdout (tests read them).
    pub fn with_metrics_output(self, out: impl Write + Send + 'static) -> Self {
        Self {
            telemetry: self.telemetry.with_metrics_output(Box::new(out)),
            ..self
        }
    }

    /// The same app sending X-Ray subsegments to the daemon at `address` (`host:port`) rather
    /// than the one `AWS_XRAY_DAEMON_ADDRESS` names.
    pub fn with_xray_daemon(self, address: &str) -> Self {
        Self {
            telemetry: self.telemetry.with_xray_daemon(address),
            ..self
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
    /// Serves one request, and logs one line and writes one metrics document for it
    /// (never its body).
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        let record = self
            .telemetry
            .begin(request.lambda_context_ref(), gateway_request_id(&request));
        let route = Route::resolve(&request);
        let mut caller = None;
        let outcome = record
            .measure(self.answer(route.as_ref(), &request, &mut caller))
            .await;
        let problem = |error: ApiError| error.with_request_id(record.request_id()).into_response();
        let mut response = match outcome {
            Ok(response) => response,
            Err(Failure::Client(error)) => problem(error),
            Err(Failure::Unavailable(why)) => {
                tracing::warn!(why, "store unavailable");
                problem(
                    ApiError::new(
                        ProblemKind::Unavailable,
                        "The service is busy; retry the request shortly.",
                    )
                    .with_header(header::RETRY_AFTER, "1"),
                )
            }
            Err(Failure::Unexpected(error)) => {
                tracing::error!(error = %error, method = %request.method(), "request failed");
                // The caller gets API Gateway's 500 for a failed invocation.
                let outcome = outcome_of(&request, route.as_ref(), caller.as_ref(), 500);
                record.finish(&self.telemetry, &Outcome::Http(outcome));
                return Err(error);
            }
        };
        if request.method() == Method::HEAD {
            *response.body_mut() = Body::Empty;
        }
        self.config.cors_origins.decorate(&request, &mut response);
        let status = response.status().as_u16();
        let outcome = HttpOutcome {
            result_items: response.extensions().get::<ResultItems>().map(|n| n.0),
            result_bytes: body_bytes(response.body()),
            ..outcome_of(&request, route.as_ref(), caller.as_ref(), status)
        };
        record.finish(&self.telemetry, &Outcome::Http(outcome));
        Ok(response)
    }

    /// The 400 for an event that cannot be read as an HTTP request, with its log line and
    /// metrics document like any other request's.
    pub(super) fn refuse_event(
        &self,
        context: &Context,
        gateway_request_id: Option<String>,
        detail: &str,
    ) -> Response<Body> {
        let record = self.telemetry.begin(Some(context), gateway_request_id);
        let response = ApiError::new(ProblemKind::InvalidInput, detail)
            .with_request_id(record.request_id())
            .into_response();
        let outcome = HttpOutcome {
            method: "unknown".to_owned(),
            route: "unmatched",
            status: response.status().as_u16(),
            user_id: None,
            result_items: None,
            result_bytes: body_bytes(response.body()),
        };
        record.finish(&self.telemetry, &Outcome::Http(outcome));
        response
    }

    /// The response, or why there is none. `caller` learns who asked, once a handler asks.
    async fn answer(
        &self,
        route: Option<&Route>,
        request: &Request,
        caller: &mut Option<UserId>,
    ) -> Handled {
        match route {
            Some(route) if request.method() == Method::OPTIONS => Ok(self
                .config
                .cors_origins
                .options_response(request, &route.allowed_methods())),
            Some(route) => self.dispatch(route, request, caller).await,
            None => Err(ApiError::new(
                ProblemKind::NotFound,
                format!("There is no route {}.", quoted(request.uri().path())),
            )
            .into()),
        }
    }

    async fn dispatch(
        &self,
        route: &Route,
        request: &Request,
        caller_seen: &mut Option<UserId>,
    ) -> Handled {
        // HEAD is answered as GET, and the body dropped after.
        let method = match request.method() {
            &Method::HEAD => &Method::GET,
            method => method,
        };
        // Only the arm that runs asks who the caller is, after the route and method are known
        // good, so a 404 or 405 never depends on identity.
        let mut caller = || {
            let caller = identity::caller(request, &self.config)?;
            *caller_seen = Some(caller.clone());
            Ok::<_, ApiError>(caller)
        };
        match (route, method) {
            (Route::Root, &Method::GET) => {
                Query::of(request, NO_PARAMETERS)?;
                Ok(message(StatusCode::OK, "Server Running"))
            }
            (Route::OpenApi, &Method::GET) => {
                Query::of(request, NO_PARAMETERS)?;
                Ok(openapi_description())
            }
            (Route::Availability, &Method::POST) => {
                availability::set(self, request, caller()?).await
            }
            (Route::Availability, &Method::GET) => {
                availability::get(self, request, caller()?).await
            }
            (Route::Availability, &Method::DELETE) => {
                availability::delete(self, request, caller()?).await
            }
            (Route::Schedule, &Method::GET) => schedule::get(self, request, caller()?).await,
            (Route::Schedule, &Method::PUT) => schedule::put(self, request, caller()?).await,
            (Route::Schedule, &Method::DELETE) => schedule::delete(self, request, caller()?).await,
            (Route::Overlap { other_user }, &Method::GET | &Method::POST) => {
                overlap::find(self, request, caller()?, other_user.as_deref()).await
            }
            (Route::Bookings, &Method::POST) => bookings::create(self, request, caller()?).await,
            (Route::Bookings, &Method::GET) => bookings::list(self, request, caller()?).await,
            (Route::Booking { id }, &Method::GET) => {
                bookings::read(self, request, caller()?, id).await
            }
            (Route::Booking { id }, &Method::DELETE) => {
                bookings::cancel(self, request, caller()?, id).await
            }
            (Route::Sharing, &Method::GET) => sharing::get(self, request, caller()?).await,
            (Route::Sharing, &Method::PUT) => sharing::put(self, request, caller()?).await,
            (route, _) => Err(method_not_allowed(route, request).into()),
        }
    }
}

/// API Gateway's id of the request (`requestContext.requestId`); ALB events carry none.
fn gateway_request_id(request: &Request) -> Option<String> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context.request_id.clone(),
        RequestContext::ApiGatewayV2(context) => context.request_id.clone(),
        _ => None,
    }
}

fn outcome_of<'a>(
    request: &'a Request,
    route: Option<&Route>,
    caller: Option<&'a UserId>,
    status: u16,
) -> HttpOutcome<'a> {
    HttpOutcome {
        method: clipped(request.method().as_str(), QUOTED_CHARS),
        route: route.map_or("unmatched", Route::template),
        status,
        user_id: caller.map(UserId::as_str),
        result_items: None,
        result_bytes: 0,
    }
}

fn body_bytes(body: &Body) -> u64 {
    match body {
        Body::Text(text) => text.len() as u64,
        Body::Binary(bytes) => bytes.len() as u64,
        _ => 0,
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
            clipped(request.method().as_str(), QUOTED_CHARS),
            allowed.join(" or ")
        ),
    )
    .with_header(header::ALLOW, allowed.join(", "))
}
