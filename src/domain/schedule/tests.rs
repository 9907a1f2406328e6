use super::clock::ClockTime;
use super::parse::parse_date;
use super::*;
use crate::domain::Interval;
use crate::domain::test_support::{at, interval as window};
use crate::domain::time::DAY_MS;
use crate::domain::timestamp::{Zone, format_timestamp_in, parse_time_zone};
use chrono::{DateTime, Utc};
use serde_json::json;

fn input(value: serde_json::Value) -> ScheduleInput {
    serde_json::from_value(value).expect("test input has the API shape")
}

fn paths(result: Result<Schedule, InvalidSchedule>) -> Vec<String> {
    result
        .expect_err("the input is invalid")
        .errors
        .into_iter()
        .map(|error| error.pointer)
        .collect()
}

fn issue_example() -> serde_json::Value {
    json!({
        "timezone": "Europe/Berlin",
        "weekly": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
        ],
        "overrides": [
            {"date": "2026-12-24", "ranges": []},
            {"date": "2027-01-02", "ranges": [{"start": "10:00", "end": "14:00"}]}
        ],
        "valid_from": "2026-01-01",
        "valid_until": null
    })
}

#[test]
fn the_issue_example_validates_and_serializes_back_to_the_same_json() {
    let schedule = Schedule::validate(&input(issue_example())).expect("valid");
    assert_eq!(schedule.timezone().name(), "Europe/Berlin");
    assert_eq!(
        serde_json::to_value(&schedule).expect("serializes"),
        issue_example()
    );
    let stored: Schedule = serde_json::from_value(issue_example()).expect("reads back");
    assert_eq!(stored, schedule);
}

#[test]
fn optional_parts_may_be_left_out_and_come_back_explicit() {
    let schedule = Schedule::validate(&input(json!({"timezone": "UTC"}))).expect("valid schedule");
    assert_eq!(
        serde_json::to_value(&schedule).expect("serializes"),
        json!({"timezone": "UTC", "weekly": [], "overrides": [],
               "valid_from": null, "valid_until": null})
    );
}

#[test]
fn overrides_come_back_sorted_by_date() {
    let mut value = issue_example();
    value["overrides"].as_array_mut().expect("a list").reverse();
    let schedule = Schedule::validate(&input(value)).expect("valid");
    assert_eq!(schedule.to_input(), input(issue_example()));
}

#[test]
fn unknown_fields_are_refused_at_every_level() {
    for extra in [
        json!({"timezone": "UTC", "tz": "UTC"}),
        json!({"timezone": "UTC",
               "weekly": [{"days": ["mon"], "start": "09:00", "end": "10:00", "x": 1}]}),
        json!({"timezone": "UTC",
               "overrides": [{"date": "2026-01-01", "ranges": [], "note": ""}]}),
        json!({"timezone": "UTC",
               "overrides": [{"date": "2026-01-01",
                              "ranges": [{"start": "09:00", "end": "10:00", "tz": "UTC"}]}]}),
    ] {
        assert!(
            serde_json::from_value::<ScheduleInput>(extra.clone()).is_err(),
            "{extra}"
        );
    }
}

#[test]
fn every_bad_field_is_reported_with_its_path() {
    let bad = input(json!({
        "timezone": "Europe/Berln",
        "weekly": [
            {"days": ["mon", "tue", "funday", "mon"], "start": "9:00", "end": "17:00"},
            {"days": [], "start": "24:00", "end": "24:01"},
            {"days": ["sat"], "start": "00:00", "end": "24:00"}
        ],
        "overrides": [
            {"date": "2026-12-24", "ranges": []},
            {"date": "2026-12-24", "ranges": [{"start": "10:00", "end": "12:60"}]},
            {"date": "2026-02-30", "ranges": []}
        ],
        "valid_from": "2026-02-01",
        "valid_until": "2026-01-31"
    }));
    assert_eq!(
        paths(Schedule::validate(&bad)),
        [
            "/timezone",
            "/weekly/0/days/2",
            "/weekly/0/days/3",
            "/weekly/0/start",
            "/weekly/1/days",
            "/weekly/1/start",
            "/weekly/1/end",
            "/overrides/1/date",
            "/overrides/1/ranges/0/end",
            "/overrides/2/date",
            "/valid_until",
        ]
    );
    let messages = Schedule::validate(&bad).expect_err("invalid").to_string();
    for expected in [
        "`Europe/Berln` is not an IANA time zone name",
        "`funday` is not a day",
        "`mon` is listed twice (first at /weekly/0/days/0)",
        "24:00 can only end a range",
        "2026-12-24 is already overridden at /overrides/0",
        "`2026-02-30` is not a date",
        "2026-01-31 is before valid_from (2026-02-01)",
    ] {
        assert!(
            messages.contains(expected),
            "{expected} missing in {messages}"
        );
    }
}

#[test]
fn clock_times_are_exactly_hh_mm() {
    for (text, as_end, expected) in [
        ("00:00", false, Some(0)),
        ("23:59", false, Some(23 * 60 + 59)),
        ("24:00", true, Some(1440)),
        ("24:00", false, None),
        ("24:01", true, None),
        ("12:60", true, None),
        ("9:00", true, None),
        ("09:00:00", true, None),
        ("09-00", true, None),
        ("０９:００", true, None),
        ("", true, None),
    ] {
        assert_eq!(
            ClockTime::parse(text, as_end).ok().map(|time| time.0),
            expected,
            "{text:?}"
        );
    }
}

#[test]
fn dates_are_exactly_yyyy_mm_dd() {
    assert!(parse_date("2028-02-29").is_ok());
    for bad in [
        "2026-1-02",
        "2026-02-29",
        "26-01-02",
        "2026/01/02",
        "+2026-01-02",
        "",
    ] {
        assert!(parse_date(bad).is_err(), "{bad}");
    }
}

#[test]
fn long_lists_are_refused_without_checking_each_item() {
    let rule = json!({"days": ["mon"], "start": "09:00", "end": "10:00"});
    let rules = vec![rule; MAX_WEEKLY_RULES + 1];
    let ranges = vec![json!({"start": "09:00", "end": "10:00"}); MAX_RANGES_PER_OVERRIDE + 1];
    let too_many = input(json!({
        "timezone": "UTC", "weekly": rules,
        "overrides": [{"date": "2026-01-01", "ranges": ranges}]
    }));
    assert_eq!(
        paths(Schedule::validate(&too_many)),
        ["/weekly", "/overrides/0/ranges"]
    );
}

#[test]
fn the_window_limit_is_400_days_and_safe_at_the_extremes() {
    let start = at("2026-01-01T00:00:00Z");
    let day = DAY_MS;
    assert!(window_within_limit(
        Interval::new(start, start + 400 * day).expect("valid")
    ));
    assert!(!window_within_limit(
        Interval::new(start, start + 400 * day + 1).expect("valid")
    ));
    assert!(!window_within_limit(
        Interval::new(i64::MIN, i64::MAX).expect("valid")
    ));
}

#[test]
fn expansion_never_panics_at_the_edges_of_time() {
    let every_night = Schedule::validate(&input(json!({
        "timezone": "America/Havana",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "22:00", "end": "24:00"}]
    })))
    .expect("valid");
    let earliest = DateTime::<Utc>::MIN_UTC.timestamp_millis();
    let latest = DateTime::<Utc>::MAX_UTC.timestamp_millis();
    for (start, end) in [
        (i64::MIN, i64::MIN + 1),
        (i64::MAX - 1, i64::MAX),
        (earliest, earliest + 3 * DAY_MS),
        (latest - 3 * DAY_MS, latest),
        (i64::MIN, i64::MIN + 10 * DAY_MS),
    ] {
        let window = Interval::new(start, end).expect("valid");
        let expanded = every_night.expand(window);
        assert!(
            expanded
                .as_slice()
                .iter()
                .all(|i| window.start() <= i.start() && i.end() <= window.end())
        );
    }
    let near_start =
        every_night.expand(Interval::new(earliest, earliest + 3 * DAY_MS).expect("valid"));
    assert!(
        !near_start.is_empty(),
        "ranges exist at chrono's first dates"
    );
}

#[test]
fn the_span_holds_every_expanded_instant() {
    let span = |value| Schedule::validate(&input(value)).expect("valid").span();
    assert_eq!(span(json!({"timezone": "UTC"})), None, "nothing ever");
    assert_eq!(
        span(json!({"timezone": "Pacific/Kiritimati",
                    "overrides": [{"date": "2026-05-01", "ranges": []},
                                  {"date": "2026-05-03", "ranges": []}]})),
        Some(window("2026-04-30T00:00:00Z", "2026-05-06T00:00:00Z")),
        "overrides only: their dates"
    );
    let weekly = json!({"timezone": "Pacific/Kiritimati",
        "weekly": [{"days": ["fri"], "start": "00:00", "end": "00:00"}],
        "overrides": [{"date": "2026-05-01", "ranges": []}]});
    let unbounded = span(weekly.clone()).expect("weekly rules");
    assert!(
        unbounded.start() < at("0001-01-01T00:00:00Z")
            && unbounded.end() > at("9999-01-01T00:00:00Z")
    );
    let mut bounded = weekly;
    bounded["valid_until"] = json!("2026-05-08");
    let bounded_span = span(bounded.clone()).expect("weekly rules");
    assert_eq!(bounded_span.end(), at("2026-05-11T00:00:00Z"));
    // Friday 2026-05-08 00:00 +14:00 to Saturday 00:00 +14:00 lies inside.
    let last = Schedule::validate(&input(bounded))
        .expect("valid")
        .expand(window("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"));
    assert_eq!(
        last.as_slice(),
        [window("2026-05-07T10:00:00Z", "2026-05-08T10:00:00Z")]
    );
    assert!(bounded_span.start() <= last.as_slice()[0].start());
}

#[test]
fn an_unbounded_window_costs_only_the_valid_dates() {
    let one_year = Schedule::validate(&input(json!({
        "timezone": "Europe/Berlin",
        "weekly": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
        ],
        "valid_from": "2026-01-01", "valid_until": "2026-12-31"
    })))
    .expect("valid");
    let expanded = one_year.expand(Interval::new(i64::MIN, i64::MAX).expect("valid"));
    assert_eq!(expanded.len(), 261, "the weekdays of 2026");
}

#[test]
fn a_day_the_zone_skipped_entirely_maps_onto_the_next() {
    // Samoa skipped 2011-12-30 when it crossed the date line: its local times are all in a
    // gap and move forward by 24 hours, onto Saturday's.
    let samoa = Schedule::validate(&input(json!({
        "timezone": "Pacific/Apia",
        "overrides": [{"date": "2011-12-30", "ranges": [{"start": "09:00", "end": "10:00"}]}]
    })))
    .expect("valid");
    let expanded = samoa.expand(window("2011-12-28T00:00:00Z", "2012-01-02T00:00:00Z"));
    assert_eq!(
        expanded.as_slice(),
        [window("2011-12-30T19:00:00Z", "2011-12-30T20:00:00Z")]
    );
    assert_eq!(
        format_timestamp_in(at("2011-12-30T19:00:00Z"), zone("Pacific/Apia")),
        "2011-12-31T09:00:00+14:00"
    );
}

fn zone(name: &str) -> Zone {
    parse_time_zone(name).expect("a bundled zone")
}
