//! `GET /overlap`: when the caller and another user are both free, within the read's window
//! (`from`/`to`, bounded when a schedule is expanded), in its `tz`.

use super::error::ApiError;
use super::input::{self, Query, time_zone_param, validate_user_id};
use super::window::RequestedWindow;
use super::{App, Handled, IntervalList, WindowMember, identity, json_response};
use crate::store::AvailabilityStore;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde::Serialize;

pub async fn get<S: AvailabilityStore>(
    app: &App<S>,
    request: &Request,
    from_path: Option<&str>,
) -> Handled {
    let caller = identity::caller(request, app.config())?;
    let other = other_user(request, from_path)?;
    let query = Query::of(request);
    let (requested, zone) = (RequestedWindow::parse(&query)?, time_zone_param(&query)?);
    let (mine, theirs) = (
        app.store().load(&caller).await?,
        app.store().load(&other).await?,
    );
    let expands_schedule = mine.schedule.is_some() || theirs.schedule.is_some();
    let window = requested.resolve(app.clock(), expands_schedule)?;
    let overlap = mine
        .availability_within(window.interval)
        .intersection(&theirs.availability_within(window.interval));
    #[derive(Serialize)]
    struct Body<'a> {
        overlap: IntervalList<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        window: Option<WindowMember>,
    }
    Ok(json_response(
        StatusCode::OK,
        &Body {
            overlap: IntervalList(overlap.as_slice(), zone),
            window: WindowMember::of(window, zone),
        },
    ))
}

/// The other user, named by the path, the `user_id_2` query parameter or a JSON body
/// `{"user_id_2": ...}` (a GET with a body, as the seed's clients send). Naming two different
/// users is a 400.
fn other_user(request: &Request, from_path: Option<&str>) -> Result<String, ApiError> {
    let from_query = Query::of(request).single("user_id_2")?.map(str::to_owned);
    let from_body = match input::json_body(request)? {
        Some(body) => {
            let mut errors = Vec::new();
            let id =
                input::expect_object(&body, "", &["user_id_2"], &mut errors).and_then(|object| {
                    input::string_member(object, "", "user_id_2", false, &mut errors)
                        .map(str::to_owned)
                });
            if !errors.is_empty() {
                return Err(ApiError::invalid_fields(errors));
            }
            id
        }
        None => None,
    };
    let mut named = [from_path.map(str::to_owned), from_query, from_body]
        .into_iter()
        .flatten();
    let Some(other) = named.next() else {
        return Err(ApiError::bad_request(
            "Name the other user: /overlap/{user_id_2}, ?user_id_2=, or a JSON body {\"user_id_2\": ...}.",
        ));
    };
    if named.any(|again| again != other) {
        return Err(ApiError::bad_request(
            "The request names two different users as user_id_2.",
        ));
    }
    validate_user_id(&other).map_err(|why| ApiError::invalid_field("user_id_2", why))?;
    Ok(other)
}
