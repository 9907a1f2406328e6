//! Interval-set operations checked against a brute-force oracle: sets of minutes on a small grid.

use availability_api::domain::{Interval, IntervalSet};
use proptest::prelude::*;

const GRID: i64 = 64;

/// What a set operation does to one point held (or not) by each side.
type PointRule = fn(bool, bool) -> bool;

fn any_intervals() -> impl Strategy<Value = Vec<Interval>> {
    prop::collection::vec((0..GRID, 1..12i64), 0..10).prop_map(|pairs| {
        pairs
            .into_iter()
            .filter_map(|(start, len)| Interval::new(start, (start + len).min(GRID)))
            .collect()
    })
}

fn any_interval() -> impl Strategy<Value = Interval> {
    (0..GRID, 1..GRID).prop_filter_map("non-empty", |(s, len)| {
        Interval::new(s, (s + len).min(GRID))
    })
}

/// The oracle's view of a set: which grid points it holds.
fn points(intervals: &[Interval]) -> Vec<bool> {
    (0..GRID)
        .map(|t| intervals.iter().any(|i| i.start() <= t && t < i.end()))
        .collect()
}

fn assert_normalized(set: &IntervalSet) {
    for pair in set.as_slice().windows(2) {
        assert!(
            pair[0].end() < pair[1].start(),
            "sorted, disjoint, not touching: {set:?}"
        );
    }
}

proptest! {
    #[test]
    fn normalizing_keeps_exactly_the_same_points(raw in any_intervals()) {
        let set = IntervalSet::from_intervals(raw.clone());
        assert_normalized(&set);
        prop_assert_eq!(points(set.as_slice()), points(&raw));
    }

    #[test]
    fn set_operations_match_pointwise_logic(a in any_intervals(), b in any_intervals()) {
        let (sa, sb) = (IntervalSet::from_intervals(a.clone()), IntervalSet::from_intervals(b.clone()));
        let (pa, pb) = (points(&a), points(&b));
        let cases: [(IntervalSet, PointRule); 3] = [
            (sa.union(&sb), |x, y| x || y),
            (sa.intersection(&sb), |x, y| x && y),
            (sa.difference(&sb), |x, y| x && !y),
        ];
        for (result, rule) in cases {
            assert_normalized(&result);
            let expected: Vec<bool> = pa.iter().zip(&pb).map(|(&x, &y)| rule(x, y)).collect();
            prop_assert_eq!(points(result.as_slice()), expected);
        }
    }

    #[test]
    fn clip_and_overlaps_match_pointwise_logic(a in any_intervals(), window in any_interval()) {
        let set = IntervalSet::from_intervals(a.clone());
        let inside: Vec<bool> = points(&a)
            .iter()
            .enumerate()
            .map(|(t, &held)| held && window.start() <= t as i64 && (t as i64) < window.end())
            .collect();
        let clipped = set.clip(window);
        assert_normalized(&clipped);
        prop_assert_eq!(points(clipped.as_slice()), inside.clone());
        prop_assert_eq!(set.overlaps(window), inside.contains(&true));
    }
}
