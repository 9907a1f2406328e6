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
use crate::domain::webhook::{Attempt, SignedDelivery, with_attempts};
use crate::outbound::{Outbound, OutboundRequest};
use crate::store::{AvailabilityStore, Scope, StoreError, WriteError};
use futures_util::{StreamExt, stream};
use http::header::{CONTENT_TYPE, HeaderName, USER_AGENT};
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
    /// Of those, the ones without a 2xx.
    pub failed: usize,
    /// When the user's next delivery is due, if one is still owed.
    pub next_due: Option<Millis>,
}

/// Sends every delivery `user_id`'s outbox has due at `now`, and records their answers.
pub async fn deliver_due<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    user_id: &str,
    now: Millis,
) -> Result<Pass, StoreError> {
    let record = store.load(user_id, None).await?;
    let due: Vec<(String, String, SignedDelivery)> = record
        .due_deliveries(now)
        .filter_map(|entry| {
            let webhook = record.webhook(&entry.webhook_id)?;
            // Signed as it leaves: the receiver checks the timestamp against its own clock.
            let signed = SignedDelivery::of(entry, &webhook.url, &webhook.secret, wall_clock());
            Some((entry.message_id.clone(), entry.webhook_id.clone(), signed))
        })
        .collect();
    if due.is_empty() {
        return Ok(Pass {
            next_due: record.next_delivery(),
            ..Pass::default()
        });
    }
    let attempts: Vec<(String, String, Attempt)> = stream::iter(due)
        .map(|(message_id, webhook_id, signed)| async move {
            let attempt = send(outbound, &signed).await;
            (message_id, webhook_id, attempt)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
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
            let next = with_attempts(current, &attempts, now);
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
        sent: attempts.len(),
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
