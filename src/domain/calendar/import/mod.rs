//! Busy time from an iCalendar text: which events are busy, their instances inside a window,
//! merged into UTC intervals. Pure; parsing is the `ical` crate's (content lines, unfolding,
//! parameters), zones are the project's own tz database (`domain::tzdb`).
//!
//! The rules (RFC 4791 §7.10, and what real calendars hold):
//! - An event is busy unless `TRANSP:TRANSPARENT`, `STATUS:CANCELLED`, or declined by the
//!   calendar's owner: an `ATTENDEE` whose address is one of the owner's ([`BusyOptions`])
//!   with `PARTSTAT=DECLINED`. Tentative and confirmed events are busy alike.
//! - `RRULE` is expanded on the wall clock of `DTSTART` in its zone ([`rrule`]), with `RDATE`
//!   added and `EXDATE` removed; an instance that an override (`RECURRENCE-ID`) replaces is
//!   the override's to decide: moved, cancelled or made free. An override without its master
//!   is an event of its own.
//! - All-day events (`VALUE=DATE`) and floating times are read in the calendar's zone:
//!   `X-WR-TIMEZONE` when it names one, else the zone the caller gives (the user's).
//! - `TZID`s: IANA names, prefixed names and Windows names ([`values::zone_of_tzid`]); one that
//!   names none is read by the calendar's own VTIMEZONE of that `TZID` ([`vtimezone`]), else
//!   as floating.
//! - A rule this reader does not follow (`FREQ=HOURLY`, `BYHOUR`, ...) keeps its first
//!   instance and is counted in [`ImportedBusy::skipped`]; so is an event without a readable
//!   start.

pub mod rrule;
pub mod values;
pub mod vtimezone;

use crate::domain::time::Millis;
use crate::domain::tzdb::Zone;
use crate::domain::{Interval, IntervalSet};
use chrono::Duration;
use ical::parser::ical::component::IcalEvent;
use ical::property::Property;
use std::collections::HashMap;
use values::{Length, Place, Time, parse_duration, parse_time, zone_of_tzid};
use vtimezone::DefinedZone;

/// Busy intervals held per source at most (the earliest kept): 16 bytes each in the record.
pub const MAX_BUSY_INTERVALS: usize = 1_000;
/// Events read from one text at most; more is refused.
pub const MAX_EVENTS: usize = 50_000;
/// Recurrence periods looked at per text (every event's and zone's together): the work one
/// sync may do.
pub const PERIOD_BUDGET: usize = 1_000_000;
/// Zones defined by VTIMEZONEs read per text at most (alike definitions count once); the
/// `TZID`s of any more are read as floating.
pub const MAX_DEFINED_ZONES: usize = 100;

/// What a calendar's text is read with.
#[derive(Clone, Debug)]
pub struct BusyOptions {
    /// Busy time is kept inside this window only.
    pub window: Interval,
    /// Where dates and floating times are read when the calendar names no zone.
    pub zone: Zone,
    /// The calendar owner's addresses (without `mailto:`, any case): their declines are free.
    pub owner_addresses: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedBusy {
    pub busy: IntervalSet,
    /// VEVENTs read.
    pub events: usize,
    /// Events read only in part (an unreadable start, a rule not followed).
    pub skipped: usize,
    /// More busy intervals than [`MAX_BUSY_INTERVALS`], or the period budget ran out.
    pub truncated: bool,
}

/// Why a text gave no busy time at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    NotACalendar(String),
    TooManyEvents,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::NotACalendar(why) => {
                write!(f, "The answer is not an iCalendar text ({why}).")
            }
            ImportError::TooManyEvents => {
                write!(f, "The calendar holds more than {MAX_EVENTS} events.")
            }
        }
    }
}

/// The busy time `texts` (one or more iCalendar texts, as a feed or a CalDAV server sends them)
/// hold inside `options.window`.
pub fn busy_of(texts: &[&str], options: &BusyOptions) -> Result<ImportedBusy, ImportError> {
    read_busy(texts, options, Expansion::FromWindow)
}

/// Where rules without `COUNT` begin their expansion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expansion {
    /// At the first period that can reach the window: the cost follows the window, not the
    /// calendar's age.
    FromWindow,
    /// At the rule's start, walking every period: the plain reading the tests hold
    /// [`Expansion::FromWindow`] to.
    #[cfg_attr(not(test), allow(dead_code))]
    FromStart,
}

fn read_busy(
    texts: &[&str],
    options: &BusyOptions,
    expansion: Expansion,
) -> Result<ImportedBusy, ImportError> {
    // Each event with the index of its calendar; each calendar with its zone and the zones
    // its VTIMEZONEs define (indexes into `defined`, shared by calendars that define a zone
    // alike, as every calendar of a CalDAV answer does).
    let mut events: Vec<(usize, IcalEvent)> = Vec::new();
    let mut calendars: Vec<(Zone, Vec<usize>)> = Vec::new();
    let mut defined: Vec<DefinedZone> = Vec::new();
    let mut definitions: HashMap<String, Option<usize>> = HashMap::new();
    let mut budget = PERIOD_BUDGET;
    for text in texts {
        let text = known_components_only(text);
        for calendar in ical::IcalParser::new(text.as_bytes()) {
            let calendar =
                calendar.map_err(|error| ImportError::NotACalendar(error.to_string()))?;
            let zone = property(&calendar.properties, "X-WR-TIMEZONE")
                .and_then(|p| p.value.as_deref())
                .and_then(zone_of_tzid)
                .unwrap_or(options.zone);
            if events.len() + calendar.events.len() > MAX_EVENTS {
                return Err(ImportError::TooManyEvents);
            }
            let mut own_zones = Vec::new();
            for component in &calendar.timezones {
                let named = property(&component.properties, "TZID")
                    .and_then(|p| p.value.as_deref())
                    .is_some_and(|tzid| zone_of_tzid(tzid).is_some());
                if named {
                    continue;
                }
                let definition = definition_of(component);
                let index = match definitions.get(&definition) {
                    Some(index) => *index,
                    None if definitions.len() >= MAX_DEFINED_ZONES => None,
                    None => {
                        let zone = DefinedZone::of(component, options.window, &mut budget);
                        let index = zone.map(|zone| {
                            defined.push(zone);
                            defined.len() - 1
                        });
                        definitions.insert(definition, index);
                        index
                    }
                };
                own_zones.extend(index);
            }
            events.extend(
                calendar
                    .events
                    .into_iter()
                    .map(|event| (calendars.len(), event)),
            );
            calendars.push((zone, own_zones));
        }
    }
    if calendars.is_empty() && texts.iter().any(|text| !text.trim().is_empty()) {
        return Err(ImportError::NotACalendar("no VCALENDAR".into()));
    }
    let calendars: Vec<CalendarZones> = calendars
        .into_iter()
        .map(|(zone, own)| CalendarZones {
            calendar: zone,
            defined: own.into_iter().map(|index| &defined[index]).collect(),
        })
        .collect();
    let mut reader = Reader {
        options,
        expansion,
        budget,
        skipped: 0,
        intervals: Vec::new(),
    };
    let read: Vec<Read> = events
        .iter()
        .filter_map(|(calendar, event)| {
            let read = Read::of(event, &calendars[*calendar], &options.owner_addresses);
            if read.is_none() {
                reader.skipped += 1;
            }
            read
        })
        .collect();
    // Overrides by their master's UID and the instance they replace.
    let mut overridden: HashMap<(&str, Millis), ()> = HashMap::new();
    let mut masters: HashMap<&str, ()> = HashMap::new();
    for event in &read {
        match event.recurrence_id {
            Some(instance) => {
                overridden.insert((event.uid.as_str(), instance), ());
            }
            None => {
                masters.insert(event.uid.as_str(), ());
            }
        }
    }
    for event in &read {
        if event.recurrence_id.is_some() {
            // An override is an instance of its own, busy by its own properties.
            if event.busy {
                reader.instance(event, event.start, None);
            }
            continue;
        }
        if !event.busy {
            continue;
        }
        for (start, period_end) in reader.starts(event) {
            let key = (event.uid.as_str(), start.instant(event.zone));
            if !overridden.contains_key(&key) {
                reader.instance(event, start, period_end);
            }
        }
    }
    let truncated = reader.budget == 0;
    let merged = IntervalSet::from_intervals(reader.intervals).clip(options.window);
    let over = merged.len() > MAX_BUSY_INTERVALS;
    let busy = IntervalSet::from_normalized(
        merged
            .as_slice()
            .iter()
            .take(MAX_BUSY_INTERVALS)
            .copied()
            .collect(),
    );
    Ok(ImportedBusy {
        busy,
        events: read.len() + reader.skipped,
        skipped: reader.skipped,
        truncated: truncated || over,
    })
}

/// Components the `ical` crate reads; it refuses a text with any other (`X-…`, `VAVAILABILITY`),
/// which real calendars hold, so those are dropped first, with everything inside them.
const KNOWN_COMPONENTS: [&str; 9] = [
    "VCALENDAR",
    "VEVENT",
    "VTODO",
    "VJOURNAL",
    "VFREEBUSY",
    "VTIMEZONE",
    "STANDARD",
    "DAYLIGHT",
    "VALARM",
];

fn known_components_only(text: &str) -> std::borrow::Cow<'_, str> {
    let begins_unknown = |line: &str| {
        line.get(..6)
            .is_some_and(|b| b.eq_ignore_ascii_case("BEGIN:"))
            && !KNOWN_COMPONENTS
                .iter()
                .any(|known| line[6..].trim().eq_ignore_ascii_case(known))
    };
    if !text.lines().any(begins_unknown) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut kept = String::with_capacity(text.len());
    let mut skipping = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if begins_unknown(trimmed)
            || (skipping > 0
                && trimmed
                    .get(..6)
                    .is_some_and(|b| b.eq_ignore_ascii_case("BEGIN:")))
        {
            skipping += 1;
            continue;
        }
        if skipping > 0 {
            if trimmed
                .get(..4)
                .is_some_and(|e| e.eq_ignore_ascii_case("END:"))
            {
                skipping -= 1;
            }
            continue;
        }
        kept.push_str(line);
    }
    std::borrow::Cow::Owned(kept)
}

struct Reader<'a> {
    options: &'a BusyOptions,
    expansion: Expansion,
    budget: usize,
    skipped: usize,
    intervals: Vec<Interval>,
}

impl Reader<'_> {
    /// The starts of `event`: its rule's (or its start alone), with `RDATE`s, without `EXDATE`s.
    fn starts<'z>(&mut self, event: &Read<'z>) -> Vec<(Time<'z>, Option<PeriodEnd<'z>>)> {
        let end = self.options.window.end();
        let reach_from = match self.expansion {
            Expansion::FromWindow => event.earliest_start_reaching(self.options.window.start()),
            Expansion::FromStart => None,
        };
        let mut starts: Vec<(Time<'z>, Option<PeriodEnd<'z>>)> = match &event.rule {
            Some(Ok(rule)) => rrule::expand(
                rule,
                &event.start,
                event.zone,
                reach_from,
                end,
                &mut self.budget,
            )
            .into_iter()
            .map(|local| (event.start.with_local(local), None))
            .collect(),
            Some(Err(_)) => {
                self.skipped += 1;
                vec![(event.start, None)]
            }
            None => vec![(event.start, None)],
        };
        starts.extend(event.rdates.iter().copied());
        let excluded: Vec<Millis> = event
            .exdates
            .iter()
            .map(|t| t.instant(event.zone))
            .collect();
        let excluded_dates: Vec<chrono::NaiveDate> = event
            .exdates
            .iter()
            .filter(|t| t.is_date())
            .map(|t| t.local().date())
            .collect();
        starts.retain(|(start, _)| {
            !excluded.contains(&start.instant(event.zone))
                && (start.is_date() || !excluded_dates.contains(&start.local().date()))
        });
        starts.sort_by_key(|(start, _)| start.instant(event.zone));
        starts.dedup_by_key(|(start, _)| start.instant(event.zone));
        starts
    }

    fn instance(&mut self, event: &Read, start: Time, period_end: Option<PeriodEnd>) {
        let from = start.instant(event.zone);
        let to = match (period_end, &event.length) {
            (Some(PeriodEnd::At(end)), _) => end.instant(event.zone),
            (Some(PeriodEnd::After(length)), _) => length.after(&start, event.zone),
            (None, EventLength::Wall(length)) => length.after(&start, event.zone),
            (None, EventLength::Exact(millis)) => from.saturating_add(*millis),
        };
        if let Some(range) =
            Interval::new(from, to).and_then(|r| r.intersection(&self.options.window))
        {
            self.intervals.push(range);
        }
    }
}

/// An instance's length: on the wall clock (days, or a `DTEND` in the start's own zone), or
/// exact (a `DTEND` elsewhere).
enum EventLength {
    Wall(Length),
    Exact(Millis),
}

/// One VEVENT as busy time needs it.
struct Read<'z> {
    uid: String,
    /// The calendar's zone: dates and floating times.
    zone: Zone,
    recurrence_id: Option<Millis>,
    start: Time<'z>,
    length: EventLength,
    rule: Option<Result<rrule::Rule<'z>, String>>,
    /// `RDATE`s, each with the end its `PERIOD` gives, if any.
    rdates: Vec<(Time<'z>, Option<PeriodEnd<'z>>)>,
    exdates: Vec<Time<'z>>,
    busy: bool,
}

/// The end of an `RDATE` period: a time, or a duration from its start.
#[derive(Clone, Copy)]
enum PeriodEnd<'z> {
    At(Time<'z>),
    After(Length),
}

/// Where one calendar's times are read: its own zone (dates, floating times), and the zones
/// its VTIMEZONEs define for `TZID`s the tz database does not know.
struct CalendarZones<'z> {
    calendar: Zone,
    defined: Vec<&'z DefinedZone>,
}

impl<'z> CalendarZones<'z> {
    /// Where a `TZID` places local times: the database's zone by that name first (IANA,
    /// prefixed, Windows), else the calendar's own definition; `None`: floating.
    fn place_of(&self, tzid: &str) -> Option<Place<'z>> {
        if let Some(zone) = zone_of_tzid(tzid) {
            return Some(Place::Zone(zone));
        }
        let tzid = tzid.trim().trim_matches('"');
        self.defined
            .iter()
            .find(|zone| zone.tzid() == tzid)
            .map(|zone| Place::Defined(zone))
    }
}

impl<'z> Read<'z> {
    fn of(
        event: &IcalEvent,
        zones: &CalendarZones<'z>,
        owner_addresses: &[String],
    ) -> Option<Read<'z>> {
        let zone = zones.calendar;
        let properties = &event.properties;
        let time_of = |property: &Property| time_of(property, zones);
        let start = time_of(property(properties, "DTSTART")?)?;
        let end = property(properties, "DTEND").and_then(time_of);
        let duration = property(properties, "DURATION")
            .and_then(|p| p.value.as_deref())
            .and_then(parse_duration);
        let length = match (end, duration) {
            (Some(end), _) if same_place(&start, &end) => EventLength::Wall(Length {
                days: 0,
                exact: end.local() - start.local(),
            }),
            (Some(end), _) => EventLength::Exact(end.instant(zone) - start.instant(zone)),
            (None, Some(length)) => EventLength::Wall(length),
            (None, None) if start.is_date() => EventLength::Wall(Length {
                days: 1,
                exact: Duration::zero(),
            }),
            (None, None) => EventLength::Exact(0),
        };
        let start_zone = match start {
            Time::At(_, place @ (Place::Zone(_) | Place::Defined(_))) => Some(place),
            _ => None,
        };
        let text = |name: &str| {
            property(properties, name)
                .and_then(|p| p.value.as_deref())
                .map(|v| v.trim().to_ascii_uppercase())
        };
        let declined = properties
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case("ATTENDEE"))
            .any(|attendee| {
                let address = attendee.value.as_deref().unwrap_or_default().trim();
                let address = address
                    .get(..7)
                    .filter(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
                    .map_or(address, |_| &address[7..]);
                owner_addresses
                    .iter()
                    .any(|owner| owner.eq_ignore_ascii_case(address))
                    && parameter(attendee, "PARTSTAT")
                        .is_some_and(|v| v.eq_ignore_ascii_case("DECLINED"))
            });
        let busy = text("STATUS").as_deref() != Some("CANCELLED")
            && text("TRANSP").as_deref() != Some("TRANSPARENT")
            && !declined;
        Some(Read {
            uid: text("UID").unwrap_or_default(),
            zone,
            recurrence_id: property(properties, "RECURRENCE-ID")
                .and_then(time_of)
                .map(|t| t.instant(zone)),
            start,
            length,
            rule: property(properties, "RRULE")
                .and_then(|p| p.value.as_deref())
                .map(|rule| rrule::parse_rule(rule, start_zone)),
            rdates: periods_of(properties, "RDATE", zones),
            exdates: periods_of(properties, "EXDATE", zones)
                .into_iter()
                .map(|(start, _)| start)
                .collect(),
            busy,
        })
    }
}

impl Read<'_> {
    /// The earliest wall-clock start from which an instance can still end after
    /// `window_start`. A wall-clock reading lies within a day of its UTC reading (offsets stay
    /// below a day), and a length on the wall clock differs from the exact one by at most an
    /// offset change, so two days of slack cover both.
    fn earliest_start_reaching(&self, window_start: Millis) -> Option<chrono::NaiveDateTime> {
        let longest = match &self.length {
            EventLength::Wall(length) => length
                .days
                .saturating_mul(DAY_MS)
                .saturating_add(length.exact.num_milliseconds()),
            EventLength::Exact(millis) => *millis,
        };
        let earliest = window_start
            .saturating_sub(longest.max(0))
            .saturating_sub(2 * DAY_MS);
        chrono::DateTime::from_timestamp_millis(earliest).map(|at| at.naive_utc())
    }
}

const DAY_MS: Millis = 86_400_000;

/// What tells two VTIMEZONEs apart: their text (every calendar of a CalDAV answer repeats
/// the same one).
fn definition_of(component: &ical::parser::ical::component::IcalTimeZone) -> String {
    let mut definition = String::new();
    let mut add = |properties: &[Property]| {
        for p in properties {
            definition.push_str(&p.name);
            definition.push(':');
            definition.push_str(p.value.as_deref().unwrap_or_default());
            definition.push('\n');
        }
    };
    add(&component.properties);
    for observance in &component.transitions {
        add(&observance.properties);
    }
    definition
}

fn same_place(start: &Time, end: &Time) -> bool {
    match (start, end) {
        (Time::Date(_), Time::Date(_)) => true,
        (Time::At(_, one), Time::At(_, other)) => one == other,
        _ => false,
    }
}

fn property<'p>(properties: &'p [Property], name: &str) -> Option<&'p Property> {
    properties
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

fn parameter<'p>(property: &'p Property, name: &str) -> Option<&'p str> {
    property
        .params
        .as_ref()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, values)| values.first())
        .map(String::as_str)
}

/// A DTSTART-like property's value, with its `VALUE=DATE` and `TZID`.
fn time_of<'z>(property: &Property, zones: &CalendarZones<'z>) -> Option<Time<'z>> {
    let value = property.value.as_deref()?;
    parse_time(
        value,
        is_date(property),
        parameter(property, "TZID").and_then(|tzid| zones.place_of(tzid)),
    )
}

fn is_date(property: &Property) -> bool {
    parameter(property, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
}

/// Every value of every `name` property (comma-separated lists), with a `PERIOD`'s end.
fn periods_of<'z>(
    properties: &[Property],
    name: &str,
    zones: &CalendarZones<'z>,
) -> Vec<(Time<'z>, Option<PeriodEnd<'z>>)> {
    properties
        .iter()
        .filter(|p| p.name.eq_ignore_ascii_case(name))
        .flat_map(|p| {
            let zone = parameter(p, "TZID").and_then(|tzid| zones.place_of(tzid));
            let date = is_date(p);
            p.value
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter_map(move |value| {
                    let (start, end) = match value.split_once('/') {
                        Some((start, end)) => (start, Some(end)),
                        None => (value, None),
                    };
                    let start = parse_time(start, date, zone)?;
                    let end = end.and_then(|end| match parse_duration(end) {
                        Some(length) => Some(PeriodEnd::After(length)),
                        None => parse_time(end, date, zone).map(PeriodEnd::At),
                    });
                    Some((start, end))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests;
