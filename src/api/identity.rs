//! Who the caller is: the API Gateway authorizer's identity, or in `dev` mode a header or the
//! configured default. Nothing in a request can switch the mode.

use super::error::{ApiError, ProblemKind};
use crate::config::{AuthMode, Config};
use crate::domain::UserId;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

pub(super) const DEV_USER_HEADER: &str = "x-user-id";

/// The caller's user id, or 401 when `jwt` mode finds no identity.
pub(super) fn caller(request: &Request, config: &Config) -> Result<UserId, ApiError> {
    let identity = match (authorizer_identity(request), config.auth_mode) {
        (Some(id), _) => id,
        (None, AuthMode::Dev) => request
            .headers()
            .get(DEV_USER_HEADER)
            .map(|value| {
                value.to_str().map(str::to_owned).map_err(|_| {
                    ApiError::invalid_field(
                        format!("header {DEV_USER_HEADER}"),
                        "is not ASCII text",
                    )
                })
            })
            .transpose()?
            .unwrap_or_else(|| config.dev_user_id.clone()),
        (None, AuthMode::Jwt) => {
            return Err(ApiError::new(
                ProblemKind::Unauthenticated,
                "This request carries no identity; sign in and send a valid bearer token.",
            ));
        }
    };
    UserId::parse(&identity).map_err(|why| {
        ApiError::new(
            ProblemKind::Unauthenticated,
            format!("The caller's identity {why}."),
        )
    })
}

/// The identity the authorizer vouched for: a JWT `sub` (HTTP API JWT authorizer, Cognito on a
/// REST API), else a Lambda authorizer's `user_id` or `principalId`.
fn authorizer_identity(request: &Request) -> Option<String> {
    let string = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => {
            let authorizer = context.authorizer.as_ref()?;
            authorizer
                .jwt
                .as_ref()
                .and_then(|jwt| jwt.claims.get("sub").filter(|s| !s.is_empty()).cloned())
                .or_else(|| string(authorizer.fields.get("user_id")))
                .or_else(|| string(authorizer.fields.get("principalId")))
        }
        RequestContext::ApiGatewayV1(context) => {
            let fields = &context.authorizer.fields;
            string(fields.get("claims").and_then(|claims| claims.get("sub")))
                .or_else(|| string(fields.get("user_id")))
                .or_else(|| string(fields.get("principalId")))
        }
        _ => None,
    }
}
