//! Webhook delivery inside the API's own process, for a store without a stream (the in-memory
//! store of `cargo lambda watch` and tests): the same delivery code the notifier function runs
//! (`crate::delivery`), started after each committed write that recorded events, and again when
//! a retry comes due.
//!
//! It runs beside the Lambda runtime's loop (`main` selects over both on one thread), not in
//! the request: the answer goes out first. `cargo lambda watch` keeps the process running
//! between requests, so deliveries and their retries proceed while it waits for the next one.
//! On Lambda itself an instance is frozen between invocations, which is why the deployed
//! function never delivers: the DynamoDB store `streams_changes`, and the notifier does it.

use super::app::App;
use crate::delivery::deliver_due;
use crate::domain::Millis;
use crate::store::AvailabilityStore;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::Notify;

/// When a pass over a user failed to read or write their record, the next try.
const RETRY_AFTER_STORE_FAILURE: Millis = 5_000;

/// Users owing deliveries, each with when their next one is due.
#[derive(Default)]
pub(crate) struct PendingDeliveries {
    due: Mutex<BTreeMap<String, Millis>>,
    wake: Notify,
}

impl PendingDeliveries {
    /// `user` owes a delivery at `at` (the earlier of this and what was known); the loop wakes.
    pub(crate) fn schedule(&self, user: &str, at: Millis) {
        if let Ok(mut due) = self.due.lock() {
            let entry = due.entry(user.to_owned()).or_insert(at);
            *entry = (*entry).min(at);
        }
        self.wake.notify_one();
    }

    /// The users due at `now`, taken off the list.
    fn take_due(&self, now: Millis) -> Vec<String> {
        let Ok(mut due) = self.due.lock() else {
            return Vec::new();
        };
        let ready: Vec<String> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(user, _)| user.clone())
            .collect();
        for user in &ready {
            due.remove(user);
        }
        ready
    }

    fn earliest(&self) -> Option<Millis> {
        self.due.lock().ok()?.values().min().copied()
    }
}

impl<S: AvailabilityStore> App<S> {
    /// Delivers webhook events in this process, for ever; at once pending for a store with a
    /// stream (its notifier delivers). `main` runs it beside the Lambda runtime.
    pub async fn deliver_in_process(&self) {
        if self.store().streams_changes() {
            return std::future::pending().await;
        }
        loop {
            let woken = self.pending.wake.notified();
            let now = self.clock().now();
            for user in self.pending.take_due(now) {
                match deliver_due(self.store(), self.outbound(), self.secrets(), &user, now).await {
                    Ok(pass) => {
                        if let Some(next) = pass.next_due {
                            self.pending.schedule(&user, next);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, user_id = user, "webhook deliveries wait for the store");
                        self.pending
                            .schedule(&user, now.saturating_add(RETRY_AFTER_STORE_FAILURE));
                    }
                }
            }
            match self.pending.earliest() {
                Some(at) => {
                    let wait = u64::try_from(at.saturating_sub(self.clock().now())).unwrap_or(0);
                    tokio::select! {
                        () = woken => {}
                        () = tokio::time::sleep(Duration::from_millis(wait)) => {}
                    }
                }
                None => woken.await,
            }
        }
    }
}
