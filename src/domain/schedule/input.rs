//! The API shape: a schedule as clients send it and as it is stored.

use serde::{Deserialize, Serialize};

/// A schedule as clients send it and as it is stored: every value a string, checked by
/// [`Schedule::validate`](super::Schedule::validate).
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
