//! The caller's own record as the resource handlers read and write it: a read of everything
//! but the intervals, and the conditional write under the request's `If-Match`, whose check
//! runs inside the store's atomic update.

use crate::api::app::{App, Failure};
use crate::api::call::Call;
use crate::api::error::ApiError;
use crate::api::if_match::IfMatch;
use crate::api::response::{json_response, with_etag};
use crate::domain::{UserId, UserRecord};
use crate::store::{AvailabilityStore, Scope};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use std::sync::Arc;

/// `user`'s record without intervals: schedule, bookings, consent and version.
pub(super) async fn read<S: AvailabilityStore>(
    app: &App<S>,
    user: &UserId,
) -> Result<Arc<UserRecord>, Failure> {
    Ok(app.store().load(user.as_str(), None).await?)
}

/// Writes `change(current, if_match)` to `user`'s record within `scope`, where `if_match` is
/// the request's precondition for `change` to check; answers the new version.
pub(super) async fn write<S, F>(
    app: &App<S>,
    request: &Request,
    user: &UserId,
    scope: Scope,
    mut change: F,
) -> Result<u64, Failure>
where
    S: AvailabilityStore,
    F: FnMut(&UserRecord, &IfMatch) -> Result<UserRecord, ApiError> + Send,
{
    let if_match = IfMatch::of(request)?;
    let version = app
        .store()
        .update(user.as_str(), None, scope, |current| {
            change(current, &if_match)
        })
        .await?;
    Ok(version)
}

/// Writes `change(current, if_match)` to the caller's record, leaving its intervals alone.
pub(super) async fn update<S, F>(
    app: &App<S>,
    call: &Call<'_, UserId>,
    change: F,
) -> Result<u64, Failure>
where
    S: AvailabilityStore,
    F: FnMut(&UserRecord, &IfMatch) -> Result<UserRecord, ApiError> + Send,
{
    write(app, call.request, &call.caller, Scope::NoIntervals, change).await
}

/// 200 with `body` and the record's version as its `ETag`.
pub(super) fn current(body: &impl Serialize, version: u64) -> Response<Body> {
    with_etag(json_response(StatusCode::OK, body), version)
}
