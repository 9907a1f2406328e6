//! The routes anyone with a host's link may call: `GET /public/{user_id}/{slug}` (what the event
//! type is) and `GET /public/{user_id}/{slug}/slots` (when it can be booked). Open, so the path
//! is checked for shape before any lookup, and an event type that is unknown, inactive or badly
//! named is one and the same 404.

use super::event_types::no_event_type;
use crate::api::app::{App, Failure, Handled};
use crate::api::call::Call;
use crate::api::error::{ApiError, ProblemKind};
use crate::api::input::{NO_PARAMETERS, Query};
use crate::api::response::{json_response, with_result_items};
use crate::api::shown_interval::IntervalList;
use crate::domain::duration::format_duration;
use crate::domain::event_type::{EventType, Offer, is_valid_slug};
use crate::domain::time::{DAY_MS, Millis};
use crate::domain::timestamp::{Zone, format_instant};
use crate::domain::{Interval, UserId, UserRecord};
use crate::store::{AvailabilityStore, IntervalBudget, LoadError};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use std::sync::Arc;

/// The query parameters the slots route reads.
const SLOTS_PARAMETERS: &[&str] = &["from", "to", "tz"];
/// The window of a slots request without `from`/`to`: from now, a week.
const DEFAULT_SLOTS_DAYS: Millis = 7;
/// The longest window one slots request may ask about.
pub(crate) const MAX_SLOTS_DAYS: Millis = 31;
/// Stored intervals the hosts of one slots request may hold within its window, together.
pub(crate) const MAX_HOST_INTERVALS: usize = 500_000;

pub(crate) async fn describe<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    Query::of(call.request, NO_PARAMETERS)?;
    let (host, record) = offering_host(app, &call).await?;
    let event_type = offered(&record, &call)?;
    #[derive(Serialize)]
    struct Described<'a> {
        host: &'a str,
        slug: &'a str,
        title: &'a str,
        duration: String,
        timezone: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a str>,
    }
    let described = Described {
        host: host.as_str(),
        slug: &event_type.slug,
        title: &event_type.title,
        duration: format_duration(event_type.duration),
        timezone: &event_type.timezone,
        location: event_type.location.as_deref(),
        description: event_type.description.as_deref(),
    };
    Ok(json_response(StatusCode::OK, &described))
}

/// Every start a booking would take now within the window: the event type's offer decided on
/// each start of its grid.
pub(crate) async fn slots<S: AvailabilityStore>(app: &App<S>, call: Call<'_, ()>) -> Handled {
    let asked = SlotsQuery::of(app, &call)?;
    let (host, record) = offering_host(app, &call).await?;
    let event_type = offered(&record, &call)?;
    let read = asked.read_window(event_type);
    let records = hosts_within(app, event_type, read).await?;
    let records: Vec<&UserRecord> = records.iter().map(Arc::as_ref).collect();
    let offer = Offer::new(host.as_str(), event_type, &records, read, asked.now(), None);
    Ok(asked.answer(&asked.slots_of(&offer)))
}

/// A slots request's window (`from`, `to`) and zone (`tz`), read and bounded before any lookup.
pub(super) struct SlotsQuery {
    window: Interval,
    zone: Option<Zone>,
    now: Millis,
}

impl SlotsQuery {
    pub(super) fn of<S: AvailabilityStore, C>(
        app: &App<S>,
        call: &Call<'_, C>,
    ) -> Result<Self, Failure> {
        let query = Query::of(call.request, SLOTS_PARAMETERS)?;
        let zone = query.time_zone("tz")?;
        let now = app.clock().now();
        let from = query.timestamp("from")?.unwrap_or(now);
        let to = match query.timestamp("to")? {
            Some(to) => to,
            None => from.saturating_add(DEFAULT_SLOTS_DAYS * DAY_MS),
        };
        let window = Interval::new(from, to)
            .ok_or_else(|| ApiError::invalid_field("?to", "must be later than from"))?;
        if window.duration() > MAX_SLOTS_DAYS * DAY_MS {
            return Err(ApiError::invalid_field(
                "?to",
                format!("is more than {MAX_SLOTS_DAYS} days after from; ask about at most {MAX_SLOTS_DAYS} days at once"),
            )
            .into());
        }
        Ok(SlotsQuery { window, zone, now })
    }

    /// The hosts' time to read: the window widened by the event type's buffers.
    pub(super) fn read_window(&self, event_type: &EventType) -> Interval {
        Interval::new(
            self.window.start().saturating_sub(event_type.buffer_before),
            self.window.end().saturating_add(event_type.buffer_after),
        )
        .unwrap_or(self.window)
    }

    pub(super) fn now(&self) -> Millis {
        self.now
    }

    /// The offer's slots within the window.
    pub(super) fn slots_of(&self, offer: &Offer<'_>) -> Vec<Interval> {
        offer
            .slots(self.window.start(), self.window.end())
            .collect()
    }

    /// 200 `{"slots", "window"}`.
    pub(super) fn answer(&self, slots: &[Interval]) -> Response<Body> {
        let (from, to) = (self.window.start(), self.window.end());
        #[derive(Serialize)]
        struct Slots<'a> {
            slots: IntervalList<'a>,
            window: ShownWindow,
        }
        #[derive(Serialize)]
        struct ShownWindow {
            from: String,
            to: String,
        }
        let body = Slots {
            slots: IntervalList(slots, self.zone),
            window: ShownWindow {
                from: format_instant(from, self.zone),
                to: format_instant(to, self.zone),
            },
        };
        with_result_items(json_response(StatusCode::OK, &body), slots.len())
    }
}

/// The host the path names and their record (without intervals); a 404 for an id or a slug of
/// the wrong shape, before any lookup.
pub(super) async fn offering_host<S: AvailabilityStore, C>(
    app: &App<S>,
    call: &Call<'_, C>,
) -> Result<(UserId, Arc<UserRecord>), Failure> {
    let host = call.parameter("user_id").unwrap_or_default();
    let slug = call.parameter("slug").unwrap_or_default();
    let (Ok(host), true) = (UserId::parse(host), is_valid_slug(slug)) else {
        return Err(no_event_type(slug).into());
    };
    let record = app.store().load(host.as_str(), None).await?;
    Ok((host, record))
}

/// The active event type the path names in the host's `record`; a 404 otherwise.
pub(super) fn offered<'r, C>(
    record: &'r UserRecord,
    call: &Call<'_, C>,
) -> Result<&'r EventType, Failure> {
    let slug = call.parameter("slug").unwrap_or_default();
    record
        .event_type(slug)
        .filter(|event_type| event_type.active)
        .ok_or_else(|| no_event_type(slug).into())
}

/// The event type's hosts' records within `window`, in `hosts` order.
pub(super) async fn hosts_within<S: AvailabilityStore>(
    app: &App<S>,
    event_type: &EventType,
    window: Interval,
) -> Result<Vec<Arc<UserRecord>>, Failure> {
    let hosts: Vec<&str> = event_type.hosts.iter().map(String::as_str).collect();
    let budget = IntervalBudget::new(MAX_HOST_INTERVALS);
    app.store()
        .load_many(&hosts, Some(window), &budget)
        .await
        .map_err(|error| match error {
            LoadError::Store(error) => error.into(),
            LoadError::OverBudget { budget } => ApiError::new(
                ProblemKind::TooLarge,
                format!(
                    "The hosts hold more than {budget} stored intervals within this window together; ask about a shorter window."
                ),
            )
            .into(),
        })
}
