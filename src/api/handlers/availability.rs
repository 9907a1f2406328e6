//! `POST`, `GET` and `DELETE /availability`: the caller's own availability.

use super::own_record;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Parameters, Query};
use crate::api::paging::{INTERVAL_BYTES, Page, PageRequest};
use crate::api::response::{json_response, message, with_etag, with_result_items};
use crate::api::shown_interval::IntervalList;
use crate::api::window::RequestedWindow;
use crate::api::window_member::WindowMember;
use crate::config::AuthMode;
use crate::domain::recurrence::Period;
use crate::domain::schedule::{MAX_WINDOW_DAYS, window_within_limit};
use crate::domain::{Interval, IntervalSet};
use crate::domain::{UserId, UserRecord};
use crate::store::{AvailabilityStore, Scope};
use lambda_http::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// Slots one `POST` may carry (a `weekdays` slot counts once).
pub(super) const MAX_SLOTS_PER_REQUEST: usize = 1000;
/// Intervals one user may hold after normalization, slots and removed ranges together; a
/// write beyond it stores nothing.
pub(super) const MAX_INTERVALS_PER_USER: usize = 100_000;
/// Removed ranges a `DELETE` over more than `MAX_WINDOW_DAYS` may hold when the user has a
/// schedule. Telling whether such a range holds availability expands about five local dates
/// around each gap between them, so this keeps it to a read's longest window (404 dates).
pub(super) const MAX_REMOVED_IN_LONG_DELETE: usize = MAX_WINDOW_DAYS as usize / 5;

/// The query parameters `GET` reads (`limit` and `cursor`: see `paging`; `include_booked=true`
/// shows booked time as the user made it available, for clients that draw bookings on it).
const GET_PARAMETERS: &[&str] = &["from", "to", "tz", "limit", "cursor", "include_booked"];
/// The query parameters `DELETE` reads, when it has no body.
const DELETE_PARAMETERS: &[&str] = &["start_time", "end_time"];

struct SetRequest {
    user_id: Option<UserId>,
    additions: IntervalSet,
}

pub(crate) async fn set<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let body = input::json_body(call.request)?.ok_or_else(|| {
        ApiError::bad_request("The request needs a JSON body with `availability`.")
    })?;
    let set = parse_set_body(&body)?;
    let user = write_target(app, call.caller, set.user_id)?;
    let version = own_record::write(
        app,
        call.request,
        &user,
        scope_of(&set.additions),
        |current, if_match| {
            // A user's availability always exists (empty at first), so `*` always matches.
            if_match.check(current, true)?;
            within_interval_limit(&user, current.with_added(&set.additions))
        },
    )
    .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Availability set successfully"),
        version,
    ))
}

pub(crate) async fn get<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let query = Query::of(call.request, GET_PARAMETERS)?;
    let (requested, zone) = (RequestedWindow::parse(&query)?, query.time_zone("tz")?);
    let include_booked = include_booked(&query)?;
    let mut normalized = requested.normalized("GET /availability");
    if include_booked {
        normalized.push_str("\ninclude_booked");
    }
    let paging = PageRequest::parse(&Parameters::new(&query, None, GET_PARAMETERS)?, &normalized)?;
    // Loaded within the window as it is without a schedule, which holds the one with.
    let widest = requested.resolve(paging.clock(app.clock()), false)?;
    let record = app
        .store()
        .load(call.caller.as_str(), Some(widest.interval))
        .await?;
    let window = requested.resolve(paging.clock(app.clock()), record.schedule.is_some())?;
    // A later page computes only what starts where the previous one stopped, or later.
    let unread = match paging.resume {
        None => Some(window.interval),
        Some(resume) => Interval::new(
            resume.after.max(window.interval.start()),
            window.interval.end(),
        ),
    };
    let shown = unread.map_or_else(IntervalSet::new, |unread| match include_booked {
        true => record.unbooked_availability_within(unread),
        false => record.availability_within(unread),
    });
    let unshown = shown
        .as_slice()
        .partition_point(|interval| paging.already_shown(interval.start()));
    // Without `limit`, a page holds as many as fit, so that every answer that fits one page
    // is the unpaged answer, as before paging.
    let page = Page::cut(
        shown.as_slice()[unshown..].iter().copied(),
        paging.size(usize::MAX, INTERVAL_BYTES),
        Interval::start,
    );
    #[derive(Serialize)]
    struct Body<'a> {
        user_id: &'a str,
        availability: IntervalList<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        window: Option<WindowMember>,
    }
    let body = Body {
        user_id: call.caller.as_str(),
        availability: IntervalList(&page.results, zone),
        next: page.next(window, &normalized),
        window: WindowMember::of(window, zone),
    };
    let response = json_response(StatusCode::OK, &body);
    Ok(with_etag(
        with_result_items(response, page.results.len()),
        record.version,
    ))
}

pub(crate) async fn delete<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let query = Query::of(call.request, DELETE_PARAMETERS)?;
    let (user_id, range, end_pointer) = match input::json_body(call.request)? {
        Some(_) if !query.is_empty() => {
            return Err(ApiError::bad_request(
                "Give the range to delete either as a JSON body or as query parameters, not both.",
            )
            .into());
        }
        Some(body) => {
            let (user_id, range) = parse_delete_body(&body)?;
            (user_id, range, "/end_time")
        }
        None => (None, range_from_query(&query)?, "?end_time"),
    };
    let user = write_target(app, call.caller, user_id)?;
    let version = own_record::write(app, call.request, &user, Scope::Near(range), |current, if_match| {
            if_match.check(current, true)?;
            // Telling whether the range holds availability expands the schedule near each gap
            // between removed ranges in it: bounded like a read, before any expansion.
            if current.schedule.is_some() && !window_within_limit(range) {
                let held = removed_ranges_in(current, range);
                if held > MAX_REMOVED_IN_LONG_DELETE {
                    return Err(ApiError::invalid_field(
                        end_pointer,
                        format!(
                            "is more than {MAX_WINDOW_DAYS} days after start_time, and the range already holds {held} removed ranges; for a user with a weekly schedule, a DELETE over more than {MAX_WINDOW_DAYS} days may hold at most {MAX_REMOVED_IN_LONG_DELETE}. Send it in pieces of at most {MAX_WINDOW_DAYS} days."
                        ),
                    ));
                }
            }
            if !current.has_availability_in(range) {
                return Err(ApiError::new(
                    ProblemKind::NotFound,
                    "Slot not found in availability.",
                ));
            }
            within_interval_limit(&user, current.with_removed(range))
        })
    .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Availability slot deleted successfully"),
        version,
    ))
}

fn include_booked(query: &Query) -> Result<bool, ApiError> {
    match query.single("include_booked")? {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::invalid_field(
            "?include_booked",
            "must be true or false",
        )),
    }
}

/// What a `POST` of `additions` changes: from the first addition's start to the last one's end.
fn scope_of(additions: &IntervalSet) -> Scope {
    match (additions.as_slice().first(), additions.as_slice().last()) {
        (Some(first), Some(last)) => {
            Interval::new(first.start(), last.end()).map_or(Scope::NoIntervals, Scope::Near)
        }
        _ => Scope::NoIntervals,
    }
}

/// The removed ranges that share an instant with `range`: two binary searches.
fn removed_ranges_in(record: &UserRecord, range: Interval) -> usize {
    let removed = record.removed.as_slice();
    let first = removed.partition_point(|interval| interval.end() <= range.start());
    let past = removed.partition_point(|interval| interval.start() < range.end());
    past.saturating_sub(first)
}

/// `next` if it keeps `user` within [`MAX_INTERVALS_PER_USER`], else a 413.
fn within_interval_limit(user: &UserId, next: UserRecord) -> Result<UserRecord, ApiError> {
    if next.interval_count() > MAX_INTERVALS_PER_USER {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "This would give {user} more than {MAX_INTERVALS_PER_USER} separate intervals (slots and removed ranges together); nothing was stored."
            ),
        ));
    }
    Ok(next)
}

/// The user a write goes to. In `jwt` mode users write only their own availability; in `dev`
/// mode a body's `user_id` names the user written, as in the seed.
fn write_target<S>(
    app: &App<S>,
    caller: UserId,
    named: Option<UserId>,
) -> Result<UserId, ApiError> {
    match (named, app.config().auth_mode) {
        (Some(named), AuthMode::Dev) => Ok(named),
        (Some(named), AuthMode::Jwt) if named != caller => Err(ApiError::new(
            ProblemKind::Forbidden,
            "The body's user_id is not the signed-in user; users write only their own availability.",
        )),
        _ => Ok(caller),
    }
}

fn parse_set_body(body: &Value) -> Result<SetRequest, ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["user_id", "availability"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let user_id = user_id_member(object, &mut errors);
    let slots = match object.get("availability") {
        Some(Value::Array(slots)) => slots.as_slice(),
        None => {
            errors.push(FieldError::new("/availability", "is required"));
            &[]
        }
        Some(_) => {
            errors.push(FieldError::new(
                "/availability",
                "must be an array of slots",
            ));
            &[]
        }
    };
    if slots.len() > MAX_SLOTS_PER_REQUEST {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "A request may carry at most {MAX_SLOTS_PER_REQUEST} slots; this one has {}. Send them in several requests.",
                slots.len()
            ),
        ));
    }
    let mut additions = Vec::with_capacity(slots.len());
    for (index, slot) in slots.iter().enumerate() {
        let pointer = format!("/availability/{index}");
        let Some(slot) = input::expect_object(
            slot,
            &pointer,
            &["start_time", "end_time", "period"],
            &mut errors,
        ) else {
            continue;
        };
        let period = match slot.get("period") {
            None | Some(Value::Null) => Some(Period::Once),
            Some(Value::String(name)) => Period::parse(Some(name)),
            Some(_) => None,
        };
        if period.is_none() {
            errors.push(FieldError::new(
                format!("{pointer}/period"),
                "must be \"none\" or \"weekdays\"",
            ));
        }
        if let (Some(interval), Some(period)) =
            (input::interval_members(slot, &pointer, &mut errors), period)
        {
            additions.extend(period.expand(interval));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(SetRequest {
        user_id,
        additions: IntervalSet::from_intervals(additions),
    })
}

fn parse_delete_body(body: &Value) -> Result<(Option<UserId>, Interval), ApiError> {
    let mut errors = Vec::new();
    let parsed = input::expect_object(
        body,
        "",
        &["user_id", "start_time", "end_time"],
        &mut errors,
    )
    .map(|object| {
        (
            user_id_member(object, &mut errors),
            input::interval_members(object, "", &mut errors),
        )
    });
    match parsed {
        Some((user_id, Some(range))) if errors.is_empty() => Ok((user_id, range)),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

fn user_id_member(
    object: &serde_json::Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<UserId> {
    let id = input::string_member(object, "", "user_id", false, errors)?;
    match UserId::parse(id) {
        Ok(id) => Some(id),
        Err(why) => {
            errors.push(FieldError::new("/user_id", why));
            None
        }
    }
}

fn range_from_query(query: &Query) -> Result<Interval, ApiError> {
    match (query.timestamp("start_time")?, query.timestamp("end_time")?) {
        (Some(start), Some(end)) => Interval::new(start, end)
            .ok_or_else(|| ApiError::invalid_field("?end_time", "must be later than start_time")),
        _ => Err(ApiError::bad_request(
            "Give the range to delete as a JSON body {\"start_time\", \"end_time\"} or as query parameters start_time and end_time.",
        )),
    }
}
