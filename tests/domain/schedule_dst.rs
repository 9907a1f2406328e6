//! Fixed cases of schedules meeting daylight-saving changes, through the library's public API.
//! Expected instants are written with the offset the wall clock shows, as a person checks them.

use availability_api::domain::schedule::Schedule;
use availability_api::domain::time::HOUR_MS;
use availability_api::domain::timestamp::Zone;
use availability_api::domain::timestamp::{format_timestamp_in, parse_time_zone, parse_timestamp};
use availability_api::domain::{Interval, IntervalSet, Millis};
use chrono::{DateTime, Offset, TimeZone};
use serde_json::json;

fn at(text: &str) -> Millis {
    parse_timestamp(text).expect("valid test timestamp")
}

fn window(from: &str, to: &str) -> Interval {
    Interval::new(at(from), at(to)).expect("valid test window")
}

/// A schedule in `zone` with one rule on the given days.
fn weekly(zone: &str, days: &[&str], start: &str, end: &str) -> Schedule {
    schedule(json!({
        "timezone": zone,
        "weekly": [{"days": days, "start": start, "end": end}]
    }))
}

fn schedule(value: serde_json::Value) -> Schedule {
    serde_json::from_value(value).expect("valid test schedule")
}

/// The expansion as (start, end) pairs written in the schedule's own zone.
fn local_pairs(schedule: &Schedule, within: Interval) -> Vec<(String, String)> {
    pairs_in(&schedule.expand(within), schedule.timezone())
}

fn pairs_in(set: &IntervalSet, zone: Zone) -> Vec<(String, String)> {
    set.as_slice()
        .iter()
        .map(|i| {
            (
                format_timestamp_in(i.start(), zone),
                format_timestamp_in(i.end(), zone),
            )
        })
        .collect()
}

fn pair(start: &str, end: &str) -> (String, String) {
    (start.to_owned(), end.to_owned())
}

fn hours(set: &IntervalSet) -> Vec<f64> {
    set.as_slice()
        .iter()
        .map(|i| i.duration() as f64 / HOUR_MS as f64)
        .collect()
}

/// The instants in `year` at which `zone`'s offset changes, found by stepping through the year
/// a quarter-hour at a time, with the offsets before and after, in seconds.
fn transitions(zone: Zone, year: i32) -> Vec<(Millis, i32, i32)> {
    let offset_at = |millis: Millis| {
        let instant = DateTime::from_timestamp_millis(millis).expect("in range");
        zone.offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let start = at(&format!("{year}-01-01T00:00:00Z"));
    let end = at(&format!("{}-01-01T00:00:00Z", year + 1));
    let mut found = Vec::new();
    let mut previous = offset_at(start);
    for millis in (start..end).step_by(15 * 60 * 1000) {
        let offset = offset_at(millis);
        if offset != previous {
            found.push((millis, previous, offset));
            previous = offset;
        }
    }
    found
}

#[test]
fn new_york_springs_forward_on_2026_03_08() {
    let sunday = window("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00");
    let morning = weekly("America/New_York", &["sun"], "00:00", "12:00");
    assert_eq!(
        local_pairs(&morning, sunday),
        [pair(
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T12:00:00-04:00"
        )]
    );
    assert_eq!(hours(&morning.expand(sunday)), [11.0]);

    let whole_day = weekly("America/New_York", &["sun"], "00:00", "24:00");
    assert_eq!(hours(&whole_day.expand(sunday)), [23.0]);
    let office = weekly("America/New_York", &["sun"], "09:00", "17:00");
    assert_eq!(hours(&office.expand(sunday)), [8.0]);

    // 02:30 does not exist: it moves forward by the hour the clocks jump.
    let in_the_gap = weekly("America/New_York", &["sun"], "02:30", "04:00");
    assert_eq!(
        local_pairs(&in_the_gap, sunday),
        [pair(
            "2026-03-08T03:30:00-04:00",
            "2026-03-08T04:00:00-04:00"
        )]
    );
    // ... which can carry a start past its end: that day the range is empty.
    let swallowed = weekly("America/New_York", &["sun"], "02:30", "03:15");
    assert!(swallowed.expand(sunday).is_empty());
    let next_sunday = window("2026-03-15T00:00:00-04:00", "2026-03-16T00:00:00-04:00");
    assert_eq!(hours(&swallowed.expand(next_sunday)), [0.75]);
}

#[test]
fn new_york_falls_back_on_2026_11_01() {
    let sunday = window("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00");
    let morning = weekly("America/New_York", &["sun"], "00:00", "12:00");
    assert_eq!(
        local_pairs(&morning, sunday),
        [pair(
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T12:00:00-05:00"
        )]
    );
    assert_eq!(hours(&morning.expand(sunday)), [13.0]);
    let whole_day = weekly("America/New_York", &["sun"], "00:00", "24:00");
    assert_eq!(hours(&whole_day.expand(sunday)), [25.0]);

    // 01:00-01:30 happens twice; the range is its first occurrence only.
    let repeated = weekly("America/New_York", &["sun"], "01:00", "01:30");
    assert_eq!(
        local_pairs(&repeated, sunday),
        [pair(
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:30:00-04:00"
        )]
    );
    // From the first 01:30 to 02:00 the wall clock runs an hour and a half.
    let across = weekly("America/New_York", &["sun"], "01:30", "02:00");
    assert_eq!(
        local_pairs(&across, sunday),
        [pair(
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T02:00:00-05:00"
        )]
    );
    assert_eq!(hours(&across.expand(sunday)), [1.5]);
}

#[test]
fn london_springs_forward_on_2026_03_29() {
    let sunday = window("2026-03-29T00:00:00Z", "2026-03-30T00:00:00+01:00");
    let whole_day = weekly("Europe/London", &["sun"], "00:00", "24:00");
    assert_eq!(hours(&whole_day.expand(sunday)), [23.0]);
    // 01:30 does not exist and becomes 02:30 BST: the range keeps its wall-clock hour.
    let into_gap = weekly("Europe/London", &["sun"], "00:30", "01:30");
    assert_eq!(
        local_pairs(&into_gap, sunday),
        [pair(
            "2026-03-29T00:30:00+00:00",
            "2026-03-29T02:30:00+01:00"
        )]
    );
    let office = weekly("Europe/London", &["sun"], "09:00", "17:00");
    assert_eq!(
        local_pairs(&office, sunday),
        [pair(
            "2026-03-29T09:00:00+01:00",
            "2026-03-29T17:00:00+01:00"
        )]
    );
}

#[test]
fn london_falls_back_on_2026_10_25() {
    let sunday = window("2026-10-25T00:00:00+01:00", "2026-10-26T00:00:00Z");
    let whole_day = weekly("Europe/London", &["sun"], "00:00", "24:00");
    assert_eq!(hours(&whole_day.expand(sunday)), [25.0]);
    let repeated = weekly("Europe/London", &["sun"], "01:15", "01:45");
    assert_eq!(
        local_pairs(&repeated, sunday),
        [pair(
            "2026-10-25T01:15:00+01:00",
            "2026-10-25T01:45:00+01:00"
        )]
    );
}

#[test]
fn lord_howe_moves_its_clocks_by_30_minutes() {
    let zone = parse_time_zone("Australia/Lord_Howe").expect("known zone");
    let found = transitions(zone, 2026);
    let half_hour = 30 * 60;
    let ten_thirty = (10 * 60 + 30) * 60;
    assert_eq!(
        found,
        [
            (
                at("2026-04-04T15:00:00Z"),
                ten_thirty + half_hour,
                ten_thirty
            ),
            (
                at("2026-10-03T15:30:00Z"),
                ten_thirty,
                ten_thirty + half_hour
            ),
        ]
    );

    // Sunday 5 April: 02:00 falls back to 01:30.
    let early = weekly("Australia/Lord_Howe", &["sun"], "00:00", "06:00");
    let april_5 = window("2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:30");
    assert_eq!(
        local_pairs(&early, april_5),
        [pair(
            "2026-04-05T00:00:00+11:00",
            "2026-04-05T06:00:00+10:30"
        )]
    );
    assert_eq!(hours(&early.expand(april_5)), [6.5]);
    let repeated = weekly("Australia/Lord_Howe", &["sun"], "01:45", "02:00");
    assert_eq!(
        local_pairs(&repeated, april_5),
        [pair(
            "2026-04-05T01:45:00+11:00",
            "2026-04-05T02:00:00+10:30"
        )]
    );

    // Sunday 4 October: 02:00 jumps to 02:30; 02:15 moves forward to 02:45.
    let october_4 = window("2026-10-04T00:00:00+10:30", "2026-10-05T00:00:00+11:00");
    assert_eq!(hours(&early.expand(october_4)), [5.5]);
    let in_the_gap = weekly("Australia/Lord_Howe", &["sun"], "02:15", "03:00");
    assert_eq!(
        local_pairs(&in_the_gap, october_4),
        [pair(
            "2026-10-04T02:45:00+11:00",
            "2026-10-04T03:00:00+11:00"
        )]
    );
}

#[test]
fn a_night_shift_past_midnight_meets_the_change() {
    // Saturday 22:00 to Sunday 06:00 in New York: 7 hours in March, 9 in November.
    let night = weekly("America/New_York", &["sat"], "22:00", "06:00");
    let march = window("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z");
    assert_eq!(
        local_pairs(&night, march),
        [pair(
            "2026-03-07T22:00:00-05:00",
            "2026-03-08T06:00:00-04:00"
        )]
    );
    assert_eq!(hours(&night.expand(march)), [7.0]);
    let november = window("2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z");
    assert_eq!(hours(&night.expand(november)), [9.0]);
}

#[test]
fn changes_at_midnight_join_the_evening_to_the_next_morning() {
    // Havana jumps from 00:00 to 01:00 on 2026-03-08: an evening ending at 24:00 and a morning
    // starting at 00:00 both land on 01:00 CDT and merge into one interval.
    let havana = schedule(json!({
        "timezone": "America/Havana",
        "weekly": [
            {"days": ["sat"], "start": "20:00", "end": "24:00"},
            {"days": ["sun"], "start": "00:00", "end": "02:00"}
        ]
    }));
    let weekend = window("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z");
    assert_eq!(
        local_pairs(&havana, weekend),
        [pair(
            "2026-03-07T20:00:00-05:00",
            "2026-03-08T02:00:00-04:00"
        )]
    );
    assert_eq!(hours(&havana.expand(weekend)), [5.0]);

    // Beirut falls back from 00:00 to 23:00 on 2026-10-25: Saturday's 23:00-24:00 happens
    // twice, and 22:00-24:00 ends at midnight after both, three hours.
    let beirut = weekly("Asia/Beirut", &["sat"], "22:00", "24:00");
    let around = window("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z");
    assert_eq!(
        local_pairs(&beirut, around),
        [pair(
            "2026-10-24T22:00:00+03:00",
            "2026-10-25T00:00:00+02:00"
        )]
    );
    let repeated = weekly("Asia/Beirut", &["sat"], "23:15", "23:45");
    assert_eq!(
        local_pairs(&repeated, around),
        [pair(
            "2026-10-24T23:15:00+03:00",
            "2026-10-24T23:45:00+03:00"
        )]
    );
}

#[test]
fn an_override_on_a_dst_day_replaces_that_day_but_not_the_night_before() {
    let with_override = schedule(json!({
        "timezone": "America/New_York",
        "weekly": [
            {"days": ["sun"], "start": "09:00", "end": "17:00"},
            {"days": ["sat"], "start": "22:00", "end": "02:00"}
        ],
        "overrides": [
            {"date": "2026-03-08", "ranges": [{"start": "01:00", "end": "04:00"}]},
            {"date": "2026-11-01", "ranges": []}
        ]
    }));
    // Saturday's 22:00-02:00 ends at 02:00, which does not exist: 03:00 EDT. The override's
    // 01:00-04:00 is two hours that day; Sunday's 09:00-17:00 is gone.
    let march = window("2026-03-07T00:00:00Z", "2026-03-09T12:00:00Z");
    assert_eq!(
        local_pairs(&with_override, march),
        [pair(
            "2026-03-07T22:00:00-05:00",
            "2026-03-08T04:00:00-04:00"
        )]
    );
    // An empty override leaves only Saturday night, which still runs into Sunday
    // (22:00 EDT to 02:00 EST: five hours).
    let november = window("2026-10-31T00:00:00Z", "2026-11-02T12:00:00Z");
    assert_eq!(
        local_pairs(&with_override, november),
        [pair(
            "2026-10-31T22:00:00-04:00",
            "2026-11-01T02:00:00-05:00"
        )]
    );
    assert_eq!(hours(&with_override.expand(november)), [5.0]);
}

#[test]
fn validity_dates_count_by_the_day_a_range_starts() {
    let bounded = schedule(json!({
        "timezone": "America/New_York",
        "weekly": [{"days": ["fri", "sat", "sun"], "start": "22:00", "end": "06:00"}],
        "valid_from": "2026-03-07",
        "valid_until": "2026-03-07"
    }));
    let weekend = window("2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z");
    assert_eq!(
        local_pairs(&bounded, weekend),
        [pair(
            "2026-03-07T22:00:00-05:00",
            "2026-03-08T06:00:00-04:00"
        )]
    );
}

#[test]
fn two_users_in_different_zones_overlap_by_what_their_clocks_share() {
    let workdays = ["mon", "tue", "wed", "thu", "fri"];
    let berlin = weekly("Europe/Berlin", &workdays, "09:00", "17:00");
    let new_york = weekly("America/New_York", &workdays, "09:00", "17:00");
    let overlap_hours = |monday: &str| {
        let start = at(&format!("{monday}T00:00:00Z"));
        let week = Interval::new(start, start + 7 * 24 * HOUR_MS).expect("valid");
        hours(&berlin.expand(week).intersection(&new_york.expand(week)))
    };
    // Both on standard time: 08:00-16:00Z and 14:00-22:00Z share two hours a day.
    assert_eq!(overlap_hours("2026-03-02"), [2.0; 5]);
    // New York has moved its clocks on 8 March, Berlin not until 29 March: three hours.
    assert_eq!(overlap_hours("2026-03-09"), [3.0; 5]);
    // Both on summer time: two hours again.
    assert_eq!(overlap_hours("2026-03-30"), [2.0; 5]);

    let week = window("2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z");
    let common = berlin.expand(week).intersection(&new_york.expand(week));
    assert_eq!(
        pairs_in(&common, new_york.timezone()),
        [pair(
            "2026-03-09T09:00:00-04:00",
            "2026-03-09T12:00:00-04:00"
        )]
    );
    assert_eq!(
        pairs_in(&common, berlin.timezone()),
        [pair(
            "2026-03-09T14:00:00+01:00",
            "2026-03-09T17:00:00+01:00"
        )]
    );
}

#[test]
fn the_window_clips_and_a_larger_window_agrees() {
    let office = weekly(
        "Europe/Berlin",
        &["mon", "tue", "wed", "thu", "fri"],
        "09:00",
        "17:00",
    );
    let narrow = window("2026-03-27T12:30:00.250Z", "2026-03-30T08:00:00Z");
    assert_eq!(
        local_pairs(&office, narrow),
        [
            pair("2026-03-27T13:30:00.250+01:00", "2026-03-27T17:00:00+01:00"),
            pair("2026-03-30T09:00:00+02:00", "2026-03-30T10:00:00+02:00"),
        ]
    );
    let wide = window("2026-03-01T00:00:00Z", "2026-04-30T00:00:00Z");
    assert_eq!(office.expand(wide).clip(narrow), office.expand(narrow));
}

#[test]
fn a_range_of_almost_two_days_reaches_a_window_two_dates_later() {
    // Saturday 23:00 to Sunday 22:00 EST ends on Monday 03:00 UTC: a window early on Monday
    // (UTC) is covered by a range that started two UTC dates before it.
    let long = weekly("America/New_York", &["sat"], "23:00", "22:00");
    let early_monday = window("2026-01-12T01:00:00Z", "2026-01-12T02:00:00Z");
    assert_eq!(long.expand(early_monday).as_slice(), [early_monday]);
}
