//! Syncing an imported calendar: fetch it through [`crate::outbound`] (conditionally when the
//! busy time held is recent), read its busy time ([`crate::domain::calendar::import`]), and
//! write the outcome to the source in the user's record. The fetch and the reading happen
//! before the write, which only stores the result (and only if the source is still the one
//! fetched). A failed sync keeps the busy time of the last good one and says why.
//!
//! Both `POST /calendars/{id}/sync` and the scheduled function (`src/bin/calendar-sync.rs`)
//! run [`sync_source`].

mod caldav;
pub mod scheduled;

use crate::domain::UserRecord;
use crate::domain::calendar::import::{BusyOptions, busy_of};
use crate::domain::calendar::source::{CalendarSource, SourceKind, SourceStatus, sync_window};
use crate::domain::sealed_secret::SecretPlace;
use crate::domain::time::Millis;
use crate::domain::timestamp::Zone;
use crate::outbound::{Outbound, OutboundRequest};
use crate::secrets::{Secrets, SecretsError};
use crate::store::{AvailabilityStore, Scope, StoreError, WriteError};
use http::{StatusCode, header};

/// What one fetch found.
pub(crate) enum Fetched {
    Unchanged,
    Read {
        busy: crate::domain::IntervalSet,
        etag: Option<String>,
        last_modified: Option<String>,
        note: Option<String>,
    },
    Failed(String),
}

/// Syncs `user`'s source `source_id` at `now`: the source as stored afterwards (`None` when
/// the user keeps no such source).
pub async fn sync_source<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    secrets: &Secrets,
    user: &str,
    source_id: &str,
    now: Millis,
) -> Result<Option<CalendarSource>, StoreError> {
    let record = store.load(user, None).await?;
    let Some(source) = record.calendar_source(source_id).cloned() else {
        return Ok(None);
    };
    let zone = record
        .schedule
        .as_ref()
        .map_or(Zone::UTC, |schedule| schedule.timezone());
    let place = SecretPlace::calendar_password(user, source_id);
    let fetched = match password_of(secrets, &source, &place).await {
        Ok(password) => fetch(outbound, &source, password.as_deref(), zone, now).await,
        Err(why) => Fetched::Failed(format!("The calendar's password could not be read: {why}.")),
    };
    // A password stored as given (before passwords were sealed) is sealed now, if it can be.
    let resealed = match &source.unsealed_password {
        Some(password) if source.sealed_password.is_none() => {
            secrets.seal(password.as_bytes(), &place).await.ok()
        }
        _ => None,
    };
    let written = store
        .update(user, None, Scope::NoIntervals, |current: &UserRecord| {
            Ok::<_, ()>(match current.calendar_source(source_id) {
                // Replaced or deleted meanwhile: this fetch is not its.
                Some(kept) if kept.url == source.url && kept.kind == source.kind => {
                    let mut next = applied(kept, &fetched, now);
                    if resealed.is_some() && kept.unsealed_password == source.unsealed_password {
                        next.sealed_password.clone_from(&resealed);
                        next.unsealed_password = None;
                    }
                    current.with_calendar_source(next)
                }
                _ => current.clone(),
            })
        })
        .await;
    match written {
        Ok(_) => {}
        Err(WriteError::Store(error)) => return Err(error),
        Err(other) => {
            return Err(StoreError::Internal(format!(
                "a calendar sync's write failed: {}",
                describe(&other)
            )));
        }
    }
    Ok(store
        .load(user, None)
        .await?
        .calendar_source(source_id)
        .cloned())
}

fn describe<E>(error: &WriteError<E>) -> &'static str {
    match error {
        WriteError::Rejected(_) => "rejected",
        WriteError::VersionMismatch { .. } => "version mismatch",
        WriteError::TooLarge(_) => "too large",
        WriteError::Store(_) => "store",
    }
}

/// `source` after a sync at `now` that found `fetched`.
fn applied(source: &CalendarSource, fetched: &Fetched, now: Millis) -> CalendarSource {
    let mut next = CalendarSource {
        last_attempt: Some(now),
        ..source.clone()
    };
    match fetched {
        Fetched::Unchanged => {
            next.status = SourceStatus::Ok;
            next.error = None;
            next.last_synced = Some(now);
        }
        Fetched::Read {
            busy,
            etag,
            last_modified,
            note,
        } => {
            next.status = SourceStatus::Ok;
            next.error = note.clone();
            next.last_synced = Some(now);
            next.computed_at = Some(now);
            next.busy = busy.clone();
            next.etag = etag.clone();
            next.last_modified = last_modified.clone();
        }
        Fetched::Failed(why) => {
            next.status = SourceStatus::Error;
            next.error = Some(why.clone());
        }
    }
    next
}

/// The source's password, opened (`None` when it has none).
async fn password_of(
    secrets: &Secrets,
    source: &CalendarSource,
    place: &SecretPlace,
) -> Result<Option<String>, SecretsError> {
    match (&source.sealed_password, &source.unsealed_password) {
        (Some(sealed), _) => secrets.open_text(sealed, place).await.map(Some),
        (None, unsealed) => Ok(unsealed.clone()),
    }
}

async fn fetch(
    outbound: &Outbound,
    source: &CalendarSource,
    password: Option<&str>,
    zone: Zone,
    now: Millis,
) -> Fetched {
    if source.kind == SourceKind::Caldav {
        return caldav::fetch(outbound, source, password, zone, now).await;
    }
    let mut request =
        OutboundRequest::get(&source.url).header(header::ACCEPT, "text/calendar, */*;q=0.5");
    if source.may_be_conditional(now) {
        if let Some(etag) = &source.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &source.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, modified);
        }
    }
    let response = match outbound.send(request).await {
        Ok(response) => response,
        Err(error) => return Fetched::Failed(error.to_string()),
    };
    if response.status == StatusCode::NOT_MODIFIED {
        return Fetched::Unchanged;
    }
    if !response.status.is_success() {
        return Fetched::Failed(format!(
            "The calendar's server answered {}.",
            response.status
        ));
    }
    let header_text = |name: header::HeaderName| {
        response
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| value.len() <= 200)
            .map(str::to_owned)
    };
    let text = String::from_utf8_lossy(&response.body);
    read_texts(
        &[&text],
        source,
        zone,
        now,
        header_text(header::ETAG),
        header_text(header::LAST_MODIFIED),
    )
}

/// The busy time of `texts`, as a sync of `source` at `now` keeps it.
pub(crate) fn read_texts(
    texts: &[&str],
    source: &CalendarSource,
    zone: Zone,
    now: Millis,
    etag: Option<String>,
    last_modified: Option<String>,
) -> Fetched {
    let options = BusyOptions {
        window: sync_window(now),
        zone,
        owner_addresses: source.owner_addresses.clone(),
    };
    match busy_of(texts, &options) {
        Ok(read) => {
            let mut notes = Vec::new();
            if read.skipped > 0 {
                notes.push(format!(
                    "{} of {} events were read in part (a repetition rule this service does not follow, or an unreadable start).",
                    read.skipped, read.events
                ));
            }
            if read.truncated {
                notes.push(
                    "The calendar holds more busy time than is kept; the earliest is kept."
                        .to_owned(),
                );
            }
            Fetched::Read {
                busy: read.busy,
                etag,
                last_modified,
                note: (!notes.is_empty()).then(|| notes.join(" ")),
            }
        }
        Err(error) => Fetched::Failed(error.to_string()),
    }
}

/// The scheduled function's handler: one run ([`scheduled::run_scheduled`]) at `now` per event, whatever
/// the event holds (an EventBridge `Scheduled Event`), with one log line and metrics document
/// (`calendar-sync`: users looked at, calendars synced and failed).
pub async fn handle_scheduled_event<S: AvailabilityStore>(
    store: &S,
    outbound: &Outbound,
    secrets: &Secrets,
    telemetry: &crate::observability::Telemetry,
    now: Millis,
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let record = telemetry.begin(Some(&event.context), None);
    let run = record
        .measure(scheduled::run_scheduled(store, outbound, secrets, now))
        .await;
    let (handled, failed) = match &run {
        Ok(run) => (run.calendars_synced as u64, run.calendars_failed as u64),
        Err(_) => (0, 1),
    };
    record.finish(
        telemetry,
        &crate::observability::Outcome::Work(crate::observability::WorkOutcome {
            work: "calendar-sync",
            items_handled: handled,
            items_failed: failed,
        }),
    );
    let run = run?;
    Ok(serde_json::json!({
        "users": run.users,
        "calendars_synced": run.calendars_synced,
        "calendars_failed": run.calendars_failed,
        "users_dropped": run.users_dropped,
    }))
}
