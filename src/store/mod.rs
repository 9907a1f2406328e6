//! Where users' availability lives, behind one small trait so stores are interchangeable.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
mod memory;
mod opened;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbStore;
pub use memory::MemoryStore;
pub use opened::{OpenedStore, open};

use crate::domain::{Interval, IntervalSet, Millis, UserRecord};
use futures_util::{StreamExt, TryStreamExt, stream};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Loads of one request in flight at once: as many as `/overlap` has participants, so that a
/// request waits for one load's round trips, not for a queue of them. A DynamoDB load holds only
/// the months its window meets, plus the user's few intervals that cross a month's end.
pub const LOAD_CONCURRENCY: usize = 100;

/// What of a user's intervals an update reads and may change. Stores read only that part (the
/// DynamoDB store: the months it meets), so a write's cost follows its change, not the user's
/// history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// None: the change sees the version, the schedule and the other fields, and the count of
    /// intervals in `held_elsewhere`; it must leave slots and removed ranges alone.
    NoIntervals,
    /// Every stored interval that shares an instant with this range or touches it (a store may
    /// hand over more); the change may alter intervals only within the range.
    Near(Interval),
}

impl Scope {
    pub const EVERYTHING: Scope = Scope::Near(Interval::ALL);
}

/// The part of `record` that an update within `scope` works on (its intervals near the scope,
/// the rest counted in `held_elsewhere`), and the intervals it leaves out.
pub(crate) fn split_for(record: &UserRecord, scope: Scope) -> (UserRecord, UserRecord) {
    let (slots, removed, other_slots, other_removed) = match scope {
        Scope::NoIntervals => (
            IntervalSet::new(),
            IntervalSet::new(),
            record.slots.clone(),
            record.removed.clone(),
        ),
        Scope::Near(range) => {
            let (slots, other_slots) = record.slots.split_near(range);
            let (removed, other_removed) = record.removed.split_near(range);
            (slots, removed, other_slots, other_removed)
        }
    };
    let held_elsewhere = record.held_elsewhere + other_slots.len() + other_removed.len();
    let part = UserRecord {
        slots,
        removed,
        held_elsewhere,
        ..record.clone()
    };
    let left_out = UserRecord {
        slots: other_slots,
        removed: other_removed,
        ..UserRecord::default()
    };
    (part, left_out)
}

/// The whole record again: `changed` (a part from [`split_for`], after its change) with the
/// intervals that were left out of it.
pub(crate) fn rejoin(changed: UserRecord, left_out: &UserRecord) -> UserRecord {
    UserRecord {
        slots: changed.slots.union(&left_out.slots),
        removed: changed.removed.union(&left_out.removed),
        held_elsewhere: 0,
        ..changed
    }
}

/// The sort key of the item that holds a user's record (without its month items) on the
/// DynamoDB table: what the notifier looks for in the table's stream.
pub const META_SORT_KEY: &str = "meta";

/// The longest key [`AvailabilityStore::count_request`] takes, in bytes: callers build keys from
/// a route's name and a client's address (`public-writes#203.0.113.7`), far shorter.
pub const MAX_COUNTER_KEY_BYTES: usize = 200;

/// The start of the fixed window of `window` ms that `now` falls in (windows start at multiples
/// of `window` since the epoch), after checking the arguments of a `count_request` (every store
/// runs this, so they refuse the same calls): a key of 1 to [`MAX_COUNTER_KEY_BYTES`] bytes, a
/// window of at least 1 ms.
pub(crate) fn counter_window(key: &str, now: Millis, window: Millis) -> Result<Millis, StoreError> {
    if key.is_empty() || key.len() > MAX_COUNTER_KEY_BYTES {
        return Err(StoreError::Internal(format!(
            "a request counter's key must be 1 to {MAX_COUNTER_KEY_BYTES} bytes, not {}",
            key.len()
        )));
    }
    if window <= 0 {
        return Err(StoreError::Internal(format!(
            "a request counter's window must be at least 1 ms, not {window}"
        )));
    }
    Ok(now.div_euclid(window) * window)
}

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
    /// The records the change touches are, together, more than the store can write at once
    /// (the DynamoDB store: one transaction of 100 items and 4 MB); nothing written.
    TooLarge(String),
    Store(StoreError),
}

/// The record an update should write on top of `current` (the part its scope covers), or
/// `None` when `change` left it as it was (no write, same version). Every store runs this, so
/// they agree on the rules.
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
    next.held_elsewhere = current.held_elsewhere;
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

/// What a read within `window` sees of `record`: its version, schedule and bookings (with
/// consent and keys) whole, and its slots and removed ranges clipped to `window` (none without
/// one). Counted against `budget` before any
/// interval is copied; the whole record stays with the caller to drop.
pub(crate) fn record_within(
    record: &Arc<UserRecord>,
    window: Option<Interval>,
    budget: &IntervalBudget,
) -> Result<Arc<UserRecord>, LoadError> {
    let Some(window) = window else {
        budget.spend(0)?;
        return Ok(Arc::new(UserRecord {
            slots: IntervalSet::new(),
            removed: IntervalSet::new(),
            ..UserRecord::clone(record)
        }));
    };
    budget.spend(record.slots.count_meeting(window) + record.removed.count_meeting(window))?;
    if window == Interval::ALL {
        return Ok(Arc::clone(record));
    }
    Ok(Arc::new(UserRecord {
        slots: record.slots.clip(window),
        removed: record.removed.clip(window),
        ..UserRecord::clone(record)
    }))
}

impl<E> From<StoreError> for WriteError<E> {
    fn from(error: StoreError) -> Self {
        WriteError::Store(error)
    }
}

pub trait AvailabilityStore: Send + Sync + 'static {
    /// The user's current record within `window` (see [`record_within`]; the empty record for
    /// an unknown user), its intervals counted against `budget` before they are copied.
    /// Without a window: every field but the slots and removed ranges (bookings whole).
    fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> impl Future<Output = Result<Arc<UserRecord>, LoadError>> + Send;

    /// The user's current record within `window` (as [`AvailabilityStore::load_within`]),
    /// without a budget: for one user's own reads, which their per-user limit bounds.
    fn load(
        &self,
        user_id: &str,
        window: Option<Interval>,
    ) -> impl Future<Output = Result<Arc<UserRecord>, StoreError>> + Send {
        async move {
            let budget = IntervalBudget::unlimited();
            self.load_within(user_id, window, &budget)
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

    /// Atomically replaces the part of the user's record that `scope` covers with
    /// `change(part)` (see [`Scope`]; the rest of the record stays as it is): no other write to
    /// the same user can interleave, so no update is lost. `change` may run more than once (a
    /// store with optimistic concurrency retries it) and must not have side effects. With
    /// `expected_version`, the write happens only on top of that version. Returns the version
    /// now stored (unchanged when `change` returned an equal record).
    fn update<E, F>(
        &self,
        user_id: &str,
        expected_version: Option<u64>,
        scope: Scope,
        change: F,
    ) -> impl Future<Output = Result<u64, WriteError<E>>> + Send
    where
        E: Send,
        F: FnMut(&UserRecord) -> Result<UserRecord, E> + Send;

    /// Atomically replaces several users' records with `change(current records)`, one result
    /// per user in the order asked: all of them change together or none does, and no other
    /// write to any of them can interleave. `user_ids` must be distinct. `change` may run more
    /// than once and must not have side effects. Each record handed over is the part `scope`
    /// covers, as for [`AvailabilityStore::update`] (the rest stays as stored); bookings,
    /// consent and idempotency keys are always whole. A record `change` returns unchanged is
    /// not written and keeps its version. Returns each user's version now stored.
    fn update_many<E, F>(
        &self,
        user_ids: &[&str],
        scope: Scope,
        change: F,
    ) -> impl Future<Output = Result<Vec<u64>, WriteError<E>>> + Send
    where
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E> + Send;

    /// Counts one more request under `key` in the fixed window of `window` ms that `now` falls
    /// in (windows start at multiples of `window` since the epoch) and answers how many the
    /// window has counted, this one included. Atomic: concurrent calls, from one instance or
    /// many sharing the store, each count once and get distinct answers (on DynamoDB, an SDK
    /// retry after a lost answer counts its request again: a count may run high, never low).
    /// A window's count is kept at least until the window ends (the same key with another
    /// `window` length is another counter). Refuses (`Internal`) a key that is empty or longer
    /// than [`MAX_COUNTER_KEY_BYTES`], and a `window` under 1 ms.
    fn count_request(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Up to `limit` users whose outbox (`UserRecord::outbox`) has a delivery due at `now`, the
    /// longest due first as far as the store keeps an order. May lag a write by a moment (the
    /// DynamoDB store reads an index) and may name a user who owes nothing any more: callers
    /// load the record and look.
    fn users_owing(
        &self,
        now: Millis,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Whether the store's committed changes reach a delivery function of their own (the
    /// DynamoDB table's stream feeds the notifier); otherwise the API delivers in process.
    fn streams_changes(&self) -> bool {
        false
    }
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
            next.held_elsewhere = current.held_elsewhere;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_window_starts_at_a_multiple_of_its_length_since_the_epoch() {
        assert_eq!(counter_window("k", 0, 60_000).ok(), Some(0));
        assert_eq!(counter_window("k", 59_999, 60_000).ok(), Some(0));
        assert_eq!(counter_window("k", 60_000, 60_000).ok(), Some(60_000));
        assert_eq!(counter_window("k", -1, 60_000).ok(), Some(-60_000));
    }
}
