//! A process-lifetime store: right for `cargo lambda watch` and tests, where one process
//! holds all the data; each Lambda instance would have its own.

use super::{
    AvailabilityStore, IntervalBudget, LoadError, Scope, StoreError, UserRecord, WriteError,
    next_record, record_within, rejoin, split_for,
};
use super::{distinct_users, next_records};
use crate::domain::Interval;
use crate::meter::{Backend, store_call};
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

    /// Under the one lock, so every user's record changes together and nothing interleaves.
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
        store_call(Backend::Memory, "update_many", "memory", async {
            distinct_users(user_ids)?;
            let mut users = self.users()?;
            // Each change sees only its scope's part, as on every store.
            let (parts, left_out): (Vec<Arc<UserRecord>>, Vec<UserRecord>) = user_ids
                .iter()
                .map(|user_id| {
                    let current = users.get(*user_id).cloned().unwrap_or_default();
                    let (part, left_out) = split_for(&current, scope);
                    (Arc::new(part), left_out)
                })
                .unzip();
            let next = next_records(&parts, &mut change)?;
            let mut versions = Vec::with_capacity(user_ids.len());
            for (((user_id, part), left_out), next) in
                user_ids.iter().zip(&parts).zip(&left_out).zip(next)
            {
                match next {
                    Some(next) => {
                        versions.push(next.version);
                        users.insert((*user_id).to_owned(), Arc::new(rejoin(next, left_out)));
                    }
                    None => versions.push(part.version),
                }
            }
            Ok(versions)
        })
        .await
    }
}
