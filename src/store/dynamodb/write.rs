//! Writes in place: the plan of one change (a `PutItem` of the meta item, or one
//! `TransactWriteItems` with the months it changes) and how the table answered it.

use super::client::{count_capacity, internal, store_error};
use super::layout::{
    self, Item, META_SORT_KEY, Meta, MetaFields, MonthPart, MonthSpan, chunk_key, meta_items,
    month_items, month_piece_keys, partition, recent_writes,
};
use super::read::Snapshot;
use super::{DynamoDbStore, INLINE_INTERVALS, MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ITEMS};
use crate::domain::time::Month;
use crate::meter::{self, Backend, Cost, store_call};
use crate::store::{StoreError, UserRecord};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
};
use std::collections::HashMap;

pub(super) enum WriteOutcome {
    Written,
    /// Another write got there first (the version condition failed): read again and retry.
    LostRace,
}

/// How a write goes to the table.
pub(super) enum Plan {
    /// One conditional `PutItem` of the meta item.
    MetaOnly(Item),
    /// One `TransactWriteItems`.
    Transaction(Vec<TransactWriteItem>),
    /// More than one transaction holds: rewrite the whole record as a new epoch.
    Rebuild,
}

/// What a write's meta item says of the month items, besides its record.
pub(super) struct MetaEpochs<'a> {
    pub(super) epoch: Option<&'a str>,
    pub(super) retired: Option<&'a str>,
    /// Every interval the user holds after the write.
    pub(super) intervals: usize,
}

impl<'a> MetaEpochs<'a> {
    /// As `read` says, for a write that changes no interval.
    fn kept(read: &'a Meta) -> Self {
        MetaEpochs {
            epoch: read.epoch.as_deref(),
            retired: read.retired_epoch.as_deref(),
            intervals: read.intervals,
        }
    }
}

impl DynamoDbStore {
    /// The writes that store `next` (the part `snapshot` read, changed) in place, or
    /// [`Plan::Rebuild`] when they do not fit one transaction.
    pub(super) fn plan(
        &self,
        user_id: &str,
        snapshot: &Snapshot,
        (part, next): (&UserRecord, &UserRecord),
        token: &str,
    ) -> Result<Plan, StoreError> {
        let meta = &snapshot.meta;
        let epochs = MetaEpochs {
            intervals: next.interval_count(),
            ..MetaEpochs::kept(meta)
        };
        // Without month items, everything stays in the meta item while the user is small, and
        // while a write leaves the intervals alone (a booking of a user written by layout 1
        // must not turn into moving their whole history).
        let stays_inline = meta.epoch.is_none()
            && (next.interval_count() <= INLINE_INTERVALS
                || (next.slots == part.slots && next.removed == part.removed));
        let Some(span) = snapshot.span.filter(|_| !stays_inline) else {
            let writes = self.meta_writes(user_id, meta, next, epochs, token)?;
            return Ok(self.transaction_of(writes, Vec::new()));
        };
        // Without month items, the meta item held every interval, so `next` is whole.
        let span = if meta.epoch.is_none() {
            MonthSpan::everything()
        } else {
            span
        };
        let (meta_record, parts) = partition(next, span);
        // A user's first month items start its first epoch, named by this write.
        let epoch = meta.epoch.clone().unwrap_or_else(|| token.to_owned());
        let mut month_writes = Vec::new();
        let empty = MonthPart::default();
        let mut months: Vec<&Month> = snapshot.months.keys().chain(parts.keys()).collect();
        months.sort_unstable();
        months.dedup();
        for &month in months {
            let before = snapshot.months.get(&month);
            let after = parts.get(&month).unwrap_or(&empty);
            if before.map_or(&empty, |stored| &stored.part) == after {
                continue;
            }
            let items = month_items(user_id, &epoch, month, next.version, after)?;
            let stale = before.map_or(0, |stored| stored.pieces);
            for key in month_piece_keys(user_id, &epoch, month, items.len()..stale) {
                month_writes.push(delete_of(&self.table, key)?);
            }
            for item in items {
                month_writes.push(put_of(&self.table, item)?);
            }
        }
        let epochs = MetaEpochs {
            epoch: (!month_writes.is_empty() || meta.epoch.is_some()).then_some(epoch.as_str()),
            retired: meta.retired_epoch.as_deref(),
            intervals: next.interval_count(),
        };
        let writes = self.meta_writes(user_id, meta, &meta_record, epochs, token)?;
        Ok(self.transaction_of(writes, month_writes))
    }

    /// The meta item's writes for `record` (the intervals that are not in month items) on top
    /// of `read`: the conditional put first, then its chunks and deletes of stale ones.
    pub(super) fn meta_writes(
        &self,
        user_id: &str,
        read: &Meta,
        record: &UserRecord,
        epochs: MetaEpochs<'_>,
        token: &str,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let fields = MetaFields {
            version: record.version,
            epoch: epochs.epoch,
            retired_epoch: epochs.retired,
            intervals: epochs.intervals,
            recent_writes: recent_writes(&read.recent_writes, token),
        };
        let stored = UserRecord {
            held_elsewhere: 0,
            ..record.clone()
        };
        let (meta, chunks) = meta_items(user_id, &stored, &fields)?;
        let mut writes = vec![self.conditional_put(meta, read.version)?];
        for stale in chunks.len() + 1..=read.chunk_items {
            writes.push(delete_of(&self.table, chunk_key(user_id, stale))?);
        }
        for chunk in chunks {
            writes.push(put_of(&self.table, chunk)?);
        }
        Ok(writes)
    }

    /// A put of the meta item that happens only on top of `read_version`.
    pub(super) fn conditional_put(
        &self,
        meta: Item,
        read_version: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let (condition, values) = version_condition(read_version);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(meta))
            .condition_expression(condition)
            .expression_attribute_names("#version", "version")
            .set_expression_attribute_values(values);
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(internal)?)
            .build())
    }

    /// A check, inside a transaction, that the user's meta item is still at `read_version`.
    pub(super) fn version_check(
        &self,
        user_id: &str,
        read_version: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let (condition, values) = version_condition(read_version);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(layout::key(user_id, META_SORT_KEY)))
            .condition_expression(condition)
            .expression_attribute_names("#version", "version")
            .set_expression_attribute_values(values);
        Ok(TransactWriteItem::builder()
            .condition_check(check.build().map_err(internal)?)
            .build())
    }

    pub(super) fn transaction_of(
        &self,
        mut meta: Vec<TransactWriteItem>,
        months: Vec<TransactWriteItem>,
    ) -> Plan {
        if meta.len() == 1
            && months.is_empty()
            && let Some(put) = meta.pop().and_then(|write| write.put)
        {
            return Plan::MetaOnly(put.item);
        }
        meta.extend(months);
        let bytes: usize = meta.iter().map(write_bytes).sum();
        if meta.len() > MAX_TRANSACTION_ITEMS || bytes > MAX_TRANSACTION_BYTES {
            return Plan::Rebuild;
        }
        Plan::Transaction(meta)
    }

    pub(super) async fn put_meta(
        &self,
        meta: Item,
        read_version: u64,
    ) -> Result<WriteOutcome, StoreError> {
        let (condition, values) = version_condition(read_version);
        let put = self
            .client()
            .put_item()
            .table_name(&self.table)
            .set_item(Some(meta))
            .condition_expression(condition)
            .expression_attribute_names("#version", "version")
            .set_expression_attribute_values(values)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let result = store_call(
            Backend::DynamoDb,
            "PutItem",
            &self.table,
            Box::pin(put.send()),
        )
        .await;
        match result {
            Ok(output) => {
                meter::add(Cost::ItemsWritten(1));
                count_capacity(output.consumed_capacity(), true);
                Ok(WriteOutcome::Written)
            }
            Err(error) => match error.as_service_error() {
                Some(
                    PutItemError::ConditionalCheckFailedException(_)
                    | PutItemError::TransactionConflictException(_),
                ) => Ok(WriteOutcome::LostRace),
                _ => Err(store_error("PutItem", error)),
            },
        }
    }

    pub(super) async fn transact(
        &self,
        operations: Vec<TransactWriteItem>,
        token: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let items = operations.len() as u64;
        let transaction = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(operations))
            .client_request_token(token)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let result = store_call(
            Backend::DynamoDb,
            "TransactWriteItems",
            &self.table,
            Box::pin(transaction),
        )
        .await;
        let error = match result {
            Ok(output) => {
                meter::add(Cost::ItemsWritten(items));
                output
                    .consumed_capacity()
                    .iter()
                    .for_each(|consumed| count_capacity(Some(consumed), true));
                return Ok(WriteOutcome::Written);
            }
            Err(error) => error,
        };
        // A retry that met our own transaction (same token) still running: the re-read finds
        // the token once it commits, and the version condition stops a second application.
        if let Some(TransactWriteItemsError::TransactionInProgressException(_)) =
            error.as_service_error()
        {
            return Ok(WriteOutcome::LostRace);
        }
        if let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
            error.as_service_error()
        {
            let codes: Vec<&str> = canceled
                .cancellation_reasons()
                .iter()
                .filter_map(|reason| reason.code())
                .collect();
            if codes
                .iter()
                .any(|code| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict"))
            {
                return Ok(WriteOutcome::LostRace);
            }
            if codes
                .iter()
                .any(|code| matches!(*code, "ThrottlingError" | "ProvisionedThroughputExceeded"))
            {
                return Err(StoreError::Unavailable(format!(
                    "TransactWriteItems throttled: {codes:?}"
                )));
            }
        }
        Err(store_error("TransactWriteItems", error))
    }
}

/// The condition that a user's meta item is still at the version a read saw (no meta item
/// for version 0), with its values: every write and check of a meta item carries it.
fn version_condition(read_version: u64) -> (&'static str, Option<HashMap<String, AttributeValue>>) {
    match read_version {
        0 => ("attribute_not_exists(#version)", None),
        version => (
            "#version = :read_version",
            Some(HashMap::from([(
                ":read_version".to_owned(),
                layout::number(version),
            )])),
        ),
    }
}

fn put_of(table: &str, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .build()
        .map_err(internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn delete_of(table: &str, key: Item) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .build()
        .map_err(internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// About the bytes a write carries: its binary data (names and keys are small beside it).
pub(super) fn write_bytes(write: &TransactWriteItem) -> usize {
    write.put.as_ref().map_or(64, |put| {
        put.item
            .values()
            .map(|value| value.as_b().map_or(32, |blob| blob.as_ref().len()))
            .sum()
    })
}
