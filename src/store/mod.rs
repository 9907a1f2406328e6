//! Where users' availability lives, behind one small trait so stores are interchangeable.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
mod memory;
pub mod usage;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbStore;
pub use memory::MemoryStore;

use crate::domain::{Interval, IntervalSet, UserRecord};
use futures_util::{StreamExt, TryStreamExt, stream};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Loads of one request in flight at once. Each DynamoDB load of today's layout holds a whole
/// record (up to 1.6 MB, three copies while it is decoded), so this bounds a load's transient
/// memory at about 80 MB; 100 participants take ceil(100 / 16) = 7 round trips.
pub const LOAD_CONCURRENCY: usize = 16;

/// A failure of the store itself (not of the request): the unexpected, or a busy backend.
#[derive(Debug)]
pub enum StoreError {
    /// The backend asks callers to come back later (throttling, conflicts that kept losing).
    Unavailable(String),
    Internal(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "store unavailable: {why}"),
            StoreError::Internal(why) => write!(f, "store failure: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Why a write did not happen.
#[derive(Debug)]
pub enum WriteError<E> {
    /// The change itself refused (bad request, nothing to delete, a limit): nothing written.
    Rejected(E),
    /// The caller asked to write on top of a version that is no longer the current one.
    VersionMismatch {
        current: u64,
    },
    Store(StoreError),
}

/// The record an update should write on top of `current`, or `None` when `change` left it as
/// it was (no write, same version). Every store runs this, so they agree on the rules.
pub(crate) fn next_record<E>(
    current: &UserRecord,
    expected_version: Option<u64>,
    change: &mut impl FnMut(&UserRecord) -> Result<UserRecord, E>,
) -> Result<Option<UserRecord>, WriteError<E>> {
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(WriteError::VersionMismatch {
            current: current.version,
        });
    }
    let mut next = change(current).map_err(WriteError::Rejected)?;
    next.version = current.version;
    if next == *current {
        return Ok(None);
    }
    next.version += 1;
    Ok(Some(next))
}

/// Why a load did not answer.
#[derive(Debug)]
pub enum LoadError {
    /// The intervals within the window, counted before any was copied, exceed the budget.
    OverBudget {
        budget: usize,
    },
    Store(StoreError),
}

impl From<StoreError> for LoadError {
    fn from(error: StoreError) -> Self {
        LoadError::Store(error)
    }
}

/// How many stored intervals (slots and removed ranges, within the window) the loads of one
/// request may hold together; shared by loads running at once.
#[derive(Debug)]
pub struct IntervalBudget {
    limit: usize,
    spent: AtomicUsize,
}

impl IntervalBudget {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            spent: AtomicUsize::new(0),
        }
    }

    pub fn unlimited() -> Self {
        Self::new(usize::MAX)
    }

    /// Takes `count` from the budget, or refuses when the total would pass the limit.
    fn spend(&self, count: usize) -> Result<(), LoadError> {
        let before = self.spent.fetch_add(count, Ordering::Relaxed);
        match before.checked_add(count) {
            Some(total) if total <= self.limit => Ok(()),
            _ => Err(LoadError::OverBudget { budget: self.limit }),
        }
    }
}

/// What a read within `window` sees of `record`: its version and schedule, and its slots and
/// removed ranges clipped to `window` (none without one). Counted against `budget` before any
/// interval is copied; the whole record stays with the caller to drop.
pub(crate) fn record_within(
    record: &Arc<UserRecord>,
    window: Option<Interval>,
    budget: &IntervalBudget,
) -> Result<Arc<UserRecord>, LoadError> {
    let Some(window) = window else {
        budget.spend(0)?;
        return Ok(Arc::new(
            record.with_intervals(IntervalSet::new(), IntervalSet::new()),
        ));
    };
    budget.spend(record.slots.count_meeting(window) + record.removed.count_meeting(window))?;
    if window == Interval::ALL {
        return Ok(Arc::clone(record));
    }
    Ok(Arc::new(record.with_intervals(
        record.slots.clip(window),
        record.removed.clip(window),
    )))
}

impl<E> From<StoreError> for WriteError<E> {
    fn from(error: StoreError) -> Self {
        WriteError::Store(error)
    }
}

pub trait AvailabilityStore: Send + Sync + 'static {
    /// The user's current record within `window` (see [`record_within`]; the empty record for
    /// an unknown user), its intervals counted against `budget` before they are copied.
    /// Without a window: the version and the schedule only.
    fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> impl Future<Output = Result<Arc<UserRecord>, LoadError>> + Send;

    /// The user's whole current record.
    fn load(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Arc<UserRecord>, StoreError>> + Send {
        async move {
            let budget = IntervalBudget::unlimited();
            self.load_within(user_id, Some(Interval::ALL), &budget)
                .await
                .map_err(|error| match error {
                    LoadError::Store(error) => error,
                    LoadError::OverBudget { budget } => {
                        StoreError::Internal(format!("an unlimited budget of {budget} ran out"))
                    }
                })
        }
    }

    /// Several users' records within one window, in the order asked, with up to
    /// [`LOAD_CONCURRENCY`] loads in flight at once and one budget for them all: the first
    /// load that passes it ends the others.
    fn load_many(
        &self,
        user_ids: &[&str],
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> impl Future<Output = Result<Vec<Arc<UserRecord>>, LoadError>> + Send {
        let loads = user_ids
            .iter()
            .map(move |user_id| self.load_within(user_id, window, budget));
        stream::iter(loads).buffered(LOAD_CONCURRENCY).try_collect()
    }

    /// Atomically replaces the user's record with `change(current)`: no other write to the same
    /// user can interleave, so no update is lost. `change` may run more than once (a store with
    /// optimistic concurrency retries it) and must not have side effects. With
    /// `expected_version`, the write happens only on top of that version. Returns the version
    /// now stored (unchanged when `change` returned an equal record).
    fn update<E, F>(
        &self,
        user_id: &str,
        expected_version: Option<u64>,
        change: F,
    ) -> impl Future<Output = Result<u64, WriteError<E>>> + Send
    where
        E: Send,
        F: FnMut(&UserRecord) -> Result<UserRecord, E> + Send;

    /// Atomically replaces several users' records with `change(current records)`, one result
    /// per user in the order asked: all of them change together or none does, and no other
    /// write to any of them can interleave. `user_ids` must be distinct. `change` may run more
    /// than once and must not have side effects. `scope` is the time range the change reads
    /// and changes: a store may hand over only the slots and removed ranges that meet it (and
    /// keep the rest as stored); bookings, consent and idempotency keys are always whole. A
    /// record `change` returns unchanged is not written and keeps its version. Returns each
    /// user's version now stored.
    fn update_many<E, F>(
        &self,
        user_ids: &[&str],
        scope: Interval,
        change: F,
    ) -> impl Future<Output = Result<Vec<u64>, WriteError<E>>> + Send
    where
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E> + Send;
}

/// The records an `update_many` should write on top of `current` (`None` where `change` left
/// one as it was), checked for count. Every store runs this, so they agree on the rules.
pub(crate) fn next_records<E>(
    current: &[Arc<UserRecord>],
    change: &mut impl FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E>,
) -> Result<Vec<Option<UserRecord>>, WriteError<E>> {
    let changed = change(current).map_err(WriteError::Rejected)?;
    if changed.len() != current.len() {
        return Err(StoreError::Internal(format!(
            "a change of {} records returned {}",
            current.len(),
            changed.len()
        ))
        .into());
    }
    Ok(current
        .iter()
        .zip(changed)
        .map(|(current, mut next)| {
            next.version = current.version;
            (next != **current).then(|| {
                next.version += 1;
                next
            })
        })
        .collect())
}

/// A refusal of `user_ids` that name someone twice, which no store can write atomically.
pub(crate) fn distinct_users(user_ids: &[&str]) -> Result<(), StoreError> {
    let mut sorted = user_ids.to_vec();
    sorted.sort_unstable();
    match sorted.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(StoreError::Internal(format!(
            "update_many names user {} twice",
            pair[0]
        ))),
        None => Ok(()),
    }
}
