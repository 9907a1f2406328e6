//! Recurrence rules (RFC 5545 §3.3.10), expanded on the wall clock of the event's start so
//! that a weekly 09:00 stays at 09:00 across a DST change. The parts calendars use: `FREQ`
//! `DAILY`, `WEEKLY`, `MONTHLY`, `YEARLY`; `INTERVAL`, `COUNT`, `UNTIL`, `BYDAY` (with
//! ordinals), `BYMONTHDAY`, `BYMONTH`, `BYSETPOS`, `WKST`. A rule with any other part is
//! refused ([`parse_rule`]), and its event is read as its first instance. A rule without
//! `COUNT` begins at the first period that can reach the window ([`expand`]), not at its start.

use super::values::{Place, Time, parse_time};
use crate::domain::time::Millis;
use crate::domain::tzdb::Zone;
use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Weekday};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule<'z> {
    pub frequency: Frequency,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Time<'z>>,
    pub by_day: Vec<(Option<i32>, Weekday)>,
    pub by_month_day: Vec<i32>,
    pub by_month: Vec<u32>,
    pub by_set_pos: Vec<i32>,
    pub week_start: Weekday,
}

/// `text` (the RRULE's value) as a rule, `until_zone` the zone its start is read in (a local
/// `UNTIL` is read there); `Err` names the part it cannot follow.
pub fn parse_rule<'z>(text: &str, until_zone: Option<Place<'z>>) -> Result<Rule<'z>, String> {
    let mut rule = Rule {
        frequency: Frequency::Daily,
        interval: 1,
        count: None,
        until: None,
        by_day: Vec::new(),
        by_month_day: Vec::new(),
        by_month: Vec::new(),
        by_set_pos: Vec::new(),
        week_start: Weekday::Mon,
    };
    let mut frequency = None;
    for part in text.trim().split(';').filter(|part| !part.is_empty()) {
        let (name, value) = part.split_once('=').ok_or_else(|| format!("part {part}"))?;
        let list = || value.split(',').map(str::trim);
        let bad = || format!("{name}={value}");
        match name.trim().to_ascii_uppercase().as_str() {
            "FREQ" => {
                frequency = Some(match value.trim().to_ascii_uppercase().as_str() {
                    "DAILY" => Frequency::Daily,
                    "WEEKLY" => Frequency::Weekly,
                    "MONTHLY" => Frequency::Monthly,
                    "YEARLY" => Frequency::Yearly,
                    _ => return Err(bad()),
                })
            }
            "INTERVAL" => {
                rule.interval = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(bad)?
            }
            "COUNT" => rule.count = Some(value.trim().parse().map_err(|_| bad())?),
            "UNTIL" => rule.until = Some(parse_time(value, false, until_zone).ok_or_else(bad)?),
            "BYDAY" => {
                for day in list() {
                    let split = day.len().checked_sub(2).ok_or_else(bad)?;
                    let (ordinal, name) = day.split_at(split);
                    let ordinal = match ordinal {
                        "" | "+" => None,
                        text => Some(
                            text.trim_start_matches('+')
                                .parse::<i32>()
                                .map_err(|_| bad())?,
                        )
                        .filter(|n| *n != 0 && n.abs() <= 53),
                    };
                    rule.by_day.push((ordinal, weekday(name).ok_or_else(bad)?));
                }
            }
            "BYMONTHDAY" => {
                for day in list() {
                    let day: i32 = day.parse().map_err(|_| bad())?;
                    if day == 0 || day.abs() > 31 {
                        return Err(bad());
                    }
                    rule.by_month_day.push(day);
                }
            }
            "BYMONTH" => {
                for month in list() {
                    rule.by_month.push(
                        month
                            .parse()
                            .ok()
                            .filter(|m| (1..=12).contains(m))
                            .ok_or_else(bad)?,
                    );
                }
            }
            "BYSETPOS" => {
                for position in list() {
                    rule.by_set_pos.push(
                        position
                            .parse()
                            .ok()
                            .filter(|p: &i32| *p != 0)
                            .ok_or_else(bad)?,
                    );
                }
            }
            "WKST" => rule.week_start = weekday(value.trim()).ok_or_else(bad)?,
            _ => return Err(bad()),
        }
    }
    rule.frequency = frequency.ok_or("no FREQ")?;
    Ok(rule)
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// The wall-clock starts of `rule` from `start` (itself the first), up to the first one at or
/// after `window_end`, each read in `calendar_zone` where floating. Every period looked at
/// spends one of `budget`; none left, the expansion stops.
///
/// `reach_from`: the earliest wall-clock start that can still matter to the caller. A rule
/// without `COUNT` then begins at the period holding it instead of walking there from `start`
/// (a rule with `COUNT` must count from its start); the starts between are left out, so the
/// result is `start` followed by a suffix of what walking from `start` gives.
pub fn expand(
    rule: &Rule,
    start: &Time,
    calendar_zone: Zone,
    reach_from: Option<NaiveDateTime>,
    window_end: Millis,
    budget: &mut usize,
) -> Vec<NaiveDateTime> {
    let first = start.local();
    let (first_date, time) = (first.date(), first.time());
    let mut starts = vec![first];
    let mut emitted: u32 = 1;
    if rule.count.is_some_and(|count| count <= 1) || start.instant(calendar_zone) >= window_end {
        return starts;
    }
    let first_period = match (rule.count, reach_from) {
        (None, Some(reach_from)) => first_period_reaching(rule, first_date, reach_from.date()),
        _ => 0,
    };
    for period in first_period.. {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let Some(step) = period.checked_mul(rule.interval) else {
            break;
        };
        let (period_start, mut dates) = match candidates(rule, first_date, step) {
            Some(found) => found,
            None => break,
        };
        if start
            .with_local(period_start.and_time(chrono::NaiveTime::MIN))
            .instant(calendar_zone)
            > window_end.saturating_add(Duration::days(1).num_milliseconds())
        {
            break;
        }
        // Past `UNTIL` (its local reading lies within a day of any zone's), no period can
        // hold an instance: stop here rather than at the window, which may be years later.
        if rule.until.as_ref().is_some_and(|until| {
            until
                .local()
                .date()
                .checked_add_signed(Duration::days(2))
                .is_some_and(|last| period_start > last)
        }) {
            break;
        }
        dates.sort_unstable();
        dates.dedup();
        if !rule.by_set_pos.is_empty() {
            let chosen: Vec<NaiveDate> = rule
                .by_set_pos
                .iter()
                .filter_map(|position| {
                    let at = if *position > 0 {
                        usize::try_from(position - 1).ok()
                    } else {
                        dates.len().checked_sub(usize::try_from(-position).ok()?)
                    }?;
                    dates.get(at).copied()
                })
                .collect();
            dates = chosen;
            dates.sort_unstable();
            dates.dedup();
        }
        for date in dates {
            let local = date.and_time(time);
            if local <= first {
                continue;
            }
            let instance = start.with_local(local);
            let instant = instance.instant(calendar_zone);
            let past_until = match (&rule.until, start.is_date()) {
                (Some(until), true) => local.date() > until.local().date(),
                (Some(until), false) => {
                    until.is_date() && local.date() > until.local().date()
                        || !until.is_date() && instant > until.instant(calendar_zone)
                }
                (None, _) => false,
            };
            if past_until || instant >= window_end {
                return starts;
            }
            starts.push(local);
            emitted += 1;
            if rule.count.is_some_and(|count| emitted >= count) {
                return starts;
            }
        }
    }
    starts
}

/// The first period whose dates can fall on or after `from`. Period `p` holds dates of one unit
/// only (its day, week from `WKST`, month or year), the unit `p × INTERVAL` after the one
/// holding `first`; every period before `⌊units to from / INTERVAL⌋` lies in an earlier unit,
/// so its dates are all before `from`, whatever `BY…` and `BYSETPOS` choose inside it.
fn first_period_reaching(rule: &Rule, first: NaiveDate, from: NaiveDate) -> u32 {
    let units = match rule.frequency {
        Frequency::Daily => (from - first).num_days(),
        Frequency::Weekly => match week_holding(first, rule.week_start) {
            Some(week) => (from - week).num_days().div_euclid(7),
            None => 0,
        },
        Frequency::Monthly => {
            i64::from(from.year() - first.year()) * 12 + i64::from(from.month())
                - i64::from(first.month())
        }
        Frequency::Yearly => i64::from(from.year() - first.year()),
    };
    // Before the start, or too far to count in periods: walk from the start.
    u32::try_from(units.div_euclid(i64::from(rule.interval))).unwrap_or(0)
}

/// The first day of the week (as `WKST` begins weeks) that holds `date`.
fn week_holding(date: NaiveDate, week_start: Weekday) -> Option<NaiveDate> {
    let back = (7 + date.weekday().num_days_from_monday() - week_start.num_days_from_monday()) % 7;
    date.checked_sub_signed(Duration::days(i64::from(back)))
}

/// The first day of the period `step` periods after the one holding `first`, and the dates of
/// that period the rule's `BY…` parts keep.
fn candidates(rule: &Rule, first: NaiveDate, step: u32) -> Option<(NaiveDate, Vec<NaiveDate>)> {
    match rule.frequency {
        Frequency::Daily => {
            let date = first.checked_add_signed(Duration::days(i64::from(step)))?;
            let keep = (rule.by_month.is_empty() || rule.by_month.contains(&date.month()))
                && (rule.by_month_day.is_empty()
                    || month_days(date.year(), date.month(), &rule.by_month_day).contains(&date))
                && (rule.by_day.is_empty()
                    || rule.by_day.iter().any(|(_, day)| *day == date.weekday()));
            Some((date, if keep { vec![date] } else { Vec::new() }))
        }
        Frequency::Weekly => {
            let week = week_holding(first, rule.week_start)?
                .checked_add_signed(Duration::weeks(i64::from(step)))?;
            let days: Vec<Weekday> = if rule.by_day.is_empty() {
                vec![first.weekday()]
            } else {
                rule.by_day.iter().map(|(_, day)| *day).collect()
            };
            let dates = (0..7)
                .filter_map(|offset| week.checked_add_signed(Duration::days(offset)))
                .filter(|date| days.contains(&date.weekday()))
                .filter(|date| rule.by_month.is_empty() || rule.by_month.contains(&date.month()))
                .collect();
            Some((week, dates))
        }
        Frequency::Monthly => {
            let month = first.with_day(1)?.checked_add_months(Months::new(step))?;
            let dates = if rule.by_month.is_empty() || rule.by_month.contains(&month.month()) {
                in_month(rule, month, first)
            } else {
                Vec::new()
            };
            Some((month, dates))
        }
        Frequency::Yearly => {
            let year = first.year().checked_add(i32::try_from(step).ok()?)?;
            let year_start = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let ordinal_in_year =
                rule.by_month.is_empty() && rule.by_day.iter().any(|(n, _)| n.is_some());
            if ordinal_in_year {
                let dates = rule
                    .by_day
                    .iter()
                    .flat_map(|(ordinal, day)| nth_of(days_of_year(year, *day), *ordinal))
                    .collect();
                return Some((year_start, dates));
            }
            let months: Vec<u32> = if !rule.by_month.is_empty() {
                rule.by_month.clone()
            } else if !rule.by_month_day.is_empty() || !rule.by_day.is_empty() {
                (1..=12).collect()
            } else {
                vec![first.month()]
            };
            let dates = months
                .iter()
                .filter_map(|month| NaiveDate::from_ymd_opt(year, *month, 1))
                .flat_map(|month| in_month(rule, month, first))
                .collect();
            Some((year_start, dates))
        }
    }
}

/// The dates of the month starting at `month` that `BYMONTHDAY` and `BYDAY` keep (both:
/// those in each); neither: the day of the month `first` falls on, when the month has it.
fn in_month(rule: &Rule, month: NaiveDate, first: NaiveDate) -> Vec<NaiveDate> {
    let by_day: Vec<NaiveDate> = rule
        .by_day
        .iter()
        .flat_map(|(ordinal, day)| nth_of(days_of_month(month, *day), *ordinal))
        .collect();
    let by_month_day = month_days(month.year(), month.month(), &rule.by_month_day);
    match (rule.by_month_day.is_empty(), rule.by_day.is_empty()) {
        (true, true) => month.with_day(first.day()).into_iter().collect(),
        (false, true) => by_month_day,
        (true, false) => by_day,
        (false, false) => by_day
            .into_iter()
            .filter(|date| by_month_day.contains(date))
            .collect(),
    }
}

fn month_days(year: i32, month: u32, days: &[i32]) -> Vec<NaiveDate> {
    let length = days_in_month(year, month);
    days.iter()
        .filter_map(|day| {
            let day = if *day > 0 { *day } else { length + 1 + *day };
            u32::try_from(day)
                .ok()
                .and_then(|day| NaiveDate::from_ymd_opt(year, month, day))
        })
        .collect()
}

fn days_in_month(year: i32, month: u32) -> i32 {
    (28..=31)
        .rev()
        .find(|day| NaiveDate::from_ymd_opt(year, month, *day).is_some())
        .unwrap_or(28) as i32
}

fn days_of_month(month: NaiveDate, day: Weekday) -> Vec<NaiveDate> {
    month
        .iter_days()
        .take_while(|date| date.month() == month.month())
        .filter(|date| date.weekday() == day)
        .collect()
}

fn days_of_year(year: i32, day: Weekday) -> Vec<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .into_iter()
        .flat_map(|start| start.iter_days())
        .take_while(|date| date.year() == year)
        .filter(|date| date.weekday() == day)
        .collect()
}

fn nth_of(dates: Vec<NaiveDate>, ordinal: Option<i32>) -> Vec<NaiveDate> {
    match ordinal {
        None => dates,
        Some(n) if n > 0 => dates.get(n as usize - 1).copied().into_iter().collect(),
        Some(n) => dates
            .len()
            .checked_sub(n.unsigned_abs() as usize)
            .and_then(|at| dates.get(at).copied())
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(rule: &str, dtstart: &str, zone: &str, end: &str) -> Vec<String> {
        let zone = Zone::named(zone).expect("a zone");
        let start = parse_time(dtstart, false, Some(Place::Zone(zone))).expect("a start");
        let rule = parse_rule(rule, Some(Place::Zone(zone))).expect("a rule");
        let end = parse_time(end, false, None)
            .expect("an end")
            .instant(Zone::UTC);
        let mut budget = 10_000;
        expand(&rule, &start, zone, None, end, &mut budget)
            .into_iter()
            .map(|local| local.format("%Y-%m-%d %H:%M").to_string())
            .collect()
    }

    #[test]
    fn weekly_keeps_the_wall_clock_across_dst() {
        assert_eq!(
            starts(
                "FREQ=WEEKLY;COUNT=3",
                "20260321T090000",
                "Europe/Berlin",
                "20270101T000000Z"
            ),
            ["2026-03-21 09:00", "2026-03-28 09:00", "2026-04-04 09:00"]
        );
    }

    #[test]
    fn monthly_by_day_ordinals_and_set_positions() {
        assert_eq!(
            starts(
                "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
                "20260130T100000",
                "UTC",
                "20270101T000000Z"
            ),
            ["2026-01-30 10:00", "2026-02-27 10:00", "2026-03-27 10:00"]
        );
        assert_eq!(
            starts(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
                "20260130T100000",
                "UTC",
                "20270101T000000Z"
            ),
            ["2026-01-30 10:00", "2026-02-27 10:00", "2026-03-31 10:00"]
        );
        assert_eq!(
            starts(
                "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3",
                "20260131T100000",
                "UTC",
                "20270101T000000Z"
            ),
            ["2026-01-31 10:00", "2026-03-31 10:00", "2026-05-31 10:00"]
        );
    }

    #[test]
    fn weekly_with_days_interval_and_until() {
        assert_eq!(
            starts(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20260320T000000Z",
                "20260302T080000",
                "UTC",
                "20270101T000000Z"
            ),
            [
                "2026-03-02 08:00",
                "2026-03-04 08:00",
                "2026-03-16 08:00",
                "2026-03-18 08:00"
            ]
        );
    }

    #[test]
    fn yearly_and_daily_stop_at_the_window() {
        assert_eq!(
            starts(
                "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
                "20240331T010000",
                "UTC",
                "20260401T000000Z"
            ),
            ["2024-03-31 01:00", "2025-03-30 01:00", "2026-03-29 01:00"]
        );
        assert_eq!(
            starts("FREQ=DAILY", "20260301T120000", "UTC", "20260303T120000Z").len(),
            2
        );
    }

    #[test]
    fn unknown_parts_are_refused() {
        for rule in [
            "FREQ=HOURLY",
            "FREQ=DAILY;BYHOUR=9",
            "INTERVAL=2",
            "FREQ=WEEKLY;BYDAY=XX",
            "FREQ=DAILY;INTERVAL=0",
        ] {
            assert!(parse_rule(rule, None).is_err(), "{rule}");
        }
    }
}
