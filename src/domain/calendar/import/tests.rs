use super::*;
use crate::domain::test_support::{at, interval};

fn options(from: &str, to: &str, zone: &str) -> BusyOptions {
    BusyOptions {
        window: interval(from, to),
        zone: Zone::named(zone).expect("a zone"),
        owner_addresses: vec!["me@example.com".into()],
    }
}

fn calendar(events: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        events.replace('\n', "\r\n")
    )
}

fn busy(text: &str, options: &BusyOptions) -> Vec<(String, String)> {
    let read = busy_of(&[text], options).expect("a calendar");
    read.busy
        .as_slice()
        .iter()
        .map(|i| {
            (
                crate::domain::timestamp::format_timestamp(i.start()),
                crate::domain::timestamp::format_timestamp(i.end()),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_weekly_meeting_across_dst_with_exdate_rdate_and_overrides() {
    let text = calendar(
        "BEGIN:VEVENT
UID:weekly
DTSTART;TZID=W. Europe Standard Time:20260319T090000
DTEND;TZID=W. Europe Standard Time:20260319T100000
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;TZID=W. Europe Standard Time:20260402T090000
RDATE;TZID=W. Europe Standard Time:20260421T150000
END:VEVENT
BEGIN:VEVENT
UID:weekly
RECURRENCE-ID;TZID=W. Europe Standard Time:20260409T090000
DTSTART;TZID=W. Europe Standard Time:20260409T130000
DTEND;TZID=W. Europe Standard Time:20260409T140000
END:VEVENT
BEGIN:VEVENT
UID:weekly
RECURRENCE-ID;TZID=W. Europe Standard Time:20260416T090000
DTSTART;TZID=W. Europe Standard Time:20260416T090000
DTEND;TZID=W. Europe Standard Time:20260416T100000
STATUS:CANCELLED
END:VEVENT
",
    );
    assert_eq!(
        busy(
            &text,
            &options("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "UTC")
        ),
        pairs(&[
            ("2026-03-19T08:00:00Z", "2026-03-19T09:00:00Z"),
            // Berlin moved to summer time on 2026-03-29: 09:00 is now 07:00 UTC.
            ("2026-03-26T08:00:00Z", "2026-03-26T09:00:00Z"),
            ("2026-04-09T11:00:00Z", "2026-04-09T12:00:00Z"),
            ("2026-04-21T13:00:00Z", "2026-04-21T14:00:00Z"),
        ])
    );
}

#[test]
fn free_events_declines_all_day_floating_and_orphan_overrides() {
    let text = calendar(
        "BEGIN:VEVENT
UID:free
DTSTART:20260302T090000Z
DTEND:20260302T100000Z
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:declined
DTSTART:20260302T110000Z
DTEND:20260302T120000Z
ATTENDEE;PARTSTAT=DECLINED;CN=Me:mailto:ME@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.com
END:VEVENT
BEGIN:VEVENT
UID:tentative
DTSTART:20260302T130000Z
DTEND:20260302T133000Z
STATUS:TENTATIVE
ATTENDEE;PARTSTAT=DECLINED:mailto:other@example.com
END:VEVENT
BEGIN:VEVENT
UID:holiday
DTSTART;VALUE=DATE:20260303
DTEND;VALUE=DATE:20260304
END:VEVENT
BEGIN:VEVENT
UID:floating
DTSTART:20260305T090000
DURATION:PT45M
END:VEVENT
BEGIN:VEVENT
UID:orphan
RECURRENCE-ID:20260306T090000Z
DTSTART:20260306T100000Z
DTEND:20260306T110000Z
END:VEVENT
",
    );
    assert_eq!(
        busy(
            &text,
            &options(
                "2026-03-01T00:00:00Z",
                "2026-04-01T00:00:00Z",
                "America/New_York"
            )
        ),
        pairs(&[
            ("2026-03-02T13:00:00Z", "2026-03-02T13:30:00Z"),
            ("2026-03-03T05:00:00Z", "2026-03-04T05:00:00Z"),
            ("2026-03-05T14:00:00Z", "2026-03-05T14:45:00Z"),
            ("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z"),
        ])
    );
}

#[test]
fn the_window_clips_and_unfollowed_rules_keep_their_first_instance() {
    let text = calendar(
        "BEGIN:VEVENT
UID:daily
DTSTART:20200101T090000Z
DTEND:20200101T100000Z
RRULE:FREQ=DAILY
END:VEVENT
BEGIN:VEVENT
UID:hourly
DTSTART:20260302T000000Z
DTEND:20260302T003000Z
RRULE:FREQ=HOURLY
END:VEVENT
",
    );
    let options = options("2026-03-02T09:30:00Z", "2026-03-04T00:00:00Z", "UTC");
    let read = busy_of(&[&text], &options).expect("a calendar");
    assert_eq!(read.skipped, 1);
    assert_eq!(
        busy(&text, &options),
        pairs(&[
            ("2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z"),
            ("2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z"),
        ])
    );
    assert_eq!(at("2026-03-02T09:30:00Z"), options.window.start());
}

#[test]
fn what_is_not_a_calendar_is_an_error() {
    let options = options("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    assert!(busy_of(&["<html>hello</html>"], &options).is_err());
    assert!(busy_of(&["BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"], &options).is_err());
}

/// A zone only a VTIMEZONE defines: Central European offsets with the United States' dates
/// (second Sunday of March, first of November), as Outlook writes a customized zone: onsets
/// from 1601.
pub(super) const CUSTOMIZED_ZONE: &str = "BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16011104T030000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
";

#[test]
fn a_zone_defined_only_by_its_vtimezone_is_read_by_its_rules() {
    let text = calendar(&format!(
        "{CUSTOMIZED_ZONE}BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0900
TZOFFSETTO:+0900
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly
DTSTART;TZID=\"Customized Time Zone\":20260305T090000
DTEND;TZID=\"Customized Time Zone\":20260305T100000
RRULE:FREQ=WEEKLY;COUNT=2
EXDATE;TZID=Customized Time Zone:20260312T090000
RDATE;TZID=Customized Time Zone:20260313T090000
END:VEVENT
BEGIN:VEVENT
UID:paris
DTSTART;TZID=Europe/Paris:20260316T090000
DURATION:PT1H
END:VEVENT
BEGIN:VEVENT
UID:unknown
DTSTART;TZID=Nowhere defined:20260317T090000
DURATION:PT1H
END:VEVENT
"
    ));
    assert_eq!(
        busy(
            &text,
            &options("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC")
        ),
        pairs(&[
            // +01:00 before the zone's own change on 2026-03-08, +02:00 after.
            ("2026-03-05T08:00:00Z", "2026-03-05T09:00:00Z"),
            ("2026-03-13T07:00:00Z", "2026-03-13T08:00:00Z"),
            // An IANA name is read from the tz database, whatever its VTIMEZONE says.
            ("2026-03-16T08:00:00Z", "2026-03-16T09:00:00Z"),
            // A TZID nothing defines floats, in the calendar's zone.
            ("2026-03-17T09:00:00Z", "2026-03-17T10:00:00Z"),
        ])
    );
}

#[test]
fn texts_that_repeat_one_vtimezone_define_it_once() {
    // A CalDAV answer: one calendar per event, each with the same VTIMEZONE from 1601. Were
    // each read anew, those past the 100 zones a text may define would float, at other times.
    let texts: Vec<String> = (0..2_000)
        .map(|n| {
            calendar(&format!(
                "{CUSTOMIZED_ZONE}BEGIN:VEVENT
UID:e{n}
DTSTART;TZID=Customized Time Zone:20260309T{:02}0000
DURATION:PT30M
END:VEVENT
",
                n % 24
            ))
        })
        .collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let options = options("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "UTC");
    let read = busy_of(&texts, &options).expect("calendars");
    assert!(!read.truncated);
    assert_eq!(read.events, 2_000);
    // 24 half hours of 2026-03-09 at +02:00, from 22:00Z the day before.
    assert_eq!(
        read.busy.as_slice().first().map(|i| i.start()),
        Some(at("2026-03-08T22:00:00Z"))
    );
    assert_eq!(read.busy.len(), 24);
}

/// Rules without `COUNT` begin at the window (a sync's cost follows the window); these hold
/// that reading to walking every rule from its start, over random rules, starts and windows.
mod jumping_to_the_window {
    use super::*;
    use chrono::NaiveDateTime;
    use proptest::prelude::*;

    const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    /// Zones with DST both ways of the equator, a half-hour change, and none.
    const ZONES: [&str; 4] = [
        "Europe/Berlin",
        "America/Sao_Paulo",
        "Australia/Lord_Howe",
        "UTC",
    ];
    const MINUTE_MS: i64 = 60_000;

    fn local(year: i32, day_of_year: u32, minute_of_day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_yo_opt(year, day_of_year.min(365))
            .expect("a day of the year")
            .and_hms_opt(minute_of_day / 60, minute_of_day % 60, 0)
            .expect("a time of day")
    }

    fn stamp(at: NaiveDateTime) -> String {
        at.format("%Y%m%dT%H%M%S").to_string()
    }

    /// A `BY…` part in about one rule of four, so that dense rules come up often.
    fn sometimes<T: Clone + std::fmt::Debug + 'static>(
        list: BoxedStrategy<Vec<T>>,
    ) -> impl Strategy<Value = Vec<T>> {
        proptest::option::weighted(0.25, list).prop_map(Option::unwrap_or_default)
    }

    /// An RRULE value with any mix of the parts the reader follows; `UNTIL` (sometimes) lies
    /// around `start`'s years.
    fn rule_text(start: NaiveDateTime) -> impl Strategy<Value = String> {
        let frequency = prop_oneof!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
        let interval = prop_oneof![3 => Just(1u32), 1 => 2..=5u32];
        let by_day = sometimes(
            proptest::collection::vec(
                (prop_oneof![Just(0i32), -5..=-1i32, 1..=5i32], 0..7usize),
                1..4,
            )
            .boxed(),
        );
        let by_month_day =
            sometimes(proptest::collection::vec(prop_oneof![1..=31i32, -31..=-1i32], 1..3).boxed());
        let by_month = sometimes(proptest::collection::vec(1..=12i32, 1..6).boxed());
        let by_set_pos =
            sometimes(proptest::collection::vec(prop_oneof![1..=3i32, -3..=-1i32], 1..2).boxed());
        let until = proptest::option::weighted(0.3, (-30..6_000i64, 0..1440i64, any::<bool>()));
        let count = proptest::option::weighted(0.15, 1..40u32);
        (
            frequency,
            interval,
            by_day,
            by_month_day,
            by_month,
            by_set_pos,
            (0..7usize, until, count),
        )
            .prop_map(
                move |(frequency, interval, by_day, by_month_day, by_month, set_pos, rest)| {
                    let (week_start, until, count) = rest;
                    let list = |items: Vec<String>| items.join(",");
                    let mut parts =
                        vec![format!("FREQ={frequency}"), format!("INTERVAL={interval}")];
                    let by_day: Vec<String> = by_day
                        .iter()
                        .map(|(n, day)| match n {
                            0 => DAYS[*day].to_owned(),
                            n => format!("{n}{}", DAYS[*day]),
                        })
                        .collect();
                    for (name, values) in [
                        ("BYDAY", by_day),
                        (
                            "BYMONTHDAY",
                            by_month_day.iter().map(i32::to_string).collect(),
                        ),
                        ("BYMONTH", by_month.iter().map(i32::to_string).collect()),
                        ("BYSETPOS", set_pos.iter().map(i32::to_string).collect()),
                    ] {
                        if !values.is_empty() {
                            parts.push(format!("{name}={}", list(values)));
                        }
                    }
                    parts.push(format!("WKST={}", DAYS[week_start]));
                    if let Some((days, minutes, utc)) = until {
                        let at = start
                            + chrono::Duration::days(days)
                            + chrono::Duration::minutes(minutes);
                        parts.push(format!("UNTIL={}{}", stamp(at), if utc { "Z" } else { "" }));
                    }
                    if let Some(count) = count {
                        parts.push(format!("COUNT={count}"));
                    }
                    parts.join(";")
                },
            )
    }

    /// One event's start and rule, and a window of a sync somewhere from shortly before the
    /// start to sixteen years after it.
    #[derive(Clone, Debug)]
    struct Case {
        /// The DTSTART line: in a zone, in UTC, floating, or a date.
        dtstart: String,
        start: NaiveDateTime,
        is_date: bool,
        rule: String,
        window: Interval,
    }

    fn case() -> impl Strategy<Value = Case> {
        (2012..2026i32, 1..=365u32, 0..96u32, 0..ZONES.len() + 3)
            .prop_flat_map(|(year, day, quarter, place)| {
                let start = local(year, day, quarter * 15);
                let at = stamp(start);
                let (dtstart, is_date) = match place {
                    p if p < ZONES.len() => (format!("DTSTART;TZID={}:{at}", ZONES[p]), false),
                    p if p == ZONES.len() => (format!("DTSTART:{at}Z"), false),
                    p if p == ZONES.len() + 1 => (format!("DTSTART:{at}"), false),
                    _ => (format!("DTSTART;VALUE=DATE:{}", &at[..8]), true),
                };
                (
                    Just((dtstart, start, is_date)),
                    rule_text(start),
                    -60 * 24 * 60..16 * 365 * 24 * 60i64,
                    1..120i64,
                )
            })
            .prop_map(|((dtstart, start, is_date), rule, from_minutes, days)| {
                let from = start.and_utc().timestamp_millis() + from_minutes * MINUTE_MS;
                Case {
                    dtstart,
                    start,
                    is_date,
                    rule,
                    window: Interval::new(from, from + days * 86_400_000).expect("a window"),
                }
            })
    }

    /// How long each instance is: a duration on the wall clock, a DTEND in the start's zone or
    /// in another (an exact length), or none.
    fn length_line(case: &Case, choice: usize, hours: i64) -> String {
        if case.is_date {
            return format!("DURATION:P{}D", 1 + hours % 9);
        }
        let end = stamp(case.start + chrono::Duration::hours(hours));
        let (params, value) = case.dtstart.rsplit_once(':').expect("a DTSTART line");
        let params = params.trim_start_matches("DTSTART");
        let z = if value.ends_with('Z') { "Z" } else { "" };
        match choice {
            0 => format!("DURATION:PT{hours}H30M"),
            1 => format!("DTEND{params}:{end}{z}"),
            2 => format!("DTEND;TZID=America/New_York:{end}"),
            _ => "DURATION:PT0S".to_owned(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// The expansion from the window is the rule's start followed by a suffix of the
        /// walked expansion, and what it leaves out all starts before where it was asked to
        /// begin; with `COUNT` it is the walked expansion itself.
        #[test]
        fn the_jumped_expansion_is_the_walked_one_from_where_it_may_begin(
            case in case(),
            zone in 0..ZONES.len(),
        ) {
            let zone = Zone::named(ZONES[zone]).expect("a zone");
            let (params, value) = case.dtstart.rsplit_once(':').expect("a DTSTART line");
            let start_zone = params
                .split_once("TZID=")
                .map(|(_, name)| values::Place::Zone(Zone::named(name).expect("a zone")));
            let start = parse_time(value, case.is_date, start_zone).expect("a start");
            let rule = rrule::parse_rule(&case.rule, start_zone);
            prop_assert!(rule.is_ok(), "{} is refused", case.rule);
            let rule = rule.expect("a rule");
            let reach_from = chrono::DateTime::from_timestamp_millis(case.window.start())
                .expect("an instant")
                .naive_utc();
            let window_end = case.window.end();
            let mut walk_budget = PERIOD_BUDGET;
            let walked = rrule::expand(&rule, &start, zone, None, window_end, &mut walk_budget);
            prop_assert!(walk_budget > 0, "the walk ran out of periods");
            let mut jump_budget = PERIOD_BUDGET;
            let jumped =
                rrule::expand(&rule, &start, zone, Some(reach_from), window_end, &mut jump_budget);
            // At most the few periods between `UNTIL` and where both stop looking.
            let (walk_spent, jump_spent) = (PERIOD_BUDGET - walk_budget, PERIOD_BUDGET - jump_budget);
            prop_assert!(jump_spent <= walk_spent + 3, "{jump_spent} periods against {walk_spent}");
            prop_assert_eq!(jumped[0], walked[0]);
            let kept = jumped.len() - 1;
            prop_assert!(kept < walked.len());
            let left_out = &walked[1..walked.len() - kept];
            prop_assert_eq!(&jumped[1..], &walked[walked.len() - kept..]);
            if rule.count.is_some() {
                prop_assert!(left_out.is_empty());
            }
            for start in left_out {
                prop_assert!(*start < reach_from, "{start} left out, asked from {reach_from}");
            }
        }

        /// A whole calendar reads to the same busy time either way.
        #[test]
        fn busy_time_from_the_window_is_busy_time_from_the_start(
            case in case(),
            (length_choice, hours) in (0..4usize, 0..200i64),
            calendar_zone in 0..ZONES.len(),
        ) {
            let text = calendar(&format!(
                "BEGIN:VEVENT\nUID:r\n{}\n{}\nRRULE:{}\nEND:VEVENT\n",
                case.dtstart,
                length_line(&case, length_choice, hours),
                case.rule
            ));
            let options = BusyOptions {
                window: case.window,
                zone: Zone::named(ZONES[calendar_zone]).expect("a zone"),
                owner_addresses: Vec::new(),
            };
            let walked = read_busy(&[&text], &options, Expansion::FromStart).expect("a calendar");
            prop_assert!(!walked.truncated);
            let jumped = read_busy(&[&text], &options, Expansion::FromWindow).expect("a calendar");
            prop_assert_eq!(jumped, walked, "{}", text);
        }
    }

    #[test]
    fn a_rule_ten_years_old_is_read_from_the_window() {
        let text = calendar(
            "BEGIN:VEVENT
UID:old
DTSTART;TZID=Europe/Berlin:20160104T090000
DURATION:PT15M
RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR
END:VEVENT
",
        );
        let options = options("2026-03-02T00:00:00Z", "2026-03-07T00:00:00Z", "UTC");
        let read = read_busy(&[&text], &options, Expansion::FromWindow).expect("a calendar");
        assert_eq!(read.busy.len(), 5);
        let rule = rrule::parse_rule("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", None).expect("a rule");
        let start = parse_time("20160104T090000", false, None).expect("a start");
        let mut budget = PERIOD_BUDGET;
        rrule::expand(
            &rule,
            &start,
            Zone::UTC,
            Some(local(2026, 59, 0)),
            options.window.end(),
            &mut budget,
        );
        // The week from 2026-02-28 to the window's end, not the 3,700 days since 2016.
        assert!(
            PERIOD_BUDGET - budget < 20,
            "{} periods",
            PERIOD_BUDGET - budget
        );
    }
}
