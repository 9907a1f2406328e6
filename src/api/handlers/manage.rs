//! `GET /manage/{token}`, `POST /manage/{token}/cancel`, `POST /manage/{token}/reschedule`: the
//! invitee acts on their booking with the token they were given, which is the credential. A
//! token of the wrong shape is a 404 before any lookup; one that names a booking whose stored
//! hash it does not match is the same 404. Cancel and reschedule are one atomic write each.

use super::invitee::{NotMade, ShownInviteeBooking, host_records, meeting, refused};
use super::public::{SlotsQuery, hosts_within};
use super::public_writes;
use crate::api::app::{App, Failure, Handled, answer_of_write};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::api::response::json_response;
use crate::domain::booking::{Booking, Cancellation, ManageToken};
use crate::domain::event_type::{Assignment, EventType, Offer, SlotRefusal};
use crate::domain::time::Millis;
use crate::domain::{UserId, UserRecord};
use crate::store::{AvailabilityStore, Scope};
use lambda_http::http::StatusCode;
use serde_json::Value;
use std::sync::Arc;

/// The longest cancellation `reason`, in characters.
pub(super) const MAX_REASON_CHARS: usize = 500;

pub(crate) async fn read<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, ManageToken>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let token = token_of(&call)?;
    let record = app.store().load(&token.keeper, None).await?;
    let booking = held(&record, &token).ok_or_else(no_booking)?;
    shown(booking)
}

/// Cancels the booking for every host; cancelling it again answers the same.
pub(crate) async fn cancel<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, ManageToken>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let token = token_of(&call)?;
    let reason = parse_reason(input::json_body(call.request)?.as_ref())?;
    public_writes::admit(app, call.request).await?;
    let record = app.store().load(&token.keeper, None).await?;
    let booking = held(&record, &token).ok_or_else(no_booking)?.clone();
    if cancellation_of(&booking).is_some() {
        return shown(&booking);
    }
    let now = app.clock().now();
    let holders: Vec<&str> = booking.participants.iter().map(String::as_str).collect();
    let written = app
        .write_making(&holders, Scope::NoIntervals, |records| {
            let keeper = records.first().ok_or_else(no_booking)?;
            let current = held(keeper, &token).ok_or_else(no_booking)?;
            if cancellation_of(current).is_some() {
                return Err(NotMade::Replay(Box::new(current.clone())));
            }
            let mut copy = current.clone();
            if let Some(invited) = copy.invited.as_mut() {
                invited.cancellation = Some(Cancellation {
                    at: now,
                    reason: reason.clone(),
                });
            }
            let next = records
                .iter()
                .enumerate()
                .map(|(at, record)| {
                    let freed = record.without_booking(&token.booking_id);
                    match at {
                        0 => freed.with_cancelled(copy.clone(), now),
                        _ => freed,
                    }
                })
                .collect();
            Ok((next, copy))
        })
        .await;
    answer_of_write(written, |booking| shown(&booking), not_made)
}

/// Moves the booking to `start_time`, keeping its id and hosts and adding one to `sequence`:
/// every rule of a new booking, decided in the write that frees the old time and takes the new
/// (the booking does not count against itself).
pub(crate) async fn reschedule<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, ManageToken>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let token = token_of(&call)?;
    let start = parse_start(input::json_body(call.request)?.as_ref())?;
    public_writes::admit(app, call.request).await?;
    let record = app.store().load(&token.keeper, None).await?;
    let booking = held(&record, &token).ok_or_else(no_booking)?.clone();
    let invited = booking.invited.as_deref().ok_or_else(no_booking)?;
    if cancellation_of(&booking).is_some() {
        return Err(cancelled_already().into());
    }
    let owner = invited.owner.clone();
    let slug = invited.event_type.clone();
    let mut users: Vec<&str> = vec![owner.as_str()];
    users.extend(
        booking
            .participants
            .iter()
            .map(String::as_str)
            .filter(|holder| *holder != owner),
    );
    let owner_record = app.store().load(&owner, None).await?;
    let event_type = owner_record
        .event_type(&slug)
        .ok_or_else(|| refused(SlotRefusal::Unavailable))?;
    let scope = Offer::needs(event_type, start)
        .ok_or_else(|| ApiError::invalid_field("/start_time", "is out of range"))?;
    let now = app.clock().now();
    let written = app
        .write_making(&users, Scope::Near(scope), |records| {
            move_within(records, &users, &slug, &token, start, now)
        })
        .await;
    answer_of_write(written, |booking| shown(&booking), not_made)
}

/// `GET /manage/{token}/slots?from=&to=&tz=`: the times the booking could move to now, as
/// `/public/{user_id}/{slug}/slots` lists them but with its own hosts, each of them needed, and
/// the booking not counting against itself: exactly the starts a reschedule would take.
pub(crate) async fn slots<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, ManageToken>,
) -> Handled {
    let asked = SlotsQuery::of(app, &call)?;
    let token = token_of(&call)?;
    let record = app.store().load(&token.keeper, None).await?;
    let booking = held(&record, &token).ok_or_else(no_booking)?.clone();
    let invited = booking.invited.as_deref().ok_or_else(no_booking)?;
    if cancellation_of(&booking).is_some() {
        return Err(cancelled_already().into());
    }
    let owner_record = app.store().load(&invited.owner, None).await?;
    // An event type deleted since offers no time.
    let Some(event_type) = owner_record.event_type(&invited.event_type) else {
        return Ok(asked.answer(&[]));
    };
    let same_hosts = EventType {
        hosts: booking.participants.clone(),
        assignment: Assignment::All,
        ..event_type.clone()
    };
    let read = asked.read_window(&same_hosts);
    let records = hosts_within(app, &same_hosts, read).await?;
    let records: Vec<&UserRecord> = records.iter().map(Arc::as_ref).collect();
    let offer = Offer::new(
        &invited.owner,
        &same_hosts,
        &records,
        read,
        asked.now(),
        Some(&booking.id),
    );
    Ok(asked.answer(&asked.slots_of(&offer)))
}

/// The booking moved to `start` on `records` (of `users`, the owner first), and every record.
fn move_within(
    records: &[Arc<UserRecord>],
    users: &[&str],
    slug: &str,
    token: &ManageToken,
    start: Millis,
    now: Millis,
) -> Result<(Vec<UserRecord>, Booking), NotMade> {
    let owner = users.first().copied().unwrap_or_default();
    let keeper_at = users
        .iter()
        .position(|user| *user == token.keeper)
        .ok_or_else(no_booking)?;
    let current = held(&records[keeper_at], token).ok_or_else(no_booking)?;
    if cancellation_of(current).is_some() {
        return Err(cancelled_already().into());
    }
    let event_type = records
        .first()
        .and_then(|record| record.event_type(slug))
        .ok_or_else(|| refused(SlotRefusal::Unavailable))?;
    // The same hosts, each of them needed.
    let same_hosts = EventType {
        hosts: current.participants.clone(),
        assignment: Assignment::All,
        ..event_type.clone()
    };
    let hosts = host_records(records, users, &same_hosts)?;
    let window =
        Offer::needs(&same_hosts, start).ok_or_else(|| refused(SlotRefusal::Unavailable))?;
    let email = current
        .invited
        .as_ref()
        .map(|invited| invited.invitee.email.clone());
    Offer::new(owner, &same_hosts, &hosts, window, now, Some(&current.id))
        .decide(start, email.as_deref())
        .map_err(refused)?;
    let mut moved = current.clone();
    moved.range = meeting(&same_hosts, start)?;
    if let Some(invited) = moved.invited.as_mut() {
        invited.sequence += 1;
    }
    let next = users
        .iter()
        .zip(records)
        .map(|(user, record)| {
            if moved.participants.iter().any(|holder| holder == user) {
                record.without_booking(&moved.id).with_booking(&moved, now)
            } else {
                (**record).clone()
            }
        })
        .collect();
    Ok((next, moved))
}

/// The call's token, when its keeper is a user id: a 404 otherwise, with no lookup.
pub(super) fn token_of(call: &Call<'_, ManageToken>) -> Result<ManageToken, ApiError> {
    Some(call.caller.clone())
        .filter(|token| UserId::parse(&token.keeper).is_ok())
        .ok_or_else(no_booking)
}

/// The booking `token` names in its keeper's `record`, live or cancelled, when the token's
/// secret is the one stored for it.
pub(super) fn held<'r>(record: &'r UserRecord, token: &ManageToken) -> Option<&'r Booking> {
    record.kept_booking(&token.booking_id).filter(|booking| {
        booking
            .invited
            .as_ref()
            .is_some_and(|invited| token.matches(&invited.manage_hash))
    })
}

fn cancellation_of(booking: &Booking) -> Option<&Cancellation> {
    booking.invited.as_ref()?.cancellation.as_ref()
}

fn shown(booking: &Booking) -> Handled {
    let shown = ShownInviteeBooking::of(booking, None).ok_or_else(unexpected)?;
    Ok(json_response(StatusCode::OK, &shown))
}

/// A refused change's answer: the booking as it already is (a second cancel), or the refusal.
fn not_made(why: NotMade) -> Handled {
    match why {
        NotMade::Replay(booking) => shown(&booking),
        NotMade::Refused(error) => Err(error.into()),
    }
}

pub(crate) fn no_booking() -> ApiError {
    ApiError::new(ProblemKind::NotFound, "There is no booking with this link.")
}

fn cancelled_already() -> ApiError {
    ApiError::new(
        ProblemKind::Conflict,
        "This booking was cancelled; book a new time instead.",
    )
    .with_reason("cancelled")
}

fn unexpected() -> Failure {
    Failure::Unexpected("a booking of an event type without its invitee side".into())
}

/// A cancel's optional body `{"reason"?}`.
fn parse_reason(body: Option<&Value>) -> Result<Option<String>, ApiError> {
    let Some(body) = body else {
        return Ok(None);
    };
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["reason"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let reason = input::string_member(object, "", "reason", false, &mut errors);
    if reason.is_some_and(|reason| reason.chars().count() > MAX_REASON_CHARS) {
        errors.push(FieldError::new(
            "/reason",
            format!("is longer than {MAX_REASON_CHARS} characters"),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(reason.map(str::to_owned))
}

/// A reschedule's body `{"start_time"}`.
fn parse_start(body: Option<&Value>) -> Result<Millis, ApiError> {
    let body = body
        .ok_or_else(|| ApiError::bad_request("The request needs a JSON body {\"start_time\"}."))?;
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["start_time"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let start = input::timestamp_member(object, "", "start_time", &mut errors);
    match start {
        Some(start) if errors.is_empty() => Ok(start),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}
