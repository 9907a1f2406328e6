//! A process-lifetime store: right for `cargo lambda watch` and tests, where one process
//! holds all the data; each Lambda instance would have its own.

use super::{
    AvailabilityStore, IntervalBudget, LoadError, Scope, StoreError, UserRecord, WriteError,
    next_record, record_within, rejoin, split_for,
};
use crate::domain::Interval;
use crate::observability::{Backend, store_call};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
pub struct MemoryStore {
    // Readers take a cheap `Arc` snapshot; a writer swaps in a new record under the lock,
    // so reads never see half a write and writes to one user are serialized.
    users: Mutex<HashMap<String, Arc<UserRecord>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn users(&self) -> Result<MutexGuard<'_, HashMap<String, Arc<UserRecord>>>, StoreError> {
        self.users
            .lock()
            .map_err(|_| StoreError::Internal("a writer panicked while holding the store".into()))
    }
}

impl AvailabilityStore for MemoryStore {
    async fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> Result<Arc<UserRecord>, LoadError> {
        store_call(Backend::Memory, "load", "memory", async {
            let record = self.users()?.get(user_id).cloned().unwrap_or_default();
            record_within(&record, window, budget)
        })
        .await
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
        store_call(Backend::Memory, "update", "memory", async {
            let mut users = self.users()?;
            let current = users.get(user_id).cloned().unwrap_or_default();
            // The change sees only its scope's part, as on every store.
            let (part, left_out) = split_for(&current, scope);
            let Some(next) = next_record(&part, expected_version, &mut change)? else {
                return Ok(current.version);
            };
            let version = next.version;
            users.insert(user_id.to_owned(), Arc::new(rejoin(next, &left_out)));
            Ok(version)
        })
        .await
    }
}
