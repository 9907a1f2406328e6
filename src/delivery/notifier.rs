//! The `webhook-notifier` function's handler: DynamoDB Stream batches (a changed record: deliver
//! what it owes now) and scheduled events (re-drive the retries that have come due).
//!
//! The table's stream is `KEYS_ONLY`: a record names the changed item, and the notifier loads
//! the user's record with a strongly consistent read, so it always acts on the latest outbox,
//! never on a stale image. Only meta items matter (the event source mapping's filter passes
//! only those; the handler checks again). A user's failed delivery is no failed stream record:
//! its answer is written to the outbox for its retry. A record fails (and is reported in
//! `batchItemFailures`, so Lambda retries from it and finally hands it to the dead-letter queue)
//! only when its user's outbox could not be read or written.
//!
//! A retry due within [`SHORT_WAIT`] (the schedule's first, 5 s) is waited for in the same
//! invocation; later ones are left to the schedule, every minute, which asks the store for
//! users owing deliveries ([`AvailabilityStore::users_owing`]).

use super::{Pass, deliver_due, wall_clock};
use crate::domain::Millis;
use crate::observability::{Outcome, Telemetry, WorkOutcome};
use crate::outbound::Outbound;
use crate::secrets::Secrets;
use crate::store::AvailabilityStore;
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The longest wait for a retry inside one invocation (the function's timeout leaves room).
pub const SHORT_WAIT: Millis = 10_000;
/// Users one scheduled invocation re-drives; more wait for the next minute.
pub const USERS_PER_SCHEDULE: usize = 50;
/// What the work is called in logs and metrics.
pub const WORK_NAME: &str = "webhook-notifier";

/// What one invocation answers: for a stream batch, the records to retry.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct NotifierAnswer {
    #[serde(rename = "batchItemFailures")]
    pub batch_item_failures: Vec<ItemFailure>,
    /// Users looked at, and deliveries sent and failed (not part of Lambda's contract).
    #[serde(skip)]
    pub users: usize,
    #[serde(skip)]
    pub sent: usize,
    #[serde(skip)]
    pub failed: usize,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ItemFailure {
    #[serde(rename = "itemIdentifier")]
    pub item_identifier: String,
}

/// What an event asks of the notifier.
#[derive(Debug, PartialEq, Eq)]
pub enum NotifierEvent {
    /// Stream records of changed meta items: each user with the sequence numbers naming them.
    Changed(BTreeMap<String, Vec<String>>),
    /// The schedule: users owing deliveries, from the store.
    Scheduled,
}

impl NotifierEvent {
    /// The event `raw` is: a stream batch (`Records`, each from `aws:dynamodb`) or anything
    /// else Lambda hands over (the schedule's event), which re-drives what is due.
    pub fn of(raw: &Value) -> NotifierEvent {
        let Some(records) = raw.get("Records").and_then(Value::as_array) else {
            return NotifierEvent::Scheduled;
        };
        let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for record in records {
            let dynamodb = &record["dynamodb"];
            let key = |name: &str| dynamodb["Keys"][name]["S"].as_str();
            let is_meta = key("sk") == Some(crate::store::META_SORT_KEY);
            let removed = record["eventName"].as_str() == Some("REMOVE");
            let (Some(user), Some(sequence)) = (key("pk"), dynamodb["SequenceNumber"].as_str())
            else {
                continue;
            };
            if is_meta && !removed {
                users
                    .entry(user.to_owned())
                    .or_default()
                    .push(sequence.to_owned());
            }
        }
        NotifierEvent::Changed(users)
    }
}

/// The notifier: a store, the outbound rules, the key to secrets, and whether to wait for a retry due soon.
pub struct Notifier<'a, S> {
    pub store: &'a S,
    pub outbound: Outbound,
    /// Opens the webhooks' signing secrets.
    pub secrets: Secrets,
    /// Wait for retries due within [`SHORT_WAIT`] (the function does; tests drive time
    /// themselves).
    pub wait_for_short_retries: bool,
}

impl<S: AvailabilityStore> Notifier<'_, S> {
    /// Handles one event at `now()` (read again after a wait).
    pub async fn handle(&self, raw: &Value, now: impl Fn() -> Millis) -> NotifierAnswer {
        let mut answer = NotifierAnswer::default();
        let users: Vec<(String, Vec<String>)> = match NotifierEvent::of(raw) {
            NotifierEvent::Changed(users) => users.into_iter().collect(),
            NotifierEvent::Scheduled => {
                match self.store.users_owing(now(), USERS_PER_SCHEDULE).await {
                    Ok(users) => users.into_iter().map(|user| (user, Vec::new())).collect(),
                    Err(error) => {
                        tracing::error!(%error, "the outbox index could not be read");
                        answer.failed += 1;
                        return answer;
                    }
                }
            }
        };
        for (user, sequences) in users {
            answer.users += 1;
            match self.drain(&user, &now).await {
                Ok(pass) => {
                    answer.sent += pass.sent;
                    answer.failed += pass.failed;
                }
                Err(error) => {
                    tracing::error!(%error, user_id = user, "the outbox could not be read or written");
                    answer.batch_item_failures.extend(
                        sequences
                            .into_iter()
                            .map(|item_identifier| ItemFailure { item_identifier }),
                    );
                }
            }
        }
        answer
    }

    /// Delivers what `user` owes now, then (when waiting) what comes due within
    /// [`SHORT_WAIT`], once.
    async fn drain(
        &self,
        user: &str,
        now: &impl Fn() -> Millis,
    ) -> Result<Pass, crate::store::StoreError> {
        let mut pass = deliver_due(self.store, &self.outbound, &self.secrets, user, now()).await?;
        if !self.wait_for_short_retries {
            return Ok(pass);
        }
        if let Some(due) = pass.next_due
            && due.saturating_sub(now()) <= SHORT_WAIT
        {
            let wait = u64::try_from(due.saturating_sub(now())).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            let again = deliver_due(self.store, &self.outbound, &self.secrets, user, now()).await?;
            pass = Pass {
                sent: pass.sent + again.sent,
                failed: pass.failed + again.failed,
                next_due: again.next_due,
            };
        }
        Ok(pass)
    }
}

/// One invocation as the function runs it: handled on the system clock, measured, and logged
/// in one `invocation` line (deliveries sent and failed) with its store figures.
pub async fn serve<S: AvailabilityStore>(
    notifier: &Notifier<'_, S>,
    telemetry: &Telemetry,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    let record = telemetry.begin(Some(&event.context), None);
    let answer = record
        .measure(notifier.handle(&event.payload, wall_clock))
        .await;
    record.finish(
        telemetry,
        &Outcome::Work(WorkOutcome {
            work: WORK_NAME,
            items_handled: answer.sent as u64,
            items_failed: answer.failed as u64,
        }),
    );
    Ok(serde_json::to_value(&answer)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_meta_items_that_still_exist_name_users() {
        let record = |pk: &str, sk: &str, name: &str, seq: &str| {
            json!({"eventName": name, "eventSource": "aws:dynamodb",
                "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}, "SequenceNumber": seq}})
        };
        let event = json!({"Records": [
            record("ana", "meta", "MODIFY", "1"),
            record("ana", "month#e#2026-03", "MODIFY", "2"),
            record("bo", "meta", "REMOVE", "3"),
            record("ana", "meta", "MODIFY", "4"),
            record("rate#x", "w", "INSERT", "5"),
            record("cy", "meta", "INSERT", "6"),
        ]});
        let NotifierEvent::Changed(users) = NotifierEvent::of(&event) else {
            panic!("a stream batch");
        };
        assert_eq!(
            users.into_iter().collect::<Vec<_>>(),
            vec![
                ("ana".to_owned(), vec!["1".to_owned(), "4".to_owned()]),
                ("cy".to_owned(), vec!["6".to_owned()]),
            ]
        );
        let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event"});
        assert_eq!(NotifierEvent::of(&scheduled), NotifierEvent::Scheduled);
    }

    #[test]
    fn the_answer_is_lambdas_partial_batch_shape() {
        let answer = NotifierAnswer {
            batch_item_failures: vec![ItemFailure {
                item_identifier: "42".into(),
            }],
            users: 3,
            ..NotifierAnswer::default()
        };
        assert_eq!(
            serde_json::to_value(&answer).expect("JSON"),
            json!({"batchItemFailures": [{"itemIdentifier": "42"}]})
        );
    }
}
