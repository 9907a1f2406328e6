//! The overlap engine alone (`domain::overlap::free_intervals`, all participants free), beside
//! a floor that only reads the same intervals once. Throughput is counted in stored intervals
//! (all participants together), so criterion's per-element figures compare across sizes.

mod common;

use availability_api::domain::IntervalSet;
use availability_api::domain::overlap::{OverlapQuery, free_intervals};
use availability_api::domain::time::MINUTE_MS;
use common::hourly;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// Participant `k` is free 40 minutes each hour from minute `k`: all of them share minutes
/// 15 to 40 (for 16), so every hour yields one result and every interval is swept.
fn participants(users: usize, per_user: usize) -> Vec<IntervalSet> {
    (0..users)
        .map(|k| hourly(per_user, k as i64 * MINUTE_MS, 40 * MINUTE_MS))
        .collect()
}

fn sweep(sets: &[&IntervalSet]) -> usize {
    free_intervals(sets, &OverlapQuery::default())
        .expect("a valid query")
        .count()
}

/// The floor: touch every interval once and nothing else.
fn read_once(sets: &[&IntervalSet]) -> i64 {
    sets.iter()
        .flat_map(|set| set.as_slice())
        .fold(0i64, |sum, i| sum.wrapping_add(i.end() - i.start()))
}

fn by_size(c: &mut Criterion) {
    for users in [2, 16] {
        let mut group = c.benchmark_group(format!("overlap_core/{users}_users"));
        for per_user in [1_000, 10_000, 100_000] {
            let owned = participants(users, per_user);
            let sets: Vec<&IntervalSet> = owned.iter().collect();
            group.throughput(Throughput::Elements((users * per_user) as u64));
            group.bench_with_input(BenchmarkId::new("sweep", per_user), &sets, |b, sets| {
                b.iter(|| sweep(black_box(sets)))
            });
            group.bench_with_input(BenchmarkId::new("read_once", per_user), &sets, |b, sets| {
                b.iter(|| read_once(black_box(sets)))
            });
            if users == 2 {
                // The special case a two-list merge solves: what GET /overlap ran before the
                // sweep, and a second yardstick for it.
                group.bench_with_input(
                    BenchmarkId::new("two_list_intersection", per_user),
                    &sets,
                    |b, sets| b.iter(|| black_box(sets[0]).intersection(black_box(sets[1])).len()),
                );
            }
        }
        group.finish();
    }
}

/// Growth with the number of participants at a fixed size per user (3 is the size issue 4 asks
/// about).
fn by_participants(c: &mut Criterion) {
    let per_user = 10_000;
    let mut group = c.benchmark_group("overlap_core/participants_10000_each");
    for users in [2, 3, 4, 8, 16] {
        let owned = participants(users, per_user);
        let sets: Vec<&IntervalSet> = owned.iter().collect();
        group.throughput(Throughput::Elements((users * per_user) as u64));
        group.bench_with_input(BenchmarkId::new("sweep", users), &sets, |b, sets| {
            b.iter(|| sweep(black_box(sets)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = by_size, by_participants
}
criterion_main!(benches);
