//! Recurring weekly hours in an IANA time zone, with date overrides, expanded on read.
//!
//! A schedule travels in the API's shape ([`ScheduleInput`], plain strings, what clients send
//! and what is stored) and is used in its validated form ([`Schedule`]). [`Schedule::expand`]
//! turns it into UTC instants for one window at a time: nothing is materialized ahead.
//!
//! # Semantics
//! - Times are wall-clock `HH:MM` in the schedule's zone. A range whose `end` is at or before
//!   its `start`, or is `24:00`, runs past midnight into the next day. A range belongs to the
//!   local date it starts on.
//! - An override replaces the ranges that *start* on its date; with no ranges, nothing starts
//!   that day. A weekly range of the previous day that runs past midnight into the overridden
//!   date is still the previous day's and is kept: an override states that day's own hours, it
//!   does not cut short the night before.
//! - `valid_from` and `valid_until` are inclusive local dates: a range exists when the date it
//!   starts on lies between them.
//!
//! # Daylight saving and other offset changes
//! Each end of a range becomes an instant on its own, by the zone's rules at that date:
//! - A local time that occurs once is that instant.
//! - A local time that does not exist (the clocks jump over it) moves forward by the length of
//!   the jump: it is read with the offset in force before the jump. On 2026-03-08 New York
//!   jumps from 02:00 to 03:00, so `02:30` is 03:30 EDT, the instant 02:30 EST would have been.
//! - A local time that occurs twice (the clocks fall back over it) is its first occurrence.
//! - So a range containing a change lasts what the wall clock says: 00:00–12:00 is 11 hours on
//!   the day New York springs forward, 13 hours on the day it falls back (on Lord Howe Island,
//!   whose clocks move by 30 minutes, 11.5 and 12.5 hours).
//! - When a jump moves a start past its end (02:30–03:15 on that New York day would run from
//!   03:30 to 03:15), the range is empty that day.

use super::interval::{Interval, IntervalSet, Millis};
use super::time::format_timestamp;
use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    SecondsFormat, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The longest window a read may expand; the HTTP layer answers 400 beyond it.
pub const MAX_WINDOW_DAYS: i64 = 400;
/// Limits that keep one schedule's expansion cheap; more is refused as invalid.
pub const MAX_WEEKLY_RULES: usize = 100;
pub const MAX_OVERRIDES: usize = 1000;
pub const MAX_RANGES_PER_OVERRIDE: usize = 100;

const MINUTES_PER_DAY: u16 = 24 * 60;
const DAY_MS: Millis = 24 * 60 * 60 * 1000;
/// How much of a client's text an error message repeats.
const QUOTED_CHARS: usize = 40;

const DAY_NAMES: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

// ---------------------------------------------------------------------------------------------
// The API shape

/// A schedule as clients send it and as it is stored: every value a string, checked by
/// [`Schedule::validate`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub timezone: String,
    #[serde(default)]
    pub weekly: Vec<WeeklyRuleInput>,
    #[serde(default)]
    pub overrides: Vec<OverrideInput>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// `{"days": ["mon", ...], "start": "09:00", "end": "17:00"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyRuleInput {
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
}

/// `{"date": "2026-12-24", "ranges": [{"start": "10:00", "end": "14:00"}]}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    pub date: String,
    pub ranges: Vec<RangeInput>,
}

/// `{"start": "10:00", "end": "14:00"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RangeInput {
    pub start: String,
    pub end: String,
}

// ---------------------------------------------------------------------------------------------
// Errors

/// One bad field: a JSON Pointer to it (`/weekly/0/days/2`) and a sentence for the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

/// Every problem found in a [`ScheduleInput`], in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidSchedule {
    pub errors: Vec<FieldError>,
}

impl fmt::Display for InvalidSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", error.path, error.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidSchedule {}

/// A time zone name that is not in the IANA database chrono-tz carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTimeZone {
    quoted_name: String,
    /// The right spelling when only the letter case was wrong.
    suggestion: Option<Tz>,
}

impl fmt::Display for UnknownTimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not an IANA time zone name such as `Europe/Berlin` or `America/New_York`",
            self.quoted_name
        )?;
        match self.suggestion {
            Some(zone) => write!(f, "; did you mean `{}`?", zone.name()),
            None => Ok(()),
        }
    }
}

impl std::error::Error for UnknownTimeZone {}

// ---------------------------------------------------------------------------------------------
// Time zones and instants

/// Reads an IANA zone name exactly as the database spells it (`Europe/Berlin`, `UTC`), for the
/// schedule's `timezone` and the `tz` query parameter alike.
pub fn parse_time_zone(name: &str) -> Result<Tz, UnknownTimeZone> {
    name.parse::<Tz>().map_err(|_| UnknownTimeZone {
        quoted_name: quoted(name),
        suggestion: TZ_VARIANTS
            .iter()
            .copied()
            .find(|zone| zone.name().eq_ignore_ascii_case(name)),
    })
}

/// Formats an instant as RFC 3339 with `zone`'s offset at that instant
/// (`2026-03-08T09:00:00-04:00`), with a millisecond fraction only when it is not zero.
///
/// RFC 3339 offsets have whole minutes; an instant whose offset has seconds (mean solar time
/// before a zone adopted standard time, such as -00:25:21 in Dublin until 1916) is given in
/// UTC with `Z` instead, so that the text still names the same instant.
pub fn format_timestamp_in(millis: Millis, zone: Tz) -> String {
    let Some(instant) = DateTime::<Utc>::from_timestamp_millis(millis) else {
        return format_timestamp(millis);
    };
    let local = instant.with_timezone(&zone);
    if local.offset().fix().local_minus_utc() % 60 != 0 {
        return format_timestamp(millis);
    }
    let seconds = if millis.rem_euclid(1000) == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Millis
    };
    local.to_rfc3339_opts(seconds, false)
}

/// True when a read window is no longer than [`MAX_WINDOW_DAYS`].
pub fn window_within_limit(window: Interval) -> bool {
    window
        .end
        .checked_sub(window.start)
        .is_some_and(|length| length <= MAX_WINDOW_DAYS * DAY_MS)
}

/// The instant a wall-clock time names in `zone`, by the rules in the module documentation:
/// a time in a gap is read with the offset before the gap, a repeated time is its first
/// occurrence.
fn instant_of(zone: Tz, local: NaiveDateTime) -> Millis {
    let offset = match zone.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => offset.fix(),
        // The earlier occurrence is the one read with the larger offset.
        LocalResult::Ambiguous(a, b) => {
            std::cmp::max_by_key(a.fix(), b.fix(), |offset| offset.local_minus_utc())
        }
        LocalResult::None => match GapInfo::new(&local, &zone).and_then(|gap| gap.begin) {
            Some((_, before_gap)) => before_gap.fix(),
            // chrono-tz reports a beginning for every gap (the first span has none); should
            // that ever fail, the offset at the same numeric instant is close and never panics.
            None => zone.offset_from_utc_datetime(&local).fix(),
        },
    };
    local.and_utc().timestamp_millis() - i64::from(offset.local_minus_utc()) * 1000
}

/// The UTC date of an instant, clamped to chrono's range of dates.
fn utc_date(millis: Millis) -> NaiveDate {
    let earliest = DateTime::<Utc>::MIN_UTC.timestamp_millis();
    let latest = DateTime::<Utc>::MAX_UTC.timestamp_millis();
    // Always `Some` once clamped; the default only avoids a panic path.
    DateTime::<Utc>::from_timestamp_millis(millis.clamp(earliest, latest))
        .unwrap_or_default()
        .date_naive()
}

// ---------------------------------------------------------------------------------------------
// The validated form

/// A wall-clock time of day in minutes after midnight; `24:00` exists only as an end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ClockTime(u16);

impl ClockTime {
    const END_OF_DAY: ClockTime = ClockTime(MINUTES_PER_DAY);

    /// Exactly `HH:MM`, 00:00 to 23:59, and 24:00 when `may_end_day`.
    fn parse(text: &str, may_end_day: bool) -> Result<ClockTime, String> {
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 5
            && bytes[2] == b':'
            && [0, 1, 3, 4].iter().all(|&i| bytes[i].is_ascii_digit());
        if well_formed {
            let number =
                |i: usize| u16::from(bytes[i] - b'0') * 10 + u16::from(bytes[i + 1] - b'0');
            let (hours, minutes) = (number(0), number(3));
            if hours < 24 && minutes < 60 {
                return Ok(ClockTime(hours * 60 + minutes));
            }
            if (hours, minutes) == (24, 0) {
                return if may_end_day {
                    Ok(ClockTime::END_OF_DAY)
                } else {
                    Err(
                        "24:00 can only end a range; a range starting at midnight starts at 00:00"
                            .to_owned(),
                    )
                };
            }
        }
        Err(format!(
            "{} is not a time of day; use HH:MM from 00:00 to 23:59{}",
            quoted(text),
            if may_end_day { " (or 24:00)" } else { "" }
        ))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A local range as written; where it lands depends on the date it starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LocalRange {
    start: ClockTime,
    end: ClockTime,
}

impl LocalRange {
    fn parse(
        start: &str,
        end: &str,
        path: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<LocalRange> {
        let start = check(
            errors,
            format!("{path}/start"),
            ClockTime::parse(start, false),
        );
        let end = check(errors, format!("{path}/end"), ClockTime::parse(end, true));
        Some(LocalRange {
            start: start?,
            end: end?,
        })
    }

    fn to_input(self) -> RangeInput {
        RangeInput {
            start: self.start.to_string(),
            end: self.end.to_string(),
        }
    }

    /// Both ends as local date-times for the range that starts on `date`; an end at or before
    /// the start falls on the next day (24:00 is always after the start, and lands there too).
    /// `None` only at the end of chrono's calendar.
    fn on(self, date: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let midnight = date.and_time(NaiveTime::MIN);
        let end_minutes = if self.end <= self.start {
            self.end.0 + MINUTES_PER_DAY
        } else {
            self.end.0
        };
        let at = |minutes: u16| midnight.checked_add_signed(TimeDelta::minutes(minutes.into()));
        Some((at(self.start.0)?, at(end_minutes)?))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct WeeklyRule {
    days: Vec<Weekday>,
    range: LocalRange,
}

/// A checked schedule, ready to expand. Serializes to the API shape (see [`Schedule::to_input`])
/// and deserializes through [`Schedule::validate`], so a stored schedule reads back checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ScheduleInput", try_from = "ScheduleInput")]
pub struct Schedule {
    timezone: Tz,
    /// The rules as written, kept for [`Schedule::to_input`].
    weekly: Vec<WeeklyRule>,
    /// The same rules by weekday, Monday first, for expansion.
    ranges_by_weekday: [Vec<LocalRange>; 7],
    overrides: BTreeMap<NaiveDate, Vec<LocalRange>>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

impl Schedule {
    /// Checks everything and reports every problem with the path of its field.
    pub fn validate(input: &ScheduleInput) -> Result<Schedule, InvalidSchedule> {
        let mut errors = Vec::new();
        let timezone = check(
            &mut errors,
            "/timezone".to_owned(),
            parse_time_zone(&input.timezone).map_err(|error| error.to_string()),
        );
        let weekly = parse_weekly(&input.weekly, &mut errors);
        let overrides = parse_overrides(&input.overrides, &mut errors);
        let valid_from = parse_optional_date(&input.valid_from, "/valid_from", &mut errors);
        let valid_until = parse_optional_date(&input.valid_until, "/valid_until", &mut errors);
        if let (Some(Some(from)), Some(Some(until))) = (valid_from, valid_until)
            && from > until
        {
            errors.push(FieldError {
                path: "/valid_until".to_owned(),
                message: format!("{until} is before valid_from ({from})"),
            });
        }
        match (timezone, weekly, overrides, valid_from, valid_until) {
            (
                Some(timezone),
                Some(weekly),
                Some(overrides),
                Some(valid_from),
                Some(valid_until),
            ) if errors.is_empty() => {
                let mut ranges_by_weekday: [Vec<LocalRange>; 7] = Default::default();
                for rule in &weekly {
                    for day in &rule.days {
                        ranges_by_weekday[day.num_days_from_monday() as usize].push(rule.range);
                    }
                }
                Ok(Schedule {
                    timezone,
                    weekly,
                    ranges_by_weekday,
                    overrides,
                    valid_from,
                    valid_until,
                })
            }
            _ => Err(InvalidSchedule { errors }),
        }
    }

    pub fn timezone(&self) -> Tz {
        self.timezone
    }

    /// The schedule in the API shape, as a PUT answers and storage keeps it: weekly rules as
    /// written, overrides sorted by date, times as `HH:MM`, absent validity dates as `null`.
    pub fn to_input(&self) -> ScheduleInput {
        ScheduleInput {
            timezone: self.timezone.name().to_owned(),
            weekly: self
                .weekly
                .iter()
                .map(|rule| WeeklyRuleInput {
                    days: rule
                        .days
                        .iter()
                        .map(|&day| day_name(day).to_owned())
                        .collect(),
                    start: rule.range.start.to_string(),
                    end: rule.range.end.to_string(),
                })
                .collect(),
            overrides: self
                .overrides
                .iter()
                .map(|(date, ranges)| OverrideInput {
                    date: date.to_string(),
                    ranges: ranges.iter().map(|range| range.to_input()).collect(),
                })
                .collect(),
            valid_from: self.valid_from.map(|date| date.to_string()),
            valid_until: self.valid_until.map(|date| date.to_string()),
        }
    }

    /// Every instant of the schedule inside `window`, by the rules of the module documentation.
    ///
    /// Only the local dates whose ranges can reach the window are looked at, so the cost grows
    /// with the window's length (bounded by the validity dates); callers bound windows with
    /// [`MAX_WINDOW_DAYS`]. Any window is safe, up to chrono's limits of the calendar.
    pub fn expand(&self, window: Interval) -> IntervalSet {
        let mut intervals = Vec::new();
        for date in self.dates_reaching(window) {
            for &range in self.ranges_starting_on(date) {
                let instants = range.on(date).and_then(|(start, end)| {
                    Interval::new(
                        instant_of(self.timezone, start),
                        instant_of(self.timezone, end),
                    )
                });
                if let Some(inside) = instants.and_then(|i| i.intersection(&window)) {
                    intervals.push(inside);
                }
            }
        }
        IntervalSet::from_intervals(intervals)
    }

    /// The instants outside which [`Schedule::expand`] never yields anything (`None`: it never
    /// does). Lets a search over a long range skip what cannot hold a range.
    ///
    /// Bounded by the validity dates, and by the first and last override when there are no
    /// weekly rules; an open side reaches the end of chrono's calendar. A range lies within a
    /// day before its date and three days after, in UTC (see [`Schedule::dates_reaching`]).
    pub fn span(&self) -> Option<Interval> {
        let (first_override, last_override) = if self.weekly.is_empty() {
            (
                Some(*self.overrides.first_key_value()?.0),
                Some(*self.overrides.last_key_value()?.0),
            )
        } else {
            (None, None)
        };
        let first = self
            .valid_from
            .into_iter()
            .chain(first_override)
            .max()
            .unwrap_or(NaiveDate::MIN);
        let last = self
            .valid_until
            .into_iter()
            .chain(last_override)
            .min()
            .unwrap_or(NaiveDate::MAX);
        let midnight = |date: NaiveDate| date.and_time(NaiveTime::MIN).and_utc().timestamp_millis();
        Interval::new(
            midnight(first).saturating_sub(DAY_MS),
            midnight(last).saturating_add(3 * DAY_MS),
        )
    }

    /// The local dates whose ranges can reach `window`, within the validity dates.
    ///
    /// A range lies between local midnight of its date and local midnight two days later, and
    /// every offset is under a day (chrono's `FixedOffset` cannot hold more), so its instants
    /// lie between one day before its date and three days after, in UTC dates: dates from two
    /// before the window's first UTC date to two after its last cover every range that can
    /// reach it.
    fn dates_reaching(&self, window: Interval) -> impl Iterator<Item = NaiveDate> + use<> {
        let first = utc_date(window.start)
            .checked_sub_days(Days::new(2))
            .unwrap_or(NaiveDate::MIN)
            .max(self.valid_from.unwrap_or(NaiveDate::MIN));
        let last = utc_date(window.end)
            .checked_add_days(Days::new(2))
            .unwrap_or(NaiveDate::MAX)
            .min(self.valid_until.unwrap_or(NaiveDate::MAX));
        first.iter_days().take_while(move |date| *date <= last)
    }

    fn ranges_starting_on(&self, date: NaiveDate) -> &[LocalRange] {
        match self.overrides.get(&date) {
            Some(ranges) => ranges,
            None => &self.ranges_by_weekday[date.weekday().num_days_from_monday() as usize],
        }
    }
}

impl TryFrom<ScheduleInput> for Schedule {
    type Error = InvalidSchedule;

    fn try_from(input: ScheduleInput) -> Result<Self, Self::Error> {
        Schedule::validate(&input)
    }
}

impl From<Schedule> for ScheduleInput {
    fn from(schedule: Schedule) -> Self {
        schedule.to_input()
    }
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

/// Records the error of `result` under `path`, keeping validation going to find the others.
fn check<T>(errors: &mut Vec<FieldError>, path: String, result: Result<T, String>) -> Option<T> {
    result
        .map_err(|message| errors.push(FieldError { path, message }))
        .ok()
}

/// Refuses a list longer than `limit`, whose items are then not checked one by one.
fn check_length<T>(
    items: &[T],
    limit: usize,
    path: &str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> bool {
    let fits = items.len() <= limit;
    if !fits {
        errors.push(FieldError {
            path: path.to_owned(),
            message: format!("has {} {what}; at most {limit} are allowed", items.len()),
        });
    }
    fits
}

fn parse_weekly(
    rules: &[WeeklyRuleInput],
    errors: &mut Vec<FieldError>,
) -> Option<Vec<WeeklyRule>> {
    if !check_length(rules, MAX_WEEKLY_RULES, "/weekly", "rules", errors) {
        return None;
    }
    let parsed: Vec<Option<WeeklyRule>> = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| {
            let path = format!("/weekly/{index}");
            let days = parse_days(&rule.days, &path, errors);
            let range = LocalRange::parse(&rule.start, &rule.end, &path, errors);
            Some(WeeklyRule {
                days: days?,
                range: range?,
            })
        })
        .collect();
    parsed.into_iter().collect()
}

fn parse_days(
    names: &[String],
    rule_path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<Weekday>> {
    if names.is_empty() {
        errors.push(FieldError {
            path: format!("{rule_path}/days"),
            message: "names no day; list some of mon, tue, wed, thu, fri, sat, sun".to_owned(),
        });
        return None;
    }
    let mut first_index_of_day: [Option<usize>; 7] = [None; 7];
    let parsed: Vec<Option<Weekday>> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let day = DAY_NAMES
                .iter()
                .find(|(known, _)| known == name)
                .map(|&(_, day)| day)
                .ok_or_else(|| {
                    format!(
                        "{} is not a day; use mon, tue, wed, thu, fri, sat or sun",
                        quoted(name)
                    )
                })
                .and_then(|day| {
                    let first = *first_index_of_day[day.num_days_from_monday() as usize]
                        .get_or_insert(index);
                    if first == index {
                        Ok(day)
                    } else {
                        Err(format!(
                            "{} is listed twice (first at {rule_path}/days/{first})",
                            quoted(name)
                        ))
                    }
                });
            check(errors, format!("{rule_path}/days/{index}"), day)
        })
        .collect();
    parsed.into_iter().collect()
}

fn parse_overrides(
    overrides: &[OverrideInput],
    errors: &mut Vec<FieldError>,
) -> Option<BTreeMap<NaiveDate, Vec<LocalRange>>> {
    if !check_length(overrides, MAX_OVERRIDES, "/overrides", "overrides", errors) {
        return None;
    }
    let mut first_index_of_date = BTreeMap::new();
    let parsed: Vec<Option<(NaiveDate, Vec<LocalRange>)>> = overrides
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let path = format!("/overrides/{index}");
            let date = parse_date(&item.date).and_then(|date| {
                let first = *first_index_of_date.entry(date).or_insert(index);
                if first == index {
                    Ok(date)
                } else {
                    Err(format!(
                        "{date} is already overridden at /overrides/{first}"
                    ))
                }
            });
            let date = check(errors, format!("{path}/date"), date);
            let ranges_path = format!("{path}/ranges");
            let ranges = if check_length(
                &item.ranges,
                MAX_RANGES_PER_OVERRIDE,
                &ranges_path,
                "ranges",
                errors,
            ) {
                let parsed: Vec<Option<LocalRange>> = item
                    .ranges
                    .iter()
                    .enumerate()
                    .map(|(i, range)| {
                        let path = format!("{ranges_path}/{i}");
                        LocalRange::parse(&range.start, &range.end, &path, errors)
                    })
                    .collect();
                parsed.into_iter().collect()
            } else {
                None
            };
            Some((date?, ranges?))
        })
        .collect();
    parsed.into_iter().collect()
}

/// `None` when invalid (recorded), `Some(None)` when absent.
fn parse_optional_date(
    text: &Option<String>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Option<NaiveDate>> {
    match text {
        None => Some(None),
        Some(text) => check(errors, path.to_owned(), parse_date(text)).map(Some),
    }
}

/// Exactly `YYYY-MM-DD`, a real calendar date.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, byte)| match i {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    well_formed
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| {
            format!(
                "{} is not a date; use YYYY-MM-DD, e.g. 2026-12-24",
                quoted(text)
            )
        })
}

fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize].0
}

/// The client's text in backquotes for a message, cut short when long.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("`{}…`", &text[..cut]),
        None => format!("`{text}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_timestamp;
    use serde_json::json;

    fn input(value: serde_json::Value) -> ScheduleInput {
        serde_json::from_value(value).expect("test input has the API shape")
    }

    fn paths(result: Result<Schedule, InvalidSchedule>) -> Vec<String> {
        result
            .expect_err("the input is invalid")
            .errors
            .into_iter()
            .map(|error| error.path)
            .collect()
    }

    fn at(text: &str) -> Millis {
        parse_timestamp(text).expect("valid test timestamp")
    }

    fn window(from: &str, to: &str) -> Interval {
        Interval::new(at(from), at(to)).expect("valid test window")
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
        assert_eq!(schedule.timezone(), chrono_tz::Europe::Berlin);
        assert_eq!(
            serde_json::to_value(&schedule).expect("serializes"),
            issue_example()
        );
        let stored: Schedule = serde_json::from_value(issue_example()).expect("reads back");
        assert_eq!(stored, schedule);
    }

    #[test]
    fn optional_parts_may_be_left_out_and_come_back_explicit() {
        let schedule =
            Schedule::validate(&input(json!({"timezone": "UTC"}))).expect("valid schedule");
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
    fn time_zone_names_are_exact_and_a_wrong_case_gets_a_suggestion() {
        assert_eq!(
            parse_time_zone("America/New_York"),
            Ok(chrono_tz::America::New_York)
        );
        let wrong_case = parse_time_zone("europe/berlin").expect_err("case matters");
        assert!(
            wrong_case
                .to_string()
                .ends_with("did you mean `Europe/Berlin`?"),
            "{wrong_case}"
        );
        let long = "x".repeat(10_000);
        let message = parse_time_zone(&long).expect_err("unknown").to_string();
        assert!(message.len() < 200, "the name is cut short: {message}");
        assert!(parse_time_zone("").is_err());
        assert!(parse_time_zone(" UTC").is_err());
    }

    #[test]
    fn instants_format_with_the_zone_offset() {
        let new_york = chrono_tz::America::New_York;
        assert_eq!(
            format_timestamp_in(at("2026-03-08T13:00:00Z"), new_york),
            "2026-03-08T09:00:00-04:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-03-07T14:00:00.250Z"), new_york),
            "2026-03-07T09:00:00.250-05:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-01-05T09:00:00Z"), chrono_tz::Europe::London),
            "2026-01-05T09:00:00+00:00"
        );
        assert_eq!(
            format_timestamp_in(at("2026-01-05T09:00:00Z"), chrono_tz::Australia::Lord_Howe),
            "2026-01-05T20:00:00+11:00"
        );
        // Dublin Mean Time was -00:25:21, which RFC 3339 cannot write.
        assert_eq!(
            format_timestamp_in(at("1900-06-01T12:00:00Z"), chrono_tz::Europe::Dublin),
            "1900-06-01T12:00:00Z"
        );
        for extreme in [i64::MIN, i64::MAX, 0] {
            assert!(!format_timestamp_in(extreme, new_york).is_empty());
        }
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
                    .all(|i| window.start <= i.start && i.end <= window.end)
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
            unbounded.start < at("0001-01-01T00:00:00Z")
                && unbounded.end > at("9999-01-01T00:00:00Z")
        );
        let mut bounded = weekly;
        bounded["valid_until"] = json!("2026-05-08");
        let bounded_span = span(bounded.clone()).expect("weekly rules");
        assert_eq!(bounded_span.end, at("2026-05-11T00:00:00Z"));
        // Friday 2026-05-08 00:00 +14:00 to Saturday 00:00 +14:00 lies inside.
        let last = Schedule::validate(&input(bounded))
            .expect("valid")
            .expand(window("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"));
        assert_eq!(
            last.as_slice(),
            [window("2026-05-07T10:00:00Z", "2026-05-08T10:00:00Z")]
        );
        assert!(bounded_span.start <= last.as_slice()[0].start);
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
            format_timestamp_in(at("2011-12-30T19:00:00Z"), chrono_tz::Pacific::Apia),
            "2011-12-31T09:00:00+14:00"
        );
    }
}
