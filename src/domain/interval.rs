//! Half-open intervals of UTC milliseconds and normalized sets of them.
//!
//! Every operation on [`IntervalSet`] is a linear merge over sorted lists, so the cost of
//! a request grows with the data it touches and never quadratically.

use super::time::{EARLIEST_INSTANT, LATEST_INSTANT, Millis};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};
use std::cmp::{max, min};
use std::fmt;

/// `[start, end)` with `start < end`: the fields are private and [`Interval::new`] checks, so
/// no empty or reversed interval exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: Millis,
    end: Millis,
}

impl Interval {
    /// Every instant the API names: [`EARLIEST_INSTANT`] to [`LATEST_INSTANT`], what an open
    /// window reaches and what any instant the API computes (a window's default end, a
    /// repetition) is kept within.
    pub const ALL: Interval = Interval {
        start: EARLIEST_INSTANT,
        end: LATEST_INSTANT,
    };

    /// `None` unless `start < end`.
    pub const fn new(start: Millis, end: Millis) -> Option<Self> {
        if start < end {
            Some(Self { start, end })
        } else {
            None
        }
    }

    pub const fn start(&self) -> Millis {
        self.start
    }

    pub const fn end(&self) -> Millis {
        self.end
    }

    pub fn duration(&self) -> Millis {
        self.end.saturating_sub(self.start)
    }

    /// True when the two share at least one instant (touching is not overlapping).
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn intersection(&self, other: &Interval) -> Option<Interval> {
        Interval::new(max(self.start, other.start), min(self.end, other.end))
    }
}

/// A set of instants kept normalized: sorted, disjoint, and with touching or overlapping
/// intervals merged, so equal sets always have equal representations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    intervals: Vec<Interval>,
}

impl IntervalSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalizes any list of intervals: O(n log n) for the sort, then one pass.
    pub fn from_intervals(mut intervals: Vec<Interval>) -> Self {
        intervals.sort_unstable();
        let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
        for next in intervals {
            match merged.last_mut() {
                Some(last) if next.start <= last.end => last.end = max(last.end, next.end),
                _ => merged.push(next),
            }
        }
        Self { intervals: merged }
    }

    /// Trusts the caller's list to be normalized already; checked in debug builds.
    pub fn from_normalized(intervals: Vec<Interval>) -> Self {
        debug_assert!(intervals.windows(2).all(|w| w[0].end < w[1].start));
        Self { intervals }
    }

    pub fn as_slice(&self) -> &[Interval] {
        &self.intervals
    }

    pub fn len(&self) -> usize {
        self.intervals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// How many intervals share an instant with `window`: what [`IntervalSet::clip`] would
    /// keep, counted without copying.
    pub fn count_meeting(&self, window: Interval) -> usize {
        let first = self.intervals.partition_point(|i| i.end <= window.start);
        let past = self.intervals.partition_point(|i| i.start < window.end);
        past.saturating_sub(first)
    }

    /// True when some instant of `range` is in the set.
    pub fn overlaps(&self, range: Interval) -> bool {
        let first_candidate = self.intervals.partition_point(|i| i.end <= range.start);
        self.intervals
            .get(first_candidate)
            .is_some_and(|i| i.overlaps(&range))
    }

    /// Set union, one linear merge.
    pub fn union(&self, other: &IntervalSet) -> IntervalSet {
        let (a, b) = (&self.intervals, &other.intervals);
        let mut merged: Vec<Interval> = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let next = if j >= b.len() || (i < a.len() && a[i].start <= b[j].start) {
                i += 1;
                a[i - 1]
            } else {
                j += 1;
                b[j - 1]
            };
            match merged.last_mut() {
                Some(last) if next.start <= last.end => last.end = max(last.end, next.end),
                _ => merged.push(next),
            }
        }
        IntervalSet { intervals: merged }
    }

    /// Set difference `self − other`, splitting intervals where `other` cuts into them.
    pub fn difference(&self, other: &IntervalSet) -> IntervalSet {
        let cuts = &other.intervals;
        let mut result = Vec::with_capacity(self.intervals.len());
        let mut j = 0;
        for &interval in &self.intervals {
            let mut start = interval.start;
            while j < cuts.len() && cuts[j].end <= start {
                j += 1;
            }
            let mut k = j;
            while k < cuts.len() && cuts[k].start < interval.end {
                if cuts[k].start > start {
                    result.push(Interval {
                        start,
                        end: cuts[k].start,
                    });
                }
                start = max(start, cuts[k].end);
                k += 1;
            }
            if start < interval.end {
                result.push(Interval {
                    start,
                    end: interval.end,
                });
            }
        }
        IntervalSet { intervals: result }
    }

    /// Set intersection, one linear merge.
    pub fn intersection(&self, other: &IntervalSet) -> IntervalSet {
        let (a, b) = (&self.intervals, &other.intervals);
        let mut result = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if let Some(common) = a[i].intersection(&b[j]) {
                result.push(common);
            }
            if a[i].end < b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { intervals: result }
    }

    /// The intervals that share an instant with `range` or touch it (`near`), and the rest:
    /// what a change within `range` can alter, and what it cannot. `near.union(&rest)` is `self`.
    pub fn split_near(&self, range: Interval) -> (IntervalSet, IntervalSet) {
        let first = self.intervals.partition_point(|i| i.end < range.start);
        let past = self.intervals.partition_point(|i| i.start <= range.end);
        let past = past.max(first);
        let near = self.intervals[first..past].to_vec();
        let mut rest = self.intervals[..first].to_vec();
        rest.extend_from_slice(&self.intervals[past..]);
        (
            IntervalSet { intervals: near },
            IntervalSet { intervals: rest },
        )
    }

    /// The part of the set inside `window`: a binary search, then a copy of what is inside.
    pub fn clip(&self, window: Interval) -> IntervalSet {
        let first = self.intervals.partition_point(|i| i.end <= window.start);
        let intervals = self.intervals[first..]
            .iter()
            .take_while(|i| i.start < window.end)
            .filter_map(|i| i.intersection(&window))
            .collect();
        IntervalSet { intervals }
    }
}

/// Serde form. Human-readable formats (JSON) get `[[start, end], ...]`. Binary formats (the
/// DynamoDB store's MessagePack) get one byte string of big-endian `start, end` pairs: 16 bytes
/// an interval, so a user's 100,000 intervals stay at 1.6 MB. Reading checks normalization,
/// since stored bytes are not to be trusted blindly.
impl Serialize for IntervalSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return serializer.collect_seq(self.intervals.iter().map(|i| [i.start, i.end]));
        }
        let mut packed = Vec::with_capacity(self.intervals.len() * PACKED_INTERVAL_BYTES);
        for interval in &self.intervals {
            packed.extend_from_slice(&interval.start.to_be_bytes());
            packed.extend_from_slice(&interval.end.to_be_bytes());
        }
        serializer.serialize_bytes(&packed)
    }
}

const PACKED_INTERVAL_BYTES: usize = 16;

impl<'de> Deserialize<'de> for IntervalSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = if deserializer.is_human_readable() {
            Vec::<(Millis, Millis)>::deserialize(deserializer)?
        } else {
            deserializer.deserialize_bytes(PackedIntervals)?
        };
        // Through the checked constructor: stored data must not make an empty interval.
        let intervals = pairs
            .into_iter()
            .map(|(start, end)| Interval::new(start, end))
            .collect::<Option<Vec<_>>>()
            .filter(|intervals| intervals.windows(2).all(|w| w[0].end < w[1].start));
        let Some(intervals) = intervals else {
            return Err(de::Error::custom(
                "intervals must be non-empty, sorted and separated by gaps",
            ));
        };
        Ok(Self { intervals })
    }
}

struct PackedIntervals;

impl Visitor<'_> for PackedIntervals {
    type Value = Vec<(Millis, Millis)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("bytes holding big-endian i64 start/end pairs")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Self::Value, E> {
        let (words, odd_bytes) = bytes.as_chunks::<8>();
        let (pairs, odd_words) = words.as_chunks::<2>();
        if !odd_bytes.is_empty() || !odd_words.is_empty() {
            return Err(E::invalid_length(bytes.len(), &self));
        }
        Ok(pairs
            .iter()
            .map(|&[start, end]| (i64::from_be_bytes(start), i64::from_be_bytes(end)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::millis_set as set;

    #[test]
    fn json_form_round_trips_and_refuses_unnormalized_lists() {
        let original = set(&[(5, 9), (1, 3)]);
        let json = serde_json::to_string(&original).expect("serializes");
        assert_eq!(json, "[[1,3],[5,9]]");
        let back: IntervalSet = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, original);
        for bad in ["[[5,9],[1,3]]", "[[1,3],[3,9]]", "[[4,4]]"] {
            assert!(serde_json::from_str::<IntervalSet>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn normalizing_merges_touching_and_overlapping_and_drops_duplicates() {
        let s = set(&[(5, 7), (0, 2), (2, 3), (1, 2), (5, 7), (10, 11)]);
        assert_eq!(s, set(&[(0, 3), (5, 7), (10, 11)]));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn union_merges_across_both_sides() {
        let a = set(&[(0, 2), (6, 8)]);
        let b = set(&[(2, 4), (7, 10), (12, 13)]);
        assert_eq!(a.union(&b), set(&[(0, 4), (6, 10), (12, 13)]));
        assert_eq!(a.union(&IntervalSet::new()), a);
    }

    #[test]
    fn difference_splits_an_interval_in_two() {
        let a = set(&[(0, 10), (20, 30)]);
        let cut = set(&[(3, 5), (8, 22)]);
        assert_eq!(a.difference(&cut), set(&[(0, 3), (5, 8), (22, 30)]));
        assert_eq!(a.difference(&set(&[(-5, 40)])), IntervalSet::new());
    }

    #[test]
    fn intersection_keeps_common_instants_only() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 25), (29, 40)]);
        assert_eq!(a.intersection(&b), set(&[(5, 10), (20, 25), (29, 30)]));
        // Touching intervals share no instant.
        assert_eq!(
            set(&[(0, 5)]).intersection(&set(&[(5, 9)])),
            IntervalSet::new()
        );
    }

    #[test]
    fn clip_and_overlaps_treat_ends_as_open() {
        let a = set(&[(0, 10), (20, 30)]);
        let window = Interval::new(5, 25).expect("valid");
        assert_eq!(a.clip(window), set(&[(5, 10), (20, 25)]));
        assert_eq!(a.count_meeting(window), 2);
        assert_eq!(a.count_meeting(Interval::new(10, 20).expect("valid")), 0);
        assert_eq!(a.count_meeting(Interval::new(29, 40).expect("valid")), 1);
        assert!(!a.overlaps(Interval::new(10, 20).expect("valid")));
        assert!(a.overlaps(Interval::new(9, 20).expect("valid")));
    }

    #[test]
    fn empty_or_reversed_intervals_do_not_exist() {
        assert_eq!(Interval::new(5, 5), None);
        assert_eq!(Interval::new(6, 5), None);
    }
}
