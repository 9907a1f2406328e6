//! A DynamoDB store: every Lambda instance reads and writes the same table.
//!
//! A user's intervals are kept by calendar month (see [`layout`]), so a request reads and
//! writes the months it is about, not the user's whole history:
//!
//! - **A read** is two strongly consistent `Query`s, one after the other: the meta item (with
//!   its chunks), then the month items of its window. Month items carry the version of the
//!   write that last wrote them, and a write that empties a month leaves a small item rather
//!   than deleting it; so a month item newer than the meta item the read saw means a write
//!   landed in between, and the read starts again. What a read answers is one version's state.
//! - **A write** reads the meta item and the months near its change ([`Scope`]), runs the
//!   change, and writes the meta item (conditioned on the version read) with exactly the months
//!   whose contents changed, in one `TransactWriteItems` (one `PutItem` when only the meta item
//!   changes). Two writes to one user, in one instance or many, never both commit on the same
//!   version: the loser reads again and retries.
//! - **A rebuild** is for writes too large for one transaction (100 items, 4 MB) and for a
//!   record of layout 1: the whole record is written as a new set of month items (an `epoch`)
//!   with `BatchWriteItem`, where no read looks yet, and then committed by the one conditional
//!   write of the meta item that names the new epoch. An attempt that lost its race deletes
//!   its epoch; the epoch a rebuild replaces is deleted by the next rebuild.
//!
//! A write's answer can be lost after it committed; the SDK then retries the same request, whose
//! version condition now fails. So each write attempt carries a random token, kept on the meta
//! item (the last [`layout::RECENT_WRITES`]). When a write lost its race, the read that follows
//! first looks for the tokens this update sent: one found means that attempt committed, and the
//! update answers as if its answer had arrived instead of applying the change again (which
//! would turn a DELETE into a 404, a current `If-Match` into a 412). Transactions also pass the
//! token as `ClientRequestToken`, DynamoDB's own retry idempotency (10 minutes).
//!
//! Every request asks for its consumed capacity, and the client counts each request's body
//! bytes both ways ([`crate::meter`]).

mod client;
mod layout;

pub use client::client_config;
pub use layout::{CHUNK_BYTES, PARTITION_KEY, SORT_KEY};

use self::client::{
    Backoff, CountAttempts, MeasuredRequests, count_capacity, internal, store_error, write_token,
};
use self::layout::{
    CHUNK_SORT_KEY_PREFIX, Item, META_SORT_KEY, Meta, MetaFields, MonthPart, MonthSpan,
    StoredMonth, chunk_key, epoch_key_range, meta_items, month_items, month_piece_keys, partition,
    read_meta, read_months, recent_writes,
};
use super::{
    AvailabilityStore, IntervalBudget, LoadError, Scope, StoreError, UserRecord, WriteError,
    distinct_users, next_record, next_records, record_within,
};
use crate::domain::time::Month;
use crate::domain::{Interval, IntervalSet};
use crate::meter::{self, Backend, Cost, store_call};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Put, PutRequest, ReturnConsumedCapacity,
    TransactWriteItem, WriteRequest,
};
use futures_util::{StreamExt, TryStreamExt, stream};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Attempts of a read-modify-write that keeps losing races before the caller hears 503. A writer
/// loses only when another one wins, so N writers racing on one user all finish within N
/// attempts; 25 is far more concurrent writes to one calendar than callers make. Waits stay
/// under about 4 s in all, inside the function's 10 s timeout.
const MAX_WRITE_ATTEMPTS: u32 = 25;
/// Reads of a user that kept meeting writes between their two queries.
const MAX_READ_ATTEMPTS: u32 = 4;
/// A user holding at most this many intervals keeps them all in the meta item (about 4 KB,
/// a read unit or two): one `Query` reads them and one `PutItem` writes them. Past it they
/// move into month items.
const INLINE_INTERVALS: usize = 250;
/// DynamoDB's limits on one transaction, with room for keys and attribute names in the bytes.
const MAX_TRANSACTION_ITEMS: usize = 100;
const MAX_TRANSACTION_BYTES: usize = 3_500_000;
/// `BatchWriteItem` takes at most 25 requests; a rebuild sends this many batches at once.
const BATCH_WRITE_ITEMS: usize = 25;
const BATCHES_IN_FLIGHT: usize = 4;

// Each SDK call's future is boxed (`Box::pin(...).await`): inline, its deep nesting inside the
// Lambda runtime's futures passes the compiler's layout depth limit. One allocation per network
// call costs nothing next to the call.

pub struct DynamoDbStore {
    client: Client,
    table: String,
}

/// What one read found: the meta item, and the month items of `span` by month.
struct Snapshot {
    meta: Meta,
    span: Option<MonthSpan>,
    months: BTreeMap<Month, StoredMonth>,
}

impl Snapshot {
    /// The part of the record an update within `scope` works on: the meta item's record and
    /// the months read, with the intervals not read counted in `held_elsewhere`.
    fn part(&self) -> UserRecord {
        let months = self.months.values().map(|month| &month.part);
        let slots = merged(
            &self.meta.record.slots,
            months.clone().map(|part| &part.slots),
        );
        let removed = merged(&self.meta.record.removed, months.map(|part| &part.removed));
        let held = slots.len() + removed.len();
        UserRecord {
            slots,
            removed,
            held_elsewhere: self.meta.intervals.saturating_sub(held),
            ..self.meta.record.clone()
        }
    }
}

enum WriteOutcome {
    Written,
    /// Another write got there first (the version condition failed): read again and retry.
    LostRace,
}

/// How a write goes to the table.
enum Plan {
    /// One conditional `PutItem` of the meta item.
    MetaOnly(Item),
    /// One `TransactWriteItems`.
    Transaction(Vec<TransactWriteItem>),
    /// More than one transaction holds: rewrite the whole record as a new epoch.
    Rebuild,
}

/// What a write's meta item says of the month items, besides its record.
struct MetaEpochs<'a> {
    epoch: Option<&'a str>,
    retired: Option<&'a str>,
    /// Every interval the user holds after the write.
    intervals: usize,
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
    /// A store on `table` through `client`, whose requests it measures (see [`meter`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let measured = client
            .config()
            .to_builder()
            .interceptor(CountAttempts)
            .interceptor(MeasuredRequests)
            .build();
        Self {
            client: Client::from_conf(measured),
            table: table.into(),
        }
    }

    /// A client configured from the environment (region, credentials, and `AWS_ENDPOINT_URL`,
    /// which points tests at a local server). Build it once per instance: it pools connections.
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::new(Client::from_conf(client_config().build()), table)
    }

    /// Every item of `user_id` whose sort key lies in `low..=high`, strongly consistent.
    async fn query(
        &self,
        user_id: &str,
        (low, high): (String, String),
        keys_only: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#sk", SORT_KEY)
            .expression_attribute_values(":pk", AttributeValue::S(user_id.to_owned()))
            .expression_attribute_values(":low", AttributeValue::S(low))
            .expression_attribute_values(":high", AttributeValue::S(high))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if keys_only {
            query = query.projection_expression("#pk, #sk");
        }
        let pages = query.into_paginator().send().try_collect();
        let pages = store_call(Backend::DynamoDb, "Query", &self.table, Box::pin(pages))
            .await
            .map_err(|error| store_error("Query", error))?;
        let mut items = Vec::new();
        for page in pages {
            count_capacity(page.consumed_capacity(), false);
            items.extend(page.items.unwrap_or_default());
        }
        meter::add(Cost::ItemsRead(items.len() as u64));
        Ok(items)
    }

    /// The meta item, then the month items of `span` (none without one).
    async fn read(&self, user_id: &str, span: Option<MonthSpan>) -> Result<Snapshot, StoreError> {
        let mut backoff = Backoff::new(MAX_READ_ATTEMPTS);
        loop {
            if let Some(snapshot) = self.try_read(user_id, span).await? {
                return Ok(snapshot);
            }
            meter::add(Cost::StoreRetry);
            if !backoff.wait().await {
                return Err(StoreError::Unavailable(format!(
                    "user {user_id} kept changing while it was read"
                )));
            }
        }
    }

    /// One read; `None` when a write landed between its queries.
    async fn try_read(
        &self,
        user_id: &str,
        span: Option<MonthSpan>,
    ) -> Result<Option<Snapshot>, StoreError> {
        let meta_range = (CHUNK_SORT_KEY_PREFIX.to_owned(), META_SORT_KEY.to_owned());
        let Some(meta) = read_meta(&self.query(user_id, meta_range, false).await?)? else {
            return Ok(None);
        };
        // A rolled-back deployment must not misread (and then overwrite) a newer layout.
        if meta.layout > layout::CURRENT_LAYOUT {
            return Err(StoreError::Internal(format!(
                "user {user_id} is stored in layout {}; this build reads layouts up to {}",
                meta.layout,
                layout::CURRENT_LAYOUT
            )));
        }
        let months = match (&meta.epoch, span) {
            (Some(epoch), Some(span)) => {
                let items = self.query(user_id, span.key_range(epoch), false).await?;
                let Some(months) = read_months(&items, meta.version)? else {
                    return Ok(None);
                };
                months
            }
            _ => BTreeMap::new(),
        };
        Ok(Some(Snapshot { meta, span, months }))
    }

    /// The writes that store `next` (the part `snapshot` read, changed) in place, or
    /// [`Plan::Rebuild`] when they do not fit one transaction.
    fn plan(
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
    fn meta_writes(
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
    fn conditional_put(
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
    fn version_check(
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

    fn transaction_of(
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

    async fn put_meta(&self, meta: Item, read_version: u64) -> Result<WriteOutcome, StoreError> {
        let (condition, values) = version_condition(read_version);
        let put = self
            .client
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

    async fn transact(
        &self,
        operations: Vec<TransactWriteItem>,
        token: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let items = operations.len() as u64;
        let transaction = self
            .client
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

    /// Writes `next` (the whole record) as a new epoch of month items named `token`, then
    /// commits it with the meta item.
    async fn rebuild(
        &self,
        user_id: &str,
        snapshot: &Snapshot,
        next: &UserRecord,
        token: &str,
    ) -> Result<WriteOutcome, StoreError> {
        if next.held_elsewhere != 0 {
            return Err(StoreError::Internal(format!(
                "a rebuild of {user_id} was handed a part, not the whole record"
            )));
        }
        let (meta_record, parts) = partition(next, MonthSpan::everything());
        let mut puts = Vec::new();
        for (month, part) in &parts {
            puts.extend(month_items(user_id, token, *month, next.version, part)?);
        }
        let requests = puts
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(internal)
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(requests).await?;
        let epochs = MetaEpochs {
            epoch: Some(token),
            retired: snapshot.meta.epoch.as_deref(),
            intervals: next.interval_count(),
        };
        let meta = self.meta_writes(user_id, &snapshot.meta, &meta_record, epochs, token)?;
        let outcome = match self.transaction_of(meta, Vec::new()) {
            Plan::MetaOnly(item) => self.put_meta(item, snapshot.meta.version).await?,
            Plan::Transaction(operations) => self.transact(operations, token).await?,
            Plan::Rebuild => {
                return Err(StoreError::Internal(format!(
                    "the meta record of {user_id} does not fit one transaction"
                )));
            }
        };
        if let WriteOutcome::Written = outcome
            && let Some(retired) = &snapshot.meta.retired_epoch
        {
            self.delete_epoch(user_id, retired).await;
        }
        Ok(outcome)
    }

    /// Sends `requests` in batches, again for what the table left unprocessed.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        let batches: Vec<Vec<WriteRequest>> = requests
            .chunks(BATCH_WRITE_ITEMS)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(batches)
            .map(|batch| self.write_batch(batch))
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect::<()>()
            .await
    }

    async fn write_batch(&self, mut batch: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut backoff = Backoff::new(MAX_WRITE_ATTEMPTS);
        loop {
            let count = batch.len() as u64;
            let write = self
                .client
                .batch_write_item()
                .request_items(&self.table, batch)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send();
            let output = store_call(
                Backend::DynamoDb,
                "BatchWriteItem",
                &self.table,
                Box::pin(write),
            )
            .await
            .map_err(|error| store_error("BatchWriteItem", error))?;
            output
                .consumed_capacity()
                .iter()
                .for_each(|consumed| count_capacity(Some(consumed), true));
            batch = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .unwrap_or_default();
            meter::add(Cost::ItemsWritten(count - batch.len() as u64));
            if batch.is_empty() {
                return Ok(());
            }
            meter::add(Cost::StoreRetry);
            if !backoff.wait().await {
                return Err(StoreError::Unavailable(
                    "BatchWriteItem kept leaving items unprocessed".into(),
                ));
            }
        }
    }

    /// Deletes every month item of `epoch`, which no meta item names any more. Best effort:
    /// what fails stays as unreachable items, and is logged.
    async fn delete_epoch(&self, user_id: &str, epoch: &str) {
        let deleted = async {
            let keys = self.query(user_id, epoch_key_range(epoch), true).await?;
            let requests = keys
                .into_iter()
                .map(|key| {
                    DeleteRequest::builder()
                        .set_key(Some(key))
                        .build()
                        .map(|delete| WriteRequest::builder().delete_request(delete).build())
                        .map_err(internal)
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.batch_write(requests).await
        };
        if let Err(error) = deleted.await {
            tracing::warn!(user_id, epoch, %error, "month items of a replaced epoch were not all deleted");
        }
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

/// The months a write within `scope` reads.
fn scope_span(scope: Scope) -> Option<MonthSpan> {
    match scope {
        Scope::NoIntervals => None,
        Scope::Near(range) => Some(MonthSpan::near(range)),
    }
}

/// Several users' changes that do not fit one transaction (100 items, 4 MB) together.
fn too_large_together<E>(user_ids: &[&str]) -> WriteError<E> {
    WriteError::TooLarge(format!(
        "The records of these {} users are, together, too large to change in one transaction",
        user_ids.len()
    ))
}

/// `base` with every set of `parts` added (they are disjoint from it and from each other).
fn merged<'a>(base: &IntervalSet, parts: impl Iterator<Item = &'a IntervalSet>) -> IntervalSet {
    let mut all: Vec<Interval> = base.as_slice().to_vec();
    for part in parts {
        all.extend_from_slice(part.as_slice());
    }
    IntervalSet::from_intervals(all)
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
fn write_bytes(write: &TransactWriteItem) -> usize {
    write.put.as_ref().map_or(64, |put| {
        put.item
            .values()
            .map(|value| value.as_b().map_or(32, |blob| blob.as_ref().len()))
            .sum()
    })
}

impl AvailabilityStore for DynamoDbStore {
    /// Reads the meta item and the months that `window` meets; keeps the window's part.
    async fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> Result<Arc<UserRecord>, LoadError> {
        let snapshot = self.read(user_id, window.map(MonthSpan::meeting)).await?;
        // The months read, with the meta item's intervals: what the window needs, kept as the
        // in-memory store keeps a whole record, then counted and clipped the same way.
        let read = UserRecord {
            held_elsewhere: 0,
            ..snapshot.part()
        };
        record_within(&Arc::new(read), window, budget)
    }

    async fn update<E, F>(
        &self,
        user_id: &str,
        expected_version: Option<u64>,
        scope: Scope,
        mut change: F,
    ) -> Result<u64, WriteError<E>>
    where
        E: Send,
        F: FnMut(&UserRecord) -> Result<UserRecord, E> + Send,
    {
        let mut backoff = Backoff::new(MAX_WRITE_ATTEMPTS);
        // (token, version written) of the attempts that lost their race, as far as we heard.
        let mut lost: Vec<(String, u64)> = Vec::new();
        // Epochs of rebuilds that lost their race, deleted once a read shows they did.
        let mut abandoned: Vec<String> = Vec::new();
        let mut scope = scope;
        loop {
            let span = scope_span(scope);
            let snapshot = self.read(user_id, span).await?;
            if let Some((_, version)) = lost
                .iter()
                .find(|(token, _)| snapshot.meta.recent_writes.contains(token))
            {
                // That attempt committed; its answer was lost and the SDK's retry failed.
                return Ok(*version);
            }
            for epoch in abandoned.drain(..) {
                self.delete_epoch(user_id, &epoch).await;
            }
            // Without month items (a small user, or a record of layout 1), the meta item holds
            // every interval: the part read is whole.
            let whole = scope == Scope::EVERYTHING || snapshot.meta.epoch.is_none();
            // A lost race re-reads, so an `expected_version` another write has passed meanwhile
            // ends here as a mismatch rather than being retried.
            let part = snapshot.part();
            let Some(next) = next_record(&part, expected_version, &mut change)? else {
                return Ok(snapshot.meta.version);
            };
            let token = write_token();
            let outcome = match self.plan(user_id, &snapshot, (&part, &next), &token)? {
                Plan::MetaOnly(meta) => self.put_meta(meta, snapshot.meta.version).await?,
                Plan::Transaction(operations) => self.transact(operations, &token).await?,
                // A rebuild writes the whole record: read it whole first.
                Plan::Rebuild if !whole => {
                    scope = Scope::EVERYTHING;
                    continue;
                }
                Plan::Rebuild => {
                    let outcome = self.rebuild(user_id, &snapshot, &next, &token).await?;
                    if let WriteOutcome::LostRace = outcome {
                        abandoned.push(token.clone());
                    }
                    outcome
                }
            };
            match outcome {
                WriteOutcome::Written => return Ok(next.version),
                WriteOutcome::LostRace => {
                    lost.push((token, next.version));
                    meter::add(Cost::StoreRetry);
                    if !backoff.wait().await {
                        return Err(StoreError::Unavailable(format!(
                            "writes to user {user_id} kept colliding"
                        ))
                        .into());
                    }
                }
            }
        }
    }

    async fn update_many<E, F>(
        &self,
        user_ids: &[&str],
        scope: Scope,
        mut change: F,
    ) -> Result<Vec<u64>, WriteError<E>>
    where
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E> + Send,
    {
        distinct_users(user_ids)?;
        let span = scope_span(scope);
        let mut backoff = Backoff::new(MAX_WRITE_ATTEMPTS);
        // (token, versions written) of the attempts that lost their race, as far as we heard.
        let mut lost: Vec<(String, Vec<u64>)> = Vec::new();
        loop {
            // Boxed and collected first: a closure's future borrowing its argument inside
            // `stream::iter` trips the compiler's check that this future is `Send`.
            let reads: Vec<_> = user_ids
                .iter()
                .map(|user_id| Box::pin(self.read(user_id, span)))
                .collect();
            let snapshots: Vec<Snapshot> = futures_util::future::try_join_all(reads).await?;
            // A transaction leaves its token on every meta item it writes.
            if let Some((_, versions)) = lost.iter().find(|(token, _)| {
                snapshots
                    .iter()
                    .any(|snapshot| snapshot.meta.recent_writes.contains(token))
            }) {
                return Ok(versions.clone());
            }
            let parts: Vec<Arc<UserRecord>> = snapshots
                .iter()
                .map(|snapshot| Arc::new(snapshot.part()))
                .collect();
            let next = next_records(&parts, &mut change)?;
            let versions: Vec<u64> = next
                .iter()
                .zip(&parts)
                .map(|(next, part)| next.as_ref().map_or(part.version, |next| next.version))
                .collect();
            if next.iter().all(Option::is_none) {
                return Ok(versions);
            }
            let token = write_token();
            let mut operations = Vec::new();
            for (((user_id, snapshot), part), next) in
                user_ids.iter().zip(&snapshots).zip(&parts).zip(&next)
            {
                let Some(next) = next else {
                    // Unchanged, but the change decided on it: it must still be as read.
                    operations.push(self.version_check(user_id, snapshot.meta.version)?);
                    continue;
                };
                match self.plan(user_id, snapshot, (part, next), &token)? {
                    Plan::MetaOnly(meta) => {
                        operations.push(self.conditional_put(meta, snapshot.meta.version)?);
                    }
                    Plan::Transaction(writes) => operations.extend(writes),
                    Plan::Rebuild => {
                        return Err(too_large_together(user_ids));
                    }
                }
            }
            let bytes: usize = operations.iter().map(write_bytes).sum();
            if operations.len() > MAX_TRANSACTION_ITEMS || bytes > MAX_TRANSACTION_BYTES {
                return Err(too_large_together(user_ids));
            }
            match self.transact(operations, &token).await? {
                WriteOutcome::Written => return Ok(versions),
                WriteOutcome::LostRace => {
                    lost.push((token, versions));
                    meter::add(Cost::StoreRetry);
                    if !backoff.wait().await {
                        return Err(StoreError::Unavailable(format!(
                            "writes to users {user_ids:?} kept colliding"
                        ))
                        .into());
                    }
                }
            }
        }
    }
}
