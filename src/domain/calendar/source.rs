//! The calendars a user imports busy time from, as their record keeps them: where to fetch,
//! how the last sync went, and the merged busy intervals it found inside the sync window.

use crate::domain::sealed_secret::SealedSecret;
use crate::domain::time::{DAY_MS, Millis};
use crate::domain::{Interval, IntervalSet, UserRecord};
use serde::{Deserialize, Serialize};

/// Sources one user may keep.
pub const MAX_SOURCES: usize = 10;
/// Owner addresses one source may name.
pub const MAX_OWNER_ADDRESSES: usize = 5;
/// The busy time a sync keeps: from 7 days before it to 90 days after.
pub const SYNC_WINDOW_BEFORE: Millis = 7 * DAY_MS;
pub const SYNC_WINDOW_AFTER: Millis = 90 * DAY_MS;
/// How often the scheduled sync fetches a source, and the least time between two fetches of
/// one source on demand (`POST /calendars/{id}/sync` within it answers what is held).
pub const SYNC_EVERY: Millis = 15 * 60 * 1000;
pub const MIN_FETCH_GAP: Millis = 60 * 1000;
/// A conditional fetch (ETag, Last-Modified) is sent only while the held busy time was
/// computed within this long: after it, the window has moved and the text is read again.
pub const CONDITIONAL_FOR: Millis = DAY_MS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Ics,
    Caldav,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Not synced yet.
    Pending,
    Ok,
    /// The last sync failed; the busy time of the last good one is kept.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarSource {
    pub id: String,
    pub kind: SourceKind,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The CalDAV password, sealed (`crate::secrets`; docs/calendars.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_password: Option<SealedSecret>,
    /// A password stored as given, before passwords were sealed: still used, and sealed by the
    /// next sync that can (then this is gone).
    #[serde(default, rename = "password", skip_serializing_if = "Option::is_none")]
    pub unsealed_password: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_addresses: Vec<String>,
    pub status: SourceStatus,
    /// The last sync that read the calendar (or found it unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_synced: Option<Millis>,
    /// The last fetch tried, good or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// When the held busy time was computed, and for which window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub computed_at: Option<Millis>,
    #[serde(default)]
    pub busy: IntervalSet,
}

impl CalendarSource {
    pub fn new(id: &str, kind: SourceKind, url: &str) -> Self {
        CalendarSource {
            id: id.to_owned(),
            kind,
            url: url.to_owned(),
            username: None,
            sealed_password: None,
            unsealed_password: None,
            owner_addresses: Vec::new(),
            status: SourceStatus::Pending,
            last_synced: None,
            last_attempt: None,
            error: None,
            etag: None,
            last_modified: None,
            computed_at: None,
            busy: IntervalSet::new(),
        }
    }

    /// Whether a fetch started at `now` may be conditional (the held busy time is recent).
    pub fn may_be_conditional(&self, now: Millis) -> bool {
        self.computed_at
            .is_some_and(|at| now.saturating_sub(at) < CONDITIONAL_FOR)
    }

    /// Whether the scheduled sync should fetch it at `now`.
    pub fn is_due(&self, now: Millis) -> bool {
        self.last_attempt
            .is_none_or(|at| now.saturating_sub(at) >= SYNC_EVERY - MIN_FETCH_GAP)
    }
}

/// The window a sync at `now` keeps busy time in.
pub fn sync_window(now: Millis) -> Interval {
    Interval::new(
        now.saturating_sub(SYNC_WINDOW_BEFORE),
        now.saturating_add(SYNC_WINDOW_AFTER),
    )
    .unwrap_or(Interval::ALL)
}

/// Whether `id` may name a source: as an event type's slug.
pub fn is_valid_source_id(id: &str) -> bool {
    crate::domain::event_type::is_valid_slug(id)
}

impl UserRecord {
    pub fn calendar_source(&self, id: &str) -> Option<&CalendarSource> {
        self.calendars.iter().find(|source| source.id == id)
    }

    /// The record with `source` stored in id order, replacing the one of the same id.
    pub fn with_calendar_source(&self, source: CalendarSource) -> UserRecord {
        let mut calendars: Vec<CalendarSource> = self
            .calendars
            .iter()
            .filter(|kept| kept.id != source.id)
            .cloned()
            .collect();
        let at = calendars.partition_point(|kept| kept.id < source.id);
        calendars.insert(at, source);
        UserRecord {
            calendars,
            ..self.clone()
        }
    }

    pub fn without_calendar_source(&self, id: &str) -> UserRecord {
        UserRecord {
            calendars: self
                .calendars
                .iter()
                .filter(|kept| kept.id != id)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// The busy time every imported calendar holds inside `window`: never available.
    pub fn imported_busy_within(&self, window: Interval) -> IntervalSet {
        self.calendars
            .iter()
            .fold(IntervalSet::new(), |busy, source| {
                busy.union(&source.busy.clip(window))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::{interval, set};

    #[test]
    fn imported_busy_time_is_never_available() {
        let mut work = CalendarSource::new("work", SourceKind::Ics, "https://example.com/a.ics");
        work.busy = set(&[("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z")]);
        let mut home = CalendarSource::new("home", SourceKind::Ics, "https://example.com/b.ics");
        home.busy = set(&[("2026-03-02T10:30:00Z", "2026-03-02T12:00:00Z")]);
        let record = UserRecord {
            slots: set(&[("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z")]),
            ..UserRecord::default()
        }
        .with_calendar_source(work)
        .with_calendar_source(home);
        assert_eq!(
            record
                .calendars
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>(),
            ["home", "work"]
        );
        let day = interval("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
        assert_eq!(
            record.availability_within(day),
            set(&[
                ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"),
                ("2026-03-02T12:00:00Z", "2026-03-02T17:00:00Z"),
            ])
        );
        assert_eq!(record.without_calendar_source("home").calendars.len(), 1);
    }
}
