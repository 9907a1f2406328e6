//! Helpers for the domain's unit tests (and the API's), written once.

use super::{Interval, IntervalSet, Millis};
use crate::domain::timestamp::parse_timestamp;

/// The instant an RFC 3339 test timestamp names.
pub(crate) fn at(text: &str) -> Millis {
    parse_timestamp(text).expect("valid test timestamp")
}

/// `[from, to)` from two RFC 3339 test timestamps.
pub(crate) fn interval(from: &str, to: &str) -> Interval {
    Interval::new(at(from), at(to)).expect("valid test interval")
}

/// The normalized set of `[from, to)` pairs of RFC 3339 test timestamps.
pub(crate) fn set(pairs: &[(&str, &str)]) -> IntervalSet {
    IntervalSet::from_intervals(pairs.iter().map(|&(s, e)| interval(s, e)).collect())
}

/// The normalized set of `[start, end)` pairs of milliseconds.
pub(crate) fn millis_set(pairs: &[(Millis, Millis)]) -> IntervalSet {
    IntervalSet::from_intervals(
        pairs
            .iter()
            .map(|&(start, end)| Interval::new(start, end).expect("test intervals are valid"))
            .collect(),
    )
}
