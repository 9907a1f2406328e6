//! Reading busy time from the largest calendars a sync accepts: a 5 MB feed of single events,
//! and feeds of rules that began ten years or two months before the window (rules without
//! `COUNT` start at the window, so both should cost alike). The cost one sync may take, beside
//! the 10 s its fetch may take.

use availability_api::domain::Interval;
use availability_api::domain::calendar::import::{BusyOptions, busy_of};
use availability_api::domain::calendar::source::sync_window;
use availability_api::domain::timestamp::{Zone, parse_timestamp};
use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;

const NOW: &str = "2026-03-01T00:00:00Z";

/// Single 30-minute events, one every 3 hours from 2025-09-01, up to `bytes` of text.
fn single_events(bytes: usize) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    let start = parse_timestamp("2025-09-01T00:00:00Z").expect("valid") / 1000;
    let mut n = 0i64;
    while text.len() < bytes - 200 {
        let at = chrono::DateTime::from_timestamp(start + n * 3 * 3600, 0).expect("a time");
        let end = at + chrono::Duration::minutes(30);
        let _ = write!(
            text,
            "BEGIN:VEVENT\r\nUID:e{n}@bench\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:Event number {n} with a summary of ordinary length\r\nEND:VEVENT\r\n",
            at.format("%Y%m%dT%H%M%SZ"),
            end.format("%Y%m%dT%H%M%SZ")
        );
        n += 1;
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

/// Berlin's rules under a name the tz database does not know, as Outlook writes such a zone.
const CUSTOMIZED_BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\nBEGIN:STANDARD\r\nDTSTART:16011028T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010325T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

/// `count` daily rules in Berlin time, each starting on `first_monday` (`20160104`: ten years
/// before the window).
fn daily_rules(count: usize, first_monday: &str) -> String {
    daily_rules_in(count, first_monday, "Europe/Berlin", "")
}

/// The same rules in the zone `tzid`, which `vtimezone` defines (or the database knows).
fn daily_rules_in(count: usize, first_monday: &str, tzid: &str, vtimezone: &str) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    text.push_str(vtimezone);
    for n in 0..count {
        let _ = write!(
            text,
            "BEGIN:VEVENT\r\nUID:r{n}@bench\r\nDTSTAMP:20160101T000000Z\r\nDTSTART;TZID={tzid}:{first_monday}T{:02}{:02}00\r\nDURATION:PT15M\r\nRRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\r\nEND:VEVENT\r\n",
            8 + n % 10,
            (n / 10) % 4 * 15
        );
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

fn options() -> BusyOptions {
    let window: Interval = sync_window(parse_timestamp(NOW).expect("valid"));
    BusyOptions {
        window,
        zone: Zone::UTC,
        owner_addresses: Vec::new(),
    }
}

fn bench(c: &mut Criterion) {
    let options = options();
    let big = single_events(5 * 1024 * 1024);
    let old_rules = daily_rules(40, "20160104");
    let young_rules = daily_rules(40, "20260105");
    let mut group = c.benchmark_group("calendar_import");
    group.sample_size(10);
    group.bench_function("5MB_single_events", |b| {
        b.iter(|| busy_of(black_box(&[big.as_str()]), &options).expect("a calendar"))
    });
    group.bench_function("40_daily_rules_from_2016", |b| {
        b.iter(|| busy_of(black_box(&[old_rules.as_str()]), &options).expect("a calendar"))
    });
    group.bench_function("40_daily_rules_from_2026", |b| {
        b.iter(|| busy_of(black_box(&[young_rules.as_str()]), &options).expect("a calendar"))
    });
    // The zone read from the calendar's VTIMEZONE instead of the database.
    let customized = daily_rules_in(40, "20160104", "Customized Time Zone", CUSTOMIZED_BERLIN);
    let in_database = busy_of(&[old_rules.as_str()], &options).expect("a calendar");
    let in_vtimezone = busy_of(&[customized.as_str()], &options).expect("a calendar");
    assert_eq!(in_database.busy, in_vtimezone.busy, "the same busy time");
    group.bench_function("40_daily_rules_from_2016_in_a_vtimezone_zone", |b| {
        b.iter(|| busy_of(black_box(&[customized.as_str()]), &options).expect("a calendar"))
    });
    // A CalDAV answer: 2,000 calendars of one event each, every one with the VTIMEZONE.
    let caldav: Vec<String> = (0..2_000)
        .map(|n| {
            daily_rules_in(1, "20260105", "Customized Time Zone", CUSTOMIZED_BERLIN)
                .replace("UID:r0@bench", &format!("UID:c{n}@bench"))
        })
        .collect();
    let caldav: Vec<&str> = caldav.iter().map(String::as_str).collect();
    group.bench_function("2000_calendars_repeating_one_vtimezone", |b| {
        b.iter(|| busy_of(black_box(&caldav), &options).expect("calendars"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
