//! `/calendars`: the calendars whose busy time blocks the caller's availability. `PUT` stores
//! one (an iCalendar URL or a CalDAV calendar) and syncs it at once; `GET` lists them with
//! their status (never a password); `DELETE` drops one and its busy time; `POST …/sync`
//! syncs one now (at most once a minute; sooner, it answers what is held); `GET …/busy` shows
//! the merged busy intervals held. The fetching and reading are `calendar_sync`'s.

use super::own_record;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::api::response::{json_response, message};
use crate::api::shown_interval::ShownInterval;
use crate::calendar_sync::sync_source;
use crate::domain::calendar::source::{
    CalendarSource, MAX_OWNER_ADDRESSES, MAX_SOURCES, MIN_FETCH_GAP, SourceKind, is_valid_source_id,
};
use crate::domain::sealed_secret::SecretPlace;
use crate::domain::timestamp::format_timestamp;
use crate::domain::{Interval, UserId};
use crate::store::AvailabilityStore;
use lambda_http::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The longest URL a source may have, in bytes.
pub(super) const MAX_URL_BYTES: usize = 2_000;
const MAX_USERNAME_CHARS: usize = 200;
const MAX_PASSWORD_CHARS: usize = 500;
const MAX_ADDRESS_CHARS: usize = 254;

/// A source as `GET /calendars` shows it: never its password.
#[derive(Serialize)]
struct ShownSource<'a> {
    id: &'a str,
    kind: SourceKind,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    owner_emails: &'a [String],
    status: crate::domain::calendar::source::SourceStatus,
    last_synced: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    busy_count: usize,
}

impl<'a> ShownSource<'a> {
    fn of(source: &'a CalendarSource) -> Self {
        ShownSource {
            id: &source.id,
            kind: source.kind,
            url: &source.url,
            username: source.username.as_deref(),
            owner_emails: &source.owner_addresses,
            status: source.status,
            last_synced: source.last_synced.map(format_timestamp),
            error: source.error.as_deref(),
            busy_count: source.busy.len(),
        }
    }
}

pub(crate) async fn list<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    let shown: Vec<ShownSource> = record.calendars.iter().map(ShownSource::of).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "calendars": shown }),
    ))
}

pub(crate) async fn put<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let id = source_id(&call)?;
    let body = input::json_body(call.request)?.ok_or_else(|| {
        ApiError::bad_request(
            "The request needs a JSON body {\"kind\": \"ics\", \"url\"} or {\"kind\": \"caldav\", \"url\", \"username\"?, \"password\"?}.",
        )
    })?;
    let (asked, password) = parse(&body, id)?;
    app.outbound().check_url(&asked.url).map_err(|refused| {
        ApiError::invalid_field("/url", refused.to_string().trim_end_matches('.'))
    })?;
    // Sealed before the write: the record never holds it as given.
    let sealed_password = match password {
        None => None,
        Some(password) => {
            let place = SecretPlace::calendar_password(call.caller.as_str(), id);
            Some(app.secrets().seal(password.as_bytes(), &place).await?)
        }
    };
    own_record::update(app, &call, |current, _| {
        let existing = current.calendar_source(id).is_some();
        if !existing && current.calendars.len() >= MAX_SOURCES {
            return Err(ApiError::new(
                ProblemKind::TooLarge,
                format!(
                    "You have {MAX_SOURCES} calendars, the most one user may; delete one first."
                ),
            ));
        }
        // The same calendar again: what its syncs found stays.
        let stored = match current.calendar_source(id) {
            Some(kept) if kept.kind == asked.kind && kept.url == asked.url => CalendarSource {
                username: asked.username.clone(),
                sealed_password: sealed_password.clone(),
                unsealed_password: None,
                owner_addresses: asked.owner_addresses.clone(),
                ..kept.clone()
            },
            _ => CalendarSource {
                sealed_password: sealed_password.clone(),
                ..asked.clone()
            },
        };
        Ok(current.with_calendar_source(stored))
    })
    .await?;
    // Listed for the scheduled sync (a user whose calendars are all gone is dropped by it).
    crate::calendar_sync::scheduled::enroll(app.store(), call.caller.as_str()).await?;
    synced(app, &call, id).await
}

pub(crate) async fn delete<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let id = source_id(&call)?;
    let record = own_record::read(app, &call.caller).await?;
    if record.calendar_source(id).is_none() {
        return Err(no_source(id).into());
    }
    own_record::update(app, &call, |current, _| {
        Ok(current.without_calendar_source(id))
    })
    .await?;
    Ok(message(StatusCode::OK, "Calendar deleted successfully"))
}

pub(crate) async fn sync<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let id = source_id(&call)?;
    let record = own_record::read(app, &call.caller).await?;
    let source = record.calendar_source(id).ok_or_else(|| no_source(id))?;
    let now = app.clock().now();
    if source
        .last_attempt
        .is_some_and(|at| now.saturating_sub(at) < MIN_FETCH_GAP)
    {
        return Ok(json_response(StatusCode::OK, &ShownSource::of(source)));
    }
    synced(app, &call, id).await
}

pub(crate) async fn busy<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let query = Query::of(call.request, &["from", "to"])?;
    let id = source_id(&call)?;
    let from = query.timestamp("from")?;
    let to = query.timestamp("to")?;
    let window = Interval::new(
        from.unwrap_or(Interval::ALL.start()),
        to.unwrap_or(Interval::ALL.end()),
    )
    .ok_or_else(|| ApiError::invalid_field("?to", "must be later than from"))?;
    let record = own_record::read(app, &call.caller).await?;
    let source = record.calendar_source(id).ok_or_else(|| no_source(id))?;
    let busy: Vec<ShownInterval> = source
        .busy
        .clip(window)
        .as_slice()
        .iter()
        .map(|interval| ShownInterval(*interval, None))
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "busy": busy })))
}

/// Syncs the caller's source `id` now and answers its entry.
async fn synced<S: AvailabilityStore>(app: &App<S>, call: &Call<'_, UserId>, id: &str) -> Handled {
    let now = app.clock().now();
    let source = sync_source(
        app.store(),
        app.outbound(),
        app.secrets(),
        call.caller.as_str(),
        id,
        now,
    )
    .await?
    .ok_or_else(|| no_source(id))?;
    Ok(json_response(StatusCode::OK, &ShownSource::of(&source)))
}

fn source_id<'c>(call: &'c Call<'_, UserId>) -> Result<&'c str, ApiError> {
    // The route's template names it.
    let id = call.parameter("source_id").unwrap_or_default();
    if !is_valid_source_id(id) {
        return Err(ApiError::bad_request(
            "A calendar's id is 1 to 63 characters: lowercase letters, digits and '-', not starting with '-'.",
        ));
    }
    Ok(id)
}

fn no_source(id: &str) -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        format!(
            "You have no calendar {}.",
            crate::domain::field_error::quoted(id)
        ),
    )
}

/// A `PUT`'s body as the source it stores (not synced yet), and the password it gives.
fn parse(body: &Value, id: &str) -> Result<(CalendarSource, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let object: &Map<String, Value> = input::expect_object(
        body,
        "",
        &["kind", "url", "username", "password", "owner_emails"],
        &mut errors,
    )
    .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let kind = match input::string_member(object, "", "kind", true, &mut errors) {
        Some("ics") => Some(SourceKind::Ics),
        Some("caldav") => Some(SourceKind::Caldav),
        Some(_) => {
            errors.push(FieldError::new("/kind", "must be \"ics\" or \"caldav\""));
            None
        }
        None => None,
    };
    let url = input::string_member(object, "", "url", true, &mut errors);
    if url.is_some_and(|url| url.len() > MAX_URL_BYTES) {
        errors.push(FieldError::new(
            "/url",
            format!("is longer than {MAX_URL_BYTES} bytes"),
        ));
    }
    let username = input::string_member(object, "", "username", false, &mut errors);
    let password = input::string_member(object, "", "password", false, &mut errors);
    if kind == Some(SourceKind::Ics) {
        for (name, given) in [("username", username), ("password", password)] {
            if given.is_some() {
                errors.push(FieldError::new(
                    format!("/{name}"),
                    "is only for a caldav calendar",
                ));
            }
        }
    }
    if username.is_some_and(|u| u.chars().count() > MAX_USERNAME_CHARS || u.contains(':')) {
        errors.push(FieldError::new(
            "/username",
            format!("must be at most {MAX_USERNAME_CHARS} characters, without ':'"),
        ));
    }
    if password.is_some_and(|p| p.chars().count() > MAX_PASSWORD_CHARS) {
        errors.push(FieldError::new(
            "/password",
            format!("is longer than {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let mut owner_emails = Vec::new();
    match object.get("owner_emails") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) if list.len() <= MAX_OWNER_ADDRESSES => {
            for (at, address) in list.iter().enumerate() {
                match address.as_str() {
                    Some(text) if text.contains('@') && text.len() <= MAX_ADDRESS_CHARS => {
                        owner_emails.push(text.trim().to_owned());
                    }
                    _ => errors.push(FieldError::new(
                        format!("/owner_emails/{at}"),
                        "must be an email address",
                    )),
                }
            }
        }
        Some(_) => errors.push(FieldError::new(
            "/owner_emails",
            format!("must be a list of at most {MAX_OWNER_ADDRESSES} email addresses"),
        )),
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let (Some(kind), Some(url)) = (kind, url) else {
        return Err(ApiError::bad_request("A calendar needs a kind and a url."));
    };
    let mut source = CalendarSource::new(id, kind, url);
    source.username = username.map(str::to_owned);
    source.owner_addresses = owner_emails;
    Ok((source, password.map(str::to_owned)))
}
