//! Reads: the meta item, then the month items of a span, again when a write landed between.

use super::client::{Backoff, count_capacity, store_error};
use super::layout::{
    self, CHUNK_SORT_KEY_PREFIX, Item, META_SORT_KEY, Meta, MonthSpan, PARTITION_KEY, SORT_KEY,
    StoredMonth, read_meta, read_months,
};
use super::{DynamoDbStore, MAX_READ_ATTEMPTS};
use crate::domain::time::Month;
use crate::domain::{Interval, IntervalSet};
use crate::meter::{self, Backend, Cost, store_call};
use crate::store::{StoreError, UserRecord};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use std::collections::BTreeMap;

/// What one read found: the meta item, and the month items of `span` by month.
pub(super) struct Snapshot {
    pub(super) meta: Meta,
    pub(super) span: Option<MonthSpan>,
    pub(super) months: BTreeMap<Month, StoredMonth>,
}

impl Snapshot {
    /// The part of the record an update within `scope` works on: the meta item's record and
    /// the months read, with the intervals not read counted in `held_elsewhere`.
    pub(super) fn part(&self) -> UserRecord {
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

impl DynamoDbStore {
    /// Every item of `user_id` whose sort key lies in `low..=high`, strongly consistent.
    pub(super) async fn query(
        &self,
        user_id: &str,
        (low, high): (String, String),
        keys_only: bool,
    ) -> Result<Vec<Item>, StoreError> {
        let mut query = self
            .client()
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
    pub(super) async fn read(
        &self,
        user_id: &str,
        span: Option<MonthSpan>,
    ) -> Result<Snapshot, StoreError> {
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
    pub(super) async fn try_read(
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
}

/// `base` with every set of `parts` added (they are disjoint from it and from each other).
fn merged<'a>(base: &IntervalSet, parts: impl Iterator<Item = &'a IntervalSet>) -> IntervalSet {
    let mut all: Vec<Interval> = base.as_slice().to_vec();
    for part in parts {
        all.extend_from_slice(part.as_slice());
    }
    IntervalSet::from_intervals(all)
}
