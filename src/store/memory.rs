//! A process-lifetime store: right for `cargo lambda watch` and tests, where one process
//! holds all the data; each Lambda instance would have its own.

use super::{
    AvailabilityStore, IntervalBudget, LoadError, Scope, StoreError, UserRecord, WriteError,
    next_record, record_within, rejoin, split_for,
};
use super::{counter_window, distinct_users, next_records};
use crate::domain::{Interval, Millis};
use crate::meter::{Backend, store_call};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
pub struct MemoryStore {
    // Readers take a cheap `Arc` snapshot; a writer swaps in a new record under the lock,
    // so reads never see half a write and writes to one user are serialized.
    users: Mutex<HashMap<String, Arc<UserRecord>>>,
    // Apart from the users, so counting requests never waits for a write.
    counters: Mutex<Counters>,
}

/// Request counts by (key, window length, window start), holding only windows that have not
/// ended at the latest pruning, so they stay as many as the keys counted in current windows.
struct Counters {
    counts: HashMap<(String, Millis, Millis), u64>,
    /// The earliest end among the windows held (`Millis::MAX` when none): a call at or past it
    /// prunes.
    earliest_end: Millis,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            counts: HashMap::new(),
            earliest_end: Millis::MAX,
        }
    }
}

impl Counters {
    /// Counts one more request under `key` in the window of `window` ms from `start`, after
    /// dropping the windows that ended by `now`; the window's count.
    fn count(&mut self, key: &str, now: Millis, window: Millis, start: Millis) -> u64 {
        if now >= self.earliest_end {
            self.counts
                .retain(|&(_, length, from), _| from.saturating_add(length) > now);
            self.earliest_end = self
                .counts
                .keys()
                .map(|&(_, length, from)| from.saturating_add(length))
                .min()
                .unwrap_or(Millis::MAX);
        }
        self.earliest_end = self.earliest_end.min(start.saturating_add(window));
        let count = self
            .counts
            .entry((key.to_owned(), window, start))
            .or_insert(0);
        *count += 1;
        *count
    }
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

    /// A look at every record: the in-memory store holds one process's few users.
    async fn users_owing(&self, now: Millis, limit: usize) -> Result<Vec<String>, StoreError> {
        let users = self.users()?;
        let mut owing: Vec<(Millis, &String)> = users
            .iter()
            .filter_map(|(user, record)| Some((record.next_delivery()?, user)))
            .filter(|(due, _)| *due <= now)
            .collect();
        owing.sort();
        Ok(owing
            .into_iter()
            .take(limit)
            .map(|(_, user)| user.clone())
            .collect())
    }

    /// Under its own lock, so concurrent calls each count once.
    async fn count_request(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
    ) -> Result<u64, StoreError> {
        store_call(Backend::Memory, "count_request", "memory", async {
            let start = counter_window(key, now, window)?;
            let mut counters = self.counters.lock().map_err(|_| {
                StoreError::Internal("a counter panicked while holding the store".into())
            })?;
            Ok(counters.count(key, now, window, start))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ended_windows_are_pruned_and_current_ones_kept() {
        let store = MemoryStore::new();
        for key in ["a", "b", "c"] {
            assert_eq!(store.count_request(key, 500, 1000).await.ok(), Some(1));
        }
        // A longer window of the same key is another counter, and outlives the short ones.
        assert_eq!(store.count_request("a", 500, 10_000).await.ok(), Some(1));
        assert_eq!(store.counters.lock().expect("unpoisoned").counts.len(), 4);
        // At 1000 the first windows of 1 s have ended: only the long one and the new one stay.
        assert_eq!(store.count_request("a", 1000, 1000).await.ok(), Some(1));
        let counters = store.counters.lock().expect("unpoisoned");
        let mut held: Vec<_> = counters.counts.keys().cloned().collect();
        held.sort();
        assert_eq!(
            held,
            [("a".to_owned(), 1000, 1000), ("a".to_owned(), 10_000, 0)]
        );
        assert_eq!(counters.earliest_end, 2000);
    }

    #[tokio::test]
    async fn bad_keys_and_windows_are_refused() {
        let store = MemoryStore::new();
        let long = "k".repeat(super::super::MAX_COUNTER_KEY_BYTES + 1);
        for (key, window) in [("", 1000), (long.as_str(), 1000), ("k", 0), ("k", -5)] {
            assert!(matches!(
                store.count_request(key, 0, window).await,
                Err(StoreError::Internal(_))
            ));
        }
        let longest = "k".repeat(super::super::MAX_COUNTER_KEY_BYTES);
        assert_eq!(store.count_request(&longest, 0, 1000).await.ok(), Some(1));
    }
}
