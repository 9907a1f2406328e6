//! Event types: a kind of meeting a host offers to anyone with its link (`/public/{host}/{slug}`),
//! kept in the host's record. Its members and their bounds are the contract's; the API reads a
//! request into an [`EventType`] and shows it back with every default filled in.

mod offer;

pub use offer::{MAX_UPCOMING_PER_INVITEE, Offer, SlotRefusal};

use super::UserRecord;
use super::time::{DAY_MS, HOUR_MS, MINUTE_MS, Millis};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Event types one host may keep: they live whole in the host's record.
pub const MAX_EVENT_TYPES_PER_HOST: usize = 50;
/// Hosts one event type may name: a booking of all of them is one transaction.
pub const MAX_HOSTS: usize = 10;
pub const TITLE_CHARS: RangeInclusive<usize> = 1..=200;
pub const MAX_LOCATION_CHARS: usize = 500;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// How long a meeting lasts, and how far apart its possible starts are (`step`).
pub const DURATION: RangeInclusive<Millis> = 5 * MINUTE_MS..=12 * HOUR_MS;
pub const MAX_BUFFER: Millis = DAY_MS;
pub const MAX_MINIMUM_NOTICE: Millis = 365 * DAY_MS;
pub const HORIZON: RangeInclusive<Millis> = DAY_MS..=400 * DAY_MS;
pub const DEFAULT_HORIZON: Millis = 60 * DAY_MS;
pub const MAX_PER_DAY: RangeInclusive<u32> = 1..=100;

/// Whom a booking of the event type books.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Every host, in one booking.
    #[default]
    All,
    /// One free host.
    One,
}

impl Assignment {
    pub fn name(self) -> &'static str {
        match self {
            Assignment::All => "all",
            Assignment::One => "one",
        }
    }
}

/// One event type as stored, every default filled in. Durations are whole minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventType {
    pub slug: String,
    pub title: String,
    pub duration: Millis,
    pub step: Millis,
    pub buffer_before: Millis,
    pub buffer_after: Millis,
    pub minimum_notice: Millis,
    pub horizon: Millis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_day: Option<u32>,
    /// The IANA zone whose wall clock lays out the slot grid.
    pub timezone: String,
    pub hosts: Vec<String>,
    pub assignment: Assignment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub active: bool,
}

/// Whether `slug` may name an event type: `^[a-z0-9][a-z0-9-]{0,62}$`.
pub fn is_valid_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    let allowed = |byte: &u8| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-';
    matches!(bytes.first(), Some(first) if *first != b'-' && allowed(first))
        && bytes.len() <= 63
        && bytes.iter().all(allowed)
}

impl UserRecord {
    /// The host's event type named `slug`.
    pub fn event_type(&self, slug: &str) -> Option<&EventType> {
        self.event_types.iter().find(|kept| kept.slug == slug)
    }

    /// The record with `event_type` stored, replacing the one of the same slug; kept in slug
    /// order.
    pub fn with_event_type(&self, event_type: EventType) -> UserRecord {
        let mut event_types: Vec<EventType> = self
            .event_types
            .iter()
            .filter(|kept| kept.slug != event_type.slug)
            .cloned()
            .collect();
        let at = event_types.partition_point(|kept| kept.slug < event_type.slug);
        event_types.insert(at, event_type);
        UserRecord {
            event_types,
            ..self.clone()
        }
    }

    /// The record without the event type named `slug`.
    pub fn without_event_type(&self, slug: &str) -> UserRecord {
        UserRecord {
            event_types: self
                .event_types
                .iter()
                .filter(|kept| kept.slug != slug)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(slug: &str) -> EventType {
        EventType {
            slug: slug.to_owned(),
            title: slug.to_owned(),
            duration: 30 * MINUTE_MS,
            step: 30 * MINUTE_MS,
            buffer_before: 0,
            buffer_after: 0,
            minimum_notice: 0,
            horizon: DEFAULT_HORIZON,
            max_per_day: None,
            timezone: "UTC".to_owned(),
            hosts: vec!["host".to_owned()],
            assignment: Assignment::All,
            location: None,
            description: None,
            active: true,
        }
    }

    #[test]
    fn slugs_follow_the_contract_pattern() {
        for good in ["a", "intro-call", "0", "a-", &"a".repeat(63)] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "-a", "A", "intro_call", "é", "a b", &"a".repeat(64)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn event_types_are_kept_in_slug_order_and_replaced_by_slug() {
        let record = UserRecord::default()
            .with_event_type(named("b"))
            .with_event_type(named("a"))
            .with_event_type(named("c"));
        let slugs: Vec<&str> = record.event_types.iter().map(|e| e.slug.as_str()).collect();
        assert_eq!(slugs, ["a", "b", "c"]);
        let retitled = EventType {
            title: "B".to_owned(),
            ..named("b")
        };
        let record = record.with_event_type(retitled.clone());
        assert_eq!(record.event_types.len(), 3);
        assert_eq!(record.event_type("b"), Some(&retitled));
        let record = record.without_event_type("b");
        assert_eq!(record.event_type("b"), None);
        assert_eq!(record.event_types.len(), 2);
    }
}
