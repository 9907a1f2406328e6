//! `PUT`, `GET` and `DELETE /availability/schedule`: the caller's weekly hours in a time zone.
//! Only the caller's own: the body names no user, in any mode.

use super::error::{ApiError, ProblemKind};
use super::input::{self, expected_version};
use super::response::{json_response, message, with_etag};
use super::router::{App, Handled};
use crate::domain::schedule::{Schedule, ScheduleInput};
use crate::domain::{UserId, UserRecord};
use crate::store::AvailabilityStore;
use lambda_http::Request;
use lambda_http::http::StatusCode;

/// Stores (replaces) the caller's schedule and answers with it as stored.
pub(super) async fn put<S: AvailabilityStore>(
    app: &App<S>,
    request: &Request,
    caller: UserId,
) -> Handled {
    let schedule = parse_schedule(request)?;
    let version = app
        .store()
        .update(caller.as_str(), expected_version(request)?, |current| {
            Ok::<_, ApiError>(UserRecord {
                schedule: Some(schedule.clone()),
                ..current.clone()
            })
        })
        .await?;
    Ok(with_etag(
        json_response(StatusCode::OK, &schedule.to_input()),
        version,
    ))
}

pub(super) async fn get<S: AvailabilityStore>(app: &App<S>, caller: UserId) -> Handled {
    let record = app.store().load(caller.as_str()).await?;
    let schedule = record.schedule.as_ref().ok_or_else(no_schedule)?;
    Ok(with_etag(
        json_response(StatusCode::OK, &schedule.to_input()),
        record.version,
    ))
}

/// Removes the schedule; slots and removed ranges stay as they are.
pub(super) async fn delete<S: AvailabilityStore>(
    app: &App<S>,
    request: &Request,
    caller: UserId,
) -> Handled {
    let version = app
        .store()
        .update(caller.as_str(), expected_version(request)?, |current| {
            current.schedule.as_ref().ok_or_else(no_schedule)?;
            Ok(UserRecord {
                schedule: None,
                ..current.clone()
            })
        })
        .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Schedule deleted successfully"),
        version,
    ))
}

fn no_schedule() -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        "No schedule is set; PUT /availability/schedule sets one.",
    )
}

/// The body as a checked schedule: a shape error is one sentence, a bad value is listed with
/// the JSON Pointer of its field.
fn parse_schedule(request: &Request) -> Result<Schedule, ApiError> {
    let body = input::json_body(request)?.ok_or_else(|| {
        ApiError::bad_request(
            "The request needs a JSON body with the schedule: {\"timezone\", \"weekly\", \"overrides\", \"valid_from\", \"valid_until\"}.",
        )
    })?;
    let shape: ScheduleInput = serde_json::from_value(body)
        .map_err(|error| ApiError::bad_request(format!("The body is not a schedule: {error}.")))?;
    Schedule::validate(&shape).map_err(|invalid| ApiError::invalid_fields(invalid.errors))
}
