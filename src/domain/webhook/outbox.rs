//! The outbox: the deliveries a user's record owes its webhooks. A booking change records its
//! events here in the same write as the change ([`with_events`]), so an event exists exactly
//! when its change was committed; each delivery attempt's answer then updates it
//! ([`with_attempts`]).

use super::event::event_body;
use super::subscription::{Disabled, EventKind};
use crate::domain::UserRecord;
use crate::domain::booking::Booking;
use crate::domain::time::{HOUR_MS, MINUTE_MS, Millis, SECOND_MS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The waits after each failed attempt (the Standard Webhooks schedule: at once, then these).
pub const RETRY_DELAYS: [Millis; 7] = [
    5 * SECOND_MS,
    5 * MINUTE_MS,
    30 * MINUTE_MS,
    2 * HOUR_MS,
    5 * HOUR_MS,
    10 * HOUR_MS,
    10 * HOUR_MS,
];
/// A webhook whose event has failed for this long since it was recorded is disabled.
pub const GIVE_UP_AFTER: Millis = 24 * HOUR_MS;
/// Deliveries one webhook may owe at once. A receiver that answers keeps it near zero; one that
/// has failed this many events is disabled (as after 24 hours), which bounds the record's size:
/// at most [`MAX_WEBHOOKS_PER_USER`] × this many entries of about a kilobyte.
pub const MAX_PENDING_PER_WEBHOOK: usize = 20;

/// One delivery owed: one event for one webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// `webhook-id`: `msg_` and 32 hex digits, the same on every attempt.
    pub message_id: String,
    pub webhook_id: String,
    pub kind: EventKind,
    /// The body, fixed when the event was recorded, so every attempt sends the same bytes.
    pub body: String,
    pub recorded_at: Millis,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Millis,
    /// Why the latest attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// What one attempt's answer was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// A 2xx.
    Delivered,
    /// A 410: the receiver asks to stop.
    Gone,
    /// Anything else (another status, a refused target, a timeout), said for its user.
    Failed(String),
}

impl UserRecord {
    /// The deliveries due at `now`, of webhooks that are enabled.
    pub fn due_deliveries(&self, now: Millis) -> impl Iterator<Item = &OutboxEntry> {
        self.outbox.iter().filter(move |entry| {
            entry.next_attempt <= now
                && self
                    .webhook(&entry.webhook_id)
                    .is_some_and(|webhook| webhook.disabled.is_none())
        })
    }

    /// When the earliest delivery owed is due, if any is.
    pub fn next_delivery(&self) -> Option<Millis> {
        self.outbox.iter().map(|entry| entry.next_attempt).min()
    }

    /// The record with webhook `id` disabled for `reason` and its deliveries dropped.
    fn with_webhook_disabled(&self, id: &str, reason: &str, now: Millis) -> UserRecord {
        let mut next = self.clone();
        next.outbox.retain(|entry| entry.webhook_id != id);
        for webhook in next.webhooks.iter_mut().filter(|webhook| webhook.id == id) {
            webhook.disabled = Some(Disabled {
                at: now,
                reason: reason.to_owned(),
            });
        }
        next
    }
}

/// A booking change as one record sees it.
fn changes<'a>(
    before: &'a UserRecord,
    after: &'a UserRecord,
    now: Millis,
) -> Vec<(EventKind, &'a Booking)> {
    let mut found = Vec::new();
    for booking in &after.bookings {
        match before.booking(&booking.id) {
            None => found.push((EventKind::Created, booking)),
            Some(earlier) if earlier.range != booking.range => {
                found.push((EventKind::Rescheduled, booking));
            }
            Some(_) => {}
        }
    }
    for booking in &before.bookings {
        // Gone from the record before it ended: cancelled (or left). An ended booking dropped to
        // make room for a new one was not cancelled.
        if after.booking(&booking.id).is_none() && booking.range.end() > now {
            let cancelled = after
                .cancelled
                .iter()
                .find(|kept| kept.id == booking.id)
                .unwrap_or(booking);
            found.push((EventKind::Cancelled, cancelled));
        }
    }
    found
}

/// `after` (what a write makes of `before`) with the events of its booking changes recorded for
/// each of its webhooks that hears them, due at once. Pure: the same change gives the same
/// entries (their ids come from the version written on), so a store that runs a change twice
/// records once.
pub fn with_events(before: &UserRecord, after: UserRecord, now: Millis) -> UserRecord {
    if after
        .webhooks
        .iter()
        .all(|webhook| webhook.disabled.is_some())
    {
        return after;
    }
    let found = changes(before, &after, now);
    if found.is_empty() {
        return after;
    }
    let mut next = after.clone();
    for (kind, booking) in found {
        for webhook in after.webhooks.iter().filter(|webhook| webhook.hears(kind)) {
            let owed = next
                .outbox
                .iter()
                .filter(|entry| entry.webhook_id == webhook.id)
                .count();
            if next
                .webhook(&webhook.id)
                .is_some_and(|w| w.disabled.is_some())
            {
                continue;
            }
            if owed >= MAX_PENDING_PER_WEBHOOK {
                next = next.with_webhook_disabled(
                    &webhook.id,
                    &format!("{MAX_PENDING_PER_WEBHOOK} deliveries were owed at once"),
                    now,
                );
                continue;
            }
            next.outbox.push(OutboxEntry {
                message_id: message_id(&webhook.id, &booking.id, kind, before.version),
                webhook_id: webhook.id.clone(),
                kind,
                body: event_body(kind, now, booking),
                recorded_at: now,
                attempts: 0,
                next_attempt: now,
                last_error: None,
            });
        }
    }
    next
}

/// `msg_` and the first 16 bytes of a hash of what makes the event one: two writes never commit
/// on the same version of a record.
fn message_id(webhook_id: &str, booking_id: &str, kind: EventKind, version: u64) -> String {
    let mut hash = Sha256::new();
    for part in [webhook_id, booking_id, kind.name(), &version.to_string()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// `record` after `attempts` (each naming its entry by message and webhook id) made at `now`: a
/// delivered entry leaves the outbox; a 410 disables its webhook at once; a failure waits for
/// its next turn on [`RETRY_DELAYS`], and disables its webhook when the event has failed for
/// [`GIVE_UP_AFTER`] or the schedule is done. Entries gone meanwhile (a webhook deleted) are
/// left gone.
pub fn with_attempts(
    record: &UserRecord,
    attempts: &[(String, String, Attempt)],
    now: Millis,
) -> UserRecord {
    let mut next = record.clone();
    for (message_id, webhook_id, attempt) in attempts {
        let Some(at) = next
            .outbox
            .iter()
            .position(|entry| &entry.message_id == message_id && &entry.webhook_id == webhook_id)
        else {
            continue;
        };
        match attempt {
            Attempt::Delivered => {
                next.outbox.remove(at);
            }
            Attempt::Gone => {
                next =
                    next.with_webhook_disabled(webhook_id, "the receiver answered 410 Gone", now);
            }
            Attempt::Failed(why) => {
                let entry = &mut next.outbox[at];
                entry.attempts += 1;
                let failed_for = now.saturating_sub(entry.recorded_at);
                let delay = usize::try_from(entry.attempts - 1)
                    .ok()
                    .and_then(|index| RETRY_DELAYS.get(index));
                match delay {
                    Some(&delay) if failed_for < GIVE_UP_AFTER => {
                        entry.next_attempt = now.saturating_add(delay);
                        entry.last_error = Some(why.clone());
                    }
                    _ => {
                        next = next.with_webhook_disabled(
                            webhook_id,
                            &format!("deliveries failed for 24 hours (the latest: {why})"),
                            now,
                        );
                    }
                }
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::super::subscription::{MAX_WEBHOOKS_PER_USER, Webhook};
    use super::*;
    use crate::domain::Interval;
    use crate::domain::booking::{Cancellation, Invited, Invitee};

    fn webhook(id: &str, events: &[EventKind]) -> Webhook {
        Webhook {
            id: id.into(),
            url: "https://example.com/hook".into(),
            events: events.to_vec(),
            sealed_secret: None,
            unsealed_secret: Some(vec![1; 32]),
            created_at: 0,
            disabled: None,
        }
    }

    fn booking(id: &str, start: Millis) -> Booking {
        Booking {
            id: id.into(),
            range: Interval::new(start, start + 30 * MINUTE_MS).expect("valid"),
            organizer: "ana".into(),
            participants: vec!["ana".into()],
            title: None,
            created_at: 0,
            invited: None,
        }
    }

    fn subscribed(events: &[EventKind]) -> UserRecord {
        UserRecord {
            webhooks: vec![webhook("crm", events)],
            ..UserRecord::default()
        }
    }

    #[test]
    fn each_change_records_its_event_for_the_webhooks_that_hear_it() {
        let now = 1_000;
        let before = subscribed(&EventKind::ALL);
        let made = with_events(
            &before,
            before.with_booking(&booking("b1", HOUR_MS), now),
            now,
        );
        assert_eq!(made.outbox.len(), 1);
        assert_eq!(made.outbox[0].kind, EventKind::Created);
        assert_eq!(made.outbox[0].next_attempt, now);
        assert!(made.outbox[0].message_id.starts_with("msg_"));
        let moved_booking = booking("b1", 2 * HOUR_MS);
        let moved = with_events(
            &made,
            made.without_booking("b1").with_booking(&moved_booking, now),
            now,
        );
        assert_eq!(moved.outbox[1].kind, EventKind::Rescheduled);
        let cancelled = with_events(&moved, moved.without_booking("b1"), now);
        assert_eq!(cancelled.outbox[2].kind, EventKind::Cancelled);
        let body: serde_json::Value =
            serde_json::from_str(&cancelled.outbox[2].body).expect("JSON");
        assert_eq!(body["data"]["status"], "cancelled");
        let ids: std::collections::BTreeSet<_> =
            cancelled.outbox.iter().map(|e| &e.message_id).collect();
        assert_eq!(ids.len(), 3, "distinct ids");
    }

    #[test]
    fn nothing_is_recorded_without_a_listening_webhook_or_for_a_dropped_ended_booking() {
        let now = 10 * HOUR_MS;
        let only_created = subscribed(&[EventKind::Created]).with_booking(&booking("b1", 0), 0);
        assert!(
            with_events(&only_created, only_created.without_booking("b1"), now)
                .outbox
                .is_empty()
        );
        let nobody = UserRecord::default();
        assert!(
            with_events(&nobody, nobody.with_booking(&booking("b", HOUR_MS), 0), 0)
                .outbox
                .is_empty()
        );
        let upcoming = subscribed(&EventKind::ALL).with_booking(&booking("b1", 11 * HOUR_MS), 0);
        assert_eq!(
            with_events(&upcoming, upcoming.without_booking("b1"), now)
                .outbox
                .len(),
            1
        );
    }

    #[test]
    fn the_same_change_gives_the_same_ids() {
        let before = subscribed(&EventKind::ALL);
        let after = before.with_booking(&booking("b1", HOUR_MS), 0);
        assert_eq!(
            with_events(&before, after.clone(), 0),
            with_events(&before, after, 0)
        );
    }

    #[test]
    fn a_cancelled_invitee_booking_is_sent_as_kept_without_its_hash() {
        let mut invited = booking("b1", HOUR_MS);
        invited.invited = Some(Box::new(Invited {
            owner: "ana".into(),
            event_type: "intro".into(),
            buffer_before: 0,
            buffer_after: 0,
            invitee: Invitee {
                name: "Io".into(),
                email: "io@example.com".into(),
                timezone: None,
            },
            note: None,
            sequence: 0,
            manage_hash: "secret-hash".into(),
            cancellation: None,
        }));
        let before = subscribed(&EventKind::ALL).with_booking(&invited, 0);
        let mut kept = invited.clone();
        if let Some(inv) = kept.invited.as_mut() {
            inv.cancellation = Some(Cancellation {
                at: 5,
                reason: None,
            });
        }
        let after = before.without_booking("b1").with_cancelled(kept, 5);
        let recorded = with_events(&before, after, 5);
        assert_eq!(recorded.outbox.len(), 1);
        assert!(!recorded.outbox[0].body.contains("secret-hash"));
        assert!(recorded.outbox[0].body.contains("io@example.com"));
    }

    #[test]
    fn failures_follow_the_schedule_and_a_410_or_a_day_disables() {
        let before = subscribed(&EventKind::ALL);
        let mut record = with_events(&before, before.with_booking(&booking("b1", HOUR_MS), 0), 0);
        let key = |r: &UserRecord| (r.outbox[0].message_id.clone(), "crm".to_owned());
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..7 {
            let (id, hook) = key(&record);
            record = with_attempts(&record, &[(id, hook, Attempt::Failed("500".into()))], now);
            let due = record.outbox[0].next_attempt;
            waits.push(due - now);
            now = due;
        }
        assert_eq!(waits, RETRY_DELAYS);
        assert_eq!(record.due_deliveries(now).count(), 1);
        let (id, hook) = key(&record);
        let gone = with_attempts(
            &record,
            &[(id.clone(), hook.clone(), Attempt::Failed("500".into()))],
            now,
        );
        assert!(gone.outbox.is_empty());
        assert!(gone.webhooks[0].disabled.is_some());
        let delivered = with_attempts(
            &record,
            &[(id.clone(), hook.clone(), Attempt::Delivered)],
            now,
        );
        assert!(delivered.outbox.is_empty() && delivered.webhooks[0].disabled.is_none());
        let refused = with_attempts(&record, &[(id, hook, Attempt::Gone)], 0);
        assert!(refused.outbox.is_empty());
        assert!(
            refused.webhooks[0]
                .disabled
                .as_ref()
                .is_some_and(|d| d.reason.contains("410"))
        );
    }

    #[test]
    fn a_backlog_disables_its_webhook_and_bounds_the_record() {
        let mut record = subscribed(&EventKind::ALL);
        for n in 0..=MAX_PENDING_PER_WEBHOOK {
            let start = (n as Millis + 1) * HOUR_MS;
            let next = record.with_booking(&booking(&format!("b{n}"), start), 0);
            record.version += 1;
            record = with_events(&record, next, 0);
        }
        assert!(record.outbox.is_empty());
        assert!(record.webhooks[0].disabled.is_some());
        const { assert!(MAX_WEBHOOKS_PER_USER * MAX_PENDING_PER_WEBHOOK <= 100) };
    }
}
