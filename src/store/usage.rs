//! What one HTTP request cost the store: backend requests, items and bytes read and written,
//! and capacity units where the backend reports them. The router measures each request
//! ([`measured`]) and puts the figures in the request's log line; the stores add to them.
//!
//! The tally is task-local: a request's loads run within its task (concurrent loads are polled
//! by it too), so requests served side by side never mix their figures.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static CURRENT: Arc<Tally>;
}

/// The running figures of one request.
#[derive(Debug, Default)]
struct Tally {
    requests: AtomicU64,
    items_read: AtomicU64,
    items_written: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    read_milli_units: AtomicU64,
    write_milli_units: AtomicU64,
}

/// One request's store figures. All zero for the in-memory store, which has no backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreUsage {
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

/// Runs `work` and answers with what it cost the store. Measurements nest: what `work` cost
/// counts toward an enclosing measurement too (a test measuring several requests, say).
pub async fn measured<F: Future>(work: F) -> (F::Output, StoreUsage) {
    let tally = Arc::new(Tally::default());
    let output = CURRENT.scope(Arc::clone(&tally), work).await;
    let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
    let usage = StoreUsage {
        requests: read(&tally.requests),
        items_read: read(&tally.items_read),
        items_written: read(&tally.items_written),
        bytes_sent: read(&tally.bytes_sent),
        bytes_received: read(&tally.bytes_received),
        read_milli_units: read(&tally.read_milli_units),
        write_milli_units: read(&tally.write_milli_units),
    };
    let _outermost = CURRENT.try_with(|outer| {
        for (counter, amount) in [
            (&outer.requests, usage.requests),
            (&outer.items_read, usage.items_read),
            (&outer.items_written, usage.items_written),
            (&outer.bytes_sent, usage.bytes_sent),
            (&outer.bytes_received, usage.bytes_received),
            (&outer.read_milli_units, usage.read_milli_units),
            (&outer.write_milli_units, usage.write_milli_units),
        ] {
            counter.fetch_add(amount, Ordering::Relaxed);
        }
    });
    (output, usage)
}

/// What a store adds to the current request's figures; outside [`measured`] it is dropped.
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
}

#[cfg_attr(not(feature = "dynamodb"), allow(dead_code))]
pub(crate) fn add(cost: Cost) {
    let milli = |units: f64| (units * 1000.0).round().max(0.0) as u64;
    let _outside_a_request = CURRENT.try_with(|tally| {
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
        };
        counter.fetch_add(amount, Ordering::Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
