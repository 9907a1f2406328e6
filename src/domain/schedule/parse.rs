//! Validation: every field of the API shape checked, every problem reported with its pointer.

use super::clock::{LocalRange, WeeklyRule};
use super::input::{OverrideInput, WeeklyRuleInput};
use super::limits::{MAX_OVERRIDES, MAX_RANGES_PER_OVERRIDE, MAX_WEEKLY_RULES};
use crate::domain::field_error::{FieldError, check, check_length, quoted};
use chrono::{NaiveDate, Weekday};
use std::collections::BTreeMap;
use std::fmt;

pub(super) const DAY_NAMES: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// Every problem found in a [`ScheduleInput`](super::ScheduleInput), in document order.
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
            write!(f, "{}: {}", error.pointer, error.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidSchedule {}

pub(super) fn parse_weekly(
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

pub(super) fn parse_days(
    names: &[String],
    rule_path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<Weekday>> {
    if names.is_empty() {
        errors.push(FieldError {
            pointer: format!("{rule_path}/days"),
            detail: "names no day; list some of mon, tue, wed, thu, fri, sat, sun".to_owned(),
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

pub(super) fn parse_overrides(
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
pub(super) fn parse_optional_date(
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
pub(super) fn parse_date(text: &str) -> Result<NaiveDate, String> {
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

pub(super) fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize].0
}
