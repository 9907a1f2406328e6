//! Writes racing on one user through the handler: none may be lost. Each successful write's
//! `ETag` is the version it left behind, which orders the writes; replaying them one by one in
//! that order (on interval sets, as an oracle) must explain every version and give exactly the
//! final state the race left behind.

use crate::helpers::{dev_app, http_api, invoke};
use availability_api::api::App;
use availability_api::domain::{Interval, IntervalSet};
use availability_api::store::MemoryStore;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const WRITES: usize = 3000;
const READS: usize = 1000;

#[derive(Clone, Copy, Debug)]
enum Write {
    Add(Interval),
    Remove(Interval),
}

/// A write of the race, on minutes of one day so that writes overlap, merge and split.
fn write_of(seed: usize) -> Write {
    let start = ((seed * 7919) % (20 * 60)) as i64;
    let length = 15 + ((seed * 104_729) % 180) as i64;
    let range = Interval::new(start, (start + length).min(24 * 60 - 1)).expect("non-empty");
    if seed % 3 == 2 {
        Write::Remove(range)
    } else {
        Write::Add(range)
    }
}

fn timestamp(minute: i64) -> String {
    format!("2024-10-01T{:02}:{:02}:00Z", minute / 60, minute % 60)
}

fn write_event(seed: usize) -> Value {
    let body =
        |r: Interval| json!({"start_time": timestamp(r.start()), "end_time": timestamp(r.end())});
    match write_of(seed) {
        Write::Remove(range) => http_api("DELETE", "/availability")
            .json(body(range))
            .build(),
        Write::Add(range) => http_api("POST", "/availability")
            .json(json!({"availability": [body(range)]}))
            .build(),
    }
}

/// What the handler does to the set, for the oracle.
fn apply(write: Write, set: &IntervalSet) -> IntervalSet {
    match write {
        Write::Add(range) => set.union(&IntervalSet::from_normalized(vec![range])),
        Write::Remove(range) => set.difference(&IntervalSet::from_normalized(vec![range])),
    }
}

fn as_response(set: &IntervalSet) -> Value {
    set.as_slice()
        .iter()
        .map(|i| json!({"start_time": timestamp(i.start()), "end_time": timestamp(i.end())}))
        .collect()
}

async fn final_state(app: &App<MemoryStore>) -> (Value, String) {
    let reply = invoke(app, http_api("GET", "/availability").build()).await;
    (
        reply.body["availability"].clone(),
        reply.header("etag").expect("an ETag"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writes_to_one_user_lose_nothing() {
    let app = Arc::new(dev_app());
    let mut tasks = Vec::new();
    for seed in 0..WRITES {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let reply = invoke(&app, write_event(seed)).await;
            (seed, reply.status, reply.header("etag"))
        }));
    }
    for _ in 0..READS {
        let app = Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let reply = invoke(&app, http_api("GET", "/availability").build()).await;
            assert_eq!(reply.status, 200);
            (usize::MAX, 200, None)
        }));
    }
    let mut by_version: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for task in tasks {
        let (seed, status, etag) = task.await.expect("no task panicked");
        if seed == usize::MAX {
            continue;
        }
        match status {
            200 => {
                let version = etag
                    .and_then(|e| e.trim_matches('"').parse().ok())
                    .expect("a write answers with its version");
                by_version.entry(version).or_default().push(seed);
            }
            404 => assert!(
                matches!(write_of(seed), Write::Remove(_)),
                "only a DELETE may find nothing"
            ),
            other => panic!("write {seed} answered {other}"),
        }
    }
    let (race_result, race_etag) = final_state(&app).await;

    // Each version was made by one write; the others reporting it changed nothing on top of it.
    let mut state = IntervalSet::new();
    let mut versions_made = 0u64;
    for (version, seeds) in &by_version {
        if *version == 0 {
            assert!(seeds.iter().all(|&s| apply(write_of(s), &state) == state));
            continue;
        }
        assert_eq!(
            *version,
            versions_made + 1,
            "versions advance one write at a time"
        );
        let next = seeds
            .iter()
            .map(|&maker| apply(write_of(maker), &state))
            .find(|next| {
                *next != state
                    && seeds
                        .iter()
                        .all(|&other| apply(write_of(other), next) == *next)
            })
            .unwrap_or_else(|| panic!("no write explains version {version}: {seeds:?}"));
        state = next;
        versions_made += 1;
    }
    assert_eq!(
        race_result,
        as_response(&state),
        "the race equals its sequential replay"
    );
    assert_eq!(race_etag, format!("\"{versions_made}\""));
    assert!(
        versions_made > (WRITES / 3) as u64,
        "most writes changed something: {versions_made}"
    );
}
