//! Data shared by the benchmarks: one interval per hour, shifted per user, so every user's
//! intervals partly overlap every other user's and overlaps have as many results as inputs.

use availability_api::domain::time::HOUR_MS;
use availability_api::domain::{Interval, IntervalSet, Millis};
use criterion::Criterion;
use std::time::Duration;

/// 2024-01-01T00:00:00Z: 100,000 hourly intervals reach into 2035.
pub(crate) const BASE: Millis = 1_704_067_200_000;

/// `count` intervals, one per hour: `[hour + offset, hour + offset + length)`.
pub(crate) fn hourly(count: usize, offset: Millis, length: Millis) -> IntervalSet {
    let intervals = (0..count as Millis)
        .map(|hour| {
            let start = BASE + hour * HOUR_MS + offset;
            Interval::new(start, start + length).expect("lengths are positive")
        })
        .collect();
    IntervalSet::from_normalized(intervals)
}

/// Modest sample sizes and times, so `cargo bench` ends in a few minutes on two shared cores.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}
