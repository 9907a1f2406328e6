//! The caller's bookings in the calendars people use: `POST` and `DELETE /calendar/feed` (a
//! secret feed URL, made anew or revoked), `GET /calendar/{feed_file}` (the feed itself, open:
//! the token in `{feed_token}.ics` is the credential), and one booking's file through
//! `GET /bookings/{booking_id}/calendar.ics` and `GET /manage/{token}/calendar.ics`. What the
//! files say is `domain::calendar`'s.
//!
//! The open feed route reads its token for shape and length before any lookup, then reads the
//! one record the token names and compares the secret's hash in constant time: any token that
//! is not a live one is the same 404.

use super::manage;
use super::own_record;
use super::public_writes::new_secret;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, ProblemKind};
use crate::api::input::{NO_PARAMETERS, Query};
use crate::api::response::{json_response, message};
use crate::domain::booking::{Booking, ManageToken};
use crate::domain::calendar::export::{feed_bookings, feed_document, single_document};
use crate::domain::calendar::{ExportedEvent, FeedToken};
use crate::domain::{UserId, UserRecord};
use crate::store::AvailabilityStore;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

/// `POST /calendar/feed`: a new secret feed URL; the one before stops working.
pub(crate) async fn create_feed<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, UserId>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let token = FeedToken::new(call.caller.as_str(), new_secret()?);
    let hash = token.stored_hash();
    own_record::update(app, &call, |current, _| {
        Ok(UserRecord {
            calendar_feed: Some(hash.clone()),
            ..current.clone()
        })
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"feed_url": format!("/calendar/{}.ics", token.text())}),
    ))
}

/// `DELETE /calendar/feed`: the feed URL stops working (answered the same when there is none).
pub(crate) async fn revoke_feed<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, UserId>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    own_record::update(app, &call, |current, _| {
        Ok(UserRecord {
            calendar_feed: None,
            ..current.clone()
        })
    })
    .await?;
    Ok(message(StatusCode::OK, "Calendar feed revoked"))
}

/// `GET /calendar/{feed_token}.ics`: the feed's owner's bookings, with no identity.
pub(crate) async fn feed<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    // The route's template names it.
    let file = call.parameter("feed_file").unwrap_or_default();
    let token = file
        .strip_suffix(".ics")
        .and_then(FeedToken::parse)
        .ok_or_else(no_feed)?;
    let record = app.store().load(&token.user, None).await?;
    let live = record
        .calendar_feed
        .as_deref()
        .is_some_and(|stored| token.matches(stored));
    if !live {
        return Err(no_feed().into());
    }
    let now = app.clock().now();
    let events: Vec<ExportedEvent> = feed_bookings(&record, now)
        .into_iter()
        .map(|booking| event_of(&record, booking))
        .collect();
    let name = format!("Bookings of {}", token.user);
    Ok(calendar_response(feed_document(&name, &events), None))
}

/// `GET /bookings/{booking_id}/calendar.ics`: one booking the caller takes part in (or one of
/// their event type's that was cancelled and that their record keeps).
pub(crate) async fn booking_file<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, UserId>,
) -> Handled {
    // The route's template names it.
    let id = call.parameter("booking_id").unwrap_or_default();
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    let booking = record.kept_booking(id).ok_or_else(|| {
        ApiError::new(
            ProblemKind::NotFound,
            format!(
                "You take part in no booking {}.",
                crate::domain::field_error::quoted(id)
            ),
        )
    })?;
    Ok(single_file(&record, booking, app.clock().now()))
}

/// `GET /manage/{token}/calendar.ics`: the invitee's booking, live or cancelled.
pub(crate) async fn manage_file<S: AvailabilityStore>(
    app: &App<S>,
    call: Call<'_, ManageToken>,
) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let token = manage::token_of(&call)?;
    let record = app.store().load(&token.keeper, None).await?;
    let booking = manage::held(&record, &token).ok_or_else(manage::no_booking)?;
    Ok(single_file(&record, booking, app.clock().now()))
}

fn single_file(
    record: &UserRecord,
    booking: &Booking,
    now: crate::domain::Millis,
) -> Response<Body> {
    let event = event_of(record, booking);
    let name = format!("booking-{}.ics", booking.id);
    calendar_response(single_document(&event, now), Some(&name))
}

/// `booking` as an event, titled and located by its event type when `record` keeps it.
fn event_of(record: &UserRecord, booking: &Booking) -> ExportedEvent {
    let event_type = booking
        .invited
        .as_ref()
        .and_then(|invited| record.event_type(&invited.event_type));
    ExportedEvent::of(
        booking,
        event_type.map(|kind| kind.title.as_str()),
        event_type.and_then(|kind| kind.location.as_deref()),
    )
}

fn calendar_response(text: String, file_name: Option<&str>) -> Response<Body> {
    let mut response = Response::new(Body::Text(text));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    // Secret URLs: no shared cache keeps a copy.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(value) = file_name
        .and_then(|name| HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).ok())
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn no_feed() -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        "There is no calendar feed at this address.",
    )
}
