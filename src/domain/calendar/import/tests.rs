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
