//! The validated form: a checked schedule, ready to expand.

use super::clock::{LocalRange, WeeklyRule};
use super::input::{OverrideInput, ScheduleInput, WeeklyRuleInput};
use super::parse::{InvalidSchedule, day_name, parse_optional_date, parse_overrides, parse_weekly};
use crate::domain::field_error::{FieldError, check};
use crate::domain::timestamp::Zone;
use crate::domain::timestamp::parse_time_zone;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A checked schedule, ready to expand. Serializes to the API shape (see [`Schedule::to_input`])
/// and deserializes through [`Schedule::validate`], so a stored schedule reads back checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ScheduleInput", try_from = "ScheduleInput")]
pub struct Schedule {
    pub(super) timezone: Zone,
    /// The rules as written, kept for [`Schedule::to_input`].
    pub(super) weekly: Vec<WeeklyRule>,
    /// The same rules by weekday, Monday first, for expansion.
    pub(super) ranges_by_weekday: [Vec<LocalRange>; 7],
    pub(super) overrides: BTreeMap<NaiveDate, Vec<LocalRange>>,
    pub(super) valid_from: Option<NaiveDate>,
    pub(super) valid_until: Option<NaiveDate>,
}

impl Schedule {
    /// The IANA name of the zone the schedule's hours are in.
    pub fn zone_name(&self) -> &'static str {
        self.timezone.name()
    }

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
                pointer: "/valid_until".to_owned(),
                detail: format!("{until} is before valid_from ({from})"),
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

    pub fn timezone(&self) -> Zone {
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
