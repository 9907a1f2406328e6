//! `POST` and `GET /bookings`, `GET` and `DELETE /bookings/{booking_id}`: taking a time for
//! several people at once. The organizer is always the caller; every participant keeps a copy of
//! the booking in their own record, so a read looks at the caller's record only and never shows
//! another's booking. A booking's writes go through `update_many`: all or nothing, and no other
//! write to a participant can slip in between its checks and its writes.

use super::own_record;
use crate::api::app::{App, Handled, answer_of_write};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Parameters, Query};
use crate::api::paging::{Page, PageRequest};
use crate::api::response::{json_response, message, with_result_items};
use crate::api::shown_interval::ShownInterval;
use crate::api::window::RequestedWindow;
use crate::domain::UserId;
use crate::domain::booking::{
    Booking, BookingRequest, Cancellation, IdempotencyKey, Invitee, MAX_BOOKING_LENGTH,
    MAX_BOOKINGS_PER_USER, MAX_IDEMPOTENCY_KEY_BYTES, MAX_IDEMPOTENCY_KEYS,
    MAX_PARTICIPANTS_PER_BOOKING, MAX_TITLE_CHARS, NotBooked, Refusal, fnv1a, make_booking,
};
use crate::domain::time::MINUTE_MS;
use crate::domain::timestamp::{FormattedTimestamp, Zone, format_timestamp_in};
use crate::store::{AvailabilityStore, Scope};
use lambda_http::http::{HeaderName, HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::Value;

/// The query parameters `GET /bookings` reads (`limit` and `cursor`: see `paging`).
const LIST_PARAMETERS: &[&str] = &["from", "to", "tz", "limit", "cursor"];
/// The query parameters `GET /bookings/{booking_id}` reads.
const READ_PARAMETERS: &[&str] = &["tz"];
/// Bookings per page when the request gives no `limit`: a user holds at most
/// [`MAX_BOOKINGS_PER_USER`], so one page holds them all.
const DEFAULT_LIMIT: usize = MAX_BOOKINGS_PER_USER;
/// An upper bound on one booking in a list: 25 ids of 128 characters, a title of 200 characters
/// each escaped to up to 6 bytes, four timestamps, the id and the member names.
const BOOKING_BYTES: usize = 5 * 1024;

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks the answer to a retry: the first answer again, nothing booked.
pub(super) const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Books the request's range for the caller and the participants it names, when all are free.
pub(crate) async fn create<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let (body, idempotency) = booking_body(
        call.request,
        "{\"start_time\", \"end_time\", \"participants\": [...], \"title\"}",
    )?;
    let asked = parse_booking(&body, &call.caller)?;
    let now = app.clock().now();
    let plan = asked.plan(idempotency);
    let user_ids: Vec<&str> = plan.holders.iter().map(String::as_str).collect();
    let written = app
        .write_making(&user_ids, Scope::Near(plan.range), |records| {
            make_booking(records, &plan, now)
        })
        .await;
    answer_of_write(
        written,
        |booking| Ok(created(&booking, false)),
        |why| match why {
            NotBooked::Replay(booking) => Ok(created(&booking, true)),
            NotBooked::Refused(refusal) => Err(refused(refusal, &asked).into()),
        },
    )
}

/// The problem answering `refusal` of `asked`: a 403 naming everyone who does not allow the
/// organizer, a 413 naming everyone whose bookings are full, a 409 naming everyone who is busy,
/// each with a field error pointing where the request named them; or the idempotency key's 422
/// or 413.
fn refused(refusal: Refusal, asked: &BookingRequest) -> ApiError {
    let (kind, users, detail, sentence) = match refusal {
        Refusal::NoRecords => {
            return ApiError::bad_request(
                "A booking needs an organizer; this is a bug, please report it.",
            );
        }
        Refusal::IdempotencyKeyReused => {
            return ApiError::new(
                ProblemKind::Unprocessable,
                "This Idempotency-Key was used with another request within the last 24 hours; use a new key for a new booking.",
            );
        }
        Refusal::TooManyIdempotencyKeys => {
            return ApiError::new(
                ProblemKind::TooLarge,
                format!(
                    "You have used {MAX_IDEMPOTENCY_KEYS} Idempotency-Keys within the last 24 hours, the most one user may; book without the header, or later."
                ),
            );
        }
        Refusal::NotAllowed(users) => {
            let sentence = format!(
                "{} {} not allow {} to book them; nothing was booked.",
                users.join(", "),
                if users.len() == 1 { "does" } else { "do" },
                asked.organizer
            );
            (
                ProblemKind::Forbidden,
                users,
                format!("does not allow {} to book them", asked.organizer),
                sentence,
            )
        }
        Refusal::TooManyBookings(users) => {
            let sentence = format!(
                "{} already {} {MAX_BOOKINGS_PER_USER} bookings that have not ended, the most a user may; nothing was booked.",
                users.join(", "),
                if users.len() == 1 { "holds" } else { "hold" },
            );
            (
                ProblemKind::TooLarge,
                users,
                format!("already holds {MAX_BOOKINGS_PER_USER} bookings that have not ended"),
                sentence,
            )
        }
        Refusal::Busy(users) => {
            let sentence = format!(
                "{} {} not free for the whole range; nothing was booked.",
                users.join(", "),
                if users.len() == 1 { "is" } else { "are" },
            );
            (
                ProblemKind::Conflict,
                users,
                "is not free for the whole range (outside their availability, or booked)"
                    .to_owned(),
                sentence,
            )
        }
    };
    let errors = users
        .iter()
        .map(|user| FieldError::new(asked.pointer_of(user), format!("{user} {detail}")))
        .collect();
    ApiError::new(kind, sentence).with_errors(errors)
}

/// 201 with the booking and where it lives; a replay says so in a header.
fn created(booking: &Booking, replayed: bool) -> Response<Body> {
    let mut response = json_response(StatusCode::CREATED, &ShownBooking::of(booking, None));
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&format!("/bookings/{}", booking.id)) {
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// The caller's bookings (as organizer or participant) that meet `from`..`to`, in start order,
/// one page at a time.
pub(crate) async fn list<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let query = Query::of(call.request, LIST_PARAMETERS)?;
    let (requested, zone) = (RequestedWindow::parse(&query)?, query.time_zone("tz")?);
    let normalized = requested.normalized("GET /bookings");
    let paging = PageRequest::parse(
        &Parameters::new(&query, None, LIST_PARAMETERS)?,
        &normalized,
    )?;
    let window = requested.resolve(paging.clock(app.clock()), false)?;
    let record = own_record::read(app, &call.caller).await?;
    // A user's bookings never overlap, so their starts differ and a start resumes a page.
    let unshown = record.bookings.iter().filter(|booking| {
        booking.range.overlaps(&window.interval) && !paging.already_shown(booking.range.start())
    });
    let page = Page::cut(
        unshown,
        paging.size(DEFAULT_LIMIT, BOOKING_BYTES),
        |booking| booking.range.start(),
    );
    #[derive(Serialize)]
    struct Body<'a> {
        bookings: Vec<ShownBooking<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    }
    let body = Body {
        next: page.next(window, &normalized),
        bookings: page
            .results
            .iter()
            .map(|booking| ShownBooking::of(booking, zone))
            .collect(),
    };
    let items = body.bookings.len();
    Ok(with_result_items(
        json_response(StatusCode::OK, &body),
        items,
    ))
}

/// One of the caller's bookings; 404 for any other id, whoever holds it.
pub(crate) async fn read<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    // The route's template names it.
    let id = call.parameter("booking_id").unwrap_or_default();
    let query = Query::of(call.request, READ_PARAMETERS)?;
    let zone = query.time_zone("tz")?;
    let record = own_record::read(app, &call.caller).await?;
    let booking = record.booking(id).ok_or_else(|| no_booking(id))?;
    Ok(json_response(
        StatusCode::OK,
        &ShownBooking::of(booking, zone),
    ))
}

/// The organizer cancels the booking for everyone; another participant leaves it, which frees
/// their time only.
pub(crate) async fn cancel<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    // The route's template names it.
    let id = call.parameter("booking_id").unwrap_or_default();
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    let booking = record.booking(id).ok_or_else(|| no_booking(id))?;
    // Participants can leave but never join, so the caller's copy names everyone who may still
    // hold one.
    let participants = booking.participants.clone();
    // An invitee's booking of an event type is cancelled for all its hosts by any of them, and
    // its keeper (the first host) keeps it cancelled for the invitee's manage link.
    let for_everyone = booking.organizer == call.caller.as_str() || booking.invited.is_some();
    let user_ids: Vec<&str> = participants.iter().map(String::as_str).collect();
    let now = app.clock().now();
    // Bookings only: no participant's intervals are read or written.
    app.write_making(&user_ids, Scope::NoIntervals, |records| {
        let caller_holds = records
            .iter()
            .zip(&participants)
            .any(|(record, user)| user == call.caller.as_str() && record.booking(id).is_some());
        if !caller_holds {
            return Err(no_booking(id));
        }
        let next = records
            .iter()
            .zip(&participants)
            .enumerate()
            .map(|(at, (record, user))| {
                let cancelled = record.booking(id).and_then(|copy| {
                    let mut copy = copy.clone();
                    let invited = copy.invited.as_mut()?;
                    invited.cancellation = Some(Cancellation {
                        at: now,
                        reason: None,
                    });
                    Some(copy)
                });
                match cancelled {
                    Some(cancelled) if at == 0 => {
                        record.without_booking(id).with_cancelled(cancelled, now)
                    }
                    _ if for_everyone || user == call.caller.as_str() => record.without_booking(id),
                    _ => record.with_participant_gone(id, call.caller.as_str()),
                }
            })
            .collect();
        Ok((next, ()))
    })
    .await?;
    Ok(message(
        StatusCode::OK,
        if for_everyone {
            "Booking cancelled for every participant"
        } else {
            "You left the booking; it stays for the other participants"
        },
    ))
}

fn no_booking(id: &str) -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        format!(
            "You take part in no booking {}.",
            crate::domain::field_error::quoted(id)
        ),
    )
}

/// What a request that makes a booking carries: no query parameters, a JSON body (`shape`
/// names its members in the sentence of a missing one), and its `Idempotency-Key` bound to a
/// hash of that body.
pub(super) fn booking_body(
    request: &Request,
    shape: &str,
) -> Result<(Value, Option<IdempotencyKey>), ApiError> {
    Query::of(request, NO_PARAMETERS)?;
    let key = idempotency_key(request)?;
    let body = input::json_body(request)?
        .ok_or_else(|| ApiError::bad_request(format!("The request needs a JSON body {shape}.")))?;
    // The parsed body in one text (object members sorted): a retry's spelling of it may differ.
    let request_hash = fnv1a(body.to_string().as_bytes());
    Ok((body, key.map(|key| IdempotencyKey { key, request_hash })))
}

/// The `Idempotency-Key` header: 1 to [`MAX_IDEMPOTENCY_KEY_BYTES`] visible ASCII characters.
fn idempotency_key(request: &Request) -> Result<Option<String>, ApiError> {
    let mut values = request.headers().get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let invalid = |detail: String| ApiError::invalid_field("header Idempotency-Key", detail);
    if values.next().is_some() {
        return Err(invalid("is given more than once; give it once".to_owned()));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty()
        || bytes.len() > MAX_IDEMPOTENCY_KEY_BYTES
        || !bytes.iter().all(|byte| (0x21..=0x7e).contains(byte))
    {
        return Err(invalid(format!(
            "must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} visible ASCII characters, such as a UUID"
        )));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// The body as a booking request by `caller`, every bad field listed.
fn parse_booking(body: &Value, caller: &UserId) -> Result<BookingRequest, ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(
        body,
        "",
        &["start_time", "end_time", "participants", "title"],
        &mut errors,
    )
    .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let range = input::interval_members(object, "", &mut errors);
    if let Some(range) = range
        && range.duration() > MAX_BOOKING_LENGTH
    {
        errors.push(FieldError::new(
            "/end_time",
            format!(
                "is more than {} hours after start_time; a booking lasts at most that long",
                MAX_BOOKING_LENGTH / (60 * MINUTE_MS)
            ),
        ));
    }
    let named = match object.get("participants") {
        Some(Value::Array(named)) => named.as_slice(),
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "/participants",
                "is required (the other participants' user ids; [] books your own time)",
            ));
            &[]
        }
        Some(_) => {
            errors.push(FieldError::new(
                "/participants",
                "must be an array of user ids",
            ));
            &[]
        }
    };
    // Counted before each id is read, so a huge list costs one short answer.
    let others = named
        .iter()
        .filter(|user| user.as_str() != Some(caller.as_str()))
        .count();
    if others + 1 > MAX_PARTICIPANTS_PER_BOOKING {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "A booking holds at most {MAX_PARTICIPANTS_PER_BOOKING} participants, the organizer included; this one names {}.",
                others + 1
            ),
        )
        .with_errors(vec![FieldError::new(
            "/participants",
            format!("names more than {} other users", MAX_PARTICIPANTS_PER_BOOKING - 1),
        )]));
    }
    let mut ids: Vec<String> = Vec::with_capacity(named.len());
    for (index, user) in named.iter().enumerate() {
        let pointer = format!("/participants/{index}");
        let Some(text) = user.as_str() else {
            errors.push(FieldError::new(pointer, "must be a user id string"));
            continue;
        };
        match UserId::parse(text) {
            Err(why) => errors.push(FieldError::new(pointer, why)),
            Ok(_) if ids.iter().any(|seen| seen == text) => {
                errors.push(FieldError::new(
                    pointer,
                    "names a participant already listed",
                ));
            }
            Ok(id) => ids.push(id.to_string()),
        }
    }
    let title = input::string_member(object, "", "title", false, &mut errors);
    if let Some(title) = title
        && title.chars().count() > MAX_TITLE_CHARS
    {
        errors.push(FieldError::new(
            "/title",
            format!("is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    match range {
        Some(range) if errors.is_empty() => Ok(BookingRequest {
            range,
            organizer: caller.to_string(),
            named: ids,
            title: title.map(str::to_owned),
        }),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

/// A booking as the API shows it, its instants in UTC with `Z` or in `tz`.
#[derive(Serialize)]
struct ShownBooking<'a> {
    id: &'a str,
    #[serde(flatten)]
    times: ShownInterval,
    organizer: &'a str,
    participants: &'a [String],
    title: Option<&'a str>,
    created_at: String,
    /// For a booking an invitee made of an event type: its slug, and who booked.
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invitee: Option<&'a Invitee>,
}

impl<'a> ShownBooking<'a> {
    fn of(booking: &'a Booking, zone: Option<Zone>) -> Self {
        ShownBooking {
            id: &booking.id,
            times: ShownInterval(booking.range, zone),
            organizer: &booking.organizer,
            participants: &booking.participants,
            title: booking.title.as_deref(),
            event_type: booking
                .invited
                .as_deref()
                .map(|invited| invited.event_type.as_str()),
            invitee: booking.invited.as_deref().map(|invited| &invited.invitee),
            created_at: match zone {
                None => FormattedTimestamp::new(booking.created_at)
                    .as_str()
                    .to_owned(),
                Some(zone) => format_timestamp_in(booking.created_at, zone),
            },
        }
    }
}
