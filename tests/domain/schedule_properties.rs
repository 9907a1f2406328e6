//! Property tests of `Schedule::expand` against an oracle that walks every minute.
//!
//! The oracle never asks the time zone library to turn a local time into an instant. It walks
//! UTC minute by minute and notes the local wall time of each one (a lookup that is never
//! ambiguous), which gives every local minute its first occurrence; a local minute the clocks
//! jump over gets the instant it would have had with the offset before the jump. Then it lays
//! each day's ranges onto that map and decides minute by minute whether the user is available.

use availability_api::domain::schedule::Schedule;
use availability_api::domain::time::MINUTE_MS;
use availability_api::domain::timestamp::Zone;
use availability_api::domain::{Interval, Millis};
use chrono::{DateTime, Datelike, Days, NaiveDate, Offset, TimeZone};
use proptest::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

const DAY_MINUTES: i64 = 24 * 60;

/// Zones with the awkward kinds of change: 30- and 45-minute offsets and shifts, a two-hour
/// shift, changes at midnight or at 23:00 that move the date, and zones with no change at all.
const ZONES: [&str; 14] = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Havana",
    "Asia/Beirut",
    "America/Santiago",
    "America/Nuuk",
    "Antarctica/Troll",
    "Pacific/Chatham",
    "America/St_Johns",
    "Africa/Casablanca",
    "Europe/Berlin",
    "Asia/Kolkata",
    "UTC",
];

fn zone(name: &str) -> Zone {
    Zone::named(name).expect("a zone from the list")
}

fn offset_seconds(zone: Zone, utc_minute: i64) -> i64 {
    let instant = DateTime::from_timestamp(utc_minute * 60, 0).expect("in range");
    i64::from(
        zone.offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// For each zone, the hours of 2025-2027 in which its offset changes (or one plain day when
/// it never does): the windows are drawn around them.
static ANCHORS: LazyLock<Vec<(&'static str, i64)>> = LazyLock::new(|| {
    let hour = 60;
    let start = 1_735_689_600 / 60; // 2025-01-01T00:00:00Z in minutes
    let end = start + 3 * 365 * DAY_MINUTES;
    let mut anchors = Vec::new();
    for name in ZONES {
        let zone = zone(name);
        let before = anchors.len();
        let mut previous = offset_seconds(zone, start);
        for minute in (start..end).step_by(hour as usize) {
            let offset = offset_seconds(zone, minute);
            if offset != previous {
                anchors.push((name, minute));
                previous = offset;
            }
        }
        if anchors.len() == before {
            anchors.push((name, start + 400 * DAY_MINUTES));
        }
    }
    anchors
});

/// A schedule in the oracle's own terms: minutes after midnight, dates relative to the anchor.
#[derive(Clone, Debug)]
struct Case {
    zone: &'static str,
    /// UTC minutes, `start < end`.
    window: (i64, i64),
    /// Day bits (Monday = bit 0), start minute, end minute (1440 is 24:00).
    weekly: Vec<(u8, u16, u16)>,
    /// Days after the anchor's local date → ranges.
    overrides: BTreeMap<i64, Vec<(u16, u16)>>,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn range_strategy() -> impl Strategy<Value = (u16, u16)> {
    // Quarter hours hit the changes' own minutes; any minute catches the rest.
    let start = prop_oneof![(0u16..96).prop_map(|q| q * 15), 0u16..1440];
    let end = prop_oneof![(0u16..=96).prop_map(|q| q * 15), 0u16..=1440];
    (start, end)
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        0..ANCHORS.len(),
        0i64..2 * DAY_MINUTES,
        1i64..4 * DAY_MINUTES,
        prop::collection::vec((1u8..128, range_strategy()), 0..4),
        prop::collection::btree_map(
            -3i64..=3,
            prop::collection::vec(range_strategy(), 0..3),
            0..3,
        ),
        prop::option::of(-4i64..=4),
        prop::option::of(-4i64..=4),
    )
        .prop_map(
            |(anchor, before, length, weekly, overrides, valid_from, valid_until)| {
                let (zone, at) = ANCHORS[anchor];
                let (valid_from, valid_until) = match (valid_from, valid_until) {
                    (Some(from), Some(until)) if from > until => (Some(until), Some(from)),
                    bounds => bounds,
                };
                Case {
                    zone,
                    window: (at - before, at - before + length),
                    weekly: weekly
                        .into_iter()
                        .map(|(days, (start, end))| (days, start, end))
                        .collect(),
                    overrides,
                    valid_from,
                    valid_until,
                }
            },
        )
}

impl Case {
    fn anchor_date(&self) -> NaiveDate {
        let zone = zone(self.zone);
        let local_minute = self.window.0 + offset_seconds(zone, self.window.0) / 60;
        date_of_local_minute(local_minute)
    }

    fn date(&self, days_after_anchor: i64) -> NaiveDate {
        let anchor = self.anchor_date();
        let days = Days::new(days_after_anchor.unsigned_abs());
        if days_after_anchor < 0 {
            anchor - days
        } else {
            anchor + days
        }
    }

    fn schedule(&self) -> Schedule {
        let day_names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let weekly: Vec<_> = self
            .weekly
            .iter()
            .map(|&(days, start, end)| {
                let days: Vec<_> = (0..7)
                    .filter(|bit| days & (1 << bit) != 0)
                    .map(|bit| day_names[bit])
                    .collect();
                json!({"days": days, "start": clock(start), "end": clock(end)})
            })
            .collect();
        let overrides: Vec<_> = self
            .overrides
            .iter()
            .map(|(&day, ranges)| {
                let ranges: Vec<_> = ranges
                    .iter()
                    .map(|&(start, end)| json!({"start": clock(start), "end": clock(end)}))
                    .collect();
                json!({"date": self.date(day).to_string(), "ranges": ranges})
            })
            .collect();
        serde_json::from_value(json!({
            "timezone": self.zone,
            "weekly": weekly,
            "overrides": overrides,
            "valid_from": self.valid_from.map(|day| self.date(day).to_string()),
            "valid_until": self.valid_until.map(|day| self.date(day).to_string()),
        }))
        .expect("generated schedules are valid")
    }

    fn window_millis(&self) -> Interval {
        Interval::new(self.window.0 * MINUTE_MS, self.window.1 * MINUTE_MS).expect("start < end")
    }

    /// The ranges that start on `date`, as minutes after its midnight.
    fn ranges_on(&self, date: NaiveDate) -> Vec<(u16, u16)> {
        let days_after_anchor = (date - self.anchor_date()).num_days();
        let valid = self.valid_from.is_none_or(|from| days_after_anchor >= from)
            && self
                .valid_until
                .is_none_or(|until| days_after_anchor <= until);
        if !valid {
            return Vec::new();
        }
        if let Some(ranges) = self.overrides.get(&days_after_anchor) {
            return ranges.clone();
        }
        let bit = date.weekday().num_days_from_monday();
        self.weekly
            .iter()
            .filter(|(days, _, _)| days & (1 << bit) != 0)
            .map(|&(_, start, end)| (start, end))
            .collect()
    }
}

fn date_of_local_minute(local_minute: i64) -> NaiveDate {
    DateTime::from_timestamp(local_minute.div_euclid(DAY_MINUTES) * 86_400, 0)
        .expect("in range")
        .date_naive()
}

fn local_minute_of_midnight(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .expect("midnight exists on a naive date")
        .and_utc()
        .timestamp()
        / 60
}

/// Local minute (minutes since 1970-01-01 00:00 on the wall clock) → the UTC minute it names.
fn local_to_utc_map(zone: Zone, utc_from: i64, utc_to: i64) -> HashMap<i64, i64> {
    let walk: Vec<(i64, i64)> = (utc_from..utc_to)
        .map(|utc| {
            let offset = offset_seconds(zone, utc);
            assert_eq!(offset % 60, 0, "the listed zones have whole-minute offsets");
            (utc, utc + offset / 60)
        })
        .collect();
    let mut map = HashMap::with_capacity(walk.len());
    for &(utc, local) in &walk {
        map.entry(local).or_insert(utc); // the first occurrence wins
    }
    for pair in walk.windows(2) {
        let ((utc, local), (_, next_local)) = (pair[0], pair[1]);
        for skipped in local + 1..next_local {
            // Read with the offset before the jump: as far after `utc` as after `local`.
            map.entry(skipped).or_insert(utc + (skipped - local));
        }
    }
    map
}

/// The available UTC minutes of the case's window, as intervals of milliseconds.
fn oracle(case: &Case) -> Vec<Interval> {
    let zone = zone(case.zone);
    let (from, to) = case.window;
    let margin = 4 * DAY_MINUTES;
    let local_to_utc = local_to_utc_map(zone, from - margin, to + margin);

    let first_date = date_of_local_minute(from + offset_seconds(zone, from) / 60) - Days::new(2);
    let last_date = date_of_local_minute(to + offset_seconds(zone, to) / 60) + Days::new(2);
    let mut ranges_in_utc = Vec::new();
    for date in first_date.iter_days().take_while(|date| *date <= last_date) {
        let midnight = local_minute_of_midnight(date);
        for (start, end) in case.ranges_on(date) {
            let local_start = midnight + i64::from(start);
            let local_end = midnight + i64::from(end) + if end <= start { DAY_MINUTES } else { 0 };
            ranges_in_utc.push((local_to_utc[&local_start], local_to_utc[&local_end]));
        }
    }

    let mut available: Vec<(Millis, Millis)> = Vec::new();
    for minute in from..to {
        if ranges_in_utc
            .iter()
            .any(|&(start, end)| start <= minute && minute < end)
        {
            let (start, end) = (minute * MINUTE_MS, (minute + 1) * MINUTE_MS);
            match available.last_mut() {
                Some(last) if last.1 == start => last.1 = end,
                _ => available.push((start, end)),
            }
        }
    }
    available
        .into_iter()
        .map(|(start, end)| Interval::new(start, end).expect("runs of whole minutes"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn expansion_matches_the_minute_walking_oracle(case in case_strategy()) {
        let expanded = case.schedule().expand(case.window_millis());
        let expected = oracle(&case);
        prop_assert_eq!(expanded.as_slice(), expected.as_slice());
    }

    #[test]
    fn expanding_two_halves_equals_expanding_the_whole(
        case in case_strategy(),
        cut_permille in 1i64..1000,
    ) {
        let schedule = case.schedule();
        let whole = case.window_millis();
        let cut = whole.start() + (whole.end() - whole.start()) * cut_permille / 1000;
        prop_assume!(whole.start() < cut);
        let halves = schedule
            .expand(Interval::new(whole.start(), cut).expect("non-empty"))
            .union(&schedule.expand(Interval::new(cut, whole.end()).expect("non-empty")));
        prop_assert_eq!(halves, schedule.expand(whole));
    }

    #[test]
    fn a_schedule_reads_back_from_its_own_json(case in case_strategy()) {
        let schedule = case.schedule();
        let text = serde_json::to_string(&schedule).expect("serializes");
        let again: Schedule = serde_json::from_str(&text).expect("reads back");
        prop_assert_eq!(&again, &schedule);
        prop_assert_eq!(serde_json::to_string(&again).expect("serializes"), text);
    }
}

#[test]
fn the_anchors_include_the_fixed_cases_changes() {
    let anchor = |zone: &str, utc: &str| {
        let minute = DateTime::parse_from_rfc3339(utc)
            .expect("valid")
            .timestamp()
            / 60;
        ANCHORS
            .iter()
            .any(|&(name, at)| name == zone && at == minute)
    };
    assert!(anchor("America/New_York", "2026-03-08T07:00:00Z"));
    assert!(anchor("Europe/London", "2026-10-25T01:00:00Z"));
    // Lord Howe's October change is at 15:30Z; the hourly scan finds it in the next hour.
    assert!(anchor("Australia/Lord_Howe", "2026-10-03T16:00:00Z"));
}
