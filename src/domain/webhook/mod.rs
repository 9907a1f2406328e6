//! Webhooks: a user's subscriptions, the events a booking change makes for them (the outbox,
//! written in the same record as the change), how a delivery is signed (Standard Webhooks), and
//! what each delivery's answer does to the outbox. Pure: the API reads subscriptions into these
//! types, the store writes the records, and `crate::delivery` does the sending.
//!
//! - [`subscription`]: a webhook, its secret and its limits;
//! - [`event`]: the event body and its signature;
//! - [`outbox`]: the events a change records, and the retry schedule.

mod event;
mod outbox;
mod subscription;

pub use event::{SignedDelivery, event_body, signature};
pub use outbox::{
    Attempt, GIVE_UP_AFTER, MAX_PENDING_PER_WEBHOOK, OutboxEntry, RETRY_DELAYS, with_attempts,
    with_events,
};
pub use subscription::{
    EventKind, MAX_URL_BYTES, MAX_WEBHOOKS_PER_USER, SECRET_BYTES, SECRET_PREFIX, Webhook,
    is_valid_webhook_id, secret_bytes, secret_text,
};
