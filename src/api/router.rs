//! The router: one request in, one response out. Finds the request's row in the route table,
//! resolves the caller for the rows that act for one, and turns every failure into its
//! response (and its log line).

use super::app::{App, Failure, Handled};
use super::error::{ApiError, ProblemKind};
use super::handlers::manage;
use super::identity;
use super::response::ResultItems;
use super::routes::{Access, MatchedPath, Route, table};
use crate::domain::UserId;
use crate::domain::booking::ManageToken;
use crate::domain::field_error::{QUOTED_CHARS, clipped, quoted};
use crate::observability::{HttpOutcome, Outcome};
use crate::store::AvailabilityStore;
use lambda_http::http::{Method, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Context, Error, Request, RequestExt, Response};

impl<S: AvailabilityStore> App<S> {
    /// Serves one request, and logs one line and writes one metrics document for it
    /// (never its body).
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, Error> {
        let record = self
            .telemetry
            .begin(request.lambda_context_ref(), gateway_request_id(&request));
        let table = table::<S>();
        let route = MatchedPath::resolve(&table, &request);
        let mut caller = None;
        let outcome = record
            .measure(self.answer(&table, route.as_ref(), &request, &mut caller))
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
        self.config().cors_origins.decorate(&request, &mut response);
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

    /// The response, or why there is none. `caller` learns who asked, once a route needs to.
    async fn answer(
        &self,
        table: &[Route<S>],
        route: Option<&MatchedPath>,
        request: &Request,
        caller: &mut Option<UserId>,
    ) -> Handled {
        let Some(route) = route else {
            return Err(ApiError::new(
                ProblemKind::NotFound,
                format!("There is no route {}.", quoted(request.uri().path())),
            )
            .into());
        };
        if request.method() == Method::OPTIONS {
            return Ok(self
                .config()
                .cors_origins
                .options_response(request, &route.allowed_methods(table)));
        }
        // HEAD is answered as GET, and the body dropped after.
        let method = match request.method() {
            &Method::HEAD => &Method::GET,
            method => method,
        };
        let Some(row) = table
            .iter()
            .find(|row| row.path == route.template && row.method == method)
        else {
            return Err(method_not_allowed(table, route, request).into());
        };
        match row.access {
            Access::Anyone(handler) => handler(self, route.call(request, ())).await,
            // Asked only once the route and method are known good, so a 404 or 405 never
            // depends on identity.
            Access::Caller(handler) => {
                let user = identity::caller(request, self.config())?;
                *caller = Some(user.clone());
                handler(self, route.call(request, user)).await
            }
            Access::Token(handler) => {
                let token = route
                    .call(request, ())
                    .parameter("token")
                    .and_then(ManageToken::parse);
                let token = token.ok_or_else(manage::no_booking)?;
                handler(self, route.call(request, token)).await
            }
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
    route: Option<&MatchedPath>,
    caller: Option<&'a UserId>,
    status: u16,
) -> HttpOutcome<'a> {
    HttpOutcome {
        method: clipped(request.method().as_str(), QUOTED_CHARS),
        route: route.map_or("unmatched", |route| route.template),
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
fn method_not_allowed<S>(table: &[Route<S>], route: &MatchedPath, request: &Request) -> ApiError {
    let methods = route.allowed_methods(table);
    let allowed: Vec<&str> = methods.iter().map(Method::as_str).collect();
    ApiError::new(
        ProblemKind::MethodNotAllowed,
        format!(
            "{} does not allow {}; use {}.",
            route.template,
            clipped(request.method().as_str(), QUOTED_CHARS),
            allowed.join(" or ")
        ),
    )
    .with_header(header::ALLOW, allowed.join(", "))
}
