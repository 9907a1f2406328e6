//! The POSIX TZ rule in a TZif footer (`EST5EDT,M3.2.0,M11.1.0`): the offsets in force after a
//! zone's last listed transition, through any year. Slim TZif data lists transitions only up to
//! a zone's last change of rules, so every later date (most of today's) is read from here.
//!
//! Grammar (POSIX.1-2017 8.3, with the RFC 8536 extensions zic emits): `std offset [dst [offset]
//! ,start[/time],end[/time]]`; names are letters or `<...>`; offsets count west positive; a
//! date is `Jn` (1–365, no leap day), `n` (0–365) or `Mm.w.d`; a time may be negative or up to
//! 167 hours.

use crate::domain::time::{civil_from_days, days_from_civil};
use std::cell::Cell;

/// A parsed footer rule. Offsets are east positive, in seconds, as in the TZif body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PosixRule {
    pub(super) std: Designated,
    pub(super) dst: Option<Dst>,
}

/// An offset with its abbreviation, borrowed from the bundled data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Designated {
    pub(super) offset: i32,
    pub(super) abbreviation: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Dst {
    pub(super) designated: Designated,
    pub(super) start: Change,
    pub(super) end: Change,
}

/// When in a year a change happens: a day and a local time of day (seconds, may leave 0–24h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Change {
    day: Day,
    time: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Day {
    /// `Jn`: 1–365, February 29 never counted.
    Julian1(u16),
    /// `n`: 0–365, February 29 counted.
    Julian0(u16),
    /// `Mm.w.d`: month 1–12, week 1–5 (5 = last), weekday 0–6 (0 = Sunday).
    Month { month: u8, week: u8, weekday: u8 },
}

/// A rule's transitions over three years, two a year (see [`PosixRule::transitions_around`]).
pub(super) type Transitions = [(i64, Designated); 6];

impl PosixRule {
    /// Parses a footer; `None` for anything outside the grammar (the caller refuses the zone).
    pub(super) fn parse(text: &'static str) -> Option<PosixRule> {
        let mut cursor = Cursor { text, at: 0 };
        let std_name = cursor.name()?;
        let std_offset = -cursor.hms(24)?;
        let std = Designated {
            offset: std_offset,
            abbreviation: std_name,
        };
        if cursor.done() {
            return Some(PosixRule { std, dst: None });
        }
        let dst_name = cursor.name()?;
        let dst_offset = if cursor.peek().is_some_and(|b| b != b',') {
            -cursor.hms(24)?
        } else {
            std_offset + 3600
        };
        // zic always writes the rule when there is daylight saving time; POSIX's
        // implementation-defined default is not guessed at.
        cursor.expect(b',')?;
        let start = cursor.change()?;
        cursor.expect(b',')?;
        let end = cursor.change()?;
        if !cursor.done() {
            return None;
        }
        Some(PosixRule {
            std,
            dst: Some(Dst {
                designated: Designated {
                    offset: dst_offset,
                    abbreviation: dst_name,
                },
                start,
                end,
            }),
        })
    }

    /// The offset in force at `utc` (seconds since the epoch).
    pub(super) fn designated_at(&self, utc: i64) -> Designated {
        let Some(dst) = self.dst else {
            return self.std;
        };
        let year = civil_from_days(utc.div_euclid(86_400)).0;
        let transitions = dst.transitions_around(self.std, year);
        // The first transition lies in the year before `utc`'s, so one is always at or before it.
        transitions
            .iter()
            .take_while(|(at, _)| *at <= utc)
            .last()
            .map_or(self.std, |&(_, designated)| designated)
    }

    /// The rule's transitions from the year before `year` to the year after, in time order,
    /// each with the offset that follows it. `None` without daylight saving time.
    pub(super) fn transitions_around(&self, year: i64) -> Option<Transitions> {
        self.dst.map(|dst| dst.transitions_around(self.std, year))
    }
}

thread_local! {
    /// The transitions a rule last computed, for one year. Conversions come in runs within one
    /// zone and year (a schedule's dates, a page of output), and each conversion asks for a
    /// year's transitions several times (`Zone::resolve` reads offsets around it), so one entry
    /// per thread spares almost every computation of six changes and a sort.
    static LATEST: Cell<Option<(Designated, Dst, i64, Transitions)>> = const { Cell::new(None) };
}

impl Dst {
    fn transitions_around(&self, std: Designated, year: i64) -> Transitions {
        LATEST.with(|latest| {
            if let Some((kept_std, kept_dst, kept_year, transitions)) = latest.get()
                && (kept_std, kept_dst, kept_year) == (std, *self, year)
            {
                return transitions;
            }
            let transitions = self.compute_transitions(std, year);
            latest.set(Some((std, *self, year, transitions)));
            transitions
        })
    }

    fn compute_transitions(&self, std: Designated, year: i64) -> Transitions {
        let mut all = [(0, std); 6];
        for (i, year) in (year - 1..=year + 1).enumerate() {
            // A change's time is local time before it: standard time before the start of
            // daylight saving time, daylight saving time before its end.
            let start = self.start.local_seconds(year) - i64::from(std.offset);
            let end = self.end.local_seconds(year) - i64::from(self.designated.offset);
            all[2 * i] = (start, self.designated);
            all[2 * i + 1] = (end, std);
        }
        // Southern zones end daylight saving time before they start it within a year.
        all.sort_by_key(|&(at, _)| at);
        all
    }
}

impl Change {
    /// Seconds from the epoch to this change in `year`, counted in local time.
    fn local_seconds(&self, year: i64) -> i64 {
        let first = days_from_civil(year, 1, 1);
        let day = match self.day {
            Day::Julian1(n) => {
                let n = i64::from(n);
                first + n - 1 + i64::from(is_leap(year) && n >= 60)
            }
            Day::Julian0(n) => first + i64::from(n),
            Day::Month {
                month,
                week,
                weekday,
            } => {
                let month_first = days_from_civil(year, month, 1);
                // 1970-01-01 was a Thursday (weekday 4).
                let first_weekday = (month_first + 4).rem_euclid(7);
                let mut day = month_first
                    + (i64::from(weekday) - first_weekday).rem_euclid(7)
                    + 7 * i64::from(week - 1);
                let next_month = if month == 12 {
                    days_from_civil(year + 1, 1, 1)
                } else {
                    days_from_civil(year, month + 1, 1)
                };
                // Week 5 means the last such weekday, which may be the fourth.
                while day >= next_month {
                    day -= 7;
                }
                day
            }
        };
        day * 86_400 + i64::from(self.time)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

struct Cursor {
    text: &'static str,
    at: usize,
}

impl Cursor {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at == self.text.len()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// `EST` (three or more letters) or `<+0330>` (three or more of letters, digits, + and -).
    fn name(&mut self) -> Option<&'static str> {
        let bytes = self.text.as_bytes();
        let (from, to, after) = if self.peek()? == b'<' {
            let from = self.at + 1;
            let len = bytes[from..]
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-')
                .count();
            if bytes.get(from + len) != Some(&b'>') {
                return None;
            }
            (from, from + len, from + len + 1)
        } else {
            let len = bytes[self.at..]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            (self.at, self.at + len, self.at + len)
        };
        if to - from < 3 {
            return None;
        }
        self.at = after;
        self.text.get(from..to)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds, hours at most `max_hours`.
    fn hms(&mut self, max_hours: i32) -> Option<i32> {
        let sign = match self.peek()? {
            b'-' => {
                self.at += 1;
                -1
            }
            b'+' => {
                self.at += 1;
                1
            }
            _ => 1,
        };
        let hours = self.number(3)?;
        if hours > max_hours {
            return None;
        }
        let mut seconds = hours * 3600;
        for unit in [60, 1] {
            if self.peek() != Some(b':') {
                break;
            }
            self.at += 1;
            let part = self.number(2)?;
            if part > 59 {
                return None;
            }
            seconds += part * unit;
        }
        Some(sign * seconds)
    }

    /// An unsigned decimal of 1 to `max_digits` digits.
    fn number(&mut self, max_digits: usize) -> Option<i32> {
        let digits = self.text.as_bytes()[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > max_digits {
            return None;
        }
        let value = self.text.get(self.at..self.at + digits)?.parse().ok()?;
        self.at += digits;
        Some(value)
    }

    /// `date[/time]`; the time defaults to 02:00.
    fn change(&mut self) -> Option<Change> {
        let day = match self.peek()? {
            b'J' => {
                self.at += 1;
                let n = self.number(3)?;
                Day::Julian1(u16::try_from(n).ok().filter(|n| (1..=365).contains(n))?)
            }
            b'M' => {
                self.at += 1;
                let month = self.number(2)?;
                self.expect(b'.')?;
                let week = self.number(1)?;
                self.expect(b'.')?;
                let weekday = self.number(1)?;
                if !(1..=12).contains(&month) || !(1..=5).contains(&week) || weekday > 6 {
                    return None;
                }
                // In range by the checks above.
                Day::Month {
                    month: month as u8,
                    week: week as u8,
                    weekday: weekday as u8,
                }
            }
            _ => Day::Julian0(u16::try_from(self.number(3)?).ok().filter(|n| *n <= 365)?),
        };
        let time = if self.peek() == Some(b'/') {
            self.at += 1;
            self.hms(167)?
        } else {
            2 * 3600
        };
        Some(Change { day, time })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn utc(text: &str) -> i64 {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .expect("valid test data")
            .and_utc()
            .timestamp()
    }

    fn offset_at(rule: &str, at: &str) -> i32 {
        let text: &'static str = Box::leak(rule.to_owned().into_boxed_str());
        PosixRule::parse(text)
            .expect("valid test data")
            .designated_at(utc(at))
            .offset
    }

    #[test]
    fn civil_arithmetic_matches_chrono_across_eras() {
        for days in (-200_000_i64..200_000)
            .step_by(7)
            .chain(-90_000_000..-89_999_000)
            .chain(90_000_000..90_001_000)
        {
            let date = NaiveDate::from_num_days_from_ce_opt((days + 719_163) as i32)
                .expect("valid test data");
            assert_eq!(
                civil_from_days(days).0,
                i64::from(chrono::Datelike::year(&date)),
                "{date}"
            );
            assert_eq!(
                days_from_civil(
                    i64::from(chrono::Datelike::year(&date)),
                    chrono::Datelike::month(&date) as u8,
                    chrono::Datelike::day(&date) as u8
                ),
                days
            );
        }
    }

    #[test]
    fn new_york_changes_on_the_second_sunday_of_march_and_first_of_november() {
        let rule = "EST5EDT,M3.2.0,M11.1.0";
        // 2026-03-08 02:00 EST is 07:00 UTC; 2026-11-01 02:00 EDT is 06:00 UTC.
        assert_eq!(offset_at(rule, "2026-03-08 06:59:59"), -5 * 3600);
        assert_eq!(offset_at(rule, "2026-03-08 07:00:00"), -4 * 3600);
        assert_eq!(offset_at(rule, "2026-11-01 05:59:59"), -4 * 3600);
        assert_eq!(offset_at(rule, "2026-11-01 06:00:00"), -5 * 3600);
        // Far ahead the rule still holds: 9999-03-14 is that year's second Sunday of March.
        assert_eq!(offset_at(rule, "9999-03-14 06:59:59"), -5 * 3600);
        assert_eq!(offset_at(rule, "9999-03-14 07:00:00"), -4 * 3600);
        assert_eq!(offset_at(rule, "9999-12-31 23:59:59"), -5 * 3600);
    }

    #[test]
    fn southern_rules_and_week_five_mean_the_last_weekday() {
        // Sydney: daylight saving time from the first Sunday of October to the first of April.
        let sydney = "AEST-10AEDT,M10.1.0,M4.1.0/3";
        assert_eq!(offset_at(sydney, "2026-01-15 00:00:00"), 11 * 3600);
        assert_eq!(offset_at(sydney, "2026-07-15 00:00:00"), 10 * 3600);
        // 2026-04-05 03:00 AEDT is 2026-04-04 16:00 UTC.
        assert_eq!(offset_at(sydney, "2026-04-04 15:59:59"), 11 * 3600);
        assert_eq!(offset_at(sydney, "2026-04-04 16:00:00"), 10 * 3600);
        // Berlin: the last Sunday of March (2026-03-29, a month with five Sundays) at 01:00 UTC.
        let berlin = "CET-1CEST,M3.5.0,M10.5.0/3";
        assert_eq!(offset_at(berlin, "2026-03-29 00:59:59"), 3600);
        assert_eq!(offset_at(berlin, "2026-03-29 01:00:00"), 7200);
        // 2027-03-28 is the last Sunday of March 2027, a month with four Sundays after the 1st's.
        assert_eq!(offset_at(berlin, "2027-03-28 00:59:59"), 3600);
        assert_eq!(offset_at(berlin, "2027-03-28 01:00:00"), 7200);
    }

    #[test]
    fn extensions_zic_emits_parse() {
        // Quoted names, negative and over-24h times, all-year daylight saving time, Julian days.
        let greenland = "<-02>2<-01>,M3.5.0/-1,M10.5.0/0";
        assert_eq!(offset_at(greenland, "2026-07-01 00:00:00"), -3600);
        assert_eq!(offset_at(greenland, "2026-01-01 00:00:00"), -7200);
        let all_year = "EST5EDT4,0/0,J365/25";
        for at in [
            "2026-01-01 05:00:00",
            "2026-06-01 00:00:00",
            "2026-12-31 23:59:59",
        ] {
            assert_eq!(offset_at(all_year, at), -4 * 3600, "{at}");
        }
        assert_eq!(
            offset_at("<+0545>-5:45", "2026-01-01 00:00:00"),
            5 * 3600 + 45 * 60
        );
        // J60 is March 1 in every year.
        let julian = "AAA0BBB,J60/0,J300/0";
        assert_eq!(offset_at(julian, "2024-02-29 23:59:59"), 0);
        assert_eq!(offset_at(julian, "2024-03-01 00:00:00"), 3600);
    }

    #[test]
    fn malformed_rules_are_refused() {
        for text in [
            "",
            "E5",
            "EST",
            "EST5EDT",
            "EST5EDT,M3.2.0",
            "EST5EDT,M13.2.0,M11.1.0",
            "EST5EDT,M3.6.0,M11.1.0",
            "EST5EDT,M3.2.7,M11.1.0",
            "EST25",
            "<+03",
            "EST5 ",
            "EST5EDT,J0,J365",
            "EST5EDT,366,1",
            "EST5EDT,M3.2.0/168,M11.1.0",
        ] {
            let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
            assert_eq!(PosixRule::parse(text), None, "{text:?}");
        }
    }
}
