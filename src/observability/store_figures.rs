//! What the store did for one request, counted where it happens (the store's own code) without
//! passing anything through the store trait: the request's figures are a task-local that the
//! router sets around its work. Outside such a scope (store tests, the bench) nothing counts.

use super::xray::{Backend, Tracer};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};
use tracing::Instrument;

tokio::task_local! {
    static CURRENT: Arc<StoreFigures>;
}

/// Counters for one request, and where its store calls' X-Ray subsegments go. A store that has
/// more to report (requests, items, bytes) adds a counter here, a field to [`StoreSnapshot`],
/// and a `store_` field to the log line.
pub(crate) struct StoreFigures {
    calls: AtomicU64,
    busy_us: AtomicU64,
    retries: AtomicU64,
    sdk_attempts: AtomicU64,
    tracer: Option<Tracer>,
}

/// The figures once the request is done.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StoreSnapshot {
    /// Calls to the backend (one per SDK operation, however many HTTP attempts it took).
    pub calls: u64,
    /// Time spent in those calls, µs.
    pub busy_us: u64,
    /// The store's own repeats: a write that lost its race, a read that saw two versions.
    pub retries: u64,
    /// HTTP attempts the SDK made for those calls (its own retries are the excess over
    /// `calls`); zero for a store without an SDK.
    pub sdk_attempts: u64,
}

impl StoreSnapshot {
    /// Every repeat, the store's and the SDK's.
    pub(crate) fn all_retries(&self) -> u64 {
        self.retries + self.sdk_attempts.saturating_sub(self.calls)
    }
}

impl StoreFigures {
    pub(crate) fn new(tracer: Option<Tracer>) -> Self {
        Self {
            calls: AtomicU64::new(0),
            busy_us: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            sdk_attempts: AtomicU64::new(0),
            tracer,
        }
    }

    pub(crate) fn snapshot(&self) -> StoreSnapshot {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StoreSnapshot {
            calls: read(&self.calls),
            busy_us: read(&self.busy_us),
            retries: read(&self.retries),
            sdk_attempts: read(&self.sdk_attempts),
        }
    }
}

pub(super) async fn scope<F: Future>(figures: Arc<StoreFigures>, work: F) -> F::Output {
    CURRENT.scope(figures, work).await
}

fn with_current(count: impl FnOnce(&StoreFigures) -> u64) {
    let _ = CURRENT.try_with(|figures| count(figures));
}

#[cfg(feature = "dynamodb")]
/// Counts a repeat the store decided on (a lost race, a torn read).
pub(crate) fn count_store_retry() {
    with_current(|figures| figures.retries.fetch_add(1, Ordering::Relaxed));
}

#[cfg(feature = "dynamodb")]
/// Counts one HTTP attempt of an SDK call (the store's SDK interceptor calls this).
pub(crate) fn count_sdk_attempt() {
    with_current(|figures| figures.sdk_attempts.fetch_add(1, Ordering::Relaxed));
}

/// Runs one backend call inside a `store` span naming the operation and the table, and counts
/// it with its time; a sampled invocation also gets its X-Ray subsegment. With DEBUG logs on,
/// each call also logs a line of its own.
pub(crate) async fn store_call<F: Future>(
    backend: Backend,
    operation: &'static str,
    table: &str,
    call: F,
) -> F::Output {
    let span = tracing::info_span!("store", operation, table);
    let (started, started_at) = (Instant::now(), SystemTime::now());
    let output = call.instrument(span).await;
    let elapsed_us = started.elapsed().as_micros() as u64;
    with_current(|figures| {
        if let Some(tracer) = &figures.tracer {
            tracer.store_call(backend, operation, table, started_at, SystemTime::now());
        }
        figures.busy_us.fetch_add(elapsed_us, Ordering::Relaxed);
        figures.calls.fetch_add(1, Ordering::Relaxed)
    });
    tracing::debug!(operation, table, elapsed_us, "store call");
    output
}
