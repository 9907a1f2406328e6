//! `POST /public/{user_id}/{slug}/bookings`: anyone books a host's event type. Every rule is
//! decided again inside the one atomic write that books the hosts, on the records that write
//! reads (`Offer::decide`, the function that lists the slots), so no racing invitee, in this
//! instance or another, can book a host twice or pass `max_per_day`.

use super::bookings::{IDEMPOTENT_REPLAYED, booking_body};
use super::public::{offered, offering_host};
use super::public_writes;
use crate::api::app::{App, Failure, Handled, answer_of_write};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input;
use crate::api::response::json_response;
use crate::api::shown_interval::ShownInterval;
use crate::domain::booking::{
    Booking, BookingPlan, IdempotencyKey, Invited, Invitee, ManageToken, NotBooked, Refusal,
    SECRET_BYTES, make_booking,
};
use crate::domain::event_type::{EventType, Offer, SlotRefusal};
use crate::domain::time::Millis;
use crate::domain::timestamp::parse_time_zone;
use crate::domain::{Interval, UserRecord};
use crate::store::{AvailabilityStore, Scope};
use lambda_http::http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

pub(super) const MAX_NAME_CHARS: usize = 100;
pub(super) const MAX_EMAIL_CHARS: usize = 254;
pub(super) const MAX_NOTE_CHARS: usize = 1_000;

/// Why an invitee's booking (or its move) was not made: a refusal to answer, or an earlier
/// answer to repeat.
pub(super) enum NotMade {
    Refused(ApiError),
    Replay(Box<Booking>),
}

impl From<ApiError> for NotMade {
    fn from(error: ApiError) -> Self {
        NotMade::Refused(error)
    }
}

pub(crate) async fn book<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    let (body, idempotency) = booking_body(
        call.request,
        "{\"start_time\", \"invitee\": {\"name\", \"email\"}}",
    )?;
    let asked = parse(&body)?;
    public_writes::admit(app, call.request).await?;
    let (owner, record) = offering_host(app, &call).await?;
    let event_type = offered(&record, &call)?.clone();
    let range = Offer::needs(&event_type, asked.start_time)
        .ok_or_else(|| ApiError::invalid_field("/start_time", "is out of range"))?;
    let secret = public_writes::new_secret()?;
    let now = app.clock().now();
    let owner = owner.to_string();
    // The owner's record (for the event type as it is now) and every host's.
    let mut users: Vec<&str> = vec![owner.as_str()];
    users.extend(
        event_type
            .hosts
            .iter()
            .map(String::as_str)
            .filter(|host| *host != owner),
    );
    let written = app
        .write_making(&users, Scope::Near(range), |records| {
            let idempotency = idempotency.clone();
            book_within(
                records,
                &users,
                &event_type.slug,
                &asked,
                idempotency,
                &secret,
                now,
            )
        })
        .await;
    answer_of_write(
        written,
        |booking| created(&booking, Some(&secret)),
        |why| match why {
            NotMade::Replay(booking) => created(&booking, None),
            NotMade::Refused(error) => Err(error.into()),
        },
    )
}

/// The booking of the owner's (`records[0]`) event type `slug` for `asked`, decided on
/// `records` (of `users`, as the atomic write read them), and every record after it.
fn book_within(
    records: &[Arc<UserRecord>],
    users: &[&str],
    slug: &str,
    asked: &Asked,
    idempotency: Option<IdempotencyKey>,
    secret: &[u8; SECRET_BYTES],
    now: Millis,
) -> Result<(Vec<UserRecord>, Booking), NotMade> {
    let owner = users.first().copied().unwrap_or_default();
    let event_type = records
        .first()
        .and_then(|record| record.event_type(slug))
        .filter(|event_type| event_type.active)
        .ok_or_else(|| super::event_types::no_event_type(slug))?;
    let hosts = host_records(records, users, event_type)?;
    // A retry finds its first answer with whichever host kept it.
    if let Some(key) = &idempotency {
        for host in &hosts {
            if let Some(entry) = host.idempotent_answer(&key.key, now) {
                if entry.request_hash == key.request_hash {
                    return Err(NotMade::Replay(Box::new(entry.booking.clone())));
                }
                return Err(refusal(Refusal::IdempotencyKeyReused).into());
            }
        }
    }
    let window = Offer::needs(event_type, asked.start_time)
        .ok_or_else(|| refused(SlotRefusal::Unavailable))?;
    let offer = Offer::new(owner, event_type, &hosts, window, now, None);
    let chosen = offer
        .decide(asked.start_time, Some(&asked.invitee.email))
        .map_err(refused)?;
    let holders: Vec<String> = chosen
        .iter()
        .map(|&index| event_type.hosts[index].clone())
        .collect();
    let plan = BookingPlan {
        holders: holders.clone(),
        range: meeting(event_type, asked.start_time)?,
        organizer: owner.to_owned(),
        title: Some(event_type.title.clone()),
        idempotency,
        invited: Some(Box::new(Invited {
            owner: owner.to_owned(),
            event_type: event_type.slug.clone(),
            buffer_before: event_type.buffer_before,
            buffer_after: event_type.buffer_after,
            invitee: asked.invitee.clone(),
            note: asked.note.clone(),
            sequence: 0,
            manage_hash: crate::domain::booking::secret_hash(secret),
            cancellation: None,
        })),
    };
    let holder_records: Vec<Arc<UserRecord>> = holders
        .iter()
        .map(|holder| record_of(records, users, holder))
        .collect::<Result<_, _>>()?;
    let (changed, booking) = match make_booking(&holder_records, &plan, now) {
        Ok(made) => made,
        Err(NotBooked::Replay(booking)) => return Err(NotMade::Replay(booking)),
        Err(NotBooked::Refused(why)) => return Err(refusal(why).into()),
    };
    let next = users
        .iter()
        .zip(records)
        .map(|(user, record)| {
            holders
                .iter()
                .position(|holder| holder == user)
                .map_or_else(|| (**record).clone(), |at| changed[at].clone())
        })
        .collect();
    Ok((next, booking))
}

/// The meeting at `start`: `[start, start + duration)`.
pub(super) fn meeting(event_type: &EventType, start: Millis) -> Result<Interval, ApiError> {
    start
        .checked_add(event_type.duration)
        .and_then(|end| Interval::new(start, end))
        .ok_or_else(|| refused(SlotRefusal::Unavailable))
}

/// The event type's hosts' records among `records` (of `users`), in `hosts` order.
pub(super) fn host_records<'r>(
    records: &'r [Arc<UserRecord>],
    users: &[&str],
    event_type: &EventType,
) -> Result<Vec<&'r UserRecord>, ApiError> {
    event_type
        .hosts
        .iter()
        .map(|host| {
            users
                .iter()
                .position(|user| user == host)
                .and_then(|at| records.get(at))
                .map(Arc::as_ref)
                .ok_or_else(|| refused(SlotRefusal::Unavailable))
        })
        .collect()
}

fn record_of(
    records: &[Arc<UserRecord>],
    users: &[&str],
    user: &str,
) -> Result<Arc<UserRecord>, ApiError> {
    users
        .iter()
        .position(|named| *named == user)
        .and_then(|at| records.get(at))
        .cloned()
        .ok_or_else(|| refused(SlotRefusal::Unavailable))
}

/// The 409 of a start that cannot be booked, with the contract's `reason`.
pub(super) fn refused(why: SlotRefusal) -> ApiError {
    let sentence = match why {
        SlotRefusal::TooSoon => "This time is too soon to book; pick a later one.",
        SlotRefusal::BeyondHorizon => {
            "This time is too far ahead to book yet; pick an earlier one."
        }
        SlotRefusal::OffGrid => {
            "Meetings of this kind do not start at this time; pick one of the listed slots."
        }
        SlotRefusal::DayFull => "This day is fully booked; pick another day.",
        SlotRefusal::Unavailable => {
            "This time is not available (it may just have been taken); pick another slot."
        }
        SlotRefusal::InviteeLimit => {
            "This email already holds the most upcoming bookings one may have with this host."
        }
    };
    ApiError::new(ProblemKind::Conflict, sentence).with_reason(why.reason())
}

/// A refusal of the booking rules all bookings share, as an invitee is told it.
fn refusal(why: Refusal) -> ApiError {
    match why {
        Refusal::IdempotencyKeyReused => ApiError::new(
            ProblemKind::Unprocessable,
            "This Idempotency-Key was used with another request within the last 24 hours; use a new key for a new booking.",
        ),
        Refusal::TooManyIdempotencyKeys => ApiError::new(
            ProblemKind::TooLarge,
            "This host has taken too many Idempotency-Keys within the last 24 hours; book without the header, or later.",
        ),
        // A host who no longer allows the owner, is full, or busy: not bookable now.
        Refusal::NoRecords
        | Refusal::NotAllowed(_)
        | Refusal::TooManyBookings(_)
        | Refusal::Busy(_) => refused(SlotRefusal::Unavailable),
    }
}

/// 201 with the booking and, on a first answer, its manage token (a retry's answer cannot
/// show it again: only its hash is kept).
fn created(booking: &Booking, secret: Option<&[u8; SECRET_BYTES]>) -> Handled {
    let keeper = booking.participants.first().map_or("", String::as_str);
    let token = secret.map(|secret| ManageToken::new(keeper, &booking.id, *secret).text());
    let shown = ShownInviteeBooking::of(booking, token.as_deref()).ok_or_else(|| {
        Failure::Unexpected("an invitee's booking without its invitee side".into())
    })?;
    let mut response = json_response(StatusCode::CREATED, &shown);
    let headers = response.headers_mut();
    if let Some(location) = token
        .as_ref()
        .and_then(|token| HeaderValue::from_str(&format!("/manage/{token}")).ok())
    {
        headers.insert(header::LOCATION, location);
    }
    if secret.is_none() {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A booking of an event type as its invitee sees it.
#[derive(Serialize)]
pub(super) struct ShownInviteeBooking<'a> {
    id: &'a str,
    event_type: &'a str,
    hosts: &'a [String],
    #[serde(flatten)]
    times: ShownInterval,
    invitee: &'a Invitee,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    status: &'static str,
    sequence: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    manage_token: Option<&'a str>,
}

impl<'a> ShownInviteeBooking<'a> {
    pub(super) fn of(booking: &'a Booking, manage_token: Option<&'a str>) -> Option<Self> {
        let invited = booking.invited.as_deref()?;
        Some(ShownInviteeBooking {
            id: &booking.id,
            event_type: &invited.event_type,
            hosts: &booking.participants,
            times: ShownInterval(booking.range, None),
            invitee: &invited.invitee,
            note: invited.note.as_deref(),
            status: match invited.cancellation {
                None => "confirmed",
                Some(_) => "cancelled",
            },
            sequence: invited.sequence,
            manage_token,
        })
    }
}

/// A booking request, checked.
struct Asked {
    start_time: Millis,
    invitee: Invitee,
    note: Option<String>,
}

fn parse(body: &Value) -> Result<Asked, ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["start_time", "invitee", "note"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let start_time = input::timestamp_member(object, "", "start_time", &mut errors);
    let invitee = match object.get("invitee") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "/invitee",
                "is required ({\"name\", \"email\"})",
            ));
            None
        }
        Some(value) => {
            let known = ["name", "email", "timezone"];
            input::expect_object(value, "/invitee", &known, &mut errors)
                .and_then(|invitee| parse_invitee(invitee, &mut errors))
        }
    };
    let note = input::string_member(object, "", "note", false, &mut errors);
    if note.is_some_and(|note| note.chars().count() > MAX_NOTE_CHARS) {
        errors.push(FieldError::new(
            "/note",
            format!("is longer than {MAX_NOTE_CHARS} characters"),
        ));
    }
    match (start_time, invitee) {
        (Some(start_time), Some(invitee)) if errors.is_empty() => Ok(Asked {
            start_time,
            invitee,
            note: note.map(str::to_owned),
        }),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

fn parse_invitee(object: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Invitee> {
    let name = input::string_member(object, "/invitee", "name", true, errors);
    if let Some(name) = name {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.trim().is_empty() {
            errors.push(FieldError::new(
                "/invitee/name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
    }
    let email = input::string_member(object, "/invitee", "email", true, errors);
    if let Some(email) = email
        && !is_email(email)
    {
        errors.push(FieldError::new(
            "/invitee/email",
            format!("must be an email address of at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    let timezone = input::string_member(object, "/invitee", "timezone", false, errors);
    let timezone = timezone.and_then(|name| match parse_time_zone(name) {
        Ok(zone) => Some(zone.name().to_owned()),
        Err(why) => {
            errors.push(FieldError::new("/invitee/timezone", why.to_string()));
            None
        }
    });
    Some(Invitee {
        name: name?.to_owned(),
        email: email?.to_owned(),
        timezone,
    })
}

/// An address `local@domain`: a local part of 1 to 64 characters RFC 5322 allows unquoted, and
/// a domain of at least two dot-separated labels of letters, digits and inner hyphens.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&byte));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
        });
    text.len() <= MAX_EMAIL_CHARS && local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn emails_are_local_at_a_dotted_domain() {
        for good in ["ana@example.com", "a.b+tag@mail.example.org", "x@a-b.io"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana @example.com",
            ".ana@example.com",
            "ana@-example.com",
            "ana@example..com",
            &format!("{}@example.com", "a".repeat(65)),
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
