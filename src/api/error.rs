//! Every expected failure as an RFC 9457 problem: `application/problem+json` with `type`,
//! `title`, `status`, `detail`, the seed's `error` member, per-field `errors` for bad input, and
//! `instance` naming the request (`urn:request:<id>`) so a client can quote it.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

pub(super) use crate::domain::FieldError;

/// The most field errors one response lists; the sentence still counts them all. With each
/// error's pointer and detail cut short ([`FieldError::new`]), a 400 stays under 10 KB.
pub const MAX_FIELD_ERRORS: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProblemKind {
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PreconditionFailed,
    TooLarge,
    UnsupportedMediaType,
    Unavailable,
    /// A booking that would take someone's busy time.
    Conflict,
    /// An `Idempotency-Key` reused with another request.
    Unprocessable,
    /// Past a client's share of the open routes' writes.
    TooManyRequests,
}

impl ProblemKind {
    fn status(self) -> StatusCode {
        match self {
            ProblemKind::InvalidInput => StatusCode::BAD_REQUEST,
            ProblemKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ProblemKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ProblemKind::Conflict => StatusCode::CONFLICT,
            ProblemKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// A stable identifier clients can match on (documented in the README).
    fn type_uri(self) -> &'static str {
        match self {
            ProblemKind::InvalidInput => "urn:availability-api:problem:invalid-input",
            ProblemKind::Unauthenticated => "urn:availability-api:problem:unauthenticated",
            ProblemKind::Forbidden => "urn:availability-api:problem:forbidden",
            ProblemKind::NotFound => "urn:availability-api:problem:not-found",
            ProblemKind::MethodNotAllowed => "urn:availability-api:problem:method-not-allowed",
            ProblemKind::PreconditionFailed => "urn:availability-api:problem:precondition-failed",
            ProblemKind::TooLarge => "urn:availability-api:problem:too-large",
            ProblemKind::UnsupportedMediaType => {
                "urn:availability-api:problem:unsupported-media-type"
            }
            ProblemKind::Unavailable => "urn:availability-api:problem:unavailable",
            ProblemKind::Conflict => "urn:availability-api:problem:conflict",
            ProblemKind::Unprocessable => "urn:availability-api:problem:unprocessable",
            ProblemKind::TooManyRequests => "urn:availability-api:problem:too-many-requests",
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct ApiError {
    pub kind: ProblemKind,
    /// One human sentence, also sent as the seed-compatible `error` member.
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Extra headers some statuses need (`Allow` on 405, `Retry-After` on 503).
    pub headers: Vec<(header::HeaderName, String)>,
    /// The request's id, shown as `instance`.
    pub request_id: Option<String>,
    /// A machine-readable refusal (`unavailable`, `too_soon`, ...), shown as `reason`.
    pub reason: Option<&'static str>,
}

impl ApiError {
    pub(super) fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            request_id: None,
            reason: None,
        }
    }

    pub(super) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::InvalidInput, detail)
    }

    /// A 400 for one or more bad fields; the sentence names the first, the list names all (up
    /// to [`MAX_FIELD_ERRORS`], so a huge bad body cannot make a huge answer).
    pub(super) fn invalid_fields(mut errors: Vec<FieldError>) -> Self {
        let describe = |error: &FieldError| match error.pointer.as_str() {
            "" => format!("The request body {}", error.detail),
            pointer => format!("{pointer}: {}", error.detail),
        };
        let detail = match errors.as_slice() {
            [] => "The request is not valid.".to_owned(),
            [only] => format!("{}.", describe(only)),
            [first, rest @ ..] => {
                format!("{} (and {} more problems).", describe(first), rest.len())
            }
        };
        errors.truncate(MAX_FIELD_ERRORS);
        Self {
            errors,
            ..Self::bad_request(detail)
        }
    }

    pub(super) fn invalid_field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError::new(pointer, detail)])
    }

    /// This error listing `errors` (up to [`MAX_FIELD_ERRORS`]) beside its sentence.
    pub(super) fn with_errors(mut self, mut errors: Vec<FieldError>) -> Self {
        errors.truncate(MAX_FIELD_ERRORS);
        self.errors = errors;
        self
    }

    pub(super) fn with_header(
        mut self,
        name: header::HeaderName,
        value: impl Into<String>,
    ) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// This error with a `reason` member clients can match on.
    pub(super) fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub(super) fn with_request_id(mut self, request_id: Option<&str>) -> Self {
        self.request_id = request_id.map(str::to_owned);
        self
    }

    pub(super) fn status(&self) -> StatusCode {
        self.kind.status()
    }

    pub(super) fn into_response(self) -> Response<Body> {
        #[derive(Serialize)]
        struct Problem<'a> {
            #[serde(rename = "type")]
            type_uri: &'static str,
            title: &'static str,
            status: u16,
            detail: &'a str,
            error: &'a str,
            #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
            errors: &'a [FieldError],
            #[serde(skip_serializing_if = "Option::is_none")]
            reason: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            instance: Option<String>,
        }
        let status = self.status();
        let problem = Problem {
            type_uri: self.kind.type_uri(),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: &self.detail,
            error: &self.detail,
            errors: &self.errors,
            reason: self.reason,
            instance: self
                .request_id
                .as_ref()
                .map(|id| format!("urn:request:{id}")),
        };
        let mut response = super::response::json_response(status, &problem);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }
}
