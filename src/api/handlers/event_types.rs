//! `PUT`, `GET` and `DELETE /event-types/{slug}`, `GET /event-types`: the kinds of meeting the
//! caller offers to anyone with the link, kept in the caller's record (so their `ETag` is the
//! record's). Every member of the contract is checked, and answered with its default filled in.

use super::own_record;
use crate::api::app::{App, Failure, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::api::response::{message, with_etag};
use crate::domain::booking::BookableBy;
use crate::domain::duration::{format_duration, parse_duration};
use crate::domain::event_type::{
    Assignment, DEFAULT_HORIZON, DURATION, EventType, HORIZON, MAX_BUFFER, MAX_DESCRIPTION_CHARS,
    MAX_EVENT_TYPES_PER_HOST, MAX_HOSTS, MAX_LOCATION_CHARS, MAX_MINIMUM_NOTICE, MAX_PER_DAY,
    TITLE_CHARS, is_valid_slug,
};
use crate::domain::time::{MINUTE_MS, Millis};
use crate::domain::timestamp::parse_time_zone;
use crate::domain::{UserId, UserRecord};
use crate::store::{AvailabilityStore, IntervalBudget};
use lambda_http::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

const MEMBERS: &[&str] = &[
    "title",
    "duration",
    "step",
    "buffer_before",
    "buffer_after",
    "minimum_notice",
    "horizon",
    "max_per_day",
    "timezone",
    "hosts",
    "assignment",
    "location",
    "description",
    "active",
];

/// Creates or replaces the caller's event type `{slug}`, answering it as stored.
pub(crate) async fn put<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let slug = call.parameter("slug").unwrap_or_default();
    if !is_valid_slug(slug) {
        return Err(ApiError::bad_request(
            "An event type's slug is 1 to 63 characters: lowercase letters, digits and '-', not starting with '-'.",
        )
        .into());
    }
    let body = input::json_body(call.request)?.ok_or_else(|| {
        ApiError::bad_request(
            "The request needs a JSON body with at least {\"title\", \"duration\"}.",
        )
    })?;
    let asked = parse(&body, &call.caller)?;
    refuse_hosts_who_do_not_allow(app, &asked.hosts, &call.caller).await?;
    let mut stored = None;
    let version = own_record::update(app, &call, |current, if_match| {
        let existing = current.event_type(slug).is_some();
        if_match.check(current, existing)?;
        if !existing && current.event_types.len() >= MAX_EVENT_TYPES_PER_HOST {
            return Err(ApiError::new(
                ProblemKind::TooLarge,
                format!(
                    "You have {MAX_EVENT_TYPES_PER_HOST} event types, the most one host may; delete one first."
                ),
            ));
        }
        let event_type = asked.with_defaults(slug, current);
        stored = Some(event_type.clone());
        Ok(current.with_event_type(event_type))
    })
    .await?;
    let stored = stored.ok_or_else(|| {
        Failure::Unexpected("the store wrote an event type without running its change".into())
    })?;
    Ok(own_record::current(&ShownEventType::of(&stored), version))
}

/// Every event type of the caller, in slug order.
pub(crate) async fn list<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    #[derive(Serialize)]
    struct Listed<'a> {
        event_types: Vec<ShownEventType<'a>>,
    }
    let listed = Listed {
        event_types: record.event_types.iter().map(ShownEventType::of).collect(),
    };
    Ok(own_record::current(&listed, record.version))
}

pub(crate) async fn get<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let slug = call.parameter("slug").unwrap_or_default();
    let record = own_record::read(app, &call.caller).await?;
    let event_type = record.event_type(slug).ok_or_else(|| no_event_type(slug))?;
    Ok(own_record::current(
        &ShownEventType::of(event_type),
        record.version,
    ))
}

/// Deletes the event type; bookings already made of it stay.
pub(crate) async fn delete<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let slug = call.parameter("slug").unwrap_or_default();
    let version = own_record::update(app, &call, |current, if_match| {
        // Absent is a 404 whatever `If-Match` says, as for a schedule.
        current
            .event_type(slug)
            .ok_or_else(|| no_event_type(slug))?;
        if_match.check(current, true)?;
        Ok(current.without_event_type(slug))
    })
    .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Event type deleted successfully"),
        version,
    ))
}

pub(super) fn no_event_type(slug: &str) -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        format!(
            "There is no event type {}.",
            crate::domain::field_error::quoted(slug)
        ),
    )
}

/// A 403 naming every host (other than the caller) who does not allow the caller to book them:
/// bookings of the event type would be refused.
async fn refuse_hosts_who_do_not_allow<S: AvailabilityStore>(
    app: &App<S>,
    hosts: &[String],
    caller: &UserId,
) -> Result<(), Failure> {
    let others: Vec<&str> = hosts
        .iter()
        .map(String::as_str)
        .filter(|host| *host != caller.as_str())
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let records = app
        .store()
        .load_many(&others, None, &IntervalBudget::unlimited())
        .await
        .map_err(|error| match error {
            crate::store::LoadError::Store(error) => Failure::from(error),
            crate::store::LoadError::OverBudget { .. } => {
                Failure::Unexpected("an unlimited budget ran out".into())
            }
        })?;
    let refusing: Vec<&str> = others
        .iter()
        .zip(&records)
        .filter(|(_, record)| !allows(&record.bookable_by, caller))
        .map(|(host, _)| *host)
        .collect();
    if refusing.is_empty() {
        return Ok(());
    }
    let errors = refusing
        .iter()
        .map(|host| {
            let index = hosts.iter().position(|named| named == host).unwrap_or(0);
            FieldError::new(
                format!("/hosts/{index}"),
                format!("{host} does not allow {caller} to book them"),
            )
        })
        .collect();
    Err(ApiError::new(
        ProblemKind::Forbidden,
        format!(
            "{} {} not allow {caller} to book them; nothing was stored.",
            refusing.join(", "),
            if refusing.len() == 1 { "does" } else { "do" },
        ),
    )
    .with_errors(errors)
    .into())
}

fn allows(bookable_by: &BookableBy, caller: &UserId) -> bool {
    bookable_by.allows(caller.as_str())
}

/// A `PUT` body, checked; what the caller left out is filled in by [`Asked::with_defaults`].
struct Asked {
    title: String,
    duration: Millis,
    step: Option<Millis>,
    buffer_before: Millis,
    buffer_after: Millis,
    minimum_notice: Millis,
    horizon: Millis,
    max_per_day: Option<u32>,
    timezone: Option<String>,
    hosts: Vec<String>,
    assignment: Assignment,
    location: Option<String>,
    description: Option<String>,
    active: bool,
}

impl Asked {
    /// The event type `slug` as stored over `current`: the caller the only host unless others
    /// are named, the zone the caller's schedule's (else UTC) unless one is named.
    fn with_defaults(&self, slug: &str, current: &UserRecord) -> EventType {
        EventType {
            slug: slug.to_owned(),
            title: self.title.clone(),
            duration: self.duration,
            step: self.step.unwrap_or(self.duration),
            buffer_before: self.buffer_before,
            buffer_after: self.buffer_after,
            minimum_notice: self.minimum_notice,
            horizon: self.horizon,
            max_per_day: self.max_per_day,
            timezone: self.timezone.clone().unwrap_or_else(|| {
                current
                    .schedule
                    .as_ref()
                    .map_or("UTC", |schedule| schedule.zone_name())
                    .to_owned()
            }),
            hosts: self.hosts.clone(),
            assignment: self.assignment,
            location: self.location.clone(),
            description: self.description.clone(),
            active: self.active,
        }
    }
}

/// The body as an event type request by `caller`, every bad member listed.
fn parse(body: &Value, caller: &UserId) -> Result<Asked, ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", MEMBERS, &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let title = input::string_member(object, "", "title", true, &mut errors);
    if let Some(title) = title
        && !TITLE_CHARS.contains(&title.chars().count())
    {
        errors.push(FieldError::new("/title", "must be 1 to 200 characters"));
    }
    let duration = minutes(object, "duration", true, DURATION, &mut errors);
    let step = minutes(object, "step", false, DURATION, &mut errors);
    let buffer = 0..=MAX_BUFFER;
    let buffer_before = minutes(object, "buffer_before", false, buffer.clone(), &mut errors);
    let buffer_after = minutes(object, "buffer_after", false, buffer, &mut errors);
    let notice = 0..=MAX_MINIMUM_NOTICE;
    let minimum_notice = minutes(object, "minimum_notice", false, notice, &mut errors);
    let horizon = minutes(object, "horizon", false, HORIZON, &mut errors);
    let max_per_day = match object.get("max_per_day") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if MAX_PER_DAY.contains(&n) => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "/max_per_day",
                    "must be a whole number from 1 to 100",
                ));
                None
            }
        },
    };
    let timezone =
        input::string_member(object, "", "timezone", false, &mut errors).and_then(|name| {
            match parse_time_zone(name) {
                Ok(zone) => Some(zone.name().to_owned()),
                Err(why) => {
                    errors.push(FieldError::new("/timezone", why.to_string()));
                    None
                }
            }
        });
    let hosts = parse_hosts(object.get("hosts"), caller, &mut errors);
    let assignment = match input::string_member(object, "", "assignment", false, &mut errors) {
        None | Some("all") => Assignment::All,
        Some("one") => Assignment::One,
        Some(_) => {
            errors.push(FieldError::new("/assignment", "must be \"all\" or \"one\""));
            Assignment::All
        }
    };
    let location = bounded_text(object, "location", MAX_LOCATION_CHARS, &mut errors);
    let description = bounded_text(object, "description", MAX_DESCRIPTION_CHARS, &mut errors);
    let active = match object.get("active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(active)) => *active,
        Some(_) => {
            errors.push(FieldError::new("/active", "must be true or false"));
            true
        }
    };
    match (title, duration) {
        (Some(title), Some(duration)) if errors.is_empty() => Ok(Asked {
            title: title.to_owned(),
            duration,
            step,
            buffer_before: buffer_before.unwrap_or(0),
            buffer_after: buffer_after.unwrap_or(0),
            minimum_notice: minimum_notice.unwrap_or(0),
            horizon: horizon.unwrap_or(DEFAULT_HORIZON),
            max_per_day,
            timezone,
            hosts,
            assignment,
            location: location.map(str::to_owned),
            description: description.map(str::to_owned),
            active,
        }),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

/// An ISO 8601 duration member of whole minutes within `range`.
fn minutes(
    object: &Map<String, Value>,
    name: &str,
    required: bool,
    range: RangeInclusive<Millis>,
    errors: &mut Vec<FieldError>,
) -> Option<Millis> {
    let text = input::string_member(object, "", name, required, errors)?;
    let pointer = format!("/{name}");
    match parse_duration(text) {
        Err(why) => errors.push(FieldError::new(pointer, why.to_string())),
        Ok(millis) if millis % MINUTE_MS != 0 => {
            errors.push(FieldError::new(
                pointer,
                "must be a whole number of minutes",
            ));
        }
        Ok(millis) if !range.contains(&millis) => errors.push(FieldError::new(
            pointer,
            format!(
                "must be from {} to {}",
                format_duration(*range.start()),
                format_duration(*range.end())
            ),
        )),
        Ok(millis) => return Some(millis),
    }
    None
}

/// An optional text member of at most `max` characters.
fn bounded_text<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let text = input::string_member(object, "", name, false, errors)?;
    if text.chars().count() > max {
        errors.push(FieldError::new(
            format!("/{name}"),
            format!("is longer than {max} characters"),
        ));
    }
    Some(text)
}

/// `hosts`: 1 to [`MAX_HOSTS`] distinct user ids; absent, the caller alone.
fn parse_hosts(
    value: Option<&Value>,
    caller: &UserId,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let named = match value {
        None | Some(Value::Null) => return vec![caller.to_string()],
        Some(Value::Array(named)) if (1..=MAX_HOSTS).contains(&named.len()) => named,
        Some(_) => {
            errors.push(FieldError::new(
                "/hosts",
                format!("must be an array of 1 to {MAX_HOSTS} user ids"),
            ));
            return Vec::new();
        }
    };
    let mut hosts: Vec<String> = Vec::with_capacity(named.len());
    for (index, host) in named.iter().enumerate() {
        let pointer = format!("/hosts/{index}");
        match host.as_str().map(UserId::parse) {
            None => errors.push(FieldError::new(pointer, "must be a user id string")),
            Some(Err(why)) => errors.push(FieldError::new(pointer, why)),
            Some(Ok(id)) if hosts.iter().any(|seen| *seen == id.as_str()) => {
                errors.push(FieldError::new(pointer, "names a host already listed"));
            }
            Some(Ok(id)) => hosts.push(id.to_string()),
        }
    }
    hosts
}

/// An event type as the API shows it: durations in ISO 8601, every member present but the
/// optional ones left unset.
#[derive(Serialize)]
struct ShownEventType<'a> {
    slug: &'a str,
    title: &'a str,
    duration: String,
    step: String,
    buffer_before: String,
    buffer_after: String,
    minimum_notice: String,
    horizon: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_per_day: Option<u32>,
    timezone: &'a str,
    hosts: &'a [String],
    assignment: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    active: bool,
}

impl<'a> ShownEventType<'a> {
    fn of(event_type: &'a EventType) -> Self {
        ShownEventType {
            slug: &event_type.slug,
            title: &event_type.title,
            duration: format_duration(event_type.duration),
            step: format_duration(event_type.step),
            buffer_before: format_duration(event_type.buffer_before),
            buffer_after: format_duration(event_type.buffer_after),
            minimum_notice: format_duration(event_type.minimum_notice),
            horizon: format_duration(event_type.horizon),
            max_per_day: event_type.max_per_day,
            timezone: &event_type.timezone,
            hosts: &event_type.hosts,
            assignment: event_type.assignment.name(),
            location: event_type.location.as_deref(),
            description: event_type.description.as_deref(),
            active: event_type.active,
        }
    }
}
