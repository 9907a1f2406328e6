//! The scheduled sync (`src/bin/calendar-sync.rs`, every 15 minutes as deployed): every user
//! with a calendar is listed in one index record ([`INDEX_KEY`]); each run syncs the due
//! calendars of at most [`MAX_USERS_PER_RUN`] of them, a different slice each run, a few at a
//! time. A listed user who no longer has a calendar is taken off the list.

use super::sync_source;
use crate::domain::UserRecord;
use crate::domain::calendar::source::{SYNC_EVERY, SourceStatus};
use crate::domain::time::Millis;
use crate::outbound::Outbound;
use crate::secrets::Secrets;
use crate::store::{AvailabilityStore, Scope, StoreError, WriteError};
use futures_util::{StreamExt, stream};

/// The record that lists the users with calendars: not a user id (`#` is not allowed in one),
/// so no user's record can be it.
pub const INDEX_KEY: &str = "#calendar-sync";
/// Users one run looks at: with up to 10 calendars each and fetches of at most 10 s,
/// [`CONCURRENT_USERS`] at a time, a run stays well inside the function's timeout.
pub const MAX_USERS_PER_RUN: usize = 50;
pub const CONCURRENT_USERS: usize = 8;
/// Users the index lists at most (their ids in one record, well under its size limit).
pub const MAX_INDEXED_USERS: usize = 20_000;

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScheduledRun {
    pub users: usize,
    pub calendars_synced: usize,
    pub calendars_failed: usize,
    pub users_dropped: usize,
}

/// Lists `user` among those with calendars (once).
pub async fn enroll<S: AvailabilityStore>(store: &S, user: &str) -> Result<(), StoreError> {
    write_index(store, |users| {
        if !users.iter().any(|listed| listed == user) && users.len() < MAX_INDEXED_USERS {
            users.push(user.to_owned());
        }
    })
    .await
}

async fn write_index<S: AvailabilityStore>(
    store: &S,
    mut change: impl FnMut(&mut Vec<String>) + Send,
) -> Result<(), StoreError> {
    let written = store
        .update(
            INDEX_KEY,
            None,
            Scope::NoIntervals,
            |current: &UserRecord| {
                let mut users = current.calendar_users.clone();
                change(&mut users);
                Ok::<_, ()>(UserRecord {
                    calendar_users: users,
                    ..current.clone()
                })
            },
        )
        .await;
    match written {
        Ok(_) => Ok(()),
        Err(WriteError::Store(error)) => Err(error),
        Err(_) => Err(StoreError::Internal(
            "the calendar index could not be written".into(),
        )),
    }
}

/// One scheduled run at `now`.
pub async fn run_scheduled<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    secrets: &Secrets,
    now: Millis,
) -> Result<ScheduledRun, StoreError> {
    let users = store.load(INDEX_KEY, None).await?.calendar_users.clone();
    if users.is_empty() {
        return Ok(ScheduledRun::default());
    }
    // A different slice each run, so every user is reached when there are more than a run takes.
    let turn = usize::try_from(now.div_euclid(SYNC_EVERY)).unwrap_or_default();
    let first = turn.wrapping_mul(MAX_USERS_PER_RUN) % users.len();
    let slice: Vec<&String> = users
        .iter()
        .cycle()
        .skip(first)
        .take(MAX_USERS_PER_RUN.min(users.len()))
        .collect();
    // Answers come in any order: each carries its user.
    let results: Vec<(&String, Result<UserSynced, StoreError>)> = stream::iter(slice.iter())
        .map(|user| async move { (*user, sync_user(store, outbound, secrets, user, now).await) })
        .buffer_unordered(CONCURRENT_USERS)
        .collect()
        .await;
    let mut run = ScheduledRun {
        users: slice.len(),
        ..ScheduledRun::default()
    };
    let mut dropped = Vec::new();
    for (user, result) in results {
        let (has_calendars, synced, failed) = result?;
        run.calendars_synced += synced;
        run.calendars_failed += failed;
        if !has_calendars {
            dropped.push(user.clone());
        }
    }
    if !dropped.is_empty() {
        run.users_dropped = dropped.len();
        write_index(store, |users| users.retain(|user| !dropped.contains(user))).await?;
    }
    Ok(run)
}

/// Whether a user has calendars, how many of them synced, how many failed.
type UserSynced = (bool, usize, usize);

/// Syncs `user`'s due calendars.
async fn sync_user<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    secrets: &Secrets,
    user: &str,
    now: Millis,
) -> Result<UserSynced, StoreError> {
    let record = store.load(user, None).await?;
    let due: Vec<String> = record
        .calendars
        .iter()
        .filter(|source| source.is_due(now))
        .map(|source| source.id.clone())
        .collect();
    let (mut synced, mut failed) = (0, 0);
    for id in due {
        match sync_source(store, outbound, secrets, user, &id, now).await? {
            Some(source) if source.status == SourceStatus::Error => failed += 1,
            Some(_) => synced += 1,
            None => {}
        }
    }
    Ok((!record.calendars.is_empty(), synced, failed))
}
