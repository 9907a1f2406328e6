//! The engine against a brute-force oracle: walk every minute, see who is free, build runs.
//!
//! Availability lives in minutes 0..300, so every result is a whole number of minutes; the
//! oracle works in minutes and the engine's results are converted before comparing.

use availability_api::domain::overlap::{
    OverlapQuery, SlotQuery, WallClock, bookable_slots, free_intervals,
};
use availability_api::domain::time::MINUTE_MS;
use availability_api::domain::{Interval, IntervalSet, Millis};
use proptest::prelude::*;

/// Far enough outside the data that the oracle sees everything an open window would.
const BEFORE_DATA: i64 = -200;
const AFTER_DATA: i64 = 500;

/// A result in minutes: start, end, who is free (bit i = participant i).
type Found = (i64, i64, u128);

/// Up to 8 users, each with up to 5 random intervals (up to 2 hours, so that many overlap),
/// normalized by `IntervalSet`.
fn users() -> impl Strategy<Value = Vec<Vec<(i64, i64)>>> {
    prop::collection::vec(
        prop::collection::vec(
            (0_i64..240, 1_i64..120).prop_map(|(s, len)| (s, s + len)),
            0..6,
        ),
        1..=8,
    )
}

fn interval_sets(users: &[Vec<(i64, i64)>]) -> Vec<IntervalSet> {
    users
        .iter()
        .map(|pairs| {
            IntervalSet::from_intervals(
                pairs
                    .iter()
                    .map(|&(s, e)| {
                        Interval::new(s * MINUTE_MS, e * MINUTE_MS).expect("lengths are positive")
                    })
                    .collect(),
            )
        })
        .collect()
}

fn free_at(users: &[Vec<(i64, i64)>], minute: i64) -> u128 {
    users
        .iter()
        .enumerate()
        .filter(|(_, pairs)| pairs.iter().any(|&(s, e)| s <= minute && minute < e))
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

fn meets(free: u128, quorum: usize) -> bool {
    free.count_ones() as usize >= quorum
}

/// Window, quorum and paging parameters, in minutes.
#[derive(Clone, Copy, Debug)]
struct Params {
    quorum: Option<usize>,
    from: Option<i64>,
    to: Option<i64>,
    min_duration: Option<i64>,
    resume_after: Option<i64>,
    limit: usize,
}

fn params() -> impl Strategy<Value = Params> {
    (
        prop::option::of(1_usize..=8),
        prop::option::of(-20_i64..280),
        prop::option::of(1_i64..250),
        prop::option::of(0_i64..40),
        prop::option::of(-20_i64..320),
        1_usize..5,
    )
        .prop_map(
            |(quorum, from, to_len, min_duration, resume_after, limit)| Params {
                quorum,
                from,
                // Keeps `from < to` when both are given; `to` alone may be anywhere too.
                to: to_len.map(|len| from.unwrap_or(-20) + len),
                min_duration,
                resume_after,
                limit,
            },
        )
}

impl Params {
    /// The quorum for `n` users, folded into range.
    fn quorum_for(&self, n: usize) -> Option<usize> {
        self.quorum.map(|q| 1 + (q - 1) % n)
    }

    fn query(&self, n: usize, resume_after: Option<i64>, with_min_duration: bool) -> OverlapQuery {
        OverlapQuery {
            quorum: self.quorum_for(n),
            from: self.from.map(|m| m * MINUTE_MS),
            to: self.to.map(|m| m * MINUTE_MS),
            min_duration: self
                .min_duration
                .filter(|_| with_min_duration)
                .map(|m| m * MINUTE_MS),
            resume_after: resume_after.map(|m| m * MINUTE_MS),
        }
    }
}

fn to_minutes(start: Millis, end: Millis, free: impl Iterator<Item = usize>) -> Found {
    assert_eq!(start % MINUTE_MS, 0, "start {start} is not on a minute");
    assert_eq!(end % MINUTE_MS, 0, "end {end} is not on a minute");
    (
        start / MINUTE_MS,
        end / MINUTE_MS,
        free.fold(0, |bits, i| bits | 1 << i),
    )
}

/// Pages of `limit` results, each resumed after the previous page's last start, concatenated.
fn all_pages(limit: usize, fetch: impl Fn(Option<i64>) -> Vec<Found>) -> Vec<Found> {
    let mut all: Vec<Found> = Vec::new();
    let mut resume = None;
    for _ in 0..10_000 {
        let page = fetch(resume);
        let more = page.len() > limit;
        all.extend(page.into_iter().take(limit));
        match all.last() {
            Some(&(start, _, _)) if more => resume = Some(start),
            _ => return all,
        }
    }
    panic!("paging did not end");
}

fn oracle_intervals(users: &[Vec<(i64, i64)>], p: &Params, resume: Option<i64>) -> Vec<Found> {
    let quorum = p.quorum_for(users.len()).unwrap_or(users.len());
    let mut runs: Vec<Found> = Vec::new();
    for minute in p.from.unwrap_or(BEFORE_DATA)..p.to.unwrap_or(AFTER_DATA) {
        let free = free_at(users, minute);
        if !meets(free, quorum) {
            continue;
        }
        match runs.last_mut() {
            Some(last) if last.1 == minute && last.2 == free => last.1 += 1,
            _ => runs.push((minute, minute + 1, free)),
        }
    }
    runs.retain(|&(start, end, _)| {
        end - start >= p.min_duration.unwrap_or(0) && resume.is_none_or(|r| start > r)
    });
    runs
}

fn engine_intervals(
    sets: &[IntervalSet],
    p: &Params,
    resume: Option<i64>,
    take: usize,
) -> Vec<Found> {
    let refs: Vec<&IntervalSet> = sets.iter().collect();
    free_intervals(&refs, &p.query(sets.len(), resume, true))
        .expect("valid query")
        .take(take)
        .map(|f| to_minutes(f.interval.start(), f.interval.end(), f.free.iter()))
        .collect()
}

/// Offset `before` until minute `change_at`, then `after` (all in minutes); one change at most,
/// like a real zone within a day.
#[derive(Clone, Copy, Debug)]
struct Clock {
    before: i64,
    after: i64,
    change_at: i64,
}

impl WallClock for Clock {
    fn utc_offset_at(&self, instant: Millis) -> Millis {
        MINUTE_MS
            * if instant < self.change_at * MINUTE_MS {
                self.before
            } else {
                self.after
            }
    }
}

fn clocks() -> impl Strategy<Value = Clock> {
    prop_oneof![
        Just(Clock {
            before: 0,
            after: 0,
            change_at: 0
        }),
        // Fixed offsets, whole-hour or not (+05:30, +05:45, -02:30, +12:45, ...).
        (-720_i64..=840).prop_map(|o| Clock {
            before: o,
            after: o,
            change_at: 0
        }),
        // A daylight-saving change inside the data, by 30 or 60 minutes either way.
        (
            prop::sample::select(vec![-210_i64, 0, 330, 630]),
            prop::sample::select(vec![-60_i64, -30, 30, 60]),
            0_i64..300
        )
            .prop_map(|(before, shift, change_at)| Clock {
                before,
                after: before + shift,
                change_at
            }),
    ]
}

fn slot_queries() -> impl Strategy<Value = SlotQuery> {
    (
        1_i64..90,
        prop::option::of(prop_oneof![1_i64..=60, 61_i64..180]),
        0_i64..20,
        0_i64..20,
    )
        .prop_map(|(duration, step, before, after)| SlotQuery {
            duration: duration * MINUTE_MS,
            step: step.map(|s| s * MINUTE_MS),
            buffer_before: before * MINUTE_MS,
            buffer_after: after * MINUTE_MS,
        })
}

fn on_grid(clock: &Clock, step: i64, minute: i64) -> bool {
    let period = if step <= 60 { 60 } else { 24 * 60 };
    let local = minute + clock.utc_offset_at(minute * MINUTE_MS) / MINUTE_MS;
    local.rem_euclid(period) % step == 0
}

fn oracle_slots(
    users: &[Vec<(i64, i64)>],
    p: &Params,
    slots: &SlotQuery,
    clock: &Clock,
    resume: Option<i64>,
) -> Vec<Found> {
    let quorum = p.quorum_for(users.len()).unwrap_or(users.len());
    let duration = slots.duration / MINUTE_MS;
    let step = slots.step.unwrap_or(slots.duration) / MINUTE_MS;
    let (before, after) = (
        slots.buffer_before / MINUTE_MS,
        slots.buffer_after / MINUTE_MS,
    );
    let first = p
        .from
        .unwrap_or(BEFORE_DATA)
        .max(resume.map_or(i64::MIN, |r| r + 1));
    let last = p.to.unwrap_or(AFTER_DATA) - duration;
    (first..=last)
        .filter(|&start| on_grid(clock, step, start))
        .filter_map(|start| {
            let free = (start - before..start + duration + after)
                .fold(u128::MAX, |common, minute| common & free_at(users, minute));
            meets(free, quorum).then_some((start, start + duration, free))
        })
        .collect()
}

fn engine_slots(
    sets: &[IntervalSet],
    p: &Params,
    slots: &SlotQuery,
    clock: Clock,
    resume: Option<i64>,
    take: usize,
) -> Vec<Found> {
    let refs: Vec<&IntervalSet> = sets.iter().collect();
    // Through a closure, the other way a caller may pass a zone.
    let by_closure = move |instant: Millis| clock.utc_offset_at(instant);
    bookable_slots(
        &refs,
        &p.query(sets.len(), resume, false),
        slots,
        by_closure,
    )
    .expect("valid query")
    .take(take)
    .map(|s| {
        assert_eq!(s.meeting.end() - s.meeting.start(), slots.duration);
        to_minutes(s.meeting.start(), s.meeting.end(), s.free.iter())
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn free_intervals_match_the_minute_oracle(users in users(), p in params()) {
        let sets = interval_sets(&users);
        let expected = oracle_intervals(&users, &p, None);
        prop_assert_eq!(&engine_intervals(&sets, &p, None, usize::MAX), &expected);
        // Paging in small pages gives the same list.
        let paged = all_pages(p.limit, |resume| engine_intervals(&sets, &p, resume, p.limit + 1));
        prop_assert_eq!(&paged, &expected);
        // Resuming after any instant, not only a result's start.
        prop_assert_eq!(
            engine_intervals(&sets, &p, p.resume_after, usize::MAX),
            oracle_intervals(&users, &p, p.resume_after)
        );
    }

    #[test]
    fn everyone_free_is_the_plain_intersection(users in users(), p in params()) {
        let sets = interval_sets(&users);
        let everyone = Params { quorum: None, min_duration: None, ..p };
        let mut common = sets[0].clone();
        for set in &sets[1..] {
            common = common.intersection(set);
        }
        if let Some(window) = Interval::new(
            everyone.from.map_or(Millis::MIN, |m| m * MINUTE_MS),
            everyone.to.map_or(Millis::MAX, |m| m * MINUTE_MS),
        ) {
            common = common.clip(window);
        }
        let everyone_bits = (1_u128 << users.len()) - 1;
        let expected: Vec<Found> = common
            .as_slice()
            .iter()
            .map(|i| (i.start() / MINUTE_MS, i.end() / MINUTE_MS, everyone_bits))
            .collect();
        prop_assert_eq!(engine_intervals(&sets, &everyone, None, usize::MAX), expected);
    }

    #[test]
    fn slots_match_the_minute_oracle(
        users in users(),
        p in params(),
        slots in slot_queries(),
        clock in clocks(),
    ) {
        let sets = interval_sets(&users);
        let expected = oracle_slots(&users, &p, &slots, &clock, None);
        prop_assert_eq!(&engine_slots(&sets, &p, &slots, clock, None, usize::MAX), &expected);
        let paged = all_pages(p.limit, |resume| {
            engine_slots(&sets, &p, &slots, clock, resume, p.limit + 1)
        });
        prop_assert_eq!(&paged, &expected);
        prop_assert_eq!(
            engine_slots(&sets, &p, &slots, clock, p.resume_after, usize::MAX),
            oracle_slots(&users, &p, &slots, &clock, p.resume_after)
        );
    }
}
