//! `PUT`, `GET` and `DELETE /availability/schedule`: the caller's weekly hours in a time zone.
//! Only the caller's own: the body names no user, in any mode.

use super::own_record;
use crate::api::app::{App, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, NO_PARAMETERS, Query};
use crate::api::response::{message, with_etag};
use crate::domain::schedule::{
    MAX_OVERRIDES, MAX_RANGES_PER_OVERRIDE, MAX_WEEKLY_RULES, OverrideInput, RangeInput, Schedule,
    ScheduleInput, WeeklyRuleInput,
};
use crate::domain::{UserId, UserRecord};
use crate::store::AvailabilityStore;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use serde_json::{Map, Value};

/// Stores (replaces) the caller's schedule and answers with it as stored.
pub(crate) async fn put<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let schedule = parse_schedule(call.request)?;
    let version = own_record::update(app, &call, |current, if_match| {
        if_match.check(current, current.schedule.is_some())?;
        Ok(UserRecord {
            schedule: Some(schedule.clone()),
            ..current.clone()
        })
    })
    .await?;
    Ok(own_record::current(&schedule.to_input(), version))
}

pub(crate) async fn get<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    // The schedule only: none of the user's intervals is read.
    let record = own_record::read(app, &call.caller).await?;
    let schedule = record.schedule.as_ref().ok_or_else(no_schedule)?;
    Ok(own_record::current(&schedule.to_input(), record.version))
}

/// Removes the schedule; slots and removed ranges stay as they are.
pub(crate) async fn delete<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let version = own_record::update(app, &call, |current, if_match| {
        // No schedule is a 404 whatever `If-Match` says (RFC 9110 §13.2.1: a failure
        // found before the request is processed wins over preconditions).
        current.schedule.as_ref().ok_or_else(no_schedule)?;
        if_match.check(current, true)?;
        Ok(UserRecord {
            schedule: None,
            ..current.clone()
        })
    })
    .await?;
    Ok(with_etag(
        message(StatusCode::OK, "Schedule deleted successfully"),
        version,
    ))
}

fn no_schedule() -> ApiError {
    ApiError::new(
        ProblemKind::NotFound,
        "No schedule is set; PUT /availability/schedule sets one.",
    )
}

/// The body as a checked schedule: a shape error is one sentence, a bad value is listed with
/// the JSON Pointer of its field.
fn parse_schedule(request: &Request) -> Result<Schedule, ApiError> {
    let body = input::json_body(request)?.ok_or_else(|| {
        ApiError::bad_request(
            "The request needs a JSON body with the schedule: {\"timezone\", \"weekly\", \"overrides\", \"valid_from\", \"valid_until\"}.",
        )
    })?;
    let mut errors = Vec::new();
    let shape = read_schedule(&body, &mut errors);
    let shape = match shape {
        Some(shape) if errors.is_empty() => shape,
        _ => return Err(ApiError::invalid_fields(errors)),
    };
    Schedule::validate(&shape).map_err(|invalid| ApiError::invalid_fields(invalid.errors))
}

const RULE_SHAPE: &str = r#"{"days": ["mon"], "start": "09:00", "end": "17:00"}"#;
const OVERRIDE_SHAPE: &str = r#"{"date": "2026-12-24", "ranges": []}"#;
const RANGE_SHAPE: &str = r#"{"start": "10:00", "end": "14:00"}"#;

/// The body in the schedule's shape; every deviation is listed with its pointer and the shape
/// expected there, in the API's words (serde's messages would name Rust types).
fn read_schedule(body: &Value, errors: &mut Vec<FieldError>) -> Option<ScheduleInput> {
    const FIELDS: &[&str] = &[
        "timezone",
        "weekly",
        "overrides",
        "valid_from",
        "valid_until",
    ];
    let object = input::expect_object(body, "", FIELDS, errors)?;
    let timezone = input::string_member(object, "", "timezone", true, errors);
    let weekly = List {
        name: "weekly",
        required: false,
        limit: MAX_WEEKLY_RULES,
        what: "weekly rules",
        shape: RULE_SHAPE,
        members: &["days", "start", "end"],
    }
    .read(object, "", errors, read_rule);
    let overrides = List {
        name: "overrides",
        required: false,
        limit: MAX_OVERRIDES,
        what: "overrides",
        shape: OVERRIDE_SHAPE,
        members: &["date", "ranges"],
    }
    .read(object, "", errors, read_override);
    let mut date = |name| input::string_member(object, "", name, false, errors).map(str::to_owned);
    let (valid_from, valid_until) = (date("valid_from"), date("valid_until"));
    Some(ScheduleInput {
        timezone: timezone?.to_owned(),
        weekly: weekly?,
        overrides: overrides?,
        valid_from,
        valid_until,
    })
}

fn read_rule(
    object: &Map<String, Value>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<WeeklyRuleInput> {
    let days = List {
        name: "days",
        required: true,
        limit: 7,
        what: "days",
        shape: r#""mon""#,
        members: &[],
    }
    .read_strings(object, pointer, errors);
    let start = input::string_member(object, pointer, "start", true, errors);
    let end = input::string_member(object, pointer, "end", true, errors);
    Some(WeeklyRuleInput {
        days: days?,
        start: start?.to_owned(),
        end: end?.to_owned(),
    })
}

fn read_override(
    object: &Map<String, Value>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<OverrideInput> {
    let date = input::string_member(object, pointer, "date", true, errors);
    let ranges = List {
        name: "ranges",
        required: true,
        limit: MAX_RANGES_PER_OVERRIDE,
        what: "ranges",
        shape: RANGE_SHAPE,
        members: &["start", "end"],
    }
    .read(object, pointer, errors, read_range);
    Some(OverrideInput {
        date: date?.to_owned(),
        ranges: ranges?,
    })
}

fn read_range(
    object: &Map<String, Value>,
    pointer: &str,
    errors: &mut Vec<FieldError>,
) -> Option<RangeInput> {
    let start = input::string_member(object, pointer, "start", true, errors);
    let end = input::string_member(object, pointer, "end", true, errors);
    Some(RangeInput {
        start: start?.to_owned(),
        end: end?.to_owned(),
    })
}

/// Reads one object item at a pointer, recording what is wrong with it.
type ReadItem<T> = fn(&Map<String, Value>, &str, &mut Vec<FieldError>) -> Option<T>;

/// An array member of the schedule's shape: its name, whether it must be given, how many items
/// it may hold (longer lists are refused before their items are read), and what an item looks
/// like, for the messages.
struct List {
    name: &'static str,
    required: bool,
    limit: usize,
    what: &'static str,
    shape: &'static str,
    /// The members an object item may have.
    members: &'static [&'static str],
}

impl List {
    /// The member's items, `None` (recorded in `errors`) when it or an item is not as expected.
    fn items<'a>(
        &self,
        object: &'a Map<String, Value>,
        pointer: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<(String, &'a [Value])> {
        let pointer = format!("{pointer}/{}", self.name);
        let items = match object.get(self.name) {
            None | Some(Value::Null) if !self.required => &[],
            None | Some(Value::Null) => {
                errors.push(FieldError::new(pointer, "is required"));
                return None;
            }
            Some(Value::Array(items)) => items.as_slice(),
            Some(_) => {
                errors.push(FieldError::new(
                    pointer,
                    format!("must be an array of {} such as [{}]", self.what, self.shape),
                ));
                return None;
            }
        };
        if items.len() > self.limit {
            errors.push(FieldError::new(
                pointer,
                format!(
                    "has {} {}; at most {} are allowed",
                    items.len(),
                    self.what,
                    self.limit
                ),
            ));
            return None;
        }
        Some((pointer, items))
    }

    /// An array of objects with [`List::members`], each read by `read_item`.
    fn read<T>(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
        errors: &mut Vec<FieldError>,
        read_item: ReadItem<T>,
    ) -> Option<Vec<T>> {
        let (pointer, items) = self.items(object, pointer, errors)?;
        let read: Vec<Option<T>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let pointer = format!("{pointer}/{index}");
                if !item.is_object() {
                    errors.push(FieldError::new(
                        pointer,
                        format!("must be an object such as {}", self.shape),
                    ));
                    return None;
                }
                let item = input::expect_object(item, &pointer, self.members, errors)?;
                read_item(item, &pointer, errors)
            })
            .collect();
        read.into_iter().collect()
    }

    /// An array of strings.
    fn read_strings(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Vec<String>> {
        let (pointer, items) = self.items(object, pointer, errors)?;
        let read: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(text) => Some(text.clone()),
                _ => {
                    errors.push(FieldError::new(
                        format!("{pointer}/{index}"),
                        format!("must be a string such as {}", self.shape),
                    ));
                    None
                }
            })
            .collect();
        read.into_iter().collect()
    }
}
