//! A DynamoDB store: every Lambda instance reads and writes the same table.
//!
//! A user's intervals are kept by calendar month (see [`layout`]), so a request reads and
//! writes the months it is about, not the user's whole history:
//!
//! - **A read** (`read.rs`) is two strongly consistent `Query`s, one after the other: the meta item
//!   (with its chunks), then the month items of its window. Month items carry the version of the
//!   write that last wrote them, and a write that empties a month leaves a small item rather than
//!   deleting it; so a month item newer than the meta item the read saw means a write landed in
//!   between, and the read starts again. What a read answers is one version's state.
//! - **A write** (`write.rs`) reads the meta item and the months near its change ([`Scope`]), runs
//!   the change, and writes the meta item (conditioned on the version read) with exactly the months
//!   whose contents changed, in one `TransactWriteItems` (one `PutItem` when only the meta item
//!   changes). Two writes to one user, in one instance or many, never both commit on the same
//!   version: the loser reads again and retries.
//! - **A rebuild** (`rebuild.rs`) is for writes too large for one transaction (100 items, 4 MB) and
//!   for a record of layout 1: the whole record is written as a new set of month items (an `epoch`)
//!   with `BatchWriteItem`, where no read looks yet, and then committed by the one conditional
//!   write of the meta item that names the new epoch. An attempt that lost its race deletes its
//!   epoch; the epoch a rebuild replaces is deleted by the next rebuild.
//!
//! A write's answer can be lost after it committed; the SDK then retries the same request, whose
//! version condition now fails. So each write attempt carries a random token, kept on the meta
//! item (the last [`layout::RECENT_WRITES`]). When a write lost its race, the read that follows
//! first looks for the tokens this update sent: one found means that attempt committed, and the
//! update answers as if its answer had arrived instead of applying the change again (which
//! would turn a DELETE into a 404, a current `If-Match` into a 412). Transactions also pass the
//! token as `ClientRequestToken`, DynamoDB's own retry idempotency (10 minutes).
//!
//! **Request counters** (`counter.rs`, [`AvailabilityStore::count_request`]) are small items
//! in partitions of their own (`rate#{key}`), one per key and window, each counted by one
//! `UpdateItem` (`ADD`) and deleted by the table's time to live after its window.
//!
//! Every request asks for its consumed capacity, and the client counts each request's body
//! bytes both ways ([`crate::meter`]).

mod client;
mod counter;
mod layout;
mod outbox;
mod read;
mod rebuild;
mod write;

pub use client::client_config;
pub use counter::{TTL_ATTRIBUTE, counter_expiry, counter_partition};
pub use layout::{CHUNK_BYTES, PARTITION_KEY, SORT_KEY};
pub use outbox::{OUTBOX_DUE, OUTBOX_INDEX, OUTBOX_SHARD};

use self::client::{Backoff, CountAttempts, MeasuredRequests, write_token};
use self::layout::MonthSpan;
use self::read::Snapshot;
use self::write::{Plan, WriteOutcome, write_bytes};
use super::{
    AvailabilityStore, IntervalBudget, LoadError, Scope, StoreError, UserRecord, WriteError,
    distinct_users, next_record, next_records, record_within,
};
use crate::domain::{Interval, Millis};
use crate::meter::{self, Cost};
use aws_sdk_dynamodb::Client;
use std::sync::{Arc, OnceLock};

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
    /// Built on the store's first request (see [`DynamoDbStore::from_env`]).
    client: OnceLock<Client>,
    table: String,
}

impl DynamoDbStore {
    /// A store on `table` through `client`, whose requests it measures (see [`meter`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client: OnceLock::from(measured(client.config().to_builder())),
            table: table.into(),
        }
    }

    /// A store on `table` whose client is configured from the environment (region,
    /// credentials, and `AWS_ENDPOINT_URL`, which points tests at a local server). Build it
    /// once per instance: its client pools connections. The client itself is built when the
    /// first request needs it, so a cold start that serves no store request (the pages, the
    /// OpenAPI description, a refused request) does not pay for the SDK's set-up; its
    /// configuration cannot fail, so nothing that start-up would have caught is put off.
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self {
            client: OnceLock::new(),
            table: table.into(),
        }
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| measured(client_config()))
    }
}

/// A client of `config` whose requests the store measures (see [`meter`]).
fn measured(config: aws_sdk_dynamodb::config::Builder) -> Client {
    Client::from_conf(
        config
            .interceptor(CountAttempts)
            .interceptor(MeasuredRequests)
            .build(),
    )
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
            let Some(snapshot) = self.try_read(user_id, span).await? else {
                // Another write landed between the read's queries: a race lost before
                // writing, retried on the same budget as one lost while writing.
                meter::add(Cost::StoreRetry);
                if !backoff.wait().await {
                    return Err(StoreError::Unavailable(format!(
                        "writes to user {user_id} kept colliding"
                    ))
                    .into());
                }
                continue;
            };
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

    /// One `UpdateItem` (`counter.rs`).
    async fn count_request(
        &self,
        key: &str,
        now: Millis,
        window: Millis,
    ) -> Result<u64, StoreError> {
        self.count_in_window(key, now, window).await
    }

    /// One `Query` of the outbox index (`outbox.rs`).
    async fn users_owing(&self, now: Millis, limit: usize) -> Result<Vec<String>, StoreError> {
        DynamoDbStore::users_owing(self, now, limit).await
    }

    /// The table's stream feeds the notifier function.
    fn streams_changes(&self) -> bool {
        true
    }
}
