//! Expanding the densest weekly schedule the limits allow (100 five-minute ranges a day, every
//! day) over 30 days, in UTC and in zones with daylight saving time: what a zone's offsets
//! cost, as a ratio to UTC measured in the same run.

use availability_api::domain::Interval;
use availability_api::domain::schedule::Schedule;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;

fn dense_schedule(zone: &str) -> Schedule {
    let rules: Vec<_> = (0..100)
        .map(|i| {
            let start = i * 10;
            json!({"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": format!("{:02}:{:02}", start / 60, start % 60),
                "end": format!("{:02}:{:02}", (start + 5) / 60, (start + 5) % 60)})
        })
        .collect();
    serde_json::from_value(json!({"timezone": zone, "weekly": rules})).expect("a valid schedule")
}

fn expand(c: &mut Criterion) {
    // March 2026: New York and Berlin change their clocks inside it.
    let window = Interval::new(1_772_323_200_000, 1_772_323_200_000 + 30 * 86_400_000)
        .expect("a valid window");
    let mut group = c.benchmark_group("schedule_expand/30_days_dense");
    for zone in [
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
    ] {
        let schedule = dense_schedule(zone);
        group.bench_with_input(
            BenchmarkId::from_parameter(zone),
            &schedule,
            |b, schedule| {
                b.iter(|| black_box(schedule.expand(black_box(window))).len());
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = expand
}
criterion_main!(benches);
