//! What the open routes' writes share: a limit per client address, counted in the store so that
//! every instance shares it, and the randomness of manage tokens.

use crate::api::app::{App, Failure};
use crate::api::error::{ApiError, ProblemKind};
use crate::domain::booking::SECRET_BYTES;
use crate::domain::time::MINUTE_MS;
use crate::store::AvailabilityStore;
use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// Counts this write against its client address and refuses it (429 with `Retry-After`, the
/// seconds left in the minute) past `PUBLIC_WRITES_PER_MINUTE`.
pub(super) async fn admit<S: AvailabilityStore>(
    app: &App<S>,
    request: &Request,
) -> Result<(), Failure> {
    let key = format!("public-writes#{}", source_address(request));
    let now = app.clock().now();
    let count = app.store().count_request(&key, now, MINUTE_MS).await?;
    let limit = app.config().public_writes_per_minute;
    if count <= limit {
        return Ok(());
    }
    let left = MINUTE_MS - now.rem_euclid(MINUTE_MS);
    let retry_after = (left + 999) / 1000;
    Err(ApiError::new(
        ProblemKind::TooManyRequests,
        format!(
            "This address has made {limit} booking changes this minute, the most it may; try again in {retry_after} seconds."
        ),
    )
    .with_header(header::RETRY_AFTER, retry_after.to_string())
    .into())
}

/// The client's address as API Gateway saw the connection (`requestContext`), never a header
/// a client sets. Events without one (ALB, direct invocations) share one count.
fn source_address(request: &Request) -> String {
    let seen = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        _ => None,
    };
    seen.filter(|address| !address.is_empty() && address.len() <= 64)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// 128 random bits from the operating system for a manage token.
pub(super) fn new_secret() -> Result<[u8; SECRET_BYTES], Failure> {
    let mut secret = [0; SECRET_BYTES];
    getrandom::fill(&mut secret)
        .map_err(|error| Failure::Unexpected(format!("no randomness: {error}").into()))?;
    Ok(secret)
}
