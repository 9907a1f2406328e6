//! `GET`/`POST /overlap`: when the caller and other people are free together (or enough of
//! them), or which meetings fit, one page at a time. This module only reads the request into
//! an engine query (`crate::domain::overlap`) and writes the engine's answer out.

use crate::api::app::{App, Failure, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, FieldError, ProblemKind};
use crate::api::input::{self, Given, Parameter, Parameters, Query, space_as_plus};
use crate::api::paging::{INTERVAL_BYTES, Page, PageRequest};
use crate::api::response::{json_response, with_result_items};
use crate::api::shown_interval::ShownInterval;
use crate::api::window::{ReadWindow, RequestedWindow};
use crate::api::window_member::WindowMember;
use crate::domain::overlap::{
    self, MAX_PARTICIPANTS, OverlapError, OverlapQuery, ParticipantSet, SlotQuery,
};
use crate::domain::time::DAY_MS;
use crate::domain::timestamp::Zone;
use crate::domain::{Interval, IntervalSet, UserId, UserRecord};
use crate::store::{AvailabilityStore, IntervalBudget, LoadError};
use lambda_http::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

/// Every parameter `/overlap` reads, in the query string or the JSON body (`limit` and
/// `cursor`: see `paging`).
const PARAMETERS: &[&str] = &[
    "users",
    "user_id_2",
    "from",
    "to",
    "quorum",
    "min_duration",
    "duration",
    "step",
    "buffer_before",
    "buffer_after",
    "tz",
    "limit",
    "cursor",
];

/// Results per page when the request gives no `limit`.
pub(super) const DEFAULT_LIMIT: usize = 1000;
/// What a `users` member adds beyond the ids themselves: `,"users":[]`.
const USERS_MEMBER_BYTES: usize = 11;

pub(crate) async fn find<S: AvailabilityStore>(app: &App<S>, call: Call<'_, UserId>) -> Handled {
    let body = input::json_body(call.request)?;
    let query = Query::of(call.request, PARAMETERS)?;
    let parameters = Parameters::new(&query, body.as_ref(), PARAMETERS)?;
    let asked = Asked::parse(&parameters, &call.caller, call.parameter("user_id_2"))?;

    let users: Vec<&str> = asked.participants.iter().map(UserId::as_str).collect();
    let requested = RequestedWindow::new(asked.query.from, asked.query.to);
    // A weekly schedule is expanded over a bounded window only (30 days unless `from`/`to` say),
    // so an open window is known once the schedules are: a first, interval-free load finds them.
    let expands_schedule = match (asked.query.from, asked.query.to) {
        (Some(_), Some(_)) => false,
        _ => app
            .store()
            .load_many(&users, None, &IntervalBudget::unlimited())
            .await
            .map_err(loaded)?
            .iter()
            .any(|record| record.schedule.is_some()),
    };
    let loaded_window = requested.resolve(asked.page.clock(app.clock()), expands_schedule)?;
    let budget = IntervalBudget::new(MAX_LOADED_INTERVALS);
    let records = app
        .store()
        .load_many(&users, reach_of(&asked, loaded_window), &budget)
        .await
        .map_err(loaded)?;
    // With both ends given, whether a schedule is expanded (and the window's limit for it) is
    // known now, before any expansion. A schedule set between the two loads of an open window
    // narrows it to the default, which the loaded intervals cover.
    let window = if loaded_window.reported || records.iter().all(|r| r.schedule.is_none()) {
        loaded_window
    } else {
        requested.resolve(asked.page.clock(app.clock()), true)?
    };
    let query = OverlapQuery {
        from: Some(window.interval.start()),
        to: Some(window.interval.end()),
        ..asked.query
    };
    let reach = reach_of(&asked, window);
    within_schedule_budget(&records, reach)?;
    let availability: Vec<IntervalSet> = records
        .iter()
        .map(|record| {
            reach.map_or_else(IntervalSet::new, |reach| record.availability_within(reach))
        })
        .collect();
    let page = asked
        .page(&query, &availability)
        .map_err(|error| refused(&parameters, error))?;
    let next = page.next(window, &asked.normalized());
    let items = page.results.len();
    let response = json_response(
        StatusCode::OK,
        &asked.body(page, next, WindowMember::of(window, asked.output_zone)),
    );
    Ok(with_result_items(response, items))
}

/// Stored intervals (slots and removed ranges, within the window widened by the buffers) that
/// one request may load over all its participants. Each takes 16 bytes in the loaded record
/// and about as much again in the participant's availability and the engine's sweep, so the
/// worst accepted request holds under 50 MB of intervals, well inside the function's 256 MB.
pub const MAX_LOADED_INTERVALS: usize = 500_000;

/// Days of weekly schedules one request may expand, summed over its participants that have
/// one: 100 participants over 98 days with a day of buffer on each side, or 24 over the longest
/// window. Each day holds up to 100 ranges (1.6 KB of intervals, about twice that while the
/// sweep runs), so the worst accepted request holds about 32 MB of them; the densest 3,200
/// took 57 ms on one core of this project's test machine (docs/benchmarks.md), so 10,000 stay
/// near 1.5 s at the template's 256 MB (about a seventh of a vCPU), inside its 10 s timeout.
pub const MAX_SCHEDULE_DAYS: i64 = 10_000;

/// A 413 before any expansion when the participants' schedules over `reach` exceed
/// [`MAX_SCHEDULE_DAYS`].
fn within_schedule_budget(
    records: &[Arc<UserRecord>],
    reach: Option<Interval>,
) -> Result<(), ApiError> {
    let Some(reach) = reach else {
        return Ok(());
    };
    let scheduled = records.iter().filter(|r| r.schedule.is_some()).count() as i64;
    let days = (reach.end() - reach.start() + DAY_MS - 1) / DAY_MS;
    if scheduled.saturating_mul(days) > MAX_SCHEDULE_DAYS {
        return Err(ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "This would expand {scheduled} weekly schedules over {days} days; one request expands at most {MAX_SCHEDULE_DAYS} schedule-days: ask about a shorter window or fewer participants."
            ),
        ));
    }
    Ok(())
}

/// What the engine reads of each participant for `window`: the window widened by the buffers.
fn reach_of(asked: &Asked, window: ReadWindow) -> Option<Interval> {
    let query = OverlapQuery {
        from: Some(window.interval.start()),
        to: Some(window.interval.end()),
        ..asked.query
    };
    // Buffers may widen the window past the instants the API names; nothing exists there.
    overlap::reach(&query, asked.slots.as_ref())
        .and_then(|reach| reach.intersection(&Interval::ALL))
}

/// A load's failure as the caller hears it: over the budget is a 413 naming it.
fn loaded(error: LoadError) -> Failure {
    match error {
        LoadError::Store(error) => error.into(),
        LoadError::OverBudget { budget } => ApiError::new(
            ProblemKind::TooLarge,
            format!(
                "The participants hold more than {budget} stored intervals (slots and removed ranges) within this window together; ask about a shorter window or fewer participants."
            ),
        )
        .into(),
    }
}

/// A valid request, read into the engine's terms.
struct Asked {
    /// Distinct and sorted, the caller included; results' `users` lists follow this order.
    participants: Vec<UserId>,
    query: OverlapQuery,
    /// `Some` when the request asks for meetings (`duration`) rather than free intervals.
    slots: Option<SlotQuery>,
    /// The zone whose wall clock the slot grid follows.
    zone: Zone,
    /// The zone whose offsets output timestamps carry (`tz`), else UTC with `Z`.
    output_zone: Option<Zone>,
    page: PageRequest,
}

impl Asked {
    fn parse(
        parameters: &Parameters,
        caller: &UserId,
        from_path: Option<&str>,
    ) -> Result<Self, ApiError> {
        let participants = participants(parameters, caller, from_path)?;
        let timestamp = |name| parameters.single(name)?.map(|p| p.timestamp()).transpose();
        let duration = |name| parameters.single(name)?.map(|p| p.duration()).transpose();
        let count = |name| {
            parameters
                .single(name)?
                .map(|p| {
                    let number = p.whole_number()?;
                    usize::try_from(number).map_err(|_| p.invalid("is too large"))
                })
                .transpose()
        };
        let query = OverlapQuery {
            quorum: count("quorum")?,
            from: timestamp("from")?,
            to: timestamp("to")?,
            min_duration: duration("min_duration")?,
            resume_after: None,
        };
        let slots = match duration("duration")? {
            Some(length) => Some(SlotQuery {
                duration: length,
                step: duration("step")?,
                buffer_before: duration("buffer_before")?.unwrap_or(0),
                buffer_after: duration("buffer_after")?.unwrap_or(0),
            }),
            None => {
                if let Some(stray) = ["step", "buffer_before", "buffer_after"]
                    .into_iter()
                    .find_map(|name| parameters.all(name).first().copied())
                {
                    return Err(stray.invalid(format!(
                        "`{}` applies to meeting slots only; give `duration` too",
                        stray.name
                    )));
                }
                None
            }
        };
        let output_zone = parameters
            .single("tz")?
            .map(|tz| tz.time_zone())
            .transpose()?;
        let zone = output_zone.unwrap_or(Zone::UTC);
        overlap::validate(participants.len(), &query, slots.as_ref())
            .map_err(|error| refused(parameters, error))?;

        let mut asked = Asked {
            participants,
            query,
            slots,
            zone,
            output_zone,
            page: PageRequest::default(),
        };
        asked.page = PageRequest::parse(parameters, &asked.normalized())?;
        asked.query.resume_after = asked.page.resume.map(|resume| resume.after);
        Ok(asked)
    }

    /// Whether results list who is free: only when that can differ from everyone.
    fn lists_users(&self) -> bool {
        self.query
            .quorum
            .is_some_and(|quorum| quorum < self.participants.len())
    }

    /// The page's size: `limit`, lowered when results list users so that a page stays under
    /// `MAX_PAGE_BYTES` even if every participant is free in every result.
    fn page_size(&self) -> usize {
        let users_bytes = if self.lists_users() {
            let ids: usize = self
                .participants
                .iter()
                .map(|id| id.as_str().len() + 3)
                .sum();
            USERS_MEMBER_BYTES + ids
        } else {
            0
        };
        self.page.size(DEFAULT_LIMIT, INTERVAL_BYTES + users_bytes)
    }

    /// Runs the engine for one page of `query` (the request's, within the read's window) over
    /// `availability` (one set per participant, in order).
    fn page(
        &self,
        query: &OverlapQuery,
        availability: &[IntervalSet],
    ) -> Result<Page<(Interval, ParticipantSet)>, OverlapError> {
        let sets: Vec<&IntervalSet> = availability.iter().collect();
        let results: Box<dyn Iterator<Item = (Interval, ParticipantSet)>> = match &self.slots {
            None => Box::new(
                overlap::free_intervals(&sets, query)?.map(|free| (free.interval, free.free)),
            ),
            Some(slots) => Box::new(
                overlap::bookable_slots(&sets, query, slots, self.zone)?
                    .map(|slot| (slot.meeting, slot.free)),
            ),
        };
        Ok(Page::cut(results, self.page_size(), |(interval, _)| {
            interval.start()
        }))
    }

    /// The query in one canonical text, defaults filled in, for the cursor's check: two
    /// requests that ask the same thing have the same text, whatever their spelling.
    fn normalized(&self) -> String {
        let OverlapQuery {
            quorum,
            from,
            to,
            min_duration,
            resume_after: _,
        } = self.query;
        let mut text = format!(
            "users={}\nquorum={}\nfrom={from:?}\nto={to:?}\nmin_duration={min_duration:?}",
            self.participants
                .iter()
                .map(UserId::as_str)
                .collect::<Vec<_>>()
                .join(","),
            quorum.unwrap_or(self.participants.len()),
        );
        if let Some(slots) = &self.slots {
            let _ = write!(
                text,
                "\nduration={}\nstep={}\nbuffers={},{}\ntz={}",
                slots.duration,
                slots.step.unwrap_or(slots.duration),
                slots.buffer_before,
                slots.buffer_after,
                self.zone.name(),
            );
        }
        text
    }

    /// `{"overlap": [...]}` or `{"slots": [...]}`, with `next` when another page follows and
    /// `window` when a schedule was expanded.
    fn body(
        &self,
        page: Page<(Interval, ParticipantSet)>,
        next: Option<String>,
        window: Option<WindowMember>,
    ) -> ResponseBody<'_> {
        let lists_users = self.lists_users();
        let found = page
            .results
            .into_iter()
            .map(|(interval, free)| Found {
                times: ShownInterval(interval, self.output_zone),
                users: lists_users.then(|| {
                    free.iter()
                        .filter_map(|index| self.participants.get(index).map(UserId::as_str))
                        .collect()
                }),
            })
            .collect();
        match self.slots {
            None => ResponseBody {
                overlap: Some(found),
                slots: None,
                next,
                window,
            },
            Some(_) => ResponseBody {
                overlap: None,
                slots: Some(found),
                next,
                window,
            },
        }
    }
}

#[derive(Serialize)]
struct ResponseBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    overlap: Option<Vec<Found<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slots: Option<Vec<Found<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<WindowMember>,
}

/// One free interval or meeting; `users` only when a quorum below everyone was asked for.
#[derive(Serialize)]
struct Found<'a> {
    #[serde(flatten)]
    times: ShownInterval,
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<Vec<&'a str>>,
}

/// Everyone the request names, with the caller, distinct and sorted. Named by the path
/// `/overlap/{user_id_2}`, `user_id_2` (repeatable), `users` (comma separated in the query,
/// an array in the body); at least one must be named, as in the seed.
fn participants(
    parameters: &Parameters,
    caller: &UserId,
    from_path: Option<&str>,
) -> Result<Vec<UserId>, ApiError> {
    // Each id with where it was first named, for an error about it.
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    let mut name = |id: &str, pointer: &dyn Fn() -> String| {
        named.entry(id.to_owned()).or_insert_with(pointer);
    };
    if let Some(user) = from_path {
        name(user, &|| "user_id_2".to_owned());
    }
    for given in parameters.all("user_id_2") {
        let user = user_id_text(&given)?;
        // The path form names exactly one other user; a different `user_id_2` is ambiguous.
        if from_path.is_some_and(|path| path != user) {
            return Err(ApiError::bad_request(
                "The request names two different users as user_id_2.",
            ));
        }
        name(&user, &|| given.pointer());
    }
    for given in parameters.all("users") {
        match given.value {
            Given::Query(_) => {
                for user in user_id_text(&given)?.split(',') {
                    name(user, &|| given.pointer());
                }
            }
            Given::Body(Value::Array(users)) => {
                for (index, user) in users.iter().enumerate() {
                    let pointer = || format!("{}/{index}", given.pointer());
                    match user {
                        Value::String(user) => name(user, &pointer),
                        _ => return Err(ApiError::invalid_field(pointer(), "must be a string")),
                    }
                }
            }
            Given::Body(_) => return Err(given.invalid("must be an array of user ids")),
        }
    }
    if named.is_empty() {
        return Err(ApiError::bad_request(
            "Name the other participants: users=a,b, user_id_2=, /overlap/{user_id_2}, or a JSON body {\"users\": [...]}.",
        ));
    }
    named.entry(caller.to_string()).or_default();
    // Counted before each id is checked, so a huge list costs one short answer.
    if named.len() > MAX_PARTICIPANTS {
        return Err(refused(
            parameters,
            OverlapError::TooManyParticipants { count: named.len() },
        ));
    }
    let mut participants = Vec::with_capacity(named.len());
    let mut errors = Vec::new();
    for (id, pointer) in named {
        if id == caller.as_str() {
            participants.push(caller.clone());
            continue;
        }
        match UserId::parse(&id) {
            Ok(id) => participants.push(id),
            Err(why) => errors.push(FieldError::new(pointer, why)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(participants)
}

/// A user id (or list of them) as text; in a query string, where a raw `+` arrives as a space,
/// ids (which hold no spaces) get their `+` back.
fn user_id_text<'a>(given: &Parameter<'a>) -> Result<Cow<'a, str>, ApiError> {
    let text = given.text()?;
    Ok(match given.value {
        Given::Query(_) => space_as_plus(text),
        Given::Body(_) => Cow::Borrowed(text),
    })
}

/// The engine's refusal as a 400 that points at the parameter where the client gave it.
fn refused(parameters: &Parameters, error: OverlapError) -> ApiError {
    ApiError::invalid_field(parameters.pointer(error.parameter()), error.to_string())
}
