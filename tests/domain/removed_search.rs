//! `UserRecord::has_availability_in` (what `DELETE` asks before removing a range) against its
//! earlier form as oracle: the range cut into gaps between removed ranges, each gap into windows
//! of at most `MAX_WINDOW_DAYS`, and the whole availability computed for each window.

use availability_api::domain::schedule::{MAX_WINDOW_DAYS, Schedule};
use availability_api::domain::time::{DAY_MS, MINUTE_MS};
use availability_api::domain::{Interval, IntervalSet, Millis, UserRecord};
use proptest::prelude::*;
use serde_json::json;

const ZONES: [&str; 5] = [
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
];
/// 2026-03-01T00:00:00Z: a week before New York springs forward.
const BASE: Millis = 1_772_323_200_000;
const BASE_DATE: &str = "2026-03-01";

fn oracle(record: &UserRecord, range: Interval) -> bool {
    if record.slots.overlaps(range) {
        return true;
    }
    let Some(searched) = record
        .schedule
        .as_ref()
        .and_then(Schedule::span)
        .and_then(|span| span.intersection(&range))
    else {
        return false;
    };
    IntervalSet::from_intervals(vec![searched])
        .difference(&record.removed)
        .as_slice()
        .iter()
        .flat_map(|&piece| {
            let mut windows = Vec::new();
            let mut start = piece.start();
            while let Some(window) = Interval::new(
                start,
                start
                    .saturating_add(MAX_WINDOW_DAYS * DAY_MS)
                    .min(piece.end()),
            ) {
                windows.push(window);
                start = window.end();
            }
            windows
        })
        .any(|window| !record.availability_within(window).is_empty())
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn date(days_after_base: i64) -> String {
    let base: chrono::NaiveDate = BASE_DATE.parse().expect("a date");
    (base + chrono::TimeDelta::days(days_after_base)).to_string()
}

/// Minutes from `BASE` to intervals, normalized.
fn set_of(pieces: &[(i64, i64)]) -> IntervalSet {
    IntervalSet::from_intervals(
        pieces
            .iter()
            .filter_map(|&(start, length)| {
                Interval::new(
                    BASE + start * MINUTE_MS,
                    BASE + (start + length) * MINUTE_MS,
                )
            })
            .collect(),
    )
}

fn range_strategy() -> impl Strategy<Value = (u16, u16)> {
    (0u16..96, 0u16..=96).prop_map(|(start, end)| (start * 15, end * 15))
}

prop_compose! {
    fn record_strategy()(
        zone in 0..ZONES.len(),
        weekly in prop::collection::vec((1u8..128, range_strategy()), 0..4),
        overrides in prop::collection::btree_map(-25i64..25, prop::collection::vec(range_strategy(), 0..3), 0..4),
        valid_from in prop::option::of(-30i64..10),
        valid_for in prop::option::of(0i64..40),
        removed in prop::collection::vec((-40 * 1440i64..40 * 1440, 1i64..4 * 1440), 0..40),
        slots in prop::collection::vec((-40 * 1440i64..40 * 1440, 1i64..600), 0..2),
    ) -> UserRecord {
        let day_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let weekly: Vec<_> = weekly
            .iter()
            .map(|&(days, (start, end))| {
                let days: Vec<_> =
                    (0..7).filter(|bit| days & (1 << bit) != 0).map(|bit| day_names[bit]).collect();
                json!({"days": days, "start": clock(start), "end": clock(end)})
            })
            .collect();
        let overrides: Vec<_> = overrides
            .iter()
            .map(|(&day, ranges)| {
                let ranges: Vec<_> = ranges
                    .iter()
                    .map(|&(start, end)| json!({"start": clock(start), "end": clock(end)}))
                    .collect();
                json!({"date": date(day), "ranges": ranges})
            })
            .collect();
        let schedule = serde_json::from_value(json!({
            "timezone": ZONES[zone],
            "weekly": weekly,
            "overrides": overrides,
            "valid_from": valid_from.map(date),
            "valid_until": valid_from.zip(valid_for).map(|(from, days)| date(from + days)),
        }))
        .expect("generated schedules are valid");
        let removed = set_of(&removed);
        UserRecord {
            slots: set_of(&slots).difference(&removed),
            removed,
            schedule: Some(schedule),
            ..UserRecord::default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_search_answers_as_the_expansion_per_gap_did(
        record in record_strategy(),
        start in -45 * 1440i64..45 * 1440,
        length in prop_oneof![1i64..3 * 1440, 1i64..90 * 1440],
    ) {
        let range = Interval::new(BASE + start * MINUTE_MS, BASE + (start + length) * MINUTE_MS)
            .expect("length > 0");
        prop_assert_eq!(record.has_availability_in(range), oracle(&record, range));
    }
}
