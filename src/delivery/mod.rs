//! Webhook delivery: the one code that sends what a user's outbox owes and records the answers.
//! Two callers run it after a booking change has committed:
//!
//! - deployed, the `webhook-notifier` function ([`notifier`]): the table's stream names each
//!   changed record, and a schedule re-drives the retries a stream cannot wait for;
//! - locally, on the in-memory store, the API's own process (`App::deliver_in_process`), which
//!   `cargo lambda watch` keeps running between requests.
//!
//! Each pass over a user loads their record, sends every delivery due (signed at the moment it
//! is sent, at most [`IN_FLIGHT`] at once, each bounded by `src/outbound`'s time and size
//! limits: 10 s, 64 KiB of answer, no redirects), then writes every answer back in one update of the record (`with_attempts`), so a
//! booking written meanwhile is not lost. At least once: a pass that crashes between its
//! sending and its write sends again.

pub mod notifier;

use crate::domain::Millis;
use crate::domain::sealed_secret::{SealedSecret, SecretPlace};
use crate::domain::webhook::{Attempt, OutboxEntry, SignedDelivery, Webhook, with_attempts};
use crate::outbound::{Outbound, OutboundRequest};
use crate::secrets::{Secrets, SecretsError};
use crate::store::{AvailabilityStore, Scope, StoreError, WriteError};
use futures_util::{StreamExt, stream};
use http::header::{CONTENT_TYPE, HeaderName, USER_AGENT};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Deliveries of one user sent at once.
pub const IN_FLIGHT: usize = 4;
/// How long one delivery may take, whole; a receiver should answer at once and work later.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

const WEBHOOK_ID: HeaderName = HeaderName::from_static("webhook-id");
const WEBHOOK_TIMESTAMP: HeaderName = HeaderName::from_static("webhook-timestamp");
const WEBHOOK_SIGNATURE: HeaderName = HeaderName::from_static("webhook-signature");

/// What one pass over a user did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Deliveries sent.
    pub sent: usize,
    /// Deliveries that did not arrive: sent without a 2xx, or not sent because their
    /// webhook's secret did not open.
    pub failed: usize,
    /// When the user's next delivery is due, if one is still owed.
    pub next_due: Option<Millis>,
}

/// Sends every delivery `user_id`'s outbox has due at `now`, and records their answers.
pub async fn deliver_due<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    secrets: &Secrets,
    user_id: &str,
    now: Millis,
) -> Result<Pass, StoreError> {
    let record = store.load(user_id, None).await?;
    let due: Vec<&OutboxEntry> = record.due_deliveries(now).collect();
    if due.is_empty() {
        return Ok(Pass {
            next_due: record.next_delivery(),
            ..Pass::default()
        });
    }
    // Each webhook's secret, opened once per pass, and sealed if it was stored as given.
    let mut keys: HashMap<&str, Result<Vec<u8>, SecretsError>> = HashMap::new();
    let mut resealed: HashMap<String, SealedSecret> = HashMap::new();
    for entry in &due {
        let Some(webhook) = record.webhook(&entry.webhook_id) else {
            continue;
        };
        if keys.contains_key(webhook.id.as_str()) {
            continue;
        }
        let place = SecretPlace::webhook_secret(user_id, &webhook.id);
        let key = match (&webhook.sealed_secret, &webhook.unsealed_secret) {
            (Some(sealed), _) => secrets.open(sealed, &place).await,
            (None, Some(unsealed)) => {
                if let Ok(sealed) = secrets.seal(unsealed, &place).await {
                    resealed.insert(webhook.id.clone(), sealed);
                }
                Ok(unsealed.clone())
            }
            (None, None) => Err(SecretsError::Refused("the webhook has no secret".into())),
        };
        keys.insert(&webhook.id, key);
    }
    let mut attempts: Vec<(String, String, Attempt)> = Vec::new();
    let mut signed_deliveries = Vec::new();
    for entry in due {
        let (Some(webhook), Some(key)) = (
            record.webhook(&entry.webhook_id),
            keys.get(entry.webhook_id.as_str()),
        ) else {
            continue;
        };
        let ids = (entry.message_id.clone(), entry.webhook_id.clone());
        match key {
            // Signed as it leaves: the receiver checks the timestamp against its own clock.
            Ok(key) => signed_deliveries.push((
                ids,
                SignedDelivery::of(entry, &webhook.url, key, wall_clock()),
            )),
            // Not sent, and retried on the usual schedule (given up on as any failure is).
            Err(why) => attempts.push((
                ids.0,
                ids.1,
                Attempt::Failed(format!("the signing secret could not be opened: {why}")),
            )),
        }
    }
    let sent_attempts: Vec<(String, String, Attempt)> = stream::iter(signed_deliveries)
        .map(|((message_id, webhook_id), signed)| async move {
            let attempt = send(outbound, &signed).await;
            (message_id, webhook_id, attempt)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let sent = sent_attempts.len();
    attempts.extend(sent_attempts);
    let failed = attempts
        .iter()
        .filter(|(_, _, attempt)| *attempt != Attempt::Delivered)
        .count();
    for (message_id, webhook_id, attempt) in &attempts {
        match attempt {
            Attempt::Delivered => tracing::info!(user_id, webhook_id, message_id, "delivered"),
            other => {
                tracing::warn!(user_id, webhook_id, message_id, attempt = ?other, "delivery failed")
            }
        }
    }
    let mut next_due = None;
    store
        .update(user_id, None, Scope::NoIntervals, |current| {
            let mut next = with_attempts(current, &attempts, now);
            for (id, sealed) in &resealed {
                if let Some(webhook) = next.webhook(id).filter(|kept| kept.sealed_secret.is_none())
                {
                    let sealed_now = Webhook {
                        sealed_secret: Some(sealed.clone()),
                        unsealed_secret: None,
                        ..webhook.clone()
                    };
                    next = next.with_webhook(sealed_now);
                }
            }
            next_due = next.next_delivery();
            Ok::<_, Infallible>(next)
        })
        .await
        .map_err(|error| match error {
            WriteError::Store(error) => error,
            WriteError::TooLarge(why) => StoreError::Internal(why),
            WriteError::VersionMismatch { .. } | WriteError::Rejected(_) => {
                StoreError::Internal("an unconditional write of deliveries was refused".into())
            }
        })?;
    Ok(Pass {
        sent,
        failed,
        next_due,
    })
}

/// One attempt: a 2xx delivers, a 410 asks to stop, anything else is a failure to retry.
async fn send(outbound: &Outbound, delivery: &SignedDelivery) -> Attempt {
    let mut request = OutboundRequest::post(&delivery.url, delivery.body.clone().into_bytes())
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, "availability-api-webhooks/1")
        .header(WEBHOOK_ID, &delivery.id)
        .header(WEBHOOK_TIMESTAMP, &delivery.timestamp.to_string())
        .header(WEBHOOK_SIGNATURE, &delivery.signature);
    request.timeout = DELIVERY_TIMEOUT;
    match outbound.send(request).await {
        Ok(answer) if answer.status.is_success() => Attempt::Delivered,
        Ok(answer) if answer.status == http::StatusCode::GONE => Attempt::Gone,
        Ok(answer) => Attempt::Failed(format!("the receiver answered {}", answer.status)),
        Err(error) => Attempt::Failed(error.to_string()),
    }
}

/// Now, by the system clock, in ms.
pub fn wall_clock() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            Millis::try_from(since.as_millis()).unwrap_or(Millis::MAX)
        })
}
