//! `PUT` and `DELETE /webhooks/{webhook_id}`, `GET /webhooks`: where the caller's booking events
//! are delivered, kept in the caller's record. The signing secret is made here, shown in the
//! answer that creates the webhook and never again.

use super::own_record;
use crate::api::app::{App, Failure, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::api::response::{message, with_etag};
use crate::domain::UserId;
use crate::domain::sealed_secret::SecretPlace;
use crate::domain::timestamp::FormattedTimestamp;
use crate::domain::webhook::{
    EventKind, MAX_URL_BYTES, MAX_WEBHOOKS_PER_USER, SECRET_BYTES, Webhook, is_valid_webhook_id,
    secret_text,
};
use crate::outbound::Outbound;
use crate::store::AvailabilityStore;
use lambda_http::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// Creates the webhook `{webhook_id}` (with a new secret, shown in this answer only) or
/// replaces its URL and events (keeping its secret, and enabling it again if it was disabled).
pub(crate) async fn put<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let id = call.parameter("webhook_id").unwrap_or_default();
    if !is_valid_webhook_id(id) {
        return Err(ApiError::bad_request(
            "A webhook id is 1 to 63 characters: lowercase letters, digits, '-' and '_', not starting with '-' or '_'.",
        )
        .into());
    }
    let body = input::json_body(call.request)?.ok_or_else(|| {
        ApiError::bad_request("The request needs a JSON body {\"url\", \"events\": [...]}.")
    })?;
    let (url, events) = parse(&body, app.outbound())?;
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret)
        .map_err(|error| Failure::Unexpected(format!("no randomness: {error}").into()))?;
    // Sealed before the write (kept only if the webhook is new: an existing one keeps its own).
    let place = SecretPlace::webhook_secret(call.caller.as_str(), id);
    let sealed = app.secrets().seal(&secret, &place).await?;
    let now = app.clock().now();
    let mut stored = None;
    let version = own_record::update(app, &call, |current, if_match| {
        let existing = current.webhook(id);
        if_match.check(current, existing.is_some())?;
        if existing.is_none() && current.webhooks.len() >= MAX_WEBHOOKS_PER_USER {
            return Err(ApiError::new(
                ProblemKind::TooLarge,
                format!(
                    "You have {MAX_WEBHOOKS_PER_USER} webhooks, the most one user may; delete one first."
                ),
            ));
        }
        let webhook = Webhook {
            id: id.to_owned(),
            url: url.clone(),
            events: events.clone(),
            sealed_secret: existing.map_or_else(|| Some(sealed.clone()), |old| old.sealed_secret.clone()),
            unsealed_secret: existing.and_then(|old| old.unsealed_secret.clone()),
            created_at: existing.map_or(now, |old| old.created_at),
            disabled: None,
        };
        stored = Some((webhook.clone(), existing.is_none()));
        Ok(current.with_webhook(webhook))
    })
    .await?;
    let (webhook, created) = stored.ok_or_else(|| {
        Failure::Unexpected("the store wrote a webhook without running its change".into())
    })?;
    let shown = ShownWebhook::of(&webhook, created.then_some(&secret[..]));
    Ok(own_record::current(&shown, version))
}

/// The caller's webhooks, without their secrets.
pub(crate) async fn list<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let record = own_record::read(app, &call.caller).await?;
    #[derive(Serialize)]
    struct Listed<'a> {
        webhooks: Vec<ShownWebhook<'a>>,
    }
    let listed = Listed {
        webhooks: record
            .webhooks
            .iter()
            .map(|webhook| ShownWebhook::of(webhook, None))
            .collect(),
    };
    Ok(own_record::current(&listed, record.version))
}

/// Deletes the webhook and the deliveries it was still owed.
pub(crate) async fn delete<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let id = call.parameter("webhook_id").unwrap_or_default();
    let version = own_record::update(app, &call, |current, if_match| {
        current.webhook(id).ok_or_else(|| no_webhook(id))?;
        if_match.check(current, true)?;
        Ok(current.without_webhook(id))
    })
    .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Webhook deleted successfully"),
        version,
    ))
}

fn no_webhook(id: &str) -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        format!(
            "There is no webhook {}.",
            crate::domain::field_error::quoted(id)
        ),
    )
}

/// The body's URL (checked against the outbound rules by what its text says: scheme, no
/// credentials, a literal address; deliveries check resolved addresses again) and its distinct
/// events, in order.
fn parse(body: &Value, outbound: &Outbound) -> Result<(String, Vec<EventKind>), ApiError> {
    let mut errors = Vec::new();
    let object = input::expect_object(body, "", &["url", "events"], &mut errors)
        .ok_or_else(|| ApiError::invalid_fields(errors.clone()))?;
    let url = input::string_member(object, "", "url", true, &mut errors).and_then(|url| {
        if url.len() > MAX_URL_BYTES {
            errors.push(FieldError::new(
                "/url",
                format!("is longer than {MAX_URL_BYTES} bytes"),
            ));
            return None;
        }
        match outbound.check_url(url) {
            Ok(checked) => Some(checked.to_string()),
            Err(why) => {
                errors.push(FieldError::new("/url", why.to_string()));
                None
            }
        }
    });
    let names = EventKind::ALL.map(EventKind::name).join(", ");
    let mut events = Vec::new();
    match object.get("events") {
        Some(Value::Array(named)) if (1..=EventKind::ALL.len()).contains(&named.len()) => {
            for (index, name) in named.iter().enumerate() {
                match name.as_str().and_then(EventKind::parse) {
                    Some(kind) if events.contains(&kind) => errors.push(FieldError::new(
                        format!("/events/{index}"),
                        "names an event already listed",
                    )),
                    Some(kind) => events.push(kind),
                    None => errors.push(FieldError::new(
                        format!("/events/{index}"),
                        format!("must be one of {names}"),
                    )),
                }
            }
        }
        None | Some(Value::Null) => {
            errors.push(FieldError::new("/events", "is required"));
        }
        Some(_) => errors.push(FieldError::new(
            "/events",
            format!("must be an array of 1 to 3 distinct events of {names}"),
        )),
    }
    events.sort_unstable();
    match url {
        Some(url) if errors.is_empty() => Ok((url, events)),
        _ => Err(ApiError::invalid_fields(errors)),
    }
}

/// A webhook as its user reads it; the secret only in the answer that created it.
#[derive(Serialize)]
struct ShownWebhook<'a> {
    id: &'a str,
    url: &'a str,
    events: Vec<&'static str>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    /// `null` while deliveries go out; else when and why they stopped.
    disabled: Option<ShownDisabled<'a>>,
}

#[derive(Serialize)]
struct ShownDisabled<'a> {
    at: String,
    reason: &'a str,
}

impl<'a> ShownWebhook<'a> {
    /// `secret`: shown only in the answer that created it.
    fn of(webhook: &'a Webhook, secret: Option<&[u8]>) -> Self {
        ShownWebhook {
            id: &webhook.id,
            url: &webhook.url,
            events: webhook.events.iter().map(|kind| kind.name()).collect(),
            created_at: FormattedTimestamp::new(webhook.created_at)
                .as_str()
                .to_owned(),
            secret: secret.map(secret_text),
            disabled: webhook.disabled.as_ref().map(|disabled| ShownDisabled {
                at: FormattedTimestamp::new(disabled.at).as_str().to_owned(),
                reason: &disabled.reason,
            }),
        }
    }
}
