//! Zones a calendar defines itself: a VTIMEZONE whose `TZID` names no zone the tz database
//! knows ("Customized Time Zone", `custom_America/New_York`). Its `STANDARD` and `DAYLIGHT`
//! observances (RFC 5545 §3.6.5) each begin at `DTSTART` and at every `RRULE` and `RDATE`
//! onset, read on the wall clock of the offset before (`TZOFFSETFROM`), and bring
//! `TZOFFSETTO`. Onsets are expanded by the same rules as events ([`super::rrule`]), and kept
//! only over a range around the window: times outside it read with the offset at its nearest
//! end, which only instants far from any busy time do.

use super::rrule::{self, Rule};
use super::values::{Place, Time, parse_time};
use crate::domain::Interval;
use crate::domain::time::Millis;
use crate::domain::tzdb::Zone;
use chrono::NaiveDateTime;
use ical::parser::ical::component::IcalTimeZone;
use ical::property::Property;

/// Observances read per zone at most; a zone with more is not read (its times float).
pub const MAX_OBSERVANCES: usize = 50;
/// `RDATE` onsets read per observance at most (the rest are ignored).
pub const MAX_RDATES: usize = 1_000;
/// Offset changes are kept this far before and after the window.
const RANGE_MARGIN_DAYS: i64 = 400;
const DAY_S: i64 = 86_400;

/// A zone from a VTIMEZONE: its offsets over a range around the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinedZone {
    tzid: String,
    /// East of UTC, seconds: in force before the first change (throughout, without changes).
    initial_offset: i32,
    /// Changes inside the range, by time.
    changes: Vec<Change>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Change {
    /// UTC seconds.
    at: i64,
    before: i32,
    after: i32,
}

/// One `STANDARD` or `DAYLIGHT` sub-component.
struct Observance {
    /// `DTSTART`, read in `TZOFFSETFROM`.
    start: Time<'static>,
    offset_from: i32,
    offset_to: i32,
    rule: Option<Rule<'static>>,
    rdates: Vec<Time<'static>>,
}

/// An onset: when an observance begins, and its offsets.
#[derive(Clone, Copy)]
struct Onset {
    at: i64,
    offset_to: i32,
}

impl DefinedZone {
    /// The zone `component` defines, with its changes around `window`; `None` without a
    /// `TZID` or a readable observance, or with more than [`MAX_OBSERVANCES`]. Rule periods
    /// looked at spend `budget`.
    pub fn of(component: &IcalTimeZone, window: Interval, budget: &mut usize) -> Option<Self> {
        let tzid = property_value(&component.properties, "TZID")?
            .trim()
            .trim_matches('"')
            .to_owned();
        if tzid.is_empty() || component.transitions.len() > MAX_OBSERVANCES {
            return None;
        }
        let observances: Vec<Observance> = component
            .transitions
            .iter()
            .filter_map(|observance| Observance::of(&observance.properties))
            .collect();
        if observances.is_empty() {
            return None;
        }
        let range_start = window.start() / 1000 - RANGE_MARGIN_DAYS * DAY_S;
        let range_end = window.end() / 1000 + RANGE_MARGIN_DAYS * DAY_S;
        // Rules begin two years before the range (the period holding the onset in force at its
        // start, for yearly rules); if none of the onsets found is that recent, an earlier one
        // may have been passed over, so every rule is walked from its start instead.
        let reach_from = chrono::DateTime::from_timestamp(range_start - 2 * 366 * DAY_S, 0)?;
        let onsets_from = |reach_from: Option<NaiveDateTime>, budget: &mut usize| {
            let mut onsets: Vec<Onset> = observances
                .iter()
                .flat_map(|observance| observance.onsets(reach_from, range_end, budget))
                .collect();
            onsets.sort_by_key(|onset| onset.at);
            onsets
        };
        let mut onsets = onsets_from(Some(reach_from.naive_utc()), budget);
        let in_force_at_start = |onsets: &[Onset]| {
            onsets
                .iter()
                .rev()
                .find(|onset| onset.at <= range_start)
                .copied()
        };
        let surely_latest = reach_from.timestamp() + 2 * DAY_S;
        if in_force_at_start(&onsets).is_none_or(|onset| onset.at < surely_latest) {
            onsets = onsets_from(None, budget);
        }
        let initial_offset = match in_force_at_start(&onsets) {
            Some(onset) => onset.offset_to,
            // Times before the zone's first onset: the offset that onset came from.
            None => observances
                .iter()
                .min_by_key(|observance| observance.start.instant(Zone::UTC))
                .map_or(0, |observance| observance.offset_from),
        };
        let mut changes = Vec::new();
        let mut offset = initial_offset;
        for onset in onsets
            .iter()
            .filter(|onset| range_start < onset.at && onset.at <= range_end)
        {
            if onset.offset_to != offset {
                changes.push(Change {
                    at: onset.at,
                    before: offset,
                    after: onset.offset_to,
                });
                offset = onset.offset_to;
            }
        }
        Some(DefinedZone {
            tzid,
            initial_offset,
            changes,
        })
    }

    pub fn tzid(&self) -> &str {
        &self.tzid
    }

    /// East of UTC, seconds, at `utc` seconds.
    pub fn offset_at(&self, utc: i64) -> i32 {
        match self.changes.partition_point(|change| change.at <= utc) {
            0 => self.initial_offset,
            after => self.changes[after - 1].after,
        }
    }

    /// The instant a wall-clock time names here, as [`super::values::instant_in`] reads one
    /// in an IANA zone: in a gap with the offset before it, in a fold the first time.
    pub fn instant_of(&self, local: NaiveDateTime) -> Millis {
        let local = local.and_utc().timestamp();
        // Offsets stay within a day, so only changes within a day of `local` matter.
        let near = self
            .changes
            .partition_point(|change| change.at < local - DAY_S);
        let nearby = &self.changes[near..];
        let nearby = &nearby[..nearby.partition_point(|change| change.at <= local + DAY_S)];
        let candidates = std::iter::once(self.offset_at(local - DAY_S))
            .chain(nearby.iter().map(|change| change.after));
        // The earlier instant is the one read with the larger offset.
        let reading = candidates
            .filter(|offset| self.offset_at(local - i64::from(*offset)) == *offset)
            .max();
        let offset = reading.unwrap_or_else(|| {
            nearby
                .iter()
                .find(|change| {
                    change.at + i64::from(change.before) <= local
                        && local < change.at + i64::from(change.after)
                })
                .map_or_else(|| self.offset_at(local), |gap| gap.before)
        });
        (local - i64::from(offset)) * 1000
    }
}

impl Observance {
    fn of(properties: &[Property]) -> Option<Self> {
        let offset_from = parse_offset(property_value(properties, "TZOFFSETFROM")?)?;
        let offset_to = parse_offset(property_value(properties, "TZOFFSETTO")?)?;
        let in_offset_before = Some(Place::Offset(offset_from));
        let start = parse_time(
            property_value(properties, "DTSTART")?,
            false,
            in_offset_before,
        )?;
        let rule = match property_value(properties, "RRULE") {
            Some(text) => Some(rrule::parse_rule(text, in_offset_before).ok()?),
            None => None,
        };
        let rdates = properties
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case("RDATE"))
            .flat_map(|p| p.value.as_deref().unwrap_or_default().split(','))
            .filter_map(|value| {
                // A `PERIOD` value's start is the onset.
                let start = value.split('/').next().unwrap_or_default();
                parse_time(start, false, in_offset_before)
            })
            .take(MAX_RDATES)
            .collect();
        Some(Observance {
            start,
            offset_from,
            offset_to,
            rule,
            rdates,
        })
    }

    /// Its onsets up to `range_end` (UTC seconds): `DTSTART`, the rule's from `reach_from`
    /// (see [`rrule::expand`]), and `RDATE`s.
    fn onsets(
        &self,
        reach_from: Option<NaiveDateTime>,
        range_end: i64,
        budget: &mut usize,
    ) -> Vec<Onset> {
        let starts = match &self.rule {
            // The calendar zone is never used: every onset is read in `TZOFFSETFROM`.
            Some(rule) => rrule::expand(
                rule,
                &self.start,
                Zone::UTC,
                reach_from,
                range_end.saturating_mul(1000),
                budget,
            ),
            None => vec![self.start.local()],
        };
        starts
            .into_iter()
            .map(|local| self.start.with_local(local))
            .chain(self.rdates.iter().copied())
            .map(|time| Onset {
                at: time.instant(Zone::UTC).div_euclid(1000),
                offset_to: self.offset_to,
            })
            .filter(|onset| onset.at <= range_end)
            .collect()
    }
}

/// A UTC offset (`+0100`, `-0230`, `+053000`) in seconds east, under a day.
fn parse_offset(text: &str) -> Option<i32> {
    let text = text.trim();
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |at: usize| digits.get(at..at + 2).and_then(|p| p.parse::<i32>().ok());
    let (hours, minutes) = (part(0)?, part(2)?);
    let seconds = if digits.len() == 6 { part(4)? } else { 0 };
    (hours < 24 && minutes < 60 && seconds < 60)
        .then(|| sign * (hours * 3600 + minutes * 60 + seconds))
}

fn property_value<'p>(properties: &'p [Property], name: &str) -> Option<&'p str> {
    properties
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .and_then(|p| p.value.as_deref())
}

#[cfg(test)]
mod tests {
    use super::super::tests::CUSTOMIZED_ZONE;
    use super::*;
    use crate::domain::test_support::{at, interval};

    /// The first VTIMEZONE of a calendar holding `zone` (lines joined by `\n`).
    fn component(zone: &str) -> IcalTimeZone {
        let text = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zone}END:VCALENDAR\r\n")
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        let calendar = ical::IcalParser::new(text.as_bytes())
            .next()
            .expect("a calendar")
            .expect("readable");
        calendar.timezones.into_iter().next().expect("a VTIMEZONE")
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("a local time")
    }

    #[test]
    fn a_customized_zone_changes_on_its_own_dates_and_only_around_the_window() {
        let window = interval("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z");
        let mut budget = 10_000;
        let zone =
            DefinedZone::of(&component(CUSTOMIZED_ZONE), window, &mut budget).expect("a zone");
        assert_eq!(zone.tzid(), "Customized Time Zone");
        // 2026-03-08 02:00 at +01:00 is 01:00Z; Berlin itself changes on 03-29.
        let change = at("2026-03-08T01:00:00Z") / 1000;
        assert_eq!(zone.offset_at(change - 1), 3600);
        assert_eq!(zone.offset_at(change), 7200);
        // 2026-11-01 03:00 at +02:00 is 01:00Z.
        assert_eq!(zone.offset_at(at("2026-11-01T00:59:59Z") / 1000), 7200);
        assert_eq!(zone.offset_at(at("2026-11-01T01:00:00Z") / 1000), 3600);
        // Changes kept from 400 days before the window to 400 after, no more: 2025's two,
        // 2026's two, 2027's spring one (its autumn one falls after 2027-07-06).
        assert_eq!(zone.changes.len(), 5, "{:?}", zone.changes);
        // Rules were begun two years before the range, not walked from 1601.
        assert!(10_000 - budget < 20, "{} periods", 10_000 - budget);
        assert_eq!(
            zone.instant_of(local("2026-03-05 09:00")),
            at("2026-03-05T08:00:00Z")
        );
        assert_eq!(
            zone.instant_of(local("2026-03-12 09:00")),
            at("2026-03-12T07:00:00Z")
        );
        // In the spring gap, the offset before it; in the autumn fold, the first time.
        assert_eq!(
            zone.instant_of(local("2026-03-08 02:30")),
            at("2026-03-08T01:30:00Z")
        );
        assert_eq!(
            zone.instant_of(local("2026-11-01 02:30")),
            at("2026-11-01T00:30:00Z")
        );
    }

    #[test]
    fn rules_that_ended_long_before_the_window_leave_their_last_offset() {
        // Daylight time kept for good from 2016 (as Turkey did): the standard rule ended the
        // autumn before, the daylight rule's last onset was 2016-03-27.
        let zone = component(
            "BEGIN:VTIMEZONE
TZID:Permanent summer
BEGIN:STANDARD
DTSTART:19961027T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20151108T010000Z
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19970330T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=20160327T010000Z
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
END:DAYLIGHT
END:VTIMEZONE
",
        );
        let window = interval("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z");
        let mut budget = 10_000;
        let zone = DefinedZone::of(&zone, window, &mut budget).expect("a zone");
        assert!(zone.changes.is_empty());
        assert_eq!(zone.offset_at(at("2026-01-15T00:00:00Z") / 1000), 3 * 3600);
        assert_eq!(
            zone.instant_of(local("2026-12-01 12:00")),
            at("2026-12-01T09:00:00Z")
        );
        // Walked from 1996 to find it: twenty years of two rules.
        assert!(10_000 - budget < 100, "{} periods", 10_000 - budget);
    }

    #[test]
    fn a_fixed_offset_rdates_and_the_bounds() {
        let window = interval("2023-03-01T00:00:00Z", "2023-06-01T00:00:00Z");
        let mut budget = 10_000;
        let fixed = component(
            "BEGIN:VTIMEZONE
TZID:Nowhere/Middle
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:-0741
TZOFFSETTO:-0741
END:STANDARD
END:VTIMEZONE
",
        );
        let fixed = DefinedZone::of(&fixed, window, &mut budget).expect("a zone");
        assert_eq!(
            fixed.instant_of(local("2023-03-06 13:42")),
            at("2023-03-06T21:23:00Z")
        );
        let rdates = component(
            "BEGIN:VTIMEZONE
TZID:Changed by decree
BEGIN:STANDARD
DTSTART:20000101T000000
TZOFFSETFROM:+0400
TZOFFSETTO:+0400
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20230402T000000
RDATE:20230402T000000,20230501T000000/P1D
TZOFFSETFROM:+0400
TZOFFSETTO:+0500
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20230415T000000
RDATE:20230520T000000Z
TZOFFSETFROM:+0500
TZOFFSETTO:+0400
END:STANDARD
END:VTIMEZONE
",
        );
        let zone = DefinedZone::of(&rdates, window, &mut budget).expect("a zone");
        let offset_on = |day: &str| zone.offset_at(at(&format!("{day}T12:00:00Z")) / 1000) / 3600;
        assert_eq!(
            [
                "2023-04-01",
                "2023-04-10",
                "2023-04-20",
                "2023-05-10",
                "2023-05-25"
            ]
            .map(offset_on),
            [4, 5, 4, 5, 4]
        );
        assert_eq!(parse_offset("+0100"), Some(3600));
        assert_eq!(parse_offset("-0230"), Some(-9000));
        assert_eq!(parse_offset("+053045"), Some(19845));
        for bad in ["0100", "+1", "+2400", "+0160", "+01:00", "-"] {
            assert_eq!(parse_offset(bad), None, "{bad}");
        }
        let too_many = format!(
            "BEGIN:VTIMEZONE\nTZID:Crowded\n{}END:VTIMEZONE\n",
            "BEGIN:STANDARD\nDTSTART:20000101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\n"
                .repeat(MAX_OBSERVANCES + 1)
        );
        assert!(DefinedZone::of(&component(&too_many), window, &mut budget).is_none());
    }

    /// Today's rules of three IANA zones written as VTIMEZONEs under names the database does not
    /// know: every wall-clock time must read as the database reads it in the real zone.
    const TRANSCRIBED: [(&str, &str); 3] = [
        (
            "Europe/Berlin",
            "BEGIN:VTIMEZONE
TZID:Transcribed Berlin
BEGIN:DAYLIGHT
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
",
        ),
        (
            "America/New_York",
            "BEGIN:VTIMEZONE
TZID:Transcribed New York
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
",
        ),
        (
            "Australia/Sydney",
            "BEGIN:VTIMEZONE
TZID:Transcribed Sydney
BEGIN:STANDARD
DTSTART:20080406T030000
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU
TZOFFSETFROM:+1100
TZOFFSETTO:+1000
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20081005T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU
TZOFFSETFROM:+1000
TZOFFSETTO:+1100
END:DAYLIGHT
END:VTIMEZONE
",
        ),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        #[test]
        fn a_transcribed_zone_reads_every_time_as_the_database_does(
            which in 0..TRANSCRIBED.len(),
            window_day in 0..(25 * 365i64),
            // Within the window and the 400 days kept either side, in quarter hours.
            quarter in -(400 * 96i64)..(490 * 96i64),
            // Or, in half the cases, within two hours of a change (its gap or fold).
            near_change in proptest::option::of((proptest::sample::select(vec![0usize, 1, 2, 3]), -8..8i64)),
        ) {
            let (name, text) = TRANSCRIBED[which];
            let window_start = at("2010-01-01T00:00:00Z") + window_day * DAY_S * 1000;
            let window = Interval::new(window_start, window_start + 90 * DAY_S * 1000)
                .expect("a window");
            let mut budget = 10_000;
            let zone = DefinedZone::of(&component(text), window, &mut budget).expect("a zone");
            let wall_seconds = match near_change {
                Some((index, quarters)) if !zone.changes.is_empty() => {
                    let change = zone.changes[index % zone.changes.len()];
                    change.at + i64::from(change.before) + quarters * 900
                }
                _ => window_start / 1000 + quarter * 900,
            };
            let local = chrono::DateTime::from_timestamp(wall_seconds, 0)
                .expect("a time")
                .naive_utc();
            let real = Zone::named(name).expect("a zone");
            proptest::prop_assert_eq!(
                zone.instant_of(local),
                super::super::values::instant_in(real, local),
                "{} at {}",
                name,
                local
            );
        }
    }
}
