//! What a piece of work (one HTTP request, one scheduled run) cost the store, counted where it
//! happens (the stores' own code) without passing anything through the store trait: the
//! figures are a task-local that the caller sets around its work ([`measured`]). A piece of
//! work's loads run within its task (concurrent loads are polled by it too), so work served side
//! by side never mixes its figures. Outside a measurement (store tests, the bench) nothing
//! counts.
//!
//! At the bottom of the crate: the stores add to the figures, observability reads them and
//! watches each call ([`CallObserver`]), and neither needs the other.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};
use tracing::Instrument;

tokio::task_local! {
    static CURRENT: Arc<Tally>;
}

/// What a store call talks to: an AWS service shows in X-Ray's service map as its own node.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Backend {
    #[cfg_attr(not(feature = "dynamodb"), allow(dead_code))]
    DynamoDb,
    Memory,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::DynamoDb => "DynamoDB",
            Backend::Memory => "MemoryStore",
        }
    }
}

/// One store call, as an observer hears of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreCall<'a> {
    pub(crate) backend: Backend,
    pub(crate) operation: &'a str,
    pub(crate) table: &'a str,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
}

/// Told of every store call made within a measurement (X-Ray sends each as a subsegment).
pub(crate) trait CallObserver: Send + Sync {
    fn store_call(&self, call: &StoreCall<'_>);
}

/// The running figures of one measurement, and who watches its calls.
#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    busy_us: AtomicU64,
    retries: AtomicU64,
    sdk_attempts: AtomicU64,
    requests: AtomicU64,
    items_read: AtomicU64,
    items_written: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    read_milli_units: AtomicU64,
    write_milli_units: AtomicU64,
    observer: Option<Arc<dyn CallObserver>>,
}

/// What a piece of work cost the store. Backend requests, items, bytes and units are all zero
/// for the in-memory store, which has no backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreUsage {
    /// Calls to the store (one per SDK operation, however many HTTP attempts it took).
    pub calls: u64,
    /// Time spent in those calls, µs.
    pub busy_us: u64,
    /// The store's own repeats: a write that lost its race, a read that saw two versions.
    pub retries: u64,
    /// HTTP attempts the SDK made for those calls (its own retries are the excess over
    /// `calls`); zero for a store without an SDK.
    pub sdk_attempts: u64,
    /// Requests sent to the backend, retries included.
    pub requests: u64,
    pub items_read: u64,
    pub items_written: u64,
    /// Bytes of request and response bodies.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Read and write capacity units the backend reported consuming, in thousandths.
    pub read_milli_units: u64,
    pub write_milli_units: u64,
}

impl StoreUsage {
    /// Every repeat, the store's and the SDK's.
    pub(crate) fn all_retries(&self) -> u64 {
        self.retries + self.sdk_attempts.saturating_sub(self.calls)
    }
}

impl Tally {
    fn read(&self) -> StoreUsage {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StoreUsage {
            calls: read(&self.calls),
            busy_us: read(&self.busy_us),
            retries: read(&self.retries),
            sdk_attempts: read(&self.sdk_attempts),
            requests: read(&self.requests),
            items_read: read(&self.items_read),
            items_written: read(&self.items_written),
            bytes_sent: read(&self.bytes_sent),
            bytes_received: read(&self.bytes_received),
            read_milli_units: read(&self.read_milli_units),
            write_milli_units: read(&self.write_milli_units),
        }
    }

    fn add(&self, usage: StoreUsage) {
        for (counter, amount) in [
            (&self.calls, usage.calls),
            (&self.busy_us, usage.busy_us),
            (&self.retries, usage.retries),
            (&self.sdk_attempts, usage.sdk_attempts),
            (&self.requests, usage.requests),
            (&self.items_read, usage.items_read),
            (&self.items_written, usage.items_written),
            (&self.bytes_sent, usage.bytes_sent),
            (&self.bytes_received, usage.bytes_received),
            (&self.read_milli_units, usage.read_milli_units),
            (&self.write_milli_units, usage.write_milli_units),
        ] {
            counter.fetch_add(amount, Ordering::Relaxed);
        }
    }
}

/// Runs `work` and answers with what it cost the store. Measurements nest: what `work` cost
/// counts toward an enclosing measurement too (a test measuring several requests, say), and
/// its calls go to the enclosing measurement's observer.
pub async fn measured<F: Future>(work: F) -> (F::Output, StoreUsage) {
    measured_for(None, work).await
}

/// As [`measured`], with each store call also told to `observer` (when there is one; else to
/// the enclosing measurement's).
pub(crate) async fn measured_for<F: Future>(
    observer: Option<Arc<dyn CallObserver>>,
    work: F,
) -> (F::Output, StoreUsage) {
    let observer = observer.or_else(|| CURRENT.try_with(|outer| outer.observer.clone()).ok()?);
    let tally = Arc::new(Tally {
        observer,
        ..Tally::default()
    });
    let output = CURRENT.scope(Arc::clone(&tally), work).await;
    let usage = tally.read();
    let _outermost = CURRENT.try_with(|outer| outer.add(usage));
    (output, usage)
}

/// What a store adds to the current figures; outside [`measured`] it is dropped.
#[cfg_attr(not(feature = "dynamodb"), allow(dead_code))]
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cost {
    Request {
        bytes_sent: u64,
    },
    Response {
        bytes_received: u64,
    },
    ItemsRead(u64),
    ItemsWritten(u64),
    /// Capacity units as the backend reports them.
    ReadUnits(f64),
    WriteUnits(f64),
    /// A repeat the store decided on (a lost race, a torn read).
    StoreRetry,
    /// One HTTP attempt of an SDK call (the store's SDK interceptor adds it).
    SdkAttempt,
}

#[cfg_attr(not(feature = "dynamodb"), allow(dead_code))]
pub(crate) fn add(cost: Cost) {
    let milli = |units: f64| (units * 1000.0).round().max(0.0) as u64;
    let _outside_a_measurement = CURRENT.try_with(|tally| {
        let (counter, amount) = match cost {
            Cost::Request { bytes_sent } => {
                tally.requests.fetch_add(1, Ordering::Relaxed);
                (&tally.bytes_sent, bytes_sent)
            }
            Cost::Response { bytes_received } => (&tally.bytes_received, bytes_received),
            Cost::ItemsRead(items) => (&tally.items_read, items),
            Cost::ItemsWritten(items) => (&tally.items_written, items),
            Cost::ReadUnits(units) => (&tally.read_milli_units, milli(units)),
            Cost::WriteUnits(units) => (&tally.write_milli_units, milli(units)),
            Cost::StoreRetry => (&tally.retries, 1),
            Cost::SdkAttempt => (&tally.sdk_attempts, 1),
        };
        counter.fetch_add(amount, Ordering::Relaxed);
    });
}

/// Runs one backend call inside a `store` span naming the operation and the table, and counts
/// it with its time; the measurement's observer hears of it. With DEBUG logs on, each call also
/// logs a line of its own.
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
    let _outside_a_measurement = CURRENT.try_with(|tally| {
        if let Some(observer) = &tally.observer {
            observer.store_call(&StoreCall {
                backend,
                operation,
                table,
                start: started_at,
                end: SystemTime::now(),
            });
        }
        tally.busy_us.fetch_add(elapsed_us, Ordering::Relaxed);
        tally.calls.fetch_add(1, Ordering::Relaxed);
    });
    tracing::debug!(operation, table, elapsed_us, "store call");
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn costs_add_up_within_a_request_and_vanish_outside_one() {
        add(Cost::ItemsRead(5));
        let ((), usage) = measured(async {
            add(Cost::Request { bytes_sent: 100 });
            add(Cost::Request { bytes_sent: 20 });
            add(Cost::Response { bytes_received: 7 });
            add(Cost::ItemsRead(3));
            add(Cost::ReadUnits(0.5));
            add(Cost::WriteUnits(2.0));
        })
        .await;
        assert_eq!(
            usage,
            StoreUsage {
                requests: 2,
                items_read: 3,
                items_written: 0,
                bytes_sent: 120,
                bytes_received: 7,
                read_milli_units: 500,
                write_milli_units: 2000,
                ..StoreUsage::default()
            }
        );
        let ((), nothing) = measured(async {}).await;
        assert_eq!(nothing, StoreUsage::default());
        let ((), outer) = measured(async {
            add(Cost::ItemsWritten(1));
            let ((), inner) = measured(async { add(Cost::ItemsWritten(2)) }).await;
            assert_eq!(inner.items_written, 2);
        })
        .await;
        assert_eq!(
            outer.items_written, 3,
            "the inner measurement counts outside too"
        );
    }

    #[derive(Default)]
    struct Calls(Mutex<Vec<String>>);

    impl CallObserver for Calls {
        fn store_call(&self, call: &StoreCall<'_>) {
            if let Ok(mut calls) = self.0.lock() {
                let StoreCall {
                    backend,
                    operation,
                    table,
                    ..
                } = call;
                calls.push(format!("{} {operation} {table}", backend.name()));
            }
        }
    }

    #[tokio::test]
    async fn calls_are_counted_with_their_repeats_and_told_to_the_observer_of_nested_measurements()
    {
        let observer = Arc::new(Calls::default());
        let ((), outer) = measured_for(Some(observer.clone()), async {
            store_call(Backend::Memory, "load", "memory", async {}).await;
            let ((), inner) = measured(async {
                store_call(Backend::DynamoDb, "Query", "table", async {
                    add(Cost::SdkAttempt);
                    add(Cost::SdkAttempt);
                })
                .await;
                add(Cost::StoreRetry);
            })
            .await;
            assert_eq!((inner.calls, inner.sdk_attempts, inner.retries), (1, 2, 1));
        })
        .await;
        assert_eq!((outer.calls, outer.sdk_attempts, outer.retries), (2, 2, 1));
        assert_eq!(outer.all_retries(), 1, "the SDK made no repeat of its own");
        let calls = observer.0.lock().expect("not poisoned").clone();
        assert_eq!(calls, ["MemoryStore load memory", "DynamoDB Query table"]);
    }
}
