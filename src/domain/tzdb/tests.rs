use super::*;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::BTreeSet;

/// The names chrono-tz 0.10.4 accepted (its `TZ_VARIANTS`), one a line: the API's contract for
/// which `timezone` and `tz` values are accepted, kept here so it outlives that dependency.
const ACCEPTED_NAMES: &str = include_str!("zone-names.txt");

fn zone(name: &str) -> Zone {
    Zone::named(name).unwrap_or_else(|| panic!("{name} is bundled"))
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("a test date and time")
}

fn utc(text: &str) -> i64 {
    local(text).and_utc().timestamp()
}

#[test]
fn the_bundled_release_is_2026f() {
    assert_eq!(TZDATA_VERSION, "2026f");
}

#[test]
fn every_accepted_name_is_readable_and_no_other() {
    let expected: BTreeSet<&str> = ACCEPTED_NAMES.lines().collect();
    let accepted: BTreeSet<&str> = zone_names().collect();
    assert_eq!(accepted, expected);
    assert_eq!(accepted.len(), 597);
    for name in accepted {
        assert_eq!(zone(name).name(), name);
    }
}

#[test]
fn names_must_be_spelled_exactly() {
    assert_eq!(Zone::named("europe/berlin"), None);
    assert_eq!(Zone::spelled_like("europe/berlin"), Some("Europe/Berlin"));
    assert_eq!(Zone::spelled_like("us/EASTERN"), Some("US/Eastern"));
    for name in [
        "Mars/Olympus_Mons",
        "",
        "Europe/",
        "Factory",
        "Europe/Berlin ",
    ] {
        assert_eq!(Zone::named(name), None, "{name:?}");
    }
    assert_eq!(Zone::spelled_like("factory"), None);
    assert_eq!(Zone::spelled_like("Mars/Olympus_Mons"), None);
}

#[test]
fn a_zone_is_read_once_and_shared() {
    let first = zone("Pacific/Chatham");
    let again = zone("Pacific/Chatham");
    assert!(std::ptr::eq(first.0, again.0));
    // Links are zones of their own name: `US/Eastern` stays `US/Eastern`.
    assert_eq!(zone("US/Eastern").name(), "US/Eastern");
    assert_ne!(zone("US/Eastern"), zone("America/New_York"));
}

#[test]
fn utc_without_the_bundle_equals_the_bundled_one() {
    assert_eq!(Zone::UTC, zone("UTC"));
    assert_eq!(Zone::UTC.utc_offset_at(utc("2026-07-01 00:00")), 0);
    assert_eq!(
        Zone::UTC.resolve(&local("2026-07-01 00:00")),
        Resolved::Single(Zone::UTC.offset(Designated {
            offset: 0,
            abbreviation: "UTC"
        }))
    );
}

#[test]
fn new_york_springs_forward_and_falls_back() {
    let new_york = zone("America/New_York");
    let offset = |text: &str| match new_york.resolve(&local(text)) {
        Resolved::Single(offset) => (offset.utc_offset(), offset.abbreviation()),
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(offset("2026-03-08 01:59"), (-5 * 3600, "EST"));
    assert_eq!(offset("2026-03-08 03:00"), (-4 * 3600, "EDT"));
    match new_york.resolve(&local("2026-03-08 02:30")) {
        Resolved::Gap { before } => assert_eq!(before.abbreviation(), "EST"),
        other => panic!("{other:?}"),
    }
    match new_york.resolve(&local("2026-11-01 01:30")) {
        Resolved::Fold { earlier, later } => {
            assert_eq!(
                (earlier.utc_offset(), later.utc_offset()),
                (-4 * 3600, -5 * 3600)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(offset("2026-11-01 02:00"), (-5 * 3600, "EST"));
}

#[test]
fn beyond_the_last_listed_transition_the_footer_rule_holds() {
    let new_york = zone("America/New_York");
    // The bundle lists New York's transitions only to 2007; these come from its footer.
    assert_eq!(new_york.utc_offset_at(utc("2026-07-01 00:00")), -4 * 3600);
    assert_eq!(new_york.utc_offset_at(utc("9999-07-01 00:00")), -4 * 3600);
    assert_eq!(new_york.utc_offset_at(utc("9999-12-31 23:59")), -5 * 3600);
    // Lord Howe moves by half an hour; the southern summer spans the new year.
    let lord_howe = zone("Australia/Lord_Howe");
    assert_eq!(lord_howe.utc_offset_at(utc("2500-01-15 00:00")), 11 * 3600);
    assert_eq!(
        lord_howe.utc_offset_at(utc("2500-07-15 00:00")),
        10 * 3600 + 1800
    );
    match lord_howe.resolve(&local("2026-10-04 02:15")) {
        Resolved::Gap { before } => assert_eq!(before.utc_offset(), 10 * 3600 + 1800),
        other => panic!("{other:?}"),
    }
}

#[test]
fn before_the_first_transition_local_mean_time_holds() {
    // Dublin kept mean time, -00:25:21, until 1880.
    assert_eq!(
        zone("Europe/Dublin").utc_offset_at(utc("1800-01-01 00:00")),
        -(25 * 60 + 21)
    );
}

#[test]
fn chrono_works_through_the_timezone_impl() {
    let berlin = zone("Europe/Berlin");
    let instant = DateTime::<Utc>::from_timestamp(utc("2026-07-01 10:00"), 0).expect("in range");
    let there = instant.with_timezone(&berlin);
    assert_eq!(there.to_rfc3339(), "2026-07-01T12:00:00+02:00");
    assert_eq!(there.to_string(), "2026-07-01 12:00:00 CEST");
    assert_eq!(there.timezone(), berlin);
    let local = berlin.with_ymd_and_hms(2026, 3, 29, 2, 30, 0);
    assert_eq!(local, MappedLocalTime::None);
    let folded = berlin.with_ymd_and_hms(2026, 10, 25, 2, 30, 0);
    assert!(matches!(folded, MappedLocalTime::Ambiguous(..)));
}

#[test]
fn extreme_instants_do_not_panic() {
    let zones = [
        "America/New_York",
        "Australia/Lord_Howe",
        "UTC",
        "Africa/Casablanca",
    ];
    for name in zones {
        let zone = zone(name);
        for at in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
            zone.utc_offset_at(at);
        }
        for local in [NaiveDateTime::MIN, NaiveDateTime::MAX] {
            zone.resolve(&local);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle: chrono-tz 0.10.4 (tzdata 2025b), which this module replaces.

/// Where tzdata 2026f (bundled) differs from 2025b (chrono-tz): from, until (UTC), zones. Outside
/// these spans the offsets must agree to the second. Each was found by the tests below and
/// checked against the TZif data itself; the release notes quoted are those PostgreSQL
/// published with its tzdata updates.
const CHANGED_SINCE_2025B: &[(&str, &str, &[&str])] = &[
    // 2025c: "Baja California agreed with California's DST rules in 1953 and in 1961
    // through 1975."
    (
        "1953-04-26 00:00",
        "1975-10-27 00:00",
        &[
            "America/Tijuana",
            "America/Ensenada",
            "America/Santa_Isabel",
            "Mexico/BajaNorte",
        ],
    ),
    // 2026b: Moldova has used the EU's transition times (01:00 UTC) since 2022.
    (
        "2022-03-27 00:00",
        "9999-12-31 00:00",
        &["Europe/Chisinau", "Europe/Tiraspol"],
    ),
    // 2026b: British Columbia stays on UTC-07 all year from November 2026.
    (
        "2026-11-01 00:00",
        "9999-12-31 00:00",
        &["America/Vancouver", "Canada/Pacific"],
    ),
    // 2026c: Alberta stays on UTC-06 all year from November 2026 (the Northwest
    // Territories' zones with it, as the data has them).
    (
        "2026-11-01 00:00",
        "9999-12-31 00:00",
        &[
            "America/Edmonton",
            "Canada/Mountain",
            "America/Yellowknife",
            "America/Inuvik",
        ],
    ),
    // 2026c: Morocco moves to UTC+00 for good on 2026-09-20.
    (
        "2026-09-20 00:00",
        "9999-12-31 00:00",
        &["Africa/Casablanca", "Africa/El_Aaiun"],
    ),
    // Releases after 2025b whose notes were not at hand; the data says what changed.
    // Manitoba stays on UTC-05 all year from November 2026.
    (
        "2026-11-01 00:00",
        "9999-12-31 00:00",
        &["America/Winnipeg", "America/Rainy_River", "Canada/Central"],
    ),
    // Cuba keeps daylight saving time through the winter of 2026-27.
    (
        "2026-11-01 00:00",
        "2027-03-15 00:00",
        &["America/Havana", "Cuba"],
    ),
    // History: Brazil's summer time of 1965 ended on April 1 (was March 31) and that of
    // 1965-66 an hour later on March 1; Bogota's of 1992 began on May 2 (was May 3); Iran's
    // of 1979 on May 26 local time (was May 27); Ireland's of 1925 ended on September 20
    // (was October 4).
    (
        "1965-03-30 00:00",
        "1966-03-02 00:00",
        &[
            "America/Araguaina",
            "America/Bahia",
            "America/Belem",
            "America/Boa_Vista",
            "America/Campo_Grande",
            "America/Cuiaba",
            "America/Eirunepe",
            "America/Fortaleza",
            "America/Maceio",
            "America/Manaus",
            "America/Noronha",
            "America/Porto_Acre",
            "America/Porto_Velho",
            "America/Recife",
            "America/Rio_Branco",
            "America/Santarem",
            "America/Sao_Paulo",
            "Brazil/Acre",
            "Brazil/DeNoronha",
            "Brazil/East",
            "Brazil/West",
        ],
    ),
    ("1992-05-02 00:00", "1992-05-03 06:00", &["America/Bogota"]),
    (
        "1979-05-25 00:00",
        "1979-05-27 00:00",
        &["Asia/Tehran", "Iran"],
    ),
    (
        "1925-09-20 00:00",
        "1925-10-05 00:00",
        &["Europe/Dublin", "Eire"],
    ),
];

/// chrono-tz's tables stop at the end of 2099: after that every zone keeps the offset of its
/// last listed span all year (New York stays on EST), where the TZif footer's rule goes on.
/// Later instants are compared with the same wall-clock instant of a year from 2072 to 2099
/// that has the same calendar (leap year, weekday of January 1), where both follow the rule.
const CHRONO_TZ_LAST_YEAR: i32 = 2099;

fn chrono_tz_zone(name: &str) -> chrono_tz::Tz {
    name.parse().expect("chrono-tz has every accepted name")
}

fn theirs_at(zone: chrono_tz::Tz, at: i64, twins_from: i32) -> i32 {
    let at = same_calendar_before_2100(at, twins_from).expect("the caller checked");
    let utc = DateTime::<Utc>::from_timestamp(at, 0)
        .expect("in chrono\'s range")
        .naive_utc();
    zone.offset_from_utc_datetime(&utc).fix().local_minus_utc()
}

/// `at` moved into `twins_from`–2099 by whole years of the same calendar, when it lies after
/// 2099; `None` when no year there has its calendar.
fn same_calendar_before_2100(at: i64, twins_from: i32) -> Option<i64> {
    let date = DateTime::<Utc>::from_timestamp(at, 0)
        .expect("in chrono\'s range")
        .date_naive();
    if date.year() <= CHRONO_TZ_LAST_YEAR {
        return Some(at);
    }
    let year_start = |year: i32| NaiveDate::from_ymd_opt(year, 1, 1).expect("a valid date");
    let calendar = |year: i32| (year_start(year).leap_year(), year_start(year).weekday());
    let twin =
        (twins_from..=CHRONO_TZ_LAST_YEAR).find(|&year| calendar(year) == calendar(date.year()))?;
    let shift = (year_start(date.year()) - year_start(twin)).num_seconds();
    Some(at - shift)
}

/// The first year from which a zone's offsets follow its footer rule alone: after its last
/// listed transition (Gaza's, for one, are listed to 2086), and not before 2072.
fn twins_from(zone: Zone) -> i32 {
    let last = zone.0.tzif.last_transition().unwrap_or(0);
    let year = DateTime::<Utc>::from_timestamp(last, 0)
        .expect("in chrono\'s range")
        .year()
        + 1;
    year.max(2072)
}

/// Differences by zone: how many, the first and the last instant (seconds), for the message.
#[derive(Default)]
struct Differences(std::collections::BTreeMap<&'static str, (usize, i64, i64)>);

impl Differences {
    fn add(&mut self, name: &'static str, at: i64) {
        let entry = self.0.entry(name).or_insert((0, at, at));
        *entry = (entry.0 + 1, entry.1.min(at), entry.2.max(at));
    }

    fn assert_none(&self) {
        let shown: Vec<String> = self
            .0
            .iter()
            .map(|(name, (count, first, last))| {
                let date = |at: &i64| {
                    DateTime::<Utc>::from_timestamp(*at, 0)
                        .expect("in chrono\'s range")
                        .to_string()
                };
                format!("{name}: {count} from {} to {}", date(first), date(last))
            })
            .collect();
        assert!(shown.is_empty(), "{shown:#?}");
    }
}

/// Whether an instant lies in one of the zone's changed spans, with a day's margin either side
/// (local times reach that far).
fn changed_at(name: &str, at: i64) -> bool {
    CHANGED_SINCE_2025B.iter().any(|&(from, until, zones)| {
        zones.contains(&name) && utc(from) - 86_400 <= at && at <= utc(until) + 86_400
    })
}

/// Instants to compare for one zone: every change of offset in the bundle (and a second on
/// either side), every 5 days from 1850 to 2100, and a sample of years up to 9999.
fn probes(zone: Zone) -> Vec<i64> {
    let mut probes = Vec::new();
    let (from, to) = (utc("1600-01-01 00:00"), utc("9999-12-31 00:00"));
    zone.0.tzif.for_each_change(from, to, |at, _, _| {
        if at < utc("2200-01-01 00:00") || at % 97 == 0 {
            probes.extend([at - 1, at, at + 1]);
        }
    });
    probes.extend((utc("1850-01-01 00:00")..utc("2100-01-01 00:00")).step_by(23 * 86_400 + 3_607));
    probes.extend((utc("2100-01-01 00:00")..to).step_by(1_009 * 86_400 + 7_211));
    probes.extend([
        utc("0001-01-01 00:00"),
        utc("1000-06-01 00:00"),
        utc("1600-01-01 00:00"),
        to,
    ]);
    probes
}

#[test]
fn the_accepted_names_are_chrono_tz_s() {
    let theirs: BTreeSet<&str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .collect();
    let fixture: BTreeSet<&str> = ACCEPTED_NAMES.lines().collect();
    assert_eq!(fixture, theirs);
}

#[test]
fn offsets_at_instants_equal_chrono_tz_s() {
    let mut differences = Differences::default();
    for name in zone_names() {
        let (ours, theirs) = (zone(name), chrono_tz_zone(name));
        let twins_from = twins_from(ours);
        for at in probes(ours) {
            let Some(twin) = same_calendar_before_2100(at, twins_from) else {
                continue;
            };
            let (mine, expected) = (ours.utc_offset_at(at), theirs_at(theirs, at, twins_from));
            if mine != expected && !changed_at(name, at) && !changed_at(name, twin) {
                differences.add(name, at);
            }
        }
    }
    differences.assert_none();
}

/// The instant a wall-clock time names by the API's rule: a gap is read with the offset
/// before it, a fold gives its first occurrence. By chrono-tz, as `schedule::instant_of` did.
fn theirs_instant_of(zone: chrono_tz::Tz, local: NaiveDateTime) -> Option<i64> {
    let offset = match zone.offset_from_local_datetime(&local) {
        MappedLocalTime::Single(offset) => offset.fix(),
        MappedLocalTime::Ambiguous(a, b) => {
            std::cmp::max_by_key(a.fix(), b.fix(), |offset| offset.local_minus_utc())
        }
        MappedLocalTime::None => chrono_tz::GapInfo::new(&local, &zone)?.begin?.1.fix(),
    };
    Some(local.and_utc().timestamp() - i64::from(offset.local_minus_utc()))
}

fn ours_instant_of(zone: Zone, local: NaiveDateTime) -> i64 {
    let offset = match zone.resolve(&local) {
        Resolved::Single(offset) => offset,
        Resolved::Fold { earlier, .. } => earlier,
        Resolved::Gap { before } => before,
    };
    local.and_utc().timestamp() - i64::from(offset.utc_offset())
}

#[test]
fn wall_clock_times_resolve_as_with_chrono_tz() {
    let mut differences = Differences::default();
    for name in zone_names() {
        let (ours, theirs) = (zone(name), chrono_tz_zone(name));
        let mut locals = Vec::new();
        // Around every change up to 2100: both edges of each gap or fold, and inside it.
        ours.0.tzif.for_each_change(
            utc("1800-01-01 00:00"),
            utc("2100-01-01 00:00"),
            |at, before, after| {
                let (low, high) = (
                    at + i64::from(before.min(after)),
                    at + i64::from(before.max(after)),
                );
                locals.extend([low - 1, low, (low + high) / 2, high - 1, high]);
            },
        );
        locals.extend(
            (utc("1850-01-01 00:00")..utc("2100-01-01 00:00")).step_by(41 * 86_400 + 3_599),
        );
        for local_seconds in locals {
            let local = DateTime::<Utc>::from_timestamp(local_seconds, 0)
                .expect("in chrono\'s range")
                .naive_utc();
            let mine = ours_instant_of(ours, local);
            let expected = theirs_instant_of(theirs, local);
            // Also the kind of reading: chrono's own `LocalResult` from both.
            let kinds = (
                std::mem::discriminant(&ours.offset_from_local_datetime(&local).map(|_| ())),
                std::mem::discriminant(&theirs.offset_from_local_datetime(&local).map(|_| ())),
            );
            if (Some(mine) != expected || kinds.0 != kinds.1) && !changed_at(name, local_seconds) {
                differences.add(name, local_seconds);
            }
        }
    }
    differences.assert_none();
}
