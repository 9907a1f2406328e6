//! Where users' availability lives, behind one small trait so stores are interchangeable.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
mod memory;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbStore;
pub use memory::MemoryStore;

use crate::domain::UserRecord;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

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

impl<E> From<StoreError> for WriteError<E> {
    fn from(error: StoreError) -> Self {
        WriteError::Store(error)
    }
}

pub trait AvailabilityStore: Send + Sync + 'static {
    /// The user's current record (the empty record for an unknown user).
    fn load(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Arc<UserRecord>, StoreError>> + Send;

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
}
