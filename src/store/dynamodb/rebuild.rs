//! Rebuilds: a whole record written as a new epoch of month items with `BatchWriteItem`, then
//! committed by the meta item; and the deletion of an epoch no meta item names.

use super::client::{Backoff, count_capacity, internal, store_error};
use super::layout::{MonthSpan, epoch_key_range, month_items, partition};
use super::read::Snapshot;
use super::write::{MetaEpochs, Plan, WriteOutcome};
use super::{BATCH_WRITE_ITEMS, BATCHES_IN_FLIGHT, DynamoDbStore, MAX_WRITE_ATTEMPTS};
use crate::meter::{self, Backend, Cost, store_call};
use crate::store::{StoreError, UserRecord};
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, ReturnConsumedCapacity, WriteRequest};
use futures_util::{StreamExt, TryStreamExt, stream};

impl DynamoDbStore {
    /// Writes `next` (the whole record) as a new epoch of month items named `token`, then
    /// commits it with the meta item.
    pub(super) async fn rebuild(
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
                .client()
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
    pub(super) async fn delete_epoch(&self, user_id: &str, epoch: &str) {
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
