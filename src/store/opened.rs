//! One way for every binary to open its store from its [`Config`]: in memory when no table is
//! named, DynamoDB (with the `dynamodb` feature) when one is. An enum rather than a trait object:
//! [`AvailabilityStore`]'s methods are generic, so it has no `dyn` form.

use super::{
    AvailabilityStore, IntervalBudget, LoadError, MemoryStore, Scope, StoreError, UserRecord,
    WriteError,
};
use crate::config::Config;
use crate::domain::{Interval, Millis};
use std::sync::Arc;

#[cfg(feature = "dynamodb")]
use super::DynamoDbStore;

/// The store a [`Config`] names, serving every method as that store does.
pub enum OpenedStore {
    Memory(MemoryStore),
    #[cfg(feature = "dynamodb")]
    DynamoDb(DynamoDbStore),
}

/// The store `config` names: the DynamoDB table `TABLE_NAME` names, else a new one in memory.
/// Open it once per instance and share it with every invocation (a table's client pools its
/// connections).
pub async fn open(config: &Config) -> OpenedStore {
    match &config.table_name {
        #[cfg(feature = "dynamodb")]
        Some(table) => OpenedStore::DynamoDb(DynamoDbStore::from_env(table.clone()).await),
        // Without the `dynamodb` feature, `Config` refuses a TABLE_NAME: this is the unset case.
        _ => OpenedStore::Memory(MemoryStore::new()),
    }
}

impl AvailabilityStore for OpenedStore {
    async fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> Result<Arc<UserRecord>, LoadError> {
        match self {
            OpenedStore::Memory(store) => store.load_within(user_id, window, budget).await,
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => store.load_within(user_id, window, budget).await,
        }
    }

    async fn update<E, F>(
        &self,
        user_id: &str,
        expected_version: Option<u64>,
        scope: Scope,
        change: F,
    ) -> Result<u64, WriteError<E>>
    where
        E: Send,
        F: FnMut(&UserRecord) -> Result<UserRecord, E> + Send,
    {
        match self {
            OpenedStore::Memory(store) => {
                store.update(user_id, expected_version, scope, change).await
            }
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => {
                store.update(user_id, expected_version, scope, change).await
            }
        }
    }

    async fn update_many<E, F>(
        &self,
        user_ids: &[&str],
        scope: Scope,
        change: F,
    ) -> Result<Vec<u64>, WriteError<E>>
    where
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E> + Send,
    {
        match self {
            OpenedStore::Memory(store) => store.update_many(user_ids, scope, change).await,
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => store.update_many(user_ids, scope, change).await,
        }
    }

    async fn count_request(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
    ) -> Result<u64, StoreError> {
        match self {
            OpenedStore::Memory(store) => store.count_request(key, now, window).await,
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => store.count_request(key, now, window).await,
        }
    }

    async fn users_owing(&self, now: Millis, limit: usize) -> Result<Vec<String>, StoreError> {
        match self {
            OpenedStore::Memory(store) => store.users_owing(now, limit).await,
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => store.users_owing(now, limit).await,
        }
    }

    fn streams_changes(&self) -> bool {
        match self {
            OpenedStore::Memory(store) => store.streams_changes(),
            #[cfg(feature = "dynamodb")]
            OpenedStore::DynamoDb(store) => store.streams_changes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_table_the_store_is_in_memory_and_serves_as_one() {
        let store = open(&Config::from_lookup(|_| None).expect("valid")).await;
        assert!(matches!(store, OpenedStore::Memory(_)));
        let version = store
            .update("ana", None, Scope::EVERYTHING, |current| {
                Ok::<_, ()>(UserRecord {
                    slots: crate::domain::IntervalSet::from_intervals(vec![Interval::ALL]),
                    ..current.clone()
                })
            })
            .await
            .expect("written");
        let read = store.load("ana", None).await.expect("read");
        assert_eq!((version, read.version), (1, 1));
        let counted = store.count_request("k", 0, 1000).await.expect("counted");
        assert_eq!(counted, 1);
    }
}
