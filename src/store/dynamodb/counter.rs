//! Request counters: one small item per key and window, counted by one `UpdateItem`.
//!
//! The item of `key` in the window of `length` ms from `start` (ms since the epoch) has
//! `pk` = `rate#{key}` and `sk` = `window#{length}#{start}`, and holds `count` and
//! [`TTL_ATTRIBUTE`]: epoch seconds [`TTL_MARGIN_S`] after the window's end, when the table's
//! time to live (template.yaml) deletes it. A user's partition key is their user id, which holds
//! no `#`, so no counter shares a partition with a user. `ADD` creates the item at its first
//! count and is atomic, so callers on every instance count into one number.

use super::DynamoDbStore;
use super::client::{count_capacity, internal, store_error};
use super::layout::{PARTITION_KEY, SORT_KEY, number};
use crate::domain::Millis;
use crate::meter::{self, Backend, Cost, store_call};
use crate::store::{StoreError, counter_window};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue};

/// Starts every counter's partition key; `#` is not a character of user ids.
const COUNTER_PARTITION_PREFIX: &str = "rate#";
/// The attribute the table's time to live reads (template.yaml names the same).
pub const TTL_ATTRIBUTE: &str = "expires_at";
const COUNT: &str = "count";
/// How long a counter outlives its window: room for instances whose clocks run behind, which
/// still count into that window. DynamoDB deletes an expired item within a few days; until then
/// it only takes storage, since no caller's window names it any more.
const TTL_MARGIN_S: i64 = 3600;

/// The counter's partition key for `key`.
pub fn counter_partition(key: &str) -> String {
    format!("{COUNTER_PARTITION_PREFIX}{key}")
}

/// The counter's sort key for the window of `length` ms from `start`.
fn counter_sort_key(length: Millis, start: Millis) -> String {
    format!("window#{length}#{start}")
}

/// When the counter of the window of `length` ms from `start` may go: epoch seconds.
pub fn counter_expiry(length: Millis, start: Millis) -> i64 {
    let end_ms = start.saturating_add(length);
    end_ms
        .saturating_add(999)
        .div_euclid(1000)
        .saturating_add(TTL_MARGIN_S)
}

impl DynamoDbStore {
    /// One `UpdateItem` that adds 1 to the window's count and answers the new count.
    pub(super) async fn count_in_window(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
    ) -> Result<u64, StoreError> {
        let start = counter_window(key, now, window)?;
        let update = self
            .client()
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, AttributeValue::S(counter_partition(key)))
            .key(SORT_KEY, AttributeValue::S(counter_sort_key(window, start)))
            .update_expression("ADD #count :one SET #expires = :expires")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#expires", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":expires", number(counter_expiry(window, start)))
            .return_values(ReturnValue::UpdatedNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let output = store_call(
            Backend::DynamoDb,
            "UpdateItem",
            &self.table,
            Box::pin(update.send()),
        )
        .await
        .map_err(|error| store_error("UpdateItem", error))?;
        meter::add(Cost::ItemsWritten(1));
        count_capacity(output.consumed_capacity(), true);
        let count = output
            .attributes()
            .and_then(|attributes| attributes.get(COUNT))
            .and_then(|count| count.as_n().ok())
            .ok_or_else(|| internal(format!("UpdateItem of counter {key} answered no {COUNT}")))?;
        count
            .parse()
            .map_err(|_| internal(format!("counter {key} holds {COUNT} {count:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_keyed_apart_from_users_and_expire_after_their_window() {
        assert_eq!(
            counter_partition("public-writes#203.0.113.7"),
            "rate#public-writes#203.0.113.7"
        );
        assert_eq!(counter_sort_key(60_000, 120_000), "window#60000#120000");
        // The window 120 s to 180 s ends at second 180; a window ending mid-second rounds up.
        assert_eq!(counter_expiry(60_000, 120_000), 180 + TTL_MARGIN_S);
        assert_eq!(counter_expiry(1_500, 0), 2 + TTL_MARGIN_S);
    }

    #[test]
    fn no_user_id_can_be_a_counter_s_partition() {
        for key in ["public-writes#203.0.113.7", "a"] {
            assert!(crate::domain::UserId::parse(&counter_partition(key)).is_err());
        }
    }
}
