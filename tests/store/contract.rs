//! One behavioural suite for every store, written once: what the API relies on from
//! `AvailabilityStore`. It runs against `MemoryStore` always and, with `--features dynamodb`,
//! against `DynamoDbStore` on a local moto server (`scripts/with-moto.sh`).

use availability_api::domain::time::{HOUR_MS, MINUTE_MS};
use availability_api::domain::{Interval, IntervalSet, UserRecord};
use availability_api::store::{
    AvailabilityStore, IntervalBudget, LoadError, MemoryStore, Scope, WriteError,
};
use std::sync::Arc;

/// Instantiates every case below for one store; `$new_store` makes a fresh, empty store.
macro_rules! store_contract {
    ($suite:ident, $new_store:path) => {
        mod $suite {
            store_contract!(@cases $new_store;
                unknown_user_has_the_empty_record,
                every_field_of_a_record_round_trips,
                a_change_is_stored_and_bumps_the_version,
                an_unchanged_record_keeps_its_version,
                a_rejected_change_writes_nothing,
                a_stale_expected_version_is_refused_without_running_the_change,
                a_hundred_thousand_intervals_round_trip,
                shrinking_a_user_leaves_only_the_new_data,
                racing_updates_all_survive,
                racing_updates_of_a_big_user_all_survive,
                a_load_within_a_window_clips_and_keeps_version_and_schedule,
                a_load_without_a_window_has_no_intervals,
                many_loads_answer_in_the_order_asked,
                loads_past_their_budget_are_refused,
            );
        }
    };
    (@cases $new_store:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
            super::$case(std::sync::Arc::new($new_store().await)).await;
        }
    )*};
}

store_contract!(memory, crate::contract::new_memory_store);

#[cfg(feature = "dynamodb")]
store_contract!(dynamodb, crate::helpers::fresh_store);

async fn new_memory_store() -> MemoryStore {
    MemoryStore::new()
}

fn interval(start: i64, end: i64) -> Interval {
    Interval::new(start, end).expect("test intervals are valid")
}

fn set(pairs: &[(i64, i64)]) -> IntervalSet {
    IntervalSet::from_intervals(pairs.iter().map(|&(s, e)| interval(s, e)).collect())
}

/// `count` disjoint one-minute intervals, an hour apart.
fn many(count: i64) -> IntervalSet {
    let start = 1_727_427_600_000; // 2024-09-27T09:00:00Z
    IntervalSet::from_normalized(
        (0..count)
            .map(|i| interval(start + i * HOUR_MS, start + i * HOUR_MS + MINUTE_MS))
            .collect(),
    )
}

fn with_slots(record: &UserRecord, slots: IntervalSet) -> UserRecord {
    UserRecord {
        slots,
        ..record.clone()
    }
}

/// Replaces the user's slots; the new version.
async fn put<S: AvailabilityStore>(store: &S, user: &str, slots: &IntervalSet) -> u64 {
    store
        .update(user, None, Scope::EVERYTHING, |current| {
            Ok::<_, ()>(with_slots(current, slots.clone()))
        })
        .await
        .expect("the write succeeds")
}

/// Adds one interval to the user's slots (a read-modify-write); the new version.
async fn add<S: AvailabilityStore>(store: &S, user: &str, added: Interval) -> u64 {
    let added = IntervalSet::from_normalized(vec![added]);
    store
        .update(user, None, Scope::EVERYTHING, |current| {
            Ok::<_, ()>(with_slots(current, current.slots.union(&added)))
        })
        .await
        .expect("the write succeeds")
}

async fn load<S: AvailabilityStore>(store: &S, user: &str) -> Arc<UserRecord> {
    store.load(user, Some(Interval::ALL)).await.expect("the read succeeds")
}

async fn unknown_user_has_the_empty_record<S: AvailabilityStore>(store: Arc<S>) {
    assert_eq!(*load(&*store, "nobody").await, UserRecord::default());
}

async fn every_field_of_a_record_round_trips<S: AvailabilityStore>(store: Arc<S>) {
    let schedule = serde_json::from_value(serde_json::json!({
        "timezone": "Europe/Berlin",
        "weekly": [{"days": ["mon", "fri"], "start": "09:00", "end": "17:00"}],
        "overrides": [{"date": "2026-12-24", "ranges": []}]
    }))
    .expect("a valid schedule");
    let written = UserRecord {
        slots: set(&[(0, 10)]),
        removed: set(&[(20, 30), (40, 50)]),
        schedule: Some(schedule),
        ..UserRecord::default()
    };
    let version = store.update("ana", None, Scope::EVERYTHING, |_| Ok::<_, ()>(written.clone()));
    assert_eq!(version.await.expect("the write succeeds"), 1);
    let read = load(&*store, "ana").await;
    assert_eq!(
        *read,
        UserRecord {
            version: 1,
            ..written
        }
    );
}

async fn a_change_is_stored_and_bumps_the_version<S: AvailabilityStore>(store: Arc<S>) {
    assert_eq!(add(&*store, "ana", interval(0, 10)).await, 1);
    assert_eq!(add(&*store, "ana", interval(20, 30)).await, 2);
    let record = load(&*store, "ana").await;
    assert_eq!(record.version, 2);
    assert_eq!(record.slots, set(&[(0, 10), (20, 30)]));
    assert_eq!(*load(&*store, "bo").await, UserRecord::default());
}

async fn an_unchanged_record_keeps_its_version<S: AvailabilityStore>(store: Arc<S>) {
    let untouched = store.update("ana", None, Scope::EVERYTHING, |current| Ok::<_, ()>(current.clone()));
    assert_eq!(untouched.await.expect("no-op succeeds"), 0);
    assert_eq!(add(&*store, "ana", interval(0, 10)).await, 1);
    assert_eq!(
        add(&*store, "ana", interval(2, 8)).await,
        1,
        "already covered"
    );
    assert_eq!(load(&*store, "ana").await.version, 1);
}

async fn a_rejected_change_writes_nothing<S: AvailabilityStore>(store: Arc<S>) {
    add(&*store, "ana", interval(0, 10)).await;
    let refused = store
        .update("ana", None, Scope::EVERYTHING, |_| Err::<UserRecord, _>("refused"))
        .await;
    assert!(matches!(refused, Err(WriteError::Rejected("refused"))));
    let record = load(&*store, "ana").await;
    assert_eq!((record.version, record.slots.clone()), (1, set(&[(0, 10)])));
}

async fn a_stale_expected_version_is_refused_without_running_the_change<S: AvailabilityStore>(
    store: Arc<S>,
) {
    add(&*store, "ana", interval(0, 10)).await;
    let mut runs = 0;
    let stale = store
        .update("ana", Some(0), Scope::EVERYTHING, |current| {
            runs += 1;
            Ok::<_, ()>(with_slots(current, IntervalSet::new()))
        })
        .await;
    assert!(matches!(
        stale,
        Err(WriteError::VersionMismatch { current: 1 })
    ));
    assert_eq!(runs, 0);
    let current = store.update("ana", Some(1), Scope::EVERYTHING, |current| {
        Ok::<_, ()>(with_slots(current, IntervalSet::new()))
    });
    assert_eq!(current.await.expect("the expected version matches"), 2);
    assert!(load(&*store, "ana").await.slots.is_empty());
}

async fn a_hundred_thousand_intervals_round_trip<S: AvailabilityStore>(store: Arc<S>) {
    let big = many(100_000);
    assert_eq!(put(&*store, "big", &big).await, 1);
    let record = load(&*store, "big").await;
    assert_eq!(record.version, 1);
    assert!(record.slots == big, "100,000 intervals came back different");
}

async fn shrinking_a_user_leaves_only_the_new_data<S: AvailabilityStore>(store: Arc<S>) {
    put(&*store, "big", &many(100_000)).await;
    let small = set(&[(5, 6)]);
    assert_eq!(put(&*store, "big", &small).await, 2);
    assert_eq!(load(&*store, "big").await.slots, small);
    let medium = many(30_000);
    assert_eq!(put(&*store, "big", &medium).await, 3);
    assert!(load(&*store, "big").await.slots == medium);
}

async fn racing_updates_all_survive<S: AvailabilityStore>(store: Arc<S>) {
    race_to_add(&store, "busy", 20).await;
    let record = load(&*store, "busy").await;
    assert_eq!(record.slots.len(), 20, "an update was lost");
    assert_eq!(record.version, 20);
}

/// The same race on a user too big for one item (in DynamoDB, transactions over chunks).
async fn racing_updates_of_a_big_user_all_survive<S: AvailabilityStore>(store: Arc<S>) {
    put(&*store, "big", &many(30_000)).await;
    race_to_add(&store, "big", 8).await;
    let record = load(&*store, "big").await;
    assert_eq!(record.slots.len(), 30_008, "an update was lost");
    assert_eq!(record.version, 9);
}

/// Slots 0-10, 20-30, 40-50; removed 60-70; a schedule.
async fn three_slots_and_a_removed_range<S: AvailabilityStore>(
    store: &S,
    user: &str,
) -> UserRecord {
    let schedule = serde_json::from_value(serde_json::json!({
        "timezone": "UTC",
        "weekly": [{"days": ["mon"], "start": "09:00", "end": "17:00"}]
    }))
    .expect("a valid schedule");
    let written = UserRecord {
        slots: set(&[(0, 10), (20, 30), (40, 50)]),
        removed: set(&[(60, 70)]),
        schedule: Some(schedule),
        ..UserRecord::default()
    };
    let version = store.update(user, None, Scope::EVERYTHING, |_| Ok::<_, ()>(written.clone()));
    UserRecord {
        version: version.await.expect("the write succeeds"),
        ..written
    }
}

async fn a_load_within_a_window_clips_and_keeps_version_and_schedule<S: AvailabilityStore>(
    store: Arc<S>,
) {
    let written = three_slots_and_a_removed_range(&*store, "ana").await;
    let budget = IntervalBudget::unlimited();
    let read = store
        .load_within("ana", Some(interval(25, 65)), &budget)
        .await
        .expect("the read succeeds");
    assert_eq!(
        *read,
        UserRecord {
            slots: set(&[(25, 30), (40, 50)]),
            removed: set(&[(60, 65)]),
            ..written
        }
    );
}

async fn a_load_without_a_window_has_no_intervals<S: AvailabilityStore>(store: Arc<S>) {
    let written = three_slots_and_a_removed_range(&*store, "ana").await;
    let read = store
        .load_within("ana", None, &IntervalBudget::new(0))
        .await
        .expect("the read succeeds");
    assert_eq!(
        (read.version, read.schedule.clone(), read.interval_count()),
        (written.version, written.schedule, 0)
    );
}

async fn many_loads_answer_in_the_order_asked<S: AvailabilityStore>(store: Arc<S>) {
    let users: Vec<String> = (0..40).map(|i| format!("user{i}")).collect();
    for (i, user) in (0..).zip(&users) {
        add(&*store, user, interval(i * 100, i * 100 + 10)).await;
    }
    let mut asked: Vec<&str> = users.iter().map(String::as_str).collect();
    asked.push("nobody");
    let read = store
        .load_many(
            &asked,
            Some(interval(0, 2000)),
            &IntervalBudget::unlimited(),
        )
        .await
        .expect("the reads succeed");
    assert_eq!(read.len(), 41);
    for (i, record) in (0..).zip(&read[..40]) {
        let expected = if i < 20 {
            set(&[(i * 100, i * 100 + 10)])
        } else {
            IntervalSet::new()
        };
        assert_eq!(record.slots, expected, "user{i}");
    }
    assert_eq!(*read[40], UserRecord::default());
}

async fn loads_past_their_budget_are_refused<S: AvailabilityStore>(store: Arc<S>) {
    three_slots_and_a_removed_range(&*store, "ana").await;
    three_slots_and_a_removed_range(&*store, "bo").await;
    let window = Some(interval(0, 45));
    let exact = IntervalBudget::new(6);
    assert!(
        store
            .load_many(&["ana", "bo"], window, &exact)
            .await
            .is_ok()
    );
    let short = IntervalBudget::new(5);
    assert!(matches!(
        store.load_many(&["ana", "bo"], window, &short).await,
        Err(LoadError::OverBudget { budget: 5 })
    ));
}

/// `writers` concurrent read-modify-writes, each adding its own interval (before 1970, so
/// apart from everything `many` makes).
async fn race_to_add<S: AvailabilityStore>(store: &Arc<S>, user: &'static str, writers: i64) {
    let tasks: Vec<_> = (0..writers)
        .map(|i| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                add(&*store, user, interval(-1000 - i * 100, -990 - i * 100)).await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("the writer task finished");
    }
}

/// What the suite cannot see through the trait: how the table holds a big user.
#[cfg(feature = "dynamodb")]
mod dynamodb_items {
    use super::{many, put, set};
    use crate::helpers::items_of;
    use crate::moto::{fresh_table, store_on};
    use availability_api::store::dynamodb::CHUNK_BYTES;

    #[tokio::test]
    async fn a_big_user_is_chunked_and_shrinking_deletes_the_stale_chunks() {
        let table = fresh_table().await;
        let store = store_on(&table).await;
        put(&store, "big", &many(100_000)).await;
        let items = items_of(&table, "big").await;
        // 1.6 MB of packed intervals in pieces of at most CHUNK_BYTES.
        assert_eq!(items.len(), 6, "meta and five chunks");
        for item in &items {
            let data = item["data"].as_b().expect("every item holds binary data");
            assert!(data.as_ref().len() <= CHUNK_BYTES);
        }
        put(&store, "big", &set(&[(5, 6)])).await;
        assert_eq!(
            items_of(&table, "big").await.len(),
            1,
            "stale chunks remain"
        );
    }
}
