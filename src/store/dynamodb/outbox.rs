//! Finding the users whose outbox has a delivery due: a sparse global secondary index. A meta
//! item whose record owes deliveries carries `outbox_shard` (always `due`) and `outbox_due` (the
//! earliest attempt's time, ms); one without carries neither, so the index holds only users
//! with deliveries owed, in order of when they are due. The notifier's schedule queries it for
//! the retries a stream cannot wait for.

use super::DynamoDbStore;
use super::client::{count_capacity, store_error};
use super::layout::PARTITION_KEY;
use crate::domain::Millis;
use crate::meter::{self, Backend, Cost, store_call};
use crate::store::StoreError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};

/// The index's name; template.yaml declares the same.
pub const OUTBOX_INDEX: &str = "outbox-due";
/// The index's partition key: one value, `due`. Every owing user is in one index partition,
/// which a table of users owing deliveries at once (a few thousand) never strains.
pub const OUTBOX_SHARD: &str = "outbox_shard";
pub(super) const OUTBOX_SHARD_VALUE: &str = "due";
/// The index's sort key: when the user's earliest delivery is due, in ms since the epoch.
pub const OUTBOX_DUE: &str = "outbox_due";

impl DynamoDbStore {
    /// Up to `limit` users with a delivery due at `now`, the longest due first (one `Query` page
    /// of the index, keys only; eventually consistent, as every index read is).
    pub(super) async fn users_owing(
        &self,
        now: Millis,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(&self.table)
            .index_name(OUTBOX_INDEX)
            .key_condition_expression("#shard = :due AND #at <= :now")
            .expression_attribute_names("#shard", OUTBOX_SHARD)
            .expression_attribute_names("#at", OUTBOX_DUE)
            .expression_attribute_values(":due", AttributeValue::S(OUTBOX_SHARD_VALUE.into()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let output = store_call(
            Backend::DynamoDb,
            "Query",
            &self.table,
            Box::pin(query.send()),
        )
        .await
        .map_err(|error| store_error("Query", error))?;
        count_capacity(output.consumed_capacity(), false);
        let items = output.items.unwrap_or_default();
        meter::add(Cost::ItemsRead(items.len() as u64));
        let mut users: Vec<String> = items
            .iter()
            .filter_map(|item| item.get(PARTITION_KEY)?.as_s().ok().cloned())
            .collect();
        users.dedup();
        Ok(users)
    }
}
